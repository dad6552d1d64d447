"""Reports: read-only aggregates over the caller's subtree (each domain adds its field)."""

from __future__ import annotations

import strawberry

from schema.pipeline.forecast import ForecastReports
from schema.reports.analytics import AnalyticsReports


@strawberry.type(name="Reports")
class Reports(AnalyticsReports, ForecastReports):
    """salesByNode, rfm, tierDistribution, ticketSla, topCustomers come from AnalyticsReports;
    forecast from ForecastReports."""
