"""Declarative base, column types that behave the same on SQLite and PostgreSQL, ids."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are time-ordered 63-bit integers: unique on their own (global ids carry no
# tenant part) yet roughly insertion-ordered, which keeps btree inserts local.
_EPOCH_MS = 1735689600000  # 2025-01-01T00:00:00Z
_id_lock = threading.Lock()
_id_state = {"ms": 0, "seq": 0}
_PROCESS_BITS = int.from_bytes(os.urandom(2), "big") & 0x7FF


def new_id() -> int:
    with _id_lock:
        ms = int(time.time() * 1000) - _EPOCH_MS
        if ms <= _id_state["ms"]:
            ms = _id_state["ms"]
            _id_state["seq"] += 1
            if _id_state["seq"] > 0xFFF:  # 4096 ids in this millisecond: borrow the next one
                ms += 1
                _id_state["seq"] = 0
        else:
            _id_state["seq"] = 0
        _id_state["ms"] = ms
        return (ms << 23) | (_id_state["seq"] << 11) | _PROCESS_BITS


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """Decimal kept exact: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(28, 10))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        if value is None:
            return None
        return Decimal(value) if dialect.name == "postgresql" else str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value))


JSONType = JSON().with_variant(JSONB(), "postgresql")
# Paths compare byte-wise so that a subtree is one index range on both backends.
PathString = String(1024).with_variant(String(1024, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSONType,
        list[str]: JSONType,
        int: BigInteger(),
    }


class TenantScoped:
    """Mixin for tenant-owned tables: primary key (tenant_id, id), as Citus requires.

    The tenant filter on reads and the tenant_id on inserts are applied in
    db/tenancy.py, never by hand.
    """

    __audited__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(BigInteger, ForeignKey("tenant.id"), primary_key=True, sort_order=-20)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=new_id, sort_order=-10)


def tenant_fk(column: str, target: str, **kw: Any) -> ForeignKeyConstraint:
    """A foreign key that includes tenant_id, e.g. tenant_fk("customer_id", "customer")."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"], **kw)
