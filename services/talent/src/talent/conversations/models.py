import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class CareerConversation(Base):
    """A Scope for Growth career conversation, owned by the individual.

    The free text (where they are, where they want to go, agreed actions) is for the person
    and their manager only; the outcome codes are what pool rules and talent leads see.
    """

    __tablename__ = "career_conversations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(5))
    manager_person_id: Mapped[str | None] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date)
    where_they_are: Mapped[str | None] = mapped_column(Text)
    where_they_want_to_go: Mapped[str | None] = mapped_column(Text)
    agreed_actions: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    outcome_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    target_level: Mapped[str | None] = mapped_column(String(20))
    timeframe: Mapped[str | None] = mapped_column(String(30))
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_career_conversations_person_id_held_on", "person_id", "held_on"),
        Index("ix_career_conversations_org_code_id", "org_code", "id"),
    )
