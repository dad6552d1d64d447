"""duplicateCandidates, createCustomer's warning and the CLI's duplicates/merge, on both backends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cli.main import main
from resolvers.customers.identity import email_key, name_key
from tests.conftest import Api, Tenant
from tests.membership.conftest import Shop, gid

CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id } errors { code } warnings { code message score reasons customer { id } } } }"""
PAIRS = """query($node: ID, $first: Int, $after: String) { duplicateCandidates(nodeId: $node, first: $first, after: $after) {
  totalCount edges { cursor node { score reasons nameSimilarity customers { id name } } } pageInfo { hasNextPage endCursor } } }"""


def test_match_keys() -> None:
    assert email_key("A.Lice+shop@GoogleMail.com") == "alice@gmail.com"
    assert email_key("a.lice+news@outlook.com") == "a.lice@outlook.com"
    assert email_key("a.lice+news@example.com") == "a.lice+news@example.com"
    assert name_key("Müller, Anna-Lena") == name_key("anna lena MULLER") == "anna lena muller"
    assert email_key(None) is None and name_key("  ") is None


async def _create(shop: Shop, **values: str) -> dict:
    data = await shop.api.ok(CREATE, {"input": {"nodeId": gid("TierNode", shop.store.id), **values}})
    assert data["createCustomer"]["errors"] == []
    return data["createCustomer"]


async def test_pairs_by_phone_email_and_name_with_scores_and_paging(shop: Shop) -> None:
    # given
    anna = (await _create(shop, name="Anna Schmidt", email="anna.schmidt@gmail.com", phone="+4930111222"))["customer"]["id"]
    same = await _create(shop, name="Schmidt, Anna", email="AnnaSchmidt+shop@googlemail.com", phone="+49 30 111222")
    await _create(shop, name="Bruno Petit", email="bruno@example.com")
    bruno2 = await _create(shop, name="Bruno Petit")
    # then: createCustomer warned about the likely duplicate, naming it, and still created it
    (warning,) = same["warnings"]
    assert warning["code"] == "LIKELY_DUPLICATE" and warning["customer"]["id"] == anna
    assert set(warning["reasons"]) == {"SAME_PHONE", "SAME_EMAIL", "SIMILAR_NAME"}
    assert same["customer"]["id"] and bruno2["warnings"][0]["reasons"] == ["SIMILAR_NAME"]
    # when
    first = (await shop.api.ok(PAIRS, {"first": 1}))["duplicateCandidates"]
    # then: best first; phone + email + name score 1 - 0.4 * 0.4 * 0.6
    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"]
    top = first["edges"][0]["node"]
    assert top["score"] == 0.904 and {c["id"] for c in top["customers"]} == {anna, same["customer"]["id"]}
    assert top["nameSimilarity"] == 1.0
    rest = (await shop.api.ok(PAIRS, {"first": 5, "after": first["pageInfo"]["endCursor"]}))["duplicateCandidates"]
    assert [e["node"]["score"] for e in rest["edges"]] == [0.4] and not rest["pageInfo"]["hasNextPage"]
    # a node outside the subtree holds none of them
    other = (await shop.api.ok(PAIRS, {"node": gid("TierNode", shop.other_store.id)}))["duplicateCandidates"]
    assert other["totalCount"] == 0 and other["edges"] == []


TWINS = ("Amelia Zed", "Boris Quill")


async def test_pairs_in_one_statement_and_bounded_by_scope(shop: Shop) -> None:
    from db.models.core import Role

    for i in range(4):
        await _create(shop, name=TWINS[i % 2], email=f"twin{i % 2}@example.com")
    two = await shop.api.statements(PAIRS, {"first": 10})
    for i in range(4, 8):
        await _create(shop, name=TWINS[i % 2], email=f"twin{i % 2}@example.com")
    pairs = (await shop.api.ok(PAIRS, {"first": 10}))["duplicateCandidates"]["totalCount"]
    # the page, its count, the customers of all pairs and their nodes: the same for 2 pairs or 12
    assert pairs == 12 and await shop.api.statements(PAIRS, {"first": 10}) == two <= 4
    outside = await shop.api.make_staff(shop.tenant, role=Role.MANAGER, scope_node_id=shop.other_store.id)
    seen = (await shop.api.ok(PAIRS, {"node": gid("TierNode", shop.store.id)}, token=outside))["duplicateCandidates"]
    assert seen["totalCount"] == 0
    assert (await shop.api.ok(PAIRS, token=outside))["duplicateCandidates"]["totalCount"] == 0
    # an integrator sees masked emails and phones: pairs by them would unmask them
    integrator = await shop.api.make_staff(shop.tenant, role=Role.INTEGRATOR, scope_node_id=shop.root.id)
    body = await shop.api.post(PAIRS, token=integrator)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_trigram_similarity_scores_names_on_postgres(shop: Shop) -> None:
    # given: one phone, the name spelt two ways
    await _create(shop, name="Katharina Schneider", phone="+4930555000")
    await _create(shop, name="Katharina Schnieder", phone="+4930555000")
    await _create(shop, name="Katharina Schnieder-Lang")  # similar, but nothing in common to pair on
    (pair,) = (await shop.api.ok(PAIRS))["duplicateCandidates"]["edges"]
    if shop.api.db.dialect == "postgresql":
        assert pair["node"]["reasons"] == ["SAME_PHONE", "SIMILAR_NAME"]
        similarity = pair["node"]["nameSimilarity"]
        assert 0.5 <= similarity < 1
        assert pair["node"]["score"] == round(1 - 0.4 * (1 - 0.4 * similarity), 3)
    else:  # the portable fallback: equal normalised names only
        assert pair["node"]["reasons"] == ["SAME_PHONE"] and pair["node"]["score"] == 0.6


@pytest.fixture
def cli_db(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> Api:
    monkeypatch.setenv("CANOPY_DATABASE_URL", api.db.url)
    monkeypatch.setenv("CANOPY_TENANT", tenant.slug)
    return api


async def test_cli_duplicates_and_merge_from_a_csv(shop: Shop, cli_db: Api, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # given
    await _create(shop, name="Carla Rossi", phone="+393331234567", externalRef="IT-1")
    await _create(shop, name="Carla Rossi", phone="+39 333 123 4567", externalRef="IT-2")
    # when
    assert await asyncio.to_thread(main, ["customers", "duplicates", "--node", "EU-01"]) == 0
    # then
    out = capsys.readouterr().out
    assert "SAME_PHONE,SIMILAR_NAME" in out and "IT-1" in out and "1 candidate pairs" in out
    # when: a dry run, then the merge, of a CSV with one good and one bad row
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("survivor,merged\nIT-1,IT-2\nIT-1,IT-1\n")
    assert await asyncio.to_thread(main, ["customers", "merge", str(pairs), "--dry-run"]) == 1
    dry = capsys.readouterr().out
    assert "line 2: would merge" in dry and "line 3: merged: the survivor cannot be merged into itself" in dry
    assert (await shop.api.ok('{ customer(externalRef: "IT-2") { externalRef } }'))["customer"]["externalRef"] == "IT-2"
    assert await asyncio.to_thread(main, ["customers", "merge", str(pairs)]) == 1
    assert "1 merged, 1 failed" in capsys.readouterr().out
    found = await shop.api.ok('{ customer(externalRef: "IT-2") { externalRef } }')
    assert found["customer"]["externalRef"] == "IT-1"
