"""Use cases of succession: posts, plans, candidates, and keeping readiness current.

`recompute` is the heart of it. It runs wherever evidence or a candidacy changes: inside the
consumer's inbox transaction right after the profile projection is updated (so readiness is
never behind the profile it was computed from), and in the API transactions that add a
candidate, override one or recompute a plan. It is set-based: three queries load the evidence of
every affected person, the pure policy judges each candidate, one executemany writes the rows
that changed, one multi-row INSERT puts their events in the outbox, and one GROUP BY refreshes
the bench strength of the plans they belong to.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, Text, and_, exists, func, select, text, update
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from shared.events.model import Event
from shared.events.outbox import add_many_to_outbox, affected_rows
from shared.http.pagination import PageParams, paginate
from talent.profiles.models import (
    ProfileAppraisal,
    ProfileCredential,
    ProfileEligibility,
    ProfileFitAndProper,
)
from talent.replay.models import ReplayRequest
from talent.succession import domain
from talent.succession.domain import (
    AppraisalFact,
    EligibilityFact,
    Evidence,
    FitAndProperFact,
    Readiness,
    ReadinessPolicy,
)
from talent.succession.events import (
    BenchStrengthCounts,
    ReadinessChanged,
    ReadinessReasons,
    ReadinessTransition,
    SuccessionPlanUpdated,
)
from talent.succession.models import (
    CriticalPost,
    SuccessionCandidate,
    SuccessionPlan,
)
from talent.succession.models import (
    ReadinessPolicy as PolicyRow,
)

SERVICE_NAME = "talent"

_candidates = cast(Table, SuccessionCandidate.__table__)
_plans = cast(Table, SuccessionPlan.__table__)
_eligibility = cast(Table, ProfileEligibility.__table__)
_appraisals = cast(Table, ProfileAppraisal.__table__)
_fppt = cast(Table, ProfileFitAndProper.__table__)
_credentials = cast(Table, ProfileCredential.__table__)

# Parsed policies by version: a stored version never changes, so parsing once is enough.
_POLICY_CACHE: dict[str, ReadinessPolicy] = {}


class NoActivePolicy(RuntimeError):
    """The readiness_policies table has no active version (the migration seeds one)."""


async def active_policy(session: AsyncSession) -> ReadinessPolicy:
    row = (
        await session.execute(
            select(PolicyRow.version, PolicyRow.definition).where(PolicyRow.active.is_(True))
        )
    ).first()
    if row is None:
        raise NoActivePolicy("no active readiness policy")
    policy = _POLICY_CACHE.get(row.version)
    if policy is None:
        policy = domain.parse_policy(row.definition)
        _POLICY_CACHE[row.version] = policy
    return policy


async def replay_in_progress(session: AsyncSession) -> bool:
    """While projections are rebuilt, readiness is recomputed but not announced: the replay
    announces only the net differences once it has caught up (talent.replay)."""
    return bool(
        await session.scalar(
            select(exists().where(ReplayRequest.status.in_(("resetting", "rebuilding"))))
        )
    )


# ---- evidence --------------------------------------------------------------------------------


async def load_evidence(session: AsyncSession, people: Any) -> dict[str, Evidence]:
    """The evidence of every person in ``people`` (a subquery of person ids, or a list)."""
    person_in = _in(people)
    row: Any  # one row type per query below
    revoked: dict[str, set[str]] = defaultdict(set)
    for row in await session.execute(
        select(_credentials.c.person_id, _credentials.c.credential_id).where(
            person_in(_credentials.c.person_id), _credentials.c.revoked_at.is_not(None)
        )
    ):
        revoked[row.person_id].add(row.credential_id)
    eligibility: dict[str, dict[str, EligibilityFact]] = defaultdict(dict)
    for row in await session.execute(
        select(
            _eligibility.c.person_id,
            _eligibility.c.level,
            _eligibility.c.eligible,
            _eligibility.c.determination_id,
            _eligibility.c.unmet_requirement_ids,
            _eligibility.c.evidence_credential_ids,
            _eligibility.c.policy_version,
            _eligibility.c.as_of,
        ).where(person_in(_eligibility.c.person_id))
    ):
        evidence_ids = tuple(row.evidence_credential_ids)
        eligibility[row.person_id][row.level] = EligibilityFact(
            eligible=row.eligible,
            determination_id=row.determination_id,
            unmet_requirement_ids=tuple(row.unmet_requirement_ids),
            policy_version=row.policy_version,
            as_of=row.as_of,
            evidence_credential_ids=evidence_ids,
            revoked_credential_ids=tuple(
                c for c in evidence_ids if c in revoked.get(row.person_id, ())
            ),
        )
    appraisals: dict[str, AppraisalFact] = {}
    for row in await session.execute(
        select(
            _appraisals.c.person_id,
            _appraisals.c.appraisal_id,
            _appraisals.c.completed_at,
            _appraisals.c.reopened_at,
            _appraisals.c.performance_outcome,
            _appraisals.c.behaviour_outcome,
            _appraisals.c.aspirations,
        )
        .where(person_in(_appraisals.c.person_id))
        .ext(distinct_on(_appraisals.c.person_id))
        .order_by(
            _appraisals.c.person_id,
            _appraisals.c.completed_at.desc(),
            _appraisals.c.appraisal_id.desc(),
        )
    ):
        aspirations = row.aspirations or {}
        appraisals[row.person_id] = AppraisalFact(
            appraisal_id=row.appraisal_id,
            completed_at=row.completed_at,
            reopened=row.reopened_at is not None,
            performance_outcome=row.performance_outcome,
            behaviour_outcome=row.behaviour_outcome,
            target_level=aspirations.get("target_level"),
            direction=aspirations.get("direction"),
        )
    fit_and_proper: dict[str, FitAndProperFact] = {}
    for row in await session.execute(
        select(_fppt.c.person_id, _fppt.c.assessment_id, _fppt.c.outcome, _fppt.c.assessed_at)
        .where(person_in(_fppt.c.person_id))
        .ext(distinct_on(_fppt.c.person_id))
        .order_by(_fppt.c.person_id, _fppt.c.assessed_at.desc(), _fppt.c.assessment_id)
    ):
        fit_and_proper[row.person_id] = FitAndProperFact(
            assessment_id=row.assessment_id, outcome=row.outcome, assessed_at=row.assessed_at
        )
    people_seen = set(eligibility) | set(appraisals) | set(fit_and_proper)
    return {
        person_id: Evidence(
            eligibility_by_level=eligibility.get(person_id, {}),
            appraisal=appraisals.get(person_id),
            fit_and_proper=fit_and_proper.get(person_id),
        )
        for person_id in people_seen
    }


def _in(people: Any) -> Any:
    if isinstance(people, list | tuple):
        ids = list(people)
        return lambda column: column.in_(ids)
    return lambda column: column.in_(people)


# ---- recompute -------------------------------------------------------------------------------


@dataclass
class RecomputeReport:
    candidates: int = 0
    changed: int = 0
    readiness_changed: int = 0
    plans_updated: int = 0
    events: list[Event] = field(default_factory=list)


def _jsonb_order(value: Any) -> Any:
    if isinstance(value, dict):
        # PostgreSQL keeps a jsonb object's keys shortest first, then in byte order.
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: _jsonb_order(value[k]) for k in keys}
    if isinstance(value, list):
        return [_jsonb_order(item) for item in value]
    return value


def _jsonb_text(value: Any) -> str:
    """``value`` as PostgreSQL prints it back from a jsonb column, so a stored explanation is
    compared as text instead of being decoded. A difference in form would only cost a rewrite
    of an unchanged row, never a wrong answer or an event (events follow readiness alone)."""
    return json.dumps(_jsonb_order(value), ensure_ascii=False)


# One statement for every changed candidate, whatever their number: the new values travel as
# arrays and are joined back by id (an executemany would cost a round trip per row).
_UPDATE_CANDIDATES = text(
    """
    UPDATE succession_candidates AS c
    SET computed_readiness = u.computed, readiness = u.readiness,
        announced_readiness = u.announced, explanation = u.explanation::jsonb,
        policy_version = u.policy, computed_at = :at, version = c.version + 1
    FROM unnest(
        CAST(:ids AS uuid[]), CAST(:computed AS text[]), CAST(:readiness AS text[]),
        CAST(:announced AS text[]), CAST(:explanations AS text[]), CAST(:policies AS text[])
    ) AS u(id, computed, readiness, announced, explanation, policy)
    WHERE c.id = u.id
    """
)


async def recompute(
    session: AsyncSession,
    *,
    where: ColumnElement[bool],
    now: datetime | None = None,
    announce: bool | None = None,
) -> RecomputeReport:
    """Judge again every candidate matching ``where``; write, announce and re-bench changes.

    ``announce`` defaults to "unless a replay is rebuilding the projections".
    """
    now = now or datetime.now(UTC)
    # The consumer's session does not autoflush: the projection rows its handler just added
    # must reach the database before the evidence is read back.
    await session.flush()
    if announce is None:
        announce = not await replay_in_progress(session)
    policy = await active_policy(session)
    # Locked in id order: two recomputes that share candidates queue instead of deadlocking,
    # and a plan row is only ever locked after its candidates (see refresh_bench).
    rows = (
        await session.execute(
            select(
                _candidates.c.id,
                _candidates.c.plan_id,
                _candidates.c.post_id,
                _candidates.c.org_code,
                _candidates.c.level,
                _candidates.c.board_post,
                _candidates.c.person_id,
                _candidates.c.computed_readiness,
                _candidates.c.readiness,
                _candidates.c.announced_readiness,
                # As text: decoding 10,000 stored explanations cost more than judging them.
                cast_(_candidates.c.explanation, Text).label("explanation_text"),
                _candidates.c.policy_version,
                _candidates.c.override_readiness,
                _candidates.c.override_expires_at,
            )
            .where(where)
            .order_by(_candidates.c.id)
            .with_for_update()
        )
    ).all()
    report = RecomputeReport(candidates=len(rows))
    if not rows:
        return report
    evidence = await load_evidence(
        session, select(_candidates.c.person_id).where(where).distinct().scalar_subquery()
    )
    empty = Evidence()
    updates: list[tuple[Any, ...]] = []
    events: list[Event] = []
    plans_touched: set[uuid.UUID] = set()
    for row in rows:
        result = domain.evaluate(
            policy,
            level=row.level,
            board_post=row.board_post,
            evidence=evidence.get(row.person_id, empty),
            now=now,
        )
        override = Readiness(row.override_readiness) if row.override_readiness else None
        effective = domain.effective_readiness(
            computed=result.readiness,
            override=override,
            override_expires_at=row.override_expires_at,
            now=now,
        )
        explanation = _jsonb_text(result.explanation())
        announced = row.announced_readiness
        if announce and effective.value != announced:
            events.append(
                ReadinessChanged(
                    candidate_id=row.id,
                    plan_id=row.plan_id,
                    post_id=row.post_id,
                    org_code=row.org_code,
                    level=row.level,
                    person_id=row.person_id,
                    readiness=ReadinessTransition(
                        old=Readiness(announced) if announced else None, new=effective
                    ),
                    reasons=ReadinessReasons(met=result.met, unmet=result.unmet),
                    overridden=effective is override and override is not None,
                    policy_version=policy.version,
                    as_of=now,
                )
            )
            announced = effective.value
        unchanged = (
            row.computed_readiness == result.readiness.value
            and row.readiness == effective.value
            and row.announced_readiness == announced
            and row.explanation_text == explanation
            and row.policy_version == policy.version
        )
        if unchanged:
            continue
        if row.readiness != effective.value:
            plans_touched.add(row.plan_id)
            report.readiness_changed += 1
        updates.append(
            (
                row.id,
                result.readiness.value,
                effective.value,
                announced,
                explanation,
                policy.version,
            )
        )
    if updates:
        ids, computed, readiness, announced_values, explanations, policies = zip(
            *updates, strict=True
        )
        await session.execute(
            _UPDATE_CANDIDATES,
            {
                "ids": list(ids),
                "computed": list(computed),
                "readiness": list(readiness),
                "announced": list(announced_values),
                "explanations": list(explanations),
                "policies": list(policies),
                "at": now,
            },
        )
    report.changed = len(updates)
    if plans_touched and announce:
        plan_events = await refresh_bench(session, plans_touched, now=now)
        report.plans_updated = len(plan_events)
        events.extend(plan_events)
    if events:
        await add_many_to_outbox(session, events, service_name=SERVICE_NAME)
    report.events = events
    return report


# One array parameter, so one prepared statement whatever the number of people.
_ANY_CANDIDATE = text(
    "SELECT EXISTS (SELECT 1 FROM succession_candidates"
    " WHERE person_id = ANY(CAST(:ids AS text[])))"
)


async def recompute_for_people(session: AsyncSession, person_ids: Iterable[str]) -> RecomputeReport:
    """After the profiles of ``person_ids`` changed (a run of consumed events): one recompute
    of all their candidacies. Most people whose profile changes are nobody's candidate, so a
    single indexed look-up decides first whether there is anything to judge at all."""
    ids = sorted(set(person_ids))
    if not ids:
        return RecomputeReport()
    await session.flush()
    any_candidate = await session.scalar(_ANY_CANDIDATE, {"ids": ids})
    if not any_candidate:
        return RecomputeReport()
    return await recompute(session, where=_candidates.c.person_id.in_(ids))


async def refresh_bench(
    session: AsyncSession, plan_ids: set[uuid.UUID], *, now: datetime
) -> list[Event]:
    """Recount the bench of ``plan_ids``; the plans whose counts or risks moved are updated
    and their ``succession.plan.updated`` returned (for the caller's outbox INSERT)."""
    ids = sorted(plan_ids)
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    cover: dict[uuid.UUID, int] = defaultdict(int)
    for row in await session.execute(
        select(
            _candidates.c.plan_id,
            _candidates.c.readiness,
            func.count().label("n"),
            func.count().filter(_candidates.c.emergency_cover.is_(True)).label("cover"),
        )
        .where(_candidates.c.plan_id.in_(ids))
        .group_by(_candidates.c.plan_id, _candidates.c.readiness)
    ):
        counts[row.plan_id][row.readiness] = row.n
        if row.readiness == Readiness.READY_NOW:
            cover[row.plan_id] += row.cover
    plans = (
        await session.scalars(
            select(SuccessionPlan)
            .where(SuccessionPlan.id.in_(ids))
            .order_by(SuccessionPlan.id)
            .with_for_update()
        )
    ).all()
    vacancy_dates = await _vacancy_dates(session, [plan.post_id for plan in plans])
    events: list[Event] = []
    for plan in plans:
        bench = domain.bench_strength(counts[plan.id], emergency_cover_ready_now=cover[plan.id])
        risks = [risk.value for risk in bench.risks]
        stored = {
            "ready_now": plan.ready_now,
            "ready_1_2_years": plan.ready_1_2_years,
            "ready_3_plus_years": plan.ready_3_plus_years,
            "not_ready": plan.not_ready,
            "total": plan.total,
        }
        if stored == bench.counts() and list(plan.risks) == risks:
            continue
        for name, value in bench.counts().items():
            setattr(plan, name, value)
        plan.risks = risks
        plan.version += 1
        plan.updated_at = now
        events.append(
            SuccessionPlanUpdated(
                plan_id=plan.id,
                post_id=plan.post_id,
                org_code=plan.org_code,
                level=plan.level,
                bench_strength=BenchStrengthCounts(**bench.counts()),
                risks=list(bench.risks),
                expected_vacancy_date=vacancy_dates.get(plan.post_id),
                as_of=now,
            )
        )
    await session.flush()
    return events


async def _vacancy_dates(
    session: AsyncSession, post_ids: list[uuid.UUID]
) -> dict[uuid.UUID, date | None]:
    if not post_ids:
        return {}
    rows = await session.execute(
        select(CriticalPost.id, CriticalPost.expected_vacancy_date).where(
            CriticalPost.id.in_(post_ids)
        )
    )
    return {row.id: row.expected_vacancy_date for row in rows}


async def announce_differences(session: AsyncSession, *, now: datetime) -> RecomputeReport:
    """After a replay: recompute everything, and announce what differs from what was last
    announced (normally nothing: a rebuilt projection equals the live one)."""
    report = await recompute(session, where=_candidates.c.id.is_not(None), now=now, announce=True)
    all_plans = set((await session.scalars(select(SuccessionPlan.id))).all())
    plan_events = await refresh_bench(session, all_plans, now=now)
    if plan_events:
        await add_many_to_outbox(session, plan_events, service_name=SERVICE_NAME)
        report.events.extend(plan_events)
        report.plans_updated += len(plan_events)
    return report


# ---- posts, plans, candidates ----------------------------------------------------------------


async def create_post(session: AsyncSession, **values: Any) -> CriticalPost:
    post = CriticalPost(id=uuid.uuid4(), version=1, **values)
    session.add(post)
    await session.flush()
    return post


async def get_post(session: AsyncSession, post_id: uuid.UUID) -> CriticalPost | None:
    return await session.get(CriticalPost, post_id)


async def list_posts(
    session: AsyncSession,
    *,
    visible_orgs: frozenset[str] | None,
    org_code: str | None,
    page: PageParams,
) -> Sequence[CriticalPost]:
    stmt = select(CriticalPost)
    if visible_orgs is not None:
        stmt = stmt.where(CriticalPost.org_code.in_(visible_orgs))
    if org_code is not None:
        stmt = stmt.where(CriticalPost.org_code == org_code)
    stmt = paginate(stmt, sort_column=CriticalPost.org_code, id_column=CriticalPost.id, params=page)
    return (await session.scalars(stmt)).all()


async def update_post(
    session: AsyncSession, *, post_id: uuid.UUID, expected_version: int, changes: dict[str, Any]
) -> CriticalPost | None:
    result = await session.execute(
        update(CriticalPost)
        .where(CriticalPost.id == post_id, CriticalPost.version == expected_version)
        .values(**changes, version=CriticalPost.version + 1, updated_at=func.now())
        .returning(CriticalPost)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def create_plan(session: AsyncSession, post: CriticalPost) -> SuccessionPlan:
    plan = SuccessionPlan(
        id=uuid.uuid4(),
        post_id=post.id,
        org_code=post.org_code,
        level=post.level,
        ready_now=0,
        ready_1_2_years=0,
        ready_3_plus_years=0,
        not_ready=0,
        total=0,
        # An empty plan is the starkest risk; said from the start, not after the first event.
        risks=[domain.PlanRisk.NO_SUCCESSOR.value, domain.PlanRisk.NO_EMERGENCY_COVER.value],
        version=1,
    )
    session.add(plan)
    await session.flush()
    return plan


async def plan_for_post(session: AsyncSession, post_id: uuid.UUID) -> SuccessionPlan | None:
    return await session.scalar(select(SuccessionPlan).where(SuccessionPlan.post_id == post_id))


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> SuccessionPlan | None:
    return await session.get(SuccessionPlan, plan_id)


async def list_plans(
    session: AsyncSession,
    *,
    visible_orgs: frozenset[str] | None,
    org_code: str | None,
    page: PageParams,
) -> Sequence[SuccessionPlan]:
    stmt = select(SuccessionPlan)
    if visible_orgs is not None:
        stmt = stmt.where(SuccessionPlan.org_code.in_(visible_orgs))
    if org_code is not None:
        stmt = stmt.where(SuccessionPlan.org_code == org_code)
    stmt = paginate(
        stmt, sort_column=SuccessionPlan.org_code, id_column=SuccessionPlan.id, params=page
    )
    return (await session.scalars(stmt)).all()


async def add_candidate(
    session: AsyncSession,
    *,
    plan: SuccessionPlan,
    post: CriticalPost,
    person_id: str,
    rank: int | None,
    emergency_cover: bool,
) -> SuccessionCandidate:
    """Add a candidate and judge them at once; the caller handles the unique violation."""
    if rank is None:
        highest = await session.scalar(
            select(func.max(SuccessionCandidate.rank)).where(SuccessionCandidate.plan_id == plan.id)
        )
        rank = (highest or 0) + 1
    now = datetime.now(UTC)
    candidate_id = uuid.uuid4()
    session.add(
        SuccessionCandidate(
            id=candidate_id,
            plan_id=plan.id,
            post_id=post.id,
            org_code=post.org_code,
            level=post.level,
            board_post=post.board_post,
            person_id=person_id,
            rank=rank,
            emergency_cover=emergency_cover,
            # Placeholders the recompute below replaces in the same transaction.
            computed_readiness=Readiness.NOT_READY.value,
            readiness=Readiness.NOT_READY.value,
            announced_readiness=None,
            explanation={},
            policy_version="",
            computed_at=now,
            version=1,
        )
    )
    await session.flush()
    await recompute(session, where=_candidates.c.id == candidate_id, now=now)
    # The bench counts a new candidate even when their readiness is the placeholder's.
    events = await refresh_bench(session, {plan.id}, now=now)
    if events and not await replay_in_progress(session):
        await add_many_to_outbox(session, events, service_name=SERVICE_NAME)
    candidate = await session.get(SuccessionCandidate, candidate_id, populate_existing=True)
    assert candidate is not None
    return candidate


async def get_candidate(
    session: AsyncSession, candidate_id: uuid.UUID
) -> SuccessionCandidate | None:
    return await session.get(SuccessionCandidate, candidate_id, populate_existing=True)


async def list_candidates(
    session: AsyncSession, *, plan_id: uuid.UUID, page: PageParams
) -> Sequence[SuccessionCandidate]:
    stmt = paginate(
        select(SuccessionCandidate).where(SuccessionCandidate.plan_id == plan_id),
        sort_column=SuccessionCandidate.rank,
        id_column=SuccessionCandidate.id,
        params=page,
    )
    return (await session.scalars(stmt)).all()


async def update_candidate(
    session: AsyncSession,
    *,
    candidate_id: uuid.UUID,
    expected_version: int,
    changes: dict[str, Any],
) -> SuccessionCandidate | None:
    """Apply ``changes`` if the candidate is still at ``expected_version``; then re-judge."""
    result = await session.execute(
        update(SuccessionCandidate)
        .where(
            and_(
                SuccessionCandidate.id == candidate_id,
                SuccessionCandidate.version == expected_version,
            )
        )
        .values(**changes, version=SuccessionCandidate.version + 1)
        .returning(SuccessionCandidate.id, SuccessionCandidate.plan_id)
    )
    row = result.first()
    if row is None:
        return None
    now = datetime.now(UTC)
    await recompute(session, where=_candidates.c.id == candidate_id, now=now)
    events = await refresh_bench(session, {row.plan_id}, now=now)
    if events and not await replay_in_progress(session):
        await add_many_to_outbox(session, events, service_name=SERVICE_NAME)
    return await get_candidate(session, candidate_id)


async def remove_candidate(
    session: AsyncSession, *, candidate: SuccessionCandidate, expected_version: int
) -> bool:
    result = await session.execute(
        _candidates.delete().where(
            and_(
                _candidates.c.id == candidate.id,
                _candidates.c.version == expected_version,
            )
        )
    )
    if not affected_rows(result):
        return False
    events = await refresh_bench(session, {candidate.plan_id}, now=datetime.now(UTC))
    if events and not await replay_in_progress(session):
        await add_many_to_outbox(session, events, service_name=SERVICE_NAME)
    return True


async def recompute_plan(session: AsyncSession, plan: SuccessionPlan) -> RecomputeReport:
    now = datetime.now(UTC)
    report = await recompute(session, where=_candidates.c.plan_id == plan.id, now=now)
    if not report.plans_updated and not await replay_in_progress(session):
        # Nothing moved among the candidates, but an expired override or an edited post may
        # still change the bench: recount it once.
        events = await refresh_bench(session, {plan.id}, now=now)
        if events:
            await add_many_to_outbox(session, events, service_name=SERVICE_NAME)
            report.plans_updated = len(events)
            report.events.extend(events)
    return report


@dataclass(frozen=True)
class GapView:
    candidate: SuccessionCandidate
    announced: bool
    eligible: bool | None
    gaps: list[domain.Gap]
    unmet_rules: list[str]
    as_of: datetime | None


async def gap_analysis(session: AsyncSession, candidate: SuccessionCandidate) -> GapView:
    fact = await session.get(ProfileEligibility, (candidate.person_id, candidate.level))
    rules = candidate.explanation.get("rules", []) if candidate.explanation else []
    unmet_rules = [r["rule"] for r in rules if not r.get("met")]
    if fact is None:
        return GapView(candidate, False, None, [], unmet_rules, None)
    found = domain.gaps(
        unmet_requirement_ids=list(fact.unmet_requirement_ids), detail=fact.unmet_detail or {}
    )
    return GapView(candidate, True, fact.eligible, found, unmet_rules, fact.as_of)


async def list_policies(session: AsyncSession, *, page: PageParams) -> Sequence[PolicyRow]:
    stmt = paginate(
        select(PolicyRow), sort_column=PolicyRow.version, id_column=PolicyRow.version, params=page
    )
    return (await session.scalars(stmt)).all()


async def get_policy(session: AsyncSession, version: str) -> PolicyRow | None:
    return await session.get(PolicyRow, version)
