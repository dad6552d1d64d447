"""Reports: read-only aggregates over the caller's subtree (each domain adds its field)."""

from __future__ import annotations

import strawberry

from schema.reports.analytics import AnalyticsReports


@strawberry.type(name="Reports")
class Reports(AnalyticsReports):
    """salesByNode, rfm, tierDistribution, ticketSla, topCustomers come from AnalyticsReports."""
