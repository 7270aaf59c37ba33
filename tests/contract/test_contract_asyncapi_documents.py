"""The services' AsyncAPI documents as contracts between teams.

- the committed documents and docs/events.md are what the generator makes from the event models
  today, and every payload schema in them is exactly the pydantic model's JSON Schema;
- every document is valid AsyncAPI according to the official parser (@asyncapi/parser, run
  under Node from ``tests/contract/js``);
- every event a service consumes is one its producer documents on its own topic, and the
  consumer's reader model can read what the producer's schema allows: a producer renaming,
  dropping or retyping a field a consumer reads fails here, before any message is lost to a
  dead-letter topic.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared import asyncapi as asyncapi_cli
from shared.asyncapi import SERVICES

ROOT = Path(__file__).resolve().parents[2]
JS_DIR = Path(__file__).resolve().parent / "js"
PARSER_PACKAGE = JS_DIR / "node_modules" / "@asyncapi" / "parser" / "package.json"
MINIMUM_NODE_MAJOR = 20

# Consumed events whose producer has not shipped them yet, so there is no producer schema to
# check the reader against. Each entry is checked to still be missing from the producer's
# document: the day the producer documents the event, the entry fails the suite until it is
# removed here, and the reader is checked like every other.
PENDING_PRODUCERS: dict[tuple[str, str], str] = {}


def _document(service: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (ROOT / "services" / service / "asyncapi.yaml").read_text()
    )
    return loaded


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are expected, got {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    # A channel's message is itself a reference to the component.
    if isinstance(node, dict) and set(node) == {"$ref"}:
        return _resolve(document, node["$ref"])
    return node


def _inline(schema: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """The schema with every local $ref replaced by what it points to, recursively."""
    if isinstance(schema, list):
        return [_inline(item, root, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref not in seen, f"recursive schema through {ref} is not supported here"
        target = _inline(_resolve(root, ref), root, (*seen, ref))
        siblings = {k: _inline(v, root, seen) for k, v in schema.items() if k != "$ref"}
        return {**target, **siblings}
    return {key: _inline(value, root, seen) for key, value in schema.items() if key != "$defs"}


def _messages_by_operation(document: dict[str, Any], action: str) -> Iterator[tuple[str, dict]]:
    """(channel address, message) for each message of each operation with `action`."""
    for operation in document.get("operations", {}).values():
        if operation["action"] != action:
            continue
        channel = _resolve(document, operation["channel"]["$ref"])
        for ref in operation["messages"]:
            yield channel["address"], _resolve(document, ref["$ref"])


def _published(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {message["name"]: message for _, message in _messages_by_operation(document, "send")}


# ---- generated files are current, and their schemas are the models' ------------------------


def test_generated_documents_and_catalogue_are_up_to_date(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `python -m shared.asyncapi check`, in this process: a second interpreter would import
    # every service again only to run the same function.
    monkeypatch.chdir(ROOT)
    status = asyncapi_cli.main(["check"])
    assert status == 0, capsys.readouterr().out


@pytest.mark.parametrize("service", SERVICES)
def test_every_payload_schema_is_the_models_json_schema(service: str) -> None:
    # `check` compares the files with what the generator writes; this compares them with the
    # models themselves, so a generator that merged two models' nested schemas of the same name
    # into one component would be caught too.
    declared = importlib.import_module(f"{service}.asyncapi")
    models = list(declared.PUBLISHES) + [m for ms in declared.CONSUMES.values() for m in ms]
    document = _document(service)
    messages = {m["name"]: m for m in document["components"]["messages"].values()}
    assert sorted(messages) == sorted({m.event_type() for m in models})
    for model in models:
        message = messages[model.event_type()]
        expected = _inline(model.model_json_schema(), model.model_json_schema())
        assert _inline(message["payload"], document) == expected, model.event_type()
        assert message["bindings"]["kafka"]["key"]["description"] == (
            f"the event's {model.key_field}"
        )


# ---- the official AsyncAPI parser -----------------------------------------------------------


def _lock_version() -> str:
    lock = json.loads((JS_DIR / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/@asyncapi/parser"]["version"])


def _installed_version() -> str | None:
    # npm writes its hidden lockfile last: without it an install was interrupted.
    if not (JS_DIR / "node_modules" / ".package-lock.json").exists():
        return None
    if not PARSER_PACKAGE.exists():
        return None
    return str(json.loads(PARSER_PACKAGE.read_text())["version"])


@pytest.fixture(scope="module")
def node() -> str:
    """Node with the locked @asyncapi/parser installed in tests/contract/js/node_modules."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "the AsyncAPI contract test needs Node.js >= 20 and npm on PATH (they are part of "
            "every machine of this project; on Debian: apt-get install nodejs npm)"
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major = int(re.match(r"v(\d+)", version.stdout.strip()).group(1))  # type: ignore[union-attr]
    if major < MINIMUM_NODE_MAJOR:
        pytest.fail(f"Node.js >= {MINIMUM_NODE_MAJOR} is needed, found {version.stdout.strip()}")
    # One installer at a time: two test runs on the same checkout must not both write
    # node_modules.
    digest = hashlib.sha256(str(JS_DIR).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"contract-npm-{digest}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() != _lock_version():
            # --ignore-scripts: nothing here needs an install script, and one dependency's
            # only script is usage telemetry.
            installed = subprocess.run(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=900,
                env={**os.environ, "SCARF_ANALYTICS": "false"},
            )
            if installed.returncode != 0:
                pytest.fail(
                    f"`npm ci` in {JS_DIR} failed ({installed.returncode}):\n"
                    f"{installed.stdout[-3000:]}\n{installed.stderr[-3000:]}"
                )
        assert _installed_version() == _lock_version()
    return node


@pytest.fixture(scope="module")
def parser_report(node: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    """One run of validate.mjs over every service's document and one broken on purpose.

    One run, not two: most of the parser's time is its own start-up, paid once this way. The
    broken document shows the validator can fail: an AsyncAPI 2 verb and a reference to a
    message that does not exist are both errors in AsyncAPI 3.
    """
    document = copy.deepcopy(_document("talent"))
    operation = next(iter(document["operations"].values()))
    operation["action"] = "publish"
    operation["messages"] = [{"$ref": "#/components/messages/NoSuchMessage"}]
    broken = tmp_path_factory.mktemp("asyncapi") / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, sort_keys=False))
    result = subprocess.run(
        [node, str(JS_DIR / "validate.mjs"), *map(str, DOCUMENTS), str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, f"{result.stdout}{result.stderr}".replace(str(broken), "BROKEN")


DOCUMENTS = [ROOT / "services" / name / "asyncapi.yaml" for name in SERVICES]


@pytest.mark.parametrize("service", SERVICES)
def test_document_is_valid_for_the_official_asyncapi_parser(
    parser_report: tuple[int, str], service: str
) -> None:
    _, report = parser_report
    file = str(ROOT / "services" / service / "asyncapi.yaml")
    lines = [line for line in report.splitlines() if line.startswith(file)]
    assert f"{file}: valid AsyncAPI 3.0.0" in lines, report
    assert not [line for line in lines if " error " in line], report


def test_the_parser_reports_a_broken_document(parser_report: tuple[int, str]) -> None:
    status, report = parser_report
    assert status == 1, report
    assert "BROKEN: INVALID" in report, report
    assert [line for line in report.splitlines() if line.startswith("BROKEN") and " error " in line]


# ---- consumers against producers ------------------------------------------------------------

_FORMAT_OF_PYTHON_VALUE = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema as a flat list of alternatives (anyOf/oneOf unfolded, type lists split)."""
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            outer = {k: v for k, v in schema.items() if k != combinator}
            return [
                alternative
                for option in schema[combinator]
                for alternative in _alternatives({**outer, **option})
            ]
    if isinstance(schema.get("type"), list):
        return [{**schema, "type": kind} for kind in schema["type"]]
    return [schema]


def _kinds(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a schema admits; None for any."""
    if "const" in schema:
        values = [schema["const"]]
    elif "enum" in schema:
        values = schema["enum"]
    elif "type" in schema:
        return {schema["type"]}
    else:
        return None
    return {"null" if v is None else _FORMAT_OF_PYTHON_VALUE[type(v)] for v in values}


def _values(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    return None


def _accepts(reader: dict[str, Any], producer: dict[str, Any], path: str) -> list[str]:
    """Why values valid under `producer` may be refused by `reader` (empty: compatible).

    Compares JSON types, formats, enumerations, array items and object fields; string patterns
    and lengths are not compared (regular expressions have no practical inclusion test).
    """
    problems: list[str] = []
    for offered in _alternatives(producer):
        reasons = [_accepts_one(option, offered, path) for option in _alternatives(reader)]
        if all(reasons):
            # None of the reader's alternatives takes it: report the closest one's objections.
            problems += min(reasons, key=len)
    return problems


def _accepts_one(reader: dict[str, Any], producer: dict[str, Any], path: str) -> list[str]:
    reader_kinds, producer_kinds = _kinds(reader), _kinds(producer)
    if reader_kinds is None:
        return []
    if producer_kinds is None:
        return [f"{path}: the producer allows any value, the reader only {sorted(reader_kinds)}"]
    widened = reader_kinds | ({"integer"} if "number" in reader_kinds else set())
    if not producer_kinds <= widened:
        return [
            f"{path}: the producer sends {sorted(producer_kinds)}, "
            f"the reader accepts {sorted(reader_kinds)}"
        ]
    allowed, offered = _values(reader), _values(producer)
    if allowed is not None:
        if offered is None:
            return [f"{path}: the reader accepts only {allowed}, the producer any value"]
        if extra := [v for v in offered if v not in allowed]:
            return [f"{path}: the producer may send {extra}, the reader accepts only {allowed}"]
    if "format" in reader and reader["format"] != producer.get("format"):
        return [
            f"{path}: the reader wants format {reader['format']}, "
            f"the producer sends {producer.get('format', 'any string')}"
        ]
    kind = next(iter(producer_kinds))
    if kind == "array":
        return _accepts(reader.get("items", {}), producer.get("items", {}), f"{path}[]")
    if kind == "object":
        return _object_problems(reader, producer, path)
    return []


def _object_problems(reader: dict[str, Any], producer: dict[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    offered = producer.get("properties", {})
    required_by_producer = set(producer.get("required", []))
    for field in reader.get("required", []):
        where = f"{path}.{field}" if path else field
        if field not in offered:
            problems.append(f"{where}: the reader requires it, the producer does not send it")
        elif field not in required_by_producer:
            problems.append(f"{where}: the reader requires it, the producer may leave it out")
    for field, wanted in reader.get("properties", {}).items():
        where = f"{path}.{field}" if path else field
        if field not in offered:
            if field not in reader.get("required", []):
                # A tolerant reader may default a field it does not get, but a field the
                # producer never sends is one the reader can never use: a rename, or a typo.
                problems.append(f"{where}: the reader reads it, the producer does not send it")
            continue
        problems += _accepts(wanted, offered[field], where)
    extra_wanted, extra_offered = (
        reader.get("additionalProperties"),
        producer.get("additionalProperties"),
    )
    if isinstance(extra_wanted, dict) and isinstance(extra_offered, dict):
        problems += _accepts(extra_wanted, extra_offered, f"{path}{{*}}")
    return problems


def reader_problems(reader_payload: dict[str, Any], producer_payload: dict[str, Any]) -> list[str]:
    return _accepts(reader_payload, producer_payload, "")


def _consumed() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(consumer, producer, event type, the consumer's message) for every consumed event."""
    found = []
    for consumer in SERVICES:
        document = _document(consumer)
        for address, message in _messages_by_operation(document, "receive"):
            producer = address.removeprefix("leadership.")
            found.append((consumer, producer, message["name"], message))
    return found


CONSUMED = _consumed()


def test_every_consumer_documents_what_it_consumes() -> None:
    # The architecture's minimum: appraisal and standards read person.changed, talent reads
    # the others' training and appraisal events. A generator that dropped the receive side
    # would leave the checks below with nothing to check.
    pairs = {(consumer, event_type) for consumer, _, event_type, _ in CONSUMED}
    assert {
        ("standards", "leadership.person.changed.v1"),
        ("appraisal", "leadership.person.changed.v1"),
        ("talent", "leadership.training.accredited.v1"),
        ("talent", "leadership.appraisal.completed.v1"),
    } <= pairs


@pytest.mark.parametrize(
    ("consumer", "producer", "event_type", "message"),
    CONSUMED,
    ids=[f"{c}<-{t}" for c, _, t, _ in CONSUMED],
)
def test_consumed_event_is_published_by_its_producer_and_readable(
    consumer: str, producer: str, event_type: str, message: dict[str, Any]
) -> None:
    assert producer in SERVICES, f"{consumer} reads {event_type} from an unknown topic"
    assert producer != consumer, f"{consumer} consumes its own topic"
    consumer_doc, producer_doc = _document(consumer), _document(producer)
    published = _published(producer_doc)
    if (consumer, event_type) in PENDING_PRODUCERS:
        assert event_type not in published, (
            f"{producer} now documents {event_type}: remove it from PENDING_PRODUCERS so "
            f"{consumer}'s reader is checked against it"
        )
        return
    assert event_type in published, (
        f"{consumer} consumes {event_type} from leadership.{producer}, "
        f"which {producer}'s asyncapi.yaml does not publish"
    )
    produced = published[event_type]
    assert message["bindings"]["kafka"]["key"] == produced["bindings"]["kafka"]["key"]
    problems = reader_problems(
        _inline(message["payload"], consumer_doc), _inline(produced["payload"], producer_doc)
    )
    assert not problems, f"{consumer}'s reader of {event_type}:\n  " + "\n  ".join(problems)


def test_pending_producers_are_still_consumed() -> None:
    consumed = {(consumer, event_type) for consumer, _, event_type, _ in CONSUMED}
    assert set(PENDING_PRODUCERS) <= consumed


# The checker itself, on the real documents with one deliberate break each: it must notice.


def _talent_reader_and_appraisal_payload() -> tuple[dict[str, Any], dict[str, Any]]:
    talent, appraisal = _document("talent"), _document("appraisal")
    event_type = "leadership.appraisal.completed.v1"
    reader = next(
        m for _, m in _messages_by_operation(talent, "receive") if m["name"] == event_type
    )
    return _inline(reader["payload"], talent), _inline(
        _published(appraisal)[event_type]["payload"], appraisal
    )


def test_checker_accepts_the_real_pair() -> None:
    reader, producer = _talent_reader_and_appraisal_payload()
    assert reader_problems(reader, producer) == []


def test_checker_reports_a_renamed_required_field() -> None:
    reader, producer = _talent_reader_and_appraisal_payload()
    producer["properties"]["person_number"] = producer["properties"].pop("person_id")
    producer["required"] = [
        "person_number" if f == "person_id" else f for f in producer["required"]
    ]
    assert reader_problems(reader, producer) == [
        "person_id: the reader requires it, the producer does not send it"
    ]


def test_checker_reports_a_renamed_optional_field() -> None:
    reader, producer = _talent_reader_and_appraisal_payload()
    producer["properties"]["programme_codes"] = producer["properties"].pop(
        "development_programme_codes"
    )
    assert reader_problems(reader, producer) == [
        "development_programme_codes: the reader reads it, the producer does not send it"
    ]


def test_checker_reports_a_retyped_field_and_a_required_field_made_optional() -> None:
    reader, producer = _talent_reader_and_appraisal_payload()
    producer["properties"]["completed_at"] = {"type": "integer"}
    producer["required"].remove("appraisal_id")
    problems = reader_problems(reader, producer)
    assert "appraisal_id: the reader requires it, the producer may leave it out" in problems
    assert any(p.startswith("completed_at: the producer sends ['integer']") for p in problems)


def test_checker_reports_a_nested_change_and_a_new_enum_value() -> None:
    reader, producer = _talent_reader_and_appraisal_payload()
    aspirations = producer["properties"]["aspirations"]
    aspirations["properties"]["challenged_organisation_interest"] = {"type": "string"}
    problems = reader_problems(reader, producer)
    assert any(p.startswith("aspirations.challenged_organisation_interest:") for p in problems)

    enum_reader = {"type": "object", "required": ["s"], "properties": {"s": {"enum": ["a", "b"]}}}
    enum_producer = {
        "type": "object",
        "required": ["s"],
        "properties": {"s": {"type": "string", "enum": ["a", "b", "c"]}},
    }
    assert reader_problems(enum_reader, enum_producer) == [
        "s: the producer may send ['c'], the reader accepts only ['a', 'b']"
    ]
