"""The durable event log, its fan-out and subscriber streams."""
