"""Integrator events: the log as a connection and as a subscription."""
