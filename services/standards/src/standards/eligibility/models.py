import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Boolean, DateTime, Index, String, Text, UniqueConstraint, Uuid
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
