"""Every route of every service answers 401 problem+json without a token, and 403 with a
valid token that lacks the route's scope, even when the request's body is not JSON at all (the
caller's identity is checked before its input). New routes are covered without editing this
file."""

from __future__ import annotations

import re

import pytest

from devstack.testing import SERVICES, auth

PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics"}
# Verifying a credential needs no account here (standards, decision 0009): the issuer's
# profile, its public keys and the revocation status lists (bitstrings of anonymous positions)
# are public by design and hold nothing about any person.
PUBLIC_PATHS |= {"/v1/issuer", "/v1/issuer/jwks.json", "/v1/status-lists/{list_number}"}
# Routes whose credential is not a bearer token, each with its reason; the last test checks
# that each still refuses a request without its own credential.
LINK_TOKEN_PATHS = {
    # Multi-source feedback from raters who hold no NHS account (governors, partners): the
    # single-use link token in the body is the credential, and only its digest is stored.
    ("appraisal", "/v1/feedback-responses"),
}
PLACEHOLDER = re.compile(r"{([^}:]+)(:[^}]*)?}")
SAMPLE_VALUES = {"org_code": "RR8", "person_id": "P1000", "code": "X1", "version": "1"}


def _concrete(path: str) -> str:
    # Path parameters get plausible values; ids of unknown shape get a UUID.
    return PLACEHOLDER.sub(
        lambda m: SAMPLE_VALUES.get(m.group(1), "6f1c1f47-2a56-4a53-9d3e-6d7f7e0c3b1a"), path
    )


def _bodies(method: str) -> list[dict]:
    """No body, and for writes also a body that is not JSON."""
    if method == "GET" or method == "DELETE":
        return [{}]
    return [{}, {"content": b"{not json", "headers": {"Content-Type": "application/json"}}]


def _protected_routes(app) -> list[tuple[str, str]]:
    # The OpenAPI document lists every operation, including those of nested routers.
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path not in PUBLIC_PATHS and path not in {p for _, p in LINK_TOKEN_PATHS}
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_refuses_a_missing_token(service: str, start_service) -> None:
    async with start_service(service) as running:
        routes = _protected_routes(running.app)
        assert routes, f"{service} exposes no routes"
        for method, path in routes:
            for body in _bodies(method):
                response = await running.client.request(method, _concrete(path), **body)
                assert response.status_code == 401, (method, path, body, response.text)
                assert response.headers["content-type"] == "application/problem+json"
                assert response.headers["www-authenticate"].startswith("Bearer")
                assert response.json()["status"] == 401


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_refuses_a_token_without_its_scope(service: str, start_service) -> None:
    # A token valid in every way but holding only a scope no route asks for.
    headers = auth("unrelated:read national")
    async with start_service(service) as running:
        for method, path in _protected_routes(running.app):
            for body in _bodies(method):
                response = await running.client.request(
                    method,
                    _concrete(path),
                    content=body.get("content"),
                    headers={**headers, **body.get("headers", {})},
                )
                assert response.status_code == 403, (method, path, body, response.text)
                assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("service", "path"), sorted(LINK_TOKEN_PATHS))
async def test_link_token_routes_refuse_without_their_token(
    service: str, path: str, start_service
) -> None:
    async with start_service(service) as running:
        missing = await running.client.post(path, json={})
        unknown = await running.client.post(
            path, json={"token": "x" * 43, "ratings": {"compassion": "often"}}
        )
    assert missing.status_code == 422
    assert unknown.status_code == 404
    for response in (missing, unknown):
        assert response.headers["content-type"] == "application/problem+json"
