"""Projections the oversight analytics need from other services' events.

Derived data: they can be dropped and rebuilt by replaying the topics. No protected
characteristic is ever in them (those stay in the people directory's restricted table).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, SmallInteger, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class TrainingCompletionFact(Base):
    """One completed programme (``training.completed``): the ground of WRES indicator 4."""

    __tablename__ = "analytics_training_completions"

    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str | None] = mapped_column(String(5))
    programme_code: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_analytics_training_person_category", "person_id", "category"),)


class BoardComposition(Base):
    """The latest published board composition of an organisation: aggregates only, already
    under the ned service's disclosure control (``board.composition.published``)."""

    __tablename__ = "analytics_board_compositions"

    org_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    groups: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    voting_total: Mapped[int | None] = mapped_column(Integer)
    executive_total: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class OrgCell(Base):
    """The grouped counts of one organisation's active staff for one combination of recorded
    characteristics (empty string: not recorded), refreshed as a whole by the worker.

    A region's report reads a few thousand of these rows instead of aggregating a quarter of a
    million people on every request; the figures are as of ``refreshed_at``. Counts of people,
    never a person: the table holds no person number.
    """

    __tablename__ = "analytics_org_cells"

    org_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    ethnic_category: Mapped[str] = mapped_column(String(2), primary_key=True)
    disability: Mapped[str] = mapped_column(String(20), primary_key=True)
    sex: Mapped[str] = mapped_column(String(20), primary_key=True)
    cycle_year: Mapped[int] = mapped_column(SmallInteger)
    staff: Mapped[int] = mapped_column(Integer)
    managers: Mapped[int] = mapped_column(Integer)
    compliant: Mapped[int] = mapped_column(Integer)
    appraised: Mapped[int] = mapped_column(Integer)
    non_mandatory_training: Mapped[int] = mapped_column(Integer)
    pool_entry: Mapped[int] = mapped_column(Integer)
    high_potential: Mapped[int] = mapped_column(Integer)
    ready_now: Mapped[int] = mapped_column(Integer)
    placement: Mapped[int] = mapped_column(Integer)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
