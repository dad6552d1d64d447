"""Tenants, staff, passwords, login and API tokens."""
