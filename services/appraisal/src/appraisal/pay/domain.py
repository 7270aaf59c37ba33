"""Pure rules of Agenda for Change pay progression (annex 23 of the AfC handbook).

Source: NHS Employers, "Pay progression" (2018 framework agreement; all staff since 1 April
2021), summarised in DOMAIN.md §7.1. Progression happens on the pay step date when:

1. an appraisal was completed in the last 12 months;
2. no formal capability process is in place;
3. no live formal disciplinary sanction applies;
4. statutory and mandatory training is complete;
5. for line managers only, appraisals are complete for all their staff.

"Outcomes in line with the organisation's standards" is left to the appraisal itself: a
completed appraisal records its outcomes, and this service does not second-guess them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class FlagKind(StrEnum):
    CAPABILITY = "capability"
    DISCIPLINARY = "disciplinary"


class CriterionCode(StrEnum):
    APPRAISAL_COMPLETED = "appraisal_completed"
    STATUTORY_MANDATORY_TRAINING = "statutory_mandatory_training"
    NO_CAPABILITY_PROCESS = "no_capability_process"
    NO_DISCIPLINARY_SANCTION = "no_disciplinary_sanction"
    REPORTS_APPRAISED = "reports_appraised"


class CriterionStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"


def one_year_before(on: date) -> date:
    """The same calendar date a year earlier; 29 February falls back to 28 February."""
    try:
        return on.replace(year=on.year - 1)
    except ValueError:
        return on.replace(year=on.year - 1, day=28)


def appraisal_window(on: date) -> tuple[date, date]:
    """The 12 months before ``on``: from the day after the same date a year earlier to ``on``.

    An appraisal completed on 1 April 2026 counts for a pay step date up to 31 March 2027 and
    no longer on 1 April 2027, when a new one is due.
    """
    return one_year_before(on) + timedelta(days=1), on


def appraisal_lapses_on(completed_on: date) -> date:
    """The first day an appraisal no longer counts: a year after its completion (1 March for
    one completed on 29 February)."""
    try:
        return completed_on.replace(year=completed_on.year + 1)
    except ValueError:
        return completed_on.replace(year=completed_on.year + 1, month=3, day=1)


def completed_within_window(completed_on: date | None, on: date) -> bool:
    if completed_on is None:
        return False
    start, end = appraisal_window(on)
    return start <= completed_on <= end


def flag_is_live(starts_on: date, ends_on: date | None, on: date) -> bool:
    """Whether a flag applies on ``on``: from its start to its last day inclusive."""
    return starts_on <= on and (ends_on is None or on <= ends_on)


@dataclass(frozen=True)
class FlagFacts:
    kind: FlagKind
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class TrainingFacts:
    complete: bool
    as_of: date
    overdue_programme_codes: Sequence[str] = ()
    expired_programme_codes: Sequence[str] = ()


@dataclass(frozen=True)
class ReportFacts:
    person_id: str
    last_completed_on: date | None


@dataclass(frozen=True)
class Criterion:
    code: CriterionCode
    status: CriterionStatus
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    on: date
    eligible: bool
    criteria: list[Criterion]


def _appraisal(on: date, last_completed_on: date | None) -> Criterion:
    start, end = appraisal_window(on)
    evidence = {
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "last_completed_on": last_completed_on.isoformat() if last_completed_on else None,
    }
    if completed_within_window(last_completed_on, on):
        return Criterion(
            CriterionCode.APPRAISAL_COMPLETED,
            CriterionStatus.MET,
            f"an appraisal was completed on {last_completed_on}, within the 12 months to {on}",
            evidence,
        )
    if last_completed_on is None:
        explanation = f"no completed appraisal on record in the 12 months to {on}"
    else:
        explanation = (
            f"the last appraisal was completed on {last_completed_on}, outside the 12 months "
            f"from {start} to {end}"
        )
    return Criterion(
        CriterionCode.APPRAISAL_COMPLETED, CriterionStatus.NOT_MET, explanation, evidence
    )


def _training(on: date, training: TrainingFacts | None) -> Criterion:
    code = CriterionCode.STATUTORY_MANDATORY_TRAINING
    if training is None:
        return Criterion(
            code,
            CriterionStatus.NOT_MET,
            f"no statutory and mandatory training record from the standards service by {on}",
            {"as_of": None},
        )
    evidence = {
        "as_of": training.as_of.isoformat(),
        "overdue_programme_codes": sorted(training.overdue_programme_codes),
        "expired_programme_codes": sorted(training.expired_programme_codes),
    }
    if training.complete:
        return Criterion(
            code,
            CriterionStatus.MET,
            f"statutory and mandatory training complete (determined {training.as_of})",
            evidence,
        )
    missing = sorted({*training.overdue_programme_codes, *training.expired_programme_codes})
    detail = f": overdue or expired {', '.join(missing)}" if missing else ""
    return Criterion(
        code,
        CriterionStatus.NOT_MET,
        f"statutory and mandatory training incomplete (determined {training.as_of}){detail}",
        evidence,
    )


def _flag(on: date, flags: Sequence[FlagFacts], kind: FlagKind) -> Criterion:
    code, noun = {
        FlagKind.CAPABILITY: (CriterionCode.NO_CAPABILITY_PROCESS, "formal capability process"),
        FlagKind.DISCIPLINARY: (
            CriterionCode.NO_DISCIPLINARY_SANCTION,
            "live formal disciplinary sanction",
        ),
    }[kind]
    live = sorted(
        (
            flag
            for flag in flags
            if flag.kind == kind and flag_is_live(flag.starts_on, flag.ends_on, on)
        ),
        key=lambda flag: flag.starts_on,
    )
    if not live:
        return Criterion(code, CriterionStatus.MET, f"no {noun} on {on}", {"live_since": None})
    since = live[0].starts_on
    ends = [flag.ends_on for flag in live if flag.ends_on is not None]
    until = max(ends) if len(ends) == len(live) else None  # an open-ended flag has no end
    explanation = f"a {noun} applies on {on} (since {since}" + (
        f", until {until})" if until else ", with no end date yet)"
    )
    return Criterion(
        code,
        CriterionStatus.NOT_MET,
        explanation,
        {"live_since": since.isoformat(), "live_until": until.isoformat() if until else None},
    )


def _reports(on: date, is_line_manager: bool, reports: Sequence[ReportFacts]) -> Criterion:
    code = CriterionCode.REPORTS_APPRAISED
    if not is_line_manager and not reports:
        return Criterion(code, CriterionStatus.NOT_APPLICABLE, "not a line manager", {"reports": 0})
    unappraised = sorted(
        report.person_id
        for report in reports
        if not completed_within_window(report.last_completed_on, on)
    )
    evidence = {"reports": len(reports), "unappraised_report_ids": unappraised}
    if unappraised:
        return Criterion(
            code,
            CriterionStatus.NOT_MET,
            f"{len(unappraised)} of {len(reports)} reports have no appraisal completed in the "
            f"12 months to {on}",
            evidence,
        )
    if not reports:
        explanation = "a line manager with no current reports in the people directory"
    else:
        explanation = f"all {len(reports)} reports have an appraisal completed in the 12 months"
    return Criterion(code, CriterionStatus.MET, explanation, evidence)


def assess(
    *,
    on: date,
    last_completed_on: date | None,
    training: TrainingFacts | None,
    flags: Sequence[FlagFacts],
    is_line_manager: bool,
    reports: Sequence[ReportFacts],
) -> Assessment:
    """Every criterion with its reason; eligible only when none is unmet."""
    criteria = [
        _appraisal(on, last_completed_on),
        _training(on, training),
        _flag(on, flags, FlagKind.CAPABILITY),
        _flag(on, flags, FlagKind.DISCIPLINARY),
        _reports(on, is_line_manager, reports),
    ]
    eligible = all(criterion.status != CriterionStatus.NOT_MET for criterion in criteria)
    return Assessment(on=on, eligible=eligible, criteria=criteria)
