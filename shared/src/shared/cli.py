"""The command line every service shares:
``python -m <service> migrate|serve|worker|republish-outbox``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from shared.db import Database
from shared.events.outbox import republish_since
from shared.migrations import upgrade_to_head
from shared.settings import ServiceSettings


def run(
    *,
    service_name: str,
    settings_factory: Callable[[], ServiceSettings],
    app_path: str,
    migrations_dir: Path,
    argv: list[str] | None = None,
    definition_path: str | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {service_name}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations up to head")
    serve = sub.add_parser("serve", help="run the API (and, with RUN_WORKERS, relay and consumers)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    worker = sub.add_parser(
        "worker", help="run the outbox relay and the consumers without the API (health on --port)"
    )
    worker.add_argument("--host", default="127.0.0.1")
    worker.add_argument("--port", type=int, default=8001)
    replay = sub.add_parser(
        "republish-outbox", help="publish again every retained event created since a time"
    )
    replay.add_argument("--since", required=True, type=datetime.fromisoformat)
    args = parser.parse_args(argv)

    settings = settings_factory()
    if args.command == "migrate":
        upgrade_to_head(
            service_name=service_name,
            migrations_dir=migrations_dir,
            database_url=settings.database_url,
        )
    elif args.command == "serve":
        import uvicorn

        uvicorn.run(
            app_path,
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=None,
            proxy_headers=True,
            timeout_graceful_shutdown=10,
        )
    elif args.command == "worker":
        from shared.worker import load_definition, serve_worker

        # The definition sits beside the app factory (``<service>.main:DEFINITION``) unless the
        # caller names another one.
        module = app_path.partition(":")[0]
        definition = load_definition(definition_path or f"{module}:DEFINITION")
        serve_worker(definition, settings, host=args.host, port=args.port)
    elif args.command == "republish-outbox":
        count = asyncio.run(_republish(settings, args.since))
        print(f"{count} events marked for publication again")


async def _republish(settings: ServiceSettings, since: datetime) -> int:
    db = Database(settings.database_url)
    try:
        async with db.session() as session, session.begin():
            return await republish_since(session, since=since, service_name=settings.service_name)
    finally:
        await db.dispose()
