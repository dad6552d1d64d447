"""Login throttling: a temporary lock per account and per client address after repeated failures.

State lives in the database (table login_throttle), so every process of a deployment
sees the same counters and no extra service is needed; the numbers are in docs/security.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.core import LoginThrottle
from db.upsert import insert_for


@dataclass(frozen=True)
class Limit:
    failures: int  # this many failures within `window` of the first ...
    window: timedelta
    lock: timedelta  # ... lock the key this long; then it starts afresh


ACCOUNT = Limit(failures=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))
# An office behind one NAT address shares it: wide enough for many people mistyping.
ADDRESS = Limit(failures=50, window=timedelta(minutes=15), lock=timedelta(minutes=15))

# The clock the throttle reads; tests replace it to let a lock run out.
clock: Callable[[], datetime] = utcnow


@dataclass(frozen=True)
class Key:
    kind: str  # "account" | "address"
    digest: str
    limit: Limit


def keys(email: str, address: str | None) -> list[Key]:
    """The counters a login attempt for `email` from `address` counts against."""
    out = [Key("account", _digest("account", email.strip().lower()), ACCOUNT)]
    if address:
        out.append(Key("address", _digest("address", address), ADDRESS))
    return out


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


async def locked_until(session: AsyncSession, keys: list[Key], now: datetime) -> datetime | None:
    """The latest end of a lock in force on any of `keys`, or None."""
    ends = (await session.scalars(
        select(LoginThrottle.locked_until).where(LoginThrottle.key.in_([k.digest for k in keys]))
    )).all()
    current = [end for end in ends if end is not None and end > now]
    return max(current, default=None)


async def record_failure(session: AsyncSession, keys: list[Key], now: datetime) -> list[tuple[Key, datetime]]:
    """Count one failure on every key; return the keys this failure locked, with the lock's end."""
    engaged: list[tuple[Key, datetime]] = []
    for key in keys:
        # Make sure the row exists, then lock it: concurrent failures count one by one.
        await session.execute(
            insert_for(session, LoginThrottle)
            .values(key=key.digest, failures=0, window_start=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = await session.scalar(
            select(LoginThrottle).where(LoginThrottle.key == key.digest)
            .with_for_update().execution_options(populate_existing=True)
        )
        assert row is not None
        expired_lock = row.locked_until is not None and row.locked_until <= now
        if expired_lock or row.window_start <= now - key.limit.window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= key.limit.failures and row.locked_until is None:
            row.locked_until = now + key.limit.lock
            engaged.append((key, row.locked_until))
    await session.flush()
    return engaged


async def clear_account(session: AsyncSession, email: str) -> None:
    """A successful login forgets the account's failures (the address keeps counting)."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys(email, None)[0].digest))
