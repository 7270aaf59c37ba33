"""The standards migrations build exactly the tables the models describe, and the frameworks,
curriculum, accreditation and compliance revision undoes and redoes cleanly."""

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import standards.compliance.models
import standards.eligibility.models
import standards.frameworks.models
import standards.learning.models
import standards.people.models
import standards.programmes.models
import standards.providers.models  # noqa: F401  (registers the tables on the metadata)
from devstack.testing import migrate, migrations_dir
from shared.migrations import alembic_config
from standards.db import Base


async def _differences(url: str) -> list[Any]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            diffs = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    # The platform's outbox, inbox and idempotency tables are on the shared metadata, not ours.
    modelled = set(Base.metadata.tables)
    return [
        diff
        for diff in diffs
        if not (diff[0] == "remove_table" and diff[1].name not in modelled)
        and not (diff[0] == "remove_index" and diff[1].table.name not in modelled)
    ]


async def test_migrated_schema_matches_the_models(embedded_postgres: Any) -> None:
    name = "standards_schema_check"
    embedded_postgres.create_database(name)
    try:
        url = embedded_postgres.url(name)
        await asyncio.to_thread(migrate, "standards", url)
        assert await _differences(url) == []

        config = alembic_config(
            service_name="standards",
            migrations_dir=migrations_dir("standards"),
            database_url=url,
        )
        await asyncio.to_thread(command.downgrade, config, "20261122_0002")
        await asyncio.to_thread(migrate, "standards", url)
        assert await _differences(url) == []
    finally:
        embedded_postgres.drop_database(name)
