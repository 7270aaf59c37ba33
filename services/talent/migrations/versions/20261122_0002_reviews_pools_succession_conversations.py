"""talent reviews, pools, succession plans with readiness, career conversations; profile facts
from eligibility, compliance, board appointments and fit and proper assessments

Revision ID: 20261122_0002
Revises: 20261122_0001
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0002"
down_revision: str | None = "20261122_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consumer_group", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("target_offsets", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replay_requests")),
    )
    op.create_index(
        "uq_replay_requests_one_open",
        "replay_requests",
        ["consumer_group"],
        unique=True,
        postgresql_where=sa.text("status IN ('requested', 'resetting', 'rebuilding')"),
    )
    op.create_table(
        "profile_eligibility",
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("determination_id", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("met_requirement_ids", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("unmet_requirement_ids", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("unmet_detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "evidence_credential_ids", postgresql.ARRAY(sa.String(length=64)), nullable=False
        ),
        sa.Column("policy_version", sa.String(length=60), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "level", name=op.f("pk_profile_eligibility")),
    )
    op.create_table(
        "profile_compliance",
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("determination_id", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=True),
        sa.Column("statutory_mandatory_complete", sa.Boolean(), nullable=False),
        sa.Column(
            "overdue_programme_codes", postgresql.ARRAY(sa.String(length=64)), nullable=False
        ),
        sa.Column(
            "expired_programme_codes", postgresql.ARRAY(sa.String(length=64)), nullable=False
        ),
        sa.Column(
            "expiring_programme_codes", postgresql.ARRAY(sa.String(length=64)), nullable=False
        ),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_profile_compliance")),
    )
    op.create_table(
        "profile_board_roles",
        sa.Column("appointment_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=True),
        sa.Column("seat_id", sa.String(length=64), nullable=True),
        sa.Column("seat_role", sa.String(length=40), nullable=True),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("term_number", sa.Integer(), nullable=True),
        sa.Column("appointing_body", sa.String(length=40), nullable=True),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason_code", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_profile_board_roles")),
    )
    op.create_index(
        op.f("ix_profile_board_roles_person_id"), "profile_board_roles", ["person_id"], unique=False
    )
    op.create_table(
        "profile_fppt",
        sa.Column("assessment_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_off_by_role", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_profile_fppt")),
    )
    op.create_index(
        "ix_profile_fppt_person_id_assessed_at",
        "profile_fppt",
        ["person_id", "assessed_at"],
        unique=False,
    )
    op.create_table(
        "readiness_policies",
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_readiness_policies")),
    )
    op.create_table(
        "critical_posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("role_title", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("board_post", sa.Boolean(), nullable=False),
        sa.Column("incumbent_person_id", sa.String(length=20), nullable=True),
        sa.Column("risk_of_loss", sa.String(length=10), nullable=False),
        sa.Column("impact_of_loss", sa.String(length=10), nullable=False),
        sa.Column("expected_vacancy_date", sa.Date(), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_critical_posts")),
    )
    op.create_index(
        "ix_critical_posts_org_code_id", "critical_posts", ["org_code", "id"], unique=False
    )
    op.create_table(
        "succession_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("ready_now", sa.Integer(), nullable=False),
        sa.Column("ready_1_2_years", sa.Integer(), nullable=False),
        sa.Column("ready_3_plus_years", sa.Integer(), nullable=False),
        sa.Column("not_ready", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("risks", postgresql.ARRAY(sa.String(length=40)), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["critical_posts.id"],
            name=op.f("fk_succession_plans_post_id_critical_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_succession_plans")),
        sa.UniqueConstraint("post_id", name=op.f("uq_succession_plans_post_id")),
    )
    op.create_index(
        "ix_succession_plans_org_code_id", "succession_plans", ["org_code", "id"], unique=False
    )
    op.create_table(
        "succession_candidates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("board_post", sa.Boolean(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("emergency_cover", sa.Boolean(), nullable=False),
        sa.Column("computed_readiness", sa.String(length=20), nullable=False),
        sa.Column("readiness", sa.String(length=20), nullable=False),
        sa.Column("announced_readiness", sa.String(length=20), nullable=True),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("policy_version", sa.String(length=20), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("override_readiness", sa.String(length=20), nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=True),
        sa.Column("override_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_by", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["succession_plans.id"],
            name=op.f("fk_succession_candidates_plan_id_succession_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["critical_posts.id"],
            name=op.f("fk_succession_candidates_post_id_critical_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_succession_candidates")),
        sa.UniqueConstraint("plan_id", "person_id", name="uq_succession_candidates_plan_person"),
    )
    op.create_index(
        "ix_succession_candidates_person_id", "succession_candidates", ["person_id"], unique=False
    )
    op.create_index(
        "ix_succession_candidates_plan_id_rank",
        "succession_candidates",
        ["plan_id", "rank", "id"],
        unique=False,
    )
    op.create_table(
        "talent_pools",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("scope_code", sa.String(length=5), nullable=True),
        sa.Column("owner_code", sa.String(length=5), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_pools")),
    )
    op.create_index(
        "ix_talent_pools_owner_code_id", "talent_pools", ["owner_code", "id"], unique=False
    )
    op.create_table(
        "pool_memberships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pool_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposal", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["talent_pools.id"],
            name=op.f("fk_pool_memberships_pool_id_talent_pools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_memberships")),
        sa.UniqueConstraint("pool_id", "person_id", name="uq_pool_memberships_pool_person"),
    )
    op.create_index(
        "ix_pool_memberships_person_id", "pool_memberships", ["person_id"], unique=False
    )
    op.create_table(
        "pool_membership_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["pool_memberships.id"],
            name=op.f("fk_pool_membership_changes_membership_id_pool_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_membership_changes")),
    )
    op.create_index(
        op.f("ix_pool_membership_changes_membership_id"),
        "pool_membership_changes",
        ["membership_id"],
        unique=False,
    )
    op.create_table(
        "talent_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_reviews")),
    )
    op.create_index(
        "ix_talent_reviews_org_code_id", "talent_reviews", ["org_code", "id"], unique=False
    )
    op.create_table(
        "review_assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("appraisal_id", sa.String(length=64), nullable=True),
        sa.Column("performance", sa.String(length=10), nullable=False),
        sa.Column("aspiration", sa.Integer(), nullable=False),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("ability", sa.Integer(), nullable=False),
        sa.Column("leadership_values", sa.Integer(), nullable=False),
        sa.Column("potential", sa.String(length=10), nullable=False),
        sa.Column("assessed_box", sa.Integer(), nullable=False),
        sa.Column("box", sa.Integer(), nullable=False),
        sa.Column("assessed_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "assessed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["talent_reviews.id"],
            name=op.f("fk_review_assessments_review_id_talent_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assessments")),
        sa.UniqueConstraint("review_id", "person_id", name="uq_review_assessments_review_person"),
    )
    op.create_index(
        "ix_review_assessments_person_id", "review_assessments", ["person_id"], unique=False
    )
    op.create_table(
        "moderation_moves",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("from_box", sa.Integer(), nullable=False),
        sa.Column("to_box", sa.Integer(), nullable=False),
        sa.Column("moved_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "moved_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["review_assessments.id"],
            name=op.f("fk_moderation_moves_assessment_id_review_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["talent_reviews.id"],
            name=op.f("fk_moderation_moves_review_id_talent_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_moves")),
    )
    op.create_index(
        op.f("ix_moderation_moves_assessment_id"),
        "moderation_moves",
        ["assessment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_moderation_moves_person_id"), "moderation_moves", ["person_id"], unique=False
    )
    op.create_table(
        "career_conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("manager_person_id", sa.String(length=20), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("where_they_are", sa.Text(), nullable=True),
        sa.Column("where_they_want_to_go", sa.Text(), nullable=True),
        sa.Column("agreed_actions", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("outcome_codes", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("target_level", sa.String(length=20), nullable=True),
        sa.Column("timeframe", sa.String(length=30), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_career_conversations")),
    )
    op.create_index(
        "ix_career_conversations_org_code_id",
        "career_conversations",
        ["org_code", "id"],
        unique=False,
    )
    op.create_index(
        "ix_career_conversations_person_id_held_on",
        "career_conversations",
        ["person_id", "held_on"],
        unique=False,
    )

    # The first readiness policy (a copy of talent.succession.domain.POLICY_2026_1 as it
    # stood when this revision was written: a migration never changes with the code).
    policies = sa.table(
        "readiness_policies",
        sa.column("version", sa.String),
        sa.column("definition", postgresql.JSONB),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        policies,
        [
            {
                "version": "2026.1",
                "active": True,
                "definition": {
                    "version": "2026.1",
                    "appraisal_max_age_days": 456,
                    "performance_outcomes_met": ["meets", "exceeds"],
                    "behaviour_outcomes_met": ["meets", "exceeds"],
                    "fppt_max_age_days": 400,
                    "bands": [
                        {
                            "readiness": "ready_now",
                            "requires": [
                                "eligible_for_level",
                                "appraisal_recent",
                                "appraisal_outcomes",
                                "aspiration_toward_level",
                                "fit_and_proper",
                            ],
                        },
                        {
                            "readiness": "ready_1_2_years",
                            "requires": [
                                "appraisal_recent",
                                "appraisal_outcomes",
                                "aspiration_toward_level",
                            ],
                        },
                        {
                            "readiness": "ready_3_plus_years",
                            "requires": ["aspiration_toward_level"],
                        },
                    ],
                },
            }
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_career_conversations_org_code_id", table_name="career_conversations")
    op.drop_index("ix_career_conversations_person_id_held_on", table_name="career_conversations")
    op.drop_table("career_conversations")
    op.drop_index(op.f("ix_moderation_moves_assessment_id"), table_name="moderation_moves")
    op.drop_index(op.f("ix_moderation_moves_person_id"), table_name="moderation_moves")
    op.drop_table("moderation_moves")
    op.drop_index("ix_review_assessments_person_id", table_name="review_assessments")
    op.drop_table("review_assessments")
    op.drop_index("ix_talent_reviews_org_code_id", table_name="talent_reviews")
    op.drop_table("talent_reviews")
    op.drop_index(
        op.f("ix_pool_membership_changes_membership_id"), table_name="pool_membership_changes"
    )
    op.drop_table("pool_membership_changes")
    op.drop_index("ix_pool_memberships_person_id", table_name="pool_memberships")
    op.drop_table("pool_memberships")
    op.drop_index("ix_talent_pools_owner_code_id", table_name="talent_pools")
    op.drop_table("talent_pools")
    op.drop_index("ix_succession_candidates_person_id", table_name="succession_candidates")
    op.drop_index("ix_succession_candidates_plan_id_rank", table_name="succession_candidates")
    op.drop_table("succession_candidates")
    op.drop_index("ix_succession_plans_org_code_id", table_name="succession_plans")
    op.drop_table("succession_plans")
    op.drop_index("ix_critical_posts_org_code_id", table_name="critical_posts")
    op.drop_table("critical_posts")
    op.drop_table("readiness_policies")
    op.drop_index("ix_profile_fppt_person_id_assessed_at", table_name="profile_fppt")
    op.drop_table("profile_fppt")
    op.drop_index(op.f("ix_profile_board_roles_person_id"), table_name="profile_board_roles")
    op.drop_table("profile_board_roles")
    op.drop_table("profile_compliance")
    op.drop_table("profile_eligibility")
    op.drop_index(
        "uq_replay_requests_one_open",
        table_name="replay_requests",
        postgresql_where=sa.text("status IN ('requested', 'resetting', 'rebuilding')"),
    )
    op.drop_table("replay_requests")
