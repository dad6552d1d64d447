"""Cross-tenant and cross-scope matrices over the whole schema: zero leaks, nothing written.

Tenant A (the caller) has two stores, NEAR and AWAY; tenant B has its own.
Entities are created in every zone through every creating mutation the schema
has (plus customers written directly while no customer mutation exists), then
every mutation ID field and every query ID argument is probed with the other
zone's ids: the answer holds none of their data, and no row changes.
"""

from __future__ import annotations

from typing import Any

import orjson

from tests.conftest import Api, Tenant
from tests.security.conftest import ApiFactory
from tests.security.harness import (
    Filler,
    Schema,
    harvest,
    id_type,
    input_type_of,
    mutation_document,
    payload_errors,
    render,
    row_counts,
    unwrap,
)
from tests.security.world import HIDDEN, OTHER, World, build_world


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def _leaks(body: dict[str, Any], marker: str, foreign: set[str]) -> list[str]:
    found = []
    if marker in orjson.dumps(body).decode().lower():
        found.append(f"marker {marker}")
    found += sorted(_strings(body.get("data")) & foreign)
    return found


async def _post(api: Api, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    resp = await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"}
    )
    return resp.json()


def _probe_types(field_name: str, operation: str, schema: Schema, foreign: dict[str, list[str]]) -> list[str]:
    """The foreign types to try in an ID field: its own type when known, else every type."""
    expected = id_type(field_name, operation, schema.node_types())
    return [expected] if expected in foreign else sorted(foreign)


async def probe_mutations(api: Api, world: World, token: str, own: str, foreign: str, marker: str) -> tuple[int, list[str]]:
    schema, failures, calls = world.schema, [], 0
    foreign_pool = world.pools[foreign]
    foreign_ids = {i for ids in foreign_pool.values() for i in ids}
    for m in schema.mutations:
        input_name = input_type_of(m)
        if input_name is None:
            continue
        for f in schema.types[input_name]["inputFields"]:
            named, _, is_list = unwrap(f["type"])
            if named["name"] != "ID":
                continue
            for type_name in _probe_types(f["name"], m["name"], schema, foreign_pool):
                bad = foreign_pool[type_name][-1]
                filler = Filler(schema, world.pools[own], "qxcaller", operation=m["name"])
                variables = filler.fill(input_name, force={f["name"]: [bad] if is_list else bad})
                if variables is None:
                    continue
                before = await row_counts(api)
                body = await _post(api, token, mutation_document(schema, m), {"input": variables})
                calls += 1
                where = f"{m['name']}.{f['name']}={type_name}"
                if leaks := _leaks(body, marker, foreign_ids):
                    failures.append(f"{where} leaked {leaks}")
                if payload_errors(body, m["name"]) == []:
                    failures.append(f"{where} succeeded")
                if await row_counts(api) != before:
                    failures.append(f"{where} wrote rows")
    return calls, failures


def _id_args(schema: Schema, args: list[dict[str, Any]]) -> list[tuple[str, str | None, bool]]:
    """(argument, input field or None, is list) for every ID an argument carries."""
    out = []
    for a in args:
        named, _, is_list = unwrap(a["type"])
        if named["name"] == "ID":
            out.append((a["name"], None, is_list))
        elif named["kind"] == "INPUT_OBJECT":
            for f in schema.types[named["name"]]["inputFields"]:
                fnamed, _, flist = unwrap(f["type"])
                if fnamed["name"] == "ID":
                    out.append((a["name"], f["name"], flist))
    return out


def _query_targets(schema: Schema) -> list[tuple[str, dict[str, Any]]]:
    """Root fields, and fields of objects that argument-free root fields return (tierTree, me)."""
    targets = [("", f) for f in schema.queries]
    for root in schema.queries:
        named, _, is_list = unwrap(root["type"])
        if root["args"] or is_list or named["kind"] != "OBJECT" or named["name"].endswith("Connection"):
            continue
        targets += [(root["name"], f) for f in schema.types[named["name"]]["fields"] if f["args"]]
    return targets


async def probe_queries(api: Api, world: World, token: str, own: str, foreign: str, marker: str) -> tuple[int, list[str]]:
    schema, failures, calls = world.schema, [], 0
    foreign_pool = world.pools[foreign]
    foreign_ids = {i for ids in foreign_pool.values() for i in ids}
    for parent, f in _query_targets(schema):
        for arg, sub, is_list in _id_args(schema, f["args"]):
            for type_name in _probe_types(sub or arg, f["name"], schema, foreign_pool):
                bad = foreign_pool[type_name][-1]
                value: Any = [bad] if is_list else bad
                filler = Filler(schema, world.pools[own], "qxcaller", operation=f["name"])
                values: dict[str, Any] = {}
                for a in f["args"]:
                    if a["name"] == arg:
                        values[arg] = filler.fill(unwrap(a["type"])[0]["name"], force={sub: value}) if sub else value
                    elif unwrap(a["type"])[1] and a["defaultValue"] is None:
                        values[a["name"]] = filler.value(a["name"], a["type"])
                decl = ", ".join(f"${a['name']}: {render(a['type'])}" for a in f["args"] if a["name"] in values)
                call = ", ".join(f"{n}: ${n}" for n in values)
                named = unwrap(f["type"])[0]["name"]
                selection = schema.selection(named, 3) if schema.types[named]["kind"] != "SCALAR" else ""
                inner = f"{f['name']}({call}) {selection}"
                query = f"query({decl}) {{ {parent} {{ {inner} }} }}" if parent else f"query({decl}) {{ {inner} }}"
                body = await _post(api, token, query, values)
                calls += 1
                if leaks := _leaks(body, marker, foreign_ids):
                    failures.append(f"{parent}.{f['name']}({arg}{'.' + sub if sub else ''}={type_name}) leaked {leaks}")
    return calls, failures


async def probe_lists(api: Api, world: World, token: str, foreign: str, marker: str) -> list[str]:
    """Every argument-free root field (connections, lists): nothing foreign in it."""
    failures = []
    foreign_ids = {i for ids in world.pools[foreign].values() for i in ids}
    for f in world.schema.queries:
        if any(unwrap(a["type"])[1] and a["defaultValue"] is None for a in f["args"]):
            continue
        named = unwrap(f["type"])[0]["name"]
        if world.schema.types[named]["kind"] == "SCALAR":
            continue
        body = await _post(api, token, f"{{ {f['name']} {world.schema.selection(named, 4)} }}", {})
        if leaks := _leaks(body, marker, foreign_ids):
            failures.append(f"{f['name']} leaked {leaks}")
    return failures


async def test_cross_tenant_and_cross_scope_matrix(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    async with api_with(rate_limit_burst=1_000_000, rate_limit_per_minute=1_000_000) as client:
        # given
        world = await build_world(client, tenant)
        assert {"TierNode", "Customer", "Staff"} <= set(world.pools["b"])
        assert {"TierNode", "Customer"} <= set(world.pools["away"])
        snapshot_b = await harvest(client, world.b.id, world.schema)
        # when: A's admin and NEAR manager probe B's ids; NEAR staff of every role probe AWAY's
        failures: list[str] = []
        calls = 0
        probes = [(tenant.token, "near", "b", OTHER), (world.manager, "near", "b", OTHER)]
        probes += [(token, "near", "away", HIDDEN) for token in world.near_staff.values()]
        for token, own, foreign, marker in probes:
            n, found = await probe_mutations(client, world, token, own, foreign, marker)
            calls += n
            failures += found
            n, found = await probe_queries(client, world, token, own, foreign, marker)
            calls += n
            failures += found
            failures += await probe_lists(client, world, token, foreign, marker)
        # then
        assert failures == []
        assert calls >= 20
        assert await harvest(client, world.b.id, world.schema) == snapshot_b
