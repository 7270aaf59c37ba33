"""Pure rules of the people directory: the ESR code sets we accept and what counts as a change.

The directory is fed by HR extracts (ESR), so every parser here is tolerant of the spellings an
extract uses ("Band 8A", "Administrative and Clerical", "31/03/2025") and normalises them to one
canonical value, which is what the API returns and what `person.changed` carries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Band(StrEnum):
    """Agenda for Change bands, plus the two pay systems outside it (DOMAIN §10)."""

    BAND_1 = "1"
    BAND_2 = "2"
    BAND_3 = "3"
    BAND_4 = "4"
    BAND_5 = "5"
    BAND_6 = "6"
    BAND_7 = "7"
    BAND_8A = "8a"
    BAND_8B = "8b"
    BAND_8C = "8c"
    BAND_8D = "8d"
    BAND_9 = "9"
    VSM = "VSM"
    MEDICAL = "medical"


class StaffGroup(StrEnum):
    """The nine ESR staff groups (NHS workforce statistics), as snake_case codes."""

    ADD_PROF_SCIENTIFIC_TECHNICAL = "add_prof_scientific_technical"
    ADDITIONAL_CLINICAL_SERVICES = "additional_clinical_services"
    ADMINISTRATIVE_CLERICAL = "administrative_clerical"
    ALLIED_HEALTH_PROFESSIONALS = "allied_health_professionals"
    ESTATES_ANCILLARY = "estates_ancillary"
    HEALTHCARE_SCIENTISTS = "healthcare_scientists"
    MEDICAL_DENTAL = "medical_dental"
    NURSING_MIDWIFERY_REGISTERED = "nursing_midwifery_registered"
    STUDENTS = "students"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Disability(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_DECLARED = "not_declared"
    NOT_KNOWN = "not_known"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NOT_DECLARED = "not_declared"
    NOT_KNOWN = "not_known"


# NHS Data Dictionary ethnic category (an2): a national letter, optionally followed by one
# character for local use, or 99 "not known". I and O are not used (they look like digits).
ETHNIC_CATEGORY_PATTERN = r"^(?:[A-HJ-NPRSZ][A-Za-z0-9]?|99)$"

_BAND_PREFIX = re.compile(r"^(?:afc\s*)?band\s*", re.IGNORECASE)
_MEDICAL_SPELLINGS = frozenset({"medical", "medical_dental", "medical and dental", "m&d"})

# The labels ESR extracts use, as `_words` normalises them.
_ESR_STAFF_GROUP_LABELS: dict[str, StaffGroup] = {
    "add prof scientific and technic": StaffGroup.ADD_PROF_SCIENTIFIC_TECHNICAL,
    "additional professional scientific and technical": StaffGroup.ADD_PROF_SCIENTIFIC_TECHNICAL,
    "additional clinical services": StaffGroup.ADDITIONAL_CLINICAL_SERVICES,
    "administrative and clerical": StaffGroup.ADMINISTRATIVE_CLERICAL,
    "allied health professionals": StaffGroup.ALLIED_HEALTH_PROFESSIONALS,
    "estates and ancillary": StaffGroup.ESTATES_ANCILLARY,
    "healthcare scientists": StaffGroup.HEALTHCARE_SCIENTISTS,
    "medical and dental": StaffGroup.MEDICAL_DENTAL,
    "nursing and midwifery registered": StaffGroup.NURSING_MIDWIFERY_REGISTERED,
    "students": StaffGroup.STUDENTS,
}
_STAFF_GROUPS: dict[str, StaffGroup] = {
    **_ESR_STAFF_GROUP_LABELS,
    **{group.value.replace("_", " "): group for group in StaffGroup},
}


def _words(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def parse_band(value: Any) -> Band:
    """``5``, ``"Band 5"``, ``"8A"``, ``"vsm"``, ``"Medical and Dental"`` → a `Band`."""
    if isinstance(value, Band):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("band must be text such as 5, 8a, VSM or medical")
    text = _BAND_PREFIX.sub("", value.strip())
    lowered = text.lower()
    if lowered == "vsm":
        return Band.VSM
    if lowered in _MEDICAL_SPELLINGS:
        return Band.MEDICAL
    try:
        return Band(lowered)
    except ValueError:
        raise ValueError("unknown band; use 1 to 9, 8a to 8d, VSM or medical") from None


def parse_staff_group(value: Any) -> StaffGroup:
    """An ESR staff group label or our code → a `StaffGroup`."""
    if isinstance(value, StaffGroup):
        return value
    if not isinstance(value, str):
        raise ValueError("staff_group must be an ESR staff group name")
    group = _STAFF_GROUPS.get(_words(value))
    if group is None:
        raise ValueError(
            "unknown staff group; use an ESR staff group such as 'Administrative and Clerical'"
        )
    return group


def parse_extract_date(value: Any) -> Any:
    """ISO dates pass through to pydantic; UK ``DD/MM/YYYY`` (as ESR reports print) is read too."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            try:
                return datetime.strptime(text, "%d/%m/%Y").date()
            except ValueError:
                raise ValueError("not a real date (expected DD/MM/YYYY or YYYY-MM-DD)") from None
        return text
    return value


def parse_choice(value: Any) -> Any:
    """Case-insensitive code lists: ``"Not Declared"`` → ``"not_declared"``."""
    if isinstance(value, str):
        return _words(value).replace(" ", "_")
    return value


def parse_sex(value: Any) -> Any:
    # ESR and many HR systems export single letters.
    if isinstance(value, str) and value.strip().upper() in {"F", "M"}:
        return "female" if value.strip().upper() == "F" else "male"
    return parse_choice(value)


@dataclass(frozen=True, slots=True)
class PublishedPerson:
    """The facts of a person that `person.changed` publishes (the event catalogue's minimum)."""

    org_code: str
    staff_group: StaffGroup
    band: Band
    job_title: str
    line_manager_id: str | None
    is_line_manager: bool
    start_date: date
    status: PersonStatus
    left_on: date | None


PUBLISHED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PublishedPerson))


def changed_fields(before: PublishedPerson | None, after: PublishedPerson) -> tuple[str, ...]:
    """The published fields that differ; every field for a person seen for the first time."""
    if before is None:
        return PUBLISHED_FIELDS
    return tuple(name for name in PUBLISHED_FIELDS if getattr(before, name) != getattr(after, name))


# The NHS began on 5 July 1948; no NHS employment starts earlier.
NHS_FOUNDED = date(1948, 7, 5)


@dataclass(frozen=True, slots=True)
class RuleViolation:
    field: str
    message: str
    type: str


def row_violations(
    *,
    person_id: str,
    line_manager_id: str | None,
    status: PersonStatus,
    start_date: date,
    left_on: date | None,
) -> list[RuleViolation]:
    """Rules across fields of one extract row (single fields are checked by the schema)."""
    problems: list[RuleViolation] = []
    if start_date < NHS_FOUNDED:
        problems.append(
            RuleViolation("start_date", "is before the NHS began (5 July 1948)", "before_nhs")
        )
    if status is PersonStatus.LEFT and left_on is None:
        problems.append(
            RuleViolation("left_on", "a leaver needs the date they left", "leaver_without_date")
        )
    if status is PersonStatus.ACTIVE and left_on is not None:
        # A notice period is still employment; the extract records the leaving once it happens.
        problems.append(
            RuleViolation(
                "left_on",
                "only a leaver has a leaving date; set status to left",
                "active_with_left_on",
            )
        )
    if left_on is not None and left_on < start_date:
        problems.append(RuleViolation("left_on", "is before start_date", "left_before_start"))
    if line_manager_id is not None and line_manager_id == person_id:
        problems.append(
            RuleViolation(
                "line_manager_id", "a person cannot be their own line manager", "self_managed"
            )
        )
    return problems


def may_overwrite(
    *, recorded_org_code: str, recorded_status: PersonStatus, reaches: Callable[[str], bool]
) -> bool:
    """May a caller whose token ``reaches`` some organisations overwrite this directory entry?

    Yes if it reaches the organisation the person is recorded at. Otherwise only once that
    organisation has recorded them as a leaver: that is how a move between employers arrives
    (the old employer's extract shows the leaver, the new one's the starter), and it stops one
    trust from taking over another trust's current staff.
    """
    return reaches(recorded_org_code) or recorded_status is PersonStatus.LEFT
