import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class Person(Base):
    """One person in the directory, as the latest HR extract describes them.

    ``person_id`` is the employer's person number (ESR) and the natural key every event uses;
    ``id`` names the directory entry in CloudEvents subjects, where a person number must not go.
    """

    __tablename__ = "people"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    job_title: Mapped[str] = mapped_column(String(200))
    staff_group: Mapped[str] = mapped_column(String(40))
    band: Mapped[str] = mapped_column(String(10))
    line_manager_id: Mapped[str | None] = mapped_column(String(20), index=True)
    is_line_manager: Mapped[bool]
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    left_on: Mapped[date | None] = mapped_column(Date)
    professional_registration: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_people_org_code_person_id", "org_code", "person_id"),)


class PersonProtectedCharacteristics(Base):
    """Special-category data (ARCHITECTURE §6): its own table, never in events or logs.

    Only the values an extract gives are recorded; readable only with ``edi:read``.
    """

    __tablename__ = "person_protected_characteristics"

    person_id: Mapped[str] = mapped_column(
        String(20), ForeignKey("people.person_id", ondelete="CASCADE"), primary_key=True
    )
    ethnic_category: Mapped[str | None] = mapped_column(String(2))
    disability: Mapped[str | None] = mapped_column(String(20))
    sex: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
