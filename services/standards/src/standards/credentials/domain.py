"""Pure rules of the issued credentials: Open Badges 3.0 documents and Bitstring Status Lists.

Sources: Open Badges 3.0 (1EdTech, VC Data Model 2.0 form: ``validFrom``, credentials/v2
context), W3C Bitstring Status List v1.0 (bit 0 is the left-most bit of the first byte; the
bitstring is GZIP-compressed and multibase base64url encoded with the ``u`` prefix; lists of at
least 131,072 entries give holders herd privacy).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# Entries per status list: the specification's minimum, so that fetching a list tells the
# issuer nothing about which of 131,072 credentials a verifier is looking at.
STATUS_LIST_SIZE = 131_072
STATUS_PURPOSE = "revocation"


def status_position(status_list_index: int) -> tuple[int, int]:
    """(list number, bit within that list) of a credential's service-wide status index."""
    if status_list_index < 0:
        raise ValueError("a status index is never negative")
    return divmod(status_list_index, STATUS_LIST_SIZE)


def encode_status_list(set_bits: Iterable[int], *, size: int = STATUS_LIST_SIZE) -> str:
    """The ``encodedList`` of a status list with the given bits set (revoked credentials)."""
    bitstring = bytearray(size // 8)
    for bit in set_bits:
        if not 0 <= bit < size:
            raise ValueError(f"bit {bit} is outside a list of {size}")
        bitstring[bit // 8] |= 0x80 >> (bit % 8)
    # mtime=0: the same list compresses to the same bytes, so its ETag is stable.
    compressed = gzip.compress(bytes(bitstring), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_status_list(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("a status list is multibase base64url: it starts with 'u'")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(bitstring: bytes, bit: int) -> bool:
    return bool(bitstring[bit // 8] & (0x80 >> (bit % 8)))


def recipient_identity(person_id: str, *, salt: str) -> dict[str, Any]:
    """The holder as a salted hash of their person number, not the number itself.

    The credential travels beyond the NHS (to a learner's wallet, to an employer abroad); the
    HR person number is an internal key that only the employer can resolve, and in hashed form
    the holder (who knows it) can still prove it is theirs.
    """
    digest = hashlib.sha256((person_id + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "identifier",
        "hashed": True,
        "salt": salt,
    }


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """What the service knows about a credential, enough to write its OB 3.0 document."""

    credential_id: str
    person_id: str
    programme_code: str
    programme_title: str
    programme_description: str
    standards: tuple[str, ...]
    levels: tuple[str, ...]
    completed_at: datetime
    awarded_at: datetime
    expires_at: datetime | None
    status_list_index: int


@dataclass(frozen=True, slots=True)
class Issuer:
    base_url: str
    name: str = "NHS leadership and management standards"

    @property
    def profile_id(self) -> str:
        return f"{self.base_url}/v1/issuer"

    def status_list_url(self, list_number: int) -> str:
        return f"{self.base_url}/v1/status-lists/{list_number}"

    def credential_url(self, credential_id: str) -> str:
        return f"{self.base_url}/v1/credentials/{credential_id}"

    def achievement_url(self, programme_code: str) -> str:
        return f"{self.base_url}/v1/programmes/{programme_code}"


def open_badge_credential(credential: IssuedCredential, *, issuer: Issuer) -> dict[str, Any]:
    """The ``OpenBadgeCredential`` for an accredited completion (unsigned; VC-JOSE secures it)."""
    list_number, bit = status_position(credential.status_list_index)
    status_list = issuer.status_list_url(list_number)
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer.credential_url(credential.credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": credential.programme_title,
        "issuer": {"id": issuer.profile_id, "type": ["Profile"], "name": issuer.name},
        "validFrom": _rfc3339(credential.awarded_at),
        "awardedDate": _rfc3339(credential.awarded_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # Salted with the credential id: two credentials of one person are not linkable by
            # comparing their hashes.
            "identifier": [recipient_identity(credential.person_id, salt=credential.credential_id)],
            "activityEndDate": _rfc3339(credential.completed_at),
            "achievement": {
                "id": issuer.achievement_url(credential.programme_code),
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": credential.programme_title,
                "description": credential.programme_description,
                "criteria": {
                    "narrative": "Completed the programme with a provider accredited for it "
                    "by the national standards team on the day of completion."
                },
                "humanCode": credential.programme_code,
                "tag": [f"level:{level}" for level in credential.levels],
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": standard,
                        "targetCode": standard,
                        "targetUrl": f"{issuer.base_url}/v1/frameworks#{standard}",
                        "targetType": "ceasn:Competency",
                    }
                    for standard in credential.standards
                ],
            },
        },
        "credentialStatus": {
            "id": f"{status_list}#{bit}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(bit),
            "statusListCredential": status_list,
        },
    }
    if credential.expires_at is not None:
        document["validUntil"] = _rfc3339(credential.expires_at)
    return document


def status_list_credential(
    *, issuer: Issuer, list_number: int, revoked_bits: Iterable[int], valid_from: datetime
) -> dict[str, Any]:
    """The ``BitstringStatusListCredential`` of one list: which of its credentials are revoked."""
    url = issuer.status_list_url(list_number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.profile_id,
        "validFrom": _rfc3339(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_status_list(revoked_bits),
        },
    }
