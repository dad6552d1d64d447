"""GraphiQL is served by Canopy itself: the vendored files are the pinned npm builds, the page
loads nothing from another host, and production serves neither page nor files."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from tests.conftest import IN_CI
from tests.web.conftest import ClientFactory
from web.graphiql_page import GRAPHIQL

MANIFEST = json.loads((GRAPHIQL / "manifest.json").read_text())["files"]
PACKAGE = json.loads((GRAPHIQL / "package.json").read_text())
LOCK = json.loads((GRAPHIQL / "package-lock.json").read_text())
STATIC = GRAPHIQL / "static"
OWN_FILES = ("canopy-graphiql.js", "canopy-graphiql.css", "favicon.svg")
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v for k, v in attrs if k in {"src", "href"} and v]


def _refs(html: str) -> list[str]:
    parser = _Refs()
    parser.feed(html)
    return parser.refs


def test_every_vendored_file_matches_its_recorded_hash() -> None:
    assert MANIFEST, "manifest.json lists no file"
    for target, entry in MANIFEST.items():
        path = STATIC / target
        assert path.is_file(), f"{target} is in manifest.json but not in web/graphiql/static/"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], target
    # and nothing vendored is missing from the manifest
    vendored = {p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file()}
    assert vendored - set(OWN_FILES) == set(MANIFEST)


def test_versions_are_pinned_in_package_json_and_the_lockfile() -> None:
    deps = PACKAGE["dependencies"]
    assert set(deps) == {"graphiql", "react", "react-dom", "@graphiql/plugin-explorer"}
    for target, entry in MANIFEST.items():
        name, version = entry["package"], entry["version"]
        assert deps[name] == version, f"{target}: package.json pins {deps[name]}"
        assert LOCK["packages"][f"node_modules/{name}"]["version"] == version, target
        assert target.startswith(f"{name}@{version}/"), target
    assert LOCK["packages"][""]["dependencies"] == deps


def test_the_page_references_only_its_own_files() -> None:
    html = (GRAPHIQL / "index.html").read_text()
    refs = _refs(html)
    assert refs and all(r.startswith("static/graphiql/") for r in refs), refs
    for ref in refs:
        name = ref.removeprefix("static/graphiql/")
        assert name in MANIFEST or name in OWN_FILES, ref
    # the four builds strawberry's page takes from unpkg, here from Canopy
    for name in ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js",
                 "graphiql.min.css", "index.umd.js", "style.css"):
        assert any(r.endswith("/" + name) for r in refs), name


def _foreign_urls(text: str, host: str) -> list[str]:
    return [u for u in re.findall(r"(?i)\b(?:https?:)?//[^\s\"'<>)]+", text)
            if not re.match(rf"(?i)(?:https?:)?//{re.escape(host)}(?:[/:]|$)", u)]


async def test_the_served_page_and_its_own_files_name_no_other_host(web_client: ClientFactory) -> None:
    # when
    async with web_client() as client:
        page = await client.get("/graphql", headers=HTML)
        own = [await client.get(f"/static/graphiql/{name}") for name in OWN_FILES]
    # then: the page, and the script and styles Canopy wrote, point nowhere else
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="graphiql"' in page.text
    assert _foreign_urls(page.text, "test") == []
    for resp in own[:2]:
        assert resp.status_code == 200 and _foreign_urls(resp.text, "test") == [], resp.url
    # and the CSP lets the page load and connect to this origin only
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp
    assert "connect-src 'self' ws://test wss://test;" in csp
    assert "http" not in csp.replace("ws://test", "").replace("wss://test", "")


async def test_vendored_files_are_served_immutable_and_own_files_revalidate(web_client: ClientFactory) -> None:
    async with web_client() as client:
        for target, entry in MANIFEST.items():
            resp = await client.get(f"/static/graphiql/{target}")
            assert resp.status_code == 200, target
            assert hashlib.sha256(resp.content).hexdigest() == entry["sha256"], target
            assert resp.headers["cache-control"] == "public, max-age=31536000, immutable", target
        js = await client.get("/static/graphiql/graphiql@3.8.3/graphiql.min.js")
        own = await client.get("/static/graphiql/canopy-graphiql.js")
        again = await client.get("/static/graphiql/canopy-graphiql.js",
                                 headers={"if-none-match": own.headers["etag"]})
        outside = await client.get("/static/graphiql/%2e%2e/%2e%2e/vendor.py")
    assert js.headers["content-type"].startswith("text/javascript")
    assert own.headers["cache-control"] == "no-cache" and own.headers["etag"]
    assert again.status_code == 304
    assert outside.status_code == 404


async def test_production_serves_no_ide_and_no_files(web_client: ClientFactory) -> None:
    async with web_client(env="production") as client:
        page = await client.get("/graphql", headers=HTML)
        asset = await client.get("/static/graphiql/graphiql@3.8.3/graphiql.min.js")
    assert page.status_code == 404 and "graphiql" not in page.text.lower()
    assert asset.status_code == 404


def test_vendored_files_equal_a_fresh_npm_ci() -> None:
    """vendor.py --check after `npm ci` of the committed lockfile: the files are npm's builds."""
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        if IN_CI:
            pytest.fail("node and npm are required with CI=true (web/graphiql/vendor.py --check)")
        pytest.skip("needs node and npm to compare web/graphiql/static with a fresh npm ci")
    installed = GRAPHIQL / "node_modules" / ".package-lock.json"
    lock = GRAPHIQL / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=GRAPHIQL,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            if IN_CI:
                pytest.fail(f"npm ci in {GRAPHIQL} failed: {done.stderr[-500:]}")
            pytest.skip(f"npm ci in {GRAPHIQL} failed: {done.stderr.strip()[-300:]}")
    check = subprocess.run([sys.executable, "vendor.py", "--check"], cwd=GRAPHIQL,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
