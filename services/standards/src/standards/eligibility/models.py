import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from standards.db import Base


class EligibilityPolicy(Base):
    """One published version of what each level requires; the latest published one is in force.

    Versions are never edited: a determination names the version it was made under, and that
    version must still say what it said then.
    """

    __tablename__ = "eligibility_policies"

    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    published_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_eligibility_policies_published_at", "published_at", "version"),)


class EligibilityDetermination(Base):
    """The last answer for a person and a level: what ``eligibility.changed`` compares with."""

    __tablename__ = "eligibility_determinations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str | None] = mapped_column(String(5))
    eligible: Mapped[bool] = mapped_column(Boolean)
    met_requirement_ids: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    unmet_requirement_ids: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    evidence_credential_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid()))
    policy_version: Mapped[str] = mapped_column(String(20))
    determined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("person_id", "level"),)


class EligibilitySweepWatermark(Base):
    """How far the expiry sweep has got: credentials that expired up to this point (ordered by
    expiry, then id) have had their holders re-determined. One row per sweep."""

    __tablename__ = "eligibility_sweep_watermarks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    expired_through: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_credential_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EligibilityJob(Base):
    """A redetermination of everyone's answers, run by the worker in slices of people.

    Slices walk people in id order after ``after_person_id``, so a job resumes where it stopped
    after a restart, and its progress is the count of people done out of ``people_total``.
    """

    __tablename__ = "eligibility_jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reason: Mapped[str] = mapped_column(String(20))
    policy_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    people_total: Mapped[int | None] = mapped_column(Integer)
    people_processed: Mapped[int] = mapped_column(Integer)
    changes_published: Mapped[int] = mapped_column(Integer)
    after_person_id: Mapped[str | None] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'completed')", name="status"),
        CheckConstraint("reason IN ('policy', 'requested')", name="reason"),
        Index("ix_eligibility_jobs_status_requested", "status", "requested_at"),
    )
