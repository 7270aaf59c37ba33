"""AsyncAPI 3.0 documents built from the event models, and the event catalogue built from them.

The pydantic payload models are the single source of the schemas: each service declares what it
publishes and consumes, `build_document` turns that into AsyncAPI, and
``python -m shared.asyncapi write`` writes every ``services/<name>/asyncapi.yaml`` plus
``docs/events.md``; ``check`` fails when a committed file is out of date.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from shared.events.model import Event

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
SERVICES = ("standards", "appraisal", "talent", "ned")
CE_HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 Kafka binary-mode attributes; never personal data.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "Also the outbox row id"},
        "ce_source": {"type": "string", "pattern": "^/leadership/[a-z]+$"},
        "ce_type": {"type": "string"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string"},
        "content-type": {"type": "string", "const": "application/json"},
        "traceparent": {"type": "string"},
    },
}


def _identifier(text: str) -> str:
    """AsyncAPI 3 component keys allow only letters, digits, '_' and '-'."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _channel_id(topic: str) -> str:
    return _identifier(topic)


def _schema_for(model: type[Event], schemas: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _message(model: type[Event], schemas: dict[str, Any]) -> dict[str, Any]:
    headers = dict(CE_HEADERS_SCHEMA)
    properties = dict(headers["properties"])
    properties["ce_type"] = {"type": "string", "const": model.event_type()}
    headers["properties"] = properties
    return {
        "name": model.event_type(),
        "title": model.__name__,
        "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else "",
        "contentType": "application/json",
        "headers": headers,
        "payload": _schema_for(model, schemas),
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"the event's {model.key_field}"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def build_document(
    *,
    service_name: str,
    title: str,
    publishes: Sequence[type[Event]],
    consumes: Mapping[str, Sequence[type[Event]]],
    partitions: int = 3,
    version: str = "1.0.0",
) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}

    def add_channel(topic: str, models: Sequence[type[Event]], action: str) -> None:
        channel_id = _channel_id(topic)
        channel = channels.setdefault(
            channel_id,
            {
                "address": topic,
                "messages": {},
                "bindings": {
                    "kafka": {
                        "topic": topic,
                        "partitions": partitions,
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
            },
        )
        for model in models:
            message_id = _identifier(model.__name__)
            messages.setdefault(message_id, _message(model, schemas))
            channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
            verb, verb_s = ("publish", "Publishes") if action == "send" else ("consume", "Consumes")
            operations[_identifier(f"{verb}{model.__name__}")] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{verb_s} {model.event_type()}",
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id}"}],
            }

    own_topic = f"leadership.{service_name}"
    if publishes:
        add_channel(own_topic, publishes, "send")
    for topic, models in consumes.items():
        add_channel(topic, models, "receive")

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": (
                f"Events of the {service_name} service. CloudEvents 1.0 in Kafka binary mode: "
                "the value is the JSON data, the attributes are ce_* headers. Delivery is "
                "at-least-once; consumers deduplicate by (ce_source, ce_id)."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {
                "host": "127.0.0.1:59092",
                "protocol": "kafka",
                "description": "The embedded development broker started by `make up`.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


# ---- repository generator -------------------------------------------------------------------


def _repo_root() -> Path:
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "uv.lock").exists():
            return candidate
    raise SystemExit("run from inside the repository")


def _service_document(name: str) -> dict[str, Any]:
    module = importlib.import_module(f"{name}.asyncapi")
    document: dict[str, Any] = module.asyncapi_document()
    return document


class _NoAliasDumper(yaml.SafeDumper):
    """Shared header schemas would otherwise come out as YAML anchors, which readers dislike."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_yaml(document: Mapping[str, Any]) -> str:
    header = (
        "# Generated from the event models by `python -m shared.asyncapi write`; do not edit.\n"
    )
    body = yaml.dump(
        dict(document), Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=100
    )
    return header + body


def render_catalogue(documents: Mapping[str, Mapping[str, Any]]) -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from each service's `asyncapi.yaml` by `python -m shared.asyncapi write`;",
        "do not edit by hand. Envelope: CloudEvents 1.0 in Kafka binary mode (value = JSON data,",
        "attributes in `ce_*` headers). One topic per producing service; the key keeps one",
        "person's (or one organisation's) events in order. Dead letters go to",
        "`leadership.dlq.<consumer-group>`.",
        "",
        "| type | producer | topic | key | consumers |",
        "|---|---|---|---|---|",
    ]
    consumers: dict[str, list[str]] = {}
    for name, doc in documents.items():
        for op in doc.get("operations", {}).values():
            if op["action"] == "receive":
                for ref in op["messages"]:
                    message_id = ref["$ref"].rsplit("/", 1)[-1]
                    event_type = doc["components"]["messages"][message_id]["name"]
                    consumers.setdefault(event_type, []).append(name)
    details: list[str] = []
    for name, doc in documents.items():
        own = f"leadership.{name}"
        channel = doc["channels"].get(_channel_id(own))
        if channel is None:
            continue
        for ref in channel["messages"].values():
            message = doc["components"]["messages"][ref["$ref"].rsplit("/", 1)[-1]]
            event_type = message["name"]
            key = message["bindings"]["kafka"]["key"]["description"].removeprefix("the event's ")
            who = ", ".join(sorted(set(consumers.get(event_type, [])))) or "(none yet)"
            lines.append(f"| `{event_type}` | {name} | `{own}` | `{key}` | {who} |")
            schema_name = message["payload"]["$ref"].rsplit("/", 1)[-1]
            schema = doc["components"]["schemas"][schema_name]
            required = set(schema.get("required", []))
            details += ["", f"## `{event_type}`", ""]
            if message.get("summary"):
                details += [message["summary"], ""]
            details += ["| field | type | required |", "|---|---|---|"]
            for field, spec in schema.get("properties", {}).items():
                details.append(
                    f"| `{field}` | {_type_name(spec)} | {'yes' if field in required else 'no'} |"
                )
    return "\n".join([*lines, *details, ""])


def _type_name(spec: Mapping[str, Any]) -> str:
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in spec:
        return " or ".join(_type_name(s) for s in spec["anyOf"])
    kind = spec.get("type", "any")
    if kind == "array":
        return f"array of {_type_name(spec.get('items', {}))}"
    if "format" in spec:
        return f"{kind} ({spec['format']})"
    if "enum" in spec:
        return " / ".join(f"`{v}`" for v in spec["enum"])
    return str(kind)


def generated_files(root: Path) -> dict[Path, str]:
    documents = {name: _service_document(name) for name in SERVICES}
    files = {
        root / "services" / name / "asyncapi.yaml": render_yaml(doc)
        for name, doc in documents.items()
    }
    files[root / "docs" / "events.md"] = render_catalogue(documents)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.asyncapi")
    parser.add_argument("command", choices=["write", "check"])
    args = parser.parse_args(argv)
    root = _repo_root()
    stale = []
    for path, content in generated_files(root).items():
        if args.command == "write":
            path.write_text(content)
        elif not path.exists() or path.read_text() != content:
            stale.append(path.relative_to(root))
    if stale:
        print("out of date (run `python -m shared.asyncapi write`):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
