"""The service's event consumer and scheduled jobs, started by the worker.

One consumer group for every topic the service reads (several consumers sharing a group but
subscribing to different topics would keep rebalancing each other), and the periodic jobs
running beside it, started and stopped with it.
"""

from collections.abc import Sequence
from typing import Any

from ned.appointments import service as appointment_service
from ned.board_appraisals import consumers as board_appraisal_consumers
from ned.diversity import service as diversity_service
from ned.jobs import PeriodicJob, WorkerLoops
from ned.references import service as reference_service
from shared.db import Database
from shared.events.consumer import EventConsumer, Subscription
from shared.settings import ServiceSettings

TOPICS: list[str] = sorted({*board_appraisal_consumers.TOPICS})
SUBSCRIPTIONS: dict[str, Subscription] = {**board_appraisal_consumers.SUBSCRIPTIONS}

# Board references are purged on the person's 75th birthday: a daily check is soon enough.
REFERENCE_RETENTION_INTERVAL_SECONDS = 24 * 3600
# Each tick publishes only the boards not published in the last quarter.
COMPOSITION_PUBLICATION_INTERVAL_SECONDS = 3600
# Terms end on a day: an hourly check ends an expired term within an hour of its last day.
TERM_EXPIRY_INTERVAL_SECONDS = 3600


def build_consumers(db: Database, settings: ServiceSettings) -> Sequence[Any]:
    consumer = EventConsumer(
        db=db,
        settings=settings,
        group_id=settings.group_id,
        topics=TOPICS,
        subscriptions=SUBSCRIPTIONS,
    )
    jobs = [
        PeriodicJob(
            db=db,
            settings=settings,
            name="board-reference-retention",
            step=reference_service.retention_step,
            interval_seconds=REFERENCE_RETENTION_INTERVAL_SECONDS,
        ),
        PeriodicJob(
            db=db,
            settings=settings,
            name="board-composition-publication",
            step=diversity_service.scheduled_step,
            interval_seconds=COMPOSITION_PUBLICATION_INTERVAL_SECONDS,
        ),
        PeriodicJob(
            db=db,
            settings=settings,
            name="term-expiry",
            step=appointment_service.term_expiry_step,
            interval_seconds=TERM_EXPIRY_INTERVAL_SECONDS,
        ),
    ]
    return [WorkerLoops(consumer, jobs)]
