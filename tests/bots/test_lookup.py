"""/find in one GraphQL operation (FindCard): one match is its card, two the choice, more the list.

Operations are counted at the bot's one seam to the API, `GraphQLClient.run`; the replies are
compared with what the two-operation path (FindCustomers, then CustomerCard by button) shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, parse, print_ast

import db.session
from bots.client import GraphQLClient
from bots.engine import Engine
from bots.operations import OPERATIONS
from db.models.core import Role
from schema.relay import to_global_id
from tests.bots.conftest import Chat, add_customer, add_staff, add_store, linked_chat, needs
from tests.conftest import Api, Tenant


@pytest.fixture
def operations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the GraphQL operations the bot runs, in order."""
    sent: list[str] = []
    run = GraphQLClient.run

    async def counted(self: GraphQLClient, name: str, **variables: Any) -> dict[str, Any]:
        sent.append(name)
        return await run(self, name, **variables)

    monkeypatch.setattr(GraphQLClient, "run", counted)
    yield sent


def labels(chat: Chat) -> list[str]:
    return [b.label for row in chat.replies[-1].buttons for b in row]


async def _rep_with_customers(api: Api, tenant: Tenant, engine: Engine, *names: str) -> tuple[Chat, list[int]]:
    store = await add_store(api, tenant, "DE-BER-01")
    token = await add_staff(api, tenant, role=Role.SALES, node_id=store)
    ids = [await add_customer(api, tenant, node_id=store, name=name, phone=f"+49301112{i:02d}",
                              external_ref=f"BER-{i}") for i, name in enumerate(names)]
    return await linked_chat(api, engine, token), ids


@needs("FindCard", "CustomerCard")
async def test_one_match_is_its_card_in_one_operation(
    api: Api, tenant: Tenant, engine: Engine, operations: list[str],
) -> None:
    # given: the card as the button (CustomerCard) shows it
    chat, (alice, _) = await _rep_with_customers(api, tenant, engine, "Alice Weber", "Bruno Roth")
    by_button = (await chat.press(f"c:{to_global_id('Customer', alice)}"))[0]
    operations.clear()
    # when: a salesperson types her phone number
    replies = await chat.send("/find +4930111200")
    # then: one operation, the same card and buttons, and she is the customer in context
    assert operations == ["FindCard"]
    assert [(r.text, r.buttons) for r in replies] == [(by_button.text, by_button.buttons)]
    assert replies[0].text.startswith("👤 Alice Weber\nStore: Store DE-BER-01 (DE-BER-01)\nBER-0 · +4930111200")
    operations.clear()
    assert (await chat.send("/customer"))[0].text == by_button.text
    assert operations == ["CustomerCard"]


@needs("FindCard")
async def test_two_matches_are_the_choice_in_one_operation(
    api: Api, tenant: Tenant, engine: Engine, operations: list[str],
) -> None:
    chat, _ = await _rep_with_customers(api, tenant, engine, "Alice Weber", "Alina Roth", "Bruno Roth")
    operations.clear()
    # when
    await chat.send("/find ali")
    # then: the list as FindCustomers showed it, without a pager
    assert operations == ["FindCard"]
    assert chat.last == '2 customers match "ali":'
    assert sorted(labels(chat)) == ["Alice Weber · BER-0 · Store DE-BER-01 · +4930111200",
                                    "Alina Roth · BER-1 · Store DE-BER-01 · +4930111201"]
    # and a choice opens that customer's card
    operations.clear()
    await chat.press_label("Alina Roth")
    assert chat.last.startswith("👤 Alina Roth") and operations == ["CustomerCard"]


@needs("FindCard", "FindCustomers")
async def test_more_than_two_matches_are_listed_by_find_customers(
    api: Api, tenant: Tenant, engine: Engine, operations: list[str],
) -> None:
    chat, _ = await _rep_with_customers(api, tenant, engine, *(f"Zoe {i}" for i in range(7)))
    operations.clear()
    first = (await chat.send("/find zoe"))[0]
    assert operations == ["FindCard", "FindCustomers"]
    assert first.text == '7 customers match "zoe":'
    assert len(first.buttons) == 6 and [b.label for b in first.buttons[-1]] == ["Next »"]
    second = (await chat.press_label("Next"))[0]
    assert second.edit and len(second.buttons) == 3 and [b.label for b in second.buttons[-1]] == ["« Prev"]


@needs("FindCard")
async def test_no_match_in_one_operation(api: Api, tenant: Tenant, engine: Engine, operations: list[str]) -> None:
    chat, _ = await _rep_with_customers(api, tenant, engine, "Alice Weber")
    operations.clear()
    assert (await chat.send("/find nobody"))[0].text == 'No customer matches "nobody" in your stores.'
    assert operations == ["FindCard"]


@needs("FindCard", "FindCustomers", "CustomerCard")
async def test_one_operation_costs_fewer_statements_than_two(
    api: Api, tenant: Tenant, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    chat, _ = await _rep_with_customers(api, tenant, engine, "Alice Weber")

    # Each operation counts its own statements (schema/extensions.py's StatementCounter sets the
    # context variable), so the test gives the SQL hook a variable of its own: every statement of
    # the message, the engine's and all operations', lands in one box.
    counter: ContextVar[list[int] | None] = ContextVar("lookup_statements", default=None)
    monkeypatch.setattr(db.session, "statement_counter", counter)

    async def statements() -> int:
        box = [0]
        token = counter.set(box)
        try:
            assert (await chat.send("/find +4930111200"))[0].text.startswith("👤 Alice Weber")
        finally:
            counter.reset(token)
        return box[0]

    one = await statements()
    has = GraphQLClient.has
    monkeypatch.setattr(GraphQLClient, "has", lambda self, name, fragment=None:
                        name != "FindCard" and has(self, name, fragment))
    two = await statements()  # the FindCustomers-then-CustomerCard path this replaces
    assert one < two, (one, two)  # 12 < 15 on both backends when written


def _fragments(file: str) -> dict[str, str]:
    doc = parse((OPERATIONS / file).read_text(encoding="utf-8"))
    return {d.name.value: print_ast(d) for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}


def test_find_card_reads_the_card_with_the_card_operations_fragments() -> None:
    assert _fragments("find_card.graphql") == _fragments("customer_card.graphql")
