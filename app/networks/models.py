"""City networks (ICLEI, C40, national offices) and the cities that belong to them."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
