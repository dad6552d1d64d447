"""Consent per customer, channel and purpose."""
