"""Web front ends shipped inside the Python package (built assets and their routes)."""
