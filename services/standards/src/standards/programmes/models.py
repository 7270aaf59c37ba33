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
    # How it is delivered: online, face_to_face, blended or workplace; None when not published.
    mode: Mapped[str | None] = mapped_column(String(20))
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
    components: Mapped[list["ProgrammeComponent"]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="ProgrammeComponent.component_code",
        foreign_keys="ProgrammeComponent.programme_code",
        primaryjoin="Programme.code == ProgrammeComponent.programme_code",
    )
    part_of: Mapped[list["ProgrammeComponent"]] = relationship(
        lazy="selectin",
        viewonly=True,
        order_by="ProgrammeComponent.programme_code",
        foreign_keys="ProgrammeComponent.component_code",
        primaryjoin="Programme.code == ProgrammeComponent.component_code",
    )

    __table_args__ = (
        CheckConstraint(
            "category IN ('statutory_mandatory', 'leadership', 'other')", name="category"
        ),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_months"),
        CheckConstraint(
            "mode IS NULL OR mode IN ('online', 'face_to_face', 'blended', 'workplace')",
            name="mode",
        ),
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


class ProgrammeComponent(Base):
    """A programme that is part of another (the EDI module is part of the induction)."""

    __tablename__ = "programme_components"

    programme_code: Mapped[str] = mapped_column(
        ForeignKey("programmes.code", ondelete="CASCADE"), primary_key=True
    )
    component_code: Mapped[str] = mapped_column(
        ForeignKey("programmes.code", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (CheckConstraint("programme_code <> component_code", name="not_self"),)


class Bundle(Base):
    """A set of programmes that together meet one level."""

    __tablename__ = "bundles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    # The platform's own composition until the national curriculum is published.
    provisional: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)

    programmes: Mapped[list["BundleProgramme"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="BundleProgramme.position"
    )

    __table_args__ = (
        CheckConstraint(
            "level IN ('entry', 'first_line', 'middle', 'senior', 'executive', 'board')",
            name="level",
        ),
    )


class BundleProgramme(Base):
    __tablename__ = "bundle_programmes"

    bundle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True
    )
    programme_code: Mapped[str] = mapped_column(ForeignKey("programmes.code"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
