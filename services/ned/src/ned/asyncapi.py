"""What the NED service publishes and consumes (nothing yet: boards are read-only so far)."""

from typing import Any

from shared.asyncapi import build_document
from shared.events.model import Event

PUBLISHES: list[type[Event]] = []
CONSUMES: dict[str, list[type[Event]]] = {}


def asyncapi_document() -> dict[str, Any]:
    return build_document(
        service_name="ned",
        title="NED service events",
        publishes=PUBLISHES,
        consumes=CONSUMES,
    )
