"""PostgreSQL's second wall: row-level security per tenant and an append-only audit trail.

db/tenancy.py filters every ORM statement by tenant. Should a statement ever
slip past it (raw SQL, a bug), PostgreSQL itself hides other tenants' rows:
every table with a `tenant_id` (and `tenant` itself) gets a policy comparing
the row's tenant with the transaction-local setting `canopy.tenant_id`, which
db/tenancy.py sets at the start of every transaction. Sessions that
legitimately span tenants (login lookup, cron, CLI) run with
`canopy.all_tenants = 'on'`; a transaction with neither setting sees nothing.

The DDL is generated from `Base.metadata`, so tables added later are covered
by re-running `ddl()` in the migration that creates them. The app must connect
as a role without BYPASSRLS that is not a superuser; FORCE makes the policies
bind the tables' owner too.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

TENANT_SETTING = "canopy.tenant_id"
ALL_TENANTS_SETTING = "canopy.all_tenants"
AUDIT_SCRUB_SETTING = "canopy.audit_scrub"
POLICY = "tenant_isolation"
AUDIT_TABLE = "audit_entry"


def tenant_column(table: Table) -> str | None:
    """The column naming a row's tenant: `tenant_id`, or `id` for the tenant table itself."""
    if table.name == "tenant":
        return "id"
    return "tenant_id" if "tenant_id" in table.c else None


def tenant_tables(metadata: MetaData) -> list[tuple[str, str]]:
    return [
        (t.name, col) for t in metadata.sorted_tables if (col := tenant_column(t)) is not None
    ]


def policy_ddl(table: str, column: str) -> list[str]:
    predicate = (
        f"current_setting('{ALL_TENANTS_SETTING}', true) = 'on' OR "
        f"{column} = NULLIF(current_setting('{TENANT_SETTING}', true), '')::bigint"
    )
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({predicate}) WITH CHECK ({predicate})',
    ]


def audit_guard_ddl(metadata: MetaData) -> list[str]:
    """Audit rows can be inserted, never deleted; updated only by a GDPR erasure.

    The erasure names the customer it erases in `canopy.audit_scrub` (transaction-local,
    set by db.audit.scrubbing) and may then rewrite values inside `changes`, nothing
    else: every other column and the set of changed fields (the fact of the change)
    must stay. What it rewrote is recorded on the erasure's own audit entry.
    """
    table = metadata.tables[AUDIT_TABLE]
    kept = [c.name for c in table.columns if c.name != "changes"]
    old = ", ".join(f"OLD.{c}" for c in kept)
    new = ", ".join(f"NEW.{c}" for c in kept)
    return [
        f"""CREATE OR REPLACE FUNCTION canopy_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('{AUDIT_SCRUB_SETTING}', true) ~ '^[0-9]+$'
     AND ROW({new}) IS NOT DISTINCT FROM ROW({old})
     AND jsonb_typeof(NEW.changes) = 'object'
     AND ARRAY(SELECT jsonb_object_keys(NEW.changes) ORDER BY 1)
         = ARRAY(SELECT jsonb_object_keys(OLD.changes) ORDER BY 1) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_entry is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$""",
        f'DROP TRIGGER IF EXISTS audit_entry_append_only ON "{AUDIT_TABLE}"',
        f'CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON "{AUDIT_TABLE}" '
        "FOR EACH ROW EXECUTE FUNCTION canopy_audit_append_only()",
    ]


def ddl(metadata: MetaData, existing: set[str] | None = None) -> list[str]:
    """Every statement, idempotent, in order: run it in the migration after the tables exist.

    `existing` limits the policies to tables already created: the models may hold
    tables that a later migration creates (and covers by calling ddl() again).
    """
    statements: list[str] = []
    for table, column in tenant_tables(metadata):
        if existing is None or table in existing:
            statements += policy_ddl(table, column)
    return statements + audit_guard_ddl(metadata)
