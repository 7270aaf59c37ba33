"""``python -m talent replay``: request a rebuild of the projections and follow it.

The running consumers (API with RUN_WORKERS, or the worker role) carry it out; this command
only asks and waits, so it is safe to run from anywhere that reaches the database.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from shared.db import Database
from talent.replay import service as replay_service
from talent.settings import Settings


async def _replay(timeout: float) -> int:
    settings = Settings()
    db = Database(settings.database_url)
    try:
        async with db.session() as session, session.begin():
            try:
                replay = await replay_service.request_replay(
                    session, group_id=settings.group_id, requested_by="cli"
                )
            except replay_service.ReplayAlreadyOpen as exc:
                print(f"replay {exc} is already under way", file=sys.stderr)
                return 1
            replay_id = replay.id
        print(f"replay {replay_id} requested for consumer group {settings.group_id}")
        deadline = asyncio.get_running_loop().time() + timeout
        last = ""
        while asyncio.get_running_loop().time() < deadline:
            async with db.session() as session:
                current = await replay_service.get_replay(session, replay_id)
            status = current.status if current is not None else "missing"
            if status != last:
                print(f"replay {replay_id}: {status}")
                last = status
            if status == "completed":
                return 0
            if status in ("failed", "missing"):
                print(current.detail if current is not None else "", file=sys.stderr)
                return 1
            await asyncio.sleep(0.5)
        print("timed out: are the talent consumers running?", file=sys.stderr)
        return 2
    finally:
        await db.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m talent replay")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait")
    args = parser.parse_args(argv)
    return asyncio.run(_replay(args.timeout))
