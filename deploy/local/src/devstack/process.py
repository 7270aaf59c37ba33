"""Child processes the stack owns: started, signalled, stopped and killed by process id.

Every child runs in its own session (so its own process group): Ctrl-C in the terminal then
reaches only ``devstack up``, which stops the children in order (services, broker, database)
instead of all of them at once, and a SIGKILL or SIGSTOP of the group reaches the child's own
children too (PostgreSQL backends).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

logger = logging.getLogger("devstack")


def tail(path: Path | None, lines: int = 20) -> str:
    """The last lines of a log file, for error messages about a child that died."""
    if path is None or not path.is_file():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 16_384))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _group_alive(pgid: int) -> bool:
    """Whether any live (non-zombie) process is left in process group ``pgid``.

    Zombies are ignored: once the group leader is gone its children are re-parented to an
    init that may be slow to reap them (or never does, in some containers), and a zombie
    holds no port, no shared memory and no file.
    """
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.Error):
            continue
    return False


def run_as(user: str | None) -> dict[str, Any]:
    """subprocess keyword arguments to run a child as ``user`` with only that user's group.

    ``user=`` alone changes the uid but keeps root's gid and supplementary groups; the child
    would then be judged by the *group* bits of root-owned folders (0700 pytest temporary
    folders deny it) instead of the other bits we open up for it.
    """
    if user is None:
        return {}
    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}


def signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


@dataclass(frozen=True)
class ProcessRecord:
    """What the state file remembers about a child, to recognise it after a crash of ours."""

    pid: int
    argv: tuple[str, ...]
    create_time: float

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "argv": list(self.argv), "create_time": self.create_time}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessRecord:
        return cls(
            pid=int(data["pid"]),
            argv=tuple(str(arg) for arg in data["argv"]),
            create_time=float(data["create_time"]),
        )

    def live_process(self) -> psutil.Process | None:
        """The recorded process if it still runs, is the same process (not a reused pid) and
        still has the command line we started it with; else None."""
        try:
            proc = psutil.Process(self.pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            # A reused pid has a later start time; allow for the clock-tick rounding of /proc.
            if abs(proc.create_time() - self.create_time) > 1.0:
                return None
            if tuple(proc.cmdline()) != self.argv:
                return None
        except psutil.Error:
            return None
        return proc


def wait_gone(proc: psutil.Process, timeout: float) -> bool:
    """Wait until a process that is not our child has ended; returns whether it has.

    Not ``psutil.Process.wait``: an orphan becomes a zombie of init, which reaps when it
    gets round to it (seconds, in some containers), and that wait lasts until the reaping.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def terminate_leftover(
    record: ProcessRecord, name: str, first_signal: int = signal.SIGTERM, timeout: float = 10.0
) -> bool:
    """Stop a process a previous, crashed run left behind. Returns whether there was one."""
    proc = record.live_process()
    if proc is None:
        return False
    logger.info("stopping leftover %s from a previous run (pid %d)", name, record.pid)
    try:
        pgid = os.getpgid(record.pid)
    except ProcessLookupError:
        return False
    # Only signal the whole group when the child leads its own one, which ours always do;
    # otherwise we would hit whatever group it shares (possibly our own).
    own_group = pgid == record.pid
    try:
        proc.send_signal(first_signal)
        proc.send_signal(signal.SIGCONT)  # a paused (SIGSTOPped) leftover must wake to exit
    except psutil.Error:
        return True
    if not wait_gone(proc, timeout):
        logger.warning(
            "leftover %s (pid %d) ignored signal %d; killing it", name, record.pid, first_signal
        )
        if own_group:
            signal_group(pgid, signal.SIGKILL)
        else:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        wait_gone(proc, 5.0)
    if own_group:
        _wait_group_gone(pgid, 10.0)
    return True


def _wait_group_gone(pgid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _group_alive(pgid):
        if time.monotonic() > deadline:
            signal_group(pgid, signal.SIGKILL)
            return
        time.sleep(0.05)


class ChildProcess:
    """One long-running child: its own session, output appended to a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> None:
        self.name = name
        self.argv: tuple[str, ...] = tuple(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self._popen: subprocess.Popen[bytes] | None = None
        self._paused = False

    # -- state -------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def returncode(self) -> int | None:
        """The exit status once the child has ended (negative: killed by that signal)."""
        if self._popen is None:
            return None
        return self._popen.poll()

    def is_running(self) -> bool:
        # poll() also reaps the child, so a dead child never lingers as our zombie.
        return self._popen is not None and self._popen.poll() is None

    @property
    def paused(self) -> bool:
        return self._paused and self.is_running()

    def record(self) -> ProcessRecord | None:
        """What to write to the state file; None when the child is not running."""
        if self._popen is None or not self.is_running():
            return None
        try:
            create_time = psutil.Process(self._popen.pid).create_time()
        except psutil.Error:
            return None
        return ProcessRecord(pid=self._popen.pid, argv=self.argv, create_time=create_time)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self.is_running():
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self._paused = False
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("ab") as log:
                log.write(
                    f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}: "
                    f"{' '.join(self.argv)}\n".encode()
                )
                log.flush()
                self._popen = self._spawn(log)
        else:
            self._popen = self._spawn(subprocess.DEVNULL)
        logger.debug("started %s (pid %d): %s", self.name, self._popen.pid, " ".join(self.argv))

    def _spawn(self, output: Any) -> subprocess.Popen[bytes]:
        # The log file is opened by us and inherited, so a child running as another user
        # (PostgreSQL under root) can write it without owning it.
        return subprocess.Popen(
            list(self.argv),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            **run_as(self.user),
            start_new_session=True,
            close_fds=True,
        )

    def send_signal(self, sig: int) -> None:
        if self.is_running() and self._popen is not None:
            self._popen.send_signal(sig)

    def signal_group(self, sig: int) -> None:
        if self.is_running() and self._popen is not None:
            signal_group(self._popen.pid, sig)

    def pause(self) -> None:
        """SIGSTOP the whole group: the child and anything it forked freeze, sockets stay open."""
        if not self.is_running():
            raise RuntimeError(f"{self.name} is not running")
        self.signal_group(signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        self.signal_group(signal.SIGCONT)
        self._paused = False

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the child to end; None when it still runs after ``timeout``."""
        if self._popen is None:
            return None
        try:
            return self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int | None:
        """Ask the child to end with ``sig``; SIGKILL its group if it has not after ``timeout``."""
        self.begin_stop(sig)
        return self.finish_stop(timeout)

    def begin_stop(self, sig: int = signal.SIGTERM) -> None:
        """Send the stop signal without waiting, so several children can wind down at once.

        Sent exactly once: uvicorn takes a second SIGTERM as "exit now, skip the graceful part".
        """
        if self._popen is None or not self.is_running():
            return
        self._popen.send_signal(sig)
        # A stopped process keeps the signal pending until it is continued.
        self.signal_group(signal.SIGCONT)
        self._paused = False

    def finish_stop(self, timeout: float = 10.0) -> int | None:
        """Wait up to ``timeout`` for a child sent ``begin_stop`` to end, then SIGKILL it."""
        if self._popen is None:
            return None
        if self.wait(timeout) is None:
            logger.warning("%s did not stop within %.0fs; killing it", self.name, timeout)
            return self.kill()
        _wait_group_gone(self._popen.pid, timeout)
        return self._popen.poll()

    def kill(self) -> int | None:
        """SIGKILL the child's whole group (a crash: nothing gets to clean up)."""
        if self._popen is None:
            return None
        signal_group(self._popen.pid, signal.SIGKILL)
        self._paused = False
        self._popen.wait()
        # Grandchildren (PostgreSQL backends) must be gone before a restart reuses the data
        # directory or the port.
        _wait_group_gone(self._popen.pid, 10.0)
        return self._popen.returncode

    def log_tail(self, lines: int = 20) -> str:
        return tail(self.log_path, lines)
