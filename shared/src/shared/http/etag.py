"""Strong ETags and ``If-Match`` for optimistic concurrency (ARCHITECTURE §4).

Every mutable resource has an integer ``version`` column, starting at 1 and incremented by each
change. Its ETag is ``"<version>-<hash>"`` where the hash binds the tag to the resource id, so a
tag copied from another resource with the same version never matches.

Reads set the ETag; PATCH, PUT and state transitions require ``If-Match`` (428 without it,
412 when it does not match). Reading the row, comparing versions and then writing would race
with a concurrent writer, so the comparison goes into the UPDATE itself::

    @router.patch("/v1/things/{thing_id}")
    async def update(thing_id: UUID, body: ThingPatch, if_match: IfMatchHeader, ...):
        expected = if_match.version_for(thing_id)               # 412 if the tag is not ours
        result = await session.execute(
            update(Thing)
            .where(Thing.id == thing_id, Thing.version == expected)
            .values(**changes, version=Thing.version + 1)
            .returning(Thing)
        )
        thing = result.scalar_one_or_none()
        if thing is None:                                       # gone, or changed meanwhile
            current = await session.get(Thing, thing_id)        # 404 vs 412
            if current is None:
                raise NotFound(...)
            check_version(current.version, expected)            # raises 412
        set_etag(response, thing.id, thing.version)

i.e. ``UPDATE ... SET version = version + 1 WHERE id = :id AND version = :expected`` and a 412
when no row was updated. Two writers holding the same ETag cannot both succeed: the second one's
UPDATE waits for the first to commit, then matches no row.

``If-Match: *`` is refused with 428: it would accept any current version, which is exactly the
lost update this header exists to prevent. A weak tag, a list of tags or anything not produced
here cannot match a strong ETag of ours, so it gives 412 (RFC 9110 §13.1.1).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header
from starlette.responses import Response

from shared.http.problems import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^"(?P<version>[0-9]{1,18})-(?P<digest>[0-9a-f]{16})"$')


def _digest(resource_id: Any, version: int) -> str:
    return hashlib.sha256(f"{resource_id}:{version}".encode()).hexdigest()[:16]


def make_etag(resource_id: Any, version: int) -> str:
    """The strong ETag (with its quotes) of version ``version`` of a resource."""
    if version < 0:
        raise ValueError("versions are non-negative")
    return f'"{version}-{_digest(resource_id, version)}"'


def set_etag(response: Response, resource_id: Any, version: int) -> str:
    etag = make_etag(resource_id, version)
    response.headers["ETag"] = etag
    return etag


@dataclass(frozen=True, slots=True)
class IfMatch:
    """A syntactically valid ``If-Match`` tag; `version_for` checks it names the resource."""

    etag: str
    version: int

    def version_for(self, resource_id: Any) -> int:
        """The version the client last saw of ``resource_id``; 412 if the tag is for another."""
        if make_etag(resource_id, self.version) != self.etag:
            raise PreconditionFailed("If-Match is not an ETag of this resource")
        return self.version


def parse_if_match(value: str | None) -> IfMatch:
    if value is None or not value.strip():
        raise PreconditionRequired(
            "This change needs If-Match with the resource's current ETag (read it with GET)"
        )
    value = value.strip()
    if value == "*":
        raise PreconditionRequired("If-Match: * is not accepted; send the resource's current ETag")
    match = _ETAG.match(value)
    if match is None:
        raise PreconditionFailed("If-Match does not match the resource's current ETag")
    return IfMatch(etag=value, version=int(match["version"]))


@dataclass(frozen=True, slots=True)
class IfMatchPrecondition:
    """The raw ``If-Match`` header, judged only when the route asks for the version.

    Dependencies run before the route body, in declaration order; judging the header there
    would answer 428 to a caller who has no token or lacks the scope. Deferring it keeps the
    order every client expects: 401, then 403, then 428/412.
    """

    raw: str | None

    def parsed(self) -> IfMatch:
        return parse_if_match(self.raw)

    @property
    def etag(self) -> str:
        return self.parsed().etag

    @property
    def version(self) -> int:
        return self.parsed().version

    def version_for(self, resource_id: Any) -> int:
        return self.parsed().version_for(resource_id)


async def require_if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The resource's current ETag, from its last GET or change",
        ),
    ] = None,
) -> IfMatchPrecondition:
    """The ``If-Match`` of the request; 428 when missing and 412 when it cannot be one of ours,
    raised when the route reads the version (after authentication and authorisation)."""
    return IfMatchPrecondition(if_match)


IfMatchHeader = Annotated[IfMatchPrecondition, Depends(require_if_match)]


def check_version(current_version: int, expected: int | IfMatch | IfMatchPrecondition) -> None:
    """412 unless the resource is still at the version the client saw.

    A pre-check only; the UPDATE must still say ``AND version = :expected`` (see module doc).
    """
    wanted = expected if isinstance(expected, int) else expected.version
    if current_version != wanted:
        raise PreconditionFailed(
            "The resource has changed since you read it; GET it again and retry"
        )
