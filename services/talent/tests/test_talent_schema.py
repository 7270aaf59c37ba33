"""The talent migrations build exactly the tables the models describe, and undo cleanly."""

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import talent.analytics.models
import talent.conversations.models
import talent.edi.models
import talent.indicators.models
import talent.organisations.models
import talent.people.models
import talent.placements.models
import talent.pools.models
import talent.profiles.models
import talent.replay.models
import talent.reviews.models
import talent.succession.models  # noqa: F401  (registers the tables on the metadata)
from devstack.testing import migrate
from talent.db import Base


async def _differences(url: str) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            diffs = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    # Tables without a model imported here (the platform's outbox, inbox and idempotency keys,
    # on the shared metadata) are not this check's business: it checks every model's table.
    modelled = set(Base.metadata.tables)
    return [
        diff
        for diff in diffs
        if not (diff[0] == "remove_table" and diff[1].name not in modelled)
        and not (diff[0] == "remove_index" and diff[1].table.name not in modelled)
    ]


async def test_migrated_schema_matches_the_models(embedded_postgres: Any) -> None:
    name = "talent_schema_check"
    embedded_postgres.create_database(name)
    try:
        url = embedded_postgres.url(name)
        await asyncio.to_thread(migrate, "talent", url)
        assert await _differences(url) == []
    finally:
        embedded_postgres.drop_database(name)
