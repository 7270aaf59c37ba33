"""Every table of the service, imported in one place for Alembic and the mappers."""

from appraisal.appraisals.models import (
    Appraisal,
    BehaviourScore,
    CareerAspirations,
    Objective,
    StatusChange,
)
from appraisal.compliance.models import ComplianceDetermination
from appraisal.feedback.models import FeedbackRequest, FeedbackResponse
from appraisal.pay.models import HrFlag, HrFlagChange
from appraisal.people.models import Person

__all__ = [
    "Appraisal",
    "BehaviourScore",
    "CareerAspirations",
    "ComplianceDetermination",
    "FeedbackRequest",
    "FeedbackResponse",
    "HrFlag",
    "HrFlagChange",
    "Objective",
    "Person",
    "StatusChange",
]
