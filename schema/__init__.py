"""Assembles the GraphQL schema from the domains' Query/Mutation/Subscription parts."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.extensions import CloseSession, MaskInternalErrors, RequireViewer, StatementCounter
from schema.relay import NODE_TYPES

# Each domain's `schema/<domain>/fields.py` may define Query, Mutation, Subscription.
DOMAINS = ["core", "tree", "customers", "membership", "chat"]

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


@cache
def build_schema(*, production: bool = False) -> strawberry.Schema:
    queries, mutations = _parts("Query"), _parts("Mutation")
    subscriptions = _parts("Subscription")
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=15),
        lambda: MaxAliasesLimiter(max_alias_count=50),
        lambda: MaxTokensLimiter(max_token_count=4000),
        CloseSession,
        RequireViewer,
        StatementCounter,
        MaskInternalErrors,
    ]
    return strawberry.Schema(
        query=merge_types("Query", queries),
        mutation=merge_types("Mutation", mutations),
        subscription=merge_types("Subscription", subscriptions) if subscriptions else None,
        types=[*NODE_TYPES, *EXTRA_TYPES],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )
