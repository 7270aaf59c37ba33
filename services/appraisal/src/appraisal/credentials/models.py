import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from appraisal.db import Base


class AppraiserCredential(Base):
    """An appraisal-skills credential as standards announced it; derived data, rebuildable.

    A revocation may be replayed before the award it revokes (a rebuilt projection, a partition
    read out of order after a rebalance), so a row can exist with the revocation only; the award
    fills in the rest and never clears ``revoked_at``.
    """

    __tablename__ = "appraiser_credentials"

    credential_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    programme_code: Mapped[str | None] = mapped_column(String(40))
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revocation_reason: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
