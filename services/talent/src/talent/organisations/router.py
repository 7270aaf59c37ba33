from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from shared.app import SessionDep
from shared.http.auth import Principal, require_scopes
from shared.http.etag import IfMatchHeader, set_etag
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Forbidden
from shared.reference.organisations import OrgType
from talent.organisations import service as organisation_service
from talent.organisations.schemas import (
    MembershipChange,
    MembershipRead,
    OrganisationRead,
    SegmentChange,
    SegmentHistoryRead,
)

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])

TalentReader = Annotated[Principal, Depends(require_scopes("talent:read"))]
TalentAdmin = Annotated[Principal, Depends(require_scopes("talent:admin"))]
OrgCodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]

_ETAG_HEADER = {
    "ETag": {"description": "Strong ETag of the returned version", "schema": {"type": "string"}}
}
_THIS_ORG = {"path.org_code": "$response.body#/ods_code"}
_RETURNS_ORG = {
    "headers": _ETAG_HEADER,
    "links": {
        "set_oversight_segment": {
            "operationId": "set_oversight_segment",
            "parameters": {**_THIS_ORG, "header.If-Match": "$response.header.ETag"},
        },
    },
}


@router.get("", response_model=Page[OrganisationRead], summary="Organisations in reach")
async def list_organisations(
    principal: TalentReader,
    session: SessionDep,
    page: PageQuery,
    org_type: OrgType | None = None,
    region_code: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,5}$")] = None,
    challenged: bool | None = None,
) -> Page[OrganisationRead]:
    """Regions, ICBs, trusts and foundation trusts the token reaches, with each one's current
    oversight segment and ICB; ``challenged=true`` lists those at or past the threshold."""
    views = await organisation_service.list_views(
        session=session,
        principal=principal,
        page=page,
        org_type=org_type,
        region_code=region_code.upper() if region_code else None,
        challenged=challenged,
    )
    return make_page(
        views,
        page,
        key_fn=lambda v: (v.organisation.ods_code, v.organisation.ods_code),
        item=lambda v: v.read(),
    )


@router.get("/{org_code}", response_model=OrganisationRead, responses={200: _RETURNS_ORG})
async def get_organisation(
    org_code: OrgCodePath, principal: TalentReader, session: SessionDep, response: Response
) -> OrganisationRead:
    organisation = organisation_service.visible_or_403(principal, org_code)
    view = await organisation_service.get_view(session, organisation)
    set_etag(response, organisation.ods_code, view.version)
    return view.read()


@router.put(
    "/{org_code}/oversight-segment",
    response_model=OrganisationRead,
    responses={200: _RETURNS_ORG},
    summary="Place the organisation in an NHS Oversight Framework segment",
)
async def set_oversight_segment(
    org_code: OrgCodePath,
    change: SegmentChange,
    if_match: IfMatchHeader,
    principal: TalentAdmin,
    session: SessionDep,
    response: Response,
) -> OrganisationRead:
    """Needs If-Match with the organisation's ETag (an organisation never segmented has the
    ETag of version 0, from its GET). The change is added to the segment history. Set by a
    regional or national token: an organisation does not segment itself."""
    organisation = organisation_service.visible_or_403(principal, org_code)
    if principal.org is not None:
        # NHS England's regional and national teams segment organisations, never themselves.
        raise Forbidden("Oversight segments are set by a regional or national token")
    async with session.begin():
        view = await organisation_service.set_segment(
            session=session,
            principal=principal,
            organisation=organisation,
            change=change,
            if_match=if_match,
        )
    set_etag(response, organisation.ods_code, view.version)
    return view.read()


@router.get("/{org_code}/oversight-segments", response_model=Page[SegmentHistoryRead])
async def list_oversight_segments(
    org_code: OrgCodePath, principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[SegmentHistoryRead]:
    """The organisation's segment history, latest first."""
    organisation = organisation_service.visible_or_403(principal, org_code)
    rows = await organisation_service.segment_history(
        session=session, org_code=organisation.ods_code, page=page
    )
    return make_page(
        rows, page, key_fn=lambda r: (r.recorded_at, r.id), item=SegmentHistoryRead.model_validate
    )


@router.get("/{org_code}/icb-memberships", response_model=Page[MembershipRead])
async def list_icb_memberships(
    org_code: OrgCodePath, principal: TalentReader, session: SessionDep, page: PageQuery
) -> Page[MembershipRead]:
    """Which ICB the organisation belonged to, and when (footprints change)."""
    organisation = organisation_service.visible_or_403(principal, org_code)
    rows = await organisation_service.memberships(
        session=session, org_code=organisation.ods_code, page=page
    )
    return make_page(
        rows, page, key_fn=lambda r: (r.effective_from, r.id), item=MembershipRead.model_validate
    )


@router.post(
    "/{org_code}/icb-memberships",
    response_model=MembershipRead,
    status_code=201,
    summary="Record an ICB footprint change for a trust",
)
async def change_icb_membership(
    org_code: OrgCodePath, change: MembershipChange, principal: TalentAdmin, session: SessionDep
) -> MembershipRead:
    """ICB footprints are set nationally, so only a national token records a change. The
    current membership ends the day the new one begins. Repeating the same change is refused
    (the organisation already belongs to that ICB), so a retry cannot duplicate it."""
    organisation = organisation_service.reference_or_404(org_code)
    if not principal.is_national:
        raise Forbidden("ICB footprint changes are recorded by a national token")
    async with session.begin():
        membership = await organisation_service.change_membership(
            session=session, organisation=organisation, change=change
        )
        body = MembershipRead.model_validate(membership)
    return body
