"""The staff console end to end in a real browser: a manager's session (tree, search,
customer page, an interaction in the timeline and the live feed, a resumed feed after the
server restarts, Chinese), then a SALES member who sees only their store."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.web.conftest import no_horizontal_scroll, shot, watch_layout_shifts
from tests.web.live_server import MANAGER, PASSWORD, SALES, LiveServer

BUILD = Path(__file__).resolve().parents[2] / "web" / "console"


def login(page: Any, live: LiveServer, email: str) -> None:
    page.goto(live.url + "/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")  # the keyboard submits the form
    page.get_by_test_id("viewer").wait_for()


def subscribe_payloads(page: Any) -> list[dict[str, Any]]:
    """The payload (query, variables) of every `events` subscribe message the page sends, in order."""
    sent: list[dict[str, Any]] = []

    def on_ws(ws: Any) -> None:
        def frame(payload: str | bytes) -> None:
            msg = json.loads(payload)
            if msg.get("type") == "subscribe" and "subscription Events" in msg["payload"]["query"]:
                sent.append(msg["payload"])
        ws.on("framesent", frame)

    page.on("websocket", on_ws)
    return sent


def test_manager_session(browser: Any, live: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1180, "height": 820}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    sent: list[str] = []  # every document the console posts

    def on_request(r: Any) -> None:
        requests.append(r.url)
        if r.url.endswith("/graphql") and r.method == "POST":
            sent.append(json.loads(r.post_data)["query"])

    page.on("request", on_request)
    subscribes = subscribe_payloads(page)
    login(page, live, MANAGER)
    assert page.get_by_test_id("viewer").inner_text() == "Erika Manager · Manager · Europe"

    # The tree: Europe is the root of the manager's scope; children load on expanding.
    page.get_by_role("link", name="Organisation").click()
    tree = page.get_by_role("tree")
    root = tree.locator(".tree-row").first
    assert "Europe" in root.inner_text()
    assert re.search(r"Customers\s*3\b", root.inner_text())  # Anna, Jonas (Berlin), Claire (Paris)
    assert "€" in root.inner_text()
    assert tree.get_by_text("Germany").count() == 0  # not loaded before expanding
    toggle = page.get_by_role("button", name="Expand Europe")
    toggle.focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Expand Germany").click()
    berlin = tree.locator(".tree-row").filter(has_text="Berlin Mitte")
    berlin.wait_for()
    assert re.search(r"Customers\s*2\b", berlin.inner_text())
    assert tree.get_by_text("Tokyo").count() == 0 and tree.get_by_text("Asia").count() == 0
    page.get_by_role("button", name=re.compile("^France")).click()
    settings = page.locator(".settings")
    settings.get_by_text("Settings: France").wait_for()
    tz = settings.get_by_role("row").filter(has_text="Time zone")
    assert "Europe/Paris" in tz.inner_text() and "set here" in tz.inner_text()
    program = settings.get_by_role("row").filter(has_text="Membership program")
    assert "Acme Rewards" in program.inner_text() and "inherited" in program.inner_text()
    shot(page, "tree")

    # The feed is live before anything happens.
    page.get_by_role("link", name="Live feed").click()
    page.get_by_test_id("feed-status").filter(has_text="live").wait_for()
    assert [p["variables"] for p in subscribes] == [{"after": None}]

    # Search: only the manager's scope; Yuki (Tokyo) does not exist for them.
    page.get_by_role("link", name="Customers").click()
    page.get_by_text("3 customers").wait_for()
    page.get_by_label("Search").fill("yuki")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("0 customers").wait_for()
    page.get_by_label("Search").fill("")
    page.get_by_label("Tags (comma-separated)").fill("vip")
    page.get_by_label("Sort by").select_option(label="Name A–Z")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("2 customers").wait_for()
    names = page.locator("table.results tbody tr td:first-child a").all_inner_texts()
    assert names == ["Anna Schmidt", "Claire Martin"]
    page.get_by_label("Subtree").select_option(value=live.ids["berlin"])
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("1 customers").wait_for()
    shot(page, "customers")

    # The customer page, opened without input so layout shifts count.
    watch_layout_shifts(page)
    page.evaluate(f"location.hash = '/customer/{live.ids['anna']}'")
    page.get_by_role("heading", name="Anna Schmidt").wait_for()
    timeline = page.get_by_test_id("timeline")
    timeline.locator("li").nth(19).wait_for()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__cls") < 0.1
    assert "Acme Rewards · Member" in page.locator(".membership").inner_text()
    assert page.get_by_test_id("points").inner_text() == "79"  # 79.80 paid, 1 point per whole euro
    # Infinite scroll: 33 entries (30 notes, the order, its points, joining the tier) in pages
    # of 20; the rest arrives when the end comes into view.
    assert timeline.locator("li").count() == 20
    page.locator(".timeline button").scroll_into_view_if_needed()
    page.get_by_text("Start of the timeline").wait_for()
    assert timeline.locator("li").count() == 33

    # A payload error shows next to its field, and nothing is logged.
    form = page.locator("form", has=page.get_by_role("heading", name="Log an interaction"))
    form.get_by_label("Summary").fill("x" * 5001)
    form.get_by_role("button", name="Log interaction").click()
    error = form.locator("#summary-kindsummary-err")
    error.filter(has_text="summary must have 1 to 5000 characters").wait_for()
    assert form.get_by_label("Summary").get_attribute("aria-invalid") == "true"
    interactions = page.locator(".card", has=page.get_by_role("heading", name=re.compile("^Interactions")))
    assert "(30)" in interactions.inner_text()

    form.get_by_label("Kind").select_option("VISIT")
    form.get_by_label("Summary").fill("Tried the spring collection in store")
    form.get_by_role("button", name="Log interaction").click()
    form.get_by_text("Interaction logged.").wait_for()
    assert error.inner_text() == ""
    timeline.locator("li").first.filter(has_text="Visit · Tried the spring collection in store · Erika Manager").wait_for()
    interactions.filter(has_text="(31)").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "customer")

    # Roles that may: a manager adjusts points; a bad delta is named next to its field.
    points = page.locator("form", has=page.get_by_role("heading", name="Adjust points"))
    points.get_by_label("Points (+/−)").fill("-1000")
    points.get_by_label("Reason").fill("goodwill")
    points.get_by_role("button", name="Adjust points").click()
    points.locator("#delta-deltareason-err").filter(has_text="the balance does not cover 1000 points").wait_for()
    assert points.get_by_label("Points (+/−)").get_attribute("aria-invalid") == "true"
    assert page.get_by_test_id("points").inner_text() == "79"
    points.get_by_label("Points (+/−)").fill("20")
    points.get_by_role("button", name="Adjust points").click()
    points.get_by_text("Balance is now 99.").wait_for()
    page.get_by_test_id("points").filter(has_text="99").wait_for()

    # The live feed has the interaction (and not the admin's in Tokyo, outside the scope).
    live.mutate("logInteraction", {"customerId": live.ids["yuki"], "kind": "CALL", "summary": "Tokyo call",
                                   "channel": "api"}, "interaction { id }", live.ids["admin_token"])
    page.get_by_role("link", name=re.compile("^Live feed")).click()
    feed = page.get_by_test_id("feed")
    feed.get_by_text("Anna Schmidt: Tried the spring collection in store").wait_for()
    assert "Interaction logged" in feed.inner_text()

    # The server restarts; the feed reconnects with `after` = the last cursor it saw, so what
    # happened meanwhile arrives, once.
    seen = len(subscribes)
    live.stop()
    page.get_by_test_id("feed-status").filter(has_text="reconnecting").wait_for()
    live.start()
    live.mutate("logInteraction", {"customerId": live.ids["jonas"], "kind": "NOTE", "summary": "While you were away",
                                   "channel": "api"}, "interaction { id }", live.login(MANAGER))
    feed.get_by_text("Jonas Weber: While you were away").wait_for(timeout=60_000)
    page.get_by_test_id("feed-status").filter(has_text="live").wait_for()
    resumed = subscribes[seen:]
    assert resumed and all(p["variables"]["after"] for p in resumed)
    assert feed.get_by_text("While you were away").count() == 1
    assert "Tokyo call" not in feed.inner_text()
    shot(page, "live")

    # Chinese: the interface, numbers and dates follow the switch.
    page.get_by_label("Language").select_option("zh-CN")
    page.get_by_role("link", name="客户").wait_for()
    assert page.get_by_role("heading", name=re.compile("^实时动态")).is_visible()
    assert "记录互动" in feed.inner_text()
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", feed.inner_text())
    page.get_by_role("link", name="组织架构").click()
    page.get_by_role("tree").get_by_text("营收").first.wait_for()
    shot(page, "tree-zh")
    page.get_by_role("link", name="报表").click()
    charts = page.locator("canvas[data-chart=ready]")
    charts.nth(3).wait_for()
    assert charts.count() == 4
    assert page.locator("table.sla").get_by_role("row").filter(has_text="Germany").is_visible()
    shot(page, "reports-zh")

    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("button", name="登录").wait_for()
    assert page.evaluate("sessionStorage.getItem('canopy.token')") is None
    # Only Canopy's own origin was contacted; the token never went into a URL.
    assert all(u.startswith(live.url) or u.startswith("ws://127.0.0.1") or u.startswith("data:") for u in requests)
    assert not any("token" in u.lower() or "bearer" in u.lower() for u in requests)
    # The console sends only its registered (trusted) documents, over HTTP and the websocket.
    registered = set(json.loads((BUILD / "persisted-documents.json").read_text()).values())
    assert sent and set(sent) <= registered
    assert all(p["query"] in registered for p in subscribes)
    assert errors == []
    context.close()


def test_sales_sees_only_their_store(browser: Any, live: LiveServer) -> None:
    # A phone-sized screen; the SALES member's own locale (zh-CN) picks the language.
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(live.url + "/")
    page.get_by_label("Email").fill(SALES)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("viewer").filter(has_text="Sami Sales · 销售 · Berlin Mitte").wait_for()
    page.get_by_label("语言").select_option("en")

    tree = page.get_by_role("tree")
    items = tree.get_by_role("treeitem")
    items.first.filter(has_text="Berlin Mitte").wait_for()
    assert items.count() == 1
    assert page.get_by_role("button", name=re.compile("^Expand")).count() == 0
    assert no_horizontal_scroll(page)

    page.get_by_role("link", name="Customers").click()
    page.get_by_text("2 customers").wait_for()
    names = sorted(page.locator("table.results tbody tr td:first-child a").all_inner_texts())
    assert names == ["Anna Schmidt", "Jonas Weber"]
    page.get_by_label("Search").fill("Claire")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("0 customers").wait_for()
    assert page.locator("table.results tbody tr").count() == 0

    # Out of scope answers like nothing at all.
    page.evaluate(f"location.hash = '/customer/{live.ids['claire']}'")
    page.get_by_text("No such customer.").wait_for()

    page.evaluate(f"location.hash = '/customer/{live.ids['anna']}'")
    page.get_by_role("heading", name="Anna Schmidt").wait_for()
    assert page.get_by_role("heading", name="Log an interaction").is_visible()
    assert page.get_by_role("heading", name="Adjust points").count() == 0  # SALES may not adjust
    assert page.get_by_role("heading", name="Open a ticket").count() == 0  # nor open tickets
    page.get_by_test_id("timeline").locator("li").first.wait_for()
    assert no_horizontal_scroll(page)
    shot(page, "phone-customer")

    page.get_by_role("link", name="Live feed").click()
    page.get_by_text("Your role does not receive the event feed.").wait_for()
    context.close()
