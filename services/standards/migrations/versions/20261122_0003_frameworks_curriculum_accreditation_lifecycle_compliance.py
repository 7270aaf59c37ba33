"""frameworks, curriculum composition, accreditation lifecycle, assignment and compliance

Tables for versioned frameworks (domains, standards, rating scales), programme composition and
bundles, the full accreditation lifecycle (applied, under review, accredited with or without
conditions, suspended, withdrawn, expired), assignment rules and each person's compliance; and
the seed content.

Seeded frameworks (DOMAIN §1, §3, §11), each version published and so immutable:

* ``LCF-BOARD`` 2024: the NHS leadership competency framework for board members, published by
  NHS England on 28 February 2024 (https://www.england.nhs.uk/long-read/
  nhs-leadership-competency-framework-for-board-members/): its six domains, with the standard
  codes ``LCF-2024-D1``..``D6`` the curriculum already uses, and the self-assessment frequency
  scale from "almost always" to "no chance to demonstrate" (HSJ). The points between the two ends
  are not confirmed from the scoring guide: they are marked provisional.
* ``NHS-VALUES`` 1: the six values of the NHS Constitution for England
  (https://www.gov.uk/government/publications/the-nhs-constitution-for-england), used by
  appraisal for the "how"; their codes match the appraisal service's value codes.
* ``CSTF`` 1.0: the subjects of the Core Skills Training Framework, England v1.0 (Skills for
  Health, https://www.skillsforhealth.org.uk/core-skills-training-framework/). Refresher
  intervals are configuration: the subject guide's values are not confirmed, so the seeded
  months are common local choices, to be checked and changed by curating a new version.
  "Violence and aggression" is a Wales-only subject and is not part of the England version.
* ``MLS`` 2025: the Management and Leadership Framework's code of practice and standards per
  level (NHS England board paper, 23 September 2025, https://www.england.nhs.uk/long-read/
  management-and-leadership-development). The national text is not public: every standard is
  provisional, with the working codes ``MLF-2025-*`` the curriculum already uses.

Curriculum: the CSTF subjects become statutory and mandatory programmes (their refresher
intervals as validity), the Leadership Academy's director programme joins the ladder, the EDI
module is part of the induction and of the mid-career programme (and appraisal skills of the
latter), and bundles name the programmes that together meet each level (provisional: the
platform's own composition until the national curriculum is published).

Assignment rules (configuration, DOMAIN §7.1, §11): new joiners' induction within 90 days,
managers' mid-career programme within a year, EDI for all staff and sooner for line managers,
every CSTF subject within 90 days of joining and again at each refresher.

Revision ID: 20261122_0003
Revises: 20261122_0002
Create Date: 2026-11-22 06:00:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0003"
down_revision: str | None = "20261122_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stable ids in every environment, derived from natural keys (as migration 0002 does).
_NAMESPACE = uuid.UUID("0f4b1e6c-8a3d-4c52-9b7e-5d2a61c3f0a8")
_PROGRAMME_NAMESPACE = uuid.UUID("5b0c7a52-3f57-4b8e-9a53-2c1f3e6d9a10")

ALL_LEVELS = ["entry", "first_line", "middle", "senior", "executive", "board"]
SEEDED_AT = datetime(2026, 11, 22, tzinfo=UTC)

LCF_URL = (
    "https://www.england.nhs.uk/long-read/nhs-leadership-competency-framework-for-board-members/"
)
CONSTITUTION_URL = "https://www.gov.uk/government/publications/the-nhs-constitution-for-england"
CSTF_URL = "https://www.skillsforhealth.org.uk/core-skills-training-framework/"
MLS_URL = "https://www.england.nhs.uk/long-read/management-and-leadership-development"
LEADERSHIP_ACADEMY = "https://www.leadershipacademy.nhs.uk/programmes/"

FREQUENCY_SCALE = [
    # code, label, proficient, provisional
    ("almost_always", "Almost always", True, False),
    ("often", "Often", True, True),
    ("sometimes", "Sometimes", False, True),
    ("rarely", "Rarely", False, True),
    ("no_chance_to_demonstrate", "No chance to demonstrate", False, False),
]

LCF_DOMAINS = [
    ("D1", "Driving high quality and sustainable outcomes", []),
    ("D2", "Setting strategy and delivering long-term transformation", []),
    (
        "D3",
        "Promoting equality and inclusion, and reducing health and workforce inequalities",
        [
            "Speaks up against racism, discrimination, bullying, aggression, sexual misconduct "
            "or violence, even when they are the only voice",
            "Challenges constructively when actions and behaviours make people feel unsafe or "
            "excluded",
            "Ensures a safe culture of speaking up",
        ],
    ),
    ("D4", "Providing robust governance and assurance", []),
    ("D5", "Creating a compassionate, just and positive culture", []),
    ("D6", "Building a trusted relationship with partners and communities", []),
]

NHS_VALUES = [
    ("WORKING-TOGETHER-FOR-PATIENTS", "Working together for patients"),
    ("RESPECT-AND-DIGNITY", "Respect and dignity"),
    ("COMMITMENT-TO-QUALITY-OF-CARE", "Commitment to quality of care"),
    ("COMPASSION", "Compassion"),
    ("IMPROVING-LIVES", "Improving lives"),
    ("EVERYONE-COUNTS", "Everyone counts"),
]

CLINICAL_STAFF_GROUPS = [
    "Medical and Dental",
    "Nursing and Midwifery Registered",
    "Allied Health Professionals",
    "Additional Clinical Services",
    "Healthcare Scientists",
    "Additional Professional Scientific and Technical",
]

# standard code, title, refresher months (configuration), programme code, mode, staff groups
CSTF_SUBJECTS = [
    ("CSTF-EDHR", "Equality, diversity and human rights", 36, "NHS-EDI-MODULE", "online", None),
    ("CSTF-HSW", "Health, safety and welfare", 36, "CSTF-HSW", "online", None),
    (
        "CSTF-CONFLICT-RESOLUTION",
        "NHS conflict resolution (England)",
        36,
        "CSTF-CONFLICT-RESOLUTION",
        "online",
        None,
    ),
    ("CSTF-FIRE-SAFETY", "Fire safety", 24, "CSTF-FIRE-SAFETY", "online", None),
    ("CSTF-IPC", "Infection prevention and control", 36, "CSTF-IPC", "online", None),
    ("CSTF-MOVING-HANDLING", "Moving and handling", 24, "CSTF-MOVING-HANDLING", "blended", None),
    (
        "CSTF-SAFEGUARDING-ADULTS",
        "Safeguarding adults",
        36,
        "CSTF-SAFEGUARDING-ADULTS",
        "online",
        None,
    ),
    ("CSTF-PREVENT", "Preventing radicalisation", 36, "CSTF-PREVENT", "online", None),
    (
        "CSTF-SAFEGUARDING-CHILDREN",
        "Safeguarding children",
        36,
        "CSTF-SAFEGUARDING-CHILDREN",
        "online",
        None,
    ),
    (
        "CSTF-RESUSCITATION",
        "Resuscitation",
        12,
        "CSTF-RESUSCITATION",
        "blended",
        CLINICAL_STAFF_GROUPS,
    ),
    (
        "CSTF-IG-DATA-SECURITY",
        "Information governance and data security",
        12,
        "CSTF-IG-DATA-SECURITY",
        "online",
        None,
    ),
]

MLS_LEVEL_STANDARDS = [
    ("MLF-2025-ENTRY", "entry", "Managing and leading at entry level"),
    ("MLF-2025-FIRST-LINE", "first_line", "Managing and leading a team as a first-line manager"),
    ("MLF-2025-MIDDLE", "middle", "Managing and leading services as a middle manager"),
    ("MLF-2025-SENIOR", "senior", "Leading services and organisations as a senior manager"),
    ("MLF-2025-EXECUTIVE", "executive", "Leading organisations and systems as an executive"),
]

MODES = {
    "NHS-EDI-MODULE": "online",
    "NLA-EDWARD-JENNER": "online",
    "NLA-MARY-SEACOLE": "blended",
}

# Programme composition: the EDI module is part of both Messenger programmes (recommendation 2),
# appraisal skills part of the mid-career programme (recommendation 4).
COMPONENTS = [
    ("NHS-INDUCTION", "NHS-EDI-MODULE"),
    ("NHS-MID-CAREER", "NHS-EDI-MODULE"),
    ("NHS-MID-CAREER", "NHS-APPRAISAL-SKILLS"),
]

_CORE = ["NHS-EDI-MODULE", "NHS-APPRAISAL-SKILLS"]
BUNDLES = [
    (
        "BUNDLE-ENTRY",
        "Entry level",
        "entry",
        ["NHS-INDUCTION", "NLA-EDWARD-JENNER", "NHS-EDI-MODULE"],
    ),
    ("BUNDLE-FIRST-LINE", "First-line managers", "first_line", ["NLA-MARY-SEACOLE", *_CORE]),
    (
        "BUNDLE-MIDDLE",
        "Middle managers",
        "middle",
        ["NHS-MID-CAREER", "NLA-ROSALIND-FRANKLIN", *_CORE],
    ),
    ("BUNDLE-SENIOR", "Senior managers", "senior", ["NLA-ELIZABETH-GARRETT-ANDERSON", *_CORE]),
    ("BUNDLE-EXECUTIVE", "Executives", "executive", ["NLA-NYE-BEVAN", "NLA-DIRECTOR", *_CORE]),
    ("BUNDLE-BOARD", "Board members", "board", ["NLA-NYE-BEVAN", *_CORE]),
]

# code, title, audience, programme, due days, staff groups, joined on or after, effective from
ASSIGNMENT_RULES = [
    (
        "JOINER-INDUCTION",
        "New joiners complete the national induction",
        "new_joiners",
        "NHS-INDUCTION",
        90,
        None,
        date(2026, 1, 1),
        None,
    ),
    (
        "MANAGER-MID-CAREER",
        "Line managers complete the mid-career programme",
        "line_managers",
        "NHS-MID-CAREER",
        365,
        None,
        None,
        date(2026, 4, 1),
    ),
    (
        "LEADER-EDI",
        "Line managers complete the EDI module",
        "line_managers",
        "NHS-EDI-MODULE",
        30,
        None,
        None,
        None,
    ),
] + [
    (
        standard_code,
        f"CSTF subject: {title}",
        "all_staff",
        programme,
        90,
        groups,
        None,
        None,
    )
    for standard_code, title, _, programme, _, groups in CSTF_SUBJECTS
]

# ---- static table shapes (a migration must not import the application's models) -----------

programmes = sa.table(
    "programmes",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("title", sa.String()),
    sa.column("category", sa.String()),
    sa.column("audience", sa.String()),
    sa.column("delivery", sa.String()),
    sa.column("duration_months", sa.Integer()),
    sa.column("award", sa.String()),
    sa.column("validity_months", sa.Integer()),
    sa.column("levels", postgresql.ARRAY(sa.String())),
    sa.column("provisional", sa.Boolean()),
    sa.column("source_url", sa.Text()),
    sa.column("version", sa.Integer()),
    sa.column("mode", sa.String()),
)
programme_standards = sa.table(
    "programme_standards",
    sa.column("programme_id", sa.Uuid()),
    sa.column("standard_code", sa.String()),
    sa.column("provisional", sa.Boolean()),
)


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, "/".join(parts))


def _programme_id(code: str) -> uuid.UUID:
    return uuid.uuid5(_PROGRAMME_NAMESPACE, code)


def _create_tables() -> None:
    op.drop_constraint("ck_accreditations_status", "accreditations", type_="check")
    # 'accredited_with_conditions' is longer than the old column.
    op.alter_column(
        "accreditations",
        "status",
        type_=sa.String(length=32),
        existing_type=sa.String(length=20),
        existing_nullable=False,
    )
    op.create_check_constraint(
        op.f("ck_accreditations_status"),
        "accreditations",
        "status IN ('applied', 'under_review', 'accredited', 'accredited_with_conditions', "
        "'suspended', 'withdrawn', 'expired')",
    )
    op.add_column(
        "accreditations",
        sa.Column(
            "conditions",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
    )
    op.add_column("accreditations", sa.Column("rationale", sa.Text(), nullable=True))
    op.create_index(
        "ix_accreditations_valid_to",
        "accreditations",
        ["valid_to"],
        postgresql_where=sa.text("status IN ('accredited', 'accredited_with_conditions')"),
    )

    op.add_column("programmes", sa.Column("mode", sa.String(length=20), nullable=True))
    op.create_check_constraint(
        op.f("ck_programmes_mode"),
        "programmes",
        "mode IS NULL OR mode IN ('online', 'face_to_face', 'blended', 'workplace')",
    )
    op.create_table(
        "programme_components",
        sa.Column("programme_code", sa.String(length=40), nullable=False),
        sa.Column("component_code", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            "programme_code <> component_code", name=op.f("ck_programme_components_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["programme_code"],
            ["programmes.code"],
            name=op.f("fk_programme_components_programme_code_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["component_code"],
            ["programmes.code"],
            name=op.f("fk_programme_components_component_code_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "programme_code", "component_code", name=op.f("pk_programme_components")
        ),
    )
    op.create_table(
        "bundles",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "level IN ('entry', 'first_line', 'middle', 'senior', 'executive', 'board')",
            name=op.f("ck_bundles_level"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundles")),
        sa.UniqueConstraint("code", name=op.f("uq_bundles_code")),
    )
    op.create_table(
        "bundle_programmes",
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("programme_code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["bundles.id"],
            name=op.f("fk_bundle_programmes_bundle_id_bundles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["programme_code"],
            ["programmes.code"],
            name=op.f("fk_bundle_programmes_programme_code_programmes"),
        ),
        sa.PrimaryKeyConstraint("bundle_id", "programme_code", name=op.f("pk_bundle_programmes")),
    )

    op.create_table(
        "frameworks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frameworks")),
        sa.UniqueConstraint("code", name=op.f("uq_frameworks_code")),
    )
    op.create_table(
        "framework_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("framework_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("predecessor_version", sa.String(length=20), nullable=True),
        sa.Column("previous_version", sa.String(length=20), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
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
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'retired')", name=op.f("ck_framework_versions_status")
        ),
        sa.CheckConstraint(
            "(status = 'draft') = (published_at IS NULL)",
            name=op.f("ck_framework_versions_published_at"),
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_framework_versions_framework_id_frameworks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_versions")),
        sa.UniqueConstraint(
            "framework_id", "version", name=op.f("uq_framework_versions_framework_id_version")
        ),
    )
    op.create_table(
        "framework_domains",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["framework_versions.id"],
            name=op.f("fk_framework_domains_version_id_framework_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_domains")),
        sa.UniqueConstraint(
            "version_id", "code", name=op.f("uq_framework_domains_version_id_code")
        ),
    )
    op.create_table(
        "framework_standards",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("domain_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("example_behaviours", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("levels", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("refresher_months", sa.Integer(), nullable=True),
        sa.Column("predecessor_code", sa.String(length=60), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "refresher_months IS NULL OR refresher_months > 0",
            name=op.f("ck_framework_standards_refresher_months"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["framework_versions.id"],
            name=op.f("fk_framework_standards_version_id_framework_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["framework_domains.id"],
            name=op.f("fk_framework_standards_domain_id_framework_domains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_standards")),
        sa.UniqueConstraint(
            "version_id", "code", name=op.f("uq_framework_standards_version_id_code")
        ),
    )
    op.create_index("ix_framework_standards_code", "framework_standards", ["code"])
    op.create_table(
        "framework_rating_items",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("proficient", sa.Boolean(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["framework_versions.id"],
            name=op.f("fk_framework_rating_items_version_id_framework_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "code", name=op.f("pk_framework_rating_items")),
    )

    op.create_table(
        "assignment_rules",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("programme_code", sa.String(length=40), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("staff_groups", postgresql.ARRAY(sa.String(length=100)), nullable=True),
        sa.Column("joined_on_or_after", sa.Date(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint(
            "audience IN ('all_staff', 'new_joiners', 'line_managers')",
            name=op.f("ck_assignment_rules_audience"),
        ),
        sa.CheckConstraint("due_days >= 0", name=op.f("ck_assignment_rules_due_days")),
        sa.ForeignKeyConstraint(
            ["programme_code"],
            ["programmes.code"],
            name=op.f("fk_assignment_rules_programme_code_programmes"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_assignment_rules")),
    )
    op.create_table(
        "person_compliance",
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("determination_id", sa.Uuid(), nullable=False),
        sa.Column("applicable", sa.Boolean(), nullable=False),
        sa.Column("statutory_mandatory_complete", sa.Boolean(), nullable=False),
        sa.Column("overdue", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("expired", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("expiring", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_compliance")),
    )
    op.create_index(
        "ix_person_compliance_next_review_on",
        "person_compliance",
        ["next_review_on"],
        postgresql_where=sa.text("next_review_on IS NOT NULL"),
    )
    op.create_table(
        "compliance_items",
        sa.Column("person_id", sa.String(length=20), nullable=False),
        sa.Column("programme_code", sa.String(length=40), nullable=False),
        sa.Column("org_code", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('complete', 'expiring', 'not_yet_due', 'overdue', 'expired')",
            name=op.f("ck_compliance_items_status"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person_compliance.person_id"],
            name=op.f("fk_compliance_items_person_id_person_compliance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "programme_code", name=op.f("pk_compliance_items")),
    )
    op.create_index(
        "ix_compliance_items_org_programme", "compliance_items", ["org_code", "programme_code"]
    )


def _seed_curriculum() -> None:
    op.bulk_insert(
        programmes,
        [
            {
                "id": _programme_id(programme),
                "code": programme,
                "title": title,
                "category": "statutory_mandatory",
                "audience": "Clinical staff" if groups else "All staff",
                "delivery": None,
                "duration_months": None,
                "award": None,
                "validity_months": months,
                "levels": ALL_LEVELS,
                "provisional": False,
                "source_url": CSTF_URL,
                "version": 1,
                "mode": mode,
            }
            for _, title, months, programme, mode, groups in CSTF_SUBJECTS
            if programme != "NHS-EDI-MODULE"
        ]
        + [
            {
                "id": _programme_id("NLA-DIRECTOR"),
                "code": "NLA-DIRECTOR",
                "title": "Director programme",
                "category": "leadership",
                "audience": "Executive directors",
                "delivery": None,
                "duration_months": None,
                "award": None,
                "validity_months": None,
                "levels": ["executive"],
                "provisional": False,
                "source_url": LEADERSHIP_ACADEMY,
                "version": 1,
                "mode": None,
            }
        ],
    )
    op.bulk_insert(
        programme_standards,
        [
            {"programme_id": _programme_id(programme), "standard_code": code, "provisional": False}
            for code, _, _, programme, _, _ in CSTF_SUBJECTS
            if programme != "NHS-EDI-MODULE"
        ]
        + [
            {
                "programme_id": _programme_id("NLA-DIRECTOR"),
                "standard_code": "MLF-2025-EXECUTIVE",
                "provisional": True,
            }
        ],
    )
    for code, mode in MODES.items():
        op.execute(programmes.update().where(programmes.c.code == code).values(mode=mode))

    components = sa.table(
        "programme_components", sa.column("programme_code"), sa.column("component_code")
    )
    op.bulk_insert(components, [{"programme_code": p, "component_code": c} for p, c in COMPONENTS])
    bundles = sa.table(
        "bundles",
        sa.column("id", sa.Uuid()),
        sa.column("code"),
        sa.column("title"),
        sa.column("level"),
        sa.column("provisional", sa.Boolean()),
        sa.column("version", sa.Integer()),
    )
    bundle_programmes = sa.table(
        "bundle_programmes",
        sa.column("bundle_id", sa.Uuid()),
        sa.column("programme_code"),
        sa.column("position", sa.Integer()),
    )
    op.bulk_insert(
        bundles,
        [
            {
                "id": _id("bundle", code),
                "code": code,
                "title": title,
                "level": level,
                "provisional": True,
                "version": 1,
            }
            for code, title, level, _ in BUNDLES
        ],
    )
    op.bulk_insert(
        bundle_programmes,
        [
            {"bundle_id": _id("bundle", code), "programme_code": programme, "position": n}
            for code, _, _, members in BUNDLES
            for n, programme in enumerate(members)
        ],
    )
    rules = sa.table(
        "assignment_rules",
        sa.column("code"),
        sa.column("title"),
        sa.column("audience"),
        sa.column("programme_code"),
        sa.column("due_days", sa.Integer()),
        sa.column("staff_groups", postgresql.ARRAY(sa.String())),
        sa.column("joined_on_or_after", sa.Date()),
        sa.column("effective_from", sa.Date()),
        sa.column("active", sa.Boolean()),
    )
    op.bulk_insert(
        rules,
        [
            {
                "code": code,
                "title": title,
                "audience": audience,
                "programme_code": programme,
                "due_days": due_days,
                "staff_groups": groups,
                "joined_on_or_after": joined,
                "effective_from": effective,
                "active": True,
            }
            for code, title, audience, programme, due_days, groups, joined, effective in (
                ASSIGNMENT_RULES
            )
        ],
    )


def _framework_rows() -> tuple[list[dict], list[dict], list[dict], list[dict], list[dict]]:
    """Rows of the four seeded frameworks: frameworks, versions, domains, standards, scales."""
    frameworks, versions, domains, standards, items = [], [], [], [], []

    def framework(
        code: str,
        title: str,
        owner: str,
        url: str,
        version: str,
        *,
        provisional: bool,
        published_at: datetime,
    ) -> uuid.UUID:
        framework_id, version_id = _id("framework", code), _id("framework", code, version)
        frameworks.append(
            {"id": framework_id, "code": code, "title": title, "owner": owner, "source_url": url}
        )
        versions.append(
            {
                "id": version_id,
                "framework_id": framework_id,
                "version": version,
                "status": "published",
                "title": title,
                "provisional": provisional,
                "source_url": url,
                "predecessor_version": None,
                "previous_version": None,
                "published_at": published_at,
                "retired_at": None,
                "revision": 1,
            }
        )
        return version_id

    def domain(version_id: uuid.UUID, code: str, title: str, position: int) -> uuid.UUID:
        domain_id = _id("domain", str(version_id), code)
        domains.append(
            {
                "id": domain_id,
                "version_id": version_id,
                "code": code,
                "title": title,
                "description": None,
                "position": position,
            }
        )
        return domain_id

    def standard(
        version_id: uuid.UUID,
        domain_id: uuid.UUID,
        code: str,
        title: str,
        statement: str,
        position: int,
        *,
        levels: list[str],
        provisional: bool,
        examples: list[str] | None = None,
        refresher_months: int | None = None,
    ) -> None:
        standards.append(
            {
                "id": _id("standard", str(version_id), code),
                "version_id": version_id,
                "domain_id": domain_id,
                "code": code,
                "title": title,
                "statement": statement,
                "example_behaviours": examples or [],
                "levels": levels,
                "provisional": provisional,
                "refresher_months": refresher_months,
                "predecessor_code": None,
                "position": position,
            }
        )

    def scale(version_id: uuid.UUID, scale_items: list[tuple[str, str, bool, bool]]) -> None:
        items.extend(
            {
                "version_id": version_id,
                "code": code,
                "label": label,
                "position": n,
                "proficient": proficient,
                "provisional": provisional,
            }
            for n, (code, label, proficient, provisional) in enumerate(scale_items)
        )

    lcf = framework(
        "LCF-BOARD",
        "NHS leadership competency framework for board members",
        "NHS England",
        LCF_URL,
        "2024",
        provisional=False,
        published_at=datetime(2024, 2, 28, tzinfo=UTC),
    )
    for n, (code, title, examples) in enumerate(LCF_DOMAINS):
        domain_id = domain(lcf, code, title, n)
        standard(
            lcf,
            domain_id,
            f"LCF-2024-{code}",
            title,
            f"Board members show competence in: {title[0].lower()}{title[1:]}.",
            0,
            levels=["board"],
            provisional=False,
            examples=examples,
        )
    scale(lcf, FREQUENCY_SCALE)

    values = framework(
        "NHS-VALUES",
        "NHS Constitution values",
        "Department of Health and Social Care",
        CONSTITUTION_URL,
        "1",
        provisional=False,
        published_at=SEEDED_AT,
    )
    values_domain = domain(values, "VALUES", "The values of the NHS Constitution", 0)
    for n, (code, title) in enumerate(NHS_VALUES):
        standard(
            values,
            values_domain,
            f"NHS-VALUE-{code}",
            title,
            f"Shows the NHS value '{title}' in how they work.",
            n,
            levels=ALL_LEVELS,
            provisional=False,
        )
    scale(values, FREQUENCY_SCALE)

    cstf = framework(
        "CSTF",
        "Core Skills Training Framework (England)",
        "Skills for Health",
        CSTF_URL,
        "1.0",
        provisional=False,
        published_at=SEEDED_AT,
    )
    subjects = domain(cstf, "SUBJECTS", "Statutory and mandatory subjects", 0)
    for n, (code, title, months, _, _, groups) in enumerate(CSTF_SUBJECTS):
        standard(
            cstf,
            subjects,
            code,
            title,
            f"Meets the learning outcomes of the CSTF subject '{title}'"
            + (" (clinical staff)." if groups else "."),
            n,
            levels=ALL_LEVELS,
            provisional=False,
            refresher_months=months,
        )
    scale(
        cstf,
        [
            ("current", "Completed and within its refresher interval", True, False),
            ("not_current", "Not completed, or its refresher is due", False, False),
        ],
    )

    mls = framework(
        "MLS",
        "Management and leadership standards",
        "NHS England",
        MLS_URL,
        "2025",
        provisional=True,
        published_at=SEEDED_AT,
    )
    code_of_practice = domain(mls, "CODE-OF-PRACTICE", "Code of practice", 0)
    standard(
        mls,
        code_of_practice,
        "MLF-2025-CODE-OF-PRACTICE",
        "Code of practice for managers",
        "Follows the code of practice expected of every manager and leader, clinical or "
        "operational.",
        0,
        levels=ALL_LEVELS,
        provisional=True,
    )
    by_level = domain(mls, "LEVELS", "Standards by level", 1)
    for n, (code, level, title) in enumerate(MLS_LEVEL_STANDARDS):
        standard(
            mls,
            by_level,
            code,
            title,
            f"Meets the core management and leadership standards of the {level.replace('_', '-')}"
            " level.",
            n,
            levels=[level],
            provisional=True,
        )
    scale(
        mls,
        [
            ("met", "Met", True, True),
            ("developing", "Developing", False, True),
            ("not_yet_met", "Not yet met", False, True),
        ],
    )
    return frameworks, versions, domains, standards, items


def _seed_frameworks() -> None:
    frameworks, versions, domains, standards, items = _framework_rows()
    tables = {
        "frameworks": (frameworks, {}),
        "framework_versions": (versions, {"published_at": sa.DateTime(timezone=True)}),
        "framework_domains": (domains, {}),
        "framework_standards": (
            standards,
            {
                "example_behaviours": postgresql.ARRAY(sa.Text()),
                "levels": postgresql.ARRAY(sa.String()),
            },
        ),
        "framework_rating_items": (items, {}),
    }
    for name, (rows, types) in tables.items():
        columns = [sa.column(key, types.get(key)) for key in rows[0]]
        op.bulk_insert(sa.table(name, *columns), rows)


def upgrade() -> None:
    _create_tables()
    _seed_curriculum()
    _seed_frameworks()


def downgrade() -> None:
    op.drop_index("ix_compliance_items_org_programme", table_name="compliance_items")
    op.drop_table("compliance_items")
    op.drop_index("ix_person_compliance_next_review_on", table_name="person_compliance")
    op.drop_table("person_compliance")
    op.drop_table("assignment_rules")
    op.drop_table("framework_rating_items")
    op.drop_index("ix_framework_standards_code", table_name="framework_standards")
    op.drop_table("framework_standards")
    op.drop_table("framework_domains")
    op.drop_table("framework_versions")
    op.drop_table("frameworks")
    op.drop_table("bundle_programmes")
    op.drop_table("bundles")
    op.drop_table("programme_components")
    added = [p for _, _, _, p, _, _ in CSTF_SUBJECTS if p != "NHS-EDI-MODULE"] + ["NLA-DIRECTOR"]
    op.execute(programmes.delete().where(programmes.c.code.in_(added)))
    op.drop_constraint("ck_programmes_mode", "programmes", type_="check")
    op.drop_column("programmes", "mode")
    op.drop_index("ix_accreditations_valid_to", table_name="accreditations")
    op.drop_column("accreditations", "rationale")
    op.drop_column("accreditations", "conditions")
    # Decisions of the new kinds cannot survive the old constraint.
    op.execute(
        "DELETE FROM accreditations WHERE status NOT IN ('accredited', 'suspended', 'withdrawn')"
    )
    op.drop_constraint("ck_accreditations_status", "accreditations", type_="check")
    op.alter_column(
        "accreditations",
        "status",
        type_=sa.String(length=20),
        existing_type=sa.String(length=32),
        existing_nullable=False,
    )
    op.create_check_constraint(
        op.f("ck_accreditations_status"),
        "accreditations",
        "status IN ('accredited', 'suspended', 'withdrawn')",
    )
