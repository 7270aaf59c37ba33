"""The board appraisal projection's event entrypoint: thin, like a router. Handlers run in the
consumer's inbox transaction and never commit."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ned.board_appraisals import service as board_appraisal_service
from ned.board_appraisals.events import AppraisalCompleted, AppraisalReopened
from shared.events.cloudevents import Envelope
from shared.events.consumer import Subscription
from shared.events.topics import service_topic

TOPICS = [service_topic("appraisal")]


async def on_appraisal_completed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await board_appraisal_service.record_completed(session=session, envelope=envelope, event=event)


async def on_appraisal_reopened(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    await board_appraisal_service.record_reopened(session=session, envelope=envelope, event=event)


SUBSCRIPTIONS: dict[str, Subscription] = {
    AppraisalCompleted.event_type(): Subscription(AppraisalCompleted, on_appraisal_completed),
    AppraisalReopened.event_type(): Subscription(AppraisalReopened, on_appraisal_reopened),
}
