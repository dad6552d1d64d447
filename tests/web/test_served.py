"""`canopy serve` serves the built console itself: the page at `/`, its hashed assets, and the
documents it sends are valid against today's schema and registered by their hash."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from graphql import parse, validate

from schema import build_schema
from tests.conftest import Api

BUILD = Path(__file__).resolve().parents[2] / "web" / "console"


async def test_index_and_assets(api: Api) -> None:
    page = await api.client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"  # it names the current assets
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page.text)
    assert {a.rsplit(".", 1)[1] for a in assets} == {"js", "css"}
    for path in assets:
        asset = await api.client.get(path)
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.content == (BUILD / path.removeprefix("/console/")).read_bytes()
    js = (await api.client.get(next(a for a in assets if a.endswith(".js")))).text
    assert "https://" not in js  # nothing from a CDN (the only http:// are XML namespaces)
    assert (await api.client.get("/console/assets/missing.js")).status_code == 404
    assert (await api.client.get("/console/assets/../index.html")).status_code == 404


def test_persisted_documents_are_valid_and_hashed() -> None:
    documents = json.loads((BUILD / "persisted-documents.json").read_text())
    schema = build_schema(production=False)._schema
    operations = set()
    for digest, text in documents.items():
        assert hashlib.sha256(text.encode()).hexdigest() == digest
        document = parse(text)
        assert validate(schema, document) == [], text
        operations.update(d.name.value for d in document.definitions if d.kind == "operation_definition")
    # Every operation the console defines is registered.
    source = (Path(__file__).resolve().parents[2] / "console" / "src" / "operations.ts").read_text()
    assert operations == set(re.findall(r"^\s*(?:query|mutation|subscription) (\w+)", source, re.M))
