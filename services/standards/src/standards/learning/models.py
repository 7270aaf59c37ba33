import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from standards.db import Base

CREDENTIAL_STATUS_INDEX = Sequence("credential_status_index_seq", start=0, minvalue=0)


class LearnerRecord(Base):
    """One person's completion of one programme, as reported by an HR or learning system."""

    __tablename__ = "learner_records"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[str] = mapped_column(String(20))
    # The organisation the person belonged to when they completed: decides who may see the record.
    org_code: Mapped[str] = mapped_column(String(5))
    programme_code: Mapped[str] = mapped_column(ForeignKey("programmes.code"))
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accredited: Mapped[bool] = mapped_column(Boolean)
    # The decision that made the completion accredited, so a later withdrawal can find the
    # records issued under it.
    accreditation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accreditations.id"))
    recorded_by: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    credential: Mapped["Credential | None"] = relationship(
        back_populates="record", lazy="selectin", uselist=False
    )

    __table_args__ = (
        # The same completion reported twice (a re-sent HR extract) is one record, not two.
        UniqueConstraint("person_id", "programme_code", "completed_at"),
        Index("ix_learner_records_person_completed", "person_id", "completed_at", "id"),
        Index("ix_learner_records_accreditation_id", "accreditation_id"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Credential(Base):
    """The credential awarded for an accredited completion.

    Standards and levels are copied from the programme at award time: the catalogue may change,
    what the credential attested must not.
    """

    __tablename__ = "credentials"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("learner_records.id"), unique=True)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(5))
    programme_code: Mapped[str] = mapped_column(ForeignKey("programmes.code"))
    standards: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    levels: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    awarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="active")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason_code: Mapped[str | None] = mapped_column(String(40))
    # Its bit in the issuer's Bitstring Status List, fixed for life: the list a verifier fetched
    # yesterday and the one of today must speak about the same credential at the same position.
    status_list_index: Mapped[int] = mapped_column(
        BigInteger,
        CREDENTIAL_STATUS_INDEX,
        server_default=CREDENTIAL_STATUS_INDEX.next_value(),
        unique=True,
    )
    version: Mapped[int] = mapped_column(default=1)

    record: Mapped[LearnerRecord] = relationship(back_populates="credential")

    __table_args__ = (
        CheckConstraint("status IN ('active', 'revoked')", name="status"),
        Index("ix_credentials_person_awarded", "person_id", "awarded_at", "id"),
        # The eligibility expiry sweep walks credentials in (expiry, id) order past its watermark.
        Index(
            "ix_credentials_expires_at",
            "expires_at",
            "id",
            postgresql_where="expires_at IS NOT NULL",
        ),
        Index(
            "ix_credentials_status_revoked",
            "status_list_index",
            postgresql_where="status = 'revoked'",
        ),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
