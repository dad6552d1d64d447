"""The schema fuzzer: schemathesis' GraphQL mode over every query and mutation, as an ADMIN and
as a SALES user, on SQLite and PostgreSQL. No response may be a 5xx or carry an INTERNAL error.

Run longer locally: CANOPY_FUZZ_EXAMPLES=50 CANOPY_FUZZ_SEED=$RANDOM python -m pytest
tests/security/test_schema_fuzz.py (faults found go to test_bad_input.py as regression cases).
"""

from __future__ import annotations

import json
from typing import Any

from graphql import get_introspection_query

from db.models.core import Role
from tests.conftest import Api, Tenant
from tests.security.conftest import ApiFactory
from tests.security.fuzzing import EXAMPLES, draw_queries, operations, register_scalars
from tests.security.harness import Schema, add_customer, add_node, create_round, harvest


async def _world(api: Api, tenant: Tenant) -> tuple[dict[str, list[str]], str]:
    """A store with a customer and one entity of every kind the creating mutations make."""
    store = await add_node(api, tenant.id, tenant.root_id, "S1", "Store one")
    await add_customer(api, tenant.id, store.id, name="Fay Fuzz", email="fay@fuzz.example", phone="+4930444444")
    schema = await Schema.load(api)
    made: set[str] = set()
    for _ in range(3):  # later rounds run what needed earlier ones' entities
        done = await create_round(api, schema, await harvest(api, tenant.id, schema), "qxfuzz", tenant.token,
                                  skip=made)
        made.update(name for name, _ in done)
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=store.id)
    pool = await harvest(api, tenant.id, schema)
    pool.pop("ApiToken", None)  # revoking the fuzzer's own tokens would end the run early
    return pool, sales


async def test_the_schema_fuzzer_finds_no_fault(api_with: ApiFactory, api: Api, tenant: Tenant) -> None:
    # given: entities of every kind, an admin and a sales token, no rate limit in the way
    pool, sales = await _world(api, tenant)
    register_scalars(gid for ids in pool.values() for gid in ids)
    introspection = await api.ok(get_introspection_query())
    ops = operations(introspection)
    assert len(ops) >= 60, [op.label for op in ops]
    faults: list[str] = []
    sent = 0
    async with api_with(rate_limit_per_minute=10**9, rate_limit_burst=10**9) as fuzz:
        for op in ops:
            for i, query in enumerate(draw_queries(op)):
                # when: each case as the admin, every other one as sales too
                for token in (tenant.token, sales) if i % 2 else (tenant.token,):
                    sent += 1
                    fault = await _fault(fuzz, query, token)
                    if fault:
                        faults.append(f"{op.label}: {fault}\n{query}")
    # then
    assert sent >= len(ops) * min(EXAMPLES, 2)
    assert not faults, "\n\n".join(faults[:20])


async def _fault(api: Api, query: str, token: str) -> str | None:
    try:
        resp = await api.client.post("/graphql", content=json.dumps({"query": query}),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    except Exception as exc:  # noqa: BLE001 - what escapes the ASGI app is a 500 to a real client
        return f"raised {exc!r}"[:300]
    if resp.status_code >= 500:
        return f"HTTP {resp.status_code} {resp.text[:300]}"
    body: dict[str, Any] = resp.json()
    internal = [e for e in body.get("errors") or [] if e.get("extensions", {}).get("code") == "INTERNAL"]
    return f"INTERNAL {internal}" if internal else None
