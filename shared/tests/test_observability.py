"""Request ids, JSON logs, metrics by route template, and the health routes."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from shared.http.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from shared.observability import (
    HTTP_REQUEST_DURATION,
    JsonFormatter,
    RequestContextMiddleware,
    add_health_routes,
    configure_logging,
    current_request_id,
    request_id_var,
    service_var,
)
from shared.settings import Environment, ServiceSettings

log = logging.getLogger("tests.observability")


def build_app(service: str = "obs", checks: dict[str, bool | str] | None = None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service_name=service)

    @app.get("/v1/items/{item_id}")
    async def item(item_id: int) -> dict[str, object]:
        log.info("reading item", extra={"item_id": item_id, "body": "secret person data"})
        return {"id": item_id, "request_id": current_request_id()}

    @app.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    def check(outcome: bool | str) -> Callable[[], Awaitable[bool]]:
        async def run() -> bool:
            if outcome == "raise":
                raise ConnectionError("database down")
            if outcome == "hang":
                await asyncio.sleep(60)
            return bool(outcome)

        return run

    add_health_routes(
        app,
        {name: check(outcome) for name, outcome in (checks or {"database": True}).items()},
        timeout_seconds=0.2,
    )
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Records of the test logger, formatted by the JsonFormatter (with the context filter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(service="fallback"))
    logger = logging.getLogger("tests.observability")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


async def test_request_id_is_generated_and_returned(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/items/1")
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    assert response.json()["request_id"] == request_id
    other = await client.get("/v1/items/1")
    assert other.headers["x-request-id"] != request_id
    assert request_id_var.get() is None  # nothing leaks out of the request


async def test_incoming_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/items/1", headers={"X-Request-ID": "abc-123.def"})
    assert response.headers["x-request-id"] == "abc-123.def"
    assert response.json()["request_id"] == "abc-123.def"
    # Headers that could forge log lines are replaced, not echoed.
    forged = await client.get("/v1/items/1", headers={"X-Request-ID": "a b\tc" + "x" * 200})
    assert forged.headers["x-request-id"] != "a b\tc" + "x" * 200
    assert len(forged.headers["x-request-id"]) == 32


async def test_request_id_is_on_errors_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nowhere", headers={"X-Request-ID": "r-404"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "r-404"
    response = await client.get("/v1/boom", headers={"X-Request-ID": "r-500"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "r-500"
    assert response.json()["request_id"] == "r-500"


async def test_logs_are_json_with_request_id_and_no_body(
    client: httpx.AsyncClient, json_lines: io.StringIO
) -> None:
    await client.get("/v1/items/7", headers={"X-Request-ID": "log-me"})
    [entry] = records(json_lines)
    assert entry["message"] == "reading item"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "tests.observability"
    assert entry["request_id"] == "log-me"
    assert entry["service"] == "obs"
    assert entry["item_id"] == 7
    assert entry["body"] == "[redacted]"
    assert "secret person data" not in json_lines.getvalue()
    assert str(entry["timestamp"]).endswith("+00:00")


def test_formatter_outside_requests_and_with_exceptions(json_lines: io.StringIO) -> None:
    try:
        raise ValueError("bad thing")
    except ValueError:
        log.exception("failed", extra={"odd": object()})
    [entry] = records(json_lines)
    assert entry["request_id"] is None
    assert entry["service"] == "fallback"
    assert "ValueError: bad thing" in str(entry["exception"])
    assert str(entry["odd"]).startswith("<object object")


def test_configure_logging_is_repeatable(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    # configure_logging sets the service of the calling context; undo that for later tests.
    token = service_var.set(None)
    try:
        for name in ("standards", "appraisal"):
            configure_logging(
                ServiceSettings(service_name=name, environment=Environment.TEST, log_level="INFO")
            )
        ours = [h for h in root.handlers if h not in before]
        assert len(ours) == 1  # replaced, not stacked
        logging.getLogger("tests.configured").warning("hello", extra={"n": 1})
        line = capsys.readouterr().out.strip().splitlines()[-1]
        entry = json.loads(line)
        assert entry["message"] == "hello"
        assert entry["service"] == "appraisal"
        assert entry["n"] == 1
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
        root.setLevel(level)
        service_var.reset(token)


def sample(route: str, status: str, service: str = "obs") -> float:
    value = REGISTRY.get_sample_value(
        "http_request_duration_seconds_count",
        {"service": service, "method": "GET", "route": route, "status": status},
    )
    return value or 0.0


async def test_metrics_use_the_route_template(client: httpx.AsyncClient) -> None:
    before = sample("/v1/items/{item_id}", "200")
    unmatched = sample("<unmatched>", "404")
    for item_id in (1, 2, 3):
        await client.get(f"/v1/items/{item_id}")
    await client.get("/v1/random/path/1")
    await client.get("/v1/random/path/2")
    assert sample("/v1/items/{item_id}", "200") == before + 3
    assert sample("<unmatched>", "404") == unmatched + 2
    assert HTTP_REQUEST_DURATION is not None

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'route="/v1/items/{item_id}"' in text
    assert "/v1/items/1" not in text
    for name in (
        "outbox_backlog",
        "outbox_oldest_age_seconds",
        "consumer_lag",
        "events_dead_lettered_total",
        "events_consumed_total",
        "events_published_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text


async def test_500_is_counted(client: httpx.AsyncClient) -> None:
    before = sample("/v1/boom", "500")
    await client.get("/v1/boom")
    assert sample("/v1/boom", "500") == before + 1


async def test_several_apps_share_the_metrics() -> None:
    apps = [build_app(service=f"svc{i}") for i in range(3)]
    for app in apps:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/v1/items/1")).status_code == 200
            assert (await client.get("/metrics")).status_code == 200
    assert all(sample("/v1/items/{item_id}", "200", f"svc{i}") >= 1 for i in range(3))


async def test_healthz_needs_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_every_check_passes(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


async def test_readyz_names_the_failing_checks() -> None:
    app = build_app(checks={"database": True, "broker": False, "cache": "raise", "search": "hang"})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == 503
    assert body["instance"] == "/readyz"
    assert body["checks"] == {
        "database": "ok",
        "broker": "failing",
        "cache": "failing",
        "search": "failing",
    }
    for name in ("broker", "cache", "search"):
        assert name in body["detail"]
    assert "database" not in body["detail"]


def test_health_routes_are_documented() -> None:
    paths = build_app().openapi()["paths"]
    assert {"/healthz", "/readyz", "/metrics"} <= set(paths)
    assert "security" not in paths["/readyz"]["get"]
    assert PROBLEM_MEDIA_TYPE in paths["/readyz"]["get"]["responses"]["503"]["content"]
