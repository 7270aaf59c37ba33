"""credential status list positions, eligibility policies and determinations

Every credential gets a fixed position in the issuer's Bitstring Status List (a sequence, so the
position of an issued credential never moves). Eligibility policies are versioned data; the first
version (2026.1) is seeded here. The last determination per person and level is kept so that
``eligibility.changed`` is published only when the answer changes.

Policy 2026.1 follows Messenger recommendation 3 (completion of accredited training as a
prerequisite for senior roles), recommendation 2 (EDI in every programme) and recommendation 4
(appraisal skills for those who appraise, i.e. line managers). Standards of the Management and
Leadership Framework are the platform's provisional working codes (see revision 0002).

Revision ID: 20261122_0004
Revises: 20261122_0003
Create Date: 2026-11-22 06:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0004"
down_revision: str | None = "20261122_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_POLICY_VERSION = "2026.1"
LCF_DOMAINS = [f"LCF-2024-D{n}" for n in range(1, 7)]

_LEVEL_STANDARDS = {
    "entry": ["MLF-2025-ENTRY"],
    "first_line": ["MLF-2025-FIRST-LINE"],
    "middle": ["MLF-2025-MIDDLE"],
    "senior": ["MLF-2025-SENIOR"],
    "executive": ["MLF-2025-EXECUTIVE", *LCF_DOMAINS],
    "board": LCF_DOMAINS,
}


def _requirements() -> list[dict[str, object]]:
    requirements: list[dict[str, object]] = []
    for level, standards in _LEVEL_STANDARDS.items():
        requirements.append(
            {
                "id": f"{level}.standards",
                "level": level,
                "kind": "standards",
                "standards": standards,
                "programmes": [],
                "applies_to": "everyone",
                "description": f"The {level.replace('_', ' ')} level's standards attained "
                "through accredited training",
            }
        )
        if level == "entry":
            continue
        requirements.append(
            {
                "id": f"{level}.edi",
                "level": level,
                "kind": "programmes",
                "standards": [],
                "programmes": ["NHS-EDI-MODULE"],
                "applies_to": "everyone",
                "description": "The equality, diversity and inclusion module, current",
            }
        )
        if level in ("middle", "senior", "executive"):
            requirements.append(
                {
                    "id": f"{level}.appraisal_skills",
                    "level": level,
                    "kind": "programmes",
                    "standards": [],
                    "programmes": ["NHS-APPRAISAL-SKILLS"],
                    "applies_to": "line_managers",
                    "description": "The appraisal-skills module, for those who manage and "
                    "appraise staff",
                }
            )
    return requirements


eligibility_policies = sa.table(
    "eligibility_policies",
    sa.column("version", sa.String()),
    sa.column("published_at", sa.DateTime(timezone=True)),
    sa.column("requirements", postgresql.JSONB()),
    sa.column("published_by", sa.Text()),
)


def upgrade() -> None:
    op.execute(
        sa.schema.CreateSequence(sa.Sequence("credential_status_index_seq", start=0, minvalue=0))
    )
    op.add_column(
        "credentials",
        sa.Column(
            "status_list_index",
            sa.BigInteger(),
            server_default=sa.text("nextval('credential_status_index_seq')"),
            nullable=False,
        ),
    )
    op.create_unique_constraint(
        op.f("uq_credentials_status_list_index"), "credentials", ["status_list_index"]
    )
    op.create_index(
        "ix_credentials_status_revoked",
        "credentials",
        ["status_list_index"],
        unique=False,
        postgresql_where=sa.text("status = 'revoked'"),
    )
    op.create_table(
        "eligibility_policies",
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requirements", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_eligibility_policies")),
    )
    op.create_index(
        "ix_eligibility_policies_published_at",
        "eligibility_policies",
        ["published_at", "version"],
        unique=False,
    )
    op.create_table(
        "eligibility_determinations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("met_requirement_ids", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("unmet_requirement_ids", sa.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("evidence_credential_ids", sa.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("policy_version", sa.String(length=20), nullable=False),
        sa.Column("determined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_determinations")),
        sa.UniqueConstraint(
            "person_id", "level", name=op.f("uq_eligibility_determinations_person_id_level")
        ),
    )
    op.bulk_insert(
        eligibility_policies,
        [
            {
                "version": FIRST_POLICY_VERSION,
                "published_at": datetime(2026, 11, 22, tzinfo=UTC),
                "requirements": _requirements(),
                "published_by": "migration 20261122_0004",
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("eligibility_determinations")
    op.drop_index("ix_eligibility_policies_published_at", table_name="eligibility_policies")
    op.drop_table("eligibility_policies")
    op.drop_index(
        "ix_credentials_status_revoked",
        table_name="credentials",
        postgresql_where=sa.text("status = 'revoked'"),
    )
    op.drop_constraint(op.f("uq_credentials_status_list_index"), "credentials", type_="unique")
    op.drop_column("credentials", "status_list_index")
    op.execute(sa.schema.DropSequence(sa.Sequence("credential_status_index_seq")))
