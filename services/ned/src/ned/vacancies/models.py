import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from ned.db import Base


class Vacancy(Base):
    """A seat to fill, with its campaign timeline and the body entitled to appoint."""

    __tablename__ = "vacancies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seat_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("seats.id"))
    org_code: Mapped[str] = mapped_column(String(10))
    seat_role: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(30))
    appointing_body: Mapped[str] = mapped_column(String(30))
    # A foundation trust may ask NHS England to assist its council of governors; recorded, and
    # it never lets NHS England decide.
    nhse_assistance_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    nhse_assistance_requested_by: Mapped[str | None] = mapped_column(Text)
    role_description: Mapped[str] = mapped_column(Text)
    lcf_domains: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    stage: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closing_date: Mapped[date] = mapped_column(Date)
    sift_date: Mapped[date | None] = mapped_column(Date)
    interview_date: Mapped[date | None] = mapped_column(Date)
    decision_date: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint(
            "stage IN ('open', 'closed', 'sift', 'interview', 'decision', 'filled', 'withdrawn')",
            name="stage",
        ),
        Index("ix_vacancies_org_code_id", "org_code", "id"),
        Index("ix_vacancies_seat_id", "seat_id"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Application(Base):
    """A pool candidate's application to a vacancy, moved stage by stage by the appointing body."""

    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancies.id"))
    candidate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ned_candidates.id"))
    org_code: Mapped[str] = mapped_column(String(10))
    stage: Mapped[str] = mapped_column(String(20))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint(
            "stage IN ('applied', 'longlisted', 'shortlisted', 'interviewed', 'recommended', "
            "'appointed', 'rejected', 'withdrawn')",
            name="stage",
        ),
        UniqueConstraint("vacancy_id", "candidate_id", name="uq_applications_vacancy_candidate"),
        Index("ix_applications_vacancy_id_id", "vacancy_id", "id"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CampaignStep(Base):
    """The trail of every campaign decision: who moved what, as which body, when."""

    __tablename__ = "campaign_steps"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    vacancy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vacancies.id"))
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(Text)
    acting_body: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_campaign_steps_vacancy_seq", "vacancy_id", "seq"),)
