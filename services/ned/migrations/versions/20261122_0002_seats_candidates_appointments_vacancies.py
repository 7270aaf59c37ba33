"""committee roles on seats; candidate pool with restricted characteristics and access audit;
tenure extensions, appointments, vacancies, applications and the campaign trail

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


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
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
    ]


def upgrade() -> None:
    op.add_column(
        "seats",
        sa.Column(
            "committee_roles",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
    )

    op.create_table(
        "ned_candidates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("skills", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("sector_expertise", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("lcf_self_assessment", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("lcf_assessed_on", sa.Date(), nullable=True),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("days_per_month", sa.Integer(), nullable=True),
        sa.Column("regional_preferences", postgresql.ARRAY(sa.String(length=5)), nullable=False),
        sa.Column("programmes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ned_candidates")),
        sa.UniqueConstraint("person_id", name=op.f("uq_ned_candidates_person_id")),
    )
    op.create_index("ix_ned_candidates_org_code_id", "ned_candidates", ["org_code", "id"])

    op.create_table(
        "ned_candidate_protected_characteristics",
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("sex", sa.String(length=20), nullable=True),
        sa.Column("ethnic_category", sa.String(length=2), nullable=True),
        sa.Column("disability", sa.String(length=20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["ned_candidates.id"],
            name=op.f("fk_ned_candidate_protected_characteristics_candidate_id_ned_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "candidate_id", name=op.f("pk_ned_candidate_protected_characteristics")
        ),
    )

    op.create_table(
        "restricted_access_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("org_code", sa.String(length=10), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restricted_access_audit")),
        sa.UniqueConstraint("seq", name=op.f("uq_restricted_access_audit_seq")),
    )
    op.create_index(
        "ix_restricted_access_audit_record", "restricted_access_audit", ["record_type", "record_id"]
    )

    op.create_table(
        "tenure_extensions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("extends_to", sa.Date(), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("agreed_by", sa.Text(), nullable=False),
        sa.Column(
            "agreed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenure_extensions")),
    )
    op.create_index(
        "ix_tenure_extensions_org_person", "tenure_extensions", ["org_code", "person_id"]
    )

    op.create_table(
        "vacancies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seat_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("seat_role", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("appointing_body", sa.String(length=30), nullable=False),
        sa.Column("nhse_assistance_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nhse_assistance_requested_by", sa.Text(), nullable=True),
        sa.Column("role_description", sa.Text(), nullable=False),
        sa.Column("lcf_domains", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closing_date", sa.Date(), nullable=False),
        sa.Column("sift_date", sa.Date(), nullable=True),
        sa.Column("interview_date", sa.Date(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "stage IN ('open', 'closed', 'sift', 'interview', 'decision', 'filled', 'withdrawn')",
            name=op.f("ck_vacancies_stage"),
        ),
        sa.ForeignKeyConstraint(["seat_id"], ["seats.id"], name=op.f("fk_vacancies_seat_id_seats")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vacancies")),
    )
    op.create_index("ix_vacancies_org_code_id", "vacancies", ["org_code", "id"])
    op.create_index("ix_vacancies_seat_id", "vacancies", ["seat_id"])

    op.create_table(
        "appointments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seat_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("seat_role", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("term_number", sa.Integer(), nullable=False),
        sa.Column("appointing_body", sa.String(length=30), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=True),
        sa.Column("extension_id", sa.Uuid(), nullable=True),
        sa.Column("historical", sa.Boolean(), nullable=False),
        sa.Column("appointed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason_code", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('pending_fppt', 'active', 'ended', 'withdrawn')",
            name=op.f("ck_appointments_status"),
        ),
        sa.CheckConstraint("term_end > term_start", name=op.f("ck_appointments_term")),
        sa.CheckConstraint("term_number >= 1", name=op.f("ck_appointments_term_number")),
        sa.ForeignKeyConstraint(
            ["seat_id"], ["seats.id"], name=op.f("fk_appointments_seat_id_seats")
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_appointments_vacancy_id_vacancies")
        ),
        sa.ForeignKeyConstraint(
            ["extension_id"],
            ["tenure_extensions.id"],
            name=op.f("fk_appointments_extension_id_tenure_extensions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index("ix_appointments_org_person", "appointments", ["org_code", "person_id"])
    op.create_index("ix_appointments_seat_id", "appointments", ["seat_id"])
    op.create_index("ix_appointments_org_code_id", "appointments", ["org_code", "id"])
    op.create_index("ix_appointments_status_term_end", "appointments", ["status", "term_end"])

    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("org_code", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "stage IN ('applied', 'longlisted', 'shortlisted', 'interviewed', 'recommended', "
            "'appointed', 'rejected', 'withdrawn')",
            name=op.f("ck_applications_stage"),
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_applications_vacancy_id_vacancies")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["ned_candidates.id"],
            name=op.f("fk_applications_candidate_id_ned_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_applications_appointment_id_appointments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("vacancy_id", "candidate_id", name="uq_applications_vacancy_candidate"),
    )
    op.create_index("ix_applications_vacancy_id_id", "applications", ["vacancy_id", "id"])

    op.create_table(
        "campaign_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("acting_body", sa.String(length=30), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"], ["vacancies.id"], name=op.f("fk_campaign_steps_vacancy_id_vacancies")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_campaign_steps_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_steps")),
        sa.UniqueConstraint("seq", name=op.f("uq_campaign_steps_seq")),
    )
    op.create_index("ix_campaign_steps_vacancy_seq", "campaign_steps", ["vacancy_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_campaign_steps_vacancy_seq", table_name="campaign_steps")
    op.drop_table("campaign_steps")
    op.drop_index("ix_applications_vacancy_id_id", table_name="applications")
    op.drop_table("applications")
    for index in (
        "ix_appointments_status_term_end",
        "ix_appointments_org_code_id",
        "ix_appointments_seat_id",
        "ix_appointments_org_person",
    ):
        op.drop_index(index, table_name="appointments")
    op.drop_table("appointments")
    op.drop_index("ix_vacancies_seat_id", table_name="vacancies")
    op.drop_index("ix_vacancies_org_code_id", table_name="vacancies")
    op.drop_table("vacancies")
    op.drop_index("ix_tenure_extensions_org_person", table_name="tenure_extensions")
    op.drop_table("tenure_extensions")
    op.drop_index("ix_restricted_access_audit_record", table_name="restricted_access_audit")
    op.drop_table("restricted_access_audit")
    op.drop_table("ned_candidate_protected_characteristics")
    op.drop_index("ix_ned_candidates_org_code_id", table_name="ned_candidates")
    op.drop_table("ned_candidates")
    op.drop_column("seats", "committee_roles")
