"""The append-only audit trigger admits only an erasure's rewrite of values in `changes` (no-op on SQLite)

The erasure names the customer in `canopy.audit_scrub` (a number, no longer 'on')
and may not drop or add changed fields: see db/rls.py audit_guard_ddl.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

import db.models  # noqa: F401  - the metadata the trigger is generated from
from db import rls
from db.base import Base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The 0002 function body, for the downgrade (code of that time set the flag to 'on').
_PREVIOUS_CONDITION = "current_setting('canopy.audit_scrub', true) = 'on'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in rls.audit_guard_ddl(Base.metadata):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    table = Base.metadata.tables[rls.AUDIT_TABLE]
    kept = [c.name for c in table.columns if c.name != "changes"]
    op.execute(f"""CREATE OR REPLACE FUNCTION canopy_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND {_PREVIOUS_CONDITION}
     AND ROW({", ".join(f"NEW.{c}" for c in kept)}) IS NOT DISTINCT FROM ROW({", ".join(f"OLD.{c}" for c in kept)}) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_entry is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$""")
