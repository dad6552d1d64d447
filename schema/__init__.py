"""Assembles the GraphQL schema from the domains' Query/Mutation/Subscription parts."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.events.render import CanopyExecutor
from schema.extensions import limit_extensions, log_errors
from schema.relay import NODE_TYPES
from schema.scalars import SCALAR_OVERRIDES

# Each domain's `schema/<domain>/fields.py` may define Query, Mutation, Subscription.
DOMAINS = [
    "core", "tree", "customers", "membership", "orders", "service", "security", "events", "reports",
    "pipeline", "chat", "webhooks", "consent", "marketing",
]

# Types reachable only through interfaces or unions must be listed for the schema.
EXTRA_TYPES: list[Any] = []


def _parts(kind: str) -> tuple[type, ...]:
    found = []
    for domain in DOMAINS:
        module = importlib.import_module(f"schema.{domain}.fields")
        part = getattr(module, kind, None)
        if part is not None and getattr(part, "__strawberry_definition__", None) and part.__strawberry_definition__.fields:
            found.append(part)
    return tuple(found)


class CanopySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        log_errors(errors, execution_context)


@cache
def build_schema(*, production: bool = False) -> strawberry.Schema:
    queries, mutations = _parts("Query"), _parts("Mutation")
    subscriptions = _parts("Subscription")
    return CanopySchema(
        query=merge_types("Query", queries),
        mutation=merge_types("Mutation", mutations),
        subscription=merge_types("Subscription", subscriptions) if subscriptions else None,
        types=[*NODE_TYPES, *EXTRA_TYPES],
        extensions=limit_extensions(production=production),
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=production),
        execution_context_class=CanopyExecutor,
    )
