"""The worker role: a service's outbox relay and event consumers, without its HTTP API.

In production the API and the event work scale differently (API replicas by request load,
consumers by partitions, one active relay per service), so they run as separate processes from
the same image: ``python -m <service> serve`` with ``RUN_WORKERS=false`` and
``python -m <service> worker``.

The worker is the service's own app with no routers and ``run_workers`` forced on. Serving that
app with uvicorn on a small port gives the worker, for free, the same lifespan that starts and
stops the relay and the consumers, SIGTERM handling (uvicorn stops, the lifespan sets the stop
event and waits for the loops to commit and finish), and the same ``/healthz``, ``/readyz`` and
``/metrics`` as the API, so the same probes and scrape configuration apply. ``/workers`` says
whether this replica holds the relay lock and whether its consumers are polling.
"""

from __future__ import annotations

import dataclasses
import importlib

from fastapi import FastAPI, Request

from shared.app import ServiceDefinition, create_service_app
from shared.settings import ServiceSettings

DEFAULT_WORKER_PORT = 8001


def load_definition(path: str) -> ServiceDefinition:
    """The `ServiceDefinition` at ``module:attribute`` (e.g. ``talent.main:DEFINITION``)."""
    module_name, _, attribute = path.partition(":")
    definition = getattr(importlib.import_module(module_name), attribute or "DEFINITION")
    if not isinstance(definition, ServiceDefinition):
        raise TypeError(f"{path} is not a ServiceDefinition")
    return definition


def create_worker_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    worker_definition = dataclasses.replace(
        definition,
        title=f"{definition.title} (worker)",
        description=f"Outbox relay and event consumers of the {definition.name} service.",
        routers=(),
    )
    # A worker that did not run the workers would be an idle process reporting itself ready.
    worker_settings = settings.model_copy(update={"run_workers": True})
    app = create_service_app(worker_definition, worker_settings)

    async def workers(request: Request) -> dict[str, object]:
        relay = getattr(request.app.state, "relay", None)
        consumers = getattr(request.app.state, "consumers", [])
        return {
            # Only one replica per service relays (advisory lock); the others stand by.
            "relay": "active" if relay is not None and relay.is_leader else "standby",
            "consumers": {c.group_id: "polling" if c.running else "starting" for c in consumers},
        }

    app.add_api_route("/workers", workers, methods=["GET"], tags=["operations"])
    return app


def serve_worker(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_WORKER_PORT,
) -> None:
    import uvicorn

    uvicorn.run(
        create_worker_app(definition, settings),
        host=host,
        port=port,
        log_config=None,
        # Probe connections are short; a stuck one must not eat the time the lifespan needs
        # afterwards to stop the relay and the consumers (WORKER_STOP_TIMEOUT_SECONDS).
        timeout_graceful_shutdown=5,
    )
