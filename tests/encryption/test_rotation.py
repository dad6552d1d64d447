"""Key rotation: re-encryption under concurrent writes loses nothing; status and retire."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import select, text

from db import crypto
from db.key_rotation import in_use, status
from db.models.service import Interaction
from resolvers.security.keys import reencrypt_all as reencrypt
from tests.conftest import Api, Tenant
from tests.encryption.conftest import LOG, SUMMARY, write_contact_data
from tests.membership.conftest import pk
from tests.orders.conftest import Chain


async def test_rotation_under_concurrent_writes_loses_nothing(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    # given: contact data and 60 interactions under key version 1
    await write_contact_data(api, chain)
    written: dict[int, str] = {}

    async def log(summary: str) -> None:
        data = await api.ok(LOG, {"input": {"customerId": chain.customer(random.choice(["alice", "bob", "yuki"])),
                                            "kind": "NOTE", "summary": summary}})
        assert data["logInteraction"]["errors"] == [], data
        written[pk(data["logInteraction"]["interaction"]["id"])] = summary

    for i in range(60):
        await log(f"before rotation {i}")
    stop = asyncio.Event()

    async def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            await log(f"during rotation {n}-{i}")
            i += 1

    # when: a new version is added and rows re-encrypted in small batches while writers go on
    writers = [asyncio.create_task(writer(n)) for n in range(2)]
    await asyncio.sleep(0.05)
    version = keyring.add_version()
    rewritten = await reencrypt(api.db, batch=7, say=lambda _line: None)
    stop.set()
    await asyncio.gather(*writers)
    # then: every value reads back as written, and none is left on version 1
    async with api.db.session(all_tenants=True) as session:
        stored = dict((await session.execute(select(Interaction.id, Interaction.summary))).all())
    assert {k: v for k, v in stored.items() if v != SUMMARY} == written
    assert rewritten >= 60 + 4  # the 60 interactions and the contact data written before
    statuses = await status(api.db, keyring)
    assert in_use(statuses, 1) == 0, statuses
    assert in_use(statuses, version) == sum(s.total for s in statuses)
    assert any(n.startswith("during rotation") for n in written.values())


async def test_plaintext_rows_written_before_encryption_are_encrypted_by_a_rotation(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring,
) -> None:
    # given: rows written with encryption off
    crypto.configure(None)
    await write_contact_data(api, chain)
    ring = crypto.configure(keyring.path)
    assert ring is not None
    assert (await status(api.db, ring))[0].by_version["plaintext"] >= 1
    # when
    await reencrypt(api.db, say=lambda _line: None)
    # then
    statuses = await status(api.db, ring)
    assert all(s.by_version["plaintext"] == 0 for s in statuses), statuses
    async with api.db.session(all_tenants=True) as session:
        raw = (await session.execute(text("SELECT summary FROM interaction"))).scalar_one()
        plain = await session.scalar(select(Interaction.summary))
    assert raw.startswith("enc:v1:") and plain == SUMMARY


async def test_a_serving_process_picks_up_a_version_added_by_another(
    api: Api, tenant: Tenant, chain: Chain, keyring: crypto.Keyring, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(crypto, "RELOAD_SECONDS", 0.0)
    elsewhere = crypto.Keyring.load(keyring.path)  # `canopy keys rotate` in another process
    version = elsewhere.add_version()
    await write_contact_data(api, chain)
    async with api.db.session(all_tenants=True) as session:
        raw = (await session.execute(text("SELECT summary FROM interaction"))).scalar_one()
    assert raw.startswith(f"enc:v{version}:")
