import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from standards.db import Base


class Provider(Base):
    """An organisation that delivers training programmes."""

    __tablename__ = "providers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    # UK Register of Learning Providers number, when the provider has one.
    ukprn: Mapped[str | None] = mapped_column(String(8), unique=True)
    # Set when the provider is itself an NHS organisation (e.g. a trust's leadership academy).
    org_code: Mapped[str | None] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (Index("ix_providers_name_id", "name", "id"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Accreditation(Base):
    """One accreditation decision for a provider and a programme (append-only; see domain.py)."""

    __tablename__ = "accreditations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    programme_code: Mapped[str] = mapped_column(ForeignKey("programmes.code"))
    status: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    # Free text about providers (never about people): the conditions of a conditional grant and
    # the reasons for a decision. Kept here for the register, never put in events.
    conditions: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    rationale: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # The token subject that recorded the decision: the audit trail of who accredited whom.
    recorded_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "status IN ('applied', 'under_review', 'accredited', 'accredited_with_conditions', "
            "'suspended', 'withdrawn', 'expired')",
            name="status",
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="window"),
        Index("ix_accreditations_provider_programme_seq", "provider_id", "programme_code", "seq"),
        Index("ix_accreditations_provider_seq", "provider_id", "seq"),
        Index(
            "ix_accreditations_valid_to",
            "valid_to",
            postgresql_where=text("status IN ('accredited', 'accredited_with_conditions')"),
        ),
    )
