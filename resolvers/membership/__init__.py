"""Membership programs, the points ledger, coupons and the loyalty jobs."""
