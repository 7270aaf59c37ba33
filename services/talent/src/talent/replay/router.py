import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shared.app import SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Conflict, Forbidden, NotFound
from talent.replay import service as replay_service
from talent.replay.schemas import ReplayRead

router = APIRouter(prefix="/v1/admin/replays", tags=["replay"])

TalentAdmin = Annotated[Principal, Depends(require_scopes("talent:admin"))]


def _national(principal: Principal) -> None:
    # A replay rebuilds every organisation's projections: not for a token bound to one.
    if not principal.is_national:
        raise Forbidden("Rebuilding the projections needs a national token")


@router.post(
    "",
    status_code=202,
    response_model=ReplayRead,
    summary="Rebuild every projection from the topics: rewind the consumer group and replay",
)
async def request_replay(
    request: Request, principal: TalentAdmin, session: SessionDep, response: Response
) -> ReplayRead:
    """The consumers pick the request up within a second: they stop, one of them empties the
    projections and the inbox and rewinds the group's offsets to the beginning of every topic,
    and all start again. Follow the replay with GET until its status is ``completed``."""
    _national(principal)
    group_id = request.app.state.settings.group_id
    try:
        replay = await replay_service.request_replay(
            session, group_id=group_id, requested_by=principal.subject
        )
    except replay_service.ReplayAlreadyOpen as exc:
        raise Conflict(f"Replay {exc} of this consumer group is still under way") from None
    await session.commit()
    response.headers["Location"] = f"/v1/admin/replays/{replay.id}"
    return ReplayRead.model_validate(replay)


# Reading how a replay goes is open to any talent administrator: it is the state of the
# service's own consumer, with nothing about any organisation or person in it.


@router.get("", response_model=Page[ReplayRead], summary="Replays, latest first")
async def list_replays(
    principal: TalentAdmin, session: SessionDep, page: PageQuery
) -> Page[ReplayRead]:
    replays = await replay_service.list_replays(session, page=page)
    return make_page(
        replays, page, key_fn=lambda r: (r.requested_at, r.id), item=ReplayRead.model_validate
    )


@router.get("/{replay_id}", response_model=ReplayRead, summary="How far a replay has got")
async def get_replay(
    replay_id: uuid.UUID, principal: TalentAdmin, session: SessionDep
) -> ReplayRead:
    replay = await replay_service.get_replay(session, replay_id)
    if replay is None:
        raise NotFound(f"No replay {replay_id}")
    return ReplayRead.model_validate(replay)
