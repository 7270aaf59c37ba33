"""Property-based fuzzing of every operation of every service's OpenAPI, with Schemathesis.

Each service runs as in production: its real app, lifespan included (`devstack.testing.run_service`,
the engine of the ``start_service`` fixture), on a freshly migrated PostgreSQL database, served by
uvicorn on a free loopback port. Schemathesis sends generated requests, valid and invalid, over
HTTP and checks every response: never a 5xx, the status code, content type, headers and body all
as the OpenAPI documents them, invalid input refused with a 4xx, no access without a token, and
every error an ``application/problem+json`` problem.

Operations come from each app's own OpenAPI document at collection time, so a new route is fuzzed
without editing this file. Two callers: a token with every scope and national reach, and an
organisation-scoped token (every scope, reach limited to one trust), which mostly meets 403s and
empty lists and so proves those paths keep to the contract too. A stateful run per service
follows the OpenAPI links (create, then read, change or move the created resource).

Quick mode (the default, in ``make test``) keeps to a few examples per operation; ``SOAK=1``
(``make soak``) runs many more.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import importlib
import io
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import stateful

from devstack.broker import EmbeddedBroker
from devstack.postgres import EmbeddedPostgres
from devstack.testing import ALL_SCOPES, SERVICES, run_service, token

SOAK = os.environ.get("SOAK", "") not in ("", "0")

PROBLEM = "application/problem+json"
ORG = "RR8"  # Leeds Teaching Hospitals: an organisation the reference data knows
# A soak run may outlast a default token; an expired one would turn everything into 401s.
TOKEN_TTL_SECONDS = 24 * 3600

PRINCIPALS = {
    "national": token(ALL_SCOPES, ttl_seconds=TOKEN_TTL_SECONDS),
    "org": token(
        " ".join(scope for scope in ALL_SCOPES.split() if scope != "national"),
        org=ORG,
        ttl_seconds=TOKEN_TTL_SECONDS,
    ),
}

# Examples per operation in the fuzzing phase, per caller. The examples and coverage phases add
# their own cases (every documented example; boundary and invalid values of each parameter) for
# the national caller; the organisation-scoped caller is there for reach, so random cases do.
FUZZ_EXAMPLES = {"national": 500, "org": 200} if SOAK else {"national": 8, "org": 4}
PHASES = {
    "national": ["examples", "coverage", "fuzzing"],
    "org": ["examples", "fuzzing"],
}
STATEFUL_SCENARIOS = 200 if SOAK else 8
STATEFUL_STEPS = 20 if SOAK else 6
STATEFUL_RESTARTS = 50


# ---- request bodies the OpenAPI can only call "a string" -----------------------------------

# talent's staff-extract import takes NDJSON or CSV. Rows are built from plausible and wrong
# values alike, so the per-row validation is exercised and not only the upload-level refusals
# that random bytes would hit; a few random byte strings still go in for the parsers.
_EXTRACT_VALUES: dict[str, st.SearchStrategy[str]] = {
    "person_id": st.sampled_from(["10234567", "10000001", "P1", "", "12 34"]),
    "org_code": st.sampled_from([ORG, "RJ1", "rr8", "QWE", "ZZZZZ", ""]),
    "job_title": st.sampled_from(["Ward Manager", "Chief Executive", "", "x" * 201]),
    "staff_group": st.sampled_from(["Nursing and Midwifery Registered", "students", "chef"]),
    "band": st.sampled_from(["5", "8a", "VSM", "medical", "Band 7", "10"]),
    "line_manager_id": st.sampled_from(["10000001", "", "nobody"]),
    "is_line_manager": st.sampled_from(["true", "false", "", "perhaps"]),
    "start_date": st.sampled_from(["2019-04-01", "2031-01-01", "01/04/2019", ""]),
    "status": st.sampled_from(["active", "left", "retired"]),
    "left_on": st.sampled_from(["", "2024-03-31", "1900-01-01", "soon"]),
    "ethnic_category": st.sampled_from(["A", "Z", "99", ""]),
    "sex": st.sampled_from(["F", "M", "female", "unknown"]),
}
_EXTRACT_ROWS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={name: values | st.text(max_size=12) for name, values in _EXTRACT_VALUES.items()},
    ),
    max_size=5,
)


def _ndjson(rows: list[dict[str, str]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def _csv(rows: list[dict[str, str]]) -> bytes:
    columns = sorted({name for row in rows for name in row}) or ["person_id"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


schemathesis.openapi.media_type(
    "application/x-ndjson", _EXTRACT_ROWS.map(_ndjson) | st.binary(max_size=64)
)
schemathesis.openapi.media_type("text/csv", _EXTRACT_ROWS.map(_csv) | st.binary(max_size=64))


# ---- schemas ---------------------------------------------------------------------------------


def _openapi(service: str) -> dict[str, Any]:
    # Building the document touches no database: settings are only used by the lifespan.
    settings_module = importlib.import_module(f"{service}.settings")
    main_module = importlib.import_module(f"{service}.main")
    app = main_module.create_app(
        settings_module.Settings(environment="test", database_url="postgresql+asyncpg://-/-")
    )
    document: dict[str, Any] = app.openapi()
    return document


# Values the schemas cannot tell apart from noise but the services look up: organisations the
# reference data knows (a trust, another trust, a region), programmes of the seeded catalogue
# and the appraisal template in use.
# Mixed into half the valid values of those fields, so requests get past the lookups and reach
# the code behind them; invalid cases are left alone.
KNOWN_VALUES = {
    "ods": [ORG, "RJ1", "Y63"],
    # path.code names programmes, frameworks, bundles and assignment rules alike.
    "programmes": [
        "NHS-INDUCTION",
        "NLA-MARY-SEACOLE",
        "NHS-APPRAISAL-SKILLS",
        "LCF-BOARD",
        "BUNDLE-FIRST-LINE",
        "JOINER-INDUCTION",
    ],
    "templates": ["2025.1"],
    # path.version also names eligibility policy versions (standards: 2026.1 is seeded).
    "framework_versions": ["2024", "1.0", "2025.1", "2026.1"],
    # NHS England regions (North East and Yorkshire, London), so region reports are fuzzed with
    # regions the reference data knows, not only with codes that are refused.
    "regions": ["Y63", "Y56"],
}
KNOWN_VALUE_FIELDS = {
    "body.org_code": "ods",
    "query.org_code": "ods",
    "path.org_code": "ods",
    # A board reference is released to an organisation the reference data knows.
    "body.to_org_code": "ods",
    "body.programme_code": "programmes",
    "path.code": "programmes",
    "body.template_version": "templates",
    "path.version": "framework_versions",
    "path.region_code": "regions",
    "query.region_code": "regions",
    "query.region": "regions",
}


def _schema(service: str, principal: str) -> Any:
    config = SchemathesisConfig.from_dict(
        {
            "dictionaries": {name: {"values": values} for name, values in KNOWN_VALUES.items()},
            "parameters": {
                field: {"dictionary": name, "probability": 0.5}
                for field, name in KNOWN_VALUE_FIELDS.items()
            },
            # Report every distinct failure of an operation, not only the first.
            "continue-on-failure": True,
            # Through the OpenAPI security scheme, so Schemathesis leaves the token out on
            # purpose when it tests that an operation refuses a request without one.
            "auth": {"openapi": {"HTTPBearer": {"bearer": PRINCIPALS[principal]}}},
            "generation": {"max-examples": FUZZ_EXAMPLES[principal], "database": "none"},
            "phases": {
                name: {"enabled": name in PHASES[principal]}
                for name in ("examples", "coverage", "fuzzing")
            },
            "checks": {
                # Demands a 2xx for any schema-valid request. Our schemas cannot express the
                # rules behind a 422 (an opaque cursor from this API, an ODS code the reference
                # data knows, an appraisal's state machine, a person in the projection), so it
                # would fail on correct refusals. Every other built-in check stays on.
                "positive_data_acceptance": {"enabled": False},
            },
        }
    )
    return schemathesis.openapi.from_dict(_openapi(service), config=config)


# ---- the services under test ---------------------------------------------------------------


class _Fleet:
    """The services under test, each behind uvicorn, all on one background event loop.

    Schemathesis drives its tests synchronously, so the apps cannot run on pytest's event loop;
    they get their own, in a thread, where each lifespan, its database pool and every request
    live together. A service starts the first time a test asks for it.
    """

    def __init__(self, postgres: EmbeddedPostgres, broker: EmbeddedBroker) -> None:
        self._postgres = postgres
        self._broker = broker
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._stack = contextlib.AsyncExitStack()
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=180)

    def url(self, service: str) -> str:
        with self._lock:
            if service not in self._urls:
                self._urls[service] = self._run(self._start(service))
            return self._urls[service]

    async def _start(self, service: str) -> str:
        running = await self._stack.enter_async_context(
            run_service(service, postgres=self._postgres, broker=self._broker)
        )
        # Bound here, not by uvicorn, so the port is known and no other process can take it.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        # run_service already ran the lifespan; uvicorn only serves requests.
        server = uvicorn.Server(
            uvicorn.Config(running.app, lifespan="off", log_level="warning", access_log=False)
        )
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                task.result()  # it failed to start: raise why
            await asyncio.sleep(0.01)

        async def stop() -> None:
            server.should_exit = True
            await task
            sock.close()

        self._stack.push_async_callback(stop)
        return f"http://{host}:{port}"

    def close(self) -> None:
        try:
            self._run(self._stack.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()


@pytest.fixture(scope="module")
def fleet(embedded_postgres: EmbeddedPostgres, embedded_broker: EmbeddedBroker) -> Iterator[_Fleet]:
    running = _Fleet(embedded_postgres, embedded_broker)
    try:
        yield running
    finally:
        running.close()


# ---- checks ----------------------------------------------------------------------------------


def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool:
    """Every error, documented or not, is an RFC 9457 problem (ARCHITECTURE §4)."""
    if response.status_code < 400:
        return True
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == PROBLEM, f"{response.status_code} error sent as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict), f"a problem is a JSON object, not {body!r}"
    assert body.get("status") == response.status_code, f"problem status {body.get('status')!r}"
    assert isinstance(body.get("title"), str), "a problem has a title"
    assert "detail" not in body or isinstance(body["detail"], str | None)
    return True


# ---- the tests -------------------------------------------------------------------------------


def _stateless(service: str, principal: str) -> Callable[..., None]:
    schema = _schema(service, principal)

    @schema.parametrize()
    @settings(deadline=None, suppress_health_check=list(HealthCheck))
    def test(case: Any, fleet: _Fleet) -> None:
        case.call_and_validate(base_url=fleet.url(service), additional_checks=[problem_json_errors])

    test.__doc__ = f"Every {service} operation, called with the {principal!r} token."
    return test


# One test per service and caller, named e.g. test_fuzz_talent_org, each parametrized by
# Schemathesis with one item per operation; a service added to the stack is picked up here.
for _service in SERVICES:
    for _principal in PRINCIPALS:
        globals()[f"test_fuzz_{_service}_{_principal}"] = _stateless(_service, _principal)


def _creates_are_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let every collection POST start a scenario.

    Schemathesis starts scenarios only from operations it expects to succeed on random input,
    and takes identifiers in a body (``person_id``, ``appraiser_id``) for references to
    resources the API never creates, so it never starts from creating an appraisal, the one
    operation all the others follow from. A person number is not such a reference here: any
    valid one may be appraised.
    """
    original = stateful.is_likely_root_transition

    def likely(operation: Any, *args: Any) -> bool:
        creates = operation.method == "post" and not operation.path_parameters
        return creates or bool(original(operation, *args))

    monkeypatch.setattr(stateful, "is_likely_root_transition", likely)


@pytest.mark.parametrize("service", SERVICES)
def test_fuzz_stateful_links(service: str, fleet: _Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sequences that follow the OpenAPI links: create, then read, change or move the result."""
    _creates_are_roots(monkeypatch)
    schema = _schema(service, "national")
    machine = schema.as_state_machine()
    if not schema.statistic.transitions.total:
        # Nothing to chain: fine only while the service creates nothing. A create operation
        # whose result cannot be followed anywhere needs links (or a GET of what it made).
        creates = [
            f"POST {path}"
            for path, operations in schema.raw_schema["paths"].items()
            if "post" in operations
        ]
        assert not creates, f"{service}: no OpenAPI links from {creates}"
        return
    base_url = fleet.url(service)
    started: list[int] = []

    class Links(machine):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            started.append(1)  # once per scenario
            super().setup()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base_url}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            super().validate_response(
                response, case, additional_checks=[problem_json_errors], **kwargs
            )

    restarts = 0
    while len(started) < STATEFUL_SCENARIOS:
        try:
            Links.run(
                settings=settings(
                    max_examples=STATEFUL_SCENARIOS - len(started),
                    stateful_step_count=STATEFUL_STEPS,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    database=None,
                )
            )
            return
        except FlakyStrategyDefinition:
            # Hypothesis steers by replaying earlier choices, but against a live database the
            # same choices can meet a different state (a provider name now taken, so a 409
            # where there was a 201, so other rules to choose from) and it reports its own
            # strategy as flaky. No API check failed; like Schemathesis's own runner, start the
            # remaining scenarios afresh. A real failure (FailureGroup, FlakyFailure) is raised.
            restarts += 1
            assert restarts <= STATEFUL_RESTARTS, f"{restarts} restarts, {len(started)} scenarios"
