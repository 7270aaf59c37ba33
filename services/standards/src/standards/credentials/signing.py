"""The issuer's signing key and the VC-JOSE securing of credentials (W3C VC-JOSE-COSE).

A credential is secured as a JWS whose payload is the credential itself, with the media type
``vc+jwt`` in ``typ``, ES256 (P-256) and the key id in ``kid``; verifiers find the public key in
the issuer's JWKS. PyJWT with ``cryptography`` signs here; tests verify with another library.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.utils import base64url_encode

from standards.settings import Settings

ALGORITHM = "ES256"
CREDENTIAL_MEDIA_TYPE = "vc+jwt"

# The development key is derived from this public label, so every development machine and test
# run signs with the same key (links to a credential keep verifying across restarts). Everyone
# can derive it: it proves nothing, and production refuses to start without a key of its own.
_DEVELOPMENT_KEY_LABEL = b"leadership-standards development issuer key; never for production"


@dataclass(frozen=True)
class IssuerKey:
    private_key: ec.EllipticCurvePrivateKey
    kid: str

    def public_jwk(self) -> dict[str, str]:
        jwk = _public_members(self.private_key.public_key())
        return {**jwk, "kid": self.kid, "use": "sig", "alg": ALGORITHM}

    def sign(self, claims: dict[str, Any], *, media_type: str = CREDENTIAL_MEDIA_TYPE) -> str:
        return jwt.encode(
            claims,
            self.private_key,
            algorithm=ALGORITHM,
            headers={"kid": self.kid, "typ": media_type, "cty": "vc"},
        )


def _public_members(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": base64url_encode(numbers.x.to_bytes(32, "big")).decode("ascii"),
        "y": base64url_encode(numbers.y.to_bytes(32, "big")).decode("ascii"),
    }


def _thumbprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 JWK thumbprint: the key id changes exactly when the key does."""
    members = _public_members(public_key)
    canonical = json.dumps(
        {name: members[name] for name in ("crv", "kty", "x", "y")}, separators=(",", ":")
    )
    return base64url_encode(hashlib.sha256(canonical.encode("ascii")).digest()).decode("ascii")


def _development_key() -> ec.EllipticCurvePrivateKey:
    # A P-256 scalar from the label's hash (reduced into the group order, never zero).
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    scalar = int.from_bytes(hashlib.sha256(_DEVELOPMENT_KEY_LABEL).digest(), "big") % (order - 1)
    return ec.derive_private_key(scalar + 1, ec.SECP256R1())


@cache
def _load(pem: str | None) -> IssuerKey:
    if pem is None:
        private_key = _development_key()
    else:
        loaded = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey) or not isinstance(
            loaded.curve, ec.SECP256R1
        ):
            raise ValueError("CREDENTIAL_SIGNING_KEY must be a P-256 (ES256) private key in PEM")
        private_key = loaded
    return IssuerKey(private_key=private_key, kid=_thumbprint(private_key.public_key()))


def issuer_key(settings: Settings) -> IssuerKey:
    secret = settings.credential_signing_key
    return _load(secret.get_secret_value() if secret is not None else None)
