"""Bad bearer tokens, through the real service apps: every one is a 401 problem+json on every
protected operation of every service (the unit-level cases are in shared/tests/test_http_auth.py;
here the apps' own wiring of the verifier is what is under test).

Each service runs twice: as in development (HS256 with the shared secret) and as in production
(RS256, keys from a JWKS URL served by this test on a local port). A token that is right in every
way passes authentication on the same operations, so the 401s cannot come from a verifier that
refuses everything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.testing import ALL_SCOPES, SERVICES
from shared.settings import DEVELOPMENT_JWT_SECRET

PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics"}
# Verifying a credential needs no account (standards, decision 0009): the issuer's profile, its
# public keys and the revocation status lists are public, so no token is read there at all.
PUBLIC_PATHS |= {"/v1/issuer", "/v1/issuer/jwks.json", "/v1/status-lists/{list_number}"}
# A multi-source feedback link is its own credential (appraisal, decision 0011): raters without an
# NHS account answer with the single-use token in the body, and no bearer token is read.
PUBLIC_PATHS |= {"/v1/feedback-responses"}
PLACEHOLDER = re.compile(r"{([^}:]+)(:[^}]*)?}")
SAMPLE_VALUES = {"org_code": "RR8", "person_id": "P1000", "code": "NLA-MARY-SEACOLE"}
PROBLEM = "application/problem+json"
KID = "test-signing-key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    """A JWT built by hand, for what PyJWT refuses to produce (``alg: none``, a PEM as secret)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = b""
    if secret is not None:
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def claims(**changes: Any) -> dict[str, Any]:
    """Claims of a valid national token; a value of None removes the claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "sub": "mallory",
        "scope": ALL_SCOPES,
        "iat": now,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Keys:
    private: rsa.RSAPrivateKey
    other_private: rsa.RSAPrivateKey
    public_pem: bytes


@pytest.fixture(scope="module")
def keys() -> Keys:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Keys(private=private, other_private=other, public_pem=public_pem)


@pytest.fixture(scope="module")
def jwks_url(keys: Keys) -> Iterator[str]:
    """An identity provider's JWKS endpoint on a local port, holding the one public key."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys.private.public_key()))
    document = json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass  # keep the test output to the test's own

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def hs(payload: dict[str, Any], secret: str = DEVELOPMENT_JWT_SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def rs(payload: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KID})


def bearer(token: str) -> str:
    return f"Bearer {token}"


def bad_headers(mode: str, keys: Keys) -> dict[str, str]:
    """Authorization header values that must each be refused, by what is wrong with them."""

    def good(payload: dict[str, Any]) -> str:
        # Correctly signed for this mode: only the claims are wrong.
        return hs(payload) if mode == "hs256" else rs(payload, keys.private)

    valid = good(claims())
    header, payload, _ = valid.split(".")
    tampered_payload = _b64(json.dumps(claims(sub="admin", scope="national")).encode())
    bad = {
        "bad signature (another key)": bearer(
            hs(claims(), "another-secret-of-sufficient-length-0123456789")
            if mode == "hs256"
            else rs(claims(), keys.other_private)
        ),
        "claims changed after signing": bearer(
            f"{header}.{tampered_payload}.{valid.split('.')[2]}"
        ),
        "signature stripped": bearer(f"{header}.{payload}."),
        "alg none": bearer(handmade({"alg": "none", "typ": "JWT"}, claims(), None)),
        "alg None, with a signature": bearer(
            handmade({"alg": "None", "typ": "JWT"}, claims(), b"x")
        ),
        "HS256 signed with the public key as secret": bearer(
            handmade({"alg": "HS256", "typ": "JWT", "kid": KID}, claims(), keys.public_pem)
        ),
        "expired": bearer(good(claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600))),
        "not yet valid": bearer(good(claims(nbf=int(time.time()) + 3600))),
        "missing sub": bearer(good(claims(sub=None))),
        "empty sub": bearer(good(claims(sub=""))),
        "missing exp": bearer(good(claims(exp=None))),
        "org claim is a list": bearer(good(claims(org=["RR8", "RJ1"]))),
        "scope claim is a number": bearer(good(claims(scope=7))),
        "garbage": "Bearer garbage",
        "three dots of garbage": "Bearer not.a.jwt",
        "empty bearer": "Bearer ",
        "no Bearer prefix": valid,
        "Basic scheme": "Basic bWFsbG9yeTpodW50ZXIy",
        "Token scheme": f"Token {valid}",
    }
    if mode == "hs256":
        bad["RS256 token to the HS256 verifier"] = bearer(rs(claims(), keys.private))
    else:
        bad["HS256 token with the development secret"] = bearer(hs(claims()))
    return bad


def _concrete(path: str) -> str:
    return PLACEHOLDER.sub(
        lambda m: SAMPLE_VALUES.get(m.group(1), "6f1c1f47-2a56-4a53-9d3e-6d7f7e0c3b1a"), path
    )


def protected_operations(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), _concrete(path))
        for path, operations in openapi["paths"].items()
        if path not in PUBLIC_PATHS
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.mark.parametrize("mode", ["hs256", "rs256"])
@pytest.mark.parametrize("service", SERVICES)
async def test_bad_tokens_are_refused_everywhere(
    service: str, mode: str, keys: Keys, jwks_url: str, start_service
) -> None:
    overrides: dict[str, Any] = {}
    if mode == "rs256":
        overrides = {"jwt_algorithms": ["RS256"], "jwks_url": jwks_url}
    valid = hs(claims()) if mode == "hs256" else rs(claims(), keys.private)
    bad = bad_headers(mode, keys)
    failures: list[str] = []
    async with start_service(service, **overrides) as running:
        operations = protected_operations(running.app.openapi())
        assert operations, f"{service} exposes no protected operations"
        for method, url in operations:
            # The same request with a good token gets past authentication (and is no 5xx).
            accepted = await running.client.request(
                method, url, headers={"Authorization": bearer(valid)}
            )
            if accepted.status_code == 401 or accepted.status_code >= 500:
                failures.append(f"{method} {url} refused a valid token: {accepted.status_code}")
            for label, value in bad.items():
                response = await running.client.request(
                    method, url, headers={"Authorization": value}
                )
                problem = response.json() if response.headers.get("content-type") == PROBLEM else {}
                if (
                    response.status_code != 401
                    or problem.get("status") != 401
                    or not response.headers.get("www-authenticate", "").startswith("Bearer")
                ):
                    failures.append(
                        f"{method} {url} with {label}: {response.status_code} "
                        f"{response.headers.get('content-type')} {response.text[:200]}"
                    )
    assert not failures, "\n".join(failures)
