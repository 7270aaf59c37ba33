import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ned.db import Base


class FpptPolicyRow(Base):
    """The checks one organisation requires; organisations without a row use the default."""

    __tablename__ = "fppt_policies"

    org_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    appointment_checks: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    annual_checks: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class FpptAssessment(Base):
    """One fit and proper person test of one board member: on appointment or annual."""

    __tablename__ = "fppt_assessments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    subject_role: Mapped[str] = mapped_column(String(40))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # Annual tests: the financial year they belong to (2026 is 2026/27).
    year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(10))
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    attested_lcf_domains: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    signed_off_by_role: Mapped[str | None] = mapped_column(String(40))
    signed_off_by: Mapped[str | None] = mapped_column(String(20))
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    checks: Mapped[list["FpptCheckRecord"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FpptCheckRecord.check"
    )

    __table_args__ = (Index("ix_fppt_assessments_org_created", "org_code", "created_at", "id"),)


class FpptCheckRecord(Base):
    """The result of one check, and where its evidence is kept (never the evidence itself)."""

    __tablename__ = "fppt_checks"

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("fppt_assessments.id", ondelete="CASCADE"), primary_key=True
    )
    check: Mapped[str] = mapped_column(String(40), primary_key=True)
    result: Mapped[str] = mapped_column(String(20))
    checked_on: Mapped[date] = mapped_column(Date)
    evidence_location: Mapped[str] = mapped_column(String(300))
    years_covered: Mapped[int | None] = mapped_column(Integer)


class FpptSubmission(Base):
    """An organisation's annual FPPT submission to its NHS England regional director."""

    __tablename__ = "fppt_submissions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)

    __table_args__ = (Index("ix_fppt_submissions_org_submitted", "org_code", "submitted_at", "id"),)
