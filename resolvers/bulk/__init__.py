"""Bulk data: CSV/JSONL imports through the domain validators, streamed exports."""
