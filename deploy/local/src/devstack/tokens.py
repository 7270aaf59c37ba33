"""Development tokens: HS256 JWTs signed with the stack's persisted secret.

The services verify HS256 tokens with ``JWT_SECRET`` in development; devstack generates that
secret once into ``.devstack/secret`` so tokens minted yesterday still work after a restart.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt

ISSUER = "leadership-devstack"
ALGORITHM = "HS256"
DEFAULT_SUBJECT = "devstack-developer"

#: Every scope the platform knows, granted when a developer asks for none in particular.
ALL_SCOPES: tuple[str, ...] = (
    "standards:read",
    "standards:write",
    "standards:admin",
    "appraisal:read",
    "appraisal:write",
    "appraisal:admin",
    "talent:read",
    "talent:write",
    "talent:admin",
    "talent:analytics",
    "ned:read",
    "ned:write",
    "ned:appoint",
    "ned:govern",
    "ned:admin",
    "edi:read",
    "national",
)


def normalise_scopes(scopes: str | Iterable[str] | None) -> list[str]:
    """Scopes from a space separated string or an iterable; none given means all of them."""
    if scopes is None:
        return list(ALL_SCOPES)
    if isinstance(scopes, str):
        items = scopes.split()
    else:
        items = [part for scope in scopes for part in scope.split()]
    unique = list(dict.fromkeys(items))
    return unique or list(ALL_SCOPES)


def mint_token(
    *,
    secret: str,
    subject: str,
    scopes: str | Iterable[str],
    org: str | None = None,
    region: str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """An HS256 JWT with ``sub``, ``scope`` (space separated), optional ``org`` and ``region``,
    ``iat``, ``nbf``, ``exp`` and ``iss``."""
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": subject,
        "scope": " ".join(normalise_scopes(scopes)),
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
    }
    if org:
        claims["org"] = org
    if region:
        claims["region"] = region
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def load_or_create_secret(path: Path) -> str:
    """The secret in ``path``, generating it (readable by the owner only) the first time.

    O_EXCL makes two concurrent first runs agree: the loser reads the winner's secret.
    """
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Created concurrently, or an empty file: wait briefly for content, else replace it.
        for _ in range(50):
            existing = path.read_text().strip()
            if existing:
                return existing
            time.sleep(0.02)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(secret + "\n")
        tmp.chmod(0o600)
        os.replace(tmp, path)
        return secret
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


__all__ = [
    "ALGORITHM",
    "ALL_SCOPES",
    "DEFAULT_SUBJECT",
    "ISSUER",
    "load_or_create_secret",
    "mint_token",
    "normalise_scopes",
]
