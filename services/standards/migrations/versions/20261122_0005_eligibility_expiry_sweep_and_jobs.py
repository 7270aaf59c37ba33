"""eligibility expiry sweep watermark and background redetermination jobs

The worker re-determines the holders of credentials that expired since its last pass (the
watermark: expiry time and credential id of the last credential handled), and runs full
redeterminations (a new policy version, or one asked for by an administrator) as jobs in slices
of people, instead of inside one HTTP request.

Revision ID: 20261122_0005
Revises: 20261122_0004
Create Date: 2026-11-22 07:00:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0005"
down_revision: str | None = "20261122_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPIRY_SWEEP = "credential_expiry"


def upgrade() -> None:
    op.create_index(
        "ix_credentials_expires_at",
        "credentials",
        ["expires_at", "id"],
        unique=False,
        postgresql_where=sa.text("expires_at IS NOT NULL"),
    )
    watermarks = op.create_table(
        "eligibility_sweep_watermarks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("expired_through", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_credential_id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_eligibility_sweep_watermarks")),
    )
    # Starting at the beginning of time: the first pass also catches credentials that expired
    # before this revision, and publishes only the answers that actually flip.
    op.bulk_insert(
        watermarks,
        [
            {
                "name": EXPIRY_SWEEP,
                "expired_through": datetime(1970, 1, 1, tzinfo=UTC),
                "last_credential_id": uuid.UUID(int=0),
                "updated_at": datetime(2026, 11, 22, tzinfo=UTC),
            }
        ],
    )
    op.create_table(
        "eligibility_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("policy_version", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("people_total", sa.Integer(), nullable=True),
        sa.Column("people_processed", sa.Integer(), nullable=False),
        sa.Column("changes_published", sa.Integer(), nullable=False),
        sa.Column("after_person_id", sa.String(length=20), nullable=True),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'completed')", name=op.f("ck_eligibility_jobs_status")
        ),
        sa.CheckConstraint(
            "reason IN ('policy', 'requested')", name=op.f("ck_eligibility_jobs_reason")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_jobs")),
    )
    op.create_index(
        "ix_eligibility_jobs_status_requested",
        "eligibility_jobs",
        ["status", "requested_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_eligibility_jobs_status_requested", table_name="eligibility_jobs")
    op.drop_table("eligibility_jobs")
    op.drop_table("eligibility_sweep_watermarks")
    op.drop_index("ix_credentials_expires_at", table_name="credentials")
