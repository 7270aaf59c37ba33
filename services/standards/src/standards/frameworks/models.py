import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from standards.db import Base


class Framework(Base):
    """A framework of standards (LCF-BOARD, NHS-VALUES, CSTF, MLS), identified by its code."""

    __tablename__ = "frameworks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    versions: Mapped[list["FrameworkVersion"]] = relationship(
        back_populates="framework", lazy="selectin", order_by="FrameworkVersion.created_at"
    )


class FrameworkVersion(Base):
    """One version of a framework: a tree of domains and standards with a rating scale.

    ``version`` is the curators' label ("2024", "1.0"); ``revision`` counts the edits of a
    draft and is what the ETag names.
    """

    __tablename__ = "framework_versions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    framework_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("frameworks.id"))
    version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    # Parts of the content are not confirmed against the national text.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    source_url: Mapped[str | None] = mapped_column(Text)
    # The version whose standards this one's predecessor codes refer to.
    predecessor_version: Mapped[str | None] = mapped_column(String(20))
    # The version that was the latest published one when this one was published.
    previous_version: Mapped[str | None] = mapped_column(String(20))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    framework: Mapped[Framework] = relationship(back_populates="versions", lazy="joined")
    domains: Mapped[list["FrameworkDomain"]] = relationship(
        lazy="selectin", order_by="FrameworkDomain.position", cascade="all, delete-orphan"
    )
    rating_items: Mapped[list["FrameworkRatingItem"]] = relationship(
        lazy="selectin", order_by="FrameworkRatingItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("framework_id", "version"),
        CheckConstraint("status IN ('draft', 'published', 'retired')", name="status"),
        CheckConstraint("(status = 'draft') = (published_at IS NULL)", name="published_at"),
    )


class FrameworkDomain(Base):
    __tablename__ = "framework_domains"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_versions.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)

    standards: Mapped[list["FrameworkStandard"]] = relationship(
        lazy="selectin", order_by="FrameworkStandard.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("version_id", "code"),)


class FrameworkStandard(Base):
    """A standard: a statement with example behaviours, for the levels it applies to."""

    __tablename__ = "framework_standards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_versions.id", ondelete="CASCADE")
    )
    domain_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_domains.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    example_behaviours: Mapped[list[str]] = mapped_column(ARRAY(Text))
    levels: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # How often the standard must be evidenced again (CSTF refreshers); configuration.
    refresher_months: Mapped[int | None] = mapped_column(Integer)
    predecessor_code: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint(
            "refresher_months IS NULL OR refresher_months > 0", name="refresher_months"
        ),
        Index("ix_framework_standards_code", "code"),
    )


class FrameworkRatingItem(Base):
    """One point of a version's rating scale, and whether it counts as proficient."""

    __tablename__ = "framework_rating_items"

    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("framework_versions.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    proficient: Mapped[bool] = mapped_column(Boolean)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
