"""Customers and their unified timeline."""
