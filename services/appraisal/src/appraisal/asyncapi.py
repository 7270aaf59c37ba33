"""What the appraisal service publishes and consumes, for its AsyncAPI document."""

from typing import Any

from appraisal.appraisals.events import AppraisalCompleted, AppraisalReopened
from appraisal.consumers import SUBSCRIPTIONS
from shared.asyncapi import build_document
from shared.events.model import Event

PUBLISHES: list[type[Event]] = [AppraisalCompleted, AppraisalReopened]
CONSUMES: dict[str, list[type[Event]]] = {
    topic: [subscription.model for subscription in by_type.values()]
    for topic, by_type in SUBSCRIPTIONS.items()
}


def asyncapi_document() -> dict[str, Any]:
    return build_document(
        service_name="appraisal",
        title="Appraisal service events",
        publishes=PUBLISHES,
        consumes=CONSUMES,
    )
