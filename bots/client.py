"""The bot as a GraphQL client: its operations run in-process against the server's schema."""

from __future__ import annotations

import logging
from typing import Any

from bots.operations import Operation, fitted
from resolvers.common.viewer import Viewer
from schema import build_schema
from schema.context import AppState, Context

log = logging.getLogger("canopy.bots")


class OperationUnavailable(Exception):
    """This server's schema has no such operation (its domain is not installed)."""


class OperationFailed(Exception):
    """A top-level GraphQL error: a fault or a rejected request, never a UserError."""


class GraphQLClient:
    """Runs the bot's operations as one staff member, exactly as a web client would."""

    def __init__(self, app: AppState, viewer: Viewer) -> None:
        self.app = app
        self.viewer = viewer
        self.schema = build_schema(production=app.settings.production)
        self.operations = fitted(self.schema._schema)

    def has(self, name: str, fragment: str | None = None) -> bool:
        op = self.operations.get(name)
        return op is not None and (fragment is None or fragment in op.fragments)

    def operation(self, name: str) -> Operation:
        op = self.operations.get(name)
        if op is None:
            raise OperationUnavailable(name)
        return op

    async def run(self, name: str, **variables: Any) -> dict[str, Any]:
        op = self.operation(name)
        # The schema's CloseSession extension ends the context's session with the operation.
        ctx = Context(self.app, viewer=self.viewer)
        result = await self.schema.execute(op.source, variable_values=variables, context_value=ctx)
        if result.errors:
            log.warning("bot operation %s failed: %s", name, [e.message for e in result.errors])
            raise OperationFailed(result.errors[0].message)
        assert result.data is not None
        return result.data
