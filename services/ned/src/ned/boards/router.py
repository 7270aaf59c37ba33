import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ned.boards import service as board_service
from ned.boards.schemas import BoardRead, SeatCreate, SeatRead, SeatUpdate
from shared.app import DatabaseDep, SessionDep, UnitOfWorkDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent

router = APIRouter(prefix="/v1/boards", tags=["boards"])

OrgCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]
NedWriter = Annotated[Principal, Depends(require_scopes("ned:write"))]


@router.get("/{org_code}", response_model=BoardRead)
async def get_board(org_code: OrgCode, principal: NedReader, session: SessionDep) -> BoardRead:
    """The board of a trust, foundation trust or ICB: its seats, committee roles and holders."""
    organisation = board_service.require_board(org_code, principal)
    seats = await board_service.list_seats(session=session, org_code=organisation.ods_code)
    return BoardRead(
        org_code=organisation.ods_code,
        name=organisation.name,
        org_type=organisation.org_type,
        region_code=organisation.region_code,
        icb_code=organisation.icb_code,
        seats=[board_service.seat_read(seat) for seat in seats],
    )


@router.post("/{org_code}/seats", status_code=201, response_model=SeatRead)
async def create_seat(
    org_code: OrgCode,
    body: SeatCreate,
    request: Request,
    principal: NedWriter,
    db: DatabaseDep,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Add a seat to the board. A board has one chair; partner members sit on ICB boards;
    independent committee roles (senior independent director, audit chair ...) need a
    non-executive seat and are held once per board."""
    organisation = board_service.require_board(org_code, principal)

    async def create(session: AsyncSession) -> OperationResult:
        seat = await board_service.create_seat(
            session=session, organisation=organisation, seat_in=body
        )
        headers = {
            "Location": f"/v1/boards/{organisation.ods_code}/seats/{seat.id}",
            "ETag": make_etag(seat.id, seat.version),
        }
        return 201, board_service.seat_read(seat), headers

    return await run_idempotent(db, request, principal, create, key=idempotency_key)


@router.get("/{org_code}/seats/{seat_id}", response_model=SeatRead)
async def get_seat(
    org_code: OrgCode,
    seat_id: uuid.UUID,
    principal: NedReader,
    session: SessionDep,
    response: Response,
) -> SeatRead:
    organisation = board_service.require_board(org_code, principal)
    seat = await board_service.get_seat(
        session=session, org_code=organisation.ods_code, seat_id=seat_id
    )
    set_etag(response, seat.id, seat.version)
    return board_service.seat_read(seat)


@router.patch("/{org_code}/seats/{seat_id}", response_model=SeatRead)
async def update_seat(
    org_code: OrgCode,
    seat_id: uuid.UUID,
    body: SeatUpdate,
    principal: NedWriter,
    if_match: IfMatchHeader,
    uow: UnitOfWorkDep,
    response: Response,
) -> SeatRead:
    """Change a seat's title, vote or committee roles (If-Match: the seat's ETag)."""
    organisation = board_service.require_board(org_code, principal)
    seat = await board_service.update_seat(
        session=uow.session,
        organisation=organisation,
        seat_id=seat_id,
        seat_in=body,
        if_match=if_match,
    )
    result = board_service.seat_read(seat)
    await uow.commit()
    set_etag(response, seat.id, seat.version)
    return result
