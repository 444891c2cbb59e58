"""City networks (ICLEI, C40, national offices) and the cities that belong to them."""

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, VersionedMixin, utcnow


class Network(CreatedMixin, VersionedMixin, Base):
    __tablename__ = "network"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    # Kept equal to the organisation's name by the service, so that reads need no join.
    name: Mapped[str] = mapped_column(String(200))
    acronym: Mapped[str] = mapped_column(String(20))


class NetworkCity(Base):
    __tablename__ = "network_city"

    network_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), primary_key=True)
    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_network_city_city_id", "city_id"),)


# Rollups of the member cities' figures, kept in step by app/networks/rollup.py in the transaction of
# every write that changes them, so that a network's progress reads a few hundred rows, not its cities.

class NetworkRollup(Base):
    """The network-wide figure that does not add up over countries: a company counts once."""

    __tablename__ = "network_rollup"

    network_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), primary_key=True)
    participating_companies: Mapped[int] = mapped_column(default=0)


class NetworkCountryRollup(Base):
    """The member cities of one country: sums of their latest figures and of their projects.

    The row stays, with zeroes, when the country's last member city leaves; readers skip it.
    """

    __tablename__ = "network_country_rollup"

    network_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    member_cities: Mapped[int] = mapped_column(default=0)
    cities_with_plans: Mapped[int] = mapped_column(default=0)
    cities_with_inventories: Mapped[int] = mapped_column(default=0)
    cities_on_track: Mapped[int] = mapped_column(default=0)
    baseline_tco2e: Mapped[float] = mapped_column(Float, default=0.0)
    latest_tco2e: Mapped[float] = mapped_column(Float, default=0.0)
    # Over the cities with both a published plan and an inventory: what the reduction compares.
    both_baseline_tco2e: Mapped[float] = mapped_column(Float, default=0.0)
    both_latest_tco2e: Mapped[float] = mapped_column(Float, default=0.0)
    stationary_energy: Mapped[float] = mapped_column(Float, default=0.0)
    transportation: Mapped[float] = mapped_column(Float, default=0.0)
    waste: Mapped[float] = mapped_column(Float, default=0.0)
    ippu: Mapped[float] = mapped_column(Float, default=0.0)
    afolu: Mapped[float] = mapped_column(Float, default=0.0)
    projects_proposed: Mapped[int] = mapped_column(default=0)
    projects_active: Mapped[int] = mapped_column(default=0)
    projects_completed: Mapped[int] = mapped_column(default=0)
    participating_companies: Mapped[int] = mapped_column(default=0)
    verified_reductions_tco2e: Mapped[float] = mapped_column(Float, default=0.0)


class NetworkYearRollup(Base):
    """The inventories the member cities of one country reported for one year."""

    __tablename__ = "network_year_rollup"

    network_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    cities_reporting: Mapped[int]
    emissions_tco2e: Mapped[float] = mapped_column(Float)
    stationary_energy: Mapped[float] = mapped_column(Float)
    transportation: Mapped[float] = mapped_column(Float)
    waste: Mapped[float] = mapped_column(Float)
    ippu: Mapped[float] = mapped_column(Float)
    afolu: Mapped[float] = mapped_column(Float)
    both_baseline_tco2e: Mapped[float] = mapped_column(Float)
    both_latest_tco2e: Mapped[float] = mapped_column(Float)
    cities_on_track: Mapped[int]


class CityYearRollup(Base):
    """Each current inventory of a city, with what its published plan makes of it that year.

    Rewritten with the city's progress row; the network year rows sum these, country by country.
    """

    __tablename__ = "city_year_rollup"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2))
    total_tco2e: Mapped[float] = mapped_column(Float)
    stationary_energy: Mapped[float] = mapped_column(Float)
    transportation: Mapped[float] = mapped_column(Float)
    waste: Mapped[float] = mapped_column(Float)
    ippu: Mapped[float] = mapped_column(Float)
    afolu: Mapped[float] = mapped_column(Float)
    # The published plan's baseline, and whether the inventory is at or below its target path that year.
    baseline_tco2e: Mapped[float | None] = mapped_column(Float)
    on_track: Mapped[bool | None]

    __table_args__ = (Index("ix_city_year_rollup_country_code_year", "country_code", "year"),)
