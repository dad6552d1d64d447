"""GraphiQL in a real headless Chromium, against a live `canopy serve` with nothing but its own
origin: the page renders, a query runs with the token pasted in the Headers pane, and a
subscription (graphql-transport-ws, same token) shows an event as it happens.

Driven over the DevTools protocol with the `websockets` package. Needs `chromium` (Debian's
package; or CANOPY_TEST_CHROMIUM=path); outside CI its absence skips, with CI=true it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import IN_CI, PASSWORD
from tests.live import _free_port, canopy, live_server

Js = Callable[[str], Awaitable[Any]]
EMAIL = "admin@acme.example"


def _chromium() -> str:
    found = os.environ.get("CANOPY_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if IN_CI:
            pytest.fail("chromium is required with CI=true (apt-get install chromium)")
        pytest.skip("needs chromium (Debian: apt-get install chromium) or CANOPY_TEST_CHROMIUM")
    return found


@contextlib.asynccontextmanager
async def _page(chromium: str, profile: Path) -> AsyncIterator[tuple[Js, list[str]]]:
    """A headless tab: an evaluate function and the page's console/exception messages."""
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank",
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        targets = None
        async with httpx.AsyncClient() as http:
            for _ in range(150):
                with contextlib.suppress(httpx.TransportError):
                    targets = (await http.get(f"http://127.0.0.1:{port}/json")).json()
                    break
                await asyncio.sleep(0.2)
        assert targets, "chromium's DevTools endpoint did not come up"
        target = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            messages: list[str] = []
            ids = iter(range(1, 1_000_000))

            async def cdp(method: str, **params: Any) -> dict[str, Any]:
                me = next(ids)
                await ws.send(json.dumps({"id": me, "method": method, "params": params}))
                while True:
                    msg = json.loads(await ws.recv())
                    if msg.get("method") in {"Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded"}:
                        messages.append(json.dumps(msg["params"])[:500])
                    if msg.get("id") == me:
                        return msg

            async def js(expression: str) -> Any:
                answer = await cdp("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
                return answer["result"].get("result", {}).get("value")

            await cdp("Runtime.enable")
            await cdp("Log.enable")
            js.navigate = lambda url: cdp("Page.navigate", url=url)  # type: ignore[attr-defined]
            yield js, messages
    finally:
        proc.terminate()
        await proc.wait()


async def _until(js: Js, expression: str, seconds: float = 30) -> Any:
    """Polls an expression until it is truthy (a hang guard, not a speed assertion)."""
    for _ in range(int(seconds * 5)):
        value = await js(expression)
        if value:
            return value
        await asyncio.sleep(0.2)
    return await js(expression)


RESULT = "document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() || ''"


async def test_graphiql_runs_a_query_and_a_subscription_offline(tmp_path: Path) -> None:
    chromium = _chromium()
    db = tmp_path / "canopy.db"
    canopy(db, "migrate")
    canopy(db, "admin", "create", "--tenant", "acme", "--email", EMAIL, "--password", PASSWORD)
    token = canopy(db, "token", "create", "--email", EMAIL).strip().splitlines()[-1]
    auth = {"authorization": f"Bearer {token}"}
    with live_server(db) as base:
        async with _page(chromium, tmp_path / "profile") as (js, messages):
            # given: the page, with a query in its link
            await js.navigate(f"{base}/graphql?q=" + urllib.parse.quote("query Me { me { email role } }"))  # type: ignore[attr-defined]
            assert await _until(js, "!!document.querySelector('.graphiql-execute-button')"), messages
            # when: the token goes into the Headers pane, and the query runs
            assert await js("""(() => { const tab = [...document.querySelectorAll('button')]
                .find(b => b.textContent.trim() === 'Headers'); tab.click(); return true })()""")
            await asyncio.sleep(0.3)
            headers = json.dumps(json.dumps({"Authorization": f"Bearer {token}"}))
            assert await js(f"""(() => {{ const open = [...document.querySelectorAll(
                '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')];
                open.forEach(e => e.CodeMirror.setValue({headers})); return open.length }})()""") == 1
            await asyncio.sleep(1)
            await js("document.querySelector('.graphiql-execute-button').click()")
            answer = await _until(js, f"({RESULT}).includes('{EMAIL}') && {RESULT}")
            # then
            assert json.loads(answer)["data"]["me"] == {"email": EMAIL, "role": "ADMIN"}, answer
            # when: a subscription runs, and a customer is created meanwhile
            subscription = json.dumps("subscription Live { events { type } }")
            await js(f"document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue({subscription})")
            await asyncio.sleep(1)  # GraphiQL re-reads the operation name from the editor, debounced
            await js("document.querySelector('.graphiql-execute-button').click()")
            await _until(js, "document.querySelector('.graphiql-execute-button')?.getAttribute('aria-label')?.includes('Stop')", 10)
            # (the socket may still be opening when the button turns to Stop: create until one shows)
            live = ""
            async with httpx.AsyncClient(base_url=base, headers=auth) as http:
                root = (await http.post("/graphql", json={"query": "{ tierTree { id } }"})).json()
                for attempt in range(10):
                    created = (await http.post("/graphql", json={
                        "query": 'mutation($n: ID!, $name: String!) { createCustomer(input: {nodeId: $n, name: $name}) { errors { code } } }',
                        "variables": {"n": root["data"]["tierTree"]["id"], "name": f"Live {attempt}"}})).json()
                    assert created["data"]["createCustomer"]["errors"] == [], created
                    live = await _until(js, f"({RESULT}).includes('CUSTOMER_CREATED') && {RESULT}", 3)
                    if live:
                        break
            assert live, (await js(RESULT), messages)
            # then: the event arrived through GraphiQL's websocket, with no console error or CSP report
            assert json.loads(live)["data"]["events"]["type"] == "CUSTOMER_CREATED", live
            assert messages == []
