"""Generic exploration of the schema: auto-filled inputs, entity creation, id harvesting.

Nothing here names a domain's mutation: inputs are filled from introspection
by field name and type, so the security matrices cover every domain that lands.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal, select, union_all

from db.audit import entity_type_of
from db.base import Base, TenantScoped, new_id
from db.models.core import AuditEntry
from db.models.customers import Customer
from db.models.tree import TierNode, in_subtree, path_segment
from schema.relay import to_global_id
from tests.conftest import Api

INTROSPECT = """
query { __schema { types { name kind
  fields { name args { name type { ...T } defaultValue } type { ...T } }
  inputFields { name type { ...T } defaultValue }
  interfaces { name } enumValues { name } possibleTypes { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""

# An ID field's entity type, from the field name (before "Id"/"Ids").
ID_TYPES = {
    "node": "TierNode", "parent": "TierNode", "newParent": "TierNode", "store": "TierNode",
    "scopeNode": "TierNode", "tier": "MembershipTier", "program": "MembershipProgram",
    "membershipProgram": "MembershipProgram", "assignee": "Staff", "owner": "Staff",
    "staff": "Staff", "stage": "PipelineStage",
}
# Mutations whose point is to create something; run in rounds to harvest entities.
CREATORS = ("create", "open", "log", "enroll", "issue", "add", "set", "comment")
_seq = itertools.count(1)


def unwrap(t: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
    """(named type, required, is list)."""
    required = t["kind"] == "NON_NULL"
    if required:
        t = t["ofType"]
    is_list = t["kind"] == "LIST"
    while t.get("ofType") is not None:
        t = t["ofType"]
    return t, required, is_list


@dataclass
class Schema:
    types: dict[str, dict[str, Any]]

    @classmethod
    async def load(cls, api: Api) -> Schema:
        data = await api.ok(INTROSPECT)
        return cls({t["name"]: t for t in data["__schema"]["types"]})

    @property
    def mutations(self) -> list[dict[str, Any]]:
        return self.types["Mutation"]["fields"]

    @property
    def queries(self) -> list[dict[str, Any]]:
        return self.types["Query"]["fields"]

    def node_types(self) -> set[str]:
        return {n["name"] for n in self.types["Node"]["possibleTypes"]}

    def id_fields(self, input_name: str) -> list[str]:
        return [f["name"] for f in self.types[input_name]["inputFields"] if unwrap(f["type"])[0]["name"] == "ID"]

    def selection(self, type_name: str, depth: int = 3) -> str:
        """Every argument-free field down to `depth` (ids through the Node interface)."""
        t = self.types[type_name]
        if t["kind"] in ("UNION", "INTERFACE"):
            return "{ __typename ... on Node { id } }"
        parts = ["__typename"]
        for f in t["fields"] or ():
            if any(unwrap(a["type"])[1] and a["defaultValue"] is None for a in f["args"]):
                continue
            named = unwrap(f["type"])[0]
            if named["kind"] in ("SCALAR", "ENUM"):
                parts.append(f["name"])
            elif depth > 1:
                parts.append(f"{f['name']} {self.selection(named['name'], depth - 1)}")
        return "{ " + " ".join(parts) + " }"


def id_type(field_name: str, operation: str, node_types: set[str]) -> str | None:
    if field_name == "id":  # the mutation's own entity: updateTierNode -> TierNode
        matches = [t for t in node_types if operation.endswith(t)]
        return max(matches, key=len) if matches else None
    stem = field_name.removesuffix("Ids").removesuffix("Id")
    name = ID_TYPES.get(stem, stem[:1].upper() + stem[1:])
    return name if name in node_types else None


@dataclass
class Filler:
    """Fills an input type from a pool of ids (type -> global ids) with marked strings."""

    schema: Schema
    pool: dict[str, list[str]]
    marker: str
    operation: str = ""
    missing: list[str] = field(default_factory=list)

    def value(self, name: str, type_ref: dict[str, Any]) -> Any:
        named, _required, is_list = unwrap(type_ref)
        single = self.scalar(name, named)
        if single is None:
            return None
        return [single] if is_list else single

    def scalar(self, name: str, named: dict[str, Any]) -> Any:
        n = next(_seq)
        kind, tname = named["kind"], named["name"]
        lname = name.lower()
        if kind == "INPUT_OBJECT":
            return self.fill(tname)
        if kind == "ENUM":
            values = [v["name"] for v in self.schema.types[tname]["enumValues"]]
            return "SALES" if "SALES" in values else values[0]
        if tname == "ID":
            target = id_type(name, self.operation, self.schema.node_types())
            ids = self.pool.get(target or "", [])
            if not ids:
                self.missing.append(name)
                return None
            return ids[-1]
        if tname == "String":
            if "email" in lname:
                return f"{self.marker}{n}@example.com"
            if "phone" in lname:
                return f"+4930{n:07d}"
            if "currency" in lname:
                return "EUR"
            if "locale" in lname:
                return "en"
            if "timezone" in lname:
                return "UTC"
            if "password" in lname:
                return "a-long-enough-password"
            if lname == "date" or lname.endswith("date"):
                return "2026-01-15"
            if lname in ("code", "sku", "number"):
                return f"{self.marker.upper()}-{n}"
            return f"{self.marker} {name} {n}"
        if tname == "Int":
            return {"threshold": 0, "rank": n, "quantity": 1, "delta": 10, "points": 1}.get(name, 1)
        if tname == "Decimal":
            return "1.25" if "rate" in lname else "10"
        if tname == "Float":
            return 1.0
        if tname == "Boolean":
            return False
        if tname == "DateTime":
            return "2030-01-01T00:00:00+00:00"
        if tname == "JSON":
            return {}
        return None

    def fill(self, input_name: str, *, force: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The required fields (and `force`); None when a required one cannot be filled."""
        out: dict[str, Any] = {}
        for f in self.schema.types[input_name]["inputFields"]:
            name = f["name"]
            if force and name in force:
                out[name] = force[name]
                continue
            if not unwrap(f["type"])[1]:
                continue  # optional fields stay out; the matrices set the ones they probe
            value = self.value(name, f["type"])
            if value is None:
                return None
            out[name] = value
        return out


def mutation_document(schema: Schema, mutation: dict[str, Any]) -> str:
    payload = unwrap(mutation["type"])[0]["name"]
    has_input = any(a["name"] == "input" for a in mutation["args"])
    input_type = next((unwrap(a["type"])[0]["name"] for a in mutation["args"] if a["name"] == "input"), None)
    args = "(input: $input)" if has_input else ""
    variables = f"($input: {input_type}!)" if has_input else ""
    return f"mutation{variables} {{ {mutation['name']}{args} {schema.selection(payload, 2)} }}"


def input_type_of(mutation: dict[str, Any]) -> str | None:
    return next((unwrap(a["type"])[0]["name"] for a in mutation["args"] if a["name"] == "input"), None)


def payload_errors(result: dict[str, Any], name: str) -> list[Any] | None:
    """The payload's errors, or None when the call failed at the top level."""
    if result.get("errors") or not result.get("data") or result["data"].get(name) is None:
        return None
    return result["data"][name].get("errors", [])


# ---------- the database side ----------

def tenant_models() -> list[Any]:
    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)]


async def harvest(api: Api, tenant_id: int, schema: Schema, *, under: str | None = None) -> dict[str, list[str]]:
    """Global ids of the tenant's entities by type; with `under`, only those whose audit
    rows place them in that subtree (the rows' node_id)."""
    out: dict[str, list[str]] = {}
    node_types = schema.node_types()
    async with api.db.session(tenant_id=tenant_id) as session:
        allowed: set[tuple[str, int]] | None = None
        if under is not None:
            subtree = select(TierNode.id).where(in_subtree(TierNode.path, under))
            rows = await session.execute(
                select(AuditEntry.entity_type, AuditEntry.entity_id).where(AuditEntry.node_id.in_(subtree))
            )
            allowed = {(t, i) for t, i in rows.all()}
        for model in tenant_models():
            type_name = entity_type_of(model)
            if type_name not in node_types:
                continue
            for pk in (await session.scalars(select(model.id).order_by(model.id))).all():
                if allowed is None or (type_name, pk) in allowed:
                    out.setdefault(type_name, []).append(to_global_id(type_name, pk))
    return out


async def row_counts(api: Api) -> dict[str, int]:
    """Rows per table, all tenants, in one statement."""
    counts = union_all(*(
        select(literal(t.name).label("t"), func.count().label("n")).select_from(t)
        for t in Base.metadata.sorted_tables
    ))
    async with api.db.session(all_tenants=True) as session:
        return {t: int(n) for t, n in (await session.execute(counts)).all()}


def render(type_ref: dict[str, Any]) -> str:
    """A type reference in SDL, e.g. [ID!]!"""
    if type_ref["kind"] == "NON_NULL":
        return render(type_ref["ofType"]) + "!"
    if type_ref["kind"] == "LIST":
        return f"[{render(type_ref['ofType'])}]"
    return type_ref["name"]


async def add_node(api: Api, tenant_id: int, parent_id: int, code: str, name: str) -> TierNode:
    async with api.db.transaction(tenant_id=tenant_id) as session:
        parent = await session.get(TierNode, (tenant_id, parent_id))
        assert parent is not None
        node_id = new_id()
        node = TierNode(
            tenant_id=tenant_id, id=node_id, parent_id=parent_id, code=code, name=name, kind="store",
            path=f"{parent.path}{path_segment(node_id)}/", depth=parent.depth + 1,
        )
        session.add(node)
    return node


async def add_customer(api: Api, tenant_id: int, node_id: int, *, name: str, email: str, phone: str) -> int:
    """A customer written through the unit of work (so audited), as the customers domain would."""
    async with api.db.session(tenant_id=tenant_id) as session:
        from db.outbox import emit
        from db.uow import unit_of_work

        async with unit_of_work(session, operation="createCustomer"):
            customer = Customer(
                tenant_id=tenant_id, node_id=node_id, name=name, email=email, phone=phone,
                external_ref=f"ext-{new_id()}", attributes={"note": f"prefers {email}"},
            )
            session.add(customer)
            await session.flush()
            emit(session, "CUSTOMER_CREATED", subject=customer, node_id=node_id,
                 data={"name": name, "email": email, "phone": phone})
    return customer.id


async def create_round(
    api: Api, schema: Schema, pool: dict[str, list[str]], marker: str, token: str,
    *, skip: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[tuple[str, str]]:
    """Run every creating mutation once with inputs filled from `pool`; (name, request id) of successes."""
    done = []
    for m in schema.mutations:
        name = m["name"]
        if not name.startswith(CREATORS) or name == "login" or name in skip or input_type_of(m) is None:
            continue
        filler = Filler(schema, pool, marker, operation=name)
        variables = filler.fill(input_type_of(m))
        if variables is None:
            continue
        request_id = f"req-{next(_seq)}"
        resp = await api.client.post(
            "/graphql", json={"query": mutation_document(schema, m), "variables": {"input": variables}},
            headers={"authorization": f"Bearer {token}", "x-request-id": request_id},
        )
        if payload_errors(resp.json(), name) == []:
            done.append((name, request_id))
    return done

