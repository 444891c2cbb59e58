import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from app.common.schemas import Input, Output


class NetworkCreate(Input):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    acronym: Annotated[str, StringConstraints(min_length=1, max_length=20)]


class NetworkRead(Output):
    id: uuid.UUID
    name: str
    acronym: str
    created_at: datetime


class MemberCityRead(Output):
    city_id: uuid.UUID
    name: str
    country_code: str
    population: int | None
    joined_at: datetime


class NetworkMembership(Output):
    network_id: uuid.UUID
    city_id: uuid.UUID
    joined_at: datetime
