"""RFC 9457 problem details: the one error format of every service (ARCHITECTURE §4).

Routes raise `ProblemError` (or one of its subclasses); `install_problem_handlers` turns that, and
every error FastAPI or Starlette produce on their own (unknown route, wrong method, validation,
malformed JSON, an unexpected exception), into ``application/problem+json``. No bare
``{"detail": ...}`` body ever leaves a service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Match

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://leadership.nhs.example/problems/"
ABOUT_BLANK = "about:blank"

# Members a problem already has; extension members must not shadow them.
_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
# A list of 10,000 bad items gives 10,000 errors; the first ones are enough to fix the request,
# and the response stays small.
MAX_LISTED_ERRORS = 100


def problem_type(slug: str) -> str:
    """The URI that names one kind of problem, e.g. ``problem_type("not-found")``."""
    return PROBLEM_TYPE_BASE + slug


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class FieldError(BaseModel):
    """One invalid input: where it is (``body.field.sub``, ``query.limit``), what is wrong."""

    path: str = Field(examples=["body.person_id"])
    message: str = Field(examples=["Field required"])
    type: str = Field(examples=["missing"])


class Problem(BaseModel):
    """The body of every error response (RFC 9457); extension members are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default=ABOUT_BLANK, examples=[problem_type("not-found")])
    title: str = Field(examples=["Not Found"])
    status: int = Field(ge=400, le=599, examples=[404])
    detail: str | None = Field(default=None, examples=["appraisal 7f0c... does not exist"])
    instance: str | None = Field(default=None, examples=["/v1/appraisals/7f0c..."])
    errors: list[FieldError] | None = Field(
        default=None, description="Present on 422: every invalid input with its path"
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class ProblemError(Exception):
    """An error that becomes a problem+json response when it reaches the handlers.

    ``extra`` holds RFC 9457 extension members (``errors``, ``checks``, ...).
    """

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type: str = ABOUT_BLANK,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        clash = _STANDARD_MEMBERS & extra.keys()
        if clash:
            raise ValueError(f"extension members may not replace standard ones: {sorted(clash)}")
        self.status = status
        self.title = title or _phrase(status)
        self.detail = detail
        self.type = type
        self.headers: dict[str, str] = dict(headers or {})
        self.extra = extra
        super().__init__(f"{status} {self.title}" + (f": {detail}" if detail else ""))

    def body(self, instance: str | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            content["detail"] = self.detail
        if instance is not None:
            content["instance"] = instance
        # jsonable_encoder keeps a stray datetime or UUID in an extension member from
        # turning an error response into a 500.
        content.update(jsonable_encoder(self.extra))
        return content

    def to_response(self, instance: str | None = None) -> Response:
        return ProblemResponse(
            self.body(instance), status_code=self.status, headers=self.headers or None
        )


class BadRequest(ProblemError):
    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(400, detail=detail, type=problem_type("bad-request"), **extra)


class Unauthorized(ProblemError):
    """401; the challenge header tells the client to send a bearer token (RFC 6750)."""

    def __init__(
        self, detail: str | None = None, *, error: str | None = None, **extra: Any
    ) -> None:
        challenge = "Bearer" if error is None else f'Bearer error="{error}"'
        super().__init__(
            401,
            detail=detail,
            type=problem_type("unauthorized"),
            headers={"WWW-Authenticate": challenge},
            **extra,
        )


class Forbidden(ProblemError):
    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(
            403, detail=detail, type=problem_type("forbidden"), headers=headers, **extra
        )


class NotFound(ProblemError):
    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(404, detail=detail, type=problem_type("not-found"), **extra)


class Conflict(ProblemError):
    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(409, detail=detail, type=problem_type("conflict"), **extra)


class PreconditionFailed(ProblemError):
    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(412, detail=detail, type=problem_type("precondition-failed"), **extra)


class UnprocessableEntity(ProblemError):
    """422 with the invalid inputs listed in ``errors`` (each ``path``, ``message``, ``type``)."""

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError | Mapping[str, str]] = (),
        type: str = problem_type("validation-error"),
        **extra: Any,
    ) -> None:
        listed = [
            error.model_dump() if isinstance(error, FieldError) else dict(error) for error in errors
        ]
        super().__init__(
            422, title="Unprocessable Content", detail=detail, type=type, errors=listed, **extra
        )


class PreconditionRequired(ProblemError):
    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(428, detail=detail, type=problem_type("precondition-required"), **extra)


class ServiceUnavailable(ProblemError):
    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(503, detail=detail, type=problem_type("service-unavailable"), **extra)


def invalid_input(path: str, message: str, type: str = "value_error") -> UnprocessableEntity:
    """A 422 about one input, e.g. ``invalid_input("query.cursor", "not a cursor")``."""
    return UnprocessableEntity(
        f"{path}: {message}", errors=[FieldError(path=path, message=message, type=type)]
    )


# ---------------------------------------------------------------------------------------------
# Handlers


def _instance(request: Request) -> str:
    return request.url.path


async def _problem_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return exc.to_response(_instance(request))


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})  # keeps `Allow` on 405 and any challenge header
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    if exc.status_code < 400:
        # Not an error (304 and friends raised by a route); nothing to describe.
        return Response(status_code=exc.status_code, headers=headers)
    phrase = _phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    return ProblemError(exc.status_code, phrase, detail, headers=headers).to_response(
        _instance(request)
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method the path answers to (RFC 9110 §15.5.6).

    Starlette's 405 names only the methods of the first route whose path matched, but FastAPI
    files each method of a path as a route of its own, so each method is tried on a clean scope.
    """
    base = {
        key: request.scope[key] for key in ("type", "path", "root_path") if key in request.scope
    }
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**base, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed)


def _error_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic/FastAPI errors as `FieldError`s.

    Only ``loc``, ``msg`` and ``type`` are read: ``ctx`` may hold exceptions and ``input`` may
    hold bytes or personal data, and neither belongs in a response.
    """
    return [
        FieldError(
            path=_error_path(error.get("loc", ())),
            message=str(error.get("msg", "Invalid value")),
            type=str(error.get("type", "value_error")),
        )
        for error in errors
    ]


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # FastAPI validates the body and the parameters before it runs any dependency, so without
    # this a caller with no token (or without the scope) would learn how its input was wrong,
    # and a retry with a fixed body would then fail on the token. Who asks comes first.
    refusal = await _caller_refusal(request)
    if refusal is not None:
        return refusal
    errors = list(exc.errors())
    malformed = [error for error in errors if error.get("type") == "json_invalid"]
    if malformed:
        # Syntax, not semantics: a body that is not JSON at all is a 400 (RFC 9110 §15.5.1).
        ctx = malformed[0].get("ctx") or {}
        reason = str(ctx.get("error", "invalid JSON"))
        loc = malformed[0].get("loc", ("body",))
        position = loc[1] if len(loc) > 1 else None
        detail = "The request body is not valid JSON: " + reason
        if position is not None:
            detail += f" (at character {position})"
        return ProblemError(
            400, "Malformed request body", detail, type=problem_type("malformed-json")
        ).to_response(_instance(request))
    listed = field_errors(errors[:MAX_LISTED_ERRORS])
    summary = "; ".join(f"{error.path}: {error.message}" for error in listed[:5])
    return UnprocessableEntity(
        f"{len(errors)} invalid input(s): {summary}", errors=listed
    ).to_response(_instance(request))


async def _caller_refusal(request: Request) -> Response | None:
    """The 401/403 the route's own auth dependencies would give this request, if any."""
    from shared.http.auth import access_checks_of

    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    authenticate, scope_checks = access_checks_of(dependant)
    if authenticate is None:
        return None
    try:
        principal = await authenticate(request)
        for check in scope_checks:
            await check(principal)
    except ProblemError as refused:
        return refused.to_response(_instance(request))
    return None


def _is_database_unavailable(exc: Exception) -> bool:
    # Lost or refused connections (a database restart or failover) are the caller's cue to
    # retry, not a bug: 503 with Retry-After. Imported here so the problem layer stays usable
    # without a database.
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError | ConnectionError | OSError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def _unhandled_handler(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", None)
    if _is_database_unavailable(exc):
        logger.warning(
            "database unavailable on %s %s",
            request.method,
            _instance(request),
            extra={"request_id": request_id},
        )
        return ProblemError(
            503,
            detail="The service cannot reach its database just now; retry shortly.",
            type=problem_type("service-unavailable"),
            headers={"Retry-After": "1"},
        ).to_response(_instance(request))
    logger.error(
        "unhandled error on %s %s",
        request.method,
        _instance(request),
        exc_info=exc,
        extra={"request_id": request_id},
    )
    # Only the request id goes back: it lets support find the log line, nothing internal leaks.
    extra: dict[str, Any] = {"request_id": request_id} if request_id else {}
    headers = {"X-Request-ID": request_id} if request_id else None
    return ProblemError(
        500,
        detail="An unexpected error occurred. Quote the request id when reporting it.",
        type=problem_type("internal-error"),
        headers=headers,
        **extra,
    ).to_response(_instance(request))


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` an ``application/problem+json`` response.

    Also rewrites the generated OpenAPI so FastAPI's default 422 points at `Problem` and the
    `Problem` schema is in ``components`` for `PROBLEM_RESPONSES` to refer to.

    Note: Starlette re-raises an unhandled exception after the 500 response has been sent, so
    the server can log it too; test clients need ``raise_app_exceptions=False`` to see the 500.
    """
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
    _document_problems(app)


# ---------------------------------------------------------------------------------------------
# OpenAPI

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


# `responses=PROBLEM_RESPONSES` on a router documents the errors every route may give. The schema
# is referenced, not embedded as ``model``, because FastAPI would file a model under
# application/json, which these responses never are.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_response("Malformed request (e.g. the body is not JSON)"),
    401: _problem_response("No bearer token, or the token is invalid or expired"),
    403: _problem_response("The token lacks the scope or the reach for this resource"),
    404: _problem_response("No such resource, or not visible to this token"),
    409: _problem_response("The request conflicts with the resource's current state"),
    412: _problem_response("If-Match does not match the resource's current ETag"),
    422: _problem_response("Invalid input; `errors` lists each invalid field with its path"),
    428: _problem_response("The request must be conditional: send If-Match"),
}


def _document_problems(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict):
                    _replace_default_422(operation)
        _drop_unreferenced(schema, ("HTTPValidationError", "ValidationError"))
        app.openapi_schema = schema
        return schema

    # FastAPI's documented way to customise the schema is to replace the `openapi` method.
    app.openapi = openapi  # type: ignore[method-assign]


def _replace_default_422(operation: dict[str, Any]) -> None:
    response = operation.get("responses", {}).get("422")
    if not isinstance(response, dict):
        return
    content = response.get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if schema.get("$ref", "").endswith("/HTTPValidationError"):
        operation["responses"]["422"] = _problem_response(
            "Invalid input; `errors` lists each invalid field with its path"
        )


def _drop_unreferenced(schema: dict[str, Any], names: Sequence[str]) -> None:
    """Remove FastAPI's validation-error schemas once nothing else points at them."""
    schemas: dict[str, Any] = schema["components"]["schemas"]
    others = {name: value for name, value in schemas.items() if name not in names}
    # Re-serialising is the simplest exhaustive search for a remaining $ref.
    text = json.dumps([schema.get("paths", {}), others])
    for name in names:
        if name in schemas and f'"#/components/schemas/{name}"' not in text:
            del schemas[name]
