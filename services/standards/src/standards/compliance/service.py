"""Assignment and compliance use cases: recompute one person, sweep those whose day has come,
and the organisation's figures."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import NotFound
from shared.uow import UnitOfWork
from standards.compliance import domain
from standards.compliance.events import ComplianceChanged
from standards.compliance.models import AssignmentRule, ComplianceItem, PersonCompliance
from standards.compliance.schemas import AssignmentRulePatch
from standards.learning.models import LearnerRecord
from standards.outbox import Publish
from standards.people.models import Person
from standards.programmes.models import Programme
from standards.providers import service as provider_service

log = logging.getLogger(__name__)


class _HasPublish(Protocol):
    async def publish(self, event: ComplianceChanged) -> uuid.UUID: ...


@dataclass(frozen=True, slots=True)
class Recomputed:
    determination: domain.Determination
    changed: bool
    determination_id: uuid.UUID


def _publisher(uow: Publish | _HasPublish) -> Publish:
    # A UnitOfWork (uow.publish) and a route's or handler's Publish have the same shape.
    publish = getattr(uow, "publish", None)
    return publish if publish is not None else uow  # type: ignore[return-value]


async def load_rules(session: AsyncSession) -> list[domain.Rule]:
    rows = await session.scalars(select(AssignmentRule).where(AssignmentRule.active))
    return [
        domain.Rule(
            code=row.code,
            programme_code=row.programme_code,
            audience=domain.Audience(row.audience),
            due_days=row.due_days,
            staff_groups=frozenset(row.staff_groups) if row.staff_groups is not None else None,
            joined_on_or_after=row.joined_on_or_after,
            effective_from=row.effective_from,
        )
        for row in rows
    ]


async def _programmes(session: AsyncSession, codes: set[str]) -> dict[str, domain.ProgrammeFacts]:
    rows = await session.execute(
        select(Programme.code, Programme.category, Programme.validity_months).where(
            Programme.code.in_(codes)
        )
    )
    return {
        code: domain.ProgrammeFacts(code=code, category=category, validity_months=validity)
        for code, category, validity in rows
    }


def person_facts(person: Person, today: date) -> domain.PersonFacts:
    left = person.status == "left" or (person.left_on is not None and person.left_on <= today)
    return domain.PersonFacts(
        start_date=person.start_date,
        is_line_manager=bool(person.is_line_manager),
        staff_group=person.staff_group,
        active=not left,
    )


async def determine_person(
    session: AsyncSession, person: Person, as_of: datetime
) -> domain.Determination:
    """The person's requirements and statuses on the day of ``as_of`` (reads only)."""
    rules = await load_rules(session)
    codes = {rule.programme_code for rule in rules}
    completions = await session.execute(
        select(LearnerRecord.programme_code, LearnerRecord.completed_at).where(
            LearnerRecord.person_id == person.person_id,
            LearnerRecord.programme_code.in_(codes),
        )
    )
    return domain.determine(
        person=person_facts(person, domain.english_day(as_of)),
        rules=rules,
        programmes=await _programmes(session, codes),
        completions=[domain.Completion(code, at) for code, at in completions],
        as_of=as_of,
    )


def _stored_summary(row: PersonCompliance) -> domain.Summary:
    return domain.Summary(
        applicable=row.applicable,
        statutory_mandatory_complete=row.statutory_mandatory_complete,
        overdue=tuple(row.overdue),
        expired=tuple(row.expired),
        expiring=tuple(row.expiring),
    )


async def recompute_person_compliance(
    session: AsyncSession, uow: Publish | _HasPublish, person_id: str, as_of: datetime
) -> Recomputed | None:
    """Work out the person's compliance again; publish `compliance.changed` if it changed.

    Runs in the caller's transaction (a completion being recorded, a person.changed being
    applied, a sweep). Returns None when the person is not in the people directory: without a
    start date or manager status no rule can be applied. A first determination is a change;
    a recompute that finds the same summary publishes nothing, and only refreshes the stored
    requirements the organisation's figures count.
    """
    # One recompute per person at a time: two transactions racing would otherwise both see the
    # old summary and both publish.
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"compliance:{person_id}", 0)))
    )
    person = await session.scalar(select(Person).where(Person.person_id == person_id))
    if person is None:
        return None
    determination = await determine_person(session, person, as_of)
    summary = determination.summary
    stored = await session.get(PersonCompliance, person_id, populate_existing=True)
    if stored is None and not summary.applicable:
        return None  # a leaver we never tracked: nothing to say

    now = datetime.now(UTC)
    changed = (
        stored is None or _stored_summary(stored) != summary or stored.org_code != person.org_code
    )
    if stored is None:
        stored = PersonCompliance(person_id=person_id, changed_at=now)
        session.add(stored)
    if changed:
        stored.determination_id = uuid.uuid4()
        stored.changed_at = now
    stored.org_code = person.org_code
    stored.applicable = summary.applicable
    stored.statutory_mandatory_complete = summary.statutory_mandatory_complete
    stored.overdue = list(summary.overdue)
    stored.expired = list(summary.expired)
    stored.expiring = list(summary.expiring)
    stored.as_of = domain.english_day(as_of)
    stored.next_review_on = determination.next_review_on
    stored.computed_at = now
    await session.flush()
    await _store_items(session, person_id, person.org_code, determination.requirements)

    if changed:
        await _publisher(uow)(
            ComplianceChanged(
                determination_id=stored.determination_id,
                person_id=person_id,
                org_code=person.org_code,
                statutory_mandatory_complete=summary.statutory_mandatory_complete,
                overdue_programme_codes=list(summary.overdue),
                expired_programme_codes=list(summary.expired),
                expiring_programme_codes=list(summary.expiring),
                as_of=as_of.astimezone(UTC),
                applicable=summary.applicable,
            )
        )
    return Recomputed(determination, changed, stored.determination_id)


async def _store_items(
    session: AsyncSession,
    person_id: str,
    org_code: str,
    requirements: Sequence[domain.Requirement],
) -> None:
    await session.execute(delete(ComplianceItem).where(ComplianceItem.person_id == person_id))
    session.add_all(
        ComplianceItem(
            person_id=person_id,
            programme_code=r.programme_code,
            org_code=org_code,
            status=r.status.value,
            due_on=r.due_on,
            completed_at=r.completed_at,
            expires_on=r.expires_on,
        )
        for r in requirements
    )
    await session.flush()


async def get_person_compliance(
    *, session: AsyncSession, person_id: str
) -> tuple[Person, PersonCompliance | None] | None:
    person = await session.scalar(select(Person).where(Person.person_id == person_id))
    if person is None:
        return None
    return person, await session.get(PersonCompliance, person_id)


@dataclass(frozen=True, slots=True)
class ProgrammeCounts:
    programme_code: str
    title: str
    category: str
    counts: dict[domain.ItemStatus, int]


async def organisation_counts(*, session: AsyncSession, org_code: str) -> list[ProgrammeCounts]:
    """People of the organisation per programme and status, as last determined (true counts:
    the router puts them through disclosure control before they leave the service)."""
    rows = await session.execute(
        select(
            ComplianceItem.programme_code,
            Programme.title,
            Programme.category,
            ComplianceItem.status,
            func.count(),
        )
        .join(Programme, Programme.code == ComplianceItem.programme_code)
        .where(ComplianceItem.org_code == org_code)
        .group_by(
            ComplianceItem.programme_code,
            Programme.title,
            Programme.category,
            ComplianceItem.status,
        )
        .order_by(ComplianceItem.programme_code)
    )
    by_programme: dict[str, ProgrammeCounts] = {}
    for code, title, category, status, n in rows:
        entry = by_programme.setdefault(
            code,
            ProgrammeCounts(code, title, category, dict.fromkeys(domain.ItemStatus, 0)),
        )
        entry.counts[domain.ItemStatus(status)] = n
    return list(by_programme.values())


# ---- the periodic sweep ---------------------------------------------------------------------


@dataclass
class SweepResult:
    recomputed: int = 0
    changed: int = 0
    accreditations_expired: int = 0


_SWEEP_BATCH = 200
_IMPORT_MARGIN = timedelta(hours=1)


async def _due_people(session: AsyncSession, today: date, after: str, limit: int) -> Sequence[str]:
    """People whose status may have moved without new input (a due date passed, an expiry
    came), people the service knows but has not determined yet, and people with records
    stored since their last determination (bulk imports)."""
    due = select(PersonCompliance.person_id).where(PersonCompliance.next_review_on <= today)
    undetermined = (
        select(Person.person_id)
        .outerjoin(PersonCompliance, PersonCompliance.person_id == Person.person_id)
        .where(PersonCompliance.person_id.is_(None), Person.status != "left")
    )
    newer_records = (
        select(LearnerRecord.person_id)
        .join(PersonCompliance, PersonCompliance.person_id == LearnerRecord.person_id)
        # created_at is when the storing transaction began: an import running while the
        # person was determined commits rows stamped before that determination. The margin
        # (longer than any import) catches them, at the cost of a few no-change recomputes.
        .where(LearnerRecord.created_at > PersonCompliance.computed_at - _IMPORT_MARGIN)
    )
    candidates = due.union(undetermined, newer_records).subquery()
    statement = (
        select(candidates.c.person_id)
        .where(candidates.c.person_id > after)
        .order_by(candidates.c.person_id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def sweep(db: Database, *, service_name: str, as_of: datetime | None = None) -> SweepResult:
    """One pass of the worker: expire lapsed accreditations, then recompute everyone whose
    compliance may have changed by itself. Each person commits on their own; the pass walks
    people in id order, so it ends even if a recompute leaves someone due again."""
    as_of = as_of or datetime.now(UTC)
    today = domain.english_day(as_of)
    result = SweepResult()
    async with UnitOfWork(db, service_name=service_name) as uow:
        expired = await provider_service.expire_lapsed_accreditations(
            session=uow.session, publish=uow.publish, today=today
        )
        await uow.commit()
        result.accreditations_expired = len(expired)
    after = ""
    while True:
        async with db.session() as session:
            people = await _due_people(session, today, after, _SWEEP_BATCH)
        for person_id in people:
            # One transaction per person: a person's lock is held only for their own recompute,
            # so the sweep never holds many while a consumer batch takes them in another order.
            async with UnitOfWork(db, service_name=service_name) as uow:
                outcome = await recompute_person_compliance(uow.session, uow, person_id, as_of)
                await uow.commit()
            result.recomputed += 1
            result.changed += int(outcome is not None and outcome.changed)
        if len(people) < _SWEEP_BATCH:
            return result
        after = people[-1]


# ---- the rules themselves -------------------------------------------------------------------


async def list_rules(*, session: AsyncSession, page: PageParams) -> Sequence[AssignmentRule]:
    statement = paginate(
        select(AssignmentRule),
        sort_column=AssignmentRule.code,
        id_column=AssignmentRule.code,
        params=page,
    )
    return (await session.scalars(statement)).all()


async def require_rule(*, session: AsyncSession, code: str) -> AssignmentRule:
    rule = await session.scalar(select(AssignmentRule).where(AssignmentRule.code == code.upper()))
    if rule is None:
        raise NotFound(f"No assignment rule has the code {code.upper()}")
    return rule


async def change_rule(
    *,
    session: AsyncSession,
    code: str,
    patch: AssignmentRulePatch,
    if_match: IfMatchPrecondition,
    today: date,
) -> AssignmentRule:
    """Change a rule's configuration (If-Match) and put every determined person up for review:
    the next sweep works their compliance out again and publishes what changed."""
    current = await require_rule(session=session, code=code)
    expected = if_match.version_for(current.code)
    changes = patch.model_dump(exclude_unset=True)
    if "due_days" in changes and changes["due_days"] is None:
        del changes["due_days"]
    if "active" in changes and changes["active"] is None:
        del changes["active"]
    changed = await session.scalar(
        update(AssignmentRule)
        .where(AssignmentRule.code == current.code, AssignmentRule.version == expected)
        .values(**changes, version=AssignmentRule.version + 1)
        .returning(AssignmentRule.code)
    )
    if changed is None:
        check_version(current.version, expected)  # raises 412: changed meanwhile
    await session.execute(
        update(PersonCompliance).where(PersonCompliance.applicable).values(next_review_on=today)
    )
    rule = await session.scalar(
        select(AssignmentRule)
        .where(AssignmentRule.code == current.code)
        .execution_options(populate_existing=True)
    )
    assert rule is not None
    return rule
