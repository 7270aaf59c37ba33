"""reviews pools succession

Revision ID: 20261122_0002
Revises: 20261122_0001
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

revision: str = "20261122_0002"
down_revision: str | None = "20261122_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
