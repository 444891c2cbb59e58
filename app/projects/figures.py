"""Project figures of a set of cities: for a city's progress, a network's aggregates and its export."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.projects.models import (
    Outcome,
    OutcomeVerification,
    Participant,
    ParticipantStatus,
    Project,
    ProjectStatus,
    VerificationOutcome,
)

Cities = Select[Any] | Sequence[uuid.UUID]


def verified_outcome() -> ColumnElement[bool]:
    return exists().where(
        OutcomeVerification.outcome_id == Outcome.id, OutcomeVerification.outcome == VerificationOutcome.VERIFIED
    )


async def projects_by_status(session: AsyncSession, cities: Cities) -> dict[str, int]:
    rows = await session.execute(
        select(Project.status, func.count()).where(Project.city_id.in_(cities)).group_by(Project.status)
    )
    return {status.value: count for status, count in rows}


async def participating_companies(session: AsyncSession, cities: Cities) -> int:
    """Distinct companies that accepted a place in a project of one of the cities."""
    stmt = (
        select(func.count(distinct(Participant.company_id)))
        .join(Project, Project.id == Participant.project_id)
        .where(Project.city_id.in_(cities), Participant.status == ParticipantStatus.ACCEPTED)
    )
    return int(await session.scalar(stmt) or 0)


async def verified_reductions(session: AsyncSession, cities: Cities) -> float:
    stmt = (
        select(func.coalesce(func.sum(Outcome.reduction_tco2e), 0.0))
        .join(Project, Project.id == Outcome.project_id)
        .where(Project.city_id.in_(cities), verified_outcome())
    )
    return float(await session.scalar(stmt) or 0.0)


async def per_city(session: AsyncSession, city_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int, float]]:
    """Per city: projects that are not cancelled, participating companies, verified reductions."""
    figures: dict[uuid.UUID, list[Any]] = {city_id: [0, 0, 0.0] for city_id in city_ids}
    if not city_ids:
        return {}
    for city_id, count in await session.execute(
        select(Project.city_id, func.count())
        .where(Project.city_id.in_(city_ids), Project.status != ProjectStatus.CANCELLED)
        .group_by(Project.city_id)
    ):
        figures[city_id][0] = count
    for city_id, count in await session.execute(
        select(Project.city_id, func.count(distinct(Participant.company_id)))
        .join(Project, Project.id == Participant.project_id)
        .where(Project.city_id.in_(city_ids), Participant.status == ParticipantStatus.ACCEPTED)
        .group_by(Project.city_id)
    ):
        figures[city_id][1] = count
    for city_id, total in await session.execute(
        select(Project.city_id, func.sum(Outcome.reduction_tco2e))
        .join(Project, Project.id == Outcome.project_id)
        .where(Project.city_id.in_(city_ids), verified_outcome())
        .group_by(Project.city_id)
    ):
        figures[city_id][2] = float(total or 0.0)
    return {city_id: (v[0], v[1], v[2]) for city_id, v in figures.items()}


def city_columns(city_id: Any) -> tuple[Any, Any]:
    """Scalar subqueries of one city's projects that are not cancelled and their verified reductions
    (`city_id`: an id, or a bound parameter)."""
    projects = (
        select(func.count()).where(Project.city_id == city_id, Project.status != ProjectStatus.CANCELLED).scalar_subquery()
    )
    verified = (
        select(func.coalesce(func.sum(Outcome.reduction_tco2e), 0.0))
        .join(Project, Project.id == Outcome.project_id)
        .where(Project.city_id == city_id, verified_outcome())
        .scalar_subquery()
    )
    return projects, verified
