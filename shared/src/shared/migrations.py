"""Alembic helpers: one database and one version table per service.

A service's ``migrations/env.py`` is two lines::

    from shared.migrations import run_env
    run_env(service_name="appraisal", target_metadata=Base.metadata)

and ``python -m appraisal migrate`` calls `upgrade_to_head`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.tables import PLATFORM_METADATA


def version_table(service_name: str) -> str:
    return f"alembic_version_{service_name}"


def alembic_config(*, service_name: str, migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service_name"] = service_name
    return config


def upgrade_to_head(*, service_name: str, migrations_dir: Path, database_url: str) -> None:
    command.upgrade(
        alembic_config(
            service_name=service_name, migrations_dir=migrations_dir, database_url=database_url
        ),
        "head",
    )


def run_env(*, service_name: str, target_metadata: MetaData) -> None:
    """Body of a service's env.py: migrate its domain tables and the platform tables."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not set")
    metadatas = [target_metadata, PLATFORM_METADATA]
    table = version_table(service_name)

    if context.is_offline_mode():
        context.configure(
            url=url,
            target_metadata=metadatas,
            version_table=table,
            literal_binds=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadatas,
            version_table=table,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    asyncio.run(run_async())
