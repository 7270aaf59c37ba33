"""Rebuilding the talent projections from the topics.

The projections (profiles and everything in them) are derived data: the topics are the record.
A replay empties them and the inbox of the service's consumer group, moves the group's committed
offsets back to the beginning of every topic it reads, and lets the consumer apply the whole
history again through the same handlers. Succession readiness is recomputed along the way but
not announced while the rebuild runs; once the group has committed as far as it had before the
reset, the replay completes and announces only what differs from what was last announced
(nothing, when the rebuilt state equals the live one, which is the point).

The consumers find requests in ``replay_requests`` (they poll it), so a replay works the same
whether they run inside the API process or in separate worker processes, and with several
replicas: every replica stops its consumer, one of them resets, all of them start again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.http.pagination import PageParams, paginate
from shared.settings import ServiceSettings
from shared.tables import inbox
from talent.profiles.models import (
    ProfileAppraisal,
    ProfileBoardRole,
    ProfileCompliance,
    ProfileCredential,
    ProfileEligibility,
    ProfileEvent,
    ProfileFitAndProper,
    TalentProfile,
)
from talent.replay.models import ReplayRequest
from talent.succession import service as succession_service

log = logging.getLogger(__name__)

OPEN_STATUSES = ("requested", "resetting", "rebuilding")

# Every table built only from consumed events. Anything else (the people directory, plans,
# candidates, reviews, pools, conversations) is owned here and is never truncated.
PROJECTION_TABLES: list[Any] = [
    TalentProfile.__table__,
    ProfileCredential.__table__,
    ProfileAppraisal.__table__,
    ProfileEvent.__table__,
    ProfileEligibility.__table__,
    ProfileCompliance.__table__,
    ProfileBoardRole.__table__,
    ProfileFitAndProper.__table__,
]

# Projections other parts of the service keep from events (analytics), named rather than
# imported so this module does not depend on them; truncated when they exist.
OTHER_PROJECTION_TABLE_NAMES = ("analytics_training_completions", "analytics_board_compositions")


class ReplayAlreadyOpen(Exception):
    """A replay of this consumer group is already under way."""


async def request_replay(
    session: AsyncSession, *, group_id: str, requested_by: str
) -> ReplayRequest:
    open_one = await session.scalar(
        select(ReplayRequest.id).where(
            ReplayRequest.consumer_group == group_id, ReplayRequest.status.in_(OPEN_STATUSES)
        )
    )
    if open_one is not None:
        raise ReplayAlreadyOpen(str(open_one))
    replay = ReplayRequest(
        id=uuid.uuid4(),
        consumer_group=group_id,
        status="requested",
        requested_by=requested_by[:200],
        target_offsets={},
    )
    session.add(replay)
    await session.flush()
    return replay


async def get_replay(session: AsyncSession, replay_id: uuid.UUID) -> ReplayRequest | None:
    return await session.get(ReplayRequest, replay_id, populate_existing=True)


async def list_replays(session: AsyncSession, *, page: PageParams) -> Sequence[ReplayRequest]:
    stmt = paginate(
        select(ReplayRequest),
        sort_column=ReplayRequest.requested_at,
        id_column=ReplayRequest.id,
        params=page,
        descending=True,
    )
    return (await session.scalars(stmt)).all()


# The consumers' watch uses the table, never the mapped class: ORM statements configure every
# mapper of the process, and in a process that runs several services (the development stack)
# that may happen while another service is still importing its models.
_replays = cast(Table, ReplayRequest.__table__)


async def open_replay(db: Database, group_id: str) -> tuple[uuid.UUID, str] | None:
    async with db.session() as session:
        row = (
            await session.execute(
                select(_replays.c.id, _replays.c.status).where(
                    _replays.c.consumer_group == group_id, _replays.c.status.in_(OPEN_STATUSES)
                )
            )
        ).first()
    return (row.id, row.status) if row is not None else None


async def target_offsets(db: Database, replay_id: uuid.UUID) -> dict[str, Any]:
    async with db.session() as session:
        target = await session.scalar(
            select(_replays.c.target_offsets).where(_replays.c.id == replay_id)
        )
    return dict(target or {})


# ---- the broker side -------------------------------------------------------------------------


def _key(tp: TopicPartition) -> str:
    return f"{tp.topic}:{tp.partition}"


async def _partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    await consumer.topics()  # loads the cluster metadata
    found: list[TopicPartition] = []
    for topic in topics:
        for partition in sorted(consumer.partitions_for_topic(topic) or ()):
            found.append(TopicPartition(topic, partition))
    return found


def _offsets_consumer(settings: ServiceSettings, group_id: str) -> AIOKafkaConsumer:
    # Never subscribes, so it never joins the group: it only reads and commits its offsets.
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        client_id=f"{settings.service_name}-replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )


async def committed_offsets(
    settings: ServiceSettings, group_id: str, topics: Sequence[str]
) -> dict[str, int]:
    consumer = _offsets_consumer(settings, group_id)
    await consumer.start()
    try:
        result: dict[str, int] = {}
        for tp in await _partitions(consumer, topics):
            offset = await consumer.committed(tp)
            if offset is not None and offset >= 0:
                result[_key(tp)] = offset
        return result
    finally:
        await consumer.stop()


async def rewind_group(
    settings: ServiceSettings, group_id: str, topics: Sequence[str], *, timeout: float = 60.0
) -> dict[str, int]:
    """Commit the beginning of every partition for ``group_id``; return what was committed
    before (the offsets the live projection had reached).

    The rewind joins the group: a commit from outside it is refused while the broker still
    counts members (the embedded broker keeps listing members that left), whereas a member
    may always commit for its own partitions. The other replicas have stopped their
    consumers, so it is soon assigned every partition; until it is, it waits.
    """
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        client_id=f"{settings.service_name}-replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
    )
    await consumer.start()
    try:
        wanted = set(await _partitions(consumer, topics))
        deadline = asyncio.get_running_loop().time() + timeout
        while set(consumer.assignment()) != wanted:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(
                    "another consumer of the group still holds partitions; stop it and retry"
                )
            # Polling keeps the membership alive; records fetched meanwhile are ignored.
            await consumer.getmany(timeout_ms=200, max_records=1)
        partitions = sorted(wanted, key=_key)
        previous: dict[str, int] = {}
        for tp in partitions:
            offset = await consumer.committed(tp)
            if offset is not None and offset >= 0:
                previous[_key(tp)] = offset
        if partitions:
            await consumer.seek_to_beginning(*partitions)
            await consumer.commit({tp: await consumer.position(tp) for tp in partitions})
        return previous
    finally:
        await consumer.stop()


# ---- the database side -----------------------------------------------------------------------


async def claim(db: Database, replay_id: uuid.UUID) -> bool:
    async with db.session() as session, session.begin():
        claimed = await session.scalar(
            update(_replays)
            .where(_replays.c.id == replay_id, _replays.c.status == "requested")
            .values(status="resetting")
            .returning(_replays.c.id)
        )
    return claimed is not None


async def empty_projections(
    db: Database, *, replay_id: uuid.UUID, group_id: str, target_offsets: dict[str, int]
) -> None:
    """In one transaction: truncate the projections, forget what the inbox saw, judge every
    candidate on the (now empty) evidence without announcing it, and mark the replay as
    rebuilding towards ``target_offsets``."""
    async with db.session() as session, session.begin():
        names = [table.name for table in PROJECTION_TABLES]
        for name in OTHER_PROJECTION_TABLE_NAMES:
            if await session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": name}):
                names.append(name)
        await session.execute(text(f"TRUNCATE {', '.join(names)}"))
        await session.execute(delete(inbox).where(inbox.c.consumer == group_id))
        await succession_service.recompute(
            session,
            where=succession_service._candidates.c.id.is_not(None),
            announce=False,
        )
        await session.execute(
            update(_replays)
            .where(_replays.c.id == replay_id)
            .values(status="rebuilding", target_offsets=target_offsets, reset_at=datetime.now(UTC))
        )


async def fail(db: Database, replay_id: uuid.UUID, detail: str) -> None:
    async with db.session() as session, session.begin():
        await session.execute(
            update(_replays)
            .where(_replays.c.id == replay_id, _replays.c.status.in_(OPEN_STATUSES))
            .values(status="failed", detail=detail[:500], completed_at=datetime.now(UTC))
        )


def caught_up(target: dict[str, Any], committed: dict[str, int]) -> bool:
    """Has the group committed at least as far as it had when it was rewound?"""
    return all(committed.get(key, -1) >= int(offset) for key, offset in target.items())


async def complete(db: Database, replay_id: uuid.UUID) -> int:
    """Mark the replay completed and announce the net differences; returns how many events."""
    async with db.session() as session, session.begin():
        finished = await session.scalar(
            update(_replays)
            .where(_replays.c.id == replay_id, _replays.c.status == "rebuilding")
            .values(status="completed", completed_at=datetime.now(UTC))
            .returning(_replays.c.id)
        )
        if finished is None:
            return 0
        report = await succession_service.announce_differences(session, now=datetime.now(UTC))
    log.info("projections rebuilt", extra={"replay": str(replay_id), "events": len(report.events)})
    return len(report.events)
