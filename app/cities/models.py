"""Cities, their climate action plans, plan actions and yearly community inventories."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, VersionedMixin, str_enum
from app.common.standards import GpcSector


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class TargetKind(StrEnum):
    ABSOLUTE = "absolute"
    NET_ZERO = "net_zero"


class City(CreatedMixin, VersionedMixin, Base):
    __tablename__ = "city"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    # Kept equal to the organisation's name by the service, so that reads need no join.
    name: Mapped[str] = mapped_column(String(200), index=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    subdivision_code: Mapped[str | None] = mapped_column(String(6))
    population: Mapped[int | None]
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    boundary: Mapped[dict[str, Any] | None]
    radius_km: Mapped[float | None] = mapped_column(Float)


class CityCell(Base):
    """The grid cells a city's area touches: the spatial index of co-location."""

    __tablename__ = "city_cell"

    cell: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_city_cell_city_id", "city_id"),)


class CityPlan(CreatedMixin, VersionedMixin, Base):
    __tablename__ = "city_plan"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    baseline_year: Mapped[int]
    baseline_emissions_tco2e: Mapped[float] = mapped_column(Float)
    # [{year, reduction_pct, kind}], ordered by year.
    targets: Mapped[list[dict[str, Any]]]
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus))


class PlanAction(IdMixin, CreatedMixin, VersionedMixin, Base):
    __tablename__ = "plan_action"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    sector: Mapped[GpcSector] = mapped_column(str_enum(GpcSector))
    partner_sectors: Mapped[list[str]]
    expected_reduction_tco2e: Mapped[float] = mapped_column(Float)
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus))


class CityInventory(IdMixin, CreatedMixin, Base):
    """A year's community emissions by GPC sector. A correction supersedes the row, never edits it."""

    __tablename__ = "city_inventory"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"))
    year: Mapped[int]
    stationary_energy: Mapped[float] = mapped_column(Float)
    transportation: Mapped[float] = mapped_column(Float)
    waste: Mapped[float] = mapped_column(Float)
    ippu: Mapped[float] = mapped_column(Float)
    afolu: Mapped[float] = mapped_column(Float)
    total_tco2e: Mapped[float] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(500))
    superseded_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_city_inventory_current_year", "city_id", "year", unique=True,
            sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL"),
        ),
        Index("ix_city_inventory_city_id_year", "city_id", "year"),
    )


class CityProgress(Base):
    """Each city's headline progress, refreshed with its plan and inventories in the same transaction.

    Network aggregates over thousands of member cities then read one row a city instead of
    re-deriving every city's latest inventory and target path on each request.
    """

    __tablename__ = "city_progress"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    has_published_plan: Mapped[bool] = mapped_column(default=False)
    baseline_year: Mapped[int | None]
    baseline_tco2e: Mapped[float | None] = mapped_column(Float)
    target_year: Mapped[int | None]
    target_reduction_pct: Mapped[float | None] = mapped_column(Float)
    latest_year: Mapped[int | None]
    latest_tco2e: Mapped[float | None] = mapped_column(Float)
    latest_stationary_energy: Mapped[float | None] = mapped_column(Float)
    latest_transportation: Mapped[float | None] = mapped_column(Float)
    latest_waste: Mapped[float | None] = mapped_column(Float)
    latest_ippu: Mapped[float | None] = mapped_column(Float)
    latest_afolu: Mapped[float | None] = mapped_column(Float)
    reduction_pct: Mapped[float | None] = mapped_column(Float)
    on_track: Mapped[bool | None]
