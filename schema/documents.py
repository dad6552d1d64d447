"""Which document a request runs: trusted documents and automatic persisted queries.

Trusted documents are the operations this repository ships, registered by the sha256 of
their text when the server starts: the bot's `bots/operations/*.graphql` (as written and
as fitted to this schema) and the console's build manifest
`web/console/persisted-documents.json` ({sha256: document}) when it exists. With
CANOPY_TRUSTED_DOCUMENTS=only a request runs a registered document (sent as text or by
hash) or nothing: OWASP's allow-list for a first-party API. Otherwise any document runs.

Apollo's automatic persisted queries (APQ) let other clients send
`extensions.persistedQuery = {version: 1, sha256Hash}` instead of the text: a hash alone
runs the document registered or stored under it, else PERSISTED_QUERY_NOT_FOUND (the
client then resends hash and text); a hash with the text is checked, stored (schema/apq.py)
and run. In `only` mode the store is not used: only registered hashes resolve.

This runs before the request's context, so a refused request costs no token lookup and
no SQL (docs/web-api.md).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema

import web
from bots.operations import OPERATIONS, fitted
from config import Settings
from schema.apq import MemoryStore, RedisStore, apq_store

log = logging.getLogger("canopy.http")

CONSOLE_MANIFEST = Path(web.__file__).parent / "console" / "persisted-documents.json"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def document_hash(document: str) -> str:
    # surrogatepass: a websocket message may carry a lone surrogate; it hashes, then fails to parse.
    return hashlib.sha256(document.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Refused(Exception):
    """A request this layer will not run: a GraphQL error, 400 unless told."""

    message: str
    code: str
    status: int = 400


# Apollo's wording: its clients match the message to know they must resend the text.
NOT_FOUND = ("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
HASH_MISMATCH = ("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")
NOT_TRUSTED = (
    "this server runs trusted documents only (CANOPY_TRUSTED_DOCUMENTS=only) and this "
    "document is not one of them", "PERSISTED_QUERY_NOT_IN_LIST",
)
BAD_EXTENSION = (
    "extensions.persistedQuery must be {version: 1, sha256Hash: <64 lowercase hex digits>}",
    "BAD_REQUEST",
)


def _console_documents(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in manifest.items()
    ):
        raise ValueError(f"{path}: expected a JSON object {{sha256: document}}")
    out: dict[str, str] = {}
    for key, document in manifest.items():
        digest = document_hash(document)
        if key != digest:  # the console sends the key; a text it sends hashes to digest
            log.warning("%s: key %s is not the sha256 of its document (%s)", path.name, key, digest)
            out[key] = document
        out[digest] = document
    return out


def trusted_documents(schema: GraphQLSchema, console_manifest: Path | None = None) -> dict[str, str]:
    """sha256 -> document for every operation this repository ships."""
    documents: dict[str, str] = {}
    for path in sorted(OPERATIONS.glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        documents[document_hash(text)] = text
    for operation in fitted(schema).values():  # the text the bot actually runs
        documents[document_hash(operation.source)] = operation.source
    documents.update(_console_documents(console_manifest or CONSOLE_MANIFEST))
    return documents


class Documents:
    def __init__(self, settings: Settings, trusted: dict[str, str],
                 store: MemoryStore | RedisStore | None = None) -> None:
        self.only = settings.trusted_documents == "only"
        self.max_bytes = settings.apq_max_document_bytes
        self.trusted = trusted
        self.store = store if store is not None else apq_store(settings)

    async def resolve(self, query: Any, extensions: Any) -> Any:
        """The document to run for a request's `query` and `extensions`; raises Refused.

        Anything not a string is returned as it came, for the view to refuse as it does."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is not None:
            return await self._persisted(query, persisted)
        if self.only and isinstance(query, str) and document_hash(query) not in self.trusted:
            raise Refused(*NOT_TRUSTED)
        return query

    async def _persisted(self, query: Any, persisted: Any) -> Any:
        version = persisted.get("version") if isinstance(persisted, dict) else None
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if type(version) is not int or version != 1 or not isinstance(digest, str) \
                or not _SHA256.fullmatch(digest):
            raise Refused(*BAD_EXTENSION)
        if query is None or query == "":  # graphql-ws payloads may carry "" for no text
            document = self.trusted.get(digest)
            if document is None and not self.only:
                document = await self.store.get(digest)
            if document is None:
                raise Refused(*NOT_FOUND)
            return document
        if not isinstance(query, str):
            return query
        if document_hash(query) != digest:
            raise Refused(*HASH_MISMATCH)
        if digest in self.trusted:
            return query
        if self.only:
            raise Refused(*NOT_TRUSTED)
        if len(query) <= self.max_bytes and len(query.encode("utf-8", "surrogatepass")) <= self.max_bytes:
            await self.store.put(digest, query)
        else:  # runs, but is not remembered: the store stays bounded in bytes too
            log.debug("persisted query %s: %d characters, over the store's limit", digest, len(query))
        return query

    async def close(self) -> None:
        await self.store.close()
