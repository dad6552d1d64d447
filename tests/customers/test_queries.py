"""customers(...) and customer(...): search, filters, paging both ways, scope, statement counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.base import new_id
from db.models.core import Role
from db.models.customers import Customer, CustomerTag
from schema.relay import decode_id
from tests.conftest import Api, Tenant
from tests.tree.factories import create_node

CREATE = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } errors { code } } }"""

LIST = """
query($filter: CustomerFilter, $order: CustomerOrder, $first: Int, $after: String, $last: Int, $before: String) {
  customers(filter: $filter, orderBy: $order, first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

DEEP = """
query($first: Int) {
  customers(first: $first) { edges { node { name tags node { ancestors { name } settings { currency } } } } }
  tierTree { customers(first: $first) { edges { node { tags } } } }
}"""

STORE_CUSTOMERS = """
query($first: Int) {
  tierTree { descendants { edges { node { code customers(first: $first, includeDescendants: false) {
    totalCount edges { node { name node { code } } } } } } } }
}"""


async def _create(api: Api, node: str, name: str, **extra: object) -> str:
    data = await api.ok(CREATE, {"input": {"nodeId": node, "name": name, **extra}})
    assert data["createCustomer"]["errors"] == [], data
    return data["createCustomer"]["customer"]["id"]


async def _names(api: Api, variables: dict, token: str | None = "default") -> list[str]:
    data = await api.ok(LIST, variables, token=token)
    return [e["node"]["name"] for e in data["customers"]["edges"]]


async def _bulk(api: Api, tenant: Tenant, node_ids: list[int], count: int) -> None:
    """`count` customers spread over the nodes, in one transaction."""
    now = datetime.now(UTC)
    async with api.db.transaction(tenant_id=tenant.id) as session:
        for i in range(count):
            cid = new_id()
            session.add(Customer(
                id=cid, node_id=node_ids[i % len(node_ids)], name=f"Bulk {i:03d}", tags=["bulk"],
                search_text=f"bulk {i:03d}", created_at=now - timedelta(minutes=i),
            ))
            session.add(CustomerTag(customer_id=cid, tag="bulk"))


async def test_search_is_case_insensitive_over_name_email_phone_and_ref(api: Api, tenant: Tenant) -> None:
    # given
    store = await create_node(api, tenant.root_id, "S", locale="de-DE")
    await _create(api, store, "Jürgen MÜLLER", email="j@example.com")
    await _create(api, store, "Anna Schmidt", phone="+49 30 987654", externalRef="POS-100%")
    await _create(api, store, "Bob", email="bob@MUELLER.example")
    # when / then
    assert await _names(api, {"filter": {"search": "müller"}}) == ["Jürgen MÜLLER"]
    assert await _names(api, {"filter": {"search": "MUELLER"}}) == ["Bob"]
    assert await _names(api, {"filter": {"search": "987654"}}) == ["Anna Schmidt"]
    assert await _names(api, {"filter": {"search": "pos-100%"}}) == ["Anna Schmidt"]
    assert await _names(api, {"filter": {"search": "100_"}}) == []  # LIKE wildcards are literal
    assert await _names(api, {"filter": {"search": "anna 9876"}}) == ["Anna Schmidt"]


async def test_tag_node_and_date_filters(api: Api, tenant: Tenant) -> None:
    # given
    eu = await create_node(api, tenant.root_id, "EU", kind="region")
    de = await create_node(api, eu, "DE")
    us = await create_node(api, tenant.root_id, "US")
    await _create(api, de, "A", tags=["vip", "b2b"])
    await _create(api, de, "B", tags=["vip"])
    await _create(api, us, "C", tags=["VIP", "b2b"])
    order = {"field": "NAME", "direction": "ASC"}
    # when / then
    assert await _names(api, {"filter": {"tags": ["vip"]}, "order": order}) == ["A", "B", "C"]
    assert await _names(api, {"filter": {"tags": ["Vip", "b2b"]}, "order": order}) == ["A", "C"]
    assert await _names(api, {"filter": {"nodeId": eu}, "order": order}) == ["A", "B"]
    assert await _names(api, {"filter": {"nodeId": eu, "tags": ["b2b"]}}) == ["A"]
    assert await _names(api, {"filter": {"nodeId": "garbage"}}) == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await _names(api, {"filter": {"createdAfter": future}}) == []
    assert await _names(api, {"filter": {"createdBefore": future}, "order": order}) == ["A", "B", "C"]


async def test_paging_forwards_and_backwards_with_ties_broken_by_id(api: Api, tenant: Tenant) -> None:
    # given: seven customers, names with ties
    store = await create_node(api, tenant.root_id, "S")
    for name in ["b", "a", "c", "a", "b", "d", "a"]:
        await _create(api, store, name)
    order = {"field": "NAME", "direction": "ASC"}
    # when: forwards by 3
    pages, after = [], None
    while True:
        data = (await api.ok(LIST, {"order": order, "first": 3, "after": after}))["customers"]
        pages.append(data)
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    forward = [e["cursor"] for p in pages for e in p["edges"]]
    # and backwards by 3 from the end
    back_pages, before = [], None
    while True:
        data = (await api.ok(LIST, {"order": order, "last": 3, "before": before}))["customers"]
        back_pages.insert(0, data)
        if not data["pageInfo"]["hasPreviousPage"]:
            break
        before = data["pageInfo"]["startCursor"]
    backward = [e["cursor"] for p in back_pages for e in p["edges"]]
    # then
    names = [e["node"]["name"] for p in pages for e in p["edges"]]
    assert names == ["a", "a", "a", "b", "b", "c", "d"]
    assert len(set(forward)) == 7 and backward == forward
    assert pages[0]["totalCount"] == 7 and pages[1]["pageInfo"]["hasPreviousPage"]
    desc = await _names(api, {"order": {"field": "NAME", "direction": "DESC"}, "first": 7})
    assert desc == names[::-1]


async def test_paging_is_stable_under_concurrent_inserts(api: Api, tenant: Tenant) -> None:
    store = await create_node(api, tenant.root_id, "S")
    for i in range(6):
        await _create(api, store, f"old {i}")
    first = (await api.ok(LIST, {"first": 3}))["customers"]
    for i in range(3):
        await _create(api, store, f"new {i}")
    second = (await api.ok(LIST, {"first": 10, "after": first["pageInfo"]["endCursor"]}))["customers"]
    seen = [e["node"]["name"] for e in first["edges"] + second["edges"]]
    assert seen == [f"old {i}" for i in range(5, -1, -1)]


async def test_page_size_above_100_and_ambiguous_lookups_are_errors(api: Api, tenant: Tenant) -> None:
    body = await api.post(LIST, {"first": 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await api.post('{ tierTree { customers(first: 500) { totalCount } } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await api.post('{ customer(id: "x", externalRef: "y") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await api.post('{ customers(filter: {tierIds: ["x"]}) { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_store_scoped_sales_sees_only_their_stores_customers(api: Api, tenant: Tenant) -> None:
    # given
    ber = await create_node(api, tenant.root_id, "BER")
    par = await create_node(api, tenant.root_id, "PAR")
    mine = await _create(api, ber, "Mine", externalRef="B-1")
    theirs = await _create(api, par, "Theirs", externalRef="P-1")
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=decode_id(ber, "TierNode"))
    lookup = "query($id: ID, $ref: String) { customer(id: $id, externalRef: $ref) { name } }"
    # when / then
    assert await _names(api, {}, token=sales) == ["Mine"]
    assert await _names(api, {"filter": {"nodeId": par}}, token=sales) == []
    node = await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": theirs}, token=sales)
    assert node["node"] is None
    assert (await api.ok(lookup, {"id": theirs}, token=sales))["customer"] is None
    assert (await api.ok(lookup, {"ref": "P-1"}, token=sales))["customer"] is None
    assert (await api.ok(lookup, {"id": mine}, token=sales))["customer"] == {"name": "Mine"}
    assert (await api.ok(lookup, {"ref": "B-1"}, token=sales))["customer"] == {"name": "Mine"}


async def test_statement_counts_do_not_grow_with_the_page(api: Api, tenant: Tenant) -> None:
    # given: 120 customers over 6 stores, three levels deep
    stores = []
    for r in range(2):
        region = await create_node(api, tenant.root_id, f"R{r}", kind="region", currency="GBP")
        for s in range(3):
            stores.append(decode_id(await create_node(api, region, f"R{r}-{s}"), "TierNode"))
    await _bulk(api, tenant, stores, 120)
    # when
    small = await api.statements(DEEP, {"first": 10})
    large = await api.statements(DEEP, {"first": 100})
    per_store_small = await api.statements(STORE_CUSTOMERS, {"first": 10})
    per_store_large = await api.statements(STORE_CUSTOMERS, {"first": 100})
    # then
    assert small == large
    assert per_store_small == per_store_large
    data = await api.ok(DEEP, {"first": 100})
    first = data["customers"]["edges"][0]["node"]
    assert first["tags"] == ["bulk"] and first["node"]["settings"] == {"currency": "GBP"}
    assert [a["name"] for a in first["node"]["ancestors"]][:1] == ["acme"]
    assert len(data["tierTree"]["customers"]["edges"]) == 100
    stores_data = await api.ok(STORE_CUSTOMERS, {"first": 100})
    totals = [e["node"]["customers"]["totalCount"] for e in stores_data["tierTree"]["descendants"]["edges"]]
    assert sorted(totals) == [0, 0, 20, 20, 20, 20, 20, 20]


async def test_search_does_not_probe_personal_data_for_an_integrator(api: Api, tenant: Tenant) -> None:
    # given
    store = await create_node(api, tenant.root_id, "S")
    await _create(api, store, "Ada Lovelace", email="ada@example.com", externalRef="ERP-42")
    integrator = await api.make_staff(tenant, role=Role.INTEGRATOR, scope_node_id=tenant.root_id)
    # when / then
    assert await _names(api, {"filter": {"search": "lovelace"}}, token=integrator) == []
    assert await _names(api, {"filter": {"search": "ada@"}}, token=integrator) == []
    assert await _names(api, {"filter": {"search": "erp-4"}}, token=integrator) == ["Ada Lovelace"]
    data = await api.ok("{ tierTree { customers(filter: {search: \"ada\"}) { totalCount } } }", token=integrator)
    assert data["tierTree"]["customers"]["totalCount"] == 0


async def test_a_full_international_phone_number_matches_that_phone_exactly(api: Api, tenant: Tenant) -> None:
    # given: one number is a prefix of the other
    store = await create_node(api, tenant.root_id, "S", locale="de-DE")
    await _create(api, store, "Anna", phone="+49 30 987654")
    await _create(api, store, "Carl", phone="+49 30 9876543")
    integrator = await api.make_staff(tenant, role=Role.INTEGRATOR, scope_node_id=tenant.root_id)
    # when / then: written any usual way, a complete number finds that customer only
    for written in ("+49 30 987654", "+4930987654", "0049 30 987654", "+49-30-987654"):
        assert await _names(api, {"filter": {"search": written}}) == ["Anna"], written
    # a partial number (or one with words) is still a substring search
    assert sorted(await _names(api, {"filter": {"search": "30987654"}})) == ["Anna", "Carl"]
    assert await _names(api, {"filter": {"search": "carl +4930"}}) == ["Carl"]
    # and the exact path does not let a role without personal data probe phones
    assert await _names(api, {"filter": {"search": "+4930987654"}}, token=integrator) == []
