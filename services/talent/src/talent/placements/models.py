import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class ChallengedRole(Base):
    """A leadership role at a challenged organisation, with its incentive and support package."""

    __tablename__ = "challenged_roles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    package_code: Mapped[str] = mapped_column(String(40))
    relocation_support: Mapped[bool] = mapped_column(Boolean)
    pay_minimum: Mapped[int] = mapped_column(Integer)
    pay_maximum: Mapped[int] = mapped_column(Integer)
    pay_approval_reference: Mapped[str | None] = mapped_column(String(60))
    protected_development_days: Mapped[int] = mapped_column(Integer)
    mentor: Mapped[bool] = mapped_column(Boolean)
    peer_network: Mapped[bool] = mapped_column(Boolean)
    coach: Mapped[bool] = mapped_column(Boolean)
    improvement_time_months: Mapped[int] = mapped_column(Integer)
    improvement_plan_peer_review: Mapped[bool] = mapped_column(Boolean)
    peer_reviewer_org_code: Mapped[str | None] = mapped_column(String(5))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_challenged_roles_org_code_created_at", "org_code", "created_at", "id"),
    )


class Placement(Base):
    """One person's journey into a challenged role: offered, accepted or declined, active,
    completed with an outcome. ``match`` keeps the ranking explanation the offer came from."""

    __tablename__ = "placements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("challenged_roles.id"))
    org_code: Mapped[str] = mapped_column(String(5))
    person_id: Mapped[str] = mapped_column(String(20))
    home_org_code: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))
    match: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    start_date: Mapped[date | None] = mapped_column(Date)
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome_code: Mapped[str | None] = mapped_column(String(40))
    decline_reason_code: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        Index("ix_placements_org_code_offered_at", "org_code", "offered_at", "id"),
        Index("ix_placements_person_id", "person_id"),
        Index("ix_placements_role_id", "role_id"),
    )
