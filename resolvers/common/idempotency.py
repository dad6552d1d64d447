"""Idempotency keys: replaying a key returns the first result and writes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import json_safe
from db.models.core import IdempotencyKey
from resolvers.common.errors import DomainError, ErrorCode


def fingerprint(payload: dict[str, Any]) -> str:
    canonical = orjson.dumps({k: json_safe(v) for k, v in payload.items()}, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()


@dataclass
class Claim:
    row: IdempotencyKey | None
    replay_id: int | None  # set when the key was used before: return that result

    def complete(self, result_id: int) -> None:
        if self.row is not None:
            self.row.result_id = result_id


async def claim(
    session: AsyncSession, *, operation: str, key: str | None, payload: dict[str, Any],
) -> Claim:
    """Claim `key` for this operation before doing the work.

    A second request with the same key waits on the unique index until the
    first commits, then replays its result; the same key with another payload
    is a CONFLICT. Without a key nothing is claimed.
    """
    if not key:
        return Claim(row=None, replay_id=None)
    if len(key) > 200:
        raise DomainError(ErrorCode.INVALID, "idempotencyKey is longer than 200 characters", ("idempotencyKey",))
    fp = fingerprint(payload)
    row = IdempotencyKey(
        tenant_id=session.info["tenant_id"], operation=operation, key=key, fingerprint=fp
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
        return Claim(row=row, replay_id=None)
    except IntegrityError:
        pass
    existing = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.operation == operation, IdempotencyKey.key == key)
    )
    if existing is None or existing.fingerprint != fp:
        raise DomainError(
            ErrorCode.CONFLICT, "this idempotencyKey was used with a different request", ("idempotencyKey",)
        )
    return Claim(row=None, replay_id=existing.result_id)
