"""multi-source feedback, HR flags, compliance projection

Revision ID: 20261122_0003
Revises: 20261122_0002
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0003"
down_revision: str | None = "20261122_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("appraisal_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("rater_id", sa.String(length=20), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appraisal_id"],
            ["appraisals.id"],
            name=op.f("fk_feedback_requests_appraisal_id_appraisals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feedback_requests_token_hash")),
        sa.UniqueConstraint(
            "appraisal_id", "rater_id", name=op.f("uq_feedback_requests_appraisal_id_rater_id")
        ),
    )
    op.create_index(
        op.f("ix_feedback_requests_appraisal_id"), "feedback_requests", ["appraisal_id"]
    )
    op.create_table(
        "feedback_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("appraisal_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("ratings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appraisal_id"],
            ["appraisals.id"],
            name=op.f("fk_feedback_responses_appraisal_id_appraisals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["feedback_requests.id"],
            name=op.f("fk_feedback_responses_request_id_feedback_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_responses")),
        sa.UniqueConstraint("request_id", name=op.f("uq_feedback_responses_request_id")),
    )
    op.create_index(
        op.f("ix_feedback_responses_appraisal_id"), "feedback_responses", ["appraisal_id"]
    )
    op.create_table(
        "hr_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_flags")),
    )
    op.create_index(op.f("ix_hr_flags_person_id"), "hr_flags", ["person_id"])
    op.create_table(
        "hr_flag_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flag_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["hr_flags.id"],
            name=op.f("fk_hr_flag_changes_flag_id_hr_flags"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_flag_changes")),
    )
    op.create_index(op.f("ix_hr_flag_changes_flag_id"), "hr_flag_changes", ["flag_id"])
    op.create_table(
        "compliance_determinations",
        sa.Column("determination_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("statutory_mandatory_complete", sa.Boolean(), nullable=False),
        sa.Column(
            "overdue_programme_codes", postgresql.ARRAY(sa.String(length=40)), nullable=False
        ),
        sa.Column(
            "expired_programme_codes", postgresql.ARRAY(sa.String(length=40)), nullable=False
        ),
        sa.Column(
            "expiring_programme_codes", postgresql.ARRAY(sa.String(length=40)), nullable=False
        ),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("determination_id", name=op.f("pk_compliance_determinations")),
    )
    op.create_index(
        "ix_compliance_determinations_person_as_of",
        "compliance_determinations",
        ["person_id", "as_of"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_compliance_determinations_person_as_of", table_name="compliance_determinations"
    )
    op.drop_table("compliance_determinations")
    op.drop_index(op.f("ix_hr_flag_changes_flag_id"), table_name="hr_flag_changes")
    op.drop_table("hr_flag_changes")
    op.drop_index(op.f("ix_hr_flags_person_id"), table_name="hr_flags")
    op.drop_table("hr_flags")
    op.drop_index(op.f("ix_feedback_responses_appraisal_id"), table_name="feedback_responses")
    op.drop_table("feedback_responses")
    op.drop_index(op.f("ix_feedback_requests_appraisal_id"), table_name="feedback_requests")
    op.drop_table("feedback_requests")
