"""Customers: contacts, tags, custom attributes, the node they belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow
from db.crypto import EncryptedJSON, EncryptedText

# Columns derived from encrypted contact data: audited masked while encryption is on (db/audit.py).
DERIVED = {"pii": True, "derived": True}


class Customer(TenantScoped, Base):
    __tablename__ = "customer"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_ref"),
        tenant_fk("node_id", "tier_node"),
        tenant_fk("merged_into_id", "customer"),
        Index("ix_customer_node", "tenant_id", "node_id", "created_at", "id"),
        Index("ix_customer_created", "tenant_id", "created_at", "id"),
        # Exact lookups by phone (a search that is a full E.164 number: the bot's /find) and by
        # email go through the blind indexes, which work the same with encryption on or off.
        Index("ix_customer_phone_bidx", "tenant_id", "phone_bidx"),
        Index("ix_customer_email_bidx", "tenant_id", "email_bidx"),
        # Duplicate candidates pair customers on equal keys (resolvers/customers/identity.py).
        Index("ix_customer_email_key", "tenant_id", "email_key"),
        Index("ix_customer_name_key", "tenant_id", "name_key"),
        Index("ix_customer_merged_into", "tenant_id", "merged_into_id"),
        # Substring search (LIKE '%term%') over search_text: trigram GIN on PostgreSQL
        # (needs CREATE EXTENSION pg_trgm); SQLite scans, a btree could not help there.
        Index(
            "ix_customer_search_trgm", "search_text", postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    node_id: Mapped[int] = mapped_column(BigInteger)
    external_ref: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), info={"pii": True})
    # Encrypted at rest with a keyring (db/crypto.py); found by equality through the blind
    # indexes below, never by the stored value (ciphertext differs for equal values).
    email: Mapped[str | None] = mapped_column(EncryptedText("customer.email"), info={"pii": True})
    phone: Mapped[str | None] = mapped_column(EncryptedText("customer.phone"), info={"pii": True})
    # crypto.blind of the lowercased email and of the E.164 phone, kept by resolvers/customers/identity.py.
    email_bidx: Mapped[str | None] = mapped_column(String(320), info=DERIVED)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), info=DERIVED)
    locale: Mapped[str | None] = mapped_column(String(35))
    # Display copy of the tags; customer_tag holds the same set, indexed for filters.
    tags: Mapped[list[str]] = mapped_column(default=list)
    # Encrypted at rest when a keyring is configured (db/crypto.py); no lookup reads into it.
    attributes: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("customer.attributes"), default=dict)
    # Lowercased name, email, phone and external_ref, kept by resolvers/customers/customers.py;
    # without email and phone while encryption is on (substring search on them is dropped then).
    search_text: Mapped[str] = mapped_column(Text, default="", info=DERIVED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None]
    # Match keys of identity resolution, kept with search_text (resolvers/customers/identity.py):
    # the email as its mailbox receives it (blinded while encryption is on), the name's sorted
    # accent-free words.
    email_key: Mapped[str | None] = mapped_column(String(320), info=DERIVED)
    name_key: Mapped[str | None] = mapped_column(String(200), info={"pii": True})
    # The tombstone of a merged customer: the survivor its id and externalRef resolve to.
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)


class CustomerTag(TenantScoped, Base):
    """One row per (customer, tag): tag filters use the (tenant_id, tag) index on both backends."""

    __tablename__ = "customer_tag"
    __audited__ = False  # the customer's own `tags` column carries the audited change
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_id", "tag"),
        tenant_fk("customer_id", "customer", ondelete="CASCADE"),
        Index("ix_customer_tag_tag", "tenant_id", "tag", "customer_id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    tag: Mapped[str] = mapped_column(String(50))


# What the metadata cannot say: the migration (and tests/conftest.py) run it on PostgreSQL
# before creating the trigram index above.
POSTGRES_EXTENSIONS = ["CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"]
