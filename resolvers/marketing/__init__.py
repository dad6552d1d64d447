"""Marketing: segments, campaigns, results."""
