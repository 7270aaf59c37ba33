import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ned.db import Base


class Candidate(Base):
    """A person in the non-executive talent pool, before or between appointments.

    ``org_code`` is the organisation or NHS England region whose talent function holds the
    record; it decides which tokens reach it. Protected characteristics are NOT here: they live
    in `CandidateProtectedCharacteristics`.
    """

    __tablename__ = "ned_candidates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[str] = mapped_column(String(40), unique=True)
    org_code: Mapped[str] = mapped_column(String(10))
    skills: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    sector_expertise: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    # {"LCF-2024-D1": "often", ...}: the candidate's own rating for each LCF domain.
    lcf_self_assessment: Mapped[dict[str, Any]] = mapped_column(JSONB)
    lcf_assessed_on: Mapped[date | None] = mapped_column(Date)
    available_from: Mapped[date | None] = mapped_column(Date)
    days_per_month: Mapped[int | None]
    regional_preferences: Mapped[list[str]] = mapped_column(ARRAY(String(5)))
    # [{"programme": "next_director", "status": "active", "started_on": ..., ...}]
    programmes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (Index("ix_ned_candidates_org_code_id", "org_code", "id"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CandidateProtectedCharacteristics(Base):
    """Self-declared special-category data (ARCHITECTURE §6): readable only with ``edi:read``,
    every read and write audited, never in events or logs. Board diversity reports read it."""

    __tablename__ = "ned_candidate_protected_characteristics"

    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ned_candidates.id", ondelete="CASCADE"), primary_key=True
    )
    sex: Mapped[str | None] = mapped_column(String(20))
    ethnic_category: Mapped[str | None] = mapped_column(String(2))
    disability: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RestrictedAccess(Base):
    """Who read or changed special-category or FPPT records, and when (ARCHITECTURE §6).

    Append-only. ``record_type`` names the kind of record (``candidate_characteristics``, ...)
    so every restricted store of the service writes to one trail.
    """

    __tablename__ = "restricted_access_audit"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    subject: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(20))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[uuid.UUID | None]
    org_code: Mapped[str | None] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=sql_text("now()"))

    __table_args__ = (Index("ix_restricted_access_audit_record", "record_type", "record_id"),)
