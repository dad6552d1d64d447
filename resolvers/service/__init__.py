"""Service tickets and logged interactions."""
