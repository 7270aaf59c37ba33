import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from ned.db import Base


class Seat(Base):
    """A place on a board. Held by at most one person at a time.

    ``holder_person_id`` is set only by an appointment taking effect and cleared when its term
    ends, so it always names the holder of the active appointment on the seat.
    """

    __tablename__ = "seats"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_code: Mapped[str] = mapped_column(String(10), index=True)
    role: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    voting: Mapped[bool]
    # Committee and board roles carried by the seat (audit chair, senior independent director).
    committee_roles: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), server_default=text("'{}'::varchar[]"), default=list
    )
    holder_person_id: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
