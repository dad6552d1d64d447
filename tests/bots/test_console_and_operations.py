"""The console adapter, and operations fitted to whatever the schema offers."""

from __future__ import annotations

import io

from graphql import build_schema

from bots.engine import Engine
from bots.operations import fit_operation
from cli.chat import Console, staff_viewer
from db.models.core import Role
from tests.bots.conftest import add_customer, add_staff, new_code
from tests.conftest import Api, Tenant

CARD = """
query Card($id: ID!) {
  node(id: $id) { __typename ... on Customer { id name ...CardValue ...CardTickets } }
}
fragment CardValue on Customer { lifetimeValue { amount currency } }
fragment CardTickets on Customer { tickets(first: 3) { totalCount } }
"""
SDL_WITHOUT_TICKETS = """
interface Node { id: ID! }
type Money { amount: String! currency: String! }
type Customer implements Node { id: ID! name: String! lifetimeValue: Money! }
type Query { node(id: ID!): Node }
"""
SDL_WITHOUT_NODE = "type Query { hello: String }"


def test_fragments_the_schema_lacks_are_left_out() -> None:
    op = fit_operation(build_schema(SDL_WITHOUT_TICKETS), CARD)
    assert op is not None
    assert op.fragments == {"CardValue"} and op.missing == {"CardTickets"}
    assert "lifetimeValue" in op.source and "tickets" not in op.source and "CardTickets" not in op.source


def test_an_operation_the_schema_cannot_run_is_unavailable() -> None:
    assert fit_operation(build_schema(SDL_WITHOUT_NODE), CARD) is None


async def test_console_chat_scripted_from_stdin(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: a staff member, a console linked through the real /start flow
    token = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id)
    email = (await api.ok("{ me { email } }", token=token))["me"]["email"]
    viewer = await staff_viewer(api.db, email.upper(), None)
    out = io.StringIO()
    console = Console(engine, f"{viewer.tenant_id}:{viewer.staff_id}", out)
    assert not await console.linked_as(viewer)
    await console.send(f"/start {await new_code(api, token)}")
    assert await console.linked_as(viewer)
    for name in ("Dora Console", "Doris Console"):
        await add_customer(api, tenant, node_id=tenant.root_id, name=name)
    # when: a search, then the second numbered choice typed as a number
    await console.run(io.StringIO("/find console\n2\n/cancel\n\n/nope\n/quit\n/help\n"))
    # then
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Linked to Sales")
    at = lines.index('2 customers match "console":')
    assert lines[at + 1] == "[1] Doris Console · acme  [2] Dora Console · acme"
    assert lines[at + 2:at + 4] == ["👤 Dora Console", "Store: acme (HQ)"]
    assert lines[-2:] == ["Nothing to cancel.", "I don't know /nope. /help lists what I can do."]
