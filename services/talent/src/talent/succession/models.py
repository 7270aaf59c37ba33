import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class ReadinessPolicy(Base):
    """A version of the readiness policy: the rules and the bands they map to, as data.

    Versions are immutable once used; a new version is a new row and the active one is used
    for every recompute, so each candidate's explanation names the version that judged it.
    """

    __tablename__ = "readiness_policies"

    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CriticalPost(Base):
    """A post whose loss would hurt the organisation enough to plan its succession."""

    __tablename__ = "critical_posts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(5))
    role_title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    board_post: Mapped[bool] = mapped_column(Boolean, default=False)
    incumbent_person_id: Mapped[str | None] = mapped_column(String(20))
    risk_of_loss: Mapped[str] = mapped_column(String(10))
    impact_of_loss: Mapped[str] = mapped_column(String(10))
    expected_vacancy_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_critical_posts_org_code_id", "org_code", "id"),)


class SuccessionPlan(Base):
    """The succession plan of one critical post, with its last published bench strength."""

    __tablename__ = "succession_plans"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("critical_posts.id", ondelete="CASCADE"), unique=True
    )
    org_code: Mapped[str] = mapped_column(String(5))
    level: Mapped[str] = mapped_column(String(20))
    ready_now: Mapped[int] = mapped_column(Integer, default=0)
    ready_1_2_years: Mapped[int] = mapped_column(Integer, default=0)
    ready_3_plus_years: Mapped[int] = mapped_column(Integer, default=0)
    not_ready: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    risks: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_succession_plans_org_code_id", "org_code", "id"),)


class SuccessionCandidate(Base):
    """A person named as a successor in a plan, and their readiness with its explanation.

    ``level``, ``board_post`` and ``org_code`` repeat the post's so a recompute for a person
    reads one table. ``computed_readiness`` is what the evidence says; ``readiness`` is what
    the plan uses: the override while it lasts, the computed value otherwise.
    """

    __tablename__ = "succession_candidates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("succession_plans.id", ondelete="CASCADE")
    )
    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("critical_posts.id", ondelete="CASCADE"))
    org_code: Mapped[str] = mapped_column(String(5))
    level: Mapped[str] = mapped_column(String(20))
    board_post: Mapped[bool] = mapped_column(Boolean, default=False)
    person_id: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(Integer)
    emergency_cover: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_readiness: Mapped[str] = mapped_column(String(20))
    readiness: Mapped[str] = mapped_column(String(20))
    # The readiness last published in readiness.changed: a change is announced once, and a
    # replay (which recomputes without publishing) announces only the net differences.
    announced_readiness: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    policy_version: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    override_readiness: Mapped[str | None] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(String(500))
    override_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    override_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("plan_id", "person_id", name="uq_succession_candidates_plan_person"),
        Index("ix_succession_candidates_person_id", "person_id"),
        Index("ix_succession_candidates_plan_id_rank", "plan_id", "rank", "id"),
    )
