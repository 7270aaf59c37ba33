import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.db import Base


def utc_now() -> datetime:
    return datetime.now(UTC)


class AppraisalCycle(Base):
    """One organisation's appraisal round for one year, for its staff or for its board."""

    __tablename__ = "appraisal_cycles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    cycle_year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    window_opens: Mapped[date] = mapped_column(Date)
    window_closes: Mapped[date] = mapped_column(Date)
    completion_deadline: Mapped[date] = mapped_column(Date)
    chair_submission_deadline: Mapped[date | None] = mapped_column(Date)
    ned_submission_deadline: Mapped[date | None] = mapped_column(Date)
    held_locally: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("org_code", "cycle_year", "kind"),
        Index("ix_appraisal_cycles_created_at_id", "created_at", "id"),
    )


class CycleMember(Base):
    """A person in a cycle's population, with when they joined and, if so, left."""

    __tablename__ = "appraisal_cycle_members"

    cycle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appraisal_cycles.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(10))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
