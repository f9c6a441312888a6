"""Modules, their uploaded versions, and the items each version holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db


class Module(db.Model):
    """A module of a course. Its ``key`` is stable across versions: progress follows it."""

    __tablename__ = "modules"
    __cache_scope__ = "shared"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course", back_populates="modules")
    current_version: Mapped[ModuleVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[ModuleVersion]] = relationship(
        foreign_keys="ModuleVersion.module_id", back_populates="module",
        order_by="ModuleVersion.number.desc()", cascade="all, delete-orphan",
    )


class ModuleVersion(db.Model):
    """One uploaded package. Never changed after it is made; a rollback makes a new one."""

    __tablename__ = "module_versions"
    __cache_scope__ = "shared"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    number: Mapped[int]
    format: Mapped[str] = mapped_column(String(20))  # native|scorm12|scorm2004
    title: Mapped[dict] = mapped_column(JsonType)
    description: Mapped[dict] = mapped_column(JsonType, default=dict)
    jlpt_level: Mapped[str | None] = mapped_column(String(2))
    package_sha256: Mapped[str] = mapped_column(String(64), index=True)
    package_size: Mapped[int] = mapped_column(BigInteger)
    package_name: Mapped[str] = mapped_column(String(255))
    # Where the unpacked files live: media/packages/<storage_key>/ (content-addressed).
    storage_key: Mapped[str] = mapped_column(String(400))
    warnings: Mapped[list] = mapped_column(JsonType, default=list)
    changes: Mapped[dict] = mapped_column(JsonType, default=dict)  # added/removed/changed keys
    note: Mapped[str | None] = mapped_column(String(255))  # e.g. "rollback to version 2"
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(foreign_keys=[module_id], back_populates="versions")
    uploaded_by = relationship("User")
    items: Mapped[list[Item]] = relationship(
        back_populates="version", order_by="Item.position", cascade="all, delete-orphan"
    )


class Item(db.Model):
    """Something a student opens: a page, video, asset, quiz, assignment, html5 or SCO."""

    __tablename__ = "items"
    __cache_scope__ = "shared"  # lms.core.stamps
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        Index("ix_items_version_position", "version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    title: Mapped[dict] = mapped_column(JsonType)
    required: Mapped[bool] = mapped_column(default=True)
    weight: Mapped[float] = mapped_column(default=1.0)
    settings: Mapped[dict] = mapped_column(JsonType, default=dict)
    entry: Mapped[str | None] = mapped_column(String(1024))
    content: Mapped[dict] = mapped_column(JsonType, default=dict)

    version: Mapped[ModuleVersion] = relationship(back_populates="items")


class ItemSetting(db.Model):
    """An instructor's override of an item's settings, kept by item key across versions."""

    __tablename__ = "item_settings"
    __cache_scope__ = "shared"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("module_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    required: Mapped[bool | None]
    weight: Mapped[float | None]
    pass_score: Mapped[float | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CourseContentText(db.Model):
    """The visible text of a module's current version, for search over course content
    (kept current by ``authoring.search.refresh_content_index``)."""

    __tablename__ = "course_content_texts"
    __cache_scope__ = "shared"  # lms.core.stamps

    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"),
                                           primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    version_id: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text, default="")
