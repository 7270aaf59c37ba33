"""Logs, request ids, Prometheus metrics and the health routes every service exposes.

- Logs are JSON lines (one object per record) carrying the request id and the service, so one
  request can be followed across log lines. Request and event bodies are never logged, and
  extra fields with body-like names are redacted.
- `RequestContextMiddleware` (pure ASGI: unlike ``BaseHTTPMiddleware`` it neither runs the app
  in another task, which would hide our contextvars from it, nor buffers responses) takes or
  makes ``X-Request-ID``, exposes it to logs, returns it, and times each request into
  ``http_request_duration_seconds``.
- Metric objects are created once, at import, in the default registry: several apps in one
  process (the embedded stack, the tests) share them and differ by the ``service`` label.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import FastAPI, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import PROBLEM_MEDIA_TYPE, ProblemError, problem_type
from shared.settings import ServiceSettings

REQUEST_ID_HEADER: Final = "X-Request-ID"
# What we accept from a caller as a request id; anything else (too long, spaces, control
# characters that could forge log lines) is replaced by one of ours.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
UNMATCHED_ROUTE: Final = "<unmatched>"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
service_var: ContextVar[str | None] = ContextVar("service", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


# ---------------------------------------------------------------------------------------------
# Metrics

HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template (not raw path, to bound cardinality)",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OUTBOX_BACKLOG = Gauge(
    "outbox_backlog", "Outbox rows not yet acknowledged by the broker", ["service"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row (0 when the outbox is empty)",
    ["service"],
)
CONSUMER_LAG = Gauge(
    "consumer_lag",
    "Messages between a consumer group's position and the partition's end",
    ["service", "group", "topic", "partition"],
)
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total",
    "Messages a consumer gave up on and sent to its dead-letter topic",
    ["service", "group", "reason"],
)
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events a consumer group applied (duplicates skipped by the inbox included)",
    ["service", "group", "type"],
)
EVENTS_PUBLISHED = Counter(
    "events_published_total", "Outbox rows the broker acknowledged", ["service"]
)


async def metrics_endpoint(request: Request) -> Response:
    """The Prometheus exposition of every metric of this process."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


# ---------------------------------------------------------------------------------------------
# Logging

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "service", "taskName"}
)
# Extra fields that would carry bodies, personal data or credentials are never written out.
_REDACTED_FIELDS: Final = frozenset(
    {
        "body",
        "request_body",
        "response_body",
        "payload",
        "data",
        "password",
        "secret",
        "token",
        "authorization",
        "cookie",
    }
)
_HANDLER_MARK: Final = "_leadership_handler"


class _ContextFilter(logging.Filter):
    """Stamps each record with the request id and service of the context it was logged in."""

    def __init__(self, default_service: str | None) -> None:
        super().__init__()
        self.default_service = default_service

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "service", None) is None:
            record.service = service_var.get() or self.default_service
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the request id, the service and the extra fields."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "service": getattr(record, "service", None) or service_var.get() or self.service,
        }
        for name, value in record.__dict__.items():
            if name in _RECORD_ATTRIBUTES or name.startswith("_"):
                continue
            entry[name] = "[redacted]" if name.lower() in _REDACTED_FIELDS else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: an odd extra (a UUID, a datetime, an object) must not lose the line.
        return json.dumps(entry, default=str, ensure_ascii=False)


_TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(service)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(settings: ServiceSettings) -> None:
    """Send every log record to stdout as JSON (or text when ``log_json`` is off).

    Safe to call once per app in one process: it replaces the handler it installed before and
    leaves other handlers (pytest's capture, for one) alone. It also sets the service of the
    calling context, so tasks started afterwards (relay, consumers) log under that service.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(_ContextFilter(settings.service_name))
    formatter: logging.Formatter = (
        JsonFormatter(settings.service_name)
        if settings.log_json
        else logging.Formatter(_TEXT_FORMAT)
    )
    handler.setFormatter(formatter)
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level.upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    # Uvicorn's loggers otherwise print their own plain-text lines beside ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    service_var.set(settings.service_name)


# ---------------------------------------------------------------------------------------------
# Request context middleware


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1").strip()
            return candidate if _REQUEST_ID.match(candidate) else None
    return None


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Request id in, request id out, and the request's duration into the histogram."""

    def __init__(self, app: ASGIApp, *, service_name: str) -> None:
        self.app = app
        self.service_name = service_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        # Also in the scope's state: the 500 handler runs outside this middleware, after the
        # contextvar below has been reset, and still needs the id.
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        header = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [h for h in message.get("headers", []) if h[0] != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        request_token = request_id_var.set(request_id)
        service_token = service_var.set(self.service_name)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_REQUEST_DURATION.labels(
                service=self.service_name,
                method=scope.get("method", "GET"),
                route=_route_template(scope),
                status=str(status),
            ).observe(time.perf_counter() - started)
            service_var.reset(service_token)
            request_id_var.reset(request_token)


# ---------------------------------------------------------------------------------------------
# Health routes

ReadinessCheck = Callable[[], Awaitable[bool]]
READINESS_TIMEOUT_SECONDS: Final = 2.0


async def _passes(check: ReadinessCheck, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            return bool(await check())
    except Exception:
        # A probe that raises or hangs is a failing probe, not a failing endpoint.
        logging.getLogger(__name__).warning("readiness check raised", exc_info=True)
        return False


def add_health_routes(
    app: FastAPI,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    timeout_seconds: float = READINESS_TIMEOUT_SECONDS,
) -> None:
    """``GET /healthz`` (liveness), ``GET /readyz`` (every check passes), ``GET /metrics``.

    None of them needs a token. /healthz never touches a dependency, so a database outage makes
    the pod unready (taken out of the load balancer) rather than restarted.
    """
    checks = dict(readiness_checks)

    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    async def readyz(request: Request) -> Response:
        names = list(checks)
        results = await asyncio.gather(*(_passes(checks[name], timeout_seconds) for name in names))
        passed = dict(zip(names, results, strict=True))
        outcome = {name: "ok" if ok else "failing" for name, ok in passed.items()}
        failing = [name for name, ok in passed.items() if not ok]
        if failing:
            return ProblemError(
                503,
                detail="Not ready: " + ", ".join(failing),
                type=problem_type("not-ready"),
                checks=outcome,
            ).to_response(request.url.path)
        return JSONResponse({"status": "ok", "checks": outcome})

    problem_503 = {
        "description": "A dependency is unreachable; `checks` names it",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["operations"])
    app.add_api_route(
        "/readyz", readyz, methods=["GET"], tags=["operations"], responses={503: problem_503}
    )
    app.add_api_route(
        "/metrics",
        metrics_endpoint,
        methods=["GET"],
        tags=["operations"],
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
