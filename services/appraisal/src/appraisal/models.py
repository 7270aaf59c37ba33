"""Every table of the service, imported in one place for Alembic and the mappers."""

from appraisal.appraisals.models import (
    Appraisal,
    BehaviourScore,
    CareerAspirations,
    Objective,
    StatusChange,
)
from appraisal.people.models import Person

__all__ = [
    "Appraisal",
    "BehaviourScore",
    "CareerAspirations",
    "Objective",
    "Person",
    "StatusChange",
]
