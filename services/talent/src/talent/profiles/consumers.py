"""The profile's event entrypoint: which events it reads, from which topics, and with what.

Thin like a router: each handler passes the validated event to the service. They run inside the
inbox transaction the consumer runner opens, and never commit.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.cloudevents import Envelope
from shared.events.consumer import Subscription
from shared.events.topics import service_topic
from talent.profiles import service as profile_service
from talent.profiles.events import (
    AppraisalCompleted,
    AppraisalReopened,
    CredentialRevoked,
    TrainingAccredited,
)

TOPICS = [service_topic("standards"), service_topic("appraisal")]


async def on_training_accredited(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await profile_service.record_accreditation(session=session, envelope=envelope, event=event)


async def on_credential_revoked(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await profile_service.record_revocation(session=session, envelope=envelope, event=event)


async def on_appraisal_completed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await profile_service.record_appraisal_completed(
        session=session, envelope=envelope, event=event
    )


async def on_appraisal_reopened(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await profile_service.record_appraisal_reopened(session=session, envelope=envelope, event=event)


SUBSCRIPTIONS: dict[str, Subscription] = {
    TrainingAccredited.event_type(): Subscription(TrainingAccredited, on_training_accredited),
    CredentialRevoked.event_type(): Subscription(CredentialRevoked, on_credential_revoked),
    AppraisalCompleted.event_type(): Subscription(AppraisalCompleted, on_appraisal_completed),
    AppraisalReopened.event_type(): Subscription(AppraisalReopened, on_appraisal_reopened),
}
