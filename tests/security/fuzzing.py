"""Schemathesis' GraphQL mode over the whole schema: cases drawn per operation, sent through
the ASGI app by the test's own client (the app's database lives in the test's event loop).

Canopy's scalars get strategies that mix valid values with the edges that faulted before
(naive or year-10000 DateTimes, huge Decimals, forged ids); IDs are mostly real ids of the
scenario's entities, so mutations get past NOT_FOUND into the use cases.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from typing import Any

import graphql
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# Per operation; CANOPY_FUZZ_EXAMPLES raises it for a longer local run,
# CANOPY_FUZZ_SEED picks another fixed seed (CI draws the same cases every run).
EXAMPLES = int(os.environ.get("CANOPY_FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("CANOPY_FUZZ_SEED", "16"))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_huge = st.integers(min_value=-(2**70), max_value=2**70)
_text = st.one_of(st.text(max_size=12), st.sampled_from(["", "\x00", "%", "_", "x" * 300]))
_offsets = st.sampled_from(["Z", "+00:00", "-14:00", "+14:00", "", "+05:30"])
_datetimes = st.one_of(
    st.builds(lambda d, t, o: f"{d.isoformat()}T{t.isoformat()}{o}", st.dates(), st.times(), _offsets),
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                     "99999-01-01T00:00:00Z", "2026-02-30T00:00:00Z"]),
    _text,
)
_dates = st.one_of(st.dates().map(str), st.sampled_from(["0001-01-01", "9999-12-31", "99999-01-01", "2026-13-01"]),
                   _text)
_decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str), _huge.map(str),
    st.sampled_from(["1e999999", "-1e-999999", "1e27", "0.00000000001", "1" * 19]), _text,
)
_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True)


def _json_node(value: Any) -> graphql.ValueNode:
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([_json_node(v) for v in value])
    return nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_json_node(v))
                         for k, v in value.items()])


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), _huge, st.floats(allow_nan=False, allow_infinity=False), _text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_names, inner, max_size=3)),
    max_leaves=6,
)


def register_scalars(real_ids: Iterable[str]) -> None:
    """Strategies for Canopy's scalars (schemathesis keeps them in a process-wide registry)."""
    pool = sorted(set(real_ids)) or ["x"]
    forged = st.builds(lambda t, k: _b64(f"{t}:{k}".encode()), st.sampled_from(["Customer", "Staff", "Order", "x"]),
                       _huge)
    ids = st.one_of(st.sampled_from(pool), st.sampled_from(pool), st.sampled_from(pool), forged, _text)
    schemathesis.graphql.scalar("ID", ids.map(nodes.String))
    schemathesis.graphql.scalar("DateTime", _datetimes.map(nodes.String))
    schemathesis.graphql.scalar("Date", _dates.map(nodes.String))
    schemathesis.graphql.scalar("Decimal", _decimals.map(nodes.String))
    schemathesis.graphql.scalar("JSON", _json.map(_json_node))


def operations(introspection: dict[str, Any]) -> list[Any]:
    """Every query and mutation of the schema, as schemathesis' operations."""
    loaded = schemathesis.graphql.from_dict(introspection)
    return [result.ok() for result in loaded.get_all_operations()]


def draw_queries(operation: Any, examples: int = EXAMPLES) -> list[str]:
    """Up to `examples` distinct documents schemathesis generates for one operation."""
    found: list[str] = []

    @seed(SEED)
    @settings(max_examples=examples, deadline=None, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def collect(case: Any) -> None:
        if case.body not in found:
            found.append(case.body)

    collect()
    return found
