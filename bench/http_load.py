"""HTTP: requests/s and latency of a representative read and write per service.

The platform runs as real processes (``devstack.stack.Stack``); the load comes from a separate
process (``bench.loadgen``, or wrk when asked for and installed), closed loop with a fixed
number of keep-alive connections, after a warm-up. While each load runs, the target service's
resident memory and CPU use are sampled. The baseline is a bare FastAPI app under the same
uvicorn settings doing the same database work (``bench.bare_app``) against the same PostgreSQL.

Every write creates a new resource (``{n}`` numbers each request), and the writes that emit
events keep the relays and consumers busy in the background, as in real use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psutil

from bench.common import (
    Result,
    SummaryRow,
    bare_server,
    fmt_ms,
    fmt_rate,
    running_stack,
    say,
)
from bench.loadgen import run_in_subprocess

ORG = "RR8"


@dataclass
class Scenario:
    service: str
    kind: str  # "read" or "write"
    label: str
    method: str
    path: str
    body: str | None = None
    content_type: str | None = None

    def spec(self, url: str, token: str | None, settings: dict[str, Any]) -> dict[str, Any]:
        host, port = url.removeprefix("http://").split(":")
        headers: dict[str, str] = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.content_type:
            headers["Content-Type"] = self.content_type
        return {
            "host": host,
            "port": int(port),
            "method": self.method,
            "path": self.path,
            "headers": headers,
            "body": self.body,
            **settings,
        }


class Sampler:
    """Resident memory and CPU of one process while a load runs (a background thread)."""

    def __init__(self, pid: int | None, interval: float = 0.25) -> None:
        self.pid = pid
        self.interval = interval
        self.rss: list[int] = []
        self.cpu_seconds = 0.0
        self.wall = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        if self.pid is None:
            return
        try:
            proc = psutil.Process(self.pid)
            before, started = proc.cpu_times(), time.monotonic()
            while not self._stop.wait(self.interval):
                self.rss.append(proc.memory_info().rss)
            after = proc.cpu_times()
            self.cpu_seconds = (after.user + after.system) - (before.user + before.system)
            self.wall = time.monotonic() - started
        except psutil.Error:
            return

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def summary(self) -> dict[str, Any]:
        if not self.rss:
            return {}
        return {
            "rss_max_mib": round(max(self.rss) / 2**20, 1),
            "rss_mean_mib": round(sum(self.rss) / len(self.rss) / 2**20, 1),
            "cpu_percent_of_one_core": round(100 * self.cpu_seconds / self.wall, 1)
            if self.wall
            else None,
        }


async def _prepare(stack: Any, token: str, prefix: str) -> dict[str, str]:
    """Data the reads need: people in talent, records in standards, an appraisal."""
    from devstack import flows

    headers = {"Authorization": f"Bearer {token}"}
    found: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=stack.service_url("talent"), timeout=60) as talent:
        people = [flows.staff_row(f"H{n:05d}", ORG) for n in range(1_000)]
        await flows.import_people(talent, people, headers)
        found["person_id"] = "H00042"
    async with httpx.AsyncClient(base_url=stack.service_url("standards"), timeout=60) as standards:
        provider_id = await flows.accredited_provider(standards, headers)
        found["provider_id"] = provider_id
        learner = f"{prefix}R1"
        for days in range(5):
            await flows.record_completion(
                standards,
                learner,
                provider_id,
                headers,
                org_code=ORG,
                completed_at=datetime.now(UTC) - timedelta(days=days + 1),
            )
        found["learner_id"] = learner
    async with httpx.AsyncClient(base_url=stack.service_url("appraisal"), timeout=60) as appraisal:
        created = await appraisal.post(
            "/v1/appraisals",
            json={
                "person_id": f"{prefix}A1",
                "appraiser_id": "900001",
                "cycle_year": 2026,
                "org_code": ORG,
            },
            headers=headers,
        )
        created.raise_for_status()
        found["appraisal_id"] = created.json()["id"]
    return found


def _scenarios(prefix: str, data: dict[str, str]) -> list[Scenario]:
    completed_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    person = json.dumps(
        {
            "person_id": f"{prefix}P{{n}}",
            "org_code": ORG,
            "job_title": "Ward Manager",
            "staff_group": "Nursing and Midwifery Registered",
            "band": "7",
            "start_date": "2019-04-01",
            "status": "active",
        }
    )
    return [
        Scenario(
            "standards",
            "read",
            "GET /v1/learners/{id}/records",
            "GET",
            f"/v1/learners/{data['learner_id']}/records",
        ),
        Scenario(
            "standards",
            "write",
            "POST /v1/learners/{id}/completions (accredited)",
            "POST",
            f"/v1/learners/{prefix}C{{n}}/completions",
            json.dumps(
                {
                    "programme_code": "NLA-MARY-SEACOLE",
                    "provider_id": data["provider_id"],
                    "completed_at": completed_at,
                    "org_code": ORG,
                }
            ),
            "application/json",
        ),
        Scenario(
            "appraisal",
            "read",
            "GET /v1/appraisals/{id}",
            "GET",
            f"/v1/appraisals/{data['appraisal_id']}",
        ),
        Scenario(
            "appraisal",
            "write",
            "POST /v1/appraisals",
            "POST",
            "/v1/appraisals",
            json.dumps(
                {
                    "person_id": f"{prefix}A{{n}}",
                    "appraiser_id": "900001",
                    "cycle_year": 2026,
                    "org_code": ORG,
                }
            ),
            "application/json",
        ),
        Scenario(
            "talent",
            "read",
            "GET /v1/people/{id}",
            "GET",
            f"/v1/people/{data['person_id']}",
        ),
        Scenario(
            "talent",
            "write",
            "POST /v1/people:import (one NDJSON row)",
            "POST",
            "/v1/people:import",
            person + "\n",
            "application/x-ndjson",
        ),
        Scenario("ned", "read", "GET /v1/boards/{org}", "GET", f"/v1/boards/{ORG}"),
    ]


def _bare_scenarios() -> list[Scenario]:
    return [
        Scenario(
            "bare",
            "read",
            "GET /records/{id} (SELECT by key)",
            "GET",
            f"/records/{uuid.UUID(int=42)}",
        ),
        Scenario(
            "bare",
            "write",
            "POST /records (INSERT + outbox INSERT + NOTIFY)",
            "POST",
            "/records",
            json.dumps(
                {
                    "person_id": "B{n}",
                    "programme_code": "NLA-MARY-SEACOLE",
                    "completed_at": "2026-01-01T00:00:00Z",
                }
            ),
            "application/json",
        ),
    ]


def _write_routes(openapi: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in openapi.get("paths", {}).items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    ]


def _measure(
    scenario: Scenario, url: str, token: str | None, pid: int | None, settings: dict[str, Any]
) -> dict[str, Any]:
    with Sampler(pid) as sampler:
        report = run_in_subprocess(scenario.spec(url, token, settings))
    report.pop("records", None)
    report.pop("raw", None)
    return {
        "service": scenario.service,
        "kind": scenario.kind,
        "endpoint": scenario.label,
        **report,
        "server": sampler.summary(),
    }


@contextlib.contextmanager
def _bare(stack: Any) -> Iterator[tuple[str, int]]:
    stack.postgres.create_database("bench_bare")
    with bare_server(stack.database_url("bench_bare")) as (url, pid, _):
        yield url, pid


def run(
    *, duration: float = 10.0, warmup: float = 2.0, connections: int = 16, client: str = "python"
) -> Result:
    settings = {
        "duration": duration,
        "warmup": warmup,
        "connections": connections,
        "client": client,
    }
    result = Result(
        name="http",
        title="HTTP requests/s and latency per service",
        parameters={**settings, "loop": "closed", "uvicorn_workers": 1},
    )
    rows: list[dict[str, Any]] = []
    with running_stack("http") as stack:
        token = stack.mint_token()
        prefix = uuid.uuid4().hex[:6]
        data = asyncio.run(_prepare(stack, token, prefix))
        with _bare(stack) as (bare_url, bare_pid):
            for scenario in _bare_scenarios():
                say(f"http: bare {scenario.kind} for {duration:.0f} s")
                rows.append(_measure(scenario, bare_url, None, bare_pid, settings))
        for scenario in _scenarios(prefix, data):
            say(f"http: {scenario.service} {scenario.kind} for {duration:.0f} s")
            rows.append(
                _measure(
                    scenario,
                    stack.service_url(scenario.service),
                    token,
                    stack.service_pid(scenario.service),
                    settings,
                )
            )
        ned_writes = _write_routes(httpx.get(f"{stack.service_url('ned')}/openapi.json").json())
    result.details = {"runs": rows, "ned_write_routes": ned_writes}
    if not ned_writes:
        result.notes.append("ned has no write endpoint yet, so only its read is measured.")

    bare = {row["kind"]: row for row in rows if row["service"] == "bare"}
    for row in rows:
        if row["service"] == "bare":
            continue
        base = bare[row["kind"]]
        latency = row.get("latency", {})
        result.summary.append(
            SummaryRow(
                metric=f"{row['service']} {row['kind']}: {row['endpoint']}",
                measured=(
                    f"{fmt_rate(row['requests_per_second'] or 0)}, p99 "
                    f"{fmt_ms(latency.get('p99_ms', float('nan')))}"
                ),
                baseline=(
                    f"bare FastAPI {fmt_rate(base['requests_per_second'] or 0)}, p99 "
                    f"{fmt_ms(base.get('latency', {}).get('p99_ms', float('nan')))}"
                ),
                note=(
                    f"{row['errors']} errors; server RSS max "
                    f"{row['server'].get('rss_max_mib', '?')} MiB, CPU "
                    f"{row['server'].get('cpu_percent_of_one_core', '?')}% of a core"
                ),
            )
        )
    return result
