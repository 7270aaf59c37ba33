import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.db import Base


def utc_now() -> datetime:
    return datetime.now(UTC)


class LocalQuestion(Base):
    """A question an organisation adds to the national template; answers stay in the service."""

    __tablename__ = "local_questions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    template_version: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(300))
    answer_type: Mapped[str] = mapped_column(String(20))
    # A required question must be answered before an appraisal can be signed off.
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Retired questions are no longer asked; appraisals that answered them keep the answers,
    # and the code stays taken so an old answer is never read against a new question.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("org_code", "template_version", "code"),
        Index("ix_local_questions_org_code_created_at_id", "org_code", "created_at", "id"),
    )
