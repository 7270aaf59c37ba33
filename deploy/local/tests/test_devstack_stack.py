"""Stack: the whole orchestration with stand-in services, as real processes.

The stand-in (``fakesvc``) implements the service command line the real services have,
``python -m <module> migrate`` and ``python -m <module> serve --host H --port P`` with
``/healthz`` and ``/readyz``, so this tests everything devstack does around them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import psutil
import pytest

from devstack.aio import run_sync
from devstack.stack import SERVICE_NAMES, ServiceSpec, Stack, StackError

FAKE_SERVICE = textwrap.dedent(
    '''
    """Stand-in for a platform service: migrate writes a table, serve answers HTTP."""
    import argparse
    import asyncio
    import json
    import os
    import signal
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import asyncpg

    def database_dsn():
        return os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    async def migrate():
        conn = await asyncpg.connect(database_dsn())
        try:
            await conn.execute("CREATE TABLE IF NOT EXISTS fake_migrated (at timestamptz)")
            await conn.execute("INSERT INTO fake_migrated VALUES (now())")
        finally:
            await conn.close()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path in ("/healthz", "/readyz"):
                self._send(200, {"status": "ok"})
            elif self.path == "/env":
                self._send(200, {k: v for k, v in os.environ.items()
                                 if k.isupper() and not k.startswith("_")})
            else:
                self._send(404, {})

        def _send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    def main():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command", required=True)
        sub.add_parser("migrate")
        serve = sub.add_parser("serve")
        serve.add_argument("--host")
        serve.add_argument("--port", type=int)
        args = parser.parse_args()
        if args.command == "migrate":
            if os.environ.get("FAKE_MIGRATE_FAIL"):
                print("migration exploded", flush=True)
                sys.exit(3)
            asyncio.run(migrate())
            return
        server = ThreadingHTTPServer((args.host, args.port), Handler)
        signal.signal(signal.SIGTERM,
                      lambda *_: threading.Thread(target=server.shutdown).start())
        print("serving on", args.port, flush=True)
        server.serve_forever()
        print("stopped cleanly", flush=True)

    main()
    '''
)


@pytest.fixture(scope="module")
def fake_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fake-services")
    package = root / "fakesvc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(FAKE_SERVICE)
    return root


def _stack(base: Path, fake_path: Path, extra_env: dict[str, str] | None = None) -> Stack:
    """A stack of four stand-ins on ephemeral ports, always with embedded servers."""
    return Stack(
        base,
        services=[ServiceSpec(name, "fakesvc") for name in SERVICE_NAMES],
        fixed_ports=False,
        environ={},
        extra_env={"PYTHONPATH": str(fake_path), **(extra_env or {})},
        ready_timeout=60,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake_path: Path) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("stack") / ".devstack"
    running = _stack(base, fake_path)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _env_of(stack: Stack, name: str) -> dict[str, str]:
    env: dict[str, str] = httpx.get(f"{stack.service_url(name)}/env", timeout=5).json()
    return env


async def _topics(bootstrap: str) -> set[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


def test_state_file_describes_the_stack(stack: Stack) -> None:
    state = json.loads(stack.paths.state_file.read_text())
    assert state["status"] == "ready"
    assert set(state["services"]) == set(SERVICE_NAMES)
    for name, service in state["services"].items():
        assert service["url"] == f"http://127.0.0.1:{service['port']}"
        assert service["pid"] == stack.service_pid(name)
        assert service["database_url"].endswith(f"/{name}")
        assert service["database_url"].startswith("postgresql+asyncpg://postgres@127.0.0.1:")
    assert state["broker"]["bootstrap_servers"] == stack.bootstrap_servers
    assert stack.broker is not None
    assert state["broker"]["pid"] == stack.broker.pid
    assert stack.postgres is not None
    assert state["postgres"]["port"] == stack.postgres.port
    assert state["postgres"]["pid"] == stack.postgres.pid
    assert state["postgres"]["data_dir"] == str(stack.paths.pgdata)
    assert state["jwt"] == {"algorithm": "HS256", "secret_file": str(stack.paths.secret_file)}
    secret = stack.paths.secret_file.read_text().strip()
    claims = jwt.decode(state["token"], secret, algorithms=["HS256"])
    assert "national" in claims["scope"].split()
    # Every port is ephemeral here (fixed_ports=False), never a standard one.
    ports = {s["port"] for s in state["services"].values()} | {state["postgres"]["port"]}
    assert len(ports) == 5 and not ports & {5432, 9092, 6379, 3306, 5672, 1883, 4222}


def test_databases_are_created_and_migrated(stack: Stack) -> None:
    assert stack.postgres is not None
    for name in SERVICE_NAMES:
        assert stack.postgres.database_exists(name)
        assert stack.postgres.psql("SELECT count(*) FROM fake_migrated", name).strip() == "1"


def test_topics_and_dead_letter_topics_exist(stack: Stack) -> None:
    topics = run_sync(_topics(stack.bootstrap_servers))
    for name in SERVICE_NAMES:
        assert f"leadership.{name}" in topics
        assert f"leadership.dlq.{name}" in topics


def test_services_get_the_documented_environment(stack: Stack) -> None:
    env = _env_of(stack, "talent")
    assert env["DATABASE_URL"] == stack.service_database_url("talent")
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == stack.bootstrap_servers
    assert env["KAFKA_ENABLE_IDEMPOTENCE"] == "false"
    assert env["JWT_SECRET"] == stack.paths.secret_file.read_text().strip()
    assert env["ENVIRONMENT"] == "development"
    assert env["RUN_WORKERS"] == "true"
    assert env["SERVICE_PORT"] == str(stack.service_port("talent"))


def test_a_crashed_service_is_reported_and_can_be_restarted(stack: Stack) -> None:
    assert stack.check_children() == []
    port, pid = stack.service_port("appraisal"), stack.service_pid("appraisal")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    messages: list[str] = []
    while not messages and time.monotonic() < deadline:
        messages = stack.check_children()
        time.sleep(0.05)
    assert len(messages) == 1 and messages[0].startswith("appraisal")
    assert stack.check_children() == []  # reported once
    assert all(stack.service_pid(n) for n in SERVICE_NAMES if n != "appraisal")
    stack.start_service("appraisal")
    assert stack.service_port("appraisal") == port
    assert stack.service_pid("appraisal") not in (None, pid)
    assert stack.is_ready("appraisal")


def test_stopping_or_killing_on_purpose_is_not_reported(stack: Stack) -> None:
    assert stack.stop_service("ned") == 0  # SIGTERM: the stand-in exits cleanly
    stack.kill_service("standards")
    assert stack.check_children() == []
    assert stack.service_pid("ned") is None
    stack.start_service("ned")
    stack.restart_service("standards")
    assert stack.is_ready("ned") and stack.is_ready("standards")
    state = json.loads(stack.paths.state_file.read_text())
    assert state["services"]["ned"]["pid"] == stack.service_pid("ned")


def test_pause_and_resume_a_service(stack: Stack) -> None:
    stack.pause_service("talent")
    try:
        with pytest.raises(httpx.TimeoutException):
            httpx.get(f"{stack.service_url('talent')}/readyz", timeout=0.5)
    finally:
        stack.resume_service("talent")
    assert stack.is_ready("talent")


def test_a_second_stack_on_the_same_directory_is_refused(stack: Stack, fake_path: Path) -> None:
    with pytest.raises(StackError, match="another devstack"):
        _stack(stack.base_dir, fake_path).start()
    assert all(stack.service_pid(name) for name in SERVICE_NAMES)


def test_failed_migrations_stop_everything(tmp_path: Path, fake_path: Path) -> None:
    failing = _stack(tmp_path / ".devstack", fake_path, extra_env={"FAKE_MIGRATE_FAIL": "1"})
    with pytest.raises(StackError, match="migration exploded"):
        failing.start()
    assert failing.postgres is not None and failing.postgres.pid is None
    assert failing.broker is not None and failing.broker.pid is None
    assert json.loads(failing.paths.state_file.read_text())["status"] == "failed"


DRIVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from devstack.stack import SERVICE_NAMES, ServiceSpec, Stack

    stack = Stack(
        Path(sys.argv[1]),
        services=[ServiceSpec(name, "fakesvc") for name in SERVICE_NAMES],
        fixed_ports=False,
        environ={},
        extra_env={"PYTHONPATH": sys.argv[2]},
    )
    stack.start()
    stack.monitor()
    """
)


def _wait_for_ready_state(path: Path, driver: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert driver.poll() is None, "the driver exited early"
        try:
            state: dict[str, object] = json.loads(path.read_text())
            if state.get("status") == "ready":
                return state
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        time.sleep(0.2)
    raise AssertionError("the stack did not become ready")


def test_up_after_kill_9_cleans_up_and_recovers(tmp_path: Path, fake_path: Path) -> None:
    """kill -9 of devstack and PostgreSQL leaves orphaned services and broker, a stale
    postmaster.pid and stack.json; the next start must stop the orphans and reuse the data."""
    base = tmp_path / ".devstack"
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    driver = subprocess.Popen(
        [sys.executable, str(script), str(base), str(fake_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        state = _wait_for_ready_state(base / "stack.json", driver)
    except BaseException:
        os.killpg(driver.pid, signal.SIGKILL)
        raise
    services = state["services"]
    assert isinstance(services, dict)
    orphan_pids = [int(s["pid"]) for s in services.values()]
    broker = state["broker"]
    postgres = state["postgres"]
    assert isinstance(broker, dict) and isinstance(postgres, dict)
    orphan_pids.append(int(broker["pid"]))
    driver.kill()
    driver.wait()
    os.killpg(int(postgres["pid"]), signal.SIGKILL)
    assert all(psutil.pid_exists(pid) for pid in orphan_pids)
    assert (base / "pgdata" / "postmaster.pid").exists()

    again = _stack(base, fake_path)
    try:
        again.start()
        for pid in orphan_pids:
            assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
        assert again.postgres is not None
        # The data survived: migrations ran once before and once now.
        assert again.postgres.psql("SELECT count(*) FROM fake_migrated", "talent").strip() == "2"
        assert all(again.is_ready(name) for name in SERVICE_NAMES)
    finally:
        again.stop()
    assert json.loads((base / "stack.json").read_text())["status"] == "stopped"


def test_external_database_and_broker_are_used_not_started(tmp_path: Path, fake_path: Path) -> None:
    """DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS name servers to use instead of embedded ones."""
    from devstack.broker import EmbeddedBroker
    from devstack.postgres import EmbeddedPostgres

    server = EmbeddedPostgres(tmp_path / "external-pg")
    broker = EmbeddedBroker()
    server.start()
    broker.start()
    external = Stack(
        tmp_path / ".devstack",
        services=[ServiceSpec(name, "fakesvc") for name in SERVICE_NAMES],
        fixed_ports=False,
        environ={
            "DATABASE_URL": server.url("postgres"),
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            # Tansu again, so say so; for Apache Kafka it defaults to true.
            "KAFKA_ENABLE_IDEMPOTENCE": "false",
        },
        extra_env={"PYTHONPATH": str(fake_path)},
    )
    try:
        external.start()
        assert external.postgres is None and external.broker is None
        assert not (tmp_path / ".devstack" / "pgdata").exists()
        for name in SERVICE_NAMES:
            assert server.database_exists(name)
        env = _env_of(external, "ned")
        assert env["DATABASE_URL"] == server.url("ned")
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == broker.bootstrap_servers
        assert env["KAFKA_ENABLE_IDEMPOTENCE"] == "false"
        topics = run_sync(_topics(broker.bootstrap_servers))
        assert "leadership.dlq.ned" in topics
        state = json.loads(external.paths.state_file.read_text())
        assert state["postgres"]["external"] is True and state["postgres"]["pid"] is None
        assert state["broker"]["external"] is True and state["broker"]["pid"] is None
    finally:
        external.stop()
        broker.stop()
        server.stop()


def test_idempotence_defaults_on_for_an_external_broker(tmp_path: Path) -> None:
    assert Stack(tmp_path, environ={"KAFKA_BOOTSTRAP_SERVERS": "h:1"}).enable_idempotence
    assert not Stack(tmp_path, environ={}).enable_idempotence
