from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from standards.db import Base


class Person(Base):
    """This service's copy of the people directory, built from `person.changed` events.

    Derived data: it can be dropped and rebuilt by replaying the talent topic. ``event_time`` is
    the CloudEvents time of the event it was last built from, so an older event arriving late
    never overwrites a newer one.
    """

    __tablename__ = "people"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(5), index=True)
    staff_group: Mapped[str | None] = mapped_column(String(100))
    band: Mapped[str | None] = mapped_column(String(20))
    job_title: Mapped[str | None] = mapped_column(String(200))
    line_manager_id: Mapped[str | None] = mapped_column(String(20))
    is_line_manager: Mapped[bool | None] = mapped_column(Boolean)
    start_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    left_on: Mapped[date | None] = mapped_column(Date)
    event_id: Mapped[str] = mapped_column(String(200))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
