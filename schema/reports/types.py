"""SCAFFOLD (pipeline branch owns this file)."""

from __future__ import annotations

import strawberry

from schema.reports.analytics import AnalyticsReports


@strawberry.type(name="Reports")
class Reports(AnalyticsReports):
    pass
