"""Use cases of appraisals: keyword-only functions, the session (or unit of work) first.

Changes lock the row (``SELECT ... FOR UPDATE``) before comparing the ``If-Match`` version,
so two writers holding the same ETag cannot both succeed: the second waits for the first to
commit, then sees a newer version and gets 412.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.appraisals import domain
from appraisal.appraisals.domain import (
    AppraisalStatus,
    BehaviourFrequency,
    BoardRole,
    NhsValue,
    PerformanceOutcome,
)
from appraisal.appraisals.events import (
    AppraisalCompleted,
    AppraisalReopened,
    CareerAspirationsPayload,
)
from appraisal.appraisals.models import (
    Appraisal,
    BehaviourScore,
    CareerAspirations,
    Objective,
    StatusChange,
)
from appraisal.appraisals.schemas import (
    AppraisalCreate,
    AppraisalPatch,
    AspirationsIn,
    ObjectiveIn,
    TransitionRequest,
)
from appraisal.people import domain as people_domain
from appraisal.people import service as people_service
from appraisal.people.models import Person
from shared.http.auth import Principal
from shared.http.etag import IfMatchPrecondition, check_version
from shared.http.pagination import PageParams, paginate
from shared.http.problems import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    UnprocessableEntity,
    invalid_input,
    problem_type,
)
from shared.reference.organisations import get_organisation
from shared.uow import UnitOfWork


async def create_appraisal(
    *, session: AsyncSession, principal: Principal, appraisal_in: AppraisalCreate
) -> Appraisal:
    if appraisal_in.template_version not in domain.KNOWN_TEMPLATE_VERSIONS:
        raise invalid_input(
            "body.template_version",
            f"unknown template; known: {', '.join(sorted(domain.KNOWN_TEMPLATE_VERSIONS))}",
        )
    person = await people_service.get_person(session=session, person_id=appraisal_in.person_id)
    org_code = appraisal_in.org_code or (person.org_code if person is not None else None)
    if org_code is None:
        raise invalid_input(
            "body.org_code",
            "required: the person is not in the people directory yet, so their employer "
            "cannot be inferred",
            type="missing",
        )
    if not principal.can_see_org(org_code):
        # Not naming it: the organisation may come from the directory, not from the caller.
        raise Forbidden(f"This token does not reach the organisation of {appraisal_in.person_id}")
    if get_organisation(org_code) is None:
        raise invalid_input("body.org_code", f"{org_code} is not a known NHS organisation")
    if person is not None and person.org_code == org_code and people_domain.has_left(person.status):
        raise invalid_input("body.person_id", f"the person has left {org_code}")

    existing = await session.scalar(
        select(Appraisal.id).where(
            Appraisal.person_id == appraisal_in.person_id,
            Appraisal.org_code == org_code,
            Appraisal.cycle_year == appraisal_in.cycle_year,
        )
    )
    if existing is not None:
        raise _duplicate(appraisal_in, org_code, existing)

    now = datetime.now(UTC)
    appraisal = Appraisal(
        id=uuid.uuid4(),
        person_id=appraisal_in.person_id,
        org_code=org_code,
        appraiser_id=appraisal_in.appraiser_id,
        cycle_year=appraisal_in.cycle_year,
        template_version=appraisal_in.template_version,
        board_role=appraisal_in.board_role,
        status=AppraisalStatus.DRAFT,
        development_programme_codes=[],
        wellbeing_conversation_held=False,
        version=1,
        created_at=now,
        updated_at=now,
        # Set, even empty, so they count as loaded and are never lazy-loaded under asyncio.
        objectives=[],
        behaviour_scores=[],
        aspirations=None,
    )
    try:
        # A savepoint: a twin request that slipped past the check above loses at the unique
        # constraint, and that is a 409, not a 500.
        async with session.begin_nested():
            session.add(appraisal)
    except IntegrityError:
        raise _duplicate(appraisal_in, org_code, None) from None
    return appraisal


def _duplicate(
    appraisal_in: AppraisalCreate, org_code: str, existing: uuid.UUID | None
) -> Conflict:
    extra = {"existing_appraisal_id": str(existing)} if existing is not None else {}
    return Conflict(
        f"{appraisal_in.person_id} already has an appraisal at {org_code} for "
        f"{domain.cycle_label(appraisal_in.cycle_year)}",
        **extra,
    )


async def get_appraisal(
    *, session: AsyncSession, principal: Principal, appraisal_id: uuid.UUID
) -> Appraisal:
    appraisal = await session.get(Appraisal, appraisal_id)
    if appraisal is None:
        raise NotFound(f"appraisal {appraisal_id} does not exist")
    _require_reach(principal, appraisal)
    return appraisal


def _require_reach(principal: Principal, appraisal: Appraisal) -> None:
    # Not naming the organisation: where someone works is not for a foreign token to learn.
    if not principal.can_see_org(appraisal.org_code):
        raise Forbidden(f"This token does not reach the organisation of appraisal {appraisal.id}")


async def list_appraisals(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    person_id: str | None = None,
    cycle_year: int | None = None,
    org_code: str | None = None,
    status: AppraisalStatus | None = None,
) -> Sequence[Appraisal]:
    stmt = select(Appraisal)
    if org_code is not None:
        principal.require_org(org_code)
        stmt = stmt.where(Appraisal.org_code == org_code)
    elif (reach := principal.reach_filter()) is not None:
        if not reach:
            return []
        stmt = stmt.where(Appraisal.org_code.in_(sorted(reach)))
    if person_id is not None:
        stmt = stmt.where(Appraisal.person_id == person_id)
    if cycle_year is not None:
        stmt = stmt.where(Appraisal.cycle_year == cycle_year)
    if status is not None:
        stmt = stmt.where(Appraisal.status == status)
    stmt = paginate(stmt, sort_column=Appraisal.created_at, id_column=Appraisal.id, params=page)
    return (await session.scalars(stmt)).all()


async def _lock_for_change(
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    if_match: IfMatchPrecondition,
) -> Appraisal:
    expected = if_match.version_for(appraisal_id)
    appraisal = await session.scalar(
        select(Appraisal)
        .where(Appraisal.id == appraisal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if appraisal is None:
        raise NotFound(f"appraisal {appraisal_id} does not exist")
    # Reach before version, so a caller without reach learns nothing about the record.
    _require_reach(principal, appraisal)
    check_version(appraisal.version, expected)
    return appraisal


def _touch(appraisal: Appraisal, now: datetime) -> None:
    appraisal.version += 1
    appraisal.updated_at = now


async def update_content(
    *,
    uow: UnitOfWork,
    principal: Principal,
    appraisal_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    patch: AppraisalPatch,
) -> Appraisal:
    appraisal = await _lock_for_change(uow.session, principal, appraisal_id, if_match)
    status = AppraisalStatus(appraisal.status)
    if not domain.is_editable(status):
        raise Conflict(
            f"the content can change only while the appraisal is "
            f"{' or '.join(sorted(domain.EDITABLE_STATUSES))}; it is {status}",
            status_now=status,
        )
    changes = patch.changes()
    if changes.get("appraiser_id") == appraisal.person_id:
        raise invalid_input(
            "body.appraiser_id", "the appraiser must be someone other than the appraisee"
        )
    if "appraiser_id" in changes:
        appraisal.appraiser_id = changes["appraiser_id"]
    if "objectives" in changes:
        appraisal.objectives = _objectives(changes["objectives"] or [])
    if "performance_outcome" in changes:
        appraisal.performance_outcome = changes["performance_outcome"]
    if "behaviour_outcome" in changes:
        appraisal.behaviour_outcome = changes["behaviour_outcome"]
    if "behaviour_scores" in changes:
        _set_scores(appraisal, changes["behaviour_scores"] or {})
    if "aspirations" in changes:
        _set_aspirations(appraisal, changes["aspirations"])
    if "development_programme_codes" in changes:
        appraisal.development_programme_codes = list(changes["development_programme_codes"] or [])
    if "wellbeing_conversation_held" in changes:
        appraisal.wellbeing_conversation_held = changes["wellbeing_conversation_held"]
    _touch(appraisal, datetime.now(UTC))
    await uow.session.flush()
    return appraisal


def _objectives(objectives: Sequence[ObjectiveIn]) -> list[Objective]:
    return [
        Objective(
            id=uuid.uuid4(),
            position=position,
            title=objective.title,
            success_criteria=objective.success_criteria,
            weight=objective.weight,
            outcome=objective.outcome,
            is_edi=objective.is_edi_objective,
        )
        for position, objective in enumerate(objectives)
    ]


def _set_scores(appraisal: Appraisal, scores: dict[NhsValue, BehaviourFrequency]) -> None:
    # Rows of values still scored are updated in place: a delete and an insert of the same
    # primary key in one flush would rely on the ORM's row switch.
    current = {score.value_code: score for score in appraisal.behaviour_scores}
    kept: list[BehaviourScore] = []
    for value, rating in scores.items():
        row = current.get(value) or BehaviourScore(value_code=str(value))
        row.rating = str(rating)
        kept.append(row)
    appraisal.behaviour_scores = kept


def _set_aspirations(appraisal: Appraisal, aspirations: AspirationsIn | None) -> None:
    if aspirations is None:
        appraisal.aspirations = None
        return
    row = appraisal.aspirations or CareerAspirations()
    row.direction = aspirations.direction
    row.target_level = aspirations.target_level
    row.timeframe = aspirations.timeframe
    row.mobility = aspirations.mobility
    row.challenged_organisation_interest = aspirations.challenged_organisation_interest
    appraisal.aspirations = row


async def change_status(
    *,
    uow: UnitOfWork,
    principal: Principal,
    appraisal_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    transition: TransitionRequest,
) -> Appraisal:
    """Move the appraisal along its life cycle; completing and reopening publish events."""
    session = uow.session
    appraisal = await _lock_for_change(session, principal, appraisal_id, if_match)
    current = AppraisalStatus(appraisal.status)
    target = transition.to
    try:
        domain.check_transition(current, target, transition.reason_code)
    except domain.TransitionRefused as refused:
        raise Conflict(
            f"an appraisal that is {current} cannot move to {target}",
            status_now=current,
            allowed_transitions=refused.allowed,
        ) from None
    except domain.ReasonMismatch as mismatch:
        raise invalid_input("body.reason_code", str(mismatch)) from None

    now = datetime.now(UTC)
    if target is AppraisalStatus.COMPLETED:
        person = await people_service.get_person(session=session, person_id=appraisal.person_id)
        _check_completion(appraisal, person)
        if person is not None and person.band is not None:
            appraisal.band = person.band
        appraisal.completed_at = now
    elif target is AppraisalStatus.REOPENED:
        appraisal.reopened_at = now
        appraisal.reopen_reason = transition.reason_code

    session.add(
        StatusChange(
            id=uuid.uuid4(),
            appraisal_id=appraisal.id,
            from_status=current,
            to_status=target,
            reason_code=transition.reason_code,
            actor=principal.subject,
            changed_at=now,
        )
    )
    appraisal.status = target
    _touch(appraisal, now)
    await session.flush()

    if target is AppraisalStatus.COMPLETED:
        await uow.publish(_completed_event(appraisal))
    elif target is AppraisalStatus.REOPENED:
        assert transition.reason_code is not None  # check_transition guarantees it
        await uow.publish(
            AppraisalReopened(
                appraisal_id=appraisal.id,
                person_id=appraisal.person_id,
                org_code=appraisal.org_code,
                cycle_year=appraisal.cycle_year,
                reason_code=transition.reason_code,
                reopened_at=now,
            )
        )
    return appraisal


def _completion_facts(appraisal: Appraisal, person: Person | None) -> domain.CompletionFacts:
    return domain.CompletionFacts(
        objectives=[
            domain.ObjectiveFacts(
                weight=objective.weight,
                outcome=None
                if objective.outcome is None
                else PerformanceOutcome(objective.outcome),
                is_edi=objective.is_edi,
            )
            for objective in appraisal.objectives
        ],
        performance_outcome=None
        if appraisal.performance_outcome is None
        else domain.PerformanceOutcome(appraisal.performance_outcome),
        behaviour_outcome=None
        if appraisal.behaviour_outcome is None
        else domain.BehaviourOutcome(appraisal.behaviour_outcome),
        behaviour_scores={
            NhsValue(score.value_code): BehaviourFrequency(score.rating)
            for score in appraisal.behaviour_scores
        },
        aspirations_recorded=appraisal.aspirations is not None,
        wellbeing_conversation_held=appraisal.wellbeing_conversation_held,
        # Unknown to the directory yet: the EDI-objective rule for managers cannot be applied,
        # and blocking every completion on the talent feed would be worse.
        manages_people=person is not None and person.is_line_manager,
        board_role=None if appraisal.board_role is None else BoardRole(appraisal.board_role),
    )


def _check_completion(appraisal: Appraisal, person: Person | None) -> None:
    unmet = domain.unmet_completion_rules(_completion_facts(appraisal, person))
    if unmet:
        raise UnprocessableEntity(
            f"{len(unmet)} completion rule(s) not met: "
            + "; ".join(rule.message for rule in unmet[:5]),
            type=problem_type("completion-rules-unmet"),
            errors=[
                FieldError(path=f"appraisal.{rule.path}", message=rule.message, type=rule.rule)
                for rule in unmet
            ],
            unmet_rules=sorted({rule.rule for rule in unmet}),
        )


def _completed_event(appraisal: Appraisal) -> AppraisalCompleted:
    aspirations = appraisal.aspirations
    assert aspirations is not None and appraisal.completed_at is not None
    assert appraisal.performance_outcome is not None and appraisal.behaviour_outcome is not None
    return AppraisalCompleted(
        appraisal_id=appraisal.id,
        person_id=appraisal.person_id,
        org_code=appraisal.org_code,
        band=appraisal.band,
        board_role=None if appraisal.board_role is None else BoardRole(appraisal.board_role),
        cycle_year=appraisal.cycle_year,
        cycle_start=domain.cycle_start(appraisal.cycle_year),
        template_version=appraisal.template_version,
        performance_outcome=domain.PerformanceOutcome(appraisal.performance_outcome),
        behaviour_outcome=domain.BehaviourOutcome(appraisal.behaviour_outcome),
        behaviour_scores={
            NhsValue(score.value_code): BehaviourFrequency(score.rating)
            for score in appraisal.behaviour_scores
        },
        aspirations=CareerAspirationsPayload(
            direction=domain.GrowthDirection(aspirations.direction),
            target_level=None
            if aspirations.target_level is None
            else domain.TargetLevel(aspirations.target_level),
            timeframe=domain.AspirationTimeframe(aspirations.timeframe),
            mobility=domain.Mobility(aspirations.mobility),
            challenged_organisation_interest=aspirations.challenged_organisation_interest,
        ),
        development_programme_codes=list(appraisal.development_programme_codes),
        edi_objective_set=any(objective.is_edi for objective in appraisal.objectives),
        appraiser_id=appraisal.appraiser_id,
        completed_at=appraisal.completed_at,
    )
