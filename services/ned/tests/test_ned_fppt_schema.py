"""The migration of the FPPT, board reference, board appraisal and diversity tables creates
exactly what the models say, and can be undone and done again."""

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

import ned.appointments.models
import ned.board_appraisals.models
import ned.boards.models
import ned.candidates.models
import ned.diversity.models
import ned.fppt.models
import ned.references.models
import ned.vacancies.models  # noqa: F401  (registers the tables)
from devstack.testing import migrate, migrations_dir
from ned.db import Base
from shared.migrations import alembic_config

OURS = {
    "fppt_policies",
    "fppt_assessments",
    "fppt_checks",
    "fppt_submissions",
    "board_references",
    "board_reference_releases",
    "board_appraisals",
    "diversity_baselines",
    "board_composition_publications",
}


def _tables_named(diff: Any) -> set[str]:
    items = diff if isinstance(diff, list) else [diff]
    names = set()
    for item in items:
        for part in item[1:] if isinstance(item, tuple) else ():
            table = getattr(part, "table", None)
            name = getattr(table, "name", None) or getattr(part, "name", None)
            if isinstance(part, str):
                names.add(part)
            if isinstance(name, str):
                names.add(name)
    return names


async def _diffs_and_tables(url: str) -> tuple[list[Any], set[str]]:
    engine = create_async_engine(url)

    def run(connection: Any) -> tuple[list[Any], set[str]]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata)), set(
            inspect(connection).get_table_names()
        )

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(run)
    finally:
        await engine.dispose()


async def test_the_migration_matches_the_models_and_downgrades(pg_database_url: str) -> None:
    await asyncio.to_thread(migrate, "ned", pg_database_url)
    diffs, tables = await _diffs_and_tables(pg_database_url)
    assert tables >= OURS
    assert [d for d in diffs if _tables_named(d) & OURS] == []

    config = alembic_config(
        service_name="ned", migrations_dir=migrations_dir("ned"), database_url=pg_database_url
    )
    await asyncio.to_thread(command.downgrade, config, "20261122_0002")
    _, after_downgrade = await _diffs_and_tables(pg_database_url)
    assert not (OURS & after_downgrade)
    assert "appointments" in after_downgrade  # the revision below is untouched
    await asyncio.to_thread(migrate, "ned", pg_database_url)
    _, again = await _diffs_and_tables(pg_database_url)
    assert again >= OURS
