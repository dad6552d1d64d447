"""The tier tree: nodes, inherited settings, subtree rollups."""
