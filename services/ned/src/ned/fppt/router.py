"""Fit and proper person tests. Every read of an FPPT record is written to the audit trail."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ned.fppt import service as fppt_service
from ned.fppt.domain import AssessmentKind, FpptCheck
from ned.fppt.models import FpptAssessment, FpptSubmission
from ned.fppt.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentUpdate,
    AuditEntryRead,
    PolicyRead,
    PolicyUpdate,
    SignOff,
    SubmissionCreate,
    SubmissionMember,
    SubmissionRead,
)
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import NotFound
from shared.reference.organisations import get_organisation

router = APIRouter(prefix="/v1/fppt", tags=["fit and proper person test"])

OrgCodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
OrgCodeQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
PersonIdQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{1,20}$")]
NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]
NedWriter = Annotated[Principal, Depends(require_scopes("ned:write"))]
NedAdmin = Annotated[Principal, Depends(require_scopes("ned:admin"))]


def _board_org(org_code: str, principal: Principal) -> str:
    organisation = get_organisation(org_code)
    if organisation is None:
        raise NotFound(f"No organisation {org_code.upper()}")
    principal.require_org(organisation.ods_code)
    return organisation.ods_code


def _assessment_read(assessment: FpptAssessment) -> AssessmentRead:
    return AssessmentRead.model_validate(assessment)


def _submission_read(submission: FpptSubmission) -> SubmissionRead:
    return SubmissionRead(
        id=submission.id,
        org_code=submission.org_code,
        region_code=submission.region_code,
        year=submission.year,
        submitted_by=submission.submitted_by,
        submitted_at=submission.submitted_at,
        members=[SubmissionMember.model_validate(m) for m in submission.members],
    )


# ---- policy ------------------------------------------------------------------------------------


async def _policy_read(session: AsyncSession, org_code: str) -> PolicyRead:
    policy, row = await fppt_service.effective_policy(session, org_code)
    return PolicyRead(
        org_code=org_code,
        appointment_checks=[c for c in FpptCheck if c in policy.appointment_checks],
        annual_checks=[c for c in FpptCheck if c in policy.annual_checks],
        is_default=row is None,
        version=row.version if row is not None else 0,
    )


@router.get("/policies/{org_code}", response_model=PolicyRead)
async def get_fppt_policy(
    org_code: OrgCodePath, principal: NedReader, session: SessionDep, response: Response
) -> PolicyRead:
    """The checks the organisation requires on appointment and annually (the national default
    until the organisation sets its own)."""
    code = _board_org(org_code, principal)
    policy = await _policy_read(session, code)
    set_etag(response, f"fppt-policy:{code}", policy.version)
    return policy


@router.put("/policies/{org_code}", response_model=PolicyRead)
async def put_fppt_policy(
    org_code: OrgCodePath,
    body: PolicyUpdate,
    principal: NedAdmin,
    if_match: IfMatchHeader,
    uow: UnitOfWorkDep,
    response: Response,
) -> PolicyRead:
    code = _board_org(org_code, principal)
    expected = if_match.version_for(f"fppt-policy:{code}")
    await fppt_service.put_policy(
        session=uow.session, org_code=code, policy_in=body, expected_version=expected
    )
    policy = await _policy_read(uow.session, code)
    await uow.commit()
    set_etag(response, f"fppt-policy:{code}", policy.version)
    return policy


# ---- assessments -------------------------------------------------------------------------------


@router.post("/assessments", status_code=201, response_model=AssessmentRead)
async def create_fppt_assessment(
    body: AssessmentCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Open a test for a board member: on appointment (naming the pending appointment, which
    takes effect only when this test passes) or annual. Checks may be recorded now or later."""
    _board_org(body.org_code, principal)

    async def create(session: AsyncSession) -> OperationResult:
        assessment = await fppt_service.create_assessment(session=session, body=body)
        headers = {
            "Location": f"/v1/fppt/assessments/{assessment.id}",
            "ETag": make_etag(assessment.id, assessment.version),
        }
        return 201, _assessment_read(assessment), headers

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("/assessments", response_model=Page[AssessmentRead])
async def list_fppt_assessments(
    page: PageQuery,
    principal: NedReader,
    uow: UnitOfWorkDep,
    org_code: OrgCodeQuery = None,
    person_id: PersonIdQuery = None,
    kind: AssessmentKind | None = None,
) -> Page[AssessmentRead]:
    """Tests within the token's reach, oldest first. Each record returned is audited."""
    rows = await fppt_service.list_assessments(
        session=uow.session,
        principal=principal,
        page=page,
        org_code=org_code,
        person_id=person_id,
        kind=kind,
    )
    result = make_page(rows, page, key_fn=lambda a: (a.created_at, a.id), item=_assessment_read)
    fppt_service.audit(
        uow.session,
        principal,
        action="list",
        record_type=fppt_service.ASSESSMENT_RECORD,
        records=[(a.id, a.org_code) for a in rows[: page.limit]],
    )
    await uow.commit()
    return result


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
async def get_fppt_assessment(
    assessment_id: uuid.UUID, principal: NedReader, uow: UnitOfWorkDep, response: Response
) -> AssessmentRead:
    assessment = await fppt_service.get_visible(uow.session, assessment_id, principal)
    read = _assessment_read(assessment)
    fppt_service.audit(
        uow.session,
        principal,
        action="read",
        record_type=fppt_service.ASSESSMENT_RECORD,
        records=[(assessment.id, assessment.org_code)],
    )
    await uow.commit()
    set_etag(response, read.id, read.version)
    return read


@router.patch("/assessments/{assessment_id}", response_model=AssessmentRead)
async def update_fppt_assessment(
    assessment_id: uuid.UUID,
    body: AssessmentUpdate,
    principal: NedWriter,
    if_match: IfMatchHeader,
    uow: UnitOfWorkDep,
    response: Response,
) -> AssessmentRead:
    """Record or correct check results and the attested LCF domains of an open test."""
    assessment = await fppt_service.update_assessment(
        session=uow.session,
        assessment_id=assessment_id,
        body=body,
        principal=principal,
        expected_version=if_match.version_for(assessment_id),
    )
    read = _assessment_read(assessment)
    await uow.commit()
    set_etag(response, read.id, read.version)
    return read


@router.post("/assessments/{assessment_id}/sign-off", response_model=AssessmentRead)
async def sign_off_fppt_assessment(
    assessment_id: uuid.UUID,
    body: SignOff,
    principal: NedWriter,
    if_match: IfMatchHeader,
    uow: UnitOfWorkDep,
    response: Response,
) -> AssessmentRead:
    """Sign the test off: it passes or fails against the organisation's policy. Emits
    `fppt.assessed`; a passed appointment test makes the appointment take effect (and emits
    `ned.appointed`), a failed one leaves it pending."""
    assessment = await fppt_service.sign_off(
        uow=uow,
        assessment_id=assessment_id,
        body=body,
        principal=principal,
        expected_version=if_match.version_for(assessment_id),
    )
    read = _assessment_read(assessment)
    await uow.commit()
    set_etag(response, read.id, read.version)
    return read


# ---- annual submission -------------------------------------------------------------------------


@router.post("/submissions", status_code=201, response_model=SubmissionRead)
async def create_fppt_submission(
    body: SubmissionCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """The organisation's annual FPPT submission to its NHS England regional director: the
    outcome for each current board member for the year."""
    code = _board_org(body.org_code, principal)

    async def submit(session: AsyncSession) -> OperationResult:
        submission = await fppt_service.create_submission(
            session=session, org_code=code, year=body.year, submitted_by=principal.subject
        )
        return (
            201,
            _submission_read(submission),
            {"Location": f"/v1/fppt/submissions/{submission.id}"},
        )

    return await run_idempotent(db, request, principal, submit, key=idempotency_key)


@router.get("/submissions", response_model=Page[SubmissionRead])
async def list_fppt_submissions(
    page: PageQuery, principal: NedReader, uow: UnitOfWorkDep, org_code: OrgCodeQuery = None
) -> Page[SubmissionRead]:
    rows = await fppt_service.list_submissions(
        session=uow.session, principal=principal, page=page, org_code=org_code
    )
    result = make_page(rows, page, key_fn=lambda s: (s.submitted_at, s.id), item=_submission_read)
    fppt_service.audit(
        uow.session,
        principal,
        action="list",
        record_type=fppt_service.SUBMISSION_RECORD,
        records=[(s.id, s.org_code) for s in rows[: page.limit]],
    )
    await uow.commit()
    return result


@router.get("/submissions/{submission_id}", response_model=SubmissionRead)
async def get_fppt_submission(
    submission_id: uuid.UUID, principal: NedReader, uow: UnitOfWorkDep
) -> SubmissionRead:
    submission = await fppt_service.get_submission(uow.session, submission_id, principal)
    read = _submission_read(submission)
    fppt_service.audit(
        uow.session,
        principal,
        action="read",
        record_type=fppt_service.SUBMISSION_RECORD,
        records=[(submission.id, submission.org_code)],
    )
    await uow.commit()
    return read


# ---- audit trail -------------------------------------------------------------------------------


@router.get("/audit", response_model=Page[AuditEntryRead])
async def list_fppt_audit(
    page: PageQuery,
    principal: NedAdmin,
    session: SessionDep,
    org_code: Annotated[str, Query(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])],
) -> Page[AuditEntryRead]:
    """Who read which FPPT record or board reference of the organisation (and who released a
    reference to whom), and when, oldest first."""
    code = _board_org(org_code, principal)
    rows = await fppt_service.list_audit(
        session=session, org_code=code, record_types=fppt_service.AUDITED_RECORD_TYPES, page=page
    )
    return make_page(rows, page, key_fn=lambda e: (e.seq, e.id), item=AuditEntryRead.model_validate)
