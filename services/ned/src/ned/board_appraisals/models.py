from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ned.db import Base


class BoardAppraisal(Base):
    """A board member's completed appraisal, projected from ``appraisal.completed``."""

    __tablename__ = "board_appraisals"

    appraisal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(10))
    board_role: Mapped[str | None] = mapped_column(String(60))
    cycle_year: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set while reopened: a reopened appraisal does not count until it completes again.
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (Index("ix_board_appraisals_org_year", "org_code", "cycle_year"),)
