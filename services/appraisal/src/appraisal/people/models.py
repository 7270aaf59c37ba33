from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.db import Base


class Person(Base):
    """What this service knows of a person, from talent's person.changed events.

    Derived data: it can be dropped and rebuilt by replaying the talent topic.
    """

    __tablename__ = "people"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(5), index=True)
    staff_group: Mapped[str | None] = mapped_column(String(100))
    band: Mapped[str | None] = mapped_column(String(20))
    job_title: Mapped[str | None] = mapped_column(String(200))
    line_manager_id: Mapped[str | None] = mapped_column(String(20))
    is_line_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    left_on: Mapped[date | None] = mapped_column(Date)
    # The envelope time of the event that produced this state: older events are ignored.
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
