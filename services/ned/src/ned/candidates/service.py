import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ned.candidates import domain
from ned.candidates.models import Candidate, CandidateProtectedCharacteristics, RestrictedAccess
from ned.candidates.schemas import (
    CandidateCreate,
    CandidateFields,
    ProtectedCharacteristicsIn,
)
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import (
    Conflict,
    FieldError,
    NotFound,
    UnprocessableEntity,
    invalid_input,
)
from shared.reference.organisations import OrgType, get_organisation

CHARACTERISTICS_RECORD = "candidate_characteristics"


def _check_fields(fields: CandidateFields) -> None:
    errors = [
        FieldError(path="body.lcf_self_assessment", message=m, type="value_error")
        for m in domain.self_assessment_problems(fields.lcf_self_assessment)
    ]
    errors += [
        FieldError(path="body.programmes", message=m, type="value_error")
        for m in domain.programme_problems([(p.programme, p.status) for p in fields.programmes])
    ]
    for index, region in enumerate(fields.regional_preferences):
        organisation = get_organisation(region)
        if organisation is None or organisation.org_type is not OrgType.REGION:
            errors.append(
                FieldError(
                    path=f"body.regional_preferences.{index}",
                    message=f"{region} is not an NHS England region",
                    type="value_error",
                )
            )
    for index, membership in enumerate(fields.programmes):
        if (
            membership.started_on is not None
            and membership.ended_on is not None
            and membership.ended_on < membership.started_on
        ):
            errors.append(
                FieldError(
                    path=f"body.programmes.{index}.ended_on",
                    message="a membership cannot end before it starts",
                    type="value_error",
                )
            )
    if errors:
        raise UnprocessableEntity("The candidate record is not valid", errors=errors)


def _values(fields: CandidateFields) -> dict[str, Any]:
    return {
        "skills": sorted({s.value for s in fields.skills}),
        "sector_expertise": sorted({s.value for s in fields.sector_expertise}),
        "lcf_self_assessment": {k: v.value for k, v in sorted(fields.lcf_self_assessment.items())},
        "lcf_assessed_on": fields.lcf_assessed_on,
        "available_from": fields.available_from,
        "days_per_month": fields.days_per_month,
        "regional_preferences": sorted(set(fields.regional_preferences)),
        "programmes": [p.model_dump(mode="json") for p in fields.programmes],
    }


async def create_candidate(*, session: AsyncSession, candidate_in: CandidateCreate) -> Candidate:
    holder = get_organisation(candidate_in.org_code)
    if holder is None:
        raise invalid_input("body.org_code", f"no organisation or region {candidate_in.org_code}")
    _check_fields(candidate_in)
    candidate_id = await session.scalar(
        insert(Candidate)
        .values(
            id=uuid.uuid4(),
            person_id=candidate_in.person_id,
            org_code=candidate_in.org_code.upper(),
            version=1,
            **_values(candidate_in),
        )
        .on_conflict_do_nothing(index_elements=[Candidate.person_id])
        .returning(Candidate.id)
    )
    if candidate_id is None:
        raise Conflict("This person is already in the candidate pool")
    candidate = await session.get(Candidate, candidate_id)
    assert candidate is not None
    return candidate


async def get_candidate(
    *,
    session: AsyncSession,
    principal: Principal,
    candidate_id: uuid.UUID,
    for_update: bool = False,
) -> Candidate:
    """The candidate, or 404 (also outside the token's reach, so a refusal discloses nothing)."""
    statement = select(Candidate).where(Candidate.id == candidate_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    candidate = await session.scalar(statement)
    if candidate is None or not principal.can_see_org(candidate.org_code):
        raise NotFound(f"No candidate {candidate_id}")
    return candidate


async def update_candidate(
    *,
    session: AsyncSession,
    principal: Principal,
    candidate_id: uuid.UUID,
    candidate_in: CandidateFields,
    if_match: IfMatchPrecondition,
) -> Candidate:
    expected = if_match.version_for(candidate_id)
    candidate = await get_candidate(
        session=session, principal=principal, candidate_id=candidate_id, for_update=True
    )
    check_version(candidate.version, expected)
    _check_fields(candidate_in)
    for name, value in _values(candidate_in).items():
        setattr(candidate, name, value)
    await session.flush()
    await session.refresh(candidate)
    return candidate


async def list_candidates(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    skill: domain.Skill | None,
    region: str | None,
    programme: domain.Programme | None,
) -> Sequence[Candidate]:
    statement = select(Candidate)
    if (orgs := principal.reach_filter()) is not None:
        statement = statement.where(Candidate.org_code.in_(orgs))
    if skill is not None:
        statement = statement.where(Candidate.skills.contains([skill.value]))
    if region is not None:
        statement = statement.where(Candidate.regional_preferences.contains([region.upper()]))
    if programme is not None:
        statement = statement.where(Candidate.programmes.contains([{"programme": programme.value}]))
    statement = paginate(statement, sort_column=Candidate.id, id_column=Candidate.id, params=page)
    return (await session.scalars(statement)).all()


def characteristics_etag_id(candidate_id: uuid.UUID) -> str:
    # Its own ETag namespace: the declaration's versions must not match the candidate's tags.
    return f"characteristics:{candidate_id}"


def audit(
    session: AsyncSession, principal: Principal, *, action: str, candidate: Candidate
) -> None:
    """Record an access to the candidate's special-category data in the caller's transaction,
    so the access and its trace commit together."""
    session.add(
        RestrictedAccess(
            subject=principal.subject,
            action=action,
            record_type=CHARACTERISTICS_RECORD,
            record_id=candidate.id,
            org_code=candidate.org_code,
        )
    )


async def read_characteristics(
    *, session: AsyncSession, principal: Principal, candidate_id: uuid.UUID
) -> CandidateProtectedCharacteristics:
    candidate = await get_candidate(session=session, principal=principal, candidate_id=candidate_id)
    row = await session.get(CandidateProtectedCharacteristics, candidate.id)
    audit(session, principal, action="read", candidate=candidate)
    if row is None:
        raise NotFound(f"Candidate {candidate_id} has declared no characteristics")
    return row


async def put_characteristics(
    *,
    session: AsyncSession,
    principal: Principal,
    candidate_id: uuid.UUID,
    characteristics_in: ProtectedCharacteristicsIn,
    if_match: IfMatchPrecondition,
) -> tuple[CandidateProtectedCharacteristics, bool]:
    """Record the candidate's declaration; creating needs no If-Match, replacing does."""
    candidate = await get_candidate(
        session=session, principal=principal, candidate_id=candidate_id, for_update=True
    )
    row = await session.get(CandidateProtectedCharacteristics, candidate.id, with_for_update=True)
    created = row is None
    if row is None:
        row = CandidateProtectedCharacteristics(candidate_id=candidate.id)
        session.add(row)
    else:
        check_version(row.version, if_match.version_for(characteristics_etag_id(candidate.id)))
    row.sex = characteristics_in.sex.value if characteristics_in.sex else None
    row.ethnic_category = (
        characteristics_in.ethnic_category.upper() if characteristics_in.ethnic_category else None
    )
    row.disability = characteristics_in.disability.value if characteristics_in.disability else None
    audit(session, principal, action="write", candidate=candidate)
    await session.flush()
    await session.refresh(row)
    return row, created


async def list_access(
    *, session: AsyncSession, candidate: Candidate, page: PageParams
) -> Sequence[RestrictedAccess]:
    statement = select(RestrictedAccess).where(
        RestrictedAccess.record_type == CHARACTERISTICS_RECORD,
        RestrictedAccess.record_id == candidate.id,
    )
    statement = paginate(
        statement, sort_column=RestrictedAccess.seq, id_column=RestrictedAccess.id, params=page
    )
    return (await session.scalars(statement)).all()
