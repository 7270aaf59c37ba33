"""What the services really emit, against what their AsyncAPI documents say they emit.

Two views of "what a service emits", both compared with its declaration (``<service>.asyncapi``
PUBLISHES/CONSUMES, from which the committed asyncapi.yaml is generated and checked):

- the code: every event model a service defines is declared, and the models its code
  constructs (an event is built only to be written to the outbox; readers are validated, never
  built) are exactly the published ones, owned by that service in the architecture's catalogue;
- a run: the business flows through the real services, with their relays, write outbox rows of
  exactly the documented types, and every message the relay puts on the service's topic is a
  CloudEvent the official SDK decodes, whose headers match the documented headers and carry no
  person's identifier.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib
import pkgutil
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition
from cloudevents.core.bindings import kafka as ce_kafka
from sqlalchemy import select

from devstack import flows
from devstack.testing import auth, eventually, run_service
from shared.asyncapi import SERVICES
from shared.events.model import Event
from shared.tables import outbox

ROOT = Path(__file__).resolve().parents[2]

# ARCHITECTURE §5, the catalogue: event name -> (producing service, Kafka key field). Only the
# producer may publish a name, and consumers read it from the producer's topic.
CATALOGUE: dict[str, tuple[str, str]] = {
    "person.changed": ("talent", "person_id"),
    "training.completed": ("standards", "person_id"),
    "training.accredited": ("standards", "person_id"),
    "credential.revoked": ("standards", "person_id"),
    "eligibility.changed": ("standards", "person_id"),
    "compliance.changed": ("standards", "person_id"),
    "framework.published": ("standards", "code"),
    "provider.accreditation.changed": ("standards", "provider_id"),
    "appraisal.completed": ("appraisal", "person_id"),
    "appraisal.reopened": ("appraisal", "person_id"),
    "readiness.changed": ("talent", "person_id"),
    "succession.plan.updated": ("talent", "org_code"),
    "placement.accepted": ("talent", "person_id"),
    "indicators.published": ("talent", "org_code"),
    "ned.appointed": ("ned", "person_id"),
    "ned.term.ended": ("ned", "person_id"),
    "vacancy.opened": ("ned", "org_code"),
    "fppt.assessed": ("ned", "person_id"),
    "board.composition.published": ("ned", "org_code"),
}

# Payload fields whose values are person numbers (the HR system's identifier of a person).
PERSON_FIELDS = ("person_id", "line_manager_id", "appraiser_id")


def _declaration(service: str) -> Any:
    return importlib.import_module(f"{service}.asyncapi")


def _published_models(service: str) -> set[type[Event]]:
    return set(_declaration(service).PUBLISHES)


def _consumed_models(service: str) -> set[type[Event]]:
    return {model for models in _declaration(service).CONSUMES.values() for model in models}


def _documented_published_types(service: str) -> set[str]:
    """The types on the service's own channel with a send operation, read from the yaml."""
    document = yaml.safe_load((ROOT / "services" / service / "asyncapi.yaml").read_text())
    types = set()
    for operation in document.get("operations", {}).values():
        if operation["action"] == "send":
            for ref in operation["messages"]:
                message_id = ref["$ref"].rsplit("/", 1)[-1]
                types.add(document["components"]["messages"][message_id]["name"])
    return types


def _service_modules(service: str) -> list[str]:
    package = importlib.import_module(service)
    names = [service]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{service}."):
        names.append(info.name)
    return names


def _defined_event_models(service: str) -> set[type[Event]]:
    """Every concrete Event subclass defined anywhere in the service's package."""
    found: set[type[Event]] = set()
    for name in _service_modules(service):
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Event)
                and value.__module__ == name
                and "event_name" in value.__dict__
            ):
                found.add(value)
    return found


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_target(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _lookup(dotted: str) -> Any:
    """The object a dotted name refers to, or None when it is no module attribute."""
    module_name, _, attribute = dotted.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, attribute, None)


def _constructed_event_models(service: str) -> dict[type[Event], list[str]]:
    """Event models the service's source calls (constructs), with where, from the syntax tree.

    Names are resolved through each module's imports to the real objects, so re-exports and
    module aliases (``from x import events as e; e.Thing(...)``) are followed.
    """
    src = ROOT / "services" / service / "src"
    found: dict[type[Event], list[str]] = {}
    for path in sorted((src / service).rglob("*.py")):
        module = _module_name(path, src)
        tree = ast.parse(path.read_text(), filename=str(path))
        names: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _import_target(module, path.name == "__init__.py", node)
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{target}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        names[top] = top
            elif isinstance(node, ast.ClassDef):
                names[node.name] = f"{module}.{node.name}"
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            dotted = None
            if isinstance(node.func, ast.Name) and node.func.id in names:
                dotted = names[node.func.id]
            elif (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in names
            ):
                dotted = f"{names[node.func.value.id]}.{node.func.attr}"
            target = _lookup(dotted) if dotted else None
            if isinstance(target, type) and issubclass(target, Event):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(target, []).append(where)
    return found


def _names(models: set[type[Event]]) -> list[str]:
    return sorted(f"{m.__module__}.{m.__qualname__}" for m in models)


# ---- the code ------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_every_event_model_of_the_service_is_declared(service: str) -> None:
    defined = _defined_event_models(service)
    declared = _published_models(service) | _consumed_models(service)
    undeclared = defined - declared
    assert not undeclared, (
        f"event models in {service} that its asyncapi.py neither publishes nor consumes "
        f"(so its asyncapi.yaml does not document them): {_names(undeclared)}"
    )
    foreign = {m for m in declared if not m.__module__.startswith(f"{service}.")}
    assert not foreign, f"{service} declares models of another package: {_names(foreign)}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_events_the_code_builds_are_the_published_ones(service: str) -> None:
    constructed = _constructed_event_models(service)
    published = _published_models(service)
    undocumented = set(constructed) - published
    assert not undocumented, "built but not in PUBLISHES: " + "; ".join(
        f"{m.event_type()} at {', '.join(constructed[m])}" for m in undocumented
    )
    never_built = published - set(constructed)
    assert not never_built, f"published but never built by the code: {_names(never_built)}"


def test_the_scan_finds_the_known_constructions() -> None:
    # The syntax-tree scan must see through a helper that builds the event and a publisher
    # function taking it: appraisal builds AppraisalCompleted in `_completed_event`, standards
    # passes its events to `publish(...)`.
    appraisal = {m.event_type() for m in _constructed_event_models("appraisal")}
    standards = {m.event_type() for m in _constructed_event_models("standards")}
    assert "leadership.appraisal.completed.v1" in appraisal
    assert "leadership.provider.accreditation.changed.v1" in standards


@pytest.mark.parametrize("service", SERVICES)
def test_published_and_consumed_events_follow_the_catalogue(service: str) -> None:
    for model in _published_models(service):
        assert model.event_name in CATALOGUE, f"{model.event_type()} is not in the catalogue"
        producer, key = CATALOGUE[model.event_name]
        assert producer == service, f"{model.event_type()} belongs to {producer}, not {service}"
        assert model.key_field == key, f"{model.event_type()} is keyed by {key}"
    for topic, models in _declaration(service).CONSUMES.items():
        for model in models:
            assert model.event_name in CATALOGUE, f"{model.event_type()} is not in the catalogue"
            producer, key = CATALOGUE[model.event_name]
            assert producer != service, f"{service} consumes its own {model.event_type()}"
            assert topic == f"leadership.{producer}", (model.event_type(), topic)
            assert model.key_field == key, f"{model.event_type()} is keyed by {key}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_declaration_is_what_the_document_publishes(service: str) -> None:
    assert _documented_published_types(service) == {
        m.event_type() for m in _published_models(service)
    }


# ---- a real run ----------------------------------------------------------------------------

ORG = "RR8"
HEADERS = auth(
    "talent:read talent:write standards:read standards:write standards:admin "
    "appraisal:read appraisal:write",
    org=ORG,
)
# NHS England (a national token with ned:appoint) appoints to the NHS trust's board.
NHSE = auth("ned:read ned:write ned:appoint national")
PRODUCERS = ("talent", "standards", "appraisal", "ned")


@dataclass
class Run:
    rows: dict[str, list[Any]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # ce_id -> Kafka record


def _person_number() -> str:
    # Not hexadecimal, so it cannot turn up inside a UUID or a timestamp by chance.
    return "CT" + "".join(random.choices("0123456789", k=8))


async def _drive(services: dict[str, Any]) -> None:
    talent, standards, appraisal, ned = (services[n].client for n in PRODUCERS)
    manager, person = _person_number(), _person_number()
    await flows.import_people(
        talent,
        [
            flows.staff_row(manager, ORG),
            flows.staff_row(person, ORG, line_manager_id=manager, is_line_manager=False),
        ],
        HEADERS,
    )
    # A critical post whose plan names the person (readiness.changed, and
    # succession.plan.updated as the bench gains a candidate); the events below re-judge them.
    plan = await flows.succession_plan(talent, ORG, HEADERS)
    await flows.succession_candidate(talent, plan["id"], person, HEADERS)
    provider_id = await flows.accredited_provider(standards, HEADERS)
    await flows.record_completion(standards, person, provider_id, HEADERS, org_code=ORG)
    # A new framework version published (framework.published), and the person's compliance
    # worked out once standards has their person.changed (compliance.changed).
    await flows.publish_framework_version(standards, HEADERS)
    await flows.determined_compliance(standards, person, HEADERS)
    # With the first-line standards above, an EDI credential opens the first-line level
    # (eligibility.changed); revoking it publishes credential.revoked and closes it again.
    edi_provider = await flows.accredited_provider(standards, HEADERS, programme="NHS-EDI-MODULE")
    edi = await flows.record_completion(
        standards, person, edi_provider, HEADERS, programme="NHS-EDI-MODULE", org_code=ORG
    )
    await flows.revoke_credential(standards, edi["credential"]["credential_id"], HEADERS)
    completed = await flows.complete_appraisal(appraisal, person, HEADERS, org_code=ORG)
    current = await appraisal.get(f"/v1/appraisals/{completed['id']}", headers=HEADERS)
    reopened = await appraisal.post(
        f"/v1/appraisals/{completed['id']}/transitions",
        json={"to": "reopened", "reason_code": "late_evidence"},
        headers={**HEADERS, "If-Match": current.headers["ETag"]},
    )
    assert reopened.status_code == 200, reopened.text
    # The organisation turns challenged, a role there is offered to a ready candidate who
    # accepts (placement.accepted), and its indicators are published (indicators.published).
    # Segments are set, and indicators published, by the region's oversight team.
    region = auth("talent:read talent:write talent:admin talent:analytics", region="Y63")
    await flows.place_in_oversight_segment(talent, ORG, 4, region)
    role = await flows.challenged_role(talent, ORG, region)
    await flows.make_placement_candidate(services["talent"].db, person, ORG)
    await flows.accepted_placement(talent, role["id"], person, region)
    await flows.publish_indicators(talent, ORG, region)
    # A seat of the trust's board: NHS England opens its vacancy (vacancy.opened) and appoints
    # the person, who takes the seat once the appointment FPPT passes (fppt.assessed,
    # ned.appointed); the board's composition is published (board.composition.published)
    # and the person resigns (ned.term.ended).
    seat = await flows.ned_seat(ned, ORG, NHSE)
    await flows.ned_vacancy(ned, ORG, seat["id"], NHSE)
    appointment = await flows.ned_appointment(ned, ORG, seat["id"], person, NHSE)
    await flows.pass_appointment_fppt(ned, appointment, NHSE)
    published = await ned.post(f"/v1/diversity/{ORG}/board-composition/publications", headers=NHSE)
    assert published.status_code == 201, published.text
    current = await ned.get(f"/v1/appointments/{appointment['id']}", headers=NHSE)
    ended = await ned.post(
        f"/v1/appointments/{appointment['id']}/end",
        json={"ended_on": "2028-03-31", "reason_code": "resigned"},
        headers={**NHSE, "If-Match": current.headers["ETag"]},
    )
    assert ended.status_code == 200, ended.text


async def _all_published(service: Any) -> list[Any] | None:
    async with service.db.session() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.seq))).all()
    return rows if rows and all(r.published_at is not None for r in rows) else None


async def _read_records(bootstrap: str, topic: str, ids: set[str]) -> dict[str, Any]:
    """The records on `topic` whose ce_id is in `ids`, read from the start of every partition."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    found: dict[str, Any] = {}
    try:
        partitions = await eventually(lambda: consumer.partitions_for_topic(topic), timeout=10)
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        deadline = asyncio.get_running_loop().time() + 30
        while not ids <= set(found) and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                for record in batch:
                    ce_id = dict(record.headers).get("ce_id", b"").decode()
                    if ce_id in ids:
                        found[ce_id] = record
    finally:
        await consumer.stop()
    return found


@pytest.fixture(scope="module")
async def run(embedded_postgres: Any, embedded_broker: Any) -> Run:
    """The flows through talent, standards and appraisal, each with its relay and consumers."""
    result = Run()
    async with contextlib.AsyncExitStack() as stack:
        services = {
            name: await stack.enter_async_context(
                run_service(
                    name, postgres=embedded_postgres, broker=embedded_broker, run_workers=True
                )
            )
            for name in PRODUCERS
        }
        await _drive(services)
        for name in PRODUCERS:
            result.rows[name] = await eventually(
                lambda s=services[name]: _all_published(s), timeout=30, interval=0.1
            )
    for name in PRODUCERS:
        result.records[name] = await _read_records(
            embedded_broker.bootstrap_servers,
            f"leadership.{name}",
            {str(r.id) for r in result.rows[name]},
        )
    return result


@pytest.mark.parametrize("service", PRODUCERS)
def test_the_flow_writes_exactly_the_documented_types(run: Run, service: str) -> None:
    # The flows reach every event the service publishes, so the two sets must be equal: a type
    # written but undocumented, or documented but never reached by a flow, both fail.
    written = {row.type for row in run.rows[service]}
    assert written == _documented_published_types(service)


def _documented_headers() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "services" / "talent" / "asyncapi.yaml").read_text())
    message = next(iter(document["components"]["messages"].values()))
    headers: dict[str, Any] = message["headers"]
    return headers


@pytest.mark.parametrize("service", PRODUCERS)
def test_every_relayed_message_is_a_cloudevent_as_documented(run: Run, service: str) -> None:
    rows, records = run.rows[service], run.records[service]
    missing = {str(r.id) for r in rows} - set(records)
    assert not missing, f"outbox rows of {service} not found on leadership.{service}: {missing}"
    documented = _documented_headers()
    models = {m.event_type(): m for m in _published_models(service)}
    for row in rows:
        record = records[str(row.id)]
        assert (record.partition, record.offset) == (row.partition, row.offset)
        headers = {name: value.decode() for name, value in record.headers}
        event = ce_kafka.from_binary_event(
            ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
        )
        assert event.get_specversion() == "1.0"
        assert event.get_id() == str(row.id)
        assert event.get_source() == f"/leadership/{service}"
        assert event.get_type() == row.type
        assert event.get_subject() == row.subject
        assert event.get_datacontenttype() == "application/json"
        assert event.get_time() == row.time
        assert event.get_data() == row.payload
        assert record.key.decode() == row.key
        model = models[row.type]
        assert record.key.decode() == model.model_validate(event.get_data()).partition_key()

        assert set(documented["required"]) <= set(headers), headers
        assert set(headers) <= set(documented["properties"]), headers
        for name, spec in documented["properties"].items():
            if "const" in spec and name != "ce_type":
                assert headers[name] == spec["const"], name
        assert headers["ce_type"] == row.type
        uuid.UUID(headers["ce_id"])
        datetime.fromisoformat(headers["ce_time"])


@pytest.mark.parametrize("service", PRODUCERS)
def test_headers_carry_no_person_identifier(run: Run, service: str) -> None:
    checked = 0
    for row in run.rows[service]:
        people = {
            value
            for name in PERSON_FIELDS
            if isinstance(value := row.payload.get(name), str) and value
        }
        record = run.records[service][str(row.id)]
        for name, raw in record.headers:
            value = raw.decode()
            for person in people:
                assert person not in value, f"{row.type}: header {name}={value!r} names {person}"
                checked += 1
    # Every producer here publishes person events: the check must have had something to do.
    assert checked > 0
