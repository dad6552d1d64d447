"""PostgreSQL extensions the schema relies on (no-op on SQLite)

Revision ID: 0000
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

from db.models.customers import POSTGRES_EXTENSIONS

revision: str = "0000"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes keep case-insensitive substring search on customers fast.
        for statement in POSTGRES_EXTENSIONS:
            op.execute(statement)


def downgrade() -> None:
    pass
