"""CloudEvents 1.0 in Kafka binary mode.

The message value is the JSON ``data``; the context attributes travel as ``ce_*`` headers with
``content-type`` beside them. Headers never carry personal data: the subject names a resource
by its UUID, never a person.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from shared.events.model import event_type_pattern

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]


class PoisonMessage(Exception):
    """A message that can never be processed; it goes to the dead-letter topic with `reason`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    time: datetime
    subject: str | None
    data: dict[str, Any]
    key: str | None = None
    traceparent: str | None = None


def encode_headers(
    *,
    event_id: UUID | str,
    source: str,
    event_type: str,
    time: datetime,
    subject: str | None,
    traceparent: str | None = None,
) -> Headers:
    headers: Headers = [
        ("ce_specversion", SPECVERSION.encode()),
        ("ce_id", str(event_id).encode()),
        ("ce_source", source.encode()),
        ("ce_type", event_type.encode()),
        ("ce_time", _rfc3339(time).encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if subject:
        headers.append(("ce_subject", subject.encode()))
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return headers


def encode_value(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def decode_message(
    *, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]]
) -> Envelope:
    """Decode a binary-mode CloudEvent, raising PoisonMessage for anything malformed."""
    attrs: dict[str, str] = {}
    for name, raw in headers:
        try:
            attrs[name.lower()] = raw.decode()
        except (UnicodeDecodeError, AttributeError) as exc:
            raise PoisonMessage("invalid-envelope", f"header {name} is not UTF-8") from exc
    for required in ("ce_specversion", "ce_id", "ce_source", "ce_type"):
        if not attrs.get(required):
            raise PoisonMessage("invalid-envelope", f"missing header {required}")
    if attrs["ce_specversion"] != SPECVERSION:
        raise PoisonMessage("invalid-envelope", f"specversion {attrs['ce_specversion']!r}")
    if not event_type_pattern.match(attrs["ce_type"]):
        raise PoisonMessage("unknown-type", f"type {attrs['ce_type']!r} is not a leadership event")
    content_type = attrs.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise PoisonMessage("invalid-envelope", f"content-type {content_type!r}")
    try:
        time = datetime.fromisoformat(attrs["ce_time"]) if "ce_time" in attrs else datetime.now(UTC)
    except ValueError as exc:
        raise PoisonMessage("invalid-envelope", "ce_time is not RFC 3339") from exc
    if value is None:
        raise PoisonMessage("invalid-json", "empty message value")
    try:
        data = json.loads(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoisonMessage("invalid-json", str(exc)[:200]) from exc
    if not isinstance(data, dict):
        raise PoisonMessage("invalid-json", "data is not a JSON object")
    return Envelope(
        id=attrs["ce_id"],
        source=attrs["ce_source"],
        type=attrs["ce_type"],
        time=time,
        subject=attrs.get("ce_subject"),
        data=data,
        key=key.decode(errors="replace") if key is not None else None,
        traceparent=attrs.get("traceparent"),
    )


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
