"""The oversight analytics' event entrypoint: thin handlers inside the inbox transaction."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.cloudevents import Envelope
from shared.events.consumer import Subscription
from shared.events.topics import service_topic
from talent.analytics.events import BoardCompositionPublished, TrainingCompleted
from talent.analytics.models import BoardComposition, TrainingCompletionFact

TOPICS = [service_topic("standards"), service_topic("ned")]


async def on_training_completed(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    # A record is completed once; a redelivery (or replay) of the same record changes nothing.
    await session.execute(
        pg_insert(TrainingCompletionFact)
        .values(
            record_id=event.record_id,
            person_id=event.person_id,
            org_code=event.org_code,
            programme_code=event.programme_code,
            category=event.category,
            completed_at=event.completed_at,
        )
        .on_conflict_do_nothing(index_elements=[TrainingCompletionFact.record_id])
    )


async def on_board_composition(session: AsyncSession, envelope: Envelope, event: Any) -> None:
    # Keep the latest composition per organisation; an older one arriving late is ignored.
    values = {
        "org_code": event.org_code,
        "publication_id": event.publication_id,
        "as_of": event.as_of,
        "groups": [group.model_dump() for group in event.groups],
        "voting_total": event.voting_total,
        "executive_total": event.executive_total,
    }
    statement = pg_insert(BoardComposition).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[BoardComposition.org_code],
            set_={key: statement.excluded[key] for key in values if key != "org_code"},
            where=BoardComposition.as_of <= statement.excluded.as_of,
        )
    )


SUBSCRIPTIONS: dict[str, Subscription] = {
    TrainingCompleted.event_type(): Subscription(TrainingCompleted, on_training_completed),
    BoardCompositionPublished.event_type(): Subscription(
        BoardCompositionPublished, on_board_composition
    ),
}
