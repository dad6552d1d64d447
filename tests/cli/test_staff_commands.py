"""`canopy staff list|update|deactivate|reactivate|reset-password` on the tests' databases."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from cli.main import main
from tests.conftest import PASSWORD, Api, Tenant
from tests.security.conftest import ApiFactory, api_with  # noqa: F401 - the fixture
from tests.security.test_websocket_revocation import SUBSCRIBE, _close_code, _socket
from tests.staff.world import build_chain

LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token errors { code } } }"""
ME = "{ me { name locale timeZone role scope { code } } }"


async def _canopy(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_env(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANOPY_DATABASE_URL", api.db.url)
    monkeypatch.delenv("CANOPY_TENANT", raising=False)
    monkeypatch.delenv("CANOPY_REDIS_URL", raising=False)


async def test_list_filters_like_the_api(
    api: Api, tenant: Tenant, cli_env: None, capsys: pytest.CaptureFixture[str],
) -> None:
    chain = await build_chain(api, tenant)
    code, out, _ = await _canopy(capsys, "staff", "list")
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert sorted(r[0] for r in rows) == sorted(
        [chain.admin.email, chain.manager.email, chain.sales.email, chain.support.email])
    assert all(len(r) == 6 and r[4] == "active" for r in rows)
    _, out, _ = await _canopy(capsys, "staff", "list", "--node", "NORTH", "--role", "SALES")
    assert [line.split("\t")[:4] for line in out.splitlines()] == [[chain.sales.email, out.split("\t")[1], "SALES", "N1"]]
    _, out, _ = await _canopy(capsys, "staff", "list", "--search", "sue")
    assert [line.split("\t")[0] for line in out.splitlines()] == [chain.support.email]
    _, out, _ = await _canopy(capsys, "staff", "list", "--inactive")
    assert out == ""
    code, _, err = await _canopy(capsys, "staff", "list", "--node", "NOWHERE")
    assert code == 1 and err.startswith("canopy: no node with code 'NOWHERE' in database")


async def test_update_checks_inputs_as_the_api_does(
    api: Api, tenant: Tenant, cli_env: None, capsys: pytest.CaptureFixture[str],
) -> None:
    chain = await build_chain(api, tenant)
    code, out, _ = await _canopy(capsys, "staff", "update", "--email", chain.sales.email, "--name", "Sam Sales",
                                 "--locale", "de_at", "--time-zone", "Europe/Vienna", "--role", "SUPPORT",
                                 "--node", "NORTH")
    assert code == 0 and out.startswith(f"{chain.sales.email}\tSam Sales\tSUPPORT\tNORTH\tactive")
    assert (await api.ok(ME, token=chain.sales.token))["me"] == {
        "name": "Sam Sales", "locale": "de-AT", "timeZone": "Europe/Vienna", "role": "SUPPORT",
        "scope": {"code": "NORTH"}}
    code, _, err = await _canopy(capsys, "staff", "update", "--email", chain.sales.email, "--locale", "<script>")
    assert code == 1 and err.strip() == "canopy: unknown locale '<script>': give a BCP 47 tag such as zh-CN"
    code, _, err = await _canopy(capsys, "staff", "update", "--email", "nobody@acme.example", "--name", "X")
    assert code == 1 and err.startswith("canopy: no staff member with email nobody@acme.example in database")
    code, _, err = await _canopy(capsys, "staff", "update", "--email", chain.admin.email, "--role", "MANAGER")
    assert code == 1 and "must keep an active ADMIN" in err
    code, _, err = await _canopy(capsys, "staff", "update", "--email", chain.sales.email)
    assert code == 1 and "nothing to change" in err


async def test_deactivation_closes_sockets_in_the_server_through_redis(
    api: Api, tenant: Tenant, api_with: ApiFactory, cli_env: None,  # noqa: F811
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: a server process with Redis, re-checks far apart; the CLI shares its Redis prefix
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CANOPY_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CANOPY_REDIS_PREFIX", prefix)
    async with api_with(redis_url="redis://127.0.0.1:6379/0", redis_channel_prefix=prefix,
                        token_recheck_seconds=3600) as app:
        try:
            chain = await build_chain(app, tenant)
            async with _socket(app.app, chain.sales.token) as ws:
                await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
                # when
                code, out, _ = await _canopy(capsys, "staff", "deactivate", "--email", chain.sales.email)
                closed = await _close_code(ws)
        finally:
            await app.app.state.canopy.broker.close()
    # then
    assert code == 0 and out.strip() == f"deactivated {chain.sales.email}: every token revoked, every chat unlinked"
    assert closed == 4403
    assert (await api.post(ME, token=chain.sales.token)).get("data") is None
    code, out, _ = await _canopy(capsys, "staff", "reactivate", "--email", chain.sales.email)
    assert code == 0 and "reactivated" in out
    login = (await api.ok(LOGIN, {"email": chain.sales.email, "password": PASSWORD}, token=None))["login"]
    assert login["errors"] == []


async def test_reset_password_prints_it_once(
    api: Api, tenant: Tenant, cli_env: None, capsys: pytest.CaptureFixture[str],
) -> None:
    chain = await build_chain(api, tenant)
    code, out, _ = await _canopy(capsys, "staff", "reset-password", "--email", chain.sales.email, "--keep-api-tokens")
    generated = out.strip()
    assert code == 0 and len(generated) == 23
    assert (await api.post(ME, token=chain.sales.token)).get("data") is not None  # kept
    login = (await api.ok(LOGIN, {"email": chain.sales.email, "password": generated}, token=None))["login"]
    assert login["errors"] == []
    old = (await api.ok(LOGIN, {"email": chain.sales.email, "password": PASSWORD}, token=None))["login"]
    assert old["token"] is None
    code, out, _ = await _canopy(capsys, "staff", "reset-password", "--email", chain.sales.email)
    assert code == 0 and out.strip() != generated
    assert (await api.post(ME, token=chain.sales.token)).get("data") is None  # revoked by default
