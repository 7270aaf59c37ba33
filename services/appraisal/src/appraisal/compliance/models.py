import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.db import Base


class ComplianceDetermination(Base):
    """One of standards' compliance determinations for a person, as compliance.changed told it.

    Every determination is kept, not only the latest, so pay progression can be asked about a
    past date and answer with what was known to be true then. Derived data: it can be rebuilt
    by replaying the standards topic.
    """

    __tablename__ = "compliance_determinations"

    determination_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(5))
    statutory_mandatory_complete: Mapped[bool] = mapped_column(Boolean)
    overdue_programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    expired_programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    expiring_programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (Index("ix_compliance_determinations_person_as_of", "person_id", "as_of"),)
