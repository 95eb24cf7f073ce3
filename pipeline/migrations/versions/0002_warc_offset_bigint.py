"""WARC offsets as 64-bit integers on PostgreSQL.

An offset into a WARC file is a byte position. ``warc_max_bytes`` may be set above 2 GiB, and
PostgreSQL's ``integer`` stops at 2,147,483,647: the first fetch stored past that point failed.
SQLite's INTEGER already holds 64 bits, so its stores are left as they are (no table copy).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _widen(to: sa.types.TypeEngine, from_: sa.types.TypeEngine) -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    op.alter_column("fetches", "warc_offset", type_=to, existing_type=from_,
                    existing_nullable=True)


def upgrade() -> None:
    _widen(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    _widen(sa.Integer(), sa.BigInteger())
