"""The appraisal service: the single national appraisal, from objectives to sign-off."""

from fastapi import FastAPI

from appraisal.appraisals.router import router as appraisals_router
from appraisal.consumers import build_consumers
from appraisal.cycles.router import router as cycles_router
from appraisal.feedback.router import link_router as feedback_link_router
from appraisal.feedback.router import router as feedback_router
from appraisal.pay.router import router as pay_router
from appraisal.reports.router import router as reports_router
from appraisal.settings import Settings
from appraisal.templates.router import router as templates_router
from shared.app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="appraisal",
    title="Appraisal service",
    description=(
        "The single national appraisal for NHS staff and board members: objectives and "
        "outcomes (the what), behaviours against the NHS values (the how), career aspirations "
        "(Scope for Growth), development, sign-off and reopening."
    ),
    routers=[
        appraisals_router,
        feedback_router,
        pay_router,
        reports_router,
        templates_router,
        cycles_router,
    ],
    consumers=build_consumers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(DEFINITION, settings or Settings())
    # The one route a rater without an NHS account calls: its single-use link token is the
    # credential, so it is included without the bearer-token dependency.
    app.include_router(feedback_link_router)
    return app
