"""The NED service: non-executive director pool, boards, seats, terms and appointments."""

from fastapi import FastAPI

from ned.appointments.router import router as appointments_router
from ned.board_appraisals.router import router as board_appraisals_router
from ned.boards.router import router as boards_router
from ned.candidates.router import router as candidates_router
from ned.consumers import build_consumers
from ned.diversity.router import router as diversity_router
from ned.fppt.router import router as fppt_router
from ned.references.router import router as references_router
from ned.settings import Settings
from ned.vacancies.router import router as vacancies_router
from shared.app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="ned",
    title="NED service",
    description=(
        "Boards and seats of NHS trusts, foundation trusts and ICBs; the non-executive "
        "talent pool, terms and tenure, appointments by the right body, fit and proper "
        "person tests and board diversity."
    ),
    routers=[
        boards_router,
        candidates_router,
        appointments_router,
        vacancies_router,
        board_appraisals_router,
        fppt_router,
        references_router,
        diversity_router,
    ],
    consumers=build_consumers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or Settings())
