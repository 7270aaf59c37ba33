"""The profile's event entrypoint: which events it reads, from which topics, and with what.

Thin like a router: each handler passes the validated event to the profile service and, when
the profile changed, has succession re-judge that person's candidacies in the same transaction.
They run inside the inbox transaction the consumer runner opens, and never commit: the
projection, the readiness it implies and the events announcing it commit together or not at all.

The hot types also have a batch handler, which the runner uses for a run of consecutive events
of that type: the run is applied set-based and then the candidacies of everyone whose profile
changed are re-judged once, together. The stored result is the one the single handlers give
event by event. What may differ is only the announcements: when readiness moves and moves back
inside one run, the single handlers announce each step, the batch only the net change (none,
if it ended where it started); a consumer of ``readiness.changed`` sees the same final state.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.cloudevents import Envelope
from shared.events.consumer import Subscription
from shared.events.topics import service_topic
from talent.profiles import service as profile_service
from talent.profiles.domain import EventOutcome
from talent.profiles.events import (
    AppraisalCompleted,
    AppraisalReopened,
    ComplianceChanged,
    CredentialRevoked,
    EligibilityChanged,
    FitAndProperAssessed,
    NedAppointed,
    NedTermEnded,
    TrainingAccredited,
)
from talent.succession import service as succession_service

TOPICS = [service_topic("standards"), service_topic("appraisal"), service_topic("ned")]


async def _rejudge(session: AsyncSession, outcome: EventOutcome, person_id: str) -> None:
    if outcome is EventOutcome.APPLIED:
        # Cheap for the many who are nobody's candidate: one indexed check, then nothing.
        await succession_service.recompute_for_people(session, [person_id])


async def _rejudge_many(session: AsyncSession, person_ids: set[str]) -> None:
    await succession_service.recompute_for_people(session, person_ids)


RunRecorder = Callable[..., Awaitable[set[str]]]


def _batch(record_run: RunRecorder) -> Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]:
    async def apply_run(session: AsyncSession, items: Sequence[tuple[Envelope, Any]]) -> None:
        changed = await record_run(session=session, items=items)
        await _rejudge_many(session, changed)

    return apply_run


on_training_accredited_run = _batch(profile_service.record_accreditations)
on_credential_revoked_run = _batch(profile_service.record_revocations)
on_appraisal_completed_run = _batch(profile_service.record_appraisals_completed)
on_appraisal_reopened_run = _batch(profile_service.record_appraisals_reopened)
on_eligibility_changed_run = _batch(profile_service.record_eligibilities)


async def on_compliance_changed_run(
    session: AsyncSession, items: Sequence[tuple[Envelope, Any]]
) -> None:
    # Like on_compliance_changed: no readiness recompute.
    await profile_service.record_compliances(session=session, items=items)


async def on_training_accredited(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    outcome = await profile_service.record_accreditation(
        session=session, envelope=envelope, event=event
    )
    await _rejudge(session, outcome, event.person_id)


async def on_credential_revoked(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    outcome = await profile_service.record_revocation(
        session=session, envelope=envelope, event=event
    )
    await _rejudge(session, outcome, event.person_id)


async def on_appraisal_completed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    outcome = await profile_service.record_appraisal_completed(
        session=session, envelope=envelope, event=event
    )
    await _rejudge(session, outcome, event.person_id)


async def on_appraisal_reopened(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    outcome = await profile_service.record_appraisal_reopened(
        session=session, envelope=envelope, event=event
    )
    await _rejudge(session, outcome, event.person_id)


async def on_eligibility_changed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    outcome = await profile_service.record_eligibility(
        session=session, envelope=envelope, event=event
    )
    await _rejudge(session, outcome, event.person_id)


async def on_compliance_changed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    # Compliance is shown on the profile and used by pool rules, not by the readiness policy.
    await profile_service.record_compliance(session=session, envelope=envelope, event=event)


async def on_ned_appointed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await profile_service.record_appointment(session=session, envelope=envelope, event=event)


async def on_ned_term_ended(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await profile_service.record_term_end(session=session, envelope=envelope, event=event)


async def on_fppt_assessed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    outcome = await profile_service.record_fit_and_proper(
        session=session, envelope=envelope, event=event
    )
    await _rejudge(session, outcome, event.person_id)


SUBSCRIPTIONS: dict[str, Subscription] = {
    TrainingAccredited.event_type(): Subscription(
        TrainingAccredited, on_training_accredited, on_training_accredited_run
    ),
    CredentialRevoked.event_type(): Subscription(
        CredentialRevoked, on_credential_revoked, on_credential_revoked_run
    ),
    AppraisalCompleted.event_type(): Subscription(
        AppraisalCompleted, on_appraisal_completed, on_appraisal_completed_run
    ),
    AppraisalReopened.event_type(): Subscription(
        AppraisalReopened, on_appraisal_reopened, on_appraisal_reopened_run
    ),
    EligibilityChanged.event_type(): Subscription(
        EligibilityChanged, on_eligibility_changed, on_eligibility_changed_run
    ),
    ComplianceChanged.event_type(): Subscription(
        ComplianceChanged, on_compliance_changed, on_compliance_changed_run
    ),
    NedAppointed.event_type(): Subscription(NedAppointed, on_ned_appointed),
    NedTermEnded.event_type(): Subscription(NedTermEnded, on_ned_term_ended),
    FitAndProperAssessed.event_type(): Subscription(FitAndProperAssessed, on_fppt_assessed),
}
