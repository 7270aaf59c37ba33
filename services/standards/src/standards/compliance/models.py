import uuid
from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from standards.db import Base


class AssignmentRule(Base):
    """Who must complete which programme by when (configuration; see domain.py)."""

    __tablename__ = "assignment_rules"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(20))
    programme_code: Mapped[str] = mapped_column(ForeignKey("programmes.code"))
    due_days: Mapped[int] = mapped_column(Integer)
    staff_groups: Mapped[list[str] | None] = mapped_column(ARRAY(String(100)))
    joined_on_or_after: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    __table_args__ = (
        CheckConstraint(
            "audience IN ('all_staff', 'new_joiners', 'line_managers')", name="audience"
        ),
        CheckConstraint("due_days >= 0", name="due_days"),
    )


class PersonCompliance(Base):
    """A person's last determination: what `compliance.changed` last said about them.

    ``next_review_on`` is the first day a status would change with no new input (a due date
    passing, a completion entering the expiry window or expiring): the periodic sweep looks
    only at people whose day has come.
    """

    __tablename__ = "person_compliance"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(5))
    determination_id: Mapped[uuid.UUID] = mapped_column()
    applicable: Mapped[bool] = mapped_column(Boolean)
    statutory_mandatory_complete: Mapped[bool] = mapped_column(Boolean)
    overdue: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    expired: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    expiring: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    as_of: Mapped[date] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    # When the summary last changed (and was published), and when it was last worked out.
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_person_compliance_next_review_on",
            "next_review_on",
            postgresql_where=text("next_review_on IS NOT NULL"),
        ),
    )


class ComplianceItem(Base):
    """One requirement of one person, as last determined: the rows the org figures count."""

    __tablename__ = "compliance_items"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("person_compliance.person_id", ondelete="CASCADE"), primary_key=True
    )
    programme_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint(
            "status IN ('complete', 'expiring', 'not_yet_due', 'overdue', 'expired')",
            name="status",
        ),
        Index("ix_compliance_items_org_programme", "org_code", "programme_code"),
    )
