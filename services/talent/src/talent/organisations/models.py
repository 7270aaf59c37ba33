import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class IcbMembership(Base):
    """Which ICB an organisation belonged to over a period: footprints change (ICB mergers from
    April 2026), so membership is dated rather than read from the reference file alone."""

    __tablename__ = "icb_memberships"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    icb_code: Mapped[str] = mapped_column(String(5))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_icb_memberships_org_code_effective_from", "org_code", "effective_from"),
        Index("ix_icb_memberships_icb_code", "icb_code"),
    )


class OrganisationOversight(Base):
    """An organisation's current oversight segment: the resource behind the ETag."""

    __tablename__ = "organisation_oversight"

    org_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    segment: Mapped[int] = mapped_column(SmallInteger)
    effective_from: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OversightSegmentChange(Base):
    """Every segment an organisation was placed in, and from when: the history."""

    __tablename__ = "oversight_segment_history"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    segment: Mapped[int] = mapped_column(SmallInteger)
    previous_segment: Mapped[int | None] = mapped_column(SmallInteger)
    effective_from: Mapped[date] = mapped_column(Date)
    reason_code: Mapped[str | None] = mapped_column(String(60))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        Index("ix_oversight_segment_history_org_code_recorded_at", "org_code", "recorded_at", "id"),
    )
