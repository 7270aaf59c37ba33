import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base


class ReplayRequest(Base):
    """A request to rebuild the projections from the topics, and how far it has got.

    ``requested → resetting → rebuilding → completed`` (or ``failed``). The consumers poll this
    table, so the request works whether they run in the API process or in separate workers.
    ``target_offsets`` are the offsets the group had committed when it was reset
    (``{"topic:partition": offset}``): the rebuild has caught up with the live state once the
    group has committed at least as far again.
    """

    __tablename__ = "replay_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    consumer_group: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(200))
    target_offsets: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    detail: Mapped[str | None] = mapped_column(String(500))
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # At most one replay under way per consumer group.
        Index(
            "uq_replay_requests_one_open",
            "consumer_group",
            unique=True,
            postgresql_where=text("status IN ('requested', 'resetting', 'rebuilding')"),
        ),
    )
