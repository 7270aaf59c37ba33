"""What the service publishes and consumes, for its AsyncAPI document (ARCHITECTURE §5)."""

from typing import Any

from shared.asyncapi import build_document
from shared.events.model import Event
from standards.compliance.events import ComplianceChanged
from standards.consumers import TALENT_TOPIC
from standards.credentials.events import CredentialRevoked
from standards.eligibility.events import EligibilityChanged
from standards.frameworks.events import FrameworkPublished
from standards.learning.events import TrainingAccredited, TrainingCompleted
from standards.people.events import PersonChanged
from standards.providers.events import ProviderAccreditationChanged

PUBLISHES: list[type[Event]] = [
    TrainingCompleted,
    TrainingAccredited,
    CredentialRevoked,
    EligibilityChanged,
    ComplianceChanged,
    FrameworkPublished,
    ProviderAccreditationChanged,
]

# Topic -> the tolerant reader models this service validates that topic's events with.
CONSUMES: dict[str, list[type[Event]]] = {
    TALENT_TOPIC: [PersonChanged],
}


def asyncapi_document() -> dict[str, Any]:
    return build_document(
        service_name="standards",
        title="Standards service events",
        publishes=PUBLISHES,
        consumes=CONSUMES,
    )
