"""Bearer-token authentication and the reach rules of ARCHITECTURE §4.

A token carries ``sub``, ``scope`` (space separated), and optionally ``org`` (an ODS code) or
``region`` (a region ODS code). `TokenVerifier` checks it; `get_principal` and `require_scopes`
are the FastAPI dependencies routes use:

    AppraisalWriter = Annotated[Principal, Depends(require_scopes("appraisal:write"))]

    @router.post("/v1/appraisals")
    async def create(body: AppraisalIn, principal: AppraisalWriter) -> ...:
        principal.require_org(body.org_code)   # 403 outside the token's reach

Development and tests sign with HS256 and the shared secret; production verifies RS256/ES256
against the identity provider's JWKS. A verifier accepts one family only, so a token signed with
HMAC using the public key as the secret ("algorithm confusion") can never verify.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.http.problems import Forbidden, ServiceUnavailable, Unauthorized
from shared.settings import Environment, ServiceSettings

NATIONAL_SCOPE = "national"
DEVELOPMENT_ISSUER = "leadership-devstack"

SYMMETRIC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
REQUIRED_CLAIMS = ("exp", "iat", "sub")
JWKS_CACHE_SECONDS = 300


def _region_of(ods_code: str) -> str | None:
    # Imported on use: the reference data is loaded lazily, and only region tokens need it.
    from shared.reference.organisations import region_of

    return region_of(ods_code)


def _organisations_in_region(region_code: str) -> frozenset[str]:
    from shared.reference.organisations import organisations_in_region

    return frozenset(org.ods_code for org in organisations_in_region(region_code))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, what they may do (scopes) and which organisations they reach."""

    subject: str
    scopes: frozenset[str] = frozenset()
    org: str | None = None
    region: str | None = None

    @property
    def is_national(self) -> bool:
        """Sees every organisation: the ``national`` scope and no org or region restriction."""
        return NATIONAL_SCOPE in self.scopes and self.org is None and self.region is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_scopes(self, scopes: Iterable[str]) -> bool:
        return all(scope in self.scopes for scope in scopes)

    def can_see_org(self, org_code: str) -> bool:
        """Does this token reach ``org_code``?

        An ``org`` claim reaches exactly that organisation; a ``region`` claim reaches the region
        itself and every ICB and trust in it; a token with neither reaches everything only with
        the ``national`` scope, and nothing otherwise.
        """
        code = org_code.strip().upper()
        if self.org is not None:
            return code == self.org
        if self.region is not None:
            return code == self.region or _region_of(code) == self.region
        return self.is_national

    def reach_filter(self) -> frozenset[str] | None:
        """The org codes a query may return, or ``None`` for all (a national token).

        Use it as ``if (orgs := principal.reach_filter()) is not None:
        stmt = stmt.where(table.c.org_code.in_(orgs))``. An empty set means nothing is visible.
        """
        if self.org is not None:
            return frozenset({self.org})
        if self.region is not None:
            return _organisations_in_region(self.region) | {self.region}
        if self.is_national:
            return None
        return frozenset()

    def require_scopes(self, *scopes: str) -> None:
        missing = sorted(scope for scope in scopes if scope not in self.scopes)
        if missing:
            raise _insufficient_scope(missing)

    def require_org(self, org_code: str) -> None:
        """403 unless the token reaches ``org_code``."""
        if not self.can_see_org(org_code):
            raise Forbidden(f"This token does not reach organisation {org_code.strip().upper()}")


def _insufficient_scope(missing: Sequence[str]) -> Forbidden:
    wanted = " ".join(missing)
    return Forbidden(
        f"This operation needs the scope(s): {wanted}",
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{wanted}"'},
        required_scopes=list(missing),
    )


# ---------------------------------------------------------------------------------------------
# Verification

# Given the raw token and its (unverified) header, the key to verify it with. Asynchronous
# because fetching a JWKS is network I/O; tests inject a static key instead of serving a JWKS.
KeyResolver = Callable[[str, Mapping[str, Any]], Awaitable[Any]]


class TokenError(Exception):
    """The token is not acceptable; the message is safe to show to the client."""


class KeySourceUnavailable(Exception):
    """The signing keys could not be fetched (identity provider unreachable)."""


def static_key_resolver(key: Any) -> KeyResolver:
    """Always the same key: the HS secret, or a public key object or PEM for RS/ES."""

    async def resolve(token: str, header: Mapping[str, Any]) -> Any:
        return key

    return resolve


def jwks_key_resolver(jwks_url: str, *, cache_seconds: float = JWKS_CACHE_SECONDS) -> KeyResolver:
    """Keys from an OIDC provider's JWKS, cached by PyJWT and refreshed on an unknown ``kid``."""
    client = jwt.PyJWKClient(
        jwks_url, cache_jwk_set=True, lifespan=cache_seconds, cache_keys=True, timeout=10
    )

    async def resolve(token: str, header: Mapping[str, Any]) -> Any:
        try:
            # PyJWKClient fetches with blocking urllib; a thread keeps the event loop free.
            return await asyncio.to_thread(client.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError as exc:
            raise KeySourceUnavailable(str(exc)) from exc
        except jwt.PyJWKClientError as exc:
            raise TokenError("no signing key matches the token") from exc

    return resolve


class TokenVerifier:
    """Verifies bearer tokens and turns their claims into a `Principal`.

    Built from settings: with ``jwks_url`` it verifies asymmetric tokens against the JWKS;
    without, HS tokens with ``jwt_secret`` (refused in production). ``key_resolver`` replaces
    the key source, e.g. with `static_key_resolver(public_key)` in a test.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        key_resolver: KeyResolver | None = None,
    ) -> None:
        algorithms = list(dict.fromkeys(settings.jwt_algorithms))
        self.algorithms = _checked_algorithms(algorithms)
        symmetric = self.algorithms[0] in SYMMETRIC_ALGORITHMS
        if key_resolver is None:
            if symmetric:
                if settings.jwks_url is not None:
                    raise ValueError("JWKS_URL is set but JWT_ALGORITHMS are HMAC; use RS/ES")
                if settings.environment is Environment.PRODUCTION:
                    raise ValueError("production refuses HMAC-signed tokens")
                key_resolver = static_key_resolver(settings.jwt_secret)
            else:
                if settings.jwks_url is None:
                    raise ValueError("asymmetric JWT_ALGORITHMS need JWKS_URL to find the keys")
                key_resolver = jwks_key_resolver(settings.jwks_url)
        self._resolve_key = key_resolver
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway = settings.jwt_leeway_seconds

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; `TokenError` (or `KeySourceUnavailable`) otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenError("the token is not a well-formed JWT") from exc
        algorithm = header.get("alg")
        # Checked before any key is looked up, and again by PyJWT while verifying.
        if algorithm not in self.algorithms:
            raise TokenError(f"tokens signed with {algorithm!r} are not accepted")
        key = await self._resolve_key(token, header)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=self.algorithms,
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("the token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise TokenError("the token is not valid yet") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"the token lacks the {exc.claim!r} claim") from exc
        except jwt.InvalidTokenError as exc:
            # Signature, issuer, audience, malformed claims: one message, no oracle for attackers.
            raise TokenError("the token is invalid") from exc
        return principal_from_claims(claims)


def _checked_algorithms(algorithms: Sequence[str]) -> list[str]:
    if not algorithms:
        raise ValueError("JWT_ALGORITHMS is empty")
    unknown = [alg for alg in algorithms if alg not in SYMMETRIC_ALGORITHMS | ASYMMETRIC_ALGORITHMS]
    if unknown:
        # Includes "none": an unsigned token is never acceptable.
        raise ValueError(f"unsupported JWT algorithms: {unknown}")
    symmetric = {alg in SYMMETRIC_ALGORITHMS for alg in algorithms}
    if len(symmetric) > 1:
        raise ValueError(
            "JWT_ALGORITHMS mixes HMAC and public-key algorithms (algorithm confusion)"
        )
    return list(algorithms)


def _optional_code(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TokenError(f"the {name!r} claim must be an ODS code")
    return value.strip().upper()


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenError("the 'sub' claim must be a non-empty string")
    # `scope` is the RFC 8693 space-separated string; Entra ID sends delegated scopes as `scp`.
    raw_scope = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw_scope, str):
        scopes = frozenset(raw_scope.split())
    elif isinstance(raw_scope, list) and all(isinstance(item, str) for item in raw_scope):
        scopes = frozenset(raw_scope)
    else:
        raise TokenError("the 'scope' claim must be a space-separated string")
    return Principal(
        subject=subject,
        scopes=scopes,
        org=_optional_code(claims, "org"),
        region=_optional_code(claims, "region"),
    )


# ---------------------------------------------------------------------------------------------
# FastAPI dependencies

# auto_error=False: a missing token must be our 401 problem, not FastAPI's own error; the
# scheme still appears in OpenAPI so /docs offers an "Authorize" button.
bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A JWT with `sub`, `scope` and optionally `org` or `region` (ODS codes).",
)


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The caller, from ``Authorization: Bearer``; 401 problem without a valid token."""
    if credentials is None:
        raise Unauthorized("Send a bearer token: Authorization: Bearer <JWT>")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("app.state.token_verifier is not set; create it in the lifespan")
    try:
        return await verifier.verify(credentials.credentials)
    except TokenError as exc:
        raise Unauthorized(str(exc), error="invalid_token") from exc
    except KeySourceUnavailable as exc:
        raise ServiceUnavailable("The token cannot be verified now; try again shortly") from exc


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_scopes(*scopes: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the principal when it holds every one of ``scopes``, else 403."""
    if not scopes:
        raise ValueError("require_scopes needs at least one scope")

    async def dependency(principal: CurrentPrincipal) -> Principal:
        principal.require_scopes(*scopes)
        return principal

    dependency.__name__ = "require_" + "_".join(scope.replace(":", "_") for scope in scopes)
    _SCOPE_CHECKS.add(dependency)
    return dependency


# The dependencies require_scopes made, so access_checks_of can recognise them in a route.
_SCOPE_CHECKS: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()

Authenticate = Callable[[Request], Awaitable[Principal]]
ScopeCheck = Callable[[Principal], Awaitable[Principal]]


async def _authenticate(request: Request) -> Principal:
    return await get_principal(request, await bearer_scheme(request))


def access_checks_of(dependant: Any) -> tuple[Authenticate | None, list[ScopeCheck]]:
    """How a route authenticates its caller and which scope checks it runs, from its
    dependency tree; ``(None, [])`` for a public route.

    Lets an error that FastAPI raises before any dependency runs (request validation) still
    answer 401/403 first, exactly as the route's own dependencies would.
    """
    needs_principal = False
    checks: list[ScopeCheck] = []
    stack = [dependant]
    while stack:
        current = stack.pop()
        for sub in current.dependencies:
            if sub.call is get_principal:
                needs_principal = True
            elif sub.call in _SCOPE_CHECKS:
                checks.append(sub.call)
            stack.append(sub)
    return (_authenticate if needs_principal or checks else None), checks


def mint_development_token(
    *,
    secret: str,
    subject: str,
    scopes: Iterable[str],
    org: str | None = None,
    region: str | None = None,
    ttl_seconds: int = 3600,
    not_before: datetime | None = None,
    issued_at: datetime | None = None,
) -> str:
    """An HS256 token for tests and the development stack (``make token``)."""
    now = issued_at or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": DEVELOPMENT_ISSUER,
        "sub": subject,
        "scope": " ".join(sorted(set(scopes))),
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": str(uuid.uuid4()),
    }
    if not_before is not None:
        claims["nbf"] = not_before
    if org is not None:
        claims["org"] = org
    if region is not None:
        claims["region"] = region
    return jwt.encode(claims, secret, algorithm="HS256")
