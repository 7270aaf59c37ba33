"""organisations under oversight, challenged-organisation placements, analytics projections,
EDI goals and access audit, indicator publications

Revision ID: 20261122_0003
Revises: 20261122_0002
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0003"
down_revision: str | None = "20261122_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The 42 ICBs of the reference file have existed since 1 July 2022 (Health and Care Act 2022);
# trusts' host-ICB memberships are seeded from that day, open-ended.
ICB_ESTABLISHMENT = date(2022, 7, 1)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "icb_memberships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("icb_code", sa.String(length=5), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icb_memberships")),
    )
    op.create_index(
        "ix_icb_memberships_org_code_effective_from",
        "icb_memberships",
        ["org_code", "effective_from"],
    )
    op.create_index("ix_icb_memberships_icb_code", "icb_memberships", ["icb_code"])
    op.create_table(
        "organisation_oversight",
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("segment", sa.SmallInteger(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("org_code", name=op.f("pk_organisation_oversight")),
    )
    op.create_table(
        "oversight_segment_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("segment", sa.SmallInteger(), nullable=False),
        sa.Column("previous_segment", sa.SmallInteger(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reason_code", sa.String(length=60), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_segment_history")),
    )
    op.create_index(
        "ix_oversight_segment_history_org_code_recorded_at",
        "oversight_segment_history",
        ["org_code", "recorded_at", "id"],
    )
    op.create_table(
        "challenged_roles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("package_code", sa.String(length=40), nullable=False),
        sa.Column("relocation_support", sa.Boolean(), nullable=False),
        sa.Column("pay_minimum", sa.Integer(), nullable=False),
        sa.Column("pay_maximum", sa.Integer(), nullable=False),
        sa.Column("pay_approval_reference", sa.String(length=60), nullable=True),
        sa.Column("protected_development_days", sa.Integer(), nullable=False),
        sa.Column("mentor", sa.Boolean(), nullable=False),
        sa.Column("peer_network", sa.Boolean(), nullable=False),
        sa.Column("coach", sa.Boolean(), nullable=False),
        sa.Column("improvement_time_months", sa.Integer(), nullable=False),
        sa.Column("improvement_plan_peer_review", sa.Boolean(), nullable=False),
        sa.Column("peer_reviewer_org_code", sa.String(length=5), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenged_roles")),
    )
    op.create_index(
        "ix_challenged_roles_org_code_created_at",
        "challenged_roles",
        ["org_code", "created_at", "id"],
    )
    op.create_table(
        "placements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("home_org_code", sa.String(length=5), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("match", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_code", sa.String(length=40), nullable=True),
        sa.Column("decline_reason_code", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["challenged_roles.id"],
            name=op.f("fk_placements_role_id_challenged_roles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    op.create_index(
        "ix_placements_org_code_offered_at", "placements", ["org_code", "offered_at", "id"]
    )
    op.create_index("ix_placements_person_id", "placements", ["person_id"])
    op.create_index("ix_placements_role_id", "placements", ["role_id"])
    op.create_table(
        "analytics_training_completions",
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=True),
        sa.Column("programme_code", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_analytics_training_completions")),
    )
    op.create_index(
        "ix_analytics_training_person_category",
        "analytics_training_completions",
        ["person_id", "category"],
    )
    op.create_table(
        "analytics_board_compositions",
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("publication_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("groups", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("voting_total", sa.Integer(), nullable=True),
        sa.Column("executive_total", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("org_code", name=op.f("pk_analytics_board_compositions")),
    )
    op.create_table(
        "analytics_org_cells",
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("ethnic_category", sa.String(length=2), nullable=False),
        sa.Column("disability", sa.String(length=20), nullable=False),
        sa.Column("sex", sa.String(length=20), nullable=False),
        sa.Column("cycle_year", sa.SmallInteger(), nullable=False),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "staff",
                "managers",
                "compliant",
                "appraised",
                "non_mandatory_training",
                "pool_entry",
                "high_potential",
                "ready_now",
                "placement",
            )
        ),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_code", "ethnic_category", "disability", "sex", name=op.f("pk_analytics_org_cells")
        ),
    )
    op.create_table(
        "edi_goals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("region_code", sa.String(length=5), nullable=True),
        sa.Column("indicator_code", sa.String(length=60), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_goals")),
    )
    op.create_index("ix_edi_goals_org_code_deadline", "edi_goals", ["org_code", "deadline", "id"])
    op.create_index("ix_edi_goals_region_code_deadline", "edi_goals", ["region_code", "deadline"])
    op.create_table(
        "edi_access_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=True),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("accessed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_access_audit")),
    )
    op.create_index("ix_edi_access_audit_person_id", "edi_access_audit", ["person_id"])
    op.create_table(
        "indicator_publications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("indicators", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "published_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_publications")),
    )
    op.create_index(
        "ix_indicator_publications_org_code_published_at",
        "indicator_publications",
        ["org_code", "published_at", "id"],
    )
    op.create_index(
        "uq_indicator_publications_quarterly",
        "indicator_publications",
        ["org_code", "period"],
        unique=True,
        postgresql_where=sa.text("trigger = 'quarterly'"),
    )
    _seed_icb_memberships()


def _seed_icb_memberships() -> None:
    """Every trust's host ICB from the reference file, from the day the ICBs began."""
    # Imported here: the reference data is read at migration time, never at import of the
    # migration module (alembic imports every revision to build its graph).
    import uuid

    from shared.reference.organisations import OrgType, organisations_of_type

    table = sa.table(
        "icb_memberships",
        sa.column("id", sa.Uuid()),
        sa.column("org_code", sa.String()),
        sa.column("icb_code", sa.String()),
        sa.column("effective_from", sa.Date()),
        sa.column("effective_to", sa.Date()),
    )
    rows = [
        {
            "id": uuid.uuid5(uuid.NAMESPACE_URL, f"icb-membership/{org.ods_code}/{org.icb_code}"),
            "org_code": org.ods_code,
            "icb_code": org.icb_code,
            "effective_from": ICB_ESTABLISHMENT,
            "effective_to": None,
        }
        for org_type in (OrgType.NHS_TRUST, OrgType.FOUNDATION_TRUST)
        for org in organisations_of_type(org_type)
        if org.icb_code is not None
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("uq_indicator_publications_quarterly", table_name="indicator_publications")
    op.drop_index(
        "ix_indicator_publications_org_code_published_at", table_name="indicator_publications"
    )
    op.drop_table("indicator_publications")
    op.drop_index("ix_edi_access_audit_person_id", table_name="edi_access_audit")
    op.drop_table("edi_access_audit")
    op.drop_index("ix_edi_goals_region_code_deadline", table_name="edi_goals")
    op.drop_index("ix_edi_goals_org_code_deadline", table_name="edi_goals")
    op.drop_table("edi_goals")
    op.drop_table("analytics_org_cells")
    op.drop_table("analytics_board_compositions")
    op.drop_index(
        "ix_analytics_training_person_category", table_name="analytics_training_completions"
    )
    op.drop_table("analytics_training_completions")
    op.drop_index("ix_placements_role_id", table_name="placements")
    op.drop_index("ix_placements_person_id", table_name="placements")
    op.drop_index("ix_placements_org_code_offered_at", table_name="placements")
    op.drop_table("placements")
    op.drop_index("ix_challenged_roles_org_code_created_at", table_name="challenged_roles")
    op.drop_table("challenged_roles")
    op.drop_index(
        "ix_oversight_segment_history_org_code_recorded_at", table_name="oversight_segment_history"
    )
    op.drop_table("oversight_segment_history")
    op.drop_table("organisation_oversight")
    op.drop_index("ix_icb_memberships_icb_code", table_name="icb_memberships")
    op.drop_index("ix_icb_memberships_org_code_effective_from", table_name="icb_memberships")
    op.drop_table("icb_memberships")
