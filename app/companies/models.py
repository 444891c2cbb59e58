"""Companies, their facilities (and the cities each stands in) and their climate commitments."""

import uuid
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.common.standards import IsicSection
from app.db import Base, CreatedMixin, IdMixin, VersionedMixin, str_enum


class SbtiStatus(StrEnum):
    NONE = "none"
    COMMITTED = "committed"
    VALIDATED = "validated"


class Company(CreatedMixin, VersionedMixin, Base):
    __tablename__ = "company"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    # Kept equal to the organisation's name by the service, so that reads need no join.
    name: Mapped[str] = mapped_column(String(200), index=True)
    lei: Mapped[str | None] = mapped_column(String(20), unique=True)
    sector: Mapped[IsicSection] = mapped_column(str_enum(IsicSection), index=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)


class Facility(IdMixin, CreatedMixin, Base):
    __tablename__ = "facility"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    # Grid cell of the position (see app/cities/geometry.py): finds the facilities a city may hold.
    cell: Mapped[int] = mapped_column(index=True)


class FacilityCity(Base):
    """A facility standing inside a city's area: the fact co-location rests on."""

    __tablename__ = "facility_city"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))

    __table_args__ = (
        Index("ix_facility_city_facility_id", "facility_id"),
        Index("ix_facility_city_city_id_company_id", "city_id", "company_id"),
        Index("ix_facility_city_company_id", "company_id"),
    )


class Commitment(CreatedMixin, VersionedMixin, Base):
    __tablename__ = "company_commitment"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    # [{base_year, target_year, reduction_pct, scopes}]
    targets: Mapped[list[dict[str, Any]]]
    # Derived from `targets` and `net_zero_year` by the service; makes `climate_active` an index lookup.
    has_target: Mapped[bool] = mapped_column(default=False)
    net_zero_year: Mapped[int | None]
    # Derived likewise: the latest of the target years and the net-zero year, for matching.
    target_year: Mapped[int | None]
    sbti_status: Mapped[SbtiStatus] = mapped_column(str_enum(SbtiStatus))


def latest_target_year(targets: Iterable[Mapping[str, Any]], net_zero_year: int | None) -> int | None:
    """The commitment's `target_year`: its latest target year, or its net-zero year if later."""
    years = [target["target_year"] for target in targets]
    if net_zero_year:
        years.append(net_zero_year)
    return max(years) if years else None


class CompanyRollup(Base):
    """A company's facts for matching, recomputed in the transaction of every write that changes them.

    Each firm's latest report, verification, commitment and facility count are then read, not
    derived per request; its `city_company` rows copy them. See app/companies/rollup.py for the
    writes that keep them in step.
    """

    __tablename__ = "company_rollup"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    # Copied from the company, so that the join to its rollup is the only one.
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[IsicSection] = mapped_column(str_enum(IsicSection))
    # All of its facilities, wherever they stand: a firm's emissions are shared among them.
    facility_count: Mapped[int] = mapped_column(default=0)
    # Scope 1 + scope 2 (location-based) of the current version of its latest year's report.
    reported_year: Mapped[int | None]
    reported_tco2e: Mapped[float | None] = mapped_column(Float)
    verified_report: Mapped[bool] = mapped_column(default=False)
    # A target (or a net-zero year) or a submitted report, as `climate_active_clause` says.
    climate_active: Mapped[bool] = mapped_column(default=False)
    # Copied from its commitment.
    has_target: Mapped[bool] = mapped_column(default=False)
    target_year: Mapped[int | None]
    sbti_status: Mapped[SbtiStatus] = mapped_column(str_enum(SbtiStatus), default=SbtiStatus.NONE)


class CityCompany(Base):
    """A company standing in a city: how many of its facilities stand there, with a copy of its
    rollup facts, kept in step with both (app/companies/rollup.py).

    A city's match candidates are then the city's own rows, read in one range of the primary key,
    instead of its co-location rows grouped and joined to thousands of rollup rows per request.
    """

    __tablename__ = "city_company"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    facilities: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[IsicSection] = mapped_column(str_enum(IsicSection))
    facility_count: Mapped[int]
    reported_tco2e: Mapped[float | None] = mapped_column(Float)
    verified_report: Mapped[bool]
    climate_active: Mapped[bool]
    has_target: Mapped[bool]
    target_year: Mapped[int | None]
    sbti_status: Mapped[SbtiStatus] = mapped_column(str_enum(SbtiStatus))

    __table_args__ = (Index("ix_city_company_company_id", "company_id"),)
