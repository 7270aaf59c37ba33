import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class TalentReview(Base):
    """A talent review of one organisation's people: assessed, then moderated, then closed."""

    __tablename__ = "talent_reviews"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_talent_reviews_org_code_id", "org_code", "id"),)


class ReviewAssessment(Base):
    """One person's place on the 9-box in one review.

    Performance comes from the latest appraisal (what and how); potential from the four NHS
    indicators scored in the review. ``box`` is where moderation left the person.
    """

    __tablename__ = "review_assessments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    review_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("talent_reviews.id", ondelete="CASCADE")
    )
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(5))
    appraisal_id: Mapped[str | None] = mapped_column(String(64))
    performance: Mapped[str] = mapped_column(String(10))
    aspiration: Mapped[int] = mapped_column(Integer)
    engagement: Mapped[int] = mapped_column(Integer)
    ability: Mapped[int] = mapped_column(Integer)
    leadership_values: Mapped[int] = mapped_column(Integer)
    potential: Mapped[str] = mapped_column(String(10))
    assessed_box: Mapped[int] = mapped_column(Integer)
    box: Mapped[int] = mapped_column(Integer)
    assessed_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    assessed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("review_id", "person_id", name="uq_review_assessments_review_person"),
        Index("ix_review_assessments_person_id", "person_id"),
    )


class ModerationMove(Base):
    """A talent lead moved a person between boxes in moderation: the audit trail."""

    __tablename__ = "moderation_moves"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("review_assessments.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("talent_reviews.id", ondelete="CASCADE")
    )
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    from_box: Mapped[int] = mapped_column(Integer)
    to_box: Mapped[int] = mapped_column(Integer)
    moved_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
