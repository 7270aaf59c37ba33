import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Float, Identity, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class EdiGoal(Base):
    """An organisation's EDI improvement goal: an indicator, a target and a deadline."""

    __tablename__ = "edi_goals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    region_code: Mapped[str | None] = mapped_column(String(5))
    indicator_code: Mapped[str] = mapped_column(String(60))
    direction: Mapped[str] = mapped_column(String(10))
    target: Mapped[float] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)
    deadline: Mapped[date] = mapped_column(Date)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_edi_goals_org_code_deadline", "org_code", "deadline", "id"),
        Index("ix_edi_goals_region_code_deadline", "region_code", "deadline"),
    )


class EdiAccessAudit(Base):
    """Every read of record-level protected characteristics (ARCHITECTURE §6): who, whose,
    which organisation, when. Never the values read."""

    __tablename__ = "edi_access_audit"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str | None] = mapped_column(String(5))
    purpose: Mapped[str] = mapped_column(String(60))
    accessed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (Index("ix_edi_access_audit_person_id", "person_id"),)
