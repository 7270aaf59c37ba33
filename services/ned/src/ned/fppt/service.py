"""Use cases of the fit and proper person test: recording checks, signing off, the annual
submission to the regional director, and the audit trail of every read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ned.appointments.models import Appointment
from ned.boards.models import Seat
from ned.candidates.models import RestrictedAccess
from ned.fppt import domain
from ned.fppt.domain import AssessmentKind, AssessmentStatus, Outcome
from ned.fppt.events import FpptAssessed
from ned.fppt.models import FpptAssessment, FpptCheckRecord, FpptPolicyRow, FpptSubmission
from ned.fppt.schemas import (
    AssessmentCreate,
    AssessmentUpdate,
    CheckIn,
    PolicyUpdate,
    SignOff,
)
from shared.http.auth import Principal
from shared.http.etag import check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Conflict, NotFound, UnprocessableEntity, invalid_input
from shared.reference.organisations import get_organisation
from shared.uow import UnitOfWork

ASSESSMENT_RECORD = "fppt_assessment"
SUBMISSION_RECORD = "fppt_submission"
# Board references belong to the same framework (Kark's mandatory reference): one trail for both.
REFERENCE_RECORD = "board_reference"
AUDITED_RECORD_TYPES = (ASSESSMENT_RECORD, SUBMISSION_RECORD, REFERENCE_RECORD)


# ---- audit -------------------------------------------------------------------------------------


def audit(
    session: AsyncSession,
    principal: Principal,
    *,
    action: str,
    record_type: str,
    records: Sequence[tuple[uuid.UUID, str]],
) -> None:
    """One audit line per record read (``records`` are ``(id, org_code)``), added to the
    caller's transaction so the read and its trace commit together."""
    session.add_all(
        RestrictedAccess(
            subject=principal.subject,
            action=action,
            record_type=record_type,
            record_id=record_id,
            org_code=org_code,
        )
        for record_id, org_code in records
    )


async def list_audit(
    *,
    session: AsyncSession,
    org_code: str,
    record_types: Sequence[str],
    page: PageParams,
) -> list[RestrictedAccess]:
    stmt = select(RestrictedAccess).where(
        RestrictedAccess.org_code == org_code, RestrictedAccess.record_type.in_(record_types)
    )
    result = await session.scalars(
        paginate(stmt, sort_column=RestrictedAccess.seq, id_column=RestrictedAccess.id, params=page)
    )
    return list(result)


# ---- policy ------------------------------------------------------------------------------------


async def effective_policy(
    session: AsyncSession, org_code: str
) -> tuple[domain.FpptPolicy, FpptPolicyRow | None]:
    row = await session.get(FpptPolicyRow, org_code)
    if row is None:
        return domain.DEFAULT_POLICY, None
    return (
        domain.FpptPolicy(
            appointment_checks=frozenset(domain.FpptCheck(c) for c in row.appointment_checks),
            annual_checks=frozenset(domain.FpptCheck(c) for c in row.annual_checks),
        ),
        row,
    )


async def put_policy(
    *, session: AsyncSession, org_code: str, policy_in: PolicyUpdate, expected_version: int
) -> FpptPolicyRow:
    """Replace an organisation's policy. The default counts as version 0, so the first change
    sends the ETag read from the default."""
    row = await session.get(FpptPolicyRow, org_code, with_for_update=True)
    check_version(row.version if row is not None else 0, expected_version)
    # A self-attestation is the one check the framework never lets an organisation drop.
    for field, checks in (
        ("appointment_checks", policy_in.appointment_checks),
        ("annual_checks", policy_in.annual_checks),
    ):
        if domain.FpptCheck.SELF_ATTESTATION not in checks:
            raise invalid_input(f"body.{field}", "self_attestation is always required")
    appointment = [c.value for c in domain.ALL_CHECKS if c in set(policy_in.appointment_checks)]
    annual = [c.value for c in domain.ALL_CHECKS if c in set(policy_in.annual_checks)]
    if row is None:
        row = FpptPolicyRow(
            org_code=org_code, appointment_checks=appointment, annual_checks=annual, version=1
        )
        session.add(row)
    else:
        row.appointment_checks = appointment
        row.annual_checks = annual
        row.version += 1
    await session.flush()
    return row


# ---- assessments -------------------------------------------------------------------------------


def _check_rows(checks: Sequence[CheckIn]) -> list[FpptCheckRecord]:
    return [
        FpptCheckRecord(
            check=c.check.value,
            result=c.result.value,
            checked_on=c.checked_on,
            evidence_location=c.evidence_location,
            years_covered=c.years_covered,
        )
        for c in checks
    ]


async def _pending_appointment(session: AsyncSession, body: AssessmentCreate) -> Appointment:
    appointment = await session.get(Appointment, body.appointment_id)
    # Another organisation's appointment is answered like a missing one: the caller learns
    # nothing about it.
    if appointment is None or appointment.org_code != body.org_code.upper():
        raise invalid_input("body.appointment_id", "no such appointment in this organisation")
    if appointment.person_id != body.person_id:
        raise invalid_input("body.person_id", "the appointment is for someone else")
    if appointment.seat_role != body.subject_role.value:
        raise invalid_input(
            "body.subject_role", f"the appointment is to a {appointment.seat_role} seat"
        )
    if appointment.status != "pending_fppt":
        raise Conflict(
            f"Appointment {appointment.id} is {appointment.status}, not awaiting its FPPT"
        )
    return appointment


async def create_assessment(*, session: AsyncSession, body: AssessmentCreate) -> FpptAssessment:
    org_code = body.org_code.upper()
    if body.kind is AssessmentKind.APPOINTMENT:
        await _pending_appointment(session, body)
    assessment = FpptAssessment(
        id=uuid.uuid4(),
        person_id=body.person_id,
        org_code=org_code,
        kind=body.kind.value,
        subject_role=body.subject_role.value,
        appointment_id=body.appointment_id,
        year=body.year,
        status=AssessmentStatus.OPEN.value,
        reasons=[],
        attested_lcf_domains=[d.value for d in body.attested_lcf_domains],
        version=1,
        checks=_check_rows(body.checks),
    )
    session.add(assessment)
    await session.flush()
    return assessment


async def get_visible(
    session: AsyncSession, assessment_id: uuid.UUID, principal: Principal, *, lock: bool = False
) -> FpptAssessment:
    assessment = await session.get(
        FpptAssessment, assessment_id, with_for_update=lock, populate_existing=lock
    )
    # Out of reach answers like missing: a refusal must not confirm the test exists.
    if assessment is None or not principal.can_see_org(assessment.org_code):
        raise NotFound(f"No FPPT assessment {assessment_id}")
    return assessment


def _require_open(assessment: FpptAssessment) -> None:
    if assessment.status != AssessmentStatus.OPEN.value:
        raise Conflict(f"The assessment is {assessment.status}; start a new one to retest")


async def update_assessment(
    *,
    session: AsyncSession,
    assessment_id: uuid.UUID,
    body: AssessmentUpdate,
    principal: Principal,
    expected_version: int,
) -> FpptAssessment:
    assessment = await get_visible(session, assessment_id, principal, lock=True)
    check_version(assessment.version, expected_version)
    _require_open(assessment)
    if body.checks is not None:
        assessment.checks.clear()
        await session.flush()
        assessment.checks.extend(_check_rows(body.checks))
    if body.attested_lcf_domains is not None:
        assessment.attested_lcf_domains = [d.value for d in body.attested_lcf_domains]
    assessment.version += 1
    await session.flush()
    return assessment


async def _check_signer(
    session: AsyncSession, org_code: str, body: SignOff, principal: Principal
) -> None:
    role = body.signed_off_by_role
    if role is domain.SignOffRole.NHS_ENGLAND:
        # Signing for NHS England is what its appointing function's tokens carry.
        principal.require_scopes("ned:appoint")
        return
    stmt = select(Seat.holder_person_id).where(
        Seat.org_code == org_code, Seat.holder_person_id.is_not(None)
    )
    if role is domain.SignOffRole.CHAIR:
        stmt = stmt.where(Seat.role == "chair")
    else:
        stmt = stmt.where(
            Seat.committee_roles.overlap(sorted(domain.SIGNING_COMMITTEE_ROLES[role]))
        )
    holders = [h for h in await session.scalars(stmt) if h is not None]
    if not domain.signer_matches(holders, body.signed_off_by):
        raise invalid_input(
            "body.signed_off_by", f"the board's records name someone else as {role.value}"
        )


async def sign_off(
    *,
    uow: UnitOfWork,
    assessment_id: uuid.UUID,
    body: SignOff,
    principal: Principal,
    expected_version: int,
    now: datetime | None = None,
) -> FpptAssessment:
    """Judge the test against the organisation's policy, record who signed it off, publish
    ``fppt.assessed``; a passed appointment test makes its appointment take effect."""
    session = uow.session
    now = now or datetime.now(UTC)
    assessment = await get_visible(session, assessment_id, principal, lock=True)
    check_version(assessment.version, expected_version)
    _require_open(assessment)
    kind = AssessmentKind(assessment.kind)
    allowed = domain.allowed_sign_off_roles(kind, domain.SubjectRole(assessment.subject_role))
    if body.signed_off_by_role not in allowed:
        raise invalid_input(
            "body.signed_off_by_role",
            f"a {assessment.subject_role}'s test is signed off by "
            + " or ".join(sorted(role.value for role in allowed)),
        )
    if body.signed_off_by == assessment.person_id:
        raise invalid_input("body.signed_off_by", "nobody signs off their own test")
    await _check_signer(session, assessment.org_code, body, principal)
    policy, _ = await effective_policy(session, assessment.org_code)
    verdict = domain.judge(
        kind=kind,
        checks=[
            domain.RecordedCheck(
                domain.FpptCheck(c.check), domain.CheckResult(c.result), c.years_covered
            )
            for c in assessment.checks
        ],
        attested_domains=assessment.attested_lcf_domains,
        policy=policy,
    )
    assessment.outcome = verdict.outcome.value
    assessment.status = (
        AssessmentStatus.PASSED if verdict.outcome is Outcome.PASS else AssessmentStatus.FAILED
    ).value
    assessment.reasons = verdict.reasons
    assessment.signed_off_by = body.signed_off_by
    assessment.signed_off_by_role = body.signed_off_by_role.value
    assessment.assessed_at = now
    assessment.version += 1
    await session.flush()
    await uow.publish(
        FpptAssessed(
            assessment_id=assessment.id,
            person_id=assessment.person_id,
            org_code=assessment.org_code,
            kind=kind,
            outcome=verdict.outcome,
            appointment_id=assessment.appointment_id,
            year=assessment.year,
            assessed_at=now,
            signed_off_by_role=body.signed_off_by_role,
        )
    )
    if kind is AssessmentKind.APPOINTMENT and verdict.outcome is Outcome.PASS:
        # Imported here: the appointments package calls back into nothing of ours, but keeping
        # the dependency local makes the one place an appointment takes effect easy to find.
        from ned.appointments import service as appointment_service

        assert assessment.appointment_id is not None
        await appointment_service.activate_appointment(
            session=session, uow=uow, appointment_id=assessment.appointment_id, as_of=now
        )
    return assessment


async def list_assessments(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    org_code: str | None,
    person_id: str | None,
    kind: AssessmentKind | None,
) -> list[FpptAssessment]:
    stmt = select(FpptAssessment)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(FpptAssessment.org_code.in_(orgs))
    if org_code is not None:
        stmt = stmt.where(FpptAssessment.org_code == org_code.upper())
    if person_id is not None:
        stmt = stmt.where(FpptAssessment.person_id == person_id)
    if kind is not None:
        stmt = stmt.where(FpptAssessment.kind == kind.value)
    result = await session.scalars(
        paginate(
            stmt, sort_column=FpptAssessment.created_at, id_column=FpptAssessment.id, params=page
        )
    )
    return list(result)


# ---- annual submission -------------------------------------------------------------------------


async def create_submission(
    *,
    session: AsyncSession,
    org_code: str,
    year: int,
    submitted_by: str,
    now: datetime | None = None,
) -> FpptSubmission:
    """The chair's annual declaration to the regional director: each current board member with
    the outcome of their latest signed-off annual test of that year, or ``not_assessed``."""
    organisation = get_organisation(org_code)
    if organisation is None or organisation.region_code is None:
        raise UnprocessableEntity(f"{org_code} has no NHS England region to submit to")
    seats = await session.scalars(
        select(Seat)
        .where(Seat.org_code == organisation.ods_code, Seat.holder_person_id.is_not(None))
        .order_by(Seat.role, Seat.holder_person_id)
    )
    members: list[dict[str, object]] = []
    for seat in seats:
        latest = await session.scalar(
            select(FpptAssessment)
            .where(
                FpptAssessment.org_code == organisation.ods_code,
                FpptAssessment.person_id == seat.holder_person_id,
                FpptAssessment.kind == AssessmentKind.ANNUAL.value,
                FpptAssessment.year == year,
                FpptAssessment.outcome.is_not(None),
            )
            .order_by(FpptAssessment.assessed_at.desc(), FpptAssessment.id)
            .limit(1)
        )
        status = domain.submission_status(
            Outcome(latest.outcome) if latest and latest.outcome else None
        )
        members.append(
            {
                "person_id": seat.holder_person_id,
                "seat_role": seat.role,
                "status": status.value,
                "assessment_id": str(latest.id) if latest else None,
                "signed_off_by_role": latest.signed_off_by_role if latest else None,
            }
        )
    submission = FpptSubmission(
        id=uuid.uuid4(),
        org_code=organisation.ods_code,
        region_code=organisation.region_code,
        year=year,
        submitted_by=submitted_by,
        submitted_at=now or datetime.now(UTC),
        members=members,
    )
    session.add(submission)
    await session.flush()
    return submission


async def get_submission(
    session: AsyncSession, submission_id: uuid.UUID, principal: Principal
) -> FpptSubmission:
    submission = await session.get(FpptSubmission, submission_id)
    if submission is None or not principal.can_see_org(submission.org_code):
        raise NotFound(f"No FPPT submission {submission_id}")
    return submission


async def list_submissions(
    *, session: AsyncSession, principal: Principal, page: PageParams, org_code: str | None
) -> list[FpptSubmission]:
    stmt = select(FpptSubmission)
    if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(FpptSubmission.org_code.in_(orgs))
    if org_code is not None:
        stmt = stmt.where(FpptSubmission.org_code == org_code.upper())
    result = await session.scalars(
        paginate(
            stmt, sort_column=FpptSubmission.submitted_at, id_column=FpptSubmission.id, params=page
        )
    )
    return list(result)
