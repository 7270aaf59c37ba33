"""Every error a service can give is RFC 9457 problem+json, including FastAPI's own."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field, field_validator

from shared.http.problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_RESPONSES,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ProblemError,
    Unauthorized,
    UnprocessableEntity,
    install_problem_handlers,
    problem_type,
)
from shared.observability import RequestContextMiddleware


class Address(BaseModel):
    postcode: str = Field(min_length=5, max_length=8)


class Person(BaseModel):
    name: str = Field(min_length=1)
    age: int = Field(ge=16)
    address: Address
    tags: list[str] = []

    @field_validator("name")
    @classmethod
    def not_reserved(cls, value: str) -> str:
        # pydantic puts this exception object in the error's `ctx`; it must not break the 422.
        if value == "reserved":
            raise ValueError("that name is reserved")
        return value


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service_name="problems-test")
    router = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: int, verbose: Annotated[bool, Query()] = False) -> dict[str, int]:
        if thing_id == 404:
            raise NotFound(f"thing {thing_id} does not exist", thing_id=thing_id)
        return {"id": thing_id}

    @router.post("/people", status_code=201)
    async def create_person(person: Person) -> Person:
        return person

    @router.get("/raise/{kind}")
    async def raise_problem(kind: str) -> None:
        problems: dict[str, ProblemError] = {
            "401": Unauthorized("no token"),
            "403": Forbidden("wrong scope"),
            "409": Conflict("already exists"),
            "412": PreconditionFailed("stale"),
            "422": UnprocessableEntity(
                "bad state", errors=[{"path": "body.state", "message": "no", "type": "x"}]
            ),
            "428": PreconditionRequired("send If-Match"),
            "418": ProblemError(418, detail="teapot", type=problem_type("teapot"), pot="brown"),
        }
        raise problems[kind]

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("database password is hunter2")

    app.include_router(router)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: Starlette re-raises after sending the 500, for the server's log.
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert body["type"] == "about:blank" or body["type"].startswith("https://")
    assert body["instance"] == response.request.url.path
    assert "detail" not in body or isinstance(body["detail"], str)
    return body


@pytest.mark.parametrize(
    ("kind", "status", "slug"),
    [
        ("401", 401, "unauthorized"),
        ("403", 403, "forbidden"),
        ("409", 409, "conflict"),
        ("412", 412, "precondition-failed"),
        ("422", 422, "validation-error"),
        ("428", 428, "precondition-required"),
        ("418", 418, "teapot"),
    ],
)
async def test_problem_errors_render_as_problem_json(
    client: httpx.AsyncClient, kind: str, status: int, slug: str
) -> None:
    body = assert_problem(await client.get(f"/v1/raise/{kind}"), status)
    assert body["type"] == problem_type(slug)


async def test_unauthorized_challenges_for_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/raise/401")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_extension_members_are_kept(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/raise/418"), 418)
    assert body["pot"] == "brown"
    assert body["title"] == "I'm a Teapot"
    body = assert_problem(await client.get("/v1/things/404"), 404)
    assert body == {
        "type": problem_type("not-found"),
        "title": "Not Found",
        "status": 404,
        "detail": "thing 404 does not exist",
        "instance": "/v1/things/404",
        "thing_id": 404,
    }


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/v1/nowhere"), 404)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"


async def test_wrong_method_is_a_405_problem_keeping_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/people")
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


async def test_validation_errors_list_every_field_path(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/people", json={"name": "", "age": 3, "address": {"postcode": "X"}, "tags": [1]}
    )
    body = assert_problem(response, 422)
    assert body["type"] == problem_type("validation-error")
    paths = {error["path"]: error for error in body["errors"]}
    assert set(paths) == {"body.name", "body.age", "body.address.postcode", "body.tags.0"}
    assert paths["body.age"]["type"] == "greater_than_equal"
    assert all(isinstance(error["message"], str) for error in body["errors"])
    # Inputs are never echoed back: they may be personal data or not JSON at all.
    assert all(set(error) == {"path", "message", "type"} for error in body["errors"])


async def test_missing_body_and_bad_query_are_422(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/v1/people"), 422)
    assert body["errors"][0]["path"] == "body"
    body = assert_problem(await client.get("/v1/things/abc?verbose=maybe"), 422)
    assert {error["path"] for error in body["errors"]} == {"path.thing_id", "query.verbose"}


async def test_validator_exception_in_ctx_does_not_cause_a_500(client: httpx.AsyncClient) -> None:
    person = {"name": "reserved", "age": 40, "address": {"postcode": "LS1 4AP"}}
    body = assert_problem(await client.post("/v1/people", json=person), 422)
    assert body["errors"][0]["path"] == "body.name"
    assert "reserved" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "a", ',  # truncated
        b"{'name': 'single quotes'}",
        b"\xff\xfe\x00garbage",  # not UTF-8
        b"NaN-ish {]",
    ],
)
async def test_malformed_json_is_a_400_problem(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post(
        "/v1/people", content=content, headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 400)
    assert body["type"] == problem_type("malformed-json")


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "a string",
        12,
        None,
        {"name": "x" * 10_000, "age": 10**40, "address": None},
        {"name": "\u0000", "age": "forty", "address": {"postcode": ["nested"]}},
    ],
)
async def test_odd_json_bodies_are_422_not_500(client: httpx.AsyncClient, payload: Any) -> None:
    assert_problem(await client.post("/v1/people", json=payload), 422)


async def test_deeply_nested_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/people", content=b"[" * 100_000, headers={"content-type": "application/json"}
    )
    assert_problem(response, 400)


async def test_thousands_of_errors_are_capped(client: httpx.AsyncClient) -> None:
    person = {"name": "a", "age": 20, "address": {"postcode": "LS1 4AP"}, "tags": [1] * 5000}
    body = assert_problem(await client.post("/v1/people", json=person), 422)
    assert len(body["errors"]) == 100
    assert body["detail"].startswith("5000 invalid input(s)")


async def test_wrong_content_type_is_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/people",
        content=b"\x00\x01binary",
        headers={"content-type": "application/octet-stream"},
    )
    assert_problem(response, 422)


async def test_unhandled_exception_is_a_500_problem_without_internals(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="shared.http.problems"):
        response = await client.get("/v1/boom", headers={"X-Request-ID": "req-boom-1"})
    body = assert_problem(response, 500)
    assert body["type"] == problem_type("internal-error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["request_id"] == "req-boom-1"
    assert response.headers["x-request-id"] == "req-boom-1"
    records = [r for r in caplog.records if r.name == "shared.http.problems"]
    assert records and getattr(records[0], "request_id", None) == "req-boom-1"
    assert records[0].exc_info is not None


def test_extension_members_cannot_replace_standard_ones() -> None:
    with pytest.raises(ValueError, match="instance"):
        ProblemError(400, instance="/elsewhere")


async def test_openapi_documents_problem_json() -> None:
    app = build_app()
    schema = app.openapi()
    assert "Problem" in schema["components"]["schemas"]
    assert "FieldError" in schema["components"]["schemas"]
    # FastAPI's own validation-error schema is replaced, not left beside ours.
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    operation = schema["paths"]["/v1/people"]["post"]
    for status in ("400", "401", "403", "404", "409", "412", "422", "428"):
        content = operation["responses"][status]["content"]
        assert list(content) == [PROBLEM_MEDIA_TYPE]
        assert content[PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}


async def test_default_422_is_rewritten_on_routes_without_problem_responses() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/plain/{n}")
    async def plain(n: int) -> int:
        return n

    response = app.openapi()["paths"]["/plain/{n}"]["get"]["responses"]["422"]
    assert response["content"] == {
        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
