"""The orchestrator behind ``devstack up``: database, broker, then the four services.

It is also the fault-injection harness of the test suite: a test builds a ``Stack`` in a
temporary base directory, starts it as real processes, then stops, kills, pauses and
restarts individual pieces by name.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from devstack.aio import run_sync
from devstack.broker import EmbeddedBroker, create_topics_async
from devstack.paths import StackPaths, default_base_dir, find_repo_root
from devstack.ports import LOCALHOST, pick_port
from devstack.postgres import EmbeddedPostgres, create_databases
from devstack.process import ChildProcess, ProcessRecord, tail, terminate_leftover
from devstack.tokens import ALGORITHM, ALL_SCOPES, load_or_create_secret, mint_token

logger = logging.getLogger("devstack")

SERVICE_NAMES: tuple[str, ...] = ("standards", "appraisal", "talent", "ned")
#: Each service consumes with a group named after itself; its dead letters go to
#: ``leadership.dlq.<group>``.
CONSUMER_GROUPS: tuple[str, ...] = SERVICE_NAMES
TOPIC_PARTITIONS = 3

# Fixed ports from uncommon ranges keep URLs (bookmarks, .env files, Swagger tabs) stable
# across restarts; the shared settings default to the same PostgreSQL and broker ports.
DEFAULT_SERVICE_PORT_BASE = 8711
DEFAULT_POSTGRES_PORT = 55432
DEFAULT_BROKER_PORT = 59092

#: Lifetime of the token ``up`` prints: a working day, so it is not stale by the afternoon.
UP_TOKEN_TTL_SECONDS = 24 * 3600


def event_topics(services: Sequence[str] = SERVICE_NAMES) -> list[str]:
    return [f"leadership.{name}" for name in services]


def dead_letter_topics(groups: Sequence[str] = CONSUMER_GROUPS) -> list[str]:
    return [f"leadership.dlq.{group}" for group in groups]


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one service: ``python -m <module> migrate|serve``."""

    name: str
    module: str
    preferred_port: int | None = None
    database: str | None = None

    @property
    def database_name(self) -> str:
        return self.database or self.name


def default_services(port_base: int | None = DEFAULT_SERVICE_PORT_BASE) -> tuple[ServiceSpec, ...]:
    return tuple(
        ServiceSpec(
            name=name,
            module=name,
            preferred_port=None if port_base is None else port_base + index,
        )
        for index, name in enumerate(SERVICE_NAMES)
    )


class StackError(RuntimeError):
    """Something the developer must act on; the message says what."""


class _Service:
    """Run-time state of one service."""

    def __init__(self, spec: ServiceSpec, port: int) -> None:
        self.spec = spec
        self.port = port
        self.process: ChildProcess | None = None
        # Set when we stop it on purpose, so the monitor does not report it as a crash.
        self.expected_down = True
        self.reported_exit = False

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}"


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Stack:
    """PostgreSQL, the broker and the services, each a child process of this object.

    ``environ`` is where ``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS`` /
    ``KAFKA_ENABLE_IDEMPOTENCE`` are looked up to use an existing server instead of an
    embedded one (default: ``os.environ``; tests pass ``{}`` to always embed).
    ``extra_env`` is added last to every service's environment.
    ``fixed_ports=False`` uses ephemeral ports only, so a test stack never takes the ports a
    developer's own ``make up`` expects.
    """

    def __init__(
        self,
        base_dir: Path | None = None,
        *,
        services: Sequence[ServiceSpec] | None = None,
        port_base: int | None = None,
        postgres_port: int | None = None,
        broker_port: int | None = None,
        fixed_ports: bool = True,
        environ: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        python: str | None = None,
        cwd: Path | None = None,
        seed: bool = False,
        ready_timeout: float = 120.0,
        migrate_timeout: float = 300.0,
        stop_timeout: float = 15.0,
    ) -> None:
        self.paths = StackPaths(base_dir if base_dir is not None else default_base_dir())
        self.base_dir = self.paths.base_dir
        if services is None:
            base = port_base if port_base is not None else DEFAULT_SERVICE_PORT_BASE
            services = default_services(base if fixed_ports else None)
        elif port_base is not None:
            services = [
                ServiceSpec(spec.name, spec.module, port_base + index, spec.database)
                for index, spec in enumerate(services)
            ]
        if len({spec.name for spec in services}) != len(services):
            raise ValueError("service names must be unique")
        self.specs: tuple[ServiceSpec, ...] = tuple(services)
        self.fixed_ports = fixed_ports
        self._postgres_port_pref = postgres_port or (DEFAULT_POSTGRES_PORT if fixed_ports else None)
        self._broker_port_pref = broker_port or (DEFAULT_BROKER_PORT if fixed_ports else None)
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.extra_env = dict(extra_env or {})
        self.python = python or sys.executable
        self.cwd = cwd if cwd is not None else self._default_cwd()
        self.seed_requested = seed
        self.ready_timeout = ready_timeout
        self.migrate_timeout = migrate_timeout
        self.stop_timeout = stop_timeout

        self.postgres: EmbeddedPostgres | None = None
        self.broker: EmbeddedBroker | None = None
        self._external_database_url = self.environ.get("DATABASE_URL") or None
        self._external_bootstrap = self.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None
        self.enable_idempotence = (
            _truthy(self.environ.get("KAFKA_ENABLE_IDEMPOTENCE"), default=True)
            if self._external_bootstrap
            else False  # Tansu cannot do idempotent producers
        )
        self._services: dict[str, _Service] = {}
        self._ports_taken: set[int] = set()
        self._lock_handle: IO[str] | None = None
        self._reported: set[str] = set()
        self.secret: str | None = None
        self.token: str | None = None
        self.status = "new"

    def _default_cwd(self) -> Path:
        # Services run from the repository root, where a developer would run them by hand.
        try:
            return find_repo_root()
        except FileNotFoundError:
            return self.base_dir.parent

    # -- addresses ---------------------------------------------------------------------------

    @property
    def service_names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def _service(self, name: str) -> _Service:
        try:
            return self._services[name]
        except KeyError:
            known = ", ".join(self.service_names)
            raise KeyError(f"no service {name!r} started in this stack (known: {known})") from None

    def service_url(self, name: str) -> str:
        return self._service(name).url

    def service_port(self, name: str) -> int:
        return self._service(name).port

    def service_pid(self, name: str) -> int | None:
        process = self._service(name).process
        return process.pid if process is not None and process.is_running() else None

    def service_process(self, name: str) -> ChildProcess | None:
        return self._service(name).process

    def database_url(self, database: str) -> str:
        """SQLAlchemy (asyncpg) URL of ``database`` on the stack's server."""
        if self.postgres is not None:
            return self.postgres.url(database)
        if self._external_database_url is None:
            raise StackError("PostgreSQL is not started")
        from sqlalchemy.engine import make_url

        url = make_url(self._external_database_url).set(
            drivername="postgresql+asyncpg", database=database
        )
        return url.render_as_string(hide_password=False)

    def service_database_url(self, name: str) -> str:
        return self.database_url(self._service(name).spec.database_name)

    @property
    def admin_url(self) -> str:
        """libpq URL for administrative SQL (creating databases)."""
        if self.postgres is not None:
            return self.postgres.admin_url
        if self._external_database_url is None:
            raise StackError("PostgreSQL is not started")
        from sqlalchemy.engine import make_url

        # The database named in DATABASE_URL is one the given user can connect to.
        parsed = make_url(self._external_database_url)
        url = parsed.set(drivername="postgresql", database=parsed.database or "postgres")
        return url.render_as_string(hide_password=False)

    @property
    def bootstrap_servers(self) -> str:
        if self.broker is not None:
            return self.broker.bootstrap_servers
        if self._external_bootstrap is None:
            raise StackError("the broker is not started")
        return self._external_bootstrap

    def topics(self) -> list[str]:
        return event_topics(self.service_names) + dead_letter_topics(self.service_names)

    # -- whole stack -------------------------------------------------------------------------

    def start(self) -> None:
        """Bring everything up and wait until every service is ready.

        On any failure (or Ctrl-C) whatever was started is stopped again before raising.
        """
        self._acquire_lock()
        self.status = "starting"
        try:
            self.paths.logs.mkdir(parents=True, exist_ok=True)
            self.cleanup_leftovers()
            self._rotate_logs()
            self.secret = load_or_create_secret(self.paths.secret_file)
            self.start_postgres()
            self.create_databases()
            self.start_broker()
            self.create_topics()
            self._assign_service_ports()
            self.migrate_all()
            for spec in self.specs:
                self.start_service(spec.name, wait=False)
            self.wait_all_ready()
            self.token = self.mint_token(ttl_seconds=UP_TOKEN_TTL_SECONDS)
            if self.seed_requested:
                self.seed()
            self.status = "ready"
            self.write_state()
        except BaseException:
            self.status = "failed"
            self.stop()
            raise

    def stop(self) -> None:
        """Services first (SIGTERM, at once), then the broker, then PostgreSQL (fast shutdown);
        anything that outlives the timeout is SIGKILLed."""
        running = [
            service
            for service in self._services.values()
            if service.process is not None and service.process.is_running()
        ]
        if running:
            logger.info("stopping %s", ", ".join(s.spec.name for s in running))
        for service in running:
            service.expected_down = True
            assert service.process is not None
            service.process.begin_stop(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for service in running:
            assert service.process is not None
            service.process.finish_stop(max(0.5, deadline - time.monotonic()))
        if self.broker is not None and self.broker.is_running():
            logger.info("stopping broker")
            self.broker.stop(self.stop_timeout)
        if self.postgres is not None and self.postgres.is_running():
            logger.info("stopping PostgreSQL")
            self.postgres.stop(30.0)
        if self.status not in ("failed", "new"):
            self.status = "stopped"
        if self._lock_handle is not None:
            self.write_state()
        self._release_lock()

    def kill_all(self) -> None:
        """SIGKILL every child at once (a crash of the whole machine's processes)."""
        for service in self._services.values():
            service.expected_down = True
            if service.process is not None:
                service.process.kill()
        if self.broker is not None:
            self.broker.kill()
        if self.postgres is not None:
            self.postgres.kill()
        self.status = "killed"
        self._release_lock()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lock, leftovers, logs ---------------------------------------------------------------

    def _acquire_lock(self) -> None:
        """One ``up`` per base directory: a second one would fight over the data directory.

        flock is released by the kernel when its holder dies, even by SIGKILL, so a crash never
        leaves the directory locked.
        """
        if self._lock_handle is not None:
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        handle = self.paths.lock_file.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise StackError(
                f"another devstack (pid {holder}) is running on {self.base_dir}; stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_handle = handle

    def _release_lock(self) -> None:
        if self._lock_handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_handle.fileno(), fcntl.LOCK_UN)
            self._lock_handle.close()
            self._lock_handle = None

    def cleanup_leftovers(self) -> None:
        """Stop processes a previous run recorded in stack.json that still run.

        Only processes whose pid, start time and exact command line match the record are
        touched, so a recycled pid never gets a signal. Services go first, PostgreSQL last,
        as in a normal stop.
        """
        try:
            state = json.loads(self.paths.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return
        records: dict[str, Any] = state.get("processes") or {}
        parsed: dict[str, ProcessRecord] = {}
        for key, data in records.items():
            with contextlib.suppress(KeyError, TypeError, ValueError):
                parsed[key] = ProcessRecord.from_json(data)
        services = [key for key in parsed if key.startswith("service:")]
        # The services wind down in parallel, as in a normal stop; then broker, then database.
        with ThreadPoolExecutor(max_workers=max(1, len(services))) as pool:
            list(pool.map(lambda key: terminate_leftover(parsed[key], key), services))
        if "broker" in parsed:
            terminate_leftover(parsed["broker"], "broker")
        if "postgres" in parsed:
            terminate_leftover(
                parsed["postgres"], "postgres", first_signal=signal.SIGINT, timeout=30.0
            )

    def _rotate_logs(self) -> None:
        """Keep the previous run's logs as ``*.log.1`` (a crash is often explained there)."""
        for log in self.paths.logs.glob("*.log"):
            os.replace(log, log.with_name(log.name + ".1"))

    # -- infrastructure ----------------------------------------------------------------------

    def start_postgres(self) -> None:
        if self._external_database_url is not None:
            logger.info("using the PostgreSQL server of DATABASE_URL (not starting one)")
            return
        if self.postgres is None:
            port = pick_port(self._postgres_port_pref, taken=self._ports_taken)
            self.postgres = EmbeddedPostgres(
                self.paths.pgdata, port, log_path=self.paths.log("postgres")
            )
        logger.info("starting PostgreSQL on port %d", self.postgres.port)
        self.postgres.start()
        self.write_state()

    def create_databases(self) -> list[str]:
        created = create_databases(self.admin_url, [spec.database_name for spec in self.specs])
        if created:
            logger.info("created databases %s", ", ".join(created))
        return created

    def start_broker(self) -> None:
        if self._external_bootstrap is not None:
            logger.info(
                "using the broker of KAFKA_BOOTSTRAP_SERVERS=%s (not starting one)",
                self._external_bootstrap,
            )
            return
        if self.broker is None:
            port = pick_port(self._broker_port_pref, taken=self._ports_taken)
            self.broker = EmbeddedBroker(port, log_path=self.paths.log("broker"))
        logger.info("starting broker on port %d", self.broker.port)
        self.broker.start()
        self.write_state()

    def create_topics(self) -> list[str]:
        if self.broker is not None:
            created = self.broker.create_topics(self.topics(), TOPIC_PARTITIONS)
        else:
            created = run_sync(
                create_topics_async(self.bootstrap_servers, self.topics(), TOPIC_PARTITIONS)
            )
        if created:
            logger.info("created topics %s", ", ".join(created))
        return created

    def restart_broker(self, recreate_topics: bool = True) -> None:
        """Restart the embedded broker on the same port; it comes back empty, with the
        platform's topics re-created unless ``recreate_topics`` is False."""
        if self.broker is None:
            raise StackError("the broker is external; devstack cannot restart it")
        self.broker.stop(self.stop_timeout)
        self.broker.start()
        if recreate_topics:
            self.create_topics()
        self.write_state()

    def restart_postgres(self) -> None:
        if self.postgres is None:
            raise StackError("PostgreSQL is external; devstack cannot restart it")
        self.postgres.restart()
        self.write_state()

    # -- services ----------------------------------------------------------------------------

    def _assign_service_ports(self) -> None:
        for spec in self.specs:
            if spec.name not in self._services:
                port = pick_port(spec.preferred_port, taken=self._ports_taken)
                self._services[spec.name] = _Service(spec, port)

    def service_env(self, name: str) -> dict[str, str]:
        """The environment ``python -m <service> ...`` runs with."""
        service = self._service(name)
        if self.secret is None:
            self.secret = load_or_create_secret(self.paths.secret_file)
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.service_database_url(name),
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
                "KAFKA_ENABLE_IDEMPOTENCE": "true" if self.enable_idempotence else "false",
                "JWT_SECRET": self.secret,
                "ENVIRONMENT": "development",
                "RUN_WORKERS": "true",
                "SERVICE_PORT": str(service.port),
                # A consumer killed with -9 holds its partitions until its session times out;
                # locally a short timeout makes recovery (and the first group join) quick.
                "KAFKA_SESSION_TIMEOUT_MS": os.environ.get("KAFKA_SESSION_TIMEOUT_MS", "6000"),
                "KAFKA_HEARTBEAT_INTERVAL_MS": os.environ.get("KAFKA_HEARTBEAT_INTERVAL_MS", "500"),
                # Log lines reach the log file as they happen, not when a buffer fills.
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def migrate(self, name: str) -> None:
        self._run_migrations([name])

    def migrate_all(self) -> None:
        self._run_migrations(self.service_names)

    def _run_migrations(self, names: Sequence[str]) -> None:
        """``python -m <service> migrate`` for each, all at once (separate databases)."""
        self._assign_service_ports()
        running: list[tuple[str, ChildProcess]] = []
        for name in names:
            spec = self._service(name).spec
            logger.info("migrating %s", name)
            process = ChildProcess(
                f"{name}-migrate",
                [self.python, "-m", spec.module, "migrate"],
                log_path=self.paths.log(name),
                env=self.service_env(name),
                cwd=self.cwd,
            )
            process.start()
            running.append((name, process))
        deadline = time.monotonic() + self.migrate_timeout
        failures: list[str] = []
        try:
            for name, process in running:
                code = process.wait(max(0.1, deadline - time.monotonic()))
                if code is None:
                    process.kill()
                    failures.append(
                        f"{name}: migrations still running after {self.migrate_timeout:.0f}s"
                    )
                elif code != 0:
                    failures.append(
                        f"{name}: migrations exited with code {code} "
                        f"(log {self.paths.log(name)}):\n{tail(self.paths.log(name), 15)}"
                    )
        finally:
            for _, process in running:
                if process.is_running():
                    process.kill()
        if failures:
            raise StackError("migrations failed\n" + "\n".join(failures))

    def start_service(self, name: str, wait: bool = True, timeout: float | None = None) -> None:
        """Start ``python -m <service> serve`` on its port (the same one across restarts)."""
        self._assign_service_ports()
        service = self._service(name)
        if service.process is not None and service.process.is_running():
            raise StackError(f"{name} is already running (pid {service.process.pid})")
        service.process = ChildProcess(
            name,
            [
                self.python,
                "-m",
                service.spec.module,
                "serve",
                "--host",
                LOCALHOST,
                "--port",
                str(service.port),
            ],
            log_path=self.paths.log(name),
            env=self.service_env(name),
            cwd=self.cwd,
        )
        logger.info("starting %s on port %d", name, service.port)
        service.process.start()
        service.expected_down = False
        service.reported_exit = False
        self.write_state()
        if wait:
            self.wait_ready(name, timeout)

    def stop_service(self, name: str, timeout: float | None = None) -> int | None:
        """SIGTERM (graceful), SIGKILL after ``timeout``. Returns the exit status."""
        service = self._service(name)
        service.expected_down = True
        if service.process is None:
            return None
        code = service.process.stop(signal.SIGTERM, timeout or self.stop_timeout)
        self.write_state()
        return code

    def kill_service(self, name: str) -> int | None:
        """SIGKILL: no shutdown hooks, in-flight work lost (outbox and inbox must cope)."""
        service = self._service(name)
        service.expected_down = True
        if service.process is None:
            return None
        code = service.process.kill()
        self.write_state()
        return code

    def restart_service(self, name: str, wait: bool = True, timeout: float | None = None) -> None:
        self.stop_service(name)
        self.start_service(name, wait=wait, timeout=timeout)

    def pause_service(self, name: str) -> None:
        """SIGSTOP: the service holds its connections but answers nothing."""
        process = self._service(name).process
        if process is None:
            raise StackError(f"{name} is not running")
        process.pause()

    def resume_service(self, name: str) -> None:
        process = self._service(name).process
        if process is not None:
            process.resume()

    def is_ready(self, name: str, client: httpx.Client | None = None) -> bool:
        url = f"{self.service_url(name)}/readyz"
        try:
            if client is not None:
                return client.get(url).status_code == 200
            return httpx.get(url, timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, name: str, timeout: float | None = None) -> None:
        self._wait_ready([name], timeout)

    def wait_all_ready(self, timeout: float | None = None) -> None:
        self._wait_ready(self.service_names, timeout)

    def _wait_ready(self, names: Sequence[str], timeout: float | None) -> None:
        """Poll ``GET /readyz`` until each answers 200; fail early when one exits."""
        limit = timeout if timeout is not None else self.ready_timeout
        deadline = time.monotonic() + limit
        pending = list(names)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name in list(pending):
                    service = self._service(name)
                    process = service.process
                    if process is None or not process.is_running():
                        code = process.returncode if process is not None else None
                        service.reported_exit = True
                        raise StackError(
                            f"{name} exited with code {code} before it was ready "
                            f"(log {self.paths.log(name)}):\n{tail(self.paths.log(name), 20)}"
                        )
                    if self.is_ready(name, client):
                        logger.info("%s ready at %s", name, service.url)
                        pending.remove(name)
                if pending:
                    if time.monotonic() > deadline:
                        raise StackError(
                            f"not ready after {limit:.0f}s: {', '.join(pending)} "
                            f"(see {self.paths.logs})"
                        )
                    time.sleep(0.25)

    # -- after start -------------------------------------------------------------------------

    def mint_token(
        self,
        scopes: str | Sequence[str] = ALL_SCOPES,
        *,
        subject: str = "devstack-developer",
        org: str | None = None,
        region: str | None = None,
        ttl_seconds: int = 3600,
    ) -> str:
        if self.secret is None:
            self.secret = load_or_create_secret(self.paths.secret_file)
        return mint_token(
            secret=self.secret,
            subject=subject,
            scopes=scopes,
            org=org,
            region=region,
            ttl_seconds=ttl_seconds,
        )

    def seed(self) -> None:
        """Hook for ``up --seed``: loading demonstration data is not defined yet."""
        logger.info("--seed: no seed data is defined yet; nothing loaded")

    def check_children(self) -> list[str]:
        """Report children that ended without being asked to, once each.

        Returns the messages (also logged as warnings); the others are left running.
        """
        messages: list[str] = []

        def check(key: str, process: ChildProcess | None, log: Path) -> None:
            if process is None or process.pid is None or process.is_running():
                return
            marker = f"{key}:{process.pid}"
            if marker in self._reported:
                return
            self._reported.add(marker)
            message = (
                f"{key} (pid {process.pid}) exited unexpectedly with code "
                f"{process.returncode}; log {log}"
            )
            # Service logs are JSON lines; a few shortened ones say enough in a console.
            excerpt = "\n".join(line[:240] for line in tail(log, 5).splitlines())
            logger.warning("%s\n%s", message, excerpt)
            messages.append(message)

        for service in self._services.values():
            if not service.expected_down and not service.reported_exit:
                check(service.spec.name, service.process, self.paths.log(service.spec.name))
        if self.status == "ready":
            if self.broker is not None:
                check("broker", self.broker.process, self.paths.log("broker"))
            if self.postgres is not None:
                check("postgres", self.postgres.process, self.paths.log("postgres"))
        return messages

    def monitor(self, stop: threading.Event | None = None, interval: float = 0.5) -> None:
        """Watch the children until ``stop`` is set (or forever; Ctrl-C interrupts)."""
        stop = stop or threading.Event()
        while not stop.wait(interval):
            self.check_children()

    # -- state file --------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What stack.json holds: addresses and pids for people and for tools."""
        processes: dict[str, Any] = {}
        services: dict[str, Any] = {}
        for name, service in self._services.items():
            pid = self.service_pid(name)
            services[name] = {
                "url": service.url,
                "docs_url": f"{service.url}/docs",
                "port": service.port,
                "pid": pid,
                "database_url": self.service_database_url(name),
                "log": str(self.paths.log(name)),
            }
            record = service.process.record() if service.process is not None else None
            if record is not None:
                processes[f"service:{name}"] = record.to_json()
        broker: dict[str, Any] = {}
        if self.broker is not None or self._external_bootstrap is not None:
            broker = {
                "bootstrap_servers": self.bootstrap_servers,
                "pid": self.broker.pid if self.broker is not None else None,
                "external": self.broker is None,
                "enable_idempotence": self.enable_idempotence,
            }
            if self.broker is not None:
                broker["log"] = str(self.paths.log("broker"))
                if self.broker.process is not None and (record := self.broker.process.record()):
                    processes["broker"] = record.to_json()
        postgres: dict[str, Any] = {}
        if self.postgres is not None:
            postgres = {
                "host": self.postgres.host,
                "port": self.postgres.port,
                "pid": self.postgres.pid,
                "data_dir": str(self.postgres.data_dir),
                "admin_url": self.postgres.admin_url,
                "external": False,
                "log": str(self.paths.log("postgres")),
            }
            if self.postgres.process is not None and (record := self.postgres.process.record()):
                processes["postgres"] = record.to_json()
        elif self._external_database_url is not None:
            from sqlalchemy.engine import make_url

            parsed = make_url(self._external_database_url)
            postgres = {
                "host": parsed.host,
                "port": parsed.port or 5432,
                "pid": None,
                "data_dir": None,
                "admin_url": self.admin_url,
                "external": True,
            }
        return {
            "status": self.status,
            "devstack_pid": os.getpid(),
            "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "base_dir": str(self.base_dir),
            "services": services,
            "broker": broker,
            "postgres": postgres,
            "token": self.token,
            "jwt": {"algorithm": ALGORITHM, "secret_file": str(self.paths.secret_file)},
            "logs": str(self.paths.logs),
            # For the next run after a crash: which pids are ours to clean up.
            "processes": processes,
        }

    def write_state(self) -> None:
        """Write stack.json atomically (readers never see half a file)."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.paths.state_file.with_name(f".stack.json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.state(), indent=2) + "\n")
        os.replace(tmp, self.paths.state_file)

    def describe(self) -> Iterator[str]:
        """Console lines summarising a started stack."""
        width = max([len(name) for name in self.service_names] + [8])
        for name in self.service_names:
            service = self._services[name]
            yield (
                f"  {name:<{width}}  {service.url}   docs {service.url}/docs   "
                f"pid {self.service_pid(name)}"
            )
        if self.postgres is not None:
            yield f"  {'postgres':<{width}}  {self.postgres.admin_url}   pid {self.postgres.pid}"
        else:
            yield f"  {'postgres':<{width}}  external: {self.admin_url}"
        if self.broker is not None:
            yield f"  {'broker':<{width}}  {self.broker.bootstrap_servers}   pid {self.broker.pid}"
        else:
            yield f"  {'broker':<{width}}  external: {self.bootstrap_servers}"
        yield f"  {'logs':<{width}}  {self.paths.logs}/"
        yield f"  {'state':<{width}}  {self.paths.state_file}"


__all__ = [
    "CONSUMER_GROUPS",
    "DEFAULT_BROKER_PORT",
    "DEFAULT_POSTGRES_PORT",
    "DEFAULT_SERVICE_PORT_BASE",
    "SERVICE_NAMES",
    "ServiceSpec",
    "Stack",
    "StackError",
    "dead_letter_topics",
    "default_services",
    "event_topics",
]
