"""`canopy events prune` drops events past the retention, in every tenant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cli.main import main
from db.base import utcnow
from db.models.core import Event
from resolvers.events.log import prune
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, emit


async def _age(api: Api, tenant_id: int, days: int, seqs: list[int]) -> None:
    async with api.db.session(tenant_id=tenant_id) as session:
        await session.execute(
            update(Event).where(Event.seq.in_(seqs)).values(occurred_at=utcnow() - timedelta(days=days))
        )
        await session.commit()


async def test_prune_deletes_only_events_past_retention_in_every_tenant(
    api: Api, tenant: Tenant, tree: Tree
) -> None:
    # given: 5 events in acme (3 of them 31 days old) and 2 in globex (1 of them old)
    await emit(api, tenant, tree, "A1", 5)
    await _age(api, tenant.id, 31, [1, 2, 3])
    other = await api.make_tenant("globex")
    other_tree = Tree({"HQ": other.root_id})
    await emit(api, other, other_tree, "HQ", 2)
    await _age(api, other.id, 40, [1])
    # when
    async with api.db.transaction(all_tenants=True) as session:
        deleted = await prune(session, retention_days=30)
    # then
    assert deleted == 4
    async with api.db.session(all_tenants=True) as session:
        left = (await session.execute(select(Event.tenant_id, Event.seq).order_by(Event.seq))).all()
    assert sorted(left) == sorted([(tenant.id, 4), (tenant.id, 5), (other.id, 2)])
    # and the cursor keeps growing after a prune
    await emit(api, tenant, tree, "A1", 1)
    body = await api.ok("{ events { edges { cursor } } }")
    assert [e["cursor"] for e in body["events"]["edges"]] == ["4", "5", "6"]


async def test_cli_prints_the_count_and_refuses_negative_retention(
    api: Api, tenant: Tenant, tree: Tree, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    await emit(api, tenant, tree, "A1", 3)
    await _age(api, tenant.id, 8, [1, 2])
    monkeypatch.setenv("CANOPY_DATABASE_URL", api.db.url)
    monkeypatch.setenv("CANOPY_EVENT_RETENTION_DAYS", "7")
    # when
    status = await _run(["events", "prune"])
    refused = await _run(["events", "prune", "--days", "-1"])
    # then
    assert status == 0
    out, err = capsys.readouterr()
    assert out.strip() == "pruned 2 events older than 7 days"
    assert refused == 1
    assert "retention" in err


async def _run(argv: list[str]) -> int:
    """The CLI runs its own event loop: run it in a thread, away from the test's loop."""
    import asyncio

    return await asyncio.to_thread(main, argv)
