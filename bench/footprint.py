"""Footprint: cold start of the whole embedded stack and each service's resident memory.

* cold start: ``devstack.stack.Stack`` in an empty temporary base directory, from nothing
  (initdb, databases, broker, topics, migrations) until all four services answer ``/readyz``;
  then each service restarted alone (process start to ready, database already migrated).
* memory: each service's RSS (psutil) idle, after the stack has settled, and its peak under a
  closed-loop read load from a separate process.

Baselines in the same run: an empty PostgreSQL cluster's cold start (initdb + start) and the
broker's start on their own, and the bare FastAPI app's start, idle RSS and RSS under the same
load.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bench.common import (
    Result,
    SummaryRow,
    bare_server,
    process_tree_rss,
    running_stack,
    say,
    temp_dir,
)
from bench.http_load import Sampler, Scenario
from bench.loadgen import run_in_subprocess

READS = {
    "standards": "/v1/programmes",
    "appraisal": "/v1/appraisals?limit=20",
    "talent": "/v1/people?limit=20",
    "ned": "/v1/boards/RR8",
}


def _mib(value: float) -> float:
    return round(value / 2**20, 1)


def _infrastructure_baseline() -> dict[str, float]:
    from devstack.broker import EmbeddedBroker
    from devstack.postgres import EmbeddedPostgres

    timings: dict[str, float] = {}
    with temp_dir("pg-cold") as base:
        pg = EmbeddedPostgres(base / "pgdata", log_path=base / "postgres.log")
        started = time.perf_counter()
        pg.start()
        timings["postgres_initdb_and_start_seconds"] = round(time.perf_counter() - started, 2)
        pg.stop()
    broker = EmbeddedBroker()
    started = time.perf_counter()
    broker.start()
    timings["broker_start_seconds"] = round(time.perf_counter() - started, 2)
    broker.stop()
    return timings


def _load(
    url: str, path: str, token: str | None, pid: int | None, seconds: float
) -> dict[str, Any]:
    scenario = Scenario("", "read", path, "GET", path)
    settings = {"duration": seconds, "warmup": 1.0, "connections": 16}
    with Sampler(pid, interval=0.2) as sampler:
        report = run_in_subprocess(scenario.spec(url, token, settings))
    return {
        "requests_per_second": report["requests_per_second"],
        "errors": report["errors"],
        **sampler.summary(),
    }


def run(*, settle: float = 5.0, load_seconds: float = 6.0) -> Result:
    result = Result(
        name="footprint",
        title="Cold start and resident memory",
        parameters={"settle_seconds": settle, "load_seconds": load_seconds, "connections": 16},
    )
    say("footprint: baselines (PostgreSQL initdb+start, broker start)")
    infrastructure = _infrastructure_baseline()

    say("footprint: cold start of the whole stack")
    started = time.perf_counter()
    services: dict[str, Any] = {}
    with running_stack("footprint") as stack:
        cold = time.perf_counter() - started
        say(f"footprint: cold start {cold:.1f} s; settling {settle:.0f} s")
        time.sleep(settle)
        token = stack.mint_token()
        for name in stack.service_names:
            services[name] = {"rss_idle_mib": _mib(process_tree_rss(stack.service_pid(name)))}
        infra_rss = {
            "postgres_postmaster_rss_mib": _mib(process_tree_rss(stack.postgres.pid)),
            "broker_rss_mib": _mib(process_tree_rss(stack.broker.pid)),
        }
        for name in stack.service_names:
            say(f"footprint: {name} under read load")
            services[name]["under_load"] = _load(
                stack.service_url(name), READS[name], token, stack.service_pid(name), load_seconds
            )
        for name in stack.service_names:
            began = time.perf_counter()
            stack.restart_service(name)
            services[name]["restart_to_ready_seconds"] = round(time.perf_counter() - began, 2)
        stack.postgres.create_database("bench_bare")
        say("footprint: bare FastAPI app")
        with bare_server(stack.database_url("bench_bare")) as (url, pid, start_seconds):
            time.sleep(settle)
            bare: dict[str, Any] = {
                "start_to_ready_seconds": round(start_seconds, 2),
                "rss_idle_mib": _mib(process_tree_rss(pid)),
                "under_load": _load(url, f"/records/{uuid.UUID(int=7)}", None, pid, load_seconds),
            }

    result.details = {
        "cold_start_seconds": round(cold, 2),
        "services": services,
        "infrastructure": {**infrastructure, **infra_rss},
        "bare_fastapi": bare,
    }
    result.notes.append(
        "The cold start includes initdb of a new cluster, database and topic creation, the "
        "migrations of all four services and their start; RSS is the service process's own "
        "(the uvicorn process, workers in-process)."
    )
    result.summary.append(
        SummaryRow(
            metric="Cold start, empty directory → four services ready",
            measured=f"{cold:.1f} s",
            baseline=(
                f"PostgreSQL initdb+start {infrastructure['postgres_initdb_and_start_seconds']} s"
                f"; broker start {infrastructure['broker_start_seconds']} s"
                f"; bare FastAPI start {bare['start_to_ready_seconds']} s"
            ),
            note="restart to ready: "
            + ", ".join(f"{n} {s['restart_to_ready_seconds']} s" for n, s in services.items()),
        )
    )
    for name, data in services.items():
        load = data["under_load"]
        result.summary.append(
            SummaryRow(
                metric=f"{name} RSS idle / under read load",
                measured=f"{data['rss_idle_mib']} / {load.get('rss_max_mib', '?')} MiB",
                baseline=(
                    f"bare FastAPI {bare['rss_idle_mib']} / "
                    f"{bare['under_load'].get('rss_max_mib', '?')} MiB"
                ),
                note=f"{load['requests_per_second']:,.0f} req/s during the load",
            )
        )
    return result
