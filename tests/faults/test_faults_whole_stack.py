"""Kill -9 the whole embedded stack in the middle of a stream of events, start it again, and
check talent ends with exactly one effect per event: nothing lost, nothing doubled.

The stack runs as real processes (`python -m devstack up`), as a developer runs it. Every
completion carries an Idempotency-Key, so a request whose answer was lost in the crash can be
sent again safely: the platform either replays the stored answer or does the work once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from devstack import flows
from devstack.paths import find_repo_root
from devstack.ports import free_port, port_is_free

EVENTS = int(os.environ.get("FAULT_EVENTS", "2000"))
PEOPLE = 50
CONCURRENCY = 16
ORG = "RR8"
ACCREDITED = "leadership.training.accredited.v1"


def _free_ports() -> dict[str, int]:
    # Ports of our own, kept across the restart, so a developer's `make up` (or a second test
    # run on the same machine) is never mistaken for this stack.
    import random

    while True:
        base = random.randint(20_000, 40_000)
        if all(port_is_free(base + i) for i in range(4)):
            return {"services": base, "postgres": free_port(), "broker": free_port()}


PORTS = _free_ports()


def completion_time(n: int) -> datetime:
    # Distinct times: the same person, programme and time twice is refused as a duplicate.
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)


def _start_stack(base_dir: Path) -> tuple[subprocess.Popen[bytes], dict]:
    state_file = base_dir / "stack.json"
    # A killed stack leaves its last state behind; only a state written by this start counts.
    previous = json.loads(state_file.read_text()) if state_file.exists() else None
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack",
            "up",
            "--base-dir",
            str(base_dir),
            "--port-base",
            str(PORTS["services"]),
            "--postgres-port",
            str(PORTS["postgres"]),
            "--broker-port",
            str(PORTS["broker"]),
        ],
        cwd=find_repo_root(),
        stdout=open(base_dir / "up.out", "ab"),  # noqa: SIM115 - the child owns it
        stderr=subprocess.STDOUT,
    )
    for _ in range(1800):
        if process.poll() is not None:
            raise AssertionError((base_dir / "up.out").read_text()[-3000:])
        if state_file.exists():
            state = json.loads(state_file.read_text())
            if state.get("status") == "ready" and state != previous:
                return process, state
        time.sleep(0.1)
    raise AssertionError("stack did not become ready in 180 s")


def _kill_everything(process: subprocess.Popen[bytes], state: dict) -> None:
    """SIGKILL the devstack process and every process it started, all at once."""
    pids = [process.pid]
    pids += [s["pid"] for s in state["services"].values() if s.get("pid")]
    pids += [state["broker"]["pid"], state["postgres"]["pid"]]
    children = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            children += psutil.Process(pid).children(recursive=True)
    for pid in pids + [c.pid for c in children]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(10)


async def _applied_credentials(talent_db_url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(talent_db_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        applied = await conn.fetchval(
            "SELECT count(*) FROM profile_events WHERE event_type = $1 AND outcome = 'applied'",
            ACCREDITED,
        )
        credentials = await conn.fetchval(
            "SELECT count(DISTINCT credential_id) FROM profile_credentials"
        )
    finally:
        await conn.close()
    return int(applied), int(credentials)


async def _unpublished(standards_db_url: str) -> int:
    conn = await asyncpg.connect(standards_db_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    finally:
        await conn.close()


@pytest.mark.timeout(900)
async def test_killing_the_whole_stack_loses_and_doubles_nothing(tmp_path: Path) -> None:
    base_dir = tmp_path / "stack"
    base_dir.mkdir()
    process, state = await asyncio.to_thread(_start_stack, base_dir)
    headers = {"Authorization": f"Bearer {state['token']}"}
    people = [f"K{n:05d}" for n in range(PEOPLE)]
    keys = [str(uuid.uuid4()) for _ in range(EVENTS)]
    done: set[int] = set()
    try:
        urls = {name: s["url"] for name, s in state["services"].items()}
        async with httpx.AsyncClient(base_url=urls["talent"], timeout=30) as talent:
            await flows.import_people(talent, [flows.staff_row(p, ORG) for p in people], headers)
        async with httpx.AsyncClient(base_url=urls["standards"], timeout=30) as standards:
            provider_id = await flows.accredited_provider(standards, headers)

            async def send(n: int) -> None:
                await flows.record_completion(
                    standards,
                    people[n % PEOPLE],
                    provider_id,
                    headers,
                    org_code=ORG,
                    idempotency_key=keys[n],
                    completed_at=completion_time(n),
                )
                done.add(n)

            queue = list(range(EVENTS))
            crash_after = EVENTS * 2 // 5

            async def worker() -> None:
                while queue:
                    n = queue.pop(0)
                    try:
                        await send(n)
                    except (httpx.HTTPError, AssertionError):
                        return  # the stack is gone: this one is sent again after the restart
                    if len(done) >= crash_after and not crashed.is_set():
                        crashed.set()
                        _kill_everything(process, state)

            crashed = asyncio.Event()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            assert crashed.is_set()
            acknowledged_before_crash = len(done)
    finally:
        if process.poll() is None:
            _kill_everything(process, state)

    process, state = await asyncio.to_thread(_start_stack, base_dir)
    try:
        headers = {"Authorization": f"Bearer {state['token']}"}
        urls = {name: s["url"] for name, s in state["services"].items()}
        async with httpx.AsyncClient(base_url=urls["standards"], timeout=30) as standards:
            sem = asyncio.Semaphore(CONCURRENCY)

            async def resend(n: int) -> None:
                async with sem:
                    await flows.record_completion(
                        standards,
                        people[n % PEOPLE],
                        provider_id,
                        headers,
                        org_code=ORG,
                        idempotency_key=keys[n],
                        completed_at=completion_time(n),
                    )

            # Everything not acknowledged before the crash, including requests in flight then.
            await asyncio.gather(*(resend(n) for n in range(EVENTS) if n not in done))

        talent_db = state["services"]["talent"]["database_url"]
        standards_db = state["services"]["standards"]["database_url"]
        for _ in range(600):
            applied, credentials = await _applied_credentials(talent_db)
            if applied >= EVENTS and await _unpublished(standards_db) == 0:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # anything doubled would show up now
        applied, credentials = await _applied_credentials(talent_db)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 60)

    assert 0 < acknowledged_before_crash < EVENTS
    assert credentials == EVENTS
    assert applied == EVENTS
