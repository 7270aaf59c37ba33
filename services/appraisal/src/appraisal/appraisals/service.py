"""Use cases of appraisals: keyword-only functions, the session (or unit of work) first.

Changes lock the row (``SELECT ... FOR UPDATE``) before comparing the ``If-Match`` version,
so two writers holding the same ETag cannot both succeed: the second waits for the first to
commit, then sees a newer version and gets 412.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from appraisal.appraisals import domain
from appraisal.appraisals.domain import (
    AppraisalKind,
    AppraisalStatus,
    BehaviourFrequency,
    BoardRole,
    GrowthAmbition,
    ImpactRating,
    Move,
    PerformanceOutcome,
)
from appraisal.appraisals.events import (
    AppraisalCompleted,
    AppraisalReopened,
    BehaviourScorePayload,
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
from appraisal.credentials import service as credential_service
from appraisal.credentials.domain import (
    APPRAISAL_SKILLS_PROGRAMME,
    CREDENTIAL_RULE,
    CredentialPolicy,
)
from appraisal.cycles import service as cycle_service
from appraisal.cycles.models import AppraisalCycle
from appraisal.people import domain as people_domain
from appraisal.people import service as people_service
from appraisal.people.models import Person
from appraisal.settings import Settings
from appraisal.templates import domain as domain_templates
from appraisal.templates import service as template_service
from appraisal.templates.domain import LocalAnswerType
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


def _check_distinct(person_id: str, appraiser_id: str, path: str) -> None:
    try:
        domain.check_appraiser_is_not_appraisee(person_id=person_id, appraiser_id=appraiser_id)
    except domain.RuleBroken as broken:
        raise _rule_problem(broken.rule, str(broken), path) from None


def _rule_problem(rule: str, message: str, path: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        message,
        type=problem_type(rule.replace(".", "-").replace("_", "-")),
        errors=[FieldError(path=path, message=message, type=rule)],
        rule=rule,
    )


async def _appraiser_credentialed(
    session: AsyncSession, settings: Settings, appraiser_id: str, path: str
) -> bool:
    """Whether the appraiser holds the appraisal-skills credential; under the blocking policy,
    a 422 naming the rule when not."""
    holds = await credential_service.holds_appraisal_skills(
        session=session, person_id=appraiser_id, at=datetime.now(UTC)
    )
    if not holds and settings.appraiser_credential_policy is CredentialPolicy.BLOCK:
        raise _rule_problem(
            CREDENTIAL_RULE,
            f"the appraiser {appraiser_id} holds no valid {APPRAISAL_SKILLS_PROGRAMME} "
            "credential, and this service's policy is to block untrained appraisers",
            path,
        )
    return holds


async def create_appraisal(
    *,
    session: AsyncSession,
    principal: Principal,
    settings: Settings,
    appraisal_in: AppraisalCreate,
) -> Appraisal:
    template_service.require_template(appraisal_in.template_version)
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
    _check_distinct(appraisal_in.person_id, appraisal_in.appraiser_id, "body.appraiser_id")
    kind = domain.kind_of(appraisal_in.board_role)
    cycle = await _cycle_for(session, appraisal_in, org_code, kind)

    existing = await session.scalar(
        select(Appraisal.id).where(
            Appraisal.person_id == appraisal_in.person_id,
            Appraisal.org_code == org_code,
            Appraisal.cycle_year == appraisal_in.cycle_year,
            Appraisal.status != AppraisalStatus.CANCELLED,
        )
    )
    if existing is not None:
        raise _duplicate(appraisal_in, org_code, existing)
    credentialed = await _appraiser_credentialed(
        session, settings, appraisal_in.appraiser_id, "body.appraiser_id"
    )

    now = datetime.now(UTC)
    appraisal = Appraisal(
        id=uuid.uuid4(),
        person_id=appraisal_in.person_id,
        org_code=org_code,
        appraiser_id=appraisal_in.appraiser_id,
        cycle_year=appraisal_in.cycle_year,
        cycle_id=cycle.id if cycle is not None else None,
        cycle=cycle,
        template_version=appraisal_in.template_version,
        kind=kind,
        board_role=appraisal_in.board_role,
        status=AppraisalStatus.NOT_STARTED,
        development_programme_codes=[],
        wellbeing_conversation_held=False,
        appraisee_disagrees=False,
        appraiser_credentialed=credentialed,
        local_answers={},
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
        # index, and that is a 409, not a 500.
        async with session.begin_nested():
            session.add(appraisal)
    except IntegrityError:
        raise _duplicate(appraisal_in, org_code, None) from None
    if cycle is not None and kind is AppraisalKind.BOARD:
        # Board membership is not in the people directory: the appraisal brings them in.
        await cycle_service.add_member(
            session=session, cycle=cycle, person_id=appraisal.person_id, on=now.date()
        )
    return appraisal


async def _cycle_for(
    session: AsyncSession, appraisal_in: AppraisalCreate, org_code: str, kind: AppraisalKind
) -> AppraisalCycle | None:
    if appraisal_in.cycle_id is None:
        return await cycle_service.find_cycle(
            session=session, org_code=org_code, cycle_year=appraisal_in.cycle_year, kind=kind
        )
    cycle = await session.get(AppraisalCycle, appraisal_in.cycle_id)
    if (
        cycle is None
        or cycle.org_code != org_code
        or cycle.cycle_year != appraisal_in.cycle_year
        or cycle.kind != kind
    ):
        # One message for all: an unknown cycle and another organisation's look the same.
        raise invalid_input(
            "body.cycle_id",
            f"no {kind} cycle {appraisal_in.cycle_year} with this id for the appraisal's "
            "organisation",
        )
    return cycle


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
    kind: AppraisalKind | None = None,
    cycle_id: uuid.UUID | None = None,
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
    if kind is not None:
        stmt = stmt.where(Appraisal.kind == kind)
    if cycle_id is not None:
        stmt = stmt.where(Appraisal.cycle_id == cycle_id)
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
    settings: Settings,
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
    kind = AppraisalKind(appraisal.kind)
    if "appraiser_id" in changes:
        _check_distinct(appraisal.person_id, changes["appraiser_id"], "body.appraiser_id")
        appraisal.appraiser_credentialed = await _appraiser_credentialed(
            uow.session, settings, changes["appraiser_id"], "body.appraiser_id"
        )
        appraisal.appraiser_id = changes["appraiser_id"]
    if "behaviour_scores" in changes:
        unknown = domain.unknown_behaviour_codes(kind, list(changes["behaviour_scores"] or {}))
        if unknown:
            what = "LCF domains" if kind is AppraisalKind.BOARD else "NHS values"
            raise invalid_input(
                "body.behaviour_scores",
                f"a {kind} appraisal rates the {what}; not one of them: {', '.join(unknown)}",
            )
        _set_scores(appraisal, changes["behaviour_scores"] or {})
    if "fppt_assessed_on" in changes:
        if changes["fppt_assessed_on"] is not None and kind is not AppraisalKind.BOARD:
            raise invalid_input(
                "body.fppt_assessed_on", "the FPPT confirmation belongs to board appraisals"
            )
        if (changes["fppt_assessed_on"] or date.min) > datetime.now(UTC).date():
            raise invalid_input("body.fppt_assessed_on", "an assessment date cannot be ahead")
        appraisal.fppt_assessed_on = changes["fppt_assessed_on"]
    if "local_answers" in changes:
        appraisal.local_answers = await _local_answers(
            uow.session, appraisal, changes["local_answers"] or {}
        )
    if "objectives" in changes:
        appraisal.objectives = _objectives(changes["objectives"] or [])
    if "performance_outcome" in changes:
        appraisal.performance_outcome = changes["performance_outcome"]
    if "behaviour_outcome" in changes:
        appraisal.behaviour_outcome = changes["behaviour_outcome"]
    if "aspirations" in changes:
        _set_aspirations(appraisal, changes["aspirations"])
    if "development_programme_codes" in changes:
        appraisal.development_programme_codes = list(changes["development_programme_codes"] or [])
    if "wellbeing_conversation_held" in changes:
        appraisal.wellbeing_conversation_held = changes["wellbeing_conversation_held"]
    _touch(appraisal, datetime.now(UTC))
    await uow.session.flush()
    return appraisal


async def _local_answers(
    session: AsyncSession, appraisal: Appraisal, answers: dict[str, str | bool]
) -> dict[str, str | bool]:
    """Answers only to the questions this appraisal asks, each of the question's type: the
    organisation's live questions, and retired ones it had already answered."""
    asked = domain_templates.questions_asked(
        await template_service.local_questions_of(
            session=session,
            org_code=appraisal.org_code,
            template_version=appraisal.template_version,
        ),
        list(appraisal.local_answers or {}),
    )
    for code, answer in answers.items():
        question = asked.get(code)
        if question is None:
            raise invalid_input(
                f"body.local_answers.{code}",
                "the organisation asks no local question with code (or retired it)",
            )
        if (question.answer_type == LocalAnswerType.YES_NO) != isinstance(answer, bool):
            raise invalid_input(
                f"body.local_answers.{code}",
                "answer yes/no questions with true or false, and text questions with text",
            )
    return dict(answers)


def _objectives(objectives: Sequence[ObjectiveIn]) -> list[Objective]:
    return [
        Objective(
            id=uuid.uuid4(),
            position=position,
            title=objective.title,
            success_criteria=objective.success_criteria,
            weight=objective.weight,
            progress=objective.progress,
            outcome=objective.outcome,
            is_edi=objective.is_edi_objective,
        )
        for position, objective in enumerate(objectives)
    ]


def _set_scores(appraisal: Appraisal, scores: dict[str, BehaviourFrequency]) -> None:
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
    row.impact = aspirations.impact
    row.growth_ambition = aspirations.growth_ambition
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
    settings: Settings,
    appraisal_id: uuid.UUID,
    if_match: IfMatchPrecondition,
    transition: TransitionRequest,
) -> Appraisal:
    """Move the appraisal along its life cycle; completing and reopening publish events."""
    session = uow.session
    appraisal = await _lock_for_change(session, principal, appraisal_id, if_match)
    current = AppraisalStatus(appraisal.status)
    move = transition.to
    try:
        target = domain.check_transition(
            current,
            move,
            reopen_reason=transition.reason_code,
            cancel_reason=transition.cancel_reason,
        )
    except domain.TransitionRefused as refused:
        raise Conflict(
            f"an appraisal that is {current} cannot be moved to {move}",
            status_now=current,
            allowed_transitions=refused.allowed,
        ) from None
    except domain.ReasonMismatch as mismatch:
        path = "body.cancel_reason" if "cancel" in str(mismatch) else "body.reason_code"
        raise invalid_input(path, str(mismatch)) from None

    board_role = None if appraisal.board_role is None else BoardRole(appraisal.board_role)
    appraisee_signing = domain.is_appraisee_signature(current, move)
    try:
        disagreement = domain.disagreement_recorded(
            board_role=board_role,
            appraisee_signing=appraisee_signing,
            appraisee_agrees=transition.appraisee_agrees,
        )
    except domain.SignOffRefused as refused:
        raise _rule_problem(refused.rule, str(refused), "body.appraisee_agrees") from None

    now = datetime.now(UTC)
    if domain.is_signature(move):
        person = await people_service.get_person(session=session, person_id=appraisal.person_id)
        await _check_completion(session, settings, appraisal, person, now)
        if move is Move.COMPLETED:
            # The appraiser's credential is checked again at sign-off: it may have been revoked
            # or may have expired since the appraiser was assigned.
            appraisal.appraiser_credentialed = await _appraiser_credentialed(
                session, settings, appraisal.appraiser_id, "appraisal.appraiser_id"
            )
        if appraisee_signing:
            appraisal.appraisee_signed_at = now
            appraisal.appraisee_disagrees = disagreement
            view = transition.appraisee_view
            appraisal.appraisee_view_performance = (
                view.performance_outcome if view is not None else None
            )
            appraisal.appraisee_view_behaviour = (
                view.behaviour_outcome if view is not None else None
            )
        else:
            appraisal.appraiser_signed_at = now
        if target is AppraisalStatus.COMPLETED:
            if person is not None and person.band is not None:
                appraisal.band = person.band
            appraisal.completed_at = now
    elif move is Move.REOPENED or move is Move.MEETING:
        # Back to the meeting: both signatures (and a recorded disagreement) no longer stand,
        # because the content they signed may now change.
        _clear_signatures(appraisal)
        if move is Move.REOPENED:
            appraisal.reopened_at = now
            appraisal.reopen_reason = transition.reason_code
    elif move is Move.CANCELLED:
        appraisal.cancelled_at = now
        appraisal.cancel_reason = transition.cancel_reason

    session.add(
        StatusChange(
            id=uuid.uuid4(),
            appraisal_id=appraisal.id,
            from_status=current,
            to_status=target,
            action=move,
            reason_code=transition.reason_code or transition.cancel_reason,
            disagreement_recorded=disagreement,
            actor=principal.subject,
            changed_at=now,
        )
    )
    appraisal.status = target
    _touch(appraisal, now)
    await session.flush()

    if target is AppraisalStatus.COMPLETED:
        await uow.publish(_completed_event(appraisal))
    elif move is Move.REOPENED:
        assert transition.reason_code is not None  # check_transition guarantees it
        await uow.publish(
            AppraisalReopened(
                appraisal_id=appraisal.id,
                person_id=appraisal.person_id,
                org_code=appraisal.org_code,
                cycle_year=appraisal.cycle_year,
                kind=AppraisalKind(appraisal.kind),
                reason_code=transition.reason_code,
                reopened_at=now,
            )
        )
    return appraisal


def _clear_signatures(appraisal: Appraisal) -> None:
    appraisal.appraisee_signed_at = None
    appraisal.appraiser_signed_at = None
    appraisal.appraisee_disagrees = False
    appraisal.appraisee_view_performance = None
    appraisal.appraisee_view_behaviour = None


async def history(
    *,
    session: AsyncSession,
    principal: Principal,
    appraisal_id: uuid.UUID,
    page: PageParams,
) -> Sequence[StatusChange]:
    await get_appraisal(session=session, principal=principal, appraisal_id=appraisal_id)
    stmt = paginate(
        select(StatusChange).where(StatusChange.appraisal_id == appraisal_id),
        sort_column=StatusChange.changed_at,
        id_column=StatusChange.id,
        params=page,
    )
    return (await session.scalars(stmt)).all()


async def _feedback_categories(
    session: AsyncSession, settings: Settings, appraisal: Appraisal
) -> list[str]:
    # Imported here: feedback depends on appraisals, so a module-level import would be circular.
    from appraisal.feedback import service as feedback_service

    summary = await feedback_service.feedback_summary(
        session, appraisal.id, settings.feedback_minimum_responses
    )
    return list(summary.categories_reported)


async def _completion_facts(
    session: AsyncSession,
    settings: Settings,
    appraisal: Appraisal,
    person: Person | None,
    now: datetime,
) -> domain.CompletionFacts:
    kind = AppraisalKind(appraisal.kind)
    return domain.CompletionFacts(
        kind=kind,
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
            score.value_code: BehaviourFrequency(score.rating)
            for score in appraisal.behaviour_scores
        },
        aspirations_recorded=appraisal.aspirations is not None,
        wellbeing_conversation_held=appraisal.wellbeing_conversation_held,
        # Unknown to the directory yet: the EDI-objective rule for managers cannot be applied,
        # and blocking every completion on the talent feed would be worse.
        manages_people=person is not None and person.is_line_manager,
        board_role=None if appraisal.board_role is None else BoardRole(appraisal.board_role),
        on=now.date(),
        fppt_assessed_on=appraisal.fppt_assessed_on,
        feedback_categories_reported=await _feedback_categories(session, settings, appraisal)
        if kind is AppraisalKind.BOARD
        else (),
        unanswered_required_local_questions=domain_templates.unanswered_required(
            await template_service.local_questions_of(
                session=session,
                org_code=appraisal.org_code,
                template_version=appraisal.template_version,
            ),
            dict(appraisal.local_answers or {}),
        ),
    )


async def _check_completion(
    session: AsyncSession,
    settings: Settings,
    appraisal: Appraisal,
    person: Person | None,
    now: datetime,
) -> None:
    unmet = domain.unmet_completion_rules(
        await _completion_facts(session, settings, appraisal, person, now)
    )
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
    board_role = None if appraisal.board_role is None else BoardRole(appraisal.board_role)
    kind = AppraisalKind(appraisal.kind)
    return AppraisalCompleted(
        appraisal_id=appraisal.id,
        person_id=appraisal.person_id,
        org_code=appraisal.org_code,
        kind=kind,
        band=appraisal.band,
        board_role=board_role,
        band_or_role=board_role if board_role is not None else appraisal.band,
        cycle_year=appraisal.cycle_year,
        cycle_start=domain.cycle_start(appraisal.cycle_year),
        template_version=appraisal.template_version,
        performance_outcome=domain.PerformanceOutcome(appraisal.performance_outcome),
        behaviour_outcome=domain.BehaviourOutcome(appraisal.behaviour_outcome),
        behaviour_framework="lcf_2024" if kind is AppraisalKind.BOARD else "nhs_values",
        behaviour_scores=[
            BehaviourScorePayload(code=score.value_code, score=BehaviourFrequency(score.rating))
            for score in sorted(appraisal.behaviour_scores, key=lambda s: s.value_code)
        ],
        aspirations=CareerAspirationsPayload(
            impact=None if aspirations.impact is None else ImpactRating(aspirations.impact),
            growth_ambition=None
            if aspirations.growth_ambition is None
            else GrowthAmbition(aspirations.growth_ambition),
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
        appraisee_disagreement_recorded=appraisal.appraisee_disagrees,
        appraiser_id=appraisal.appraiser_id,
        completed_at=appraisal.completed_at,
    )
