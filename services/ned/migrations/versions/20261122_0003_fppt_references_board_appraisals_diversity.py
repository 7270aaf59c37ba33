"""fit and proper person tests, board references, board appraisals, board diversity

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
        "board_appraisals",
        sa.Column("appraisal_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("board_role", sa.String(length=60), nullable=True),
        sa.Column("cycle_year", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("appraisal_id", name=op.f("pk_board_appraisals")),
    )
    op.create_index(
        "ix_board_appraisals_org_year", "board_appraisals", ["org_code", "cycle_year"], unique=False
    )
    op.create_table(
        "board_composition_publications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("groups", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("voting_total", sa.Integer(), nullable=True),
        sa.Column("executive_total", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_composition_publications")),
    )
    op.create_index(
        "ix_board_composition_publications_org_published",
        "board_composition_publications",
        ["org_code", "published_at", "id"],
        unique=False,
    )
    op.create_table(
        "board_references",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.Column("board_role", sa.String(length=40), nullable=False),
        sa.Column("role_title", sa.String(length=200), nullable=False),
        sa.Column("served_from", sa.Date(), nullable=False),
        sa.Column("served_to", sa.Date(), nullable=False),
        sa.Column("leaving_reason", sa.String(length=30), nullable=False),
        sa.Column("matters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("fit_and_proper_concerns", sa.Boolean(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("referee_role", sa.String(length=40), nullable=False),
        sa.Column("written_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_references")),
    )
    op.create_index(
        "ix_board_references_org_created",
        "board_references",
        ["org_code", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_board_references_retain_until"), "board_references", ["retain_until"], unique=False
    )
    op.create_table(
        "diversity_baselines",
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("org_code", "source", name=op.f("pk_diversity_baselines")),
    )
    op.create_table(
        "fppt_assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_role", sa.String(length=40), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("attested_lcf_domains", sa.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("signed_off_by_role", sa.String(length=40), nullable=True),
        sa.Column("signed_off_by", sa.String(length=20), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fppt_assessments")),
    )
    op.create_index(
        op.f("ix_fppt_assessments_appointment_id"),
        "fppt_assessments",
        ["appointment_id"],
        unique=False,
    )
    op.create_index(
        "ix_fppt_assessments_org_created",
        "fppt_assessments",
        ["org_code", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "fppt_policies",
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("appointment_checks", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("annual_checks", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("org_code", name=op.f("pk_fppt_policies")),
    )
    op.create_table(
        "fppt_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fppt_submissions")),
    )
    op.create_index(
        "ix_fppt_submissions_org_submitted",
        "fppt_submissions",
        ["org_code", "submitted_at", "id"],
        unique=False,
    )
    op.create_table(
        "board_reference_releases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference_id", sa.Uuid(), nullable=False),
        sa.Column("to_org_code", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("released_by", sa.Text(), nullable=False),
        sa.Column(
            "released_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["board_references.id"],
            name=op.f("fk_board_reference_releases_reference_id_board_references"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_reference_releases")),
    )
    op.create_index(
        op.f("ix_board_reference_releases_reference_id"),
        "board_reference_releases",
        ["reference_id"],
        unique=False,
    )
    op.create_table(
        "fppt_checks",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("check", sa.String(length=40), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("evidence_location", sa.String(length=300), nullable=False),
        sa.Column("years_covered", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["fppt_assessments.id"],
            name=op.f("fk_fppt_checks_assessment_id_fppt_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assessment_id", "check", name=op.f("pk_fppt_checks")),
    )


def downgrade() -> None:
    op.drop_table("fppt_checks")
    op.drop_index(
        op.f("ix_board_reference_releases_reference_id"), table_name="board_reference_releases"
    )
    op.drop_table("board_reference_releases")
    op.drop_index("ix_fppt_submissions_org_submitted", table_name="fppt_submissions")
    op.drop_table("fppt_submissions")
    op.drop_table("fppt_policies")
    op.drop_index("ix_fppt_assessments_org_created", table_name="fppt_assessments")
    op.drop_index(op.f("ix_fppt_assessments_appointment_id"), table_name="fppt_assessments")
    op.drop_table("fppt_assessments")
    op.drop_table("diversity_baselines")
    op.drop_index(op.f("ix_board_references_retain_until"), table_name="board_references")
    op.drop_index("ix_board_references_org_created", table_name="board_references")
    op.drop_table("board_references")
    op.drop_index(
        "ix_board_composition_publications_org_published",
        table_name="board_composition_publications",
    )
    op.drop_table("board_composition_publications")
    op.drop_index("ix_board_appraisals_org_year", table_name="board_appraisals")
    op.drop_table("board_appraisals")
