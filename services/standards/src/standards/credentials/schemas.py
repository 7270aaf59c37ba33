from pydantic import BaseModel, ConfigDict, Field

from standards.identifiers import ReasonCode


class CredentialRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_code: ReasonCode = Field(
        description="Why: a code, never free text (it is published in credential.revoked)",
        examples=["issued_in_error"],
    )


class JsonWebKey(BaseModel):
    model_config = ConfigDict(extra="allow")

    kty: str
    kid: str
    crv: str | None = None
    x: str | None = None
    y: str | None = None
    use: str | None = None
    alg: str | None = None


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]


class IssuerProfile(BaseModel):
    """The issuer's Open Badges Profile, where the credentials' ``issuer.id`` points."""

    model_config = ConfigDict(populate_by_name=True)

    context: list[str] = Field(alias="@context")
    id: str
    type: list[str]
    name: str
    jwks_uri: str = Field(description="Where the keys that sign the credentials are published")
