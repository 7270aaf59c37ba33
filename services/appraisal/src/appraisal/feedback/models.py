import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.db import Base


class FeedbackRequest(Base):
    """One rater asked for feedback on one appraisal, in one category.

    The link token is never stored: only its SHA-256 digest, so a copy of the database does not
    let anyone answer in a rater's name.
    """

    __tablename__ = "feedback_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    appraisal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appraisals.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(30))
    # The rater's person number when they have one; a governor or partner may not.
    rater_id: Mapped[str | None] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A withdrawn request's link stops working and it never counts, answered or not.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_reason: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        # One request per named rater and appraisal: asking twice would let one voice count twice.
        UniqueConstraint("appraisal_id", "rater_id"),
    )


class FeedbackResponse(Base):
    """A rater's answers: each behaviour rated on the frequency scale. No free text."""

    __tablename__ = "feedback_responses"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    appraisal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appraisals.id", ondelete="CASCADE"), index=True
    )
    # Unique: the database itself refuses a second answer to one request.
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("feedback_requests.id", ondelete="CASCADE"), unique=True
    )
    category: Mapped[str] = mapped_column(String(30))
    ratings: Mapped[dict[str, str]] = mapped_column(JSONB)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FeedbackReminder(Base):
    """That someone reminded a rater, and when. The service sends nothing itself."""

    __tablename__ = "feedback_reminders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("feedback_requests.id", ondelete="CASCADE")
    )
    reminded_by: Mapped[str] = mapped_column(String(200))
    reminded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_feedback_reminders_request_id_reminded_at_id", "request_id", "reminded_at", "id"),
    )
