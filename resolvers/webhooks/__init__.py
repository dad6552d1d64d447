"""Webhooks for integrators: registration (service.py), URL policy (urls.py), delivery (worker.py)."""
