"""The talent service: the people directory and, built from every other service's events,
talent profiles, pools, 9-box, succession and the regional talent function."""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

from shared.app import ServiceDefinition, create_service_app
from shared.db import Database
from shared.events.consumer import EventConsumer, Subscription
from shared.settings import ServiceSettings
from talent.analytics import consumers as analytics_consumers
from talent.analytics.router import router as analytics_router
from talent.conversations.router import router as conversations_router
from talent.edi.router import router as edi_router
from talent.indicators.router import router as indicators_router
from talent.organisations.router import router as organisations_router
from talent.people.router import router as people_router
from talent.placements.router import router as placements_router
from talent.pools.router import router as pools_router
from talent.profiles import consumers as profile_consumers
from talent.profiles.router import router as profiles_router
from talent.replay.router import router as replay_router
from talent.replay.worker import ReplayableConsumer
from talent.reviews.router import router as reviews_router
from talent.settings import Settings
from talent.succession.router import router as succession_router


def build_consumers(db: Database, settings: ServiceSettings) -> Sequence[Any]:
    # One consumer (one group) for the whole service: several consumers sharing a group but
    # subscribing to different topics would keep rebalancing each other.
    topics = sorted({*analytics_consumers.TOPICS, *profile_consumers.TOPICS})
    subscriptions: dict[str, Subscription] = {
        **analytics_consumers.SUBSCRIPTIONS,
        **profile_consumers.SUBSCRIPTIONS,
    }

    def make_consumer() -> EventConsumer:
        return EventConsumer(
            db=db,
            settings=settings,
            group_id=settings.group_id,
            topics=topics,
            subscriptions=subscriptions,
        )

    # Wrapped so that a replay request (talent.replay) can stop it, rewind it and restart it.
    return [
        ReplayableConsumer(db=db, settings=settings, topics=topics, make_consumer=make_consumer)
    ]


DEFINITION = ServiceDefinition(
    name="talent",
    title="Talent service",
    description=(
        "The people directory fed by HR (ESR) extracts, and each person's talent profile "
        "built from credentials and appraisal outcomes: the ground for talent pools, 9-box "
        "moderation, succession plans and the regional talent function."
    ),
    routers=[
        people_router,
        profiles_router,
        succession_router,
        replay_router,
        conversations_router,
        pools_router,
        reviews_router,
        organisations_router,
        placements_router,
        analytics_router,
        edi_router,
        indicators_router,
    ],
    consumers=build_consumers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
