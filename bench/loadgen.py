"""A small HTTP/1.1 load generator, run in its own process: ``python -m bench.loadgen SPEC OUT``.

It keeps connections alive and parses just enough of HTTP/1.1 (status line, Content-Length or
chunked bodies), so one Python process can drive several thousand requests a second and the
client costs the machine far less than a general-purpose client would. Two modes:

* closed loop (``rate`` null): ``connections`` workers each send the next request as soon as
  the previous answer arrives: the server's capacity;
* open loop (``rate`` set): request *i* is due at ``start + i / rate`` whatever happened to the
  earlier ones; latency is measured from when it was due, so a stalled server is not hidden
  (no coordinated omission).

``{n}`` in a path or body is replaced by the request's number (unique within the run), so
writes can create distinct resources. With ``"record": true`` every request's number, due,
sent and answered times (``time.time()``, the clock PostgreSQL's ``now()`` also reads) and
status are written out for the caller to correlate.

When ``wrk`` is on PATH and the spec asks for it, closed-loop runs can use it instead
(``run_wrk``); the Python client is the default because it runs anywhere Python does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import latency_summary


@dataclass
class Template:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def render(self, host: str, n: int) -> bytes:
        number = str(n)
        path = self.path.replace("{n}", number)
        body = self.body.replace("{n}", number).encode() if self.body is not None else b""
        lines = [f"{self.method} {path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body is not None or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = head.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        chunked = close = False
        for line in header_block.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class Outcome:
    n: int
    due: float
    sent: float
    done: float
    status: int


async def _closed_loop(spec: dict[str, Any], template: Template) -> tuple[list[Outcome], float]:
    host, port = spec["host"], int(spec["port"])
    warmup, duration = float(spec.get("warmup", 1.0)), float(spec["duration"])
    counter = iter(range(int(spec.get("start_n", 0)), sys.maxsize))
    outcomes: list[Outcome] = []
    start = time.time()
    measure_from, measure_to = start + warmup, start + warmup + duration

    async def worker() -> None:
        connection = Connection(host, port)
        try:
            while True:
                now = time.time()
                if now >= measure_to:
                    return
                n = next(counter)
                try:
                    status = await connection.request(template.render(host, n))
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    await connection.close()
                    status = 0
                done = time.time()
                if now >= measure_from:
                    outcomes.append(Outcome(n, now, now, done, status))
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(int(spec["connections"]))))
    return outcomes, duration


async def _open_loop(spec: dict[str, Any], template: Template) -> tuple[list[Outcome], float]:
    host, port = spec["host"], int(spec["port"])
    rate, duration = float(spec["rate"]), float(spec["duration"])
    total = int(rate * duration)
    first = int(spec.get("start_n", 0))
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    limit = int(spec.get("connections", 64))
    outcomes: list[Outcome] = []
    tasks: set[asyncio.Task[None]] = set()
    gate = asyncio.Semaphore(limit)

    async def one(n: int, due: float) -> None:
        try:
            try:
                connection = idle.get_nowait()
            except asyncio.QueueEmpty:
                connection = Connection(host, port)
            sent = time.time()
            try:
                status = await connection.request(template.render(host, n))
            except (OSError, asyncio.IncompleteReadError, ValueError):
                await connection.close()
                status = 0
            outcomes.append(Outcome(n, due, sent, time.time(), status))
            idle.put_nowait(connection)
        finally:
            gate.release()

    start = time.time() + 0.2
    end = start + duration
    unsent = 0
    for i in range(total):
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        # Beyond `limit` requests in flight the generator waits: the lateness is still
        # charged to the request, since latency counts from `due`. A server that cannot keep
        # up does not stretch the run: what is still unsent at the end is counted, not sent.
        try:
            await asyncio.wait_for(gate.acquire(), max(end - time.time(), 0.001))
        except TimeoutError:
            unsent = total - i
            break
        task = asyncio.create_task(one(first + i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(set(tasks), timeout=float(spec.get("drain_timeout", 60)))
    for task in list(tasks):
        task.cancel()
    while not idle.empty():
        await idle.get_nowait().close()
    spec["_unsent"] = unsent
    return outcomes, time.time() - start


def _report(outcomes: list[Outcome], seconds: float, spec: dict[str, Any]) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[str(outcome.status)] = statuses.get(str(outcome.status), 0) + 1
    ok = [o for o in outcomes if 200 <= o.status < 300]
    report: dict[str, Any] = {
        "client": "python",
        "requests": len(outcomes),
        "ok": len(ok),
        "errors": len(outcomes) - len(ok),
        "status_counts": statuses,
        "seconds": round(seconds, 3),
        "requests_per_second": round(len(ok) / seconds, 1) if seconds else None,
        "latency": latency_summary([o.done - o.due for o in ok]),
    }
    if spec.get("rate"):
        report["target_rate"] = spec["rate"]
        report["unsent"] = spec.get("_unsent", 0)
        report["service_time"] = latency_summary([o.done - o.sent for o in ok])
    if spec.get("record"):
        report["records"] = [[o.n, o.due, o.sent, o.done, o.status] for o in outcomes]
    return report


def run_python(spec: dict[str, Any]) -> dict[str, Any]:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        pass
    template = Template(
        method=spec["method"],
        path=spec["path"],
        headers=dict(spec.get("headers") or {}),
        body=spec.get("body"),
    )
    runner = _open_loop if spec.get("rate") else _closed_loop
    outcomes, seconds = asyncio.run(runner(spec, template))
    return _report(outcomes, seconds, spec)


# -- wrk ---------------------------------------------------------------------------------------

_WRK_SCRIPT = """
local counter = 0
local method, path, body = %(method)s, %(path)s, %(body)s
local headers = %(headers)s
function setup(thread)
  thread:set("id", %(thread_counter)s)
  %(thread_counter)s = %(thread_counter)s + 1
end
function request()
  counter = counter + 1
  local n = tostring(%(start_n)d + id * 100000000 + counter)
  local b = nil
  if body ~= nil then b = string.gsub(body, "{n}", n) end
  return wrk.format(method, (string.gsub(path, "{n}", n)), headers, b)
end
"""


def _lua(value: str | None) -> str:
    if value is None:
        return "nil"
    return "[==[" + value + "]==]"


def run_wrk(spec: dict[str, Any]) -> dict[str, Any]:
    """Closed-loop run with wrk (when installed); its latency percentiles come from its own
    HdrHistogram, so only p50/p99 and the mean are reported."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise FileNotFoundError("wrk is not installed")
    headers = (
        "{"
        + ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in (spec.get("headers") or {}).items())
        + "}"
    )
    script = _WRK_SCRIPT % {
        "method": _lua(spec["method"]),
        "path": _lua(spec["path"]),
        "body": _lua(spec.get("body")),
        "headers": headers,
        "thread_counter": "thread_count",
        "start_n": int(spec.get("start_n", 0)),
    }
    script = "thread_count = 0\n" + script
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    duration = int(float(spec["duration"]) + float(spec.get("warmup", 0)))
    try:
        out = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{int(spec['connections'])}",
                f"-d{max(duration, 1)}s",
                "--latency",
                "-s",
                handle.name,
                f"http://{spec['host']}:{spec['port']}",
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        ).stdout
    finally:
        Path(handle.name).unlink(missing_ok=True)
    return _parse_wrk(out)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _parse_wrk(out: str) -> dict[str, Any]:
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    mean = re.search(r"Latency\s+(\S+)", out)
    requests = int(total.group(1)) if total else 0
    bad = int(non_2xx.group(1)) if non_2xx else 0
    return {
        "client": "wrk",
        "requests": requests,
        "ok": requests - bad,
        "errors": bad,
        "socket_errors": errors.group(1) if errors else None,
        "requests_per_second": float(rps.group(1)) if rps else None,
        "latency": {
            "count": requests,
            "p50_ms": _ms(percentiles.get("50", "")),
            "p99_ms": _ms(percentiles.get("99", "")),
            "mean_ms": _ms(mean.group(1)) if mean else None,
        },
        "raw": out[-2000:],
    }


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    use_wrk = spec.get("client") == "wrk" and not spec.get("rate")
    report = run_wrk(spec) if use_wrk else run_python(spec)
    Path(argv[1]).write_text(json.dumps(report))
    return 0


def run_in_subprocess(spec: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
    """Run one load in a separate Python process (so it has its own core to compete for)."""
    import os

    from bench.common import REPO_ROOT

    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        spec_file, out_file = Path(scratch) / "spec.json", Path(scratch) / "out.json"
        spec_file.write_text(json.dumps(spec))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        limit = timeout or float(spec["duration"]) + float(spec.get("warmup", 1)) + 120
        subprocess.run(
            [sys.executable, "-m", "bench.loadgen", str(spec_file), str(out_file)],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            timeout=limit,
        )
        report: dict[str, Any] = json.loads(out_file.read_text())
        return report


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
