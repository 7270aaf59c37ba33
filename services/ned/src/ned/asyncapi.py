"""What the NED service publishes and consumes, for its AsyncAPI document (ARCHITECTURE §5)."""

from typing import Any

from ned.appointments.events import NedAppointed, NedTermEnded
from ned.board_appraisals.consumers import TOPICS as APPRAISAL_TOPICS
from ned.board_appraisals.events import AppraisalCompleted, AppraisalReopened
from ned.diversity.events import BoardCompositionPublished
from ned.fppt.events import FpptAssessed
from ned.vacancies.events import VacancyOpened
from shared.asyncapi import build_document
from shared.events.model import Event

PUBLISHES: list[type[Event]] = [
    NedAppointed,
    NedTermEnded,
    VacancyOpened,
    FpptAssessed,
    BoardCompositionPublished,
]
# Topic -> the tolerant reader models this service validates that topic's events with.
CONSUMES: dict[str, list[type[Event]]] = {
    APPRAISAL_TOPICS[0]: [AppraisalCompleted, AppraisalReopened],
}


def asyncapi_document() -> dict[str, Any]:
    return build_document(
        service_name="ned",
        title="NED service events",
        publishes=PUBLISHES,
        consumes=CONSUMES,
    )
