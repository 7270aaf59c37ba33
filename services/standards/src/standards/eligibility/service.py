"""Use cases of eligibility: answering for a level, and noticing when an answer changes.

Everything works on sets of people, so a bulk import of thousands of completions re-determines
its people with a handful of statements instead of a handful per person.
"""

from __future__ import annotations

import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Select, Uuid, func, literal, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.uow import UnitOfWork
from standards.eligibility import domain
from standards.eligibility.domain import Determination, HeldCredential, Policy, Requirement
from standards.eligibility.events import EligibilityChanged, UnmetRequirement
from standards.eligibility.models import (
    EligibilityDetermination,
    EligibilityJob,
    EligibilityPolicy,
    EligibilitySweepWatermark,
)
from standards.learning.models import Credential
from standards.people.models import Person
from standards.programmes.domain import Level
from standards.programmes.models import Programme, ProgrammeStandard

# People per SELECT ... = ANY(:ids): one array parameter, so only memory bounds it.
_CHUNK = 5_000
# Advisory-lock buckets: people are serialised by bucket, so one transaction never holds more
# than this many locks however many people it touches (PostgreSQL's lock table is finite).
_LOCK_BUCKETS = 1_024
_LOCK_NAMESPACE = 0x454C4947  # "ELIG"


def _policy_of(row: EligibilityPolicy) -> Policy:
    return Policy(
        version=row.version,
        requirements=tuple(Requirement.from_data(item) for item in row.requirements),
    )


async def current_policy(session: AsyncSession) -> Policy:
    row = await session.scalar(
        select(EligibilityPolicy)
        .order_by(EligibilityPolicy.published_at.desc(), EligibilityPolicy.version.desc())
        .limit(1)
    )
    if row is None:
        raise RuntimeError("no eligibility policy is published (migration 20261122_0004 seeds one)")
    return _policy_of(row)


async def get_policy(session: AsyncSession, version: str) -> EligibilityPolicy | None:
    return await session.get(EligibilityPolicy, version)


async def catalogue(session: AsyncSession) -> dict[str, frozenset[str]]:
    """Programme code -> the standards it covers."""
    rows = await session.execute(
        select(Programme.code, ProgrammeStandard.standard_code).join(
            ProgrammeStandard, ProgrammeStandard.programme_id == Programme.id, isouter=True
        )
    )
    covered: dict[str, set[str]] = defaultdict(set)
    for code, standard in rows:
        covered[code]
        if standard is not None:
            covered[code].add(standard)
    return {code: frozenset(standards) for code, standards in covered.items()}


@dataclass
class _PersonFacts:
    credentials: list[HeldCredential] = field(default_factory=list)
    is_line_manager: bool | None = None
    directory_org: str | None = None
    # The organisation of their most recent credential, for people not in the directory.
    latest_credential_org: tuple[datetime, str] | None = None

    @property
    def org_code(self) -> str | None:
        if self.directory_org is not None:
            return self.directory_org
        return self.latest_credential_org[1] if self.latest_credential_org else None


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def _facts(session: AsyncSession, person_ids: Sequence[str]) -> dict[str, _PersonFacts]:
    facts: dict[str, _PersonFacts] = {person_id: _PersonFacts() for person_id in person_ids}
    for chunk in _chunks(person_ids):
        credentials = await session.execute(
            select(
                Credential.id,
                Credential.person_id,
                Credential.programme_code,
                Credential.standards,
                Credential.expires_at,
                Credential.status,
                Credential.awarded_at,
                Credential.org_code,
            ).where(Credential.person_id.in_(chunk))
        )
        for row in credentials:
            held = facts[row.person_id]
            held.credentials.append(
                HeldCredential(
                    credential_id=row.id,
                    programme_code=row.programme_code,
                    standards=frozenset(row.standards),
                    expires_at=row.expires_at,
                    revoked=row.status == "revoked",
                    awarded_at=row.awarded_at,
                )
            )
            if held.latest_credential_org is None or row.awarded_at > held.latest_credential_org[0]:
                held.latest_credential_org = (row.awarded_at, row.org_code)
        people = await session.execute(
            select(Person.person_id, Person.is_line_manager, Person.org_code).where(
                Person.person_id.in_(chunk)
            )
        )
        for person_id, is_line_manager, org_code in people:
            facts[person_id].is_line_manager = is_line_manager
            facts[person_id].directory_org = org_code
    return facts


@dataclass(frozen=True, slots=True)
class PersonEligibility:
    determination: Determination
    org_code: str | None


async def determine(
    *,
    session: AsyncSession,
    person_ids: Sequence[str],
    level: Level,
    as_of: datetime,
    policy: Policy | None = None,
) -> dict[str, PersonEligibility]:
    """The answer for each person for ``level`` under the policy in force (read-only)."""
    policy = policy or await current_policy(session)
    programmes = await catalogue(session)
    facts = await _facts(session, list(dict.fromkeys(person_ids)))
    return {
        person_id: PersonEligibility(
            determination=domain.evaluate(
                policy=policy,
                level=level,
                person_id=person_id,
                credentials=known.credentials,
                is_line_manager=known.is_line_manager,
                catalogue=programmes,
                as_of=as_of,
            ),
            org_code=known.org_code,
        )
        for person_id, known in facts.items()
    }


async def _lock_people(session: AsyncSession, person_ids: Iterable[str]) -> None:
    # Sorted: two transactions over overlapping people take the buckets in the same order and
    # cannot deadlock on them.
    buckets = sorted({zlib.crc32(p.encode("utf-8")) % _LOCK_BUCKETS for p in person_ids})
    if buckets:
        await session.execute(
            text(
                "SELECT pg_advisory_xact_lock(:namespace, bucket) "
                "FROM unnest(CAST(:buckets AS integer[])) AS bucket"
            ),
            {"namespace": _LOCK_NAMESPACE, "buckets": buckets},
        )


async def redetermine(
    *,
    session: AsyncSession,
    person_ids: Iterable[str],
    as_of: datetime,
    policy: Policy | None = None,
) -> list[EligibilityChanged]:
    """Re-answer every level for these people; return the ``eligibility.changed`` events due.

    The caller publishes the events in its transaction. The last answer per person and level is
    kept whenever it differs from the default (not eligible, never determined), so a repeat of
    the same answer is recognised and publishes nothing.
    """
    wanted = sorted(set(person_ids))
    if not wanted:
        return []
    await _lock_people(session, wanted)
    policy = policy or await current_policy(session)
    programmes = await catalogue(session)
    facts = await _facts(session, wanted)
    stored: dict[tuple[str, str], EligibilityDetermination] = {}
    for chunk in _chunks(wanted):
        rows = await session.scalars(
            select(EligibilityDetermination).where(EligibilityDetermination.person_id.in_(chunk))
        )
        stored.update({(row.person_id, row.level): row for row in rows})

    upserts: list[dict[str, Any]] = []
    events: list[EligibilityChanged] = []
    # (level, its value) once: reading an enum member's value is slow in a loop this hot.
    levels = [(level, level.value) for level in policy.levels]
    for person_id in wanted:
        known = facts[person_id]
        current = domain.current_credentials(known.credentials, as_of=as_of)
        covered = {standard for held in current for standard in held.standards}
        programmes_held = {held.programme_code for held in current}
        for level, level_value in levels:
            previous = stored.get((person_id, level_value))
            # Nothing kept and not eligible is the default answer: nothing to store or publish,
            # so the full answer (evidence, gaps, closing programmes) is not worth building.
            if previous is None and not domain.meets_level(
                policy=policy,
                level=level,
                covered_standards=covered,
                held_programmes=programmes_held,
                is_line_manager=known.is_line_manager,
            ):
                continue
            answer = domain.evaluate(
                policy=policy,
                level=level,
                person_id=person_id,
                credentials=current,
                is_line_manager=known.is_line_manager,
                catalogue=programmes,
                as_of=as_of,
                already_current=True,
            )
            if previous is None and not answer.eligible:
                continue
            determination_id = previous.id if previous is not None else uuid.uuid4()
            if previous is not None and (
                previous.eligible == answer.eligible
                and previous.policy_version == answer.policy_version
                and list(previous.unmet_requirement_ids) == answer.unmet_requirement_ids
                and list(previous.evidence_credential_ids) == answer.evidence_credential_ids
            ):
                continue
            upserts.append(
                {
                    "id": determination_id,
                    "person_id": person_id,
                    "level": level.value,
                    "org_code": known.org_code,
                    "eligible": answer.eligible,
                    "met_requirement_ids": answer.met_requirement_ids,
                    "unmet_requirement_ids": answer.unmet_requirement_ids,
                    "evidence_credential_ids": answer.evidence_credential_ids,
                    "policy_version": answer.policy_version,
                    "determined_at": as_of,
                }
            )
            previously = previous.eligible if previous is not None else None
            if domain.eligibility_flipped(previously, answer.eligible) and known.org_code:
                events.append(
                    EligibilityChanged(
                        determination_id=determination_id,
                        person_id=person_id,
                        org_code=known.org_code,
                        level=level,
                        eligible=answer.eligible,
                        previously_eligible=previously,
                        met_requirement_ids=answer.met_requirement_ids,
                        unmet_requirement_ids=answer.unmet_requirement_ids,
                        unmet_requirements=[
                            UnmetRequirement(
                                requirement_id=outcome.requirement.id,
                                standards=list(outcome.missing_standards),
                                programmes=list(outcome.closing_programmes),
                            )
                            for outcome in answer.outcomes
                            if not outcome.met
                        ],
                        evidence_credential_ids=answer.evidence_credential_ids,
                        policy_version=answer.policy_version,
                        as_of=as_of,
                    )
                )
    for start in range(0, len(upserts), 2_000):
        statement = insert(EligibilityDetermination)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[EligibilityDetermination.person_id, EligibilityDetermination.level],
                set_={
                    name: statement.excluded[name]
                    for name in (
                        "org_code",
                        "eligible",
                        "met_requirement_ids",
                        "unmet_requirement_ids",
                        "evidence_credential_ids",
                        "policy_version",
                        "determined_at",
                    )
                },
            ),
            upserts[start : start + 2_000],
        )
    return events


async def publish_policy(
    *,
    session: AsyncSession,
    version: str,
    requirements: Sequence[Requirement],
    published_by: str,
    now: datetime,
) -> EligibilityPolicy:
    programmes = await catalogue(session)
    domain.check_policy(requirements, known_programmes=set(programmes))
    row = EligibilityPolicy(
        version=version,
        published_at=now,
        requirements=[r.to_data() for r in requirements],
        published_by=published_by,
    )
    session.add(row)
    await session.flush()
    return row


# ---- the worker's steps: the expiry sweep and redetermination jobs ----------------------------

EXPIRY_SWEEP = "credential_expiry"
# People re-determined per transaction by the worker: bounded locks, memory and outbox batches.
WORKER_SLICE = 2_000


@dataclass
class ExpirySweepResult:
    credentials: int = 0
    people: int = 0
    changes_published: int = 0


async def sweep_expired_credentials(
    db: Database,
    *,
    service_name: str,
    as_of: datetime | None = None,
    slice_size: int = WORKER_SLICE,
) -> ExpirySweepResult:
    """Re-determine the holders of credentials that expired since the last sweep.

    Nobody asks when a credential reaches its expiry, so without this pass a level would stay
    open on the topic until something else touched the person. The watermark (expiry, id of the
    last credential handled) moves forward one slice per transaction, together with the events
    of that slice: a crash repeats at most the slice it was in, and the repeat publishes nothing
    because only flips are published.
    """
    as_of = as_of or datetime.now(UTC)
    result = ExpirySweepResult()
    while True:
        async with UnitOfWork(db, service_name=service_name) as uow:
            session = uow.session
            mark = await session.scalar(
                select(EligibilitySweepWatermark)
                .where(EligibilitySweepWatermark.name == EXPIRY_SWEEP)
                .with_for_update()
            )
            if mark is None:
                raise RuntimeError("no expiry watermark (migration 20261122_0005 seeds it)")
            rows = (
                await session.execute(
                    select(Credential.id, Credential.person_id, Credential.expires_at)
                    .where(
                        Credential.expires_at.is_not(None),
                        Credential.expires_at <= as_of,
                        tuple_(Credential.expires_at, Credential.id)
                        > tuple_(
                            literal(mark.expired_through, DateTime(timezone=True)),
                            literal(mark.last_credential_id, Uuid()),
                        ),
                    )
                    .order_by(Credential.expires_at, Credential.id)
                    .limit(slice_size)
                )
            ).all()
            if not rows:
                return result
            people = sorted({row.person_id for row in rows})
            changes = await redetermine(session=session, person_ids=people, as_of=as_of)
            await uow.publish_many(changes)
            last = rows[-1]
            mark.expired_through = last.expires_at
            mark.last_credential_id = last.id
            mark.updated_at = as_of
            await uow.commit()
        result.credentials += len(rows)
        result.people += len(people)
        result.changes_published += len(changes)
        if len(rows) < slice_size:
            return result


async def request_redetermination(
    session: AsyncSession, *, reason: str, policy_version: str, requested_by: str, now: datetime
) -> EligibilityJob:
    """Queue a redetermination of everyone. An administrator's request while another one is
    still queued joins it: the queued job will see everything the new request would."""
    if reason == "requested":
        waiting = await session.scalar(
            select(EligibilityJob)
            .where(EligibilityJob.status == "queued", EligibilityJob.reason == "requested")
            .order_by(EligibilityJob.requested_at)
            .limit(1)
        )
        if waiting is not None:
            return waiting
    job = EligibilityJob(
        id=uuid.uuid4(),
        reason=reason,
        policy_version=policy_version,
        status="queued",
        people_total=None,
        people_processed=0,
        changes_published=0,
        after_person_id=None,
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(job)
    await session.flush()
    return job


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> EligibilityJob | None:
    return await session.get(EligibilityJob, job_id)


def _people_to_redetermine() -> Select[tuple[str]]:
    holders = select(Credential.person_id.label("person_id"))
    answered = select(EligibilityDetermination.person_id.label("person_id"))
    return holders.union(answered).subquery().select()


@dataclass
class JobsResult:
    slices: int = 0
    people: int = 0
    changes_published: int = 0
    completed: list[uuid.UUID] = field(default_factory=list)


async def run_jobs(
    db: Database,
    *,
    service_name: str,
    slice_size: int = WORKER_SLICE,
    max_slices: int | None = None,
) -> JobsResult:
    """Work through queued redetermination jobs, oldest first, one slice per transaction.

    Each slice takes the next ``slice_size`` people (in person id order) of everyone whose answer
    could differ from the default, re-determines them under the policy in force at that moment
    and moves the job's cursor in the same transaction as the events. The job row is locked
    with SKIP LOCKED, so two workers never run the same slice. ``max_slices`` bounds one call.
    """
    result = JobsResult()
    while max_slices is None or result.slices < max_slices:
        async with UnitOfWork(db, service_name=service_name) as uow:
            session = uow.session
            job = await session.scalar(
                select(EligibilityJob)
                .where(EligibilityJob.status.in_(("queued", "running")))
                .order_by(EligibilityJob.requested_at, EligibilityJob.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job is None:
                return result
            now = datetime.now(UTC)
            people_query = _people_to_redetermine().subquery()
            if job.status == "queued":
                job.status = "running"
                job.started_at = now
                job.people_total = await session.scalar(
                    select(func.count()).select_from(people_query)
                )
            next_people = select(people_query.c.person_id)
            if job.after_person_id is not None:
                next_people = next_people.where(people_query.c.person_id > job.after_person_id)
            people = list(
                await session.scalars(
                    next_people.order_by(people_query.c.person_id).limit(slice_size)
                )
            )
            changes: list[EligibilityChanged] = []
            if people:
                changes = await redetermine(session=session, person_ids=people, as_of=now)
                await uow.publish_many(changes)
                job.after_person_id = people[-1]
                job.people_processed += len(people)
                job.changes_published += len(changes)
            if len(people) < slice_size:
                job.status = "completed"
                job.finished_at = now
                # People who gained a first credential after the count was taken are done too.
                job.people_total = max(job.people_total or 0, job.people_processed)
                result.completed.append(job.id)
            await uow.commit()
        result.slices += 1
        result.people += len(people)
        result.changes_published += len(changes)
    return result
