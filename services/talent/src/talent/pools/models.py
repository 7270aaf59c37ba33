import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class TalentPool(Base):
    """A named pool (aspiring directors in a region, NExT Director, aspiring chairs...).

    ``scope_code`` is the organisation, ICB or region the pool covers (none when national);
    ``rules`` is the data-driven rule set that proposes members.
    """

    __tablename__ = "talent_pools"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(20))
    scope_code: Mapped[str | None] = mapped_column(String(5))
    # The organisation that decides reach: the scope's own code, or "ENG" when national.
    owner_code: Mapped[str] = mapped_column(String(5))
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_talent_pools_owner_code_id", "owner_code", "id"),)


class PoolMembership(Base):
    """One person in one pool: ``proposed → confirmed → paused → exited`` (or declined)."""

    __tablename__ = "pool_memberships"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    pool_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("talent_pools.id", ondelete="CASCADE"))
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))
    # Which rules proposed the person, with the evidence, at the time of proposal.
    proposal: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("pool_id", "person_id", name="uq_pool_memberships_pool_person"),
        Index("ix_pool_memberships_person_id", "person_id"),
    )


class PoolMembershipChange(Base):
    """Every status change of a membership: who, when, why."""

    __tablename__ = "pool_membership_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    membership_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pool_memberships.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
