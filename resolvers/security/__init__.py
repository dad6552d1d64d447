"""The audit trail and GDPR access and erasure."""
