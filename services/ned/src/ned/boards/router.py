from typing import Annotated

from fastapi import APIRouter, Depends, Path

from ned.boards import domain
from ned.boards import service as board_service
from ned.boards.schemas import BoardRead, SeatRead
from shared.app import SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.problems import Forbidden, NotFound
from shared.reference.organisations import get_organisation

router = APIRouter(prefix="/v1/boards", tags=["boards"])

OrgCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]
NedReader = Annotated[Principal, Depends(require_scopes("ned:read"))]


@router.get("/{org_code}", response_model=BoardRead)
async def get_board(org_code: OrgCode, principal: NedReader, session: SessionDep) -> BoardRead:
    organisation = get_organisation(org_code)
    if organisation is None or not domain.has_board(organisation.org_type):
        raise NotFound(f"No board is known for organisation {org_code.upper()}")
    if not principal.can_see_org(organisation.ods_code):
        raise Forbidden(f"Your token does not reach organisation {organisation.ods_code}")
    seats = await board_service.list_seats(session=session, org_code=organisation.ods_code)
    return BoardRead(
        org_code=organisation.ods_code,
        name=organisation.name,
        org_type=organisation.org_type,
        region_code=organisation.region_code,
        icb_code=organisation.icb_code,
        seats=[SeatRead.model_validate(seat) for seat in seats],
    )
