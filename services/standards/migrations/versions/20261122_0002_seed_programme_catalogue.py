"""seed the programme catalogue

The first curriculum catalogue (DOMAIN §1, §3, §6.4, §11): the NHS Leadership Academy ladder,
the entry-level induction and mid-career programme of Messenger recommendation 1, the EDI module
(the Core Skills Training Framework subject) and the appraisal-skills module.

Standard codes: ``LCF-2024-D1``..``D6`` name the six published domains of the Leadership
Competency Framework for board members; ``CSTF-EDHR`` names the published CSTF subject
"Equality, diversity and human rights". ``MLF-2025-*`` codes are the platform's own working codes
for the Management and Leadership Framework, whose levels and standards are not published yet:
they are marked provisional, to be mapped to the published codes later.

Programmes marked provisional are not confirmed national products (the Messenger induction and
mid-career programme; a national appraisal-skills module). Validity months are refresher
intervals and configuration, not national rules: CSTF intervals are unconfirmed, and 36 months
for the EDI module is a common local choice.

Revision ID: 20261122_0002
Revises: 20261122_0001
Create Date: 2026-11-22 03:30:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0002"
down_revision: str | None = "20261122_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stable ids in every environment, derived from the programme code.
_NAMESPACE = uuid.UUID("5b0c7a52-3f57-4b8e-9a53-2c1f3e6d9a10")

LEADERSHIP_ACADEMY = "https://www.leadershipacademy.nhs.uk/programmes/"
MESSENGER_REVIEW = (
    "https://www.gov.uk/government/publications/"
    "health-and-social-care-review-leadership-for-a-collaborative-and-inclusive-future"
)
CSTF = "https://www.skillsforhealth.org.uk/core-skills-training-framework/"
BOARD_APPRAISAL = "https://www.england.nhs.uk/long-read/board-member-appraisal-guidance"

LCF_DOMAINS = [f"LCF-2024-D{n}" for n in range(1, 7)]
ALL_LEVELS = ["entry", "first_line", "middle", "senior", "executive", "board"]

# code, title, category, audience, delivery, duration_months, award, validity_months, levels,
# provisional, source_url, standards (code, provisional)
PROGRAMMES = [
    (
        "NHS-INDUCTION",
        "Entry-level induction to health and social care",
        "leadership",
        "Everyone joining health and social care",
        None,
        None,
        None,
        None,
        ["entry"],
        True,
        MESSENGER_REVIEW,
        [("MLF-2025-CODE-OF-PRACTICE", True), ("MLF-2025-ENTRY", True)],
    ),
    (
        "NHS-MID-CAREER",
        "Mid-career programme for managers",
        "leadership",
        "Managers in mid-career",
        None,
        None,
        None,
        None,
        ["middle"],
        True,
        MESSENGER_REVIEW,
        [("MLF-2025-CODE-OF-PRACTICE", True), ("MLF-2025-MIDDLE", True)],
    ),
    (
        "NHS-EDI-MODULE",
        "Equality, diversity and human rights",
        "statutory_mandatory",
        "All staff",
        "Online",
        None,
        None,
        36,
        ALL_LEVELS,
        False,
        CSTF,
        [("CSTF-EDHR", False), ("LCF-2024-D3", False)],
    ),
    (
        "NHS-APPRAISAL-SKILLS",
        "Appraisal skills for appraisers",
        "leadership",
        "Line managers, chairs and others who appraise",
        None,
        None,
        None,
        None,
        ["first_line", "middle", "senior", "executive", "board"],
        True,
        BOARD_APPRAISAL,
        [("MLF-2025-CODE-OF-PRACTICE", True)],
    ),
    (
        "NLA-EDWARD-JENNER",
        "Edward Jenner programme",
        "leadership",
        "Foundations: anyone starting out in leadership",
        "Online",
        None,
        "Leadership Foundations award",
        None,
        ["entry"],
        False,
        LEADERSHIP_ACADEMY,
        [("MLF-2025-ENTRY", True)],
    ),
    (
        "NLA-MARY-SEACOLE",
        "Mary Seacole programme",
        "leadership",
        "People in their first formal leadership role",
        "About 100 hours online and 3 workshops",
        6,
        "Award in Healthcare Leadership",
        None,
        ["first_line"],
        False,
        LEADERSHIP_ACADEMY,
        [("MLF-2025-FIRST-LINE", True)],
    ),
    (
        "NLA-ROSALIND-FRANKLIN",
        "Rosalind Franklin programme",
        "leadership",
        "Mid-level leaders",
        None,
        9,
        None,
        None,
        ["middle"],
        False,
        LEADERSHIP_ACADEMY,
        [("MLF-2025-MIDDLE", True)],
    ),
    (
        "NLA-ELIZABETH-GARRETT-ANDERSON",
        "Elizabeth Garrett Anderson programme",
        "leadership",
        "Mid to senior leaders",
        None,
        24,
        "MSc in Healthcare Leadership",
        None,
        ["middle", "senior"],
        False,
        LEADERSHIP_ACADEMY,
        [("MLF-2025-MIDDLE", True), ("MLF-2025-SENIOR", True)],
    ),
    (
        "NLA-NYE-BEVAN",
        "Nye Bevan programme",
        "leadership",
        "Senior leaders preparing for board roles",
        None,
        12,
        "Executive Healthcare Leadership award",
        None,
        ["senior", "executive", "board"],
        False,
        LEADERSHIP_ACADEMY,
        [("MLF-2025-SENIOR", True), ("MLF-2025-EXECUTIVE", True)]
        + [(code, False) for code in LCF_DOMAINS],
    ),
]

# Static table shapes: a migration must not import the application's models, which will change.
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
)
programme_standards = sa.table(
    "programme_standards",
    sa.column("programme_id", sa.Uuid()),
    sa.column("standard_code", sa.String()),
    sa.column("provisional", sa.Boolean()),
)


def programme_id(code: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, code)


def upgrade() -> None:
    op.bulk_insert(
        programmes,
        [
            {
                "id": programme_id(code),
                "code": code,
                "title": title,
                "category": category,
                "audience": audience,
                "delivery": delivery,
                "duration_months": duration,
                "award": award,
                "validity_months": validity,
                "levels": levels,
                "provisional": provisional,
                "source_url": source,
                "version": 1,
            }
            for (
                code,
                title,
                category,
                audience,
                delivery,
                duration,
                award,
                validity,
                levels,
                provisional,
                source,
                _,
            ) in PROGRAMMES
        ],
    )
    op.bulk_insert(
        programme_standards,
        [
            {
                "programme_id": programme_id(row[0]),
                "standard_code": standard,
                "provisional": standard_provisional,
            }
            for row in PROGRAMMES
            for standard, standard_provisional in row[-1]
        ],
    )


def downgrade() -> None:
    codes = [row[0] for row in PROGRAMMES]
    # programme_standards rows go with their programme (ON DELETE CASCADE).
    op.execute(programmes.delete().where(programmes.c.code.in_(codes)))
