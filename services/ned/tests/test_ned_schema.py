"""The migration of the boards, pool, appointment and vacancy tables creates what the models say.

Alembic's comparison of a migrated database against the models finds any column, index,
constraint or type that one has and the other lacks.
"""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import ned.appointments.models
import ned.boards.models
import ned.candidates.models
import ned.vacancies.models  # noqa: F401  (registers the tables)
from devstack.testing import migrate
from ned.db import Base

TABLES = {
    "seats",
    "ned_candidates",
    "ned_candidate_protected_characteristics",
    "restricted_access_audit",
    "tenure_extensions",
    "appointments",
    "vacancies",
    "applications",
    "campaign_steps",
}


def _table_of(diff: object) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:] if isinstance(item, tuple) else ():
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if isinstance(part, str) and part in TABLES:
            return part
        if name in TABLES:
            return str(name)
    return None


async def test_migration_matches_the_models(pg_database_url: str) -> None:
    await asyncio.to_thread(migrate, "ned", pg_database_url)
    engine = create_async_engine(pg_database_url)

    def compare(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as connection:
            diffs = await connection.run_sync(compare)
    finally:
        await engine.dispose()
    ours = [diff for diff in diffs if _table_of(diff) in TABLES]
    assert ours == []
