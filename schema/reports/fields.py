"""Query.reports: the entry to every report."""

from __future__ import annotations

import strawberry

from schema.reports.types import Reports


@strawberry.type
class Query:
    @strawberry.field(description="Reports over the caller's subtree.")
    def reports(self) -> Reports:
        return Reports()
