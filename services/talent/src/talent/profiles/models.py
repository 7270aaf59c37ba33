from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class TalentProfile(Base):
    """A person's talent profile, built from other services' events (a projection).

    It may exist before the person is in the directory: events can arrive first. ``org_code``
    is the organisation named by the latest applied event that names one; it decides reach
    only while the directory does not know the person.
    """

    __tablename__ = "talent_profiles"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    org_code: Mapped[str | None] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProfileCredential(Base):
    """A credential the person was awarded (or, briefly, only its revocation if that came first)."""

    __tablename__ = "profile_credentials"

    credential_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    record_id: Mapped[str | None] = mapped_column(String(64))
    org_code: Mapped[str | None] = mapped_column(String(5))
    programme_code: Mapped[str | None] = mapped_column(String(64))
    standards: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    levels: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason_code: Mapped[str | None] = mapped_column(String(60))


class ProfileAppraisal(Base):
    """One completed appraisal of the person; the latest by ``completed_at`` is the outcome."""

    __tablename__ = "profile_appraisals"

    appraisal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str | None] = mapped_column(String(5))
    cycle_year: Mapped[int | None]
    template_version: Mapped[str | None] = mapped_column(String(60))
    performance_outcome: Mapped[str | None] = mapped_column(String(60))
    behaviour_outcome: Mapped[str | None] = mapped_column(String(60))
    aspirations: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    development_programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_reason_code: Mapped[str | None] = mapped_column(String(60))

    __table_args__ = (
        Index("ix_profile_appraisals_person_id_completed_at", "person_id", "completed_at"),
    )


class ProfileEvent(Base):
    """Every event handled for a profile and what it did: the audit of the projection."""

    __tablename__ = "profile_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    event_id: Mapped[str] = mapped_column(Text)
    event_source: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(Text)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ProfileEligibility(Base):
    """Eligibility for one leadership level, as the standards service last announced it.

    Standards owns the rules; talent keeps only its latest determination per level, which is
    the first rule of succession readiness (``eligible_for_level``).
    """

    __tablename__ = "profile_eligibility"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    determination_id: Mapped[str] = mapped_column(String(64))
    org_code: Mapped[str | None] = mapped_column(String(5))
    eligible: Mapped[bool]
    met_requirement_ids: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    unmet_requirement_ids: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    # What standards says closes each unmet requirement, when it says so: {requirement_id:
    # {"standards": [...], "programmes": [...]}}. Feeds the gap analysis.
    unmet_detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    evidence_credential_ids: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    policy_version: Mapped[str | None] = mapped_column(String(60))
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProfileCompliance(Base):
    """Statutory and mandatory training status, as standards last announced it."""

    __tablename__ = "profile_compliance"

    person_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    determination_id: Mapped[str] = mapped_column(String(64))
    org_code: Mapped[str | None] = mapped_column(String(5))
    statutory_mandatory_complete: Mapped[bool]
    overdue_programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    expired_programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    expiring_programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProfileBoardRole(Base):
    """A board appointment the NED service announced, and its end when it ends."""

    __tablename__ = "profile_board_roles"

    appointment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    org_code: Mapped[str | None] = mapped_column(String(5))
    seat_id: Mapped[str | None] = mapped_column(String(64))
    seat_role: Mapped[str | None] = mapped_column(String(40))
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    term_number: Mapped[int | None]
    appointing_body: Mapped[str | None] = mapped_column(String(40))
    appointed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason_code: Mapped[str | None] = mapped_column(String(60))


class ProfileFitAndProper(Base):
    """One fit and proper person assessment; the latest by ``assessed_at`` is the status."""

    __tablename__ = "profile_fppt"

    assessment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str | None] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signed_off_by_role: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_profile_fppt_person_id_assessed_at", "person_id", "assessed_at"),)
