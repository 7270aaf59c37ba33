"""Every table of the service, imported in one place for Alembic and the mappers."""

from appraisal.appraisals.models import (
    Appraisal,
    BehaviourScore,
    CareerAspirations,
    Objective,
    StatusChange,
)
from appraisal.compliance.models import ComplianceDetermination
from appraisal.credentials.models import AppraiserCredential
from appraisal.cycles.models import AppraisalCycle, CycleMember
from appraisal.feedback.models import FeedbackReminder, FeedbackRequest, FeedbackResponse
from appraisal.pay.models import HrFlag, HrFlagChange
from appraisal.people.models import Person
from appraisal.templates.models import LocalQuestion

__all__ = [
    "Appraisal",
    "AppraisalCycle",
    "AppraiserCredential",
    "BehaviourScore",
    "CareerAspirations",
    "ComplianceDetermination",
    "CycleMember",
    "FeedbackReminder",
    "FeedbackRequest",
    "FeedbackResponse",
    "HrFlag",
    "HrFlagChange",
    "LocalQuestion",
    "Objective",
    "Person",
    "StatusChange",
]
