"""Bearer tokens: what verifies, what does not, and who reaches which organisation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import Depends, FastAPI
from pydantic import BaseModel

from shared.http.auth import (
    CurrentPrincipal,
    Principal,
    TokenVerifier,
    mint_development_token,
    principal_from_claims,
    require_scopes,
    static_key_resolver,
)
from shared.http.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from shared.settings import Environment, ServiceSettings

AppraisalWriter = Annotated[Principal, Depends(require_scopes("appraisal:write", "appraisal:read"))]
SECRET = "a-test-secret-that-is-long-enough-for-hs256-0123456789"


def hs_settings(**overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "service_name": "authtest",
        "environment": Environment.TEST,
        "jwt_secret": SECRET,
        "jwt_leeway_seconds": 0,
    }
    values.update(overrides)
    return ServiceSettings(**values)


def build_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = verifier

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {
            "subject": principal.subject,
            "scopes": sorted(principal.scopes),
            "org": principal.org,
            "region": principal.region,
        }

    @app.post("/appraisals")
    async def write(principal: AppraisalWriter) -> dict[str, str]:
        return {"subject": principal.subject}

    @app.post("/objectives")
    async def add_objective(
        body: Objective, principal: AppraisalWriter, limit: int = 10
    ) -> dict[str, str]:
        return {"title": body.title}

    return app


class Objective(BaseModel):
    title: str


async def call(app: FastAPI, token: str | None, path: str = "/me") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        if path == "/me":
            return await client.get(path, headers=headers)
        return await client.post(path, headers=headers)


def dev_token(**overrides: Any) -> str:
    values: dict[str, Any] = {"secret": SECRET, "subject": "alice", "scopes": ["appraisal:read"]}
    values.update(overrides)
    return mint_development_token(**values)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade_token(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = (
        b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{b64(signature)}"


def now_claims(**extra: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    return {"sub": "mallory", "scope": "national", "iat": now, "exp": now + 600, **extra}


async def assert_401(app: FastAPI, token: str | None, detail_part: str) -> None:
    response = await call(app, token)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert detail_part in response.json()["detail"]


# --- HS256 (development and tests) ------------------------------------------------------------


@pytest.fixture
def hs_app() -> FastAPI:
    return build_app(TokenVerifier(hs_settings()))


async def test_valid_development_token(hs_app: FastAPI) -> None:
    token = dev_token(scopes=["appraisal:read", "national"], org="rr8")
    response = await call(hs_app, token)
    assert response.status_code == 200
    assert response.json() == {
        "subject": "alice",
        "scopes": ["appraisal:read", "national"],
        "org": "RR8",
        "region": None,
    }
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == "leadership-devstack"


async def test_missing_token_is_401_with_bearer_challenge(hs_app: FastAPI) -> None:
    response = await call(hs_app, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"].endswith("/unauthorized")


async def test_non_bearer_scheme_is_401(hs_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=hs_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/me", headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert response.status_code == 401


async def test_expired_token(hs_app: FastAPI) -> None:
    issued = datetime.now(UTC) - timedelta(hours=2)
    await assert_401(hs_app, dev_token(issued_at=issued, ttl_seconds=60), "expired")


async def test_not_yet_valid_token(hs_app: FastAPI) -> None:
    token = dev_token(not_before=datetime.now(UTC) + timedelta(minutes=10))
    await assert_401(hs_app, token, "not valid yet")


async def test_leeway_accepts_small_clock_skew() -> None:
    app = build_app(TokenVerifier(hs_settings(jwt_leeway_seconds=60)))
    token = dev_token(not_before=datetime.now(UTC) + timedelta(seconds=20))
    assert (await call(app, token)).status_code == 200


async def test_bad_signature(hs_app: FastAPI) -> None:
    token = dev_token(secret="another-secret-that-is-long-enough-for-hs256-9876543210")
    await assert_401(hs_app, token, "invalid")


async def test_tampered_payload(hs_app: FastAPI) -> None:
    header, _, signature = dev_token().split(".")
    forged = b64(json.dumps(now_claims()).encode())
    await assert_401(hs_app, f"{header}.{forged}.{signature}", "invalid")


async def test_alg_none_is_refused(hs_app: FastAPI) -> None:
    token = handmade_token({"alg": "none", "typ": "JWT"}, now_claims(), key=None)
    await assert_401(hs_app, token, "'none'")


async def test_missing_sub_is_refused(hs_app: FastAPI) -> None:
    claims = now_claims()
    del claims["sub"]
    token = handmade_token({"alg": "HS256", "typ": "JWT"}, claims, SECRET.encode())
    await assert_401(hs_app, token, "'sub'")


@pytest.mark.parametrize("claim", ["exp", "iat"])
async def test_missing_exp_or_iat_is_refused(hs_app: FastAPI, claim: str) -> None:
    claims = now_claims()
    del claims[claim]
    token = handmade_token({"alg": "HS256", "typ": "JWT"}, claims, SECRET.encode())
    await assert_401(hs_app, token, f"'{claim}'")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer", "e30.e30.", "%%%.$$$.###"])
async def test_garbage_tokens_are_401(hs_app: FastAPI, garbage: str) -> None:
    response = await call(hs_app, garbage)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_non_ascii_header_is_401(hs_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=hs_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(
            "/me", headers={"Authorization": "Bearer \xe9.\xe9".encode("latin-1")}
        )
    assert response.status_code == 401


async def test_bad_org_claim_is_refused(hs_app: FastAPI) -> None:
    token = handmade_token({"alg": "HS256", "typ": "JWT"}, now_claims(org=["RR8"]), SECRET.encode())
    await assert_401(hs_app, token, "'org'")


async def test_issuer_and_audience_are_checked_when_configured() -> None:
    app = build_app(
        TokenVerifier(hs_settings(jwt_issuer="leadership-devstack", jwt_audience="api"))
    )
    await assert_401(app, dev_token(), "'aud'")
    claims = now_claims(iss="leadership-devstack", aud="api")
    token = handmade_token({"alg": "HS256", "typ": "JWT"}, claims, SECRET.encode())
    assert (await call(app, token)).status_code == 200
    claims = now_claims(iss="someone-else", aud="api")
    token = handmade_token({"alg": "HS256", "typ": "JWT"}, claims, SECRET.encode())
    await assert_401(app, token, "invalid")


async def test_scopes_are_required(hs_app: FastAPI) -> None:
    response = await call(hs_app, dev_token(scopes=["appraisal:read"]), path="/appraisals")
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["required_scopes"] == ["appraisal:write"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    token = dev_token(scopes=["appraisal:read", "appraisal:write"])
    response = await call(hs_app, token, path="/appraisals")
    assert response.status_code == 200
    # Without any token the scope check is never reached: 401, not 403.
    assert (await call(hs_app, None, path="/appraisals")).status_code == 401


@pytest.mark.parametrize(
    ("body", "query"),
    [(b"{not json", ""), (b'{"title": 7}', ""), (b'{"title": "ok"}', "?limit=many")],
    ids=["malformed-json", "invalid-body", "invalid-query"],
)
async def test_who_asks_is_checked_before_what_they_sent(
    hs_app: FastAPI, body: bytes, query: str
) -> None:
    """FastAPI validates input before dependencies run; the answer must still be 401 without a
    token and 403 without the scope, so a refused caller learns nothing about its input."""
    transport = httpx.ASGITransport(app=hs_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

        async def post(token: str | None) -> httpx.Response:
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            return await client.post(f"/objectives{query}", content=body, headers=headers)

        missing = await post(None)
        garbage = await post("not-a-token")
        no_scope = await post(dev_token(scopes=["appraisal:read"]))
        allowed = await post(dev_token(scopes=["appraisal:read", "appraisal:write"]))
    assert (missing.status_code, garbage.status_code, no_scope.status_code) == (401, 401, 403)
    assert no_scope.json()["required_scopes"] == ["appraisal:write"]
    for refused in (missing, garbage, no_scope):
        assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert "errors" not in refused.json()
    assert allowed.status_code == (400 if body == b"{not json" else 422), allowed.text


async def test_openapi_shows_the_bearer_scheme(hs_app: FastAPI) -> None:
    schema = hs_app.openapi()
    scheme = schema["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": scheme["description"],
    }
    assert schema["paths"]["/me"]["get"]["security"] == [{"HTTPBearer": []}]


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"jwt_algorithms": ["none"]}, "unsupported"),
        ({"jwt_algorithms": ["HS256", "RS256"]}, "mixes"),
        ({"jwt_algorithms": []}, "empty"),
        ({"jwt_algorithms": ["RS256"]}, "JWKS_URL"),
        ({"jwks_url": "https://idp.example/jwks"}, "JWKS_URL is set"),
    ],
)
def test_verifier_refuses_unsafe_configuration(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TokenVerifier(hs_settings(**overrides))


# --- RS256 / ES256 (production) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def rs_token(key: Any, algorithm: str = "RS256", kid: str | None = None, **claims: Any) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(now_claims(**claims), key, algorithm=algorithm, headers=headers)


@pytest.fixture
def rs_app(rsa_key: rsa.RSAPrivateKey) -> FastAPI:
    settings = hs_settings(jwt_algorithms=["RS256"])
    verifier = TokenVerifier(settings, key_resolver=static_key_resolver(rsa_key.public_key()))
    return build_app(verifier)


async def test_rs256_token_verifies(rs_app: FastAPI, rsa_key: rsa.RSAPrivateKey) -> None:
    response = await call(rs_app, rs_token(rsa_key, region="Y56"))
    assert response.status_code == 200
    assert response.json()["region"] == "Y56"


async def test_hs256_token_is_refused_by_an_rs256_verifier(
    rs_app: FastAPI, rsa_key: rsa.RSAPrivateKey
) -> None:
    # The classic confusion attack: HMAC-sign with the (public) verification key as the secret.
    token = handmade_token({"alg": "HS256", "typ": "JWT"}, now_claims(), public_pem(rsa_key))
    await assert_401(rs_app, token, "'HS256'")


async def test_rs256_token_is_refused_by_an_hs256_verifier(
    hs_app: FastAPI, rsa_key: rsa.RSAPrivateKey
) -> None:
    await assert_401(hs_app, rs_token(rsa_key), "'RS256'")


async def test_token_signed_by_another_rsa_key_is_refused(rs_app: FastAPI) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await assert_401(rs_app, rs_token(other), "invalid")


async def test_es256_verifier_refuses_rs256() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    settings = hs_settings(jwt_algorithms=["ES256"])
    app = build_app(TokenVerifier(settings, key_resolver=static_key_resolver(ec_key.public_key())))
    assert (await call(app, rs_token(ec_key, algorithm="ES256"))).status_code == 200
    rsa_other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await assert_401(app, rs_token(rsa_other), "'RS256'")


# --- JWKS -------------------------------------------------------------------------------------


@pytest.fixture
def jwks_server(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    document = json.dumps({"keys": [{**jwk, "kid": "key-1", "use": "sig", "alg": "RS256"}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def jwks_app(jwks_server: str) -> AsyncIterator[FastAPI]:
    yield build_app(TokenVerifier(hs_settings(jwt_algorithms=["RS256"], jwks_url=jwks_server)))


async def test_jwks_verification(jwks_app: FastAPI, rsa_key: rsa.RSAPrivateKey) -> None:
    assert (await call(jwks_app, rs_token(rsa_key, kid="key-1"))).status_code == 200
    # Cached: a second token needs no new fetch and verifies the same way.
    assert (await call(jwks_app, rs_token(rsa_key, kid="key-1", org="RR8"))).status_code == 200


async def test_jwks_unknown_kid_is_401(jwks_app: FastAPI, rsa_key: rsa.RSAPrivateKey) -> None:
    await assert_401(jwks_app, rs_token(rsa_key, kid="rotated-away"), "no signing key")


async def test_jwks_confusion_token_is_401(jwks_app: FastAPI, rsa_key: rsa.RSAPrivateKey) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": "key-1"}
    await assert_401(jwks_app, handmade_token(header, now_claims(), public_pem(rsa_key)), "'HS256'")


async def test_unreachable_jwks_is_503(rsa_key: rsa.RSAPrivateKey) -> None:
    settings = hs_settings(jwt_algorithms=["RS256"], jwks_url="http://127.0.0.1:9/jwks.json")
    response = await call(build_app(TokenVerifier(settings)), rs_token(rsa_key, kid="key-1"))
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


# --- claims and reach -------------------------------------------------------------------------


def test_scope_claim_forms() -> None:
    assert principal_from_claims({"sub": "a", "scope": "x:read  y:write"}).scopes == {
        "x:read",
        "y:write",
    }
    assert principal_from_claims({"sub": "a", "scp": ["x:read"]}).scopes == {"x:read"}
    assert principal_from_claims({"sub": "a"}).scopes == frozenset()


def test_org_token_sees_exactly_its_organisation() -> None:
    principal = Principal("a", frozenset({"national"}), org="RR8")
    assert principal.can_see_org("RR8")
    assert principal.can_see_org(" rr8 ")
    assert not principal.can_see_org("RAL")
    assert not principal.is_national  # an org claim narrows even a national scope
    assert principal.reach_filter() == {"RR8"}


def test_region_token_sees_the_organisations_of_its_region() -> None:
    london = Principal("a", frozenset(), region="Y56")
    assert london.can_see_org("RAL")  # Royal Free London, in London (Y56)
    assert london.can_see_org("QMJ")  # North Central London ICB
    assert london.can_see_org("Y56")  # the region itself
    assert not london.can_see_org("RA7")  # Bristol, South West
    assert not london.can_see_org("UNKNOWN")
    reach = london.reach_filter()
    assert reach is not None
    assert {"RAL", "QMJ", "R1H", "Y56"} <= reach
    assert "RA7" not in reach


def test_national_and_unscoped_tokens() -> None:
    national = Principal("a", frozenset({"national", "talent:read"}))
    assert national.is_national
    assert national.can_see_org("RA7") and national.can_see_org("ANYTHING")
    assert national.reach_filter() is None
    nobody = Principal("b", frozenset({"talent:read"}))
    assert not nobody.can_see_org("RA7")
    assert nobody.reach_filter() == frozenset()


def test_require_org_raises_forbidden() -> None:
    from shared.http.problems import Forbidden

    with pytest.raises(Forbidden):
        Principal("a", frozenset(), org="RR8").require_org("RAL")
    Principal("a", frozenset(), org="RR8").require_org("rr8")
