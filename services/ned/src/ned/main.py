"""The NED service: non-executive director pool, boards, seats, terms and appointments."""

from fastapi import FastAPI

from ned.boards.router import router as boards_router
from ned.settings import Settings
from shared.app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="ned",
    title="NED service",
    description=(
        "Boards and seats of NHS trusts, foundation trusts and ICBs; the non-executive "
        "talent pool, terms and tenure, appointments by the right body, fit and proper "
        "person tests and board diversity."
    ),
    routers=[boards_router],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
