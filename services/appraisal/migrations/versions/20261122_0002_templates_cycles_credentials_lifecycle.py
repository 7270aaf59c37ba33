"""local questions, cycles and populations, appraisers' credentials, the appraisal life cycle

Revision ID: 20261122_0002
Revises: 20261122_0001
Create Date: 2026-11-22 06:00:00

Appraisals of the first slice move to the new life cycle: draft becomes not_started; in progress,
awaiting sign-off and reopened become meeting (nothing of theirs was signed under the new rules).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0002"
down_revision: str | None = "20261122_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_STATUS = (
    "CASE {column} WHEN 'draft' THEN 'not_started' WHEN 'in_progress' THEN 'meeting' "
    "WHEN 'awaiting_sign_off' THEN 'meeting' WHEN 'reopened' THEN 'meeting' ELSE {column} END"
)
_OLD_STATUS = (
    "CASE {column} WHEN 'not_started' THEN 'draft' WHEN 'preparation' THEN 'draft' "
    "WHEN 'meeting' THEN 'in_progress' WHEN 'signed_by_appraisee' THEN 'awaiting_sign_off' "
    "WHEN 'signed_by_appraiser' THEN 'awaiting_sign_off' WHEN 'cancelled' THEN 'draft' "
    "ELSE {column} END"
)


def upgrade() -> None:
    op.create_table(
        "local_questions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("template_version", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("answer_type", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_questions")),
        sa.UniqueConstraint(
            "org_code",
            "template_version",
            "code",
            name=op.f("uq_local_questions_org_code_template_version_code"),
        ),
    )
    op.create_index(
        "ix_local_questions_org_code_created_at_id",
        "local_questions",
        ["org_code", "created_at", "id"],
    )
    op.create_table(
        "appraisal_cycles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("cycle_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("window_opens", sa.Date(), nullable=False),
        sa.Column("window_closes", sa.Date(), nullable=False),
        sa.Column("completion_deadline", sa.Date(), nullable=False),
        sa.Column("chair_submission_deadline", sa.Date(), nullable=True),
        sa.Column("ned_submission_deadline", sa.Date(), nullable=True),
        sa.Column("held_locally", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_cycles")),
        sa.UniqueConstraint(
            "org_code",
            "cycle_year",
            "kind",
            name=op.f("uq_appraisal_cycles_org_code_cycle_year_kind"),
        ),
    )
    op.create_index("ix_appraisal_cycles_created_at_id", "appraisal_cycles", ["created_at", "id"])
    op.create_table(
        "appraisal_cycle_members",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["appraisal_cycles.id"],
            name=op.f("fk_appraisal_cycle_members_cycle_id_appraisal_cycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cycle_id", "person_id", name=op.f("pk_appraisal_cycle_members")),
    )
    op.create_index(
        op.f("ix_appraisal_cycle_members_person_id"), "appraisal_cycle_members", ["person_id"]
    )
    op.create_table(
        "appraiser_credentials",
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("programme_code", sa.String(length=40), nullable=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=40), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_appraiser_credentials")),
    )
    op.create_index(
        op.f("ix_appraiser_credentials_person_id"), "appraiser_credentials", ["person_id"]
    )

    # ---- appraisals: the new life cycle, the board variant, sign-off -------------------------
    op.add_column(
        "appraisals",
        sa.Column("kind", sa.String(length=10), server_default="staff", nullable=False),
    )
    op.add_column("appraisals", sa.Column("cycle_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_appraisals_cycle_id_appraisal_cycles"),
        "appraisals",
        "appraisal_cycles",
        ["cycle_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_appraisals_cycle_id"), "appraisals", ["cycle_id"])
    op.add_column("appraisals", sa.Column("cancel_reason", sa.String(length=40), nullable=True))
    op.add_column("appraisals", sa.Column("fppt_assessed_on", sa.Date(), nullable=True))
    op.add_column("appraisals", sa.Column("appraiser_credentialed", sa.Boolean(), nullable=True))
    op.add_column(
        "appraisals", sa.Column("appraisee_signed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "appraisals", sa.Column("appraiser_signed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "appraisals",
        sa.Column("appraisee_disagrees", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column(
        "appraisals",
        sa.Column("appraisee_view_performance", sa.String(length=30), nullable=True),
    )
    op.add_column(
        "appraisals", sa.Column("appraisee_view_behaviour", sa.String(length=30), nullable=True)
    )
    op.add_column(
        "appraisals",
        sa.Column(
            "local_answers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "appraisals", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE appraisals SET kind = 'board' WHERE board_role IS NOT NULL")
    op.execute(f"UPDATE appraisals SET status = {_NEW_STATUS.format(column='status')}")
    op.execute(
        "UPDATE appraisal_status_changes SET "
        f"from_status = {_NEW_STATUS.format(column='from_status')}, "
        f"to_status = {_NEW_STATUS.format(column='to_status')}"
    )
    # A cancelled appraisal no longer holds the person's place in the cycle.
    op.drop_constraint("uq_appraisals_person_id_org_code_cycle_year", "appraisals", type_="unique")
    op.create_index(
        "uq_appraisals_live_per_cycle",
        "appraisals",
        ["person_id", "org_code", "cycle_year"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
    )

    op.add_column("appraisal_objectives", sa.Column("progress", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_appraisal_objectives_progress_percent"),
        "appraisal_objectives",
        "progress BETWEEN 0 AND 100",
    )
    op.add_column("career_aspirations", sa.Column("impact", sa.String(length=20), nullable=True))
    op.add_column(
        "career_aspirations", sa.Column("growth_ambition", sa.String(length=20), nullable=True)
    )
    op.add_column(
        "appraisal_status_changes", sa.Column("action", sa.String(length=30), nullable=True)
    )
    op.add_column(
        "appraisal_status_changes",
        sa.Column("disagreement_recorded", sa.Boolean(), server_default="false", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("appraisal_status_changes", "disagreement_recorded")
    op.drop_column("appraisal_status_changes", "action")
    op.drop_column("career_aspirations", "growth_ambition")
    op.drop_column("career_aspirations", "impact")
    op.drop_constraint(
        op.f("ck_appraisal_objectives_progress_percent"), "appraisal_objectives", type_="check"
    )
    op.drop_column("appraisal_objectives", "progress")
    op.drop_index("uq_appraisals_live_per_cycle", table_name="appraisals")
    # Cancelled appraisals go first: the old constraint counted them.
    op.execute("DELETE FROM appraisals WHERE status = 'cancelled'")
    op.create_unique_constraint(
        "uq_appraisals_person_id_org_code_cycle_year",
        "appraisals",
        ["person_id", "org_code", "cycle_year"],
    )
    op.execute(
        "UPDATE appraisal_status_changes SET "
        f"from_status = {_OLD_STATUS.format(column='from_status')}, "
        f"to_status = {_OLD_STATUS.format(column='to_status')}"
    )
    op.execute(f"UPDATE appraisals SET status = {_OLD_STATUS.format(column='status')}")
    for column in (
        "cancelled_at",
        "local_answers",
        "appraisee_view_behaviour",
        "appraisee_view_performance",
        "appraisee_disagrees",
        "appraiser_signed_at",
        "appraisee_signed_at",
        "appraiser_credentialed",
        "fppt_assessed_on",
        "cancel_reason",
    ):
        op.drop_column("appraisals", column)
    op.drop_index(op.f("ix_appraisals_cycle_id"), table_name="appraisals")
    op.drop_constraint(
        op.f("fk_appraisals_cycle_id_appraisal_cycles"), "appraisals", type_="foreignkey"
    )
    op.drop_column("appraisals", "cycle_id")
    op.drop_column("appraisals", "kind")
    op.drop_index(op.f("ix_appraiser_credentials_person_id"), table_name="appraiser_credentials")
    op.drop_table("appraiser_credentials")
    op.drop_index(
        op.f("ix_appraisal_cycle_members_person_id"), table_name="appraisal_cycle_members"
    )
    op.drop_table("appraisal_cycle_members")
    op.drop_index("ix_appraisal_cycles_created_at_id", table_name="appraisal_cycles")
    op.drop_table("appraisal_cycles")
    op.drop_index("ix_local_questions_org_code_created_at_id", table_name="local_questions")
    op.drop_table("local_questions")
