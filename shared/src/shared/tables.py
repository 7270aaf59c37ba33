"""Tables every service database has besides its domain tables: outbox, inbox, idempotency keys.

They live in their own MetaData so each service's Alembic environment can include them next
to its domain metadata (``target_metadata=[Base.metadata, PLATFORM_METADATA]``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared.db import make_metadata

PLATFORM_METADATA = make_metadata()

# The durable log of every event a service emits. `seq` gives the total order the relay keeps;
# `partition`/`offset` record what the broker acknowledged, so a broker that lost data can be
# detected (an acknowledged offset going backwards) and refilled from the retained rows.
outbox = Table(
    "outbox",
    PLATFORM_METADATA,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("seq", BigInteger, Identity(always=True), nullable=False, unique=True),
    Column("topic", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("traceparent", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("partition", Integer, nullable=True),
    Column("offset", BigInteger, nullable=True),
    Index("ix_outbox_unpublished_seq", "seq", postgresql_where=text("published_at IS NULL")),
    Index("ix_outbox_published_at", "published_at"),
    Index("ix_outbox_partition_offset", "partition", "offset"),
)

# One row per event a consumer group has applied: inserted in the same transaction as the
# effect, so a redelivered event is recognised and skipped.
inbox = Table(
    "inbox",
    PLATFORM_METADATA,
    Column("consumer", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "source", "event_id"),
)

# The first response to a POST carrying an Idempotency-Key, stored in the same transaction as
# the resource it created, so a retry replays it instead of creating a second resource.
idempotency_keys = Table(
    "idempotency_keys",
    PLATFORM_METADATA,
    Column("principal", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", LargeBinary, nullable=False),
    Column("response_headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("principal", "key"),
    Index("ix_idempotency_keys_created_at", "created_at"),
)
