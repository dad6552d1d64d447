"""Field-level encryption at rest: a keyring of versioned AES-GCM keys and the column types.

Opt-in: with no keyring (CANOPY_DATA_KEYS unset) values are stored as before. With
one, every value written to an encrypted column is `enc:v<version>:<base64url(nonce
+ ciphertext + tag)>`, the column's name as associated data (a value copied into
another column does not decrypt). Reads decrypt with the version the value names;
plaintext rows written before encryption was turned on read as they are until
`canopy keys rotate` re-encrypts them. A value whose key is missing raises
MissingKey: it is never shown as data.

The keyring file (JSON, mode 0600) holds `keys` {version: base64 key}, `current`
(the version new values use) and `index_key` (HMAC key for blind indexes, never
rotated with the data keys). Servers re-read it when it changes (checked at most
every RELOAD_SECONDS), so a rotation started elsewhere is picked up while serving.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import JSON, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB

PREFIX = "enc:v"
# With encryption off, a text that happens to start like a sealed value is stored behind this
# marker, so a user's "enc:v1:..." summary reads back as text instead of failing as a missing key.
ESCAPE = "enc:p:"
_TOKEN = re.compile(r"enc:v(\d+):([A-Za-z0-9_-]+={0,2})\Z")
RELOAD_SECONDS = 2.0
NONCE = 12


class MissingKey(RuntimeError):
    """An encrypted value whose key version is not in the keyring (or no keyring is set)."""


class KeyringError(RuntimeError):
    """The keyring file is missing, unreadable or malformed."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


@dataclass
class Keyring:
    path: Path
    keys: dict[int, bytes]
    current: int
    index_key: bytes
    mtime: float = 0.0
    _ciphers: dict[int, AESGCM] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            data = json.loads(path.read_text())
            keys = {int(v): base64.urlsafe_b64decode(k) for v, k in data["keys"].items()}
            ring = cls(path=path, keys=keys, current=int(data["current"]),
                       index_key=base64.urlsafe_b64decode(data["index_key"]), mtime=path.stat().st_mtime)
        except FileNotFoundError as exc:
            raise KeyringError(f"no keyring at {path} (CANOPY_DATA_KEYS)") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"keyring {path} is malformed: {exc}") from exc
        if ring.current not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyringError(f"keyring {path}: the current version must exist and keys be 32 bytes")
        return ring

    @classmethod
    def generate(cls, path: Path) -> Keyring:
        ring = cls(path=path, keys={1: AESGCM.generate_key(bit_length=256)}, current=1,
                   index_key=os.urandom(32))
        ring.save()
        return ring

    def save(self) -> None:
        """Write atomically, readable by the owner only."""
        data = {"current": self.current, "index_key": _b64(self.index_key),
                "keys": {str(v): _b64(k) for v, k in sorted(self.keys.items())}}
        partial = self.path.with_name(self.path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
        os.replace(partial, self.path)
        self.mtime = self.path.stat().st_mtime

    def add_version(self) -> int:
        version = max(self.keys) + 1
        self.keys[version] = AESGCM.generate_key(bit_length=256)
        self.current = version
        self.save()
        return version

    def _cipher(self, version: int) -> AESGCM:
        cipher = self._ciphers.get(version)
        if cipher is None:
            key = self.keys.get(version)
            if key is None:
                raise MissingKey(f"a value is encrypted with key version {version}, which keyring "
                                 f"{self.path} does not hold (versions {sorted(self.keys)})")
            cipher = self._ciphers[version] = AESGCM(key)
        return cipher

    def encrypt(self, plaintext: str, aad: bytes) -> str:
        nonce = os.urandom(NONCE)
        sealed = self._cipher(self.current).encrypt(nonce, plaintext.encode(), aad)
        return f"{PREFIX}{self.current}:{_b64(nonce + sealed)}"

    def decrypt(self, token: str, aad: bytes) -> str:
        match = _TOKEN.match(token)
        if match is None:
            raise MissingKey(f"malformed encrypted value in {aad.decode()}")
        version, raw = int(match[1]), base64.urlsafe_b64decode(match[2])
        try:
            return self._cipher(version).decrypt(raw[:NONCE], raw[NONCE:], aad).decode()
        except InvalidTag as exc:
            raise MissingKey(f"{aad.decode()}: key version {version} of {self.path} does not open this "
                             "value (a different key under the same version, or a damaged value)") from exc


def blind(purpose: str, value: str | None) -> str | None:
    """The value a blind index stores for `value` (already normalised): HMAC-SHA256 under the
    keyring's index_key, `purpose` (the column) separating the indexes; with encryption off the
    value itself, so the index serves the same equality lookups either way."""
    if value is None:
        return None
    ring = active()
    if ring is None:
        return value
    return hmac.new(ring.index_key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def blind_candidates(purpose: str, value: str) -> list[str]:
    """What an equality lookup compares a blind index with: the HMAC, and while encryption is on
    also the plain value, which rows written before the keyring was set hold until `canopy keys
    rotate` reindexes them (an HMAC is hex, never a phone or an email: the two cannot collide)."""
    keyed = blind(purpose, value)
    assert keyed is not None
    return [keyed] if keyed == value else [keyed, value]


def is_blind(value: str | None) -> bool:
    """Whether a stored index value is an HMAC (64 hex digits) rather than a plain value."""
    return value is not None and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def version_of(value: str | None) -> int | None:
    """The key version an encrypted value names; None for plaintext."""
    if value is None or not value.startswith(PREFIX):
        return None
    match = _TOKEN.match(value)
    return int(match[1]) if match else None


_lock = threading.Lock()
_state: dict[str, Any] = {"path": None, "ring": None, "checked": 0.0}


def configure(path: str | Path | None) -> Keyring | None:
    """Use the keyring at `path` from now on (None: encryption off); loads it now, failing loudly."""
    with _lock:
        _state["path"] = Path(path) if path else None
        _state["ring"] = Keyring.load(_state["path"]) if path else None
        _state["checked"] = time.monotonic()
        return _state["ring"]


def active() -> Keyring | None:
    """The keyring in use, re-read when its file changed (another process rotated it)."""
    ring: Keyring | None = _state["ring"]
    if ring is None:
        return None
    now = time.monotonic()
    if now - _state["checked"] >= RELOAD_SECONDS:
        with _lock:
            _state["checked"] = now
            try:
                if ring.path.stat().st_mtime != ring.mtime:
                    ring = _state["ring"] = Keyring.load(ring.path)
            except (OSError, KeyringError):
                pass  # keep the keys we have; a broken file must not stop serving
    return ring


def default_path(database_url: str, configured: str | None) -> str | None:
    """CANOPY_DATA_KEYS, else `<file>.keys` beside a SQLite database when it exists (canopy demo)."""
    if configured:
        return configured
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        beside = Path(f"{url.database}.keys")
        if beside.exists():
            return str(beside)
    return None


class _Encrypted(TypeDecorator[Any]):
    """Shared by the column types: `aad` names the column ("table.column")."""

    cache_ok = True

    def __init__(self, aad: str, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.aad = aad
        self._aad = aad.encode()

    def _seal(self, text: str) -> str:
        ring = active()
        if ring is not None:
            return ring.encrypt(text, self._aad)
        return ESCAPE + text if text.startswith((PREFIX, ESCAPE)) else text

    def _open(self, stored: str) -> str:
        ring = active()
        if ring is None:
            raise MissingKey(f"{self.aad} holds encrypted values but no keyring is configured: "
                             "set CANOPY_DATA_KEYS to the keyring file")
        return ring.decrypt(stored, self._aad)


class EncryptedText(_Encrypted):
    """Free text (bodies, summaries); stored as TEXT."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else self._seal(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None or not value.startswith("enc:"):
            return value
        if value.startswith(ESCAPE):
            return value[len(ESCAPE):]
        return self._open(value) if value.startswith(PREFIX) else value


class EncryptedJSON(_Encrypted):
    """A JSON document; encrypted it is stored as one JSON string, so the column type stays JSON."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None or active() is None:
            return value
        return self._seal(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return json.loads(self._open(value))
        return value


def encrypted_columns() -> list[tuple[Any, Any]]:
    """(table, column) of every encrypted column in the metadata."""
    from db.base import Base

    return [(t, c) for t in Base.metadata.sorted_tables for c in t.columns if isinstance(c.type, _Encrypted)]


def is_encrypted(column: Any) -> bool:
    return isinstance(column.type, _Encrypted)
