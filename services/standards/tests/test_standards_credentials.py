"""Credentials issued as Open Badges 3.0: checked against 1EdTech's own JSON Schema (copied into
tests/data/openbadges), signatures verified with joserfc (the service signs with PyJWT), and
revocation seen through the public Bitstring Status List, with the events on the real topic."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import ECKey, KeySet
from jsonschema import Draft201909Validator

from devstack import flows
from devstack.testing import auth
from standards.credentials import domain

ADMIN = "standards:admin standards:read national"
WRITE = "standards:write standards:read national"
VC_JWT = "application/vc+jwt"
SCHEMA = json.loads(
    (
        Path(__file__).parent / "data" / "openbadges" / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)


def _validator() -> Draft201909Validator:
    Draft201909Validator.check_schema(SCHEMA)
    return Draft201909Validator(SCHEMA)


def _verified(token: str, keys: KeySet) -> tuple[dict, dict]:
    """The JWS's header and payload, after joserfc checked its signature with the JWKS."""
    signed = jws.deserialize_compact(token, keys, algorithms=["ES256"])
    return dict(signed.protected), json.loads(signed.payload)


async def _read_topic(bootstrap: str, match, wanted: int, within: float = 15.0) -> list:
    consumer = AIOKafkaConsumer(
        "leadership.standards",
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found = []
    try:
        deadline = asyncio.get_running_loop().time() + within
        while len(found) < wanted and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                found += [r for r in records if match(r)]
    finally:
        await consumer.stop()
    return found


def _ce_type(record) -> str:
    return dict(record.headers)["ce_type"].decode()


# ---- pure rules --------------------------------------------------------------------------------


def test_status_list_bits_are_read_from_the_left_of_each_byte() -> None:
    encoded = domain.encode_status_list([0, 9, domain.STATUS_LIST_SIZE - 1])
    assert encoded.startswith("u")
    bitstring = domain.decode_status_list(encoded)
    assert len(bitstring) == domain.STATUS_LIST_SIZE // 8
    assert bitstring[0] == 0b1000_0000
    assert bitstring[1] == 0b0100_0000
    assert bitstring[-1] == 0b0000_0001
    assert [b for b in range(16) if domain.bit_is_set(bitstring, b)] == [0, 9]
    # Same revocations, same bytes: the compressed list does not embed a timestamp.
    assert domain.encode_status_list([9, 0]) == domain.encode_status_list([0, 9])
    with pytest.raises(ValueError):
        domain.encode_status_list([domain.STATUS_LIST_SIZE])


def test_status_positions_run_over_into_the_next_list() -> None:
    assert domain.status_position(0) == (0, 0)
    assert domain.status_position(domain.STATUS_LIST_SIZE - 1) == (0, domain.STATUS_LIST_SIZE - 1)
    assert domain.status_position(domain.STATUS_LIST_SIZE + 5) == (1, 5)
    with pytest.raises(ValueError):
        domain.status_position(-1)


def test_the_holder_is_a_salted_hash_not_the_person_number() -> None:
    first = domain.recipient_identity("10293847", salt="a")
    second = domain.recipient_identity("10293847", salt="b")
    assert "10293847" not in json.dumps(first)
    assert first["identityHash"] != second["identityHash"]
    assert first["identityHash"].startswith("sha256$")


def test_the_schema_refuses_what_is_not_an_open_badge() -> None:
    # The validator is not vacuous: a document missing what OB 3.0 requires is refused.
    issuer = domain.Issuer(base_url="https://standards.example")
    facts = domain.IssuedCredential(
        credential_id=str(uuid.uuid4()),
        person_id="10293847",
        programme_code="NHS-EDI-MODULE",
        programme_title="EDI",
        programme_description="EDI module",
        standards=("CSTF-EDHR",),
        levels=("entry",),
        completed_at=datetime(2026, 1, 1, tzinfo=UTC),
        awarded_at=datetime(2026, 1, 2, tzinfo=UTC),
        expires_at=None,
        status_list_index=3,
    )
    document = domain.open_badge_credential(facts, issuer=issuer)
    validator = _validator()
    assert list(validator.iter_errors(document)) == []
    broken = {**document, "@context": [domain.VC_CONTEXT]}
    assert list(validator.iter_errors(broken))
    no_criteria = json.loads(json.dumps(document))
    del no_criteria["credentialSubject"]["achievement"]["criteria"]
    assert list(validator.iter_errors(no_criteria))


# ---- over HTTP, with the relay publishing to the embedded broker -------------------------------


async def test_accredited_completion_is_a_verifiable_open_badge_until_revoked(
    start_service, embedded_broker
) -> None:
    async with start_service("standards", run_workers=True) as svc:
        client = svc.client
        live = await flows.accredited_provider(client, auth(ADMIN))
        suspended = await flows.accredited_provider(client, auth(ADMIN))
        today = datetime.now(UTC).date()
        suspension = await client.post(
            f"/v1/providers/{suspended}/accreditations",
            json={
                "programme_code": flows.ACCREDITED_PROGRAMME,
                "status": "suspended",
                "valid_from": (today - timedelta(days=30)).isoformat(),
                "reason_code": "quality_review",
            },
            headers=auth(ADMIN),
        )
        assert suspension.status_code == 201, suspension.text
        completed_at = datetime.now(UTC) - timedelta(days=2)

        holder = uuid.uuid4().hex[:10]
        record = await flows.record_completion(
            client, holder, live, auth(WRITE), completed_at=completed_at, org_code="RR8"
        )
        assert record["accredited"] is True
        credential_id = record["credential"]["credential_id"]
        # The same completion delivered under a suspended accreditation: recorded, no credential.
        other = uuid.uuid4().hex[:10]
        unaccredited = await flows.record_completion(
            client, other, suspended, auth(WRITE), completed_at=completed_at, org_code="RR8"
        )
        assert unaccredited["accredited"] is False
        assert unaccredited["credential"] is None
        # The EDI module with the first-line standards above opens the first-line level.
        edi_provider = await flows.accredited_provider(
            client, auth(ADMIN), programme="NHS-EDI-MODULE"
        )
        await flows.record_completion(
            client,
            holder,
            edi_provider,
            auth(WRITE),
            programme="NHS-EDI-MODULE",
            completed_at=completed_at,
            org_code="RR8",
        )

        # The credential as JSON-LD: valid against the official OB 3.0 schema.
        response = await client.get(f"/v1/credentials/{credential_id}", headers=auth(WRITE))
        assert response.status_code == 200, response.text
        document = response.json()
        assert list(_validator().iter_errors(document)) == []
        assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert document["credentialSubject"]["achievement"]["humanCode"] == (
            flows.ACCREDITED_PROGRAMME
        )
        assert holder not in json.dumps(document)
        etag = response.headers["etag"]

        # Secured as a VC-JOSE JWT, verified by joserfc with the public JWKS (no token needed).
        jwks = await client.get("/v1/issuer/jwks.json")
        assert jwks.status_code == 200, jwks.text
        keys = KeySet.import_key_set(jwks.json())
        secured = await client.get(
            f"/v1/credentials/{credential_id}", headers=auth(WRITE) | {"Accept": VC_JWT}
        )
        assert secured.status_code == 200, secured.text
        assert secured.headers["content-type"].startswith(VC_JWT)
        header, payload = _verified(secured.text, keys)
        assert header["typ"] == "vc+jwt"
        assert header["kid"] == jwks.json()["keys"][0]["kid"]
        assert payload == document
        # A signature that does not verify is refused: tamper with the payload ...
        head, _, signature = secured.text.split(".")
        forged = json.dumps({**payload, "validUntil": "2099-01-01T00:00:00Z"}).encode()
        import base64

        forged_body = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
        with pytest.raises(BadSignatureError):
            _verified(f"{head}.{forged_body}.{signature}", keys)
        # ... or check it against another key.
        stranger = KeySet([ECKey.generate_key("P-256", parameters={"kid": header["kid"]})])
        with pytest.raises(BadSignatureError):
            _verified(secured.text, stranger)

        # training.accredited about this credential is on the topic.
        accredited = await _read_topic(
            embedded_broker.bootstrap_servers,
            lambda r: (
                json.loads(r.value).get("credential_id") == credential_id
                and _ce_type(r) == "leadership.training.accredited.v1"
            ),
            1,
        )
        assert len(accredited) == 1
        assert accredited[0].key.decode() == holder

        # Before revocation: its bit in the public status list is clear.
        status = document["credentialStatus"]
        assert status["type"] == "BitstringStatusListEntry"
        assert status["statusPurpose"] == "revocation"
        list_path = status["statusListCredential"].removeprefix(svc.settings.public_base_url)
        bit = int(status["statusListIndex"])

        async def revoked_in_list() -> bool:
            listed = await client.get(list_path)  # public: no token
            assert listed.status_code == 200, listed.text
            subject = listed.json()["credentialSubject"]
            assert subject["statusPurpose"] == "revocation"
            return domain.bit_is_set(domain.decode_status_list(subject["encodedList"]), bit)

        assert await revoked_in_list() is False

        # Revocation needs the credential's ETag, a reason code, and reach.
        path = f"/v1/credentials/{credential_id}/revoke"
        reason = {"reason_code": "issued_in_error"}
        missing = await client.post(path, json=reason, headers=auth(WRITE))
        assert missing.status_code == 428, missing.text
        stale = await client.post(
            path, json=reason, headers=auth(WRITE) | {"If-Match": '"7-0000000000000000"'}
        )
        assert stale.status_code == 412, stale.text
        foreign = await client.post(
            path, json=reason, headers=auth("standards:write", org="RX1") | {"If-Match": etag}
        )
        assert foreign.status_code == 403, foreign.text
        assert "RR8" not in foreign.text
        free_text = await client.post(
            path, json={"reason_code": "He cheated"}, headers=auth(WRITE) | {"If-Match": etag}
        )
        assert free_text.status_code == 422, free_text.text
        revoked = await client.post(path, json=reason, headers=auth(WRITE) | {"If-Match": etag})
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["status"] == "revoked"
        assert revoked.headers["etag"] != etag
        again = await client.post(
            path, json=reason, headers=auth(WRITE) | {"If-Match": revoked.headers["etag"]}
        )
        assert again.status_code == 409, again.text

        assert await revoked_in_list() is True
        # The list itself is signed by the issuer too.
        signed_list = await client.get(list_path, headers={"Accept": VC_JWT})
        _, list_payload = _verified(signed_list.text, keys)
        assert list_payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert domain.bit_is_set(
            domain.decode_status_list(list_payload["credentialSubject"]["encodedList"]), bit
        )
        # Another credential's bit stays clear; a list no credential uses does not exist.
        unknown_list = await client.get(f"/v1/status-lists/{int(list_path.rsplit('/', 1)[1]) + 1}")
        assert unknown_list.status_code == 404
        assert unknown_list.headers["content-type"] == "application/problem+json"

        revocations = await _read_topic(
            embedded_broker.bootstrap_servers,
            lambda r: (
                _ce_type(r) == "leadership.credential.revoked.v1"
                and json.loads(r.value)["credential_id"] == credential_id
            ),
            1,
        )
        assert len(revocations) == 1
        event = json.loads(revocations[0].value)
        assert event["reason_code"] == "issued_in_error"
        assert event["person_id"] == holder
        assert event["org_code"] == "RR8"
        assert dict(revocations[0].headers)["ce_subject"].decode() == (
            f"credentials/{credential_id}"
        )

        # eligibility.changed on the topic: first-line opened by the EDI credential, closed by
        # the revocation; nothing for the person whose completion earned no credential.
        def eligibility_of(person: str):
            return lambda r: (
                _ce_type(r) == "leadership.eligibility.changed.v1"
                and json.loads(r.value)["person_id"] == person
            )

        changes = await _read_topic(embedded_broker.bootstrap_servers, eligibility_of(holder), 3)
        assert [
            (json.loads(r.value)["level"], json.loads(r.value)["eligible"]) for r in changes
        ] == [("first_line", True), ("first_line", False)]
        assert (
            await _read_topic(
                embedded_broker.bootstrap_servers, eligibility_of(other), 1, within=2.0
            )
            == []
        )

        # Reach: a token of another organisation learns nothing about the credential.
        elsewhere = await client.get(
            f"/v1/credentials/{credential_id}", headers=auth("standards:read", org="RX1")
        )
        assert elsewhere.status_code == 403
        assert (
            await client.get(f"/v1/credentials/{uuid.uuid4()}", headers=auth(WRITE))
        ).status_code == 404


async def test_issuer_profile_and_keys_are_public_and_stable(start_service) -> None:
    async with start_service("standards") as svc:
        first = (await svc.client.get("/v1/issuer/jwks.json")).json()
        profile = await svc.client.get("/v1/issuer")
        assert profile.status_code == 200
        assert profile.json()["type"] == ["Profile"]
        assert profile.json()["id"] == f"{svc.settings.public_base_url}/v1/issuer"
        key = first["keys"][0]
        assert (key["kty"], key["crv"], key["alg"]) == ("EC", "P-256", "ES256")
        assert "d" not in key  # never the private part
    # A new process with the same settings signs with the same development key.
    async with start_service("standards") as again:
        assert (await again.client.get("/v1/issuer/jwks.json")).json() == first


def test_production_refuses_to_start_without_a_signing_key() -> None:
    from pydantic import ValidationError

    from standards.settings import Settings

    production = {
        "environment": "production",
        "jwks_url": "https://login.example/jwks",
        "jwt_algorithms": ["RS256"],
        "jwt_secret": "a-production-secret-of-some-length",
    }
    with pytest.raises(ValidationError, match="CREDENTIAL_SIGNING_KEY"):
        Settings(**production)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL"):
        Settings(**production, credential_signing_key=pem)  # credential ids on localhost
    configured = Settings(
        **production,
        credential_signing_key=pem,
        public_base_url="https://standards.leadership.nhs.example",
    )
    from standards.credentials import signing

    key = signing.issuer_key(configured)
    assert key.kid != signing.issuer_key(Settings()).kid
