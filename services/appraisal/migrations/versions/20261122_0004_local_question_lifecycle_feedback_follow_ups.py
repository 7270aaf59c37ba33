"""local questions required and retired; feedback withdrawal and reminders

Revision ID: 20261122_0004
Revises: 20261122_0003
Create Date: 2026-11-22 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0004"
down_revision: str | None = "20261122_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "local_questions",
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "local_questions", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("local_questions", sa.Column("retired_by", sa.String(length=200), nullable=True))
    op.add_column(
        "local_questions",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.add_column(
        "local_questions", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True)
    )

    op.add_column(
        "feedback_requests",
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "feedback_requests", sa.Column("withdrawn_by", sa.String(length=200), nullable=True)
    )
    op.add_column(
        "feedback_requests",
        sa.Column("withdrawal_reason", sa.String(length=40), nullable=True),
    )
    op.create_table(
        "feedback_reminders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("reminded_by", sa.String(length=200), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["feedback_requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_feedback_reminders_request_id_reminded_at_id",
        "feedback_reminders",
        ["request_id", "reminded_at", "id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_feedback_reminders_request_id_reminded_at_id", table_name="feedback_reminders"
    )
    op.drop_table("feedback_reminders")
    op.drop_column("feedback_requests", "withdrawal_reason")
    op.drop_column("feedback_requests", "withdrawn_by")
    op.drop_column("feedback_requests", "withdrawn_at")
    op.drop_column("local_questions", "updated_at")
    op.drop_column("local_questions", "version")
    op.drop_column("local_questions", "retired_by")
    op.drop_column("local_questions", "retired_at")
    op.drop_column("local_questions", "required")
