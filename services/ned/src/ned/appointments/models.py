import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ned.db import Base


class TenureExtension(Base):
    """An NHS England-agreed extension of a board member's service beyond nine years.

    The code of governance (section 4.3) lets the nine-year limit be exceeded for a limited
    time, each extension explained and agreed with NHS England; ``extends_to`` is the last day
    of service the agreement covers on that board.
    """

    __tablename__ = "tenure_extensions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[str] = mapped_column(String(40))
    extends_to: Mapped[date] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(40))
    agreed_by: Mapped[str] = mapped_column(Text)
    agreed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_tenure_extensions_org_person", "org_code", "person_id"),)


class Appointment(Base):
    """One term of one person on one seat.

    Created ``pending_fppt``; becomes ``active`` only when the appointment fit and proper person
    test passes (`service.activate_appointment`), then ``ended``. ``historical`` terms record
    service before the system (for tenure) and never emit events.
    """

    __tablename__ = "appointments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seats.id"))
    org_code: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[str] = mapped_column(String(40))
    seat_role: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    term_number: Mapped[int]
    appointing_body: Mapped[str] = mapped_column(String(30))
    vacancy_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vacancies.id"))
    extension_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenure_extensions.id"))
    historical: Mapped[bool] = mapped_column(default=False)
    appointed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason_code: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_fppt', 'active', 'ended', 'withdrawn')", name="status"
        ),
        CheckConstraint("term_end > term_start", name="term"),
        CheckConstraint("term_number >= 1", name="term_number"),
        Index("ix_appointments_org_person", "org_code", "person_id"),
        Index("ix_appointments_seat_id", "seat_id"),
        Index("ix_appointments_org_code_id", "org_code", "id"),
        Index("ix_appointments_status_term_end", "status", "term_end"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
