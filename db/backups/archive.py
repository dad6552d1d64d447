"""The backup file: an uncompressed tar of `manifest.json` and one payload member.

The payload is a gzip-compressed SQLite file or a `pg_dump --format=custom` file
(compressed by pg_dump). The manifest says what the payload holds, so a restore
checks it (format version, migration revision, sha256, row counts) before and
after loading it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

FORMAT = "canopy-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite.gz", "postgresql": "database.pgdump"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that must stop; the message says why in one line."""


@dataclass
class Manifest:
    backend: str  # sqlite | postgresql
    revisions: list[str]  # alembic_version rows at the snapshot
    row_counts: dict[str, int]
    payload_sha256: str = ""
    payload_bytes: int = 0
    created_at: str = ""
    schema: str | None = None  # PostgreSQL: the one schema dumped (URL's search_path), else None
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def payload(self) -> str:
        return PAYLOADS[self.backend]

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise BackupError("not a Canopy backup (manifest format is not canopy-backup)")
            if data.get("format_version") != FORMAT_VERSION:
                raise BackupError(f"backup format version {data.get('format_version')} is not "
                                  f"{FORMAT_VERSION}, the one this Canopy reads")
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"unreadable backup manifest: {exc}") from exc


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write(target: Path, manifest: Manifest, payload: Path) -> None:
    """Write the archive beside `target` and rename it into place: no half-written backup."""
    manifest.payload_sha256 = sha256_file(payload)
    manifest.payload_bytes = payload.stat().st_size
    partial = target.with_name(target.name + ".partial")
    raw = json.dumps(asdict(manifest), indent=2, sort_keys=True).encode()
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
        tar.add(payload, arcname=manifest.payload, recursive=False)
    os.replace(partial, target)


def read_manifest(source: Path) -> Manifest:
    try:
        with tarfile.open(source, "r:") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(member.read())
    except FileNotFoundError as exc:
        raise BackupError(f"no backup file at {source}") from exc
    except (tarfile.TarError, KeyError) as exc:
        raise BackupError(f"{source} is not a Canopy backup ({exc})") from exc


def extract_payload(source: Path, manifest: Manifest, into: Path) -> Path:
    """Copy the payload out and check its sha256 against the manifest's."""
    out = into / manifest.payload
    digest = hashlib.sha256()
    with tarfile.open(source, "r:") as tar:
        try:
            member: BinaryIO | None = tar.extractfile(manifest.payload)
        except KeyError as exc:
            raise BackupError(f"the backup has no {manifest.payload}") from exc
        if member is None:
            raise BackupError(f"the backup has no {manifest.payload}")
        with out.open("wb") as fh:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
                fh.write(chunk)
    if digest.hexdigest() != manifest.payload_sha256:
        raise BackupError(f"checksum mismatch: {manifest.payload} has sha256 {digest.hexdigest()}, "
                          f"the manifest recorded {manifest.payload_sha256}; the file is damaged")
    return out
