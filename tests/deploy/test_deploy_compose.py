"""docker-compose.yml checked against the code, since no Docker engine runs these tests.

Every fact is taken from the code, never restated here: the services are the workspace members
under services/, their settings are their pydantic Settings classes (read from the environment
exactly as in a container), the topics are what each service publishes (its settings), consumes
(its AsyncAPI document, built from its event models) and dead-letters (its consumer groups),
and the ports are those of deploy/entrypoint.sh.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from shared.events.topics import dead_letter_topic
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
ROLES = ("api", "worker", "migrate")
# What a deployment must state even where the code has a default: the defaults point at the
# embedded development stack (or, for idempotence, are what Tansu cannot do).
DEPLOYMENT_SETTINGS = {
    "SERVICE_NAME",
    "ENVIRONMENT",
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_ENABLE_IDEMPOTENCE",
    "JWT_SECRET",
}
# What a developer must supply to `docker compose` (everything else has a default in the file).
USER_ENVIRONMENT = {"JWT_SECRET": "compose-test-secret-not-the-development-one"}


def workspace_services() -> list[str]:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    return sorted(m.split("/", 1)[1] for m in members if m.startswith("services/"))


SERVICES = workspace_services()


def settings_class(service: str) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = importlib.import_module(f"{service}.settings").Settings
    return cls


def setting_names(cls: type[ServiceSettings]) -> set[str]:
    # pydantic-settings reads each field from the variable of the same name, upper-cased here;
    # a prefix or aliases would change that, and this test with it.
    assert cls.model_config.get("env_prefix", "") == ""
    assert all(f.alias is None and f.validation_alias is None for f in cls.model_fields.values())
    return {name.upper() for name in cls.model_fields}


def required_settings(cls: type[ServiceSettings]) -> set[str]:
    no_default = {name.upper() for name, f in cls.model_fields.items() if f.is_required()}
    return no_default | DEPLOYMENT_SETTINGS


def load_settings(
    cls: type[ServiceSettings], env: Mapping[str, str], monkeypatch: pytest.MonkeyPatch
) -> ServiceSettings:
    """The settings a process with exactly ``env`` would read (none leaks in from ours)."""
    for name in setting_names(cls):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return cls()


def entrypoint_ports() -> dict[str, int]:
    text = ENTRYPOINT.read_text()
    ports = {
        role: int(m.group(1))
        for role, var in (("api", "API_PORT"), ("worker", "WORKER_PORT"))
        if (m := re.search(rf'^{var}="\$\{{{var}:-(\d+)\}}"$', text, re.M))
    }
    assert set(ports) == {"api", "worker"}, "deploy/entrypoint.sh no longer sets its ports"
    return ports


# ---- compose variable interpolation -------------------------------------------------------

_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error} and $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        current = env.get(name)
        unset_or_empty = current is None or (current == "" and op is not None and ":" in op)
        if op is not None and op.endswith("?") and unset_or_empty:
            raise KeyError(f"{name}: {arg}")
        if op is not None and op.endswith("-") and unset_or_empty:
            return arg
        return current or ""

    return _VARIABLE.sub(substitute, value)


def load_compose(env: Mapping[str, str]) -> dict[str, Any]:
    # safe_load resolves the file's anchors and `<<` merge keys as compose does.
    raw = yaml.safe_load(COMPOSE.read_text())
    return interpolate(raw, env)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(USER_ENVIRONMENT)


def app_services(compose: Mapping[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(compose name, service, role, definition) of every container of our image."""
    for name, definition in compose["services"].items():
        if "build" in definition:
            service, role = definition["command"]
            yield name, service, role, definition


def environment(definition: Mapping[str, Any]) -> dict[str, str]:
    env = definition.get("environment", {})
    assert isinstance(env, dict), "use the mapping form of environment"
    # Compose requires strings (or numbers): a YAML boolean would be refused.
    assert all(isinstance(v, str | int) and not isinstance(v, bool) for v in env.values()), env
    return {k: str(v) for k, v in env.items()}


# ---- the tests ------------------------------------------------------------------------------


def test_deploy_compose_refuses_to_start_without_a_jwt_secret() -> None:
    with pytest.raises(KeyError, match="JWT_SECRET"):
        load_compose({})


def test_deploy_compose_runs_every_role_of_every_service_from_the_image(
    compose: dict[str, Any],
) -> None:
    roles = {(service, role) for _, service, role, _ in app_services(compose)}
    assert roles == {(s, r) for s in SERVICES for r in ROLES}
    images = {d["image"] for *_, d in app_services(compose)}
    assert len(images) == 1
    for name, service, role, definition in app_services(compose):
        assert name == f"{service}-{role}"
        assert definition["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
        assert (ROOT / definition["build"]["dockerfile"]).is_file()


def test_deploy_compose_environment_is_what_each_service_reads(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    kafka_listeners = compose["services"]["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for name, service, role, definition in app_services(compose):
        cls = settings_class(service)
        env = environment(definition)
        unknown = set(env) - setting_names(cls)
        assert not unknown, f"{name} sets variables its settings do not read: {sorted(unknown)}"
        missing = required_settings(cls) - set(env)
        assert not missing, f"{name} lacks {sorted(missing)}"

        settings = load_settings(cls, env, monkeypatch)
        assert settings.service_name == service
        assert settings.kafka_enable_idempotence is True  # Apache Kafka, not the embedded one
        assert settings.jwt_secret == USER_ENVIRONMENT["JWT_SECRET"]
        for server in settings.kafka_bootstrap_servers.split(","):
            host = server.rsplit(":", 1)[0]
            assert host in compose["services"], f"{name}: no compose service {host}"
            assert f"PLAINTEXT://{server}" in kafka_listeners.split(",")
        if role == "api":
            assert settings.run_workers is False, f"{name} must leave the event work to workers"


def test_deploy_compose_each_service_uses_its_own_database_and_role(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres = compose["services"]["postgres"]
    mounts = [v.split(":") for v in postgres["volumes"]]
    init_scripts = [ROOT / src for src, dst, *_ in mounts if "docker-entrypoint-initdb.d" in dst]
    assert len(init_scripts) == 1 and init_scripts[0].is_file()
    script = init_scripts[0].read_text()
    match = re.search(r'^SERVICE_DATABASES="([^"]+)"$', script, re.M)
    assert match, "the init script no longer lists its databases"
    created = set(match.group(1).split())
    assert created == set(SERVICES)
    assert "CREATE DATABASE" in script and "CREATE ROLE" in script

    for name, service, _, definition in app_services(compose):
        settings = load_settings(settings_class(service), environment(definition), monkeypatch)
        url = make_url(settings.database_url)
        assert url.drivername == "postgresql+asyncpg"
        assert url.host == "postgres" and url.port == 5432
        assert url.database == service, f"{name} must use the {service} database"
        assert url.username == service, f"{name} must connect as the {service} role"
        assert url.password == postgres["environment"]["SERVICE_DB_PASSWORD"]


def test_deploy_compose_creates_every_topic_the_code_uses(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.db import Database

    topics_job = compose["services"]["topics"]
    env = environment(topics_job)
    created = set(env["EVENT_TOPICS"].split()) | set(env["DEAD_LETTER_TOPICS"].split())
    [(source, target, *_)] = [v.split(":") for v in topics_job["volumes"]]
    assert topics_job["command"][-1] == target, "the one-shot must run the mounted script"
    script = (ROOT / source).read_text()
    for variable in ("EVENT_TOPICS", "DEAD_LETTER_TOPICS", "PARTITIONS", "REPLICATION_FACTOR"):
        assert f"${variable}" in script, f"create-topics.sh ignores {variable}"
    assert compose["services"]["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == (
        "false"
    )

    needed: dict[str, str] = {}
    for service in SERVICES:
        worker = next(d for _, s, r, d in app_services(compose) if (s, r) == (service, "worker"))
        settings = load_settings(settings_class(service), environment(worker), monkeypatch)
        assert int(env["PARTITIONS"]) == settings.kafka_topic_partitions
        needed[settings.topic] = f"{service} publishes to it"
        # Every service's group gets its dead-letter topic, consumers or not yet.
        needed[dead_letter_topic(settings.group_id)] = f"{service}'s dead letters"
        document = importlib.import_module(f"{service}.asyncapi").asyncapi_document()
        for channel in document["channels"].values():
            needed[channel["address"]] = f"{service}'s AsyncAPI document names it"
        db = Database(settings.database_url)  # builds an engine, connects nowhere
        try:
            main = importlib.import_module(f"{service}.main")
            for consumer in main.DEFINITION.consumers(db, settings):
                needed[dead_letter_topic(consumer.group_id)] = f"{service} consumer group"
        finally:
            db.engine.sync_engine.dispose()

    missing = {t: why for t, why in needed.items() if t not in created}
    assert not missing, f"topics the code uses but compose does not create: {missing}"
    assert created <= set(needed), f"topics nobody uses: {sorted(created - set(needed))}"


def test_deploy_compose_ports_match_the_entrypoint_and_the_image(compose: dict[str, Any]) -> None:
    ports = entrypoint_ports()
    exposed = {
        int(p)
        for line in DOCKERFILE.read_text().splitlines()
        if line.startswith("EXPOSE ")
        for p in line.split()[1:]
    }
    assert set(ports.values()) <= exposed
    for name, _, role, definition in app_services(compose):
        if role == "migrate":
            assert "ports" not in definition and "healthcheck" not in definition
            continue
        probe = " ".join(definition["healthcheck"]["test"])
        assert f"http://127.0.0.1:{ports[role]}/readyz" in probe, name
        for mapping in definition.get("ports", []):
            assert int(str(mapping).rsplit(":", 1)[1]) == ports[role], name
        if role == "api":
            assert definition.get("ports"), f"{name} should be reachable from the host"


def test_deploy_compose_startup_order_waits_for_health_and_one_shots(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    one_shots = {"topics"} | {n for n, _, role, _ in app_services(compose) if role == "migrate"}
    for name, definition in services.items():
        if name not in one_shots:
            assert "healthcheck" in definition, f"{name} runs for good and needs a healthcheck"
        else:
            assert definition.get("restart", "no") == "no", f"{name} is a one-shot"
        for dependency, condition in definition.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            wanted = (
                "service_completed_successfully" if dependency in one_shots else "service_healthy"
            )
            assert condition == {"condition": wanted}, f"{name} -> {dependency}"
            if wanted == "service_healthy":
                assert "healthcheck" in services[dependency]

    for name, service, role, definition in app_services(compose):
        expected = {"postgres"}
        if role != "migrate":
            expected |= {"kafka", "topics", f"{service}-migrate"}
        assert set(definition["depends_on"]) == expected, name
    assert set(services["topics"]["depends_on"]) == {"kafka"}


def test_deploy_compose_kafka_is_a_single_kraft_node(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert compose["services"]["topics"]["image"] == kafka["image"]
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "ZOOKEEPER" not in " ".join(env)
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    for mount in kafka["volumes"] + compose["services"]["postgres"]["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).is_file(), f"{source} is missing"
        else:
            assert source in compose["volumes"], f"undeclared volume {source}"


def test_deploy_runbook_documents_every_setting() -> None:
    runbook = (ROOT / "docs" / "runbooks" / "deploy.md").read_text()
    for service in SERVICES:
        undocumented = sorted(
            n for n in setting_names(settings_class(service)) if f"`{n}`" not in runbook
        )
        assert not undocumented, f"docs/runbooks/deploy.md does not list {undocumented}"
