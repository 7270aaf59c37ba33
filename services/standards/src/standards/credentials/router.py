"""Issued credentials (Open Badges 3.0), the issuer's keys and its revocation status lists.

The JWKS, the issuer profile and the status lists are public: a verifier anywhere (a wallet, an
employer outside the NHS) must be able to check a credential without an account here, and they
say nothing about any person (a status list is a bitstring of 131,072 anonymous positions).
"""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from shared.app import DatabaseDep, SessionDep
from shared.http.etag import IfMatchHeader, make_etag, set_etag
from shared.http.idempotency import IdempotencyKeyHeader, OperationResult, run_idempotent
from shared.http.problems import NotFound
from standards.auth import StandardsReader, StandardsWriter
from standards.credentials import domain, signing
from standards.credentials import service as credential_service
from standards.credentials.schemas import CredentialRevoke, IssuerProfile, JsonWebKeySet
from standards.learning.schemas import CredentialRead
from standards.outbox import request_publisher
from standards.settings import StandardsSettingsDep

router = APIRouter(tags=["credentials"])
# Included without the service-wide token check (see standards.main): what a verifier needs.
public_router = APIRouter(tags=["credentials"])

VC_JWT = "application/vc+jwt"
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_SECURED_OR_JSON: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The credential as JSON-LD, or secured as a VC-JOSE JWT when the client "
        f"asks for {VC_JWT} in Accept",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            VC_JWT: {"schema": {"type": "string"}},
        },
    }
}

AcceptHeader = Annotated[str | None, Header(alias="Accept", include_in_schema=False)]


def _wants_jwt(accept: str | None) -> bool:
    return accept is not None and VC_JWT in accept.lower()


def _issuer(settings: StandardsSettingsDep) -> domain.Issuer:
    return domain.Issuer(base_url=settings.public_base_url)


def _secured_or_json(
    document: dict[str, Any], *, accept: str | None, settings: StandardsSettingsDep
) -> Response:
    if _wants_jwt(accept):
        token = signing.issuer_key(settings).sign(document)
        return Response(token, media_type=VC_JWT)
    return JSONResponse(document)


@router.get(
    "/v1/credentials/{credential_id}",
    response_model=None,
    responses=_SECURED_OR_JSON,
    summary="An issued credential as an Open Badges 3.0 OpenBadgeCredential",
)
async def get_credential(
    credential_id: uuid.UUID,
    principal: StandardsReader,
    session: SessionDep,
    settings: StandardsSettingsDep,
    accept: AcceptHeader = None,
) -> Response:
    """The credential as issued. Whether it is still good is told by its status list (see
    ``credentialStatus``) and ``validUntil``, not by this document."""
    credential = await credential_service.visible_credential(
        session=session, credential_id=credential_id, principal=principal
    )
    facts = await credential_service.issued(session, credential)
    document = domain.open_badge_credential(facts, issuer=_issuer(settings))
    response = _secured_or_json(document, accept=accept, settings=settings)
    set_etag(response, credential.id, credential.version)
    response.headers["Vary"] = "Accept"
    return response


@router.post(
    "/v1/credentials/{credential_id}/revoke",
    response_model=CredentialRead,
    summary="Revoke a credential: its status-list bit is set and credential.revoked published",
)
async def revoke_credential(
    credential_id: uuid.UUID,
    body: CredentialRevoke,
    request: Request,
    principal: StandardsWriter,
    db: DatabaseDep,
    if_match: IfMatchHeader,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Requires ``If-Match`` with the credential's ETag (from ``GET /v1/credentials/{id}``)."""

    async def revoke(session: Any) -> OperationResult:
        now = datetime.now(UTC)
        credential = await credential_service.revoke(
            session=session,
            publish=request_publisher(session, request),
            principal=principal,
            credential_id=credential_id,
            reason_code=body.reason_code,
            if_match=if_match,
            now=now,
        )
        headers = {"ETag": make_etag(credential.id, credential.version)}
        return 200, CredentialRead.of(credential, now=now), headers

    return await run_idempotent(db, request, principal, revoke, key=idempotency_key)


@public_router.get(
    "/v1/status-lists/{list_number}",
    response_model=None,
    responses=_SECURED_OR_JSON,
    summary="A Bitstring Status List credential (public): which credentials are revoked",
)
async def get_status_list(
    list_number: Annotated[int, Path(ge=0, le=1_000_000)],
    session: SessionDep,
    settings: StandardsSettingsDep,
    accept: AcceptHeader = None,
) -> Response:
    if list_number >= await credential_service.status_lists_in_use(session):
        raise NotFound(f"No status list {list_number}")
    bits = await credential_service.revoked_bits(session, list_number)
    changed = await credential_service.last_revocation(session, list_number)
    document = domain.status_list_credential(
        issuer=_issuer(settings),
        list_number=list_number,
        revoked_bits=bits,
        valid_from=changed or datetime(2026, 11, 22, tzinfo=UTC),
    )
    response = _secured_or_json(document, accept=accept, settings=settings)
    # Verifiers may cache a list briefly; a revocation shows within this many seconds.
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Vary"] = "Accept"
    return response


@public_router.get(
    "/v1/issuer/jwks.json",
    response_model=JsonWebKeySet,
    summary="The issuer's public signing keys (public)",
)
async def get_issuer_keys(settings: StandardsSettingsDep) -> JsonWebKeySet:
    return JsonWebKeySet.model_validate({"keys": [signing.issuer_key(settings).public_jwk()]})


@public_router.get(
    "/v1/issuer",
    response_model=IssuerProfile,
    response_model_by_alias=True,
    summary="The issuer's Open Badges profile (public)",
)
async def get_issuer(settings: StandardsSettingsDep) -> IssuerProfile:
    issuer = _issuer(settings)
    return IssuerProfile.model_validate(
        {
            "@context": [domain.VC_CONTEXT, domain.OB_CONTEXT],
            "id": issuer.profile_id,
            "type": ["Profile"],
            "name": issuer.name,
            "jwks_uri": f"{settings.public_base_url}/v1/issuer/jwks.json",
        }
    )
