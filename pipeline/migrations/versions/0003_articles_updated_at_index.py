"""An index on articles.updated_at.

Several crawler processes can share one store (a shared frontier). Each process clusters near
copies with its own in-memory MinHash LSH, and now looks every few seconds for signatures the
others stored since it last looked (``pipeline/dedup.py``): a range query on ``updated_at``,
which without an index reads the whole table each time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a store made by create_all before migrations existed, from these models, has it already
    op.create_index(op.f("ix_articles_updated_at"), "articles", ["updated_at"], unique=False,
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_articles_updated_at"), table_name="articles", if_exists=True)
