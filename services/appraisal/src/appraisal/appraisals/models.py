import uuid
from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.cycles.models import AppraisalCycle
from appraisal.db import Base

# Enumerations are stored as text and validated at the edge: adding a scale point later is a
# code change, not an ALTER TYPE migration.


def utc_now() -> datetime:
    # Timestamps are set in Python as well as by the server, so a flushed object never holds an
    # expired attribute that the async session would have to lazy-load.
    return datetime.now(UTC)


class Appraisal(Base):
    """One person's appraisal for one cycle at one employing organisation."""

    __tablename__ = "appraisals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Searched by person through the unique constraint below, whose index leads with person_id.
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(5))
    appraiser_id: Mapped[str] = mapped_column(String(20))
    cycle_year: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[str] = mapped_column(String(20))
    # staff or board: which template variant applies (board when a board role is set).
    kind: Mapped[str] = mapped_column(String(10), default="staff", server_default="staff")
    cycle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appraisal_cycles.id", ondelete="SET NULL"), index=True
    )
    board_role: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30))
    performance_outcome: Mapped[str | None] = mapped_column(String(30))
    behaviour_outcome: Mapped[str | None] = mapped_column(String(30))
    development_programme_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default="{}"
    )
    wellbeing_conversation_held: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    # The person's band when the appraisal was completed, so the record keeps what was true
    # then even after a promotion changes the projection.
    band: Mapped[str | None] = mapped_column(String(20))
    reopen_reason: Mapped[str | None] = mapped_column(String(40))
    cancel_reason: Mapped[str | None] = mapped_column(String(40))
    # Board members: the date of the last fit and proper person test assessment, confirmed here.
    fppt_assessed_on: Mapped[date | None] = mapped_column(Date)
    # Whether the appraiser held a valid appraisal-skills credential when last checked; false
    # only under the warning policy.
    appraiser_credentialed: Mapped[bool | None] = mapped_column(Boolean)
    appraisee_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    appraiser_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A NED's recorded disagreement (the chair's assessment stands): their own view, as codes.
    appraisee_disagrees: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    appraisee_view_performance: Mapped[str | None] = mapped_column(String(30))
    appraisee_view_behaviour: Mapped[str | None] = mapped_column(String(30))
    # Answers to the organisation's local questions, by question code. Stays in the service.
    local_answers: Mapped[dict[str, str | bool]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, server_default=func.now()
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    objectives: Mapped[list["Objective"]] = relationship(
        back_populates="appraisal",
        cascade="all, delete-orphan",
        order_by="Objective.position",
        lazy="selectin",
    )
    behaviour_scores: Mapped[list["BehaviourScore"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    aspirations: Mapped["CareerAspirations | None"] = relationship(
        cascade="all, delete-orphan", lazy="selectin", uselist=False
    )
    # Loaded with the appraisal: its deadline comes from the cycle.
    cycle: Mapped[AppraisalCycle | None] = relationship(lazy="selectin")

    __table_args__ = (
        # One live appraisal per person, employer and cycle: a second would split the record
        # that pay progression and talent read. A cancelled one no longer counts.
        Index(
            "uq_appraisals_live_per_cycle",
            "person_id",
            "org_code",
            "cycle_year",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_appraisals_created_at_id", "created_at", "id"),
        Index("ix_appraisals_org_code_created_at_id", "org_code", "created_at", "id"),
    )


class Objective(Base):
    """The "what": a SMART objective with its weight and, at year end, its outcome."""

    __tablename__ = "appraisal_objectives"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    appraisal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appraisals.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    success_criteria: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(Integer)
    progress: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(30))
    is_edi: Mapped[bool] = mapped_column(Boolean, default=False)

    appraisal: Mapped[Appraisal] = relationship(back_populates="objectives")

    __table_args__ = (
        CheckConstraint("weight BETWEEN 0 AND 100", name="weight_percent"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
    )


class BehaviourScore(Base):
    """The "how": one NHS value rated on the frequency scale."""

    __tablename__ = "appraisal_behaviour_scores"

    appraisal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appraisals.id", ondelete="CASCADE"), primary_key=True
    )
    value_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    rating: Mapped[str] = mapped_column(String(30))


class CareerAspirations(Base):
    """Scope for Growth: where the person wants to go, recorded to feed succession planning."""

    __tablename__ = "career_aspirations"

    appraisal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appraisals.id", ondelete="CASCADE"), primary_key=True
    )
    direction: Mapped[str] = mapped_column(String(20))
    target_level: Mapped[str | None] = mapped_column(String(20))
    timeframe: Mapped[str] = mapped_column(String(30))
    mobility: Mapped[str] = mapped_column(String(30))
    challenged_organisation_interest: Mapped[bool] = mapped_column(Boolean)
    impact: Mapped[str | None] = mapped_column(String(20))
    growth_ambition: Mapped[str | None] = mapped_column(String(20))


class StatusChange(Base):
    """The audit trail of an appraisal's life cycle: who moved it, when, and why."""

    __tablename__ = "appraisal_status_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    appraisal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appraisals.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    action: Mapped[str | None] = mapped_column(String(30))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    disagreement_recorded: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    actor: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
