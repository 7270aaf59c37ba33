from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from shared.app import SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import set_etag
from shared.http.problems import Forbidden, NotFound
from talent.people import service as people_service
from talent.profiles import service as profile_service
from talent.profiles.schemas import ProfileRead, profile_read

router = APIRouter(prefix="/v1/people", tags=["profiles"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
PersonIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$", examples=["10234567"])]


@router.get(
    "/{person_id}/profile",
    response_model=ProfileRead,
    summary="A person's talent profile: credentials held, latest appraisal outcome, aspirations",
)
async def get_profile(
    person_id: PersonIdPath, principal: TalentReader, session: SessionDep, response: Response
) -> ProfileRead:
    person = await people_service.get_person(session=session, person_id=person_id)
    view = await profile_service.get_profile(session=session, person_id=person_id)
    if person is None and view.profile is None:
        raise NotFound(f"Nothing is known about person {person_id}")
    # The directory is the authority on where someone works; an event's organisation only
    # stands in until the person's HR record arrives.
    if person is not None:
        org_code: str | None = person.org_code
    else:
        org_code = view.profile.org_code if view.profile is not None else None
    visible = principal.can_see_org(org_code) if org_code else principal.is_national
    if not visible:
        raise Forbidden(f"This token does not reach the organisation of person {person_id}")
    set_etag(response, f"profile:{person_id}", view.version)
    return profile_read(
        view, org_code=org_code, in_directory=person is not None, now=datetime.now(UTC)
    )
