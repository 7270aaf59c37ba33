"""The standards service: standards, curriculum, providers, learner records, credentials."""

from fastapi import FastAPI

from shared.app import ServiceDefinition, create_service_app
from standards.compliance.router import router as compliance_router
from standards.consumers import build_consumers
from standards.credentials.router import public_router as public_credentials_router
from standards.credentials.router import router as credentials_router
from standards.eligibility.router import router as eligibility_router
from standards.frameworks.router import router as frameworks_router
from standards.learning.router import imports_router as completions_import_router
from standards.learning.router import router as learning_router
from standards.programmes.router import bundles_router
from standards.programmes.router import router as programmes_router
from standards.providers.router import router as providers_router
from standards.settings import Settings

DEFINITION = ServiceDefinition(
    name="standards",
    title="Standards service",
    description=(
        "Leadership and management standards and the curriculum that teaches them; training "
        "providers and their accreditation; learner records and the credentials awarded for "
        "accredited training (Messenger review recommendation 3)."
    ),
    routers=[
        frameworks_router,
        programmes_router,
        bundles_router,
        providers_router,
        learning_router,
        completions_import_router,
        credentials_router,
        eligibility_router,
        compliance_router,
    ],
    consumers=build_consumers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(DEFINITION, settings or Settings())
    # Public by design, outside the token check every other router gets: the issuer's keys and
    # the revocation status lists are what anyone verifying a credential needs (decision 0009).
    app.include_router(public_credentials_router)
    return app
