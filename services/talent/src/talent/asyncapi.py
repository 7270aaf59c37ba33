"""What the talent service publishes and consumes, for its AsyncAPI document."""

from typing import Any

from shared.asyncapi import build_document
from shared.events.model import Event
from shared.events.topics import service_topic
from talent.analytics.events import BoardCompositionPublished, TrainingCompleted
from talent.indicators.events import IndicatorsPublished
from talent.people.events import PersonChanged
from talent.placements.events import PlacementAccepted
from talent.profiles.events import (
    AppraisalCompleted,
    AppraisalReopened,
    ComplianceChanged,
    CredentialRevoked,
    EligibilityChanged,
    FitAndProperAssessed,
    NedAppointed,
    NedTermEnded,
    TrainingAccredited,
)
from talent.succession.events import ReadinessChanged, SuccessionPlanUpdated

PUBLISHES: list[type[Event]] = [
    PersonChanged,
    ReadinessChanged,
    SuccessionPlanUpdated,
    PlacementAccepted,
    IndicatorsPublished,
]
CONSUMES: dict[str, list[type[Event]]] = {
    service_topic("standards"): [
        TrainingAccredited,
        CredentialRevoked,
        EligibilityChanged,
        ComplianceChanged,
        TrainingCompleted,
    ],
    service_topic("appraisal"): [AppraisalCompleted, AppraisalReopened],
    service_topic("ned"): [
        NedAppointed,
        NedTermEnded,
        FitAndProperAssessed,
        BoardCompositionPublished,
    ],
}


def asyncapi_document() -> dict[str, Any]:
    return build_document(
        service_name="talent",
        title="Talent service events",
        publishes=PUBLISHES,
        consumes=CONSUMES,
    )
