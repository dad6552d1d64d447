"""A keyring for the test (encryption on), and the contact data every test writes through the API."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from db import crypto
from tests.conftest import Api, Tenant
from tests.orders.conftest import Chain, build_chain

# Distinct needles: the raw database must hold none of them.
SUMMARY = "needle-summary-7d1c asked about the blue kettle"
DESCRIPTION = "needle-description-52aa kettle leaks at the base"
COMMENT = "needle-comment-9e0f replacement shipped"
ATTRIBUTE = "needle-attribute-c4b8"
NEEDLES = (SUMMARY, DESCRIPTION, COMMENT, ATTRIBUTE, "needle-")

LOG = """mutation($input: LogInteractionInput!) { logInteraction(input: $input) {
  interaction { id summary } errors { field code message } } }"""
OPEN = """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  ticket { id description } errors { field code message } } }"""
COMMENT_TICKET = """mutation($input: CommentTicketInput!) { commentTicket(input: $input) {
  ticket { id comments { body } } errors { field code message } } }"""
UPDATE_CUSTOMER = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  customer { id attributes } errors { field code message } } }"""
READ = """query($id: ID!, $ticket: ID!) {
  customer: node(id: $id) { ... on Customer { attributes interactions(first: 10) { edges { node { summary } } } } }
  ticket: node(id: $ticket) { ... on Ticket { description comments { body } } } }"""


@pytest.fixture
def keyring(api: Api, tmp_path: Path) -> Iterator[crypto.Keyring]:
    """Encryption on for this test (after `api`, whose create_app configures from its settings)."""
    path = tmp_path / "canopy.keys"
    crypto.Keyring.generate(path)
    ring = crypto.configure(path)
    assert ring is not None
    yield ring
    crypto.configure(None)


@dataclass
class Written:
    customer: str
    ticket: str
    interaction: str


async def write_contact_data(api: Api, chain: Chain) -> Written:
    customer = chain.customer("alice")
    data = await api.ok(LOG, {"input": {"customerId": customer, "kind": "CALL", "summary": SUMMARY}})
    assert data["logInteraction"]["errors"] == [], data
    opened = await api.ok(OPEN, {"input": {"customerId": customer, "subject": "Kettle", "description": DESCRIPTION}})
    assert opened["openTicket"]["errors"] == [], opened
    ticket = opened["openTicket"]["ticket"]["id"]
    commented = await api.ok(COMMENT_TICKET, {"input": {"id": ticket, "body": COMMENT}})
    assert commented["commentTicket"]["errors"] == [], commented
    updated = await api.ok(UPDATE_CUSTOMER, {"input": {"id": customer, "attributes": {"note": ATTRIBUTE, "vip": True}}})
    assert updated["updateCustomer"]["errors"] == [], updated
    return Written(customer, ticket, data["logInteraction"]["interaction"]["id"])


def raw_bytes(api: Api) -> bytes:
    """Everything the database holds on disk: the SQLite file and its WAL, or a pg_dump of the schema."""
    url = make_url(api.db.url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    schema = url.query["search_path"].split(",")[0]
    dsn = url.set(drivername="postgresql", username="postgres", query={}).render_as_string(hide_password=False)
    env = {**os.environ, "PGOPTIONS": "-c canopy.all_tenants=on"}
    return subprocess.run(["pg_dump", f"--schema={schema}", "--data-only", f"--dbname={dsn}"],
                          check=True, capture_output=True, env=env).stdout


def plaintext_in(raw: bytes) -> list[str]:
    return [n for n in NEEDLES if n.encode() in raw]


def first(rows: Any) -> Any:
    return next(iter(rows))


@pytest.fixture
async def chain(api: Api, tenant: Tenant) -> Chain:
    return await build_chain(api, tenant, {"JPY": "0.0061", "USD": "0.92"})
