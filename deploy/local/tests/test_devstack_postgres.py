"""EmbeddedPostgres: a real server in a temporary directory, crashed and restarted."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from devstack.postgres import EmbeddedPostgres


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    base = tmp_path_factory.mktemp("devstack-pg")
    server = EmbeddedPostgres(base / "pgdata", log_path=base / "postgres.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _count(url: str) -> int:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        value = await conn.fetchval("SELECT count(*) FROM notes")
        return int(value)
    finally:
        await conn.close()


def test_urls_point_at_the_tcp_port(pg: EmbeddedPostgres) -> None:
    assert pg.url("x") == f"postgresql+asyncpg://postgres@127.0.0.1:{pg.port}/x"
    assert pg.url("x", driver="postgresql") == f"postgresql://postgres@127.0.0.1:{pg.port}/x"
    assert pg.pid is not None
    assert pg.port not in (5432,)


async def test_create_database_and_connect(pg: EmbeddedPostgres) -> None:
    assert pg.create_database("devstack_one") is True
    assert pg.create_database("devstack_one") is False  # idempotent
    conn = await asyncpg.connect(pg.url("devstack_one", driver="postgresql"), timeout=10)
    try:
        assert await conn.fetchval("SELECT current_database()") == "devstack_one"
        await conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        await conn.execute("INSERT INTO notes (body) VALUES ('before the crash')")
    finally:
        await conn.close()


async def test_kill_and_restart_keeps_committed_data(pg: EmbeddedPostgres) -> None:
    url = pg.url("devstack_one", driver="postgresql")
    old_pid, port = pg.pid, pg.port
    assert old_pid is not None
    pg.kill()
    assert pg.pid is None
    # SIGKILL leaves postmaster.pid behind; start() must cope and replay the WAL.
    assert (pg.data_dir / "postmaster.pid").exists()
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(url, timeout=2)
    pg.start()
    assert pg.pid not in (None, old_pid)
    assert pg.port == port
    assert await _count(url) == 1


async def test_restart_after_the_whole_group_was_killed_externally(pg: EmbeddedPostgres) -> None:
    """Like `kill -9` of everything from a shell: the object did not do it itself."""
    url = pg.url("devstack_one", driver="postgresql")
    pid = pg.pid
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    process = pg.process
    assert process is not None
    process.wait(10)
    pg.start()
    assert await _count(url) == 1


async def test_pause_and_resume(pg: EmbeddedPostgres) -> None:
    url = pg.url("devstack_one", driver="postgresql")
    pg.pause()
    try:
        with pytest.raises((OSError, TimeoutError, asyncpg.PostgresError)):
            await asyncpg.connect(url, timeout=1)
    finally:
        pg.resume()
    assert await _count(url) == 1


def test_drop_database(pg: EmbeddedPostgres) -> None:
    pg.create_database("devstack_two")
    assert pg.database_exists("devstack_two")
    pg.drop_database("devstack_two")
    assert not pg.database_exists("devstack_two")
    pg.drop_database("devstack_two")  # dropping a missing database is fine


def test_names_are_quoted(pg: EmbeddedPostgres) -> None:
    odd = 'odd "name"; select 1'
    assert pg.create_database(odd)
    assert pg.database_exists(odd)
    pg.drop_database(odd)
    assert not pg.database_exists(odd)


async def test_stop_and_start_again_reuses_the_cluster(pg: EmbeddedPostgres) -> None:
    pg.stop()
    assert pg.pid is None
    assert not (pg.data_dir / "postmaster.pid").exists()
    pg.start()
    assert await _count(pg.url("devstack_one", driver="postgresql")) == 1


def test_a_second_object_on_the_same_directory_reuses_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "pgdata"
    first = EmbeddedPostgres(data_dir)
    first.start()
    try:
        first.create_database("kept")
    finally:
        first.stop()
    second = EmbeddedPostgres(data_dir)
    second.start()
    try:
        assert second.database_exists("kept")
    finally:
        second.stop()
