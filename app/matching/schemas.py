import uuid

from app.common.schemas import Output


class ReasonRead(Output):
    factor: str
    detail: str
    weight: float
    value: float


class MatchRead(Output):
    company_id: uuid.UUID
    company_name: str
    city_id: uuid.UUID
    city_name: str
    action_id: uuid.UUID
    action_title: str
    score: float
    reasons: list[ReasonRead]
    climate_active: bool
