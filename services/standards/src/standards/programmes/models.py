import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from standards.db import Base


class Programme(Base):
    """A programme of the curriculum catalogue, identified by its stable code."""

    __tablename__ = "programmes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    audience: Mapped[str | None] = mapped_column(String(200))
    delivery: Mapped[str | None] = mapped_column(String(200))
    duration_months: Mapped[int | None] = mapped_column(Integer)
    award: Mapped[str | None] = mapped_column(String(200))
    # Months a credential for this programme stays current (a refresher interval); None: no expiry.
    validity_months: Mapped[int | None] = mapped_column(Integer)
    levels: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    # The programme itself is not (yet) a confirmed national product.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    source_url: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    standards: Mapped[list["ProgrammeStandard"]] = relationship(
        back_populates="programme",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ProgrammeStandard.standard_code",
    )

    __table_args__ = (
        CheckConstraint(
            "category IN ('statutory_mandatory', 'leadership', 'other')", name="category"
        ),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_months"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProgrammeStandard(Base):
    """A standard a programme covers.

    ``provisional`` marks codes the platform made up where the national standard is not
    published yet (the Management and Leadership Framework, DOMAIN §3), so they can be mapped
    to the published codes later without pretending they were ever official.
    """

    __tablename__ = "programme_standards"

    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    standard_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)

    programme: Mapped[Programme] = relationship(back_populates="standards")
