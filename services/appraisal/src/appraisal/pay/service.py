"""Use cases of pay progression and HR flags: keyword-only functions, the session first.

Flag changes lock the row (``SELECT ... FOR UPDATE``) before comparing the ``If-Match``
version, so two HR systems holding the same ETag cannot both succeed.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.appraisals.models import Appraisal
from appraisal.compliance import service as compliance_service
from appraisal.pay import domain
from appraisal.pay.models import HrFlag, HrFlagChange
from appraisal.pay.schemas import HrFlagCreate, HrFlagPatch
from appraisal.people import domain as people_domain
from appraisal.people.models import Person
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import Forbidden, NotFound, invalid_input
from shared.reference.organisations import get_organisation

COMPLETED = "completed"


async def _reachable_person(session: AsyncSession, principal: Principal, person_id: str) -> Person:
    person = await session.get(Person, person_id)
    if person is None:
        raise NotFound(f"{person_id} is not in the people directory")
    if not principal.can_see_org(person.org_code):
        # Not naming the organisation: where someone works is not for a foreign token to learn.
        raise Forbidden(f"This token does not reach the organisation of {person_id}")
    return person


async def last_completed_on(
    session: AsyncSession, person_ids: Sequence[str], on: date
) -> dict[str, date]:
    """Each person's latest appraisal completion on or before ``on`` (at any employer)."""
    if not person_ids:
        return {}
    end = datetime.combine(on + timedelta(days=1), time.min, tzinfo=UTC)
    rows = (
        await session.execute(
            select(Appraisal.person_id, func.max(Appraisal.completed_at))
            .where(
                Appraisal.person_id.in_(list(person_ids)),
                Appraisal.status == COMPLETED,
                Appraisal.completed_at < end,
            )
            .group_by(Appraisal.person_id)
        )
    ).all()
    # The filter on completed_at already leaves out NULLs; the check says so to the type checker.
    return {
        person_id: completed.astimezone(UTC).date()
        for person_id, completed in rows
        if completed is not None
    }


async def pay_progression(
    *, session: AsyncSession, principal: Principal, person_id: str, on: date
) -> tuple[Person, domain.Assessment]:
    person = await _reachable_person(session, principal, person_id)
    end_of_day = datetime.combine(on + timedelta(days=1), time.min, tzinfo=UTC)
    determination = await compliance_service.determination_as_of(
        session=session, person_id=person_id, moment=end_of_day - timedelta(microseconds=1)
    )
    training = (
        None
        if determination is None
        else domain.TrainingFacts(
            complete=determination.statutory_mandatory_complete,
            as_of=determination.as_of.astimezone(UTC).date(),
            overdue_programme_codes=determination.overdue_programme_codes,
            expired_programme_codes=determination.expired_programme_codes,
        )
    )
    # Flags of the current employment only: a process at a former employer does not follow
    # the person (the new employer sets its own if it applies).
    flags = (
        await session.scalars(
            select(HrFlag).where(HrFlag.person_id == person_id, HrFlag.org_code == person.org_code)
        )
    ).all()
    # Current reports from the people directory: the projection holds reporting lines as they
    # are now, so a past date is judged against today's team.
    reports = (
        await session.scalars(
            select(Person).where(
                Person.line_manager_id == person_id,
                Person.status != people_domain.EmploymentStatus.LEFT.value,
            )
        )
    ).all()
    completed = await last_completed_on(
        session, [person_id, *(report.person_id for report in reports)], on
    )
    assessment = domain.assess(
        on=on,
        last_completed_on=completed.get(person_id),
        training=training,
        flags=[
            domain.FlagFacts(domain.FlagKind(flag.kind), flag.starts_on, flag.ends_on)
            for flag in flags
        ],
        is_line_manager=person.is_line_manager,
        reports=[
            domain.ReportFacts(report.person_id, completed.get(report.person_id))
            for report in reports
        ],
    )
    return person, assessment


def _audit(session: AsyncSession, flag: HrFlag, action: str, actor: str, now: datetime) -> None:
    session.add(
        HrFlagChange(
            id=uuid.uuid4(),
            flag_id=flag.id,
            action=action,
            kind=flag.kind,
            starts_on=flag.starts_on,
            ends_on=flag.ends_on,
            version=flag.version,
            actor=actor[:200],
            changed_at=now,
        )
    )


async def create_flag(
    *, session: AsyncSession, principal: Principal, person_id: str, flag_in: HrFlagCreate
) -> HrFlag:
    person = await session.get(Person, person_id)
    org_code = flag_in.org_code or (person.org_code if person is not None else None)
    if org_code is None:
        raise invalid_input(
            "body.org_code",
            "required: the person is not in the people directory yet, so their employer "
            "cannot be inferred",
            type="missing",
        )
    if not principal.can_see_org(org_code):
        raise Forbidden(f"This token does not reach the organisation of {person_id}")
    if get_organisation(org_code) is None:
        raise invalid_input("body.org_code", f"{org_code} is not a known NHS organisation")
    now = datetime.now(UTC)
    flag = HrFlag(
        id=uuid.uuid4(),
        person_id=person_id,
        org_code=org_code,
        kind=flag_in.kind.value,
        starts_on=flag_in.starts_on,
        ends_on=flag_in.ends_on,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(flag)
    await session.flush()
    _audit(session, flag, "created", principal.subject, now)
    return flag


async def get_flag(*, session: AsyncSession, principal: Principal, flag_id: uuid.UUID) -> HrFlag:
    flag = await session.get(HrFlag, flag_id)
    if flag is None:
        raise NotFound(f"HR flag {flag_id} does not exist")
    if not principal.can_see_org(flag.org_code):
        raise Forbidden(f"This token does not reach the organisation of HR flag {flag_id}")
    return flag


async def list_flags(
    *, session: AsyncSession, principal: Principal, person_id: str, page: PageParams
) -> Sequence[HrFlag]:
    stmt = select(HrFlag).where(HrFlag.person_id == person_id)
    if (reach := principal.reach_filter()) is not None:
        if not reach:
            return []
        stmt = stmt.where(HrFlag.org_code.in_(sorted(reach)))
    stmt = paginate(stmt, sort_column=HrFlag.created_at, id_column=HrFlag.id, params=page)
    return (await session.scalars(stmt)).all()


async def update_flag(
    *,
    session: AsyncSession,
    principal: Principal,
    flag_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    patch: HrFlagPatch,
) -> HrFlag:
    expected = if_match.version_for(flag_id)
    flag = await session.scalar(
        select(HrFlag)
        .where(HrFlag.id == flag_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if flag is None:
        raise NotFound(f"HR flag {flag_id} does not exist")
    # Reach before version, so a caller without reach learns nothing about the record.
    if not principal.can_see_org(flag.org_code):
        raise Forbidden(f"This token does not reach the organisation of HR flag {flag_id}")
    check_version(flag.version, expected)
    changes = patch.changes()
    starts_on = changes.get("starts_on", flag.starts_on)
    ends_on = changes.get("ends_on", flag.ends_on)
    if ends_on is not None and ends_on < starts_on:
        raise invalid_input("body.ends_on", "must not be before starts_on")
    now = datetime.now(UTC)
    flag.starts_on = starts_on
    flag.ends_on = ends_on
    flag.version += 1
    flag.updated_at = now
    _audit(session, flag, "updated", principal.subject, now)
    await session.flush()
    return flag
