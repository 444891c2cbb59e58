"""Gathering the facts the matching score needs, from indexes, and ranking the pairs."""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.cities.models import City, CityPlan, PlanAction, PlanStatus
from app.common.pagination import PageParams, decode_offset, encode_offset
from app.companies.models import Commitment, Company, Facility, FacilityCity
from app.companies.service import climate_active_clause
from app.errors import NotFound
from app.matching import scoring
from app.matching.schemas import MatchRead, ReasonRead
from app.reports.models import EmissionsReport, ReportStatus, ReportVersion


async def reported_emissions(session: AsyncSession, company_ids: Any) -> dict[uuid.UUID, tuple[float, bool]]:
    """Each company's latest reported scope 1 and 2 (location-based) emissions — what its sites emit
    where they stand — and whether it has a verified report."""
    newer = aliased(EmissionsReport)
    latest_year = select(func.max(newer.reporting_year)).where(newer.company_id == EmissionsReport.company_id)
    stmt = (
        select(EmissionsReport.company_id, ReportVersion.content)
        .join(ReportVersion, (ReportVersion.report_id == EmissionsReport.id)
              & (ReportVersion.version == EmissionsReport.current_version))
        # Each company's latest year through the (company, year) index, company by company.
        .where(EmissionsReport.company_id.in_(company_ids), EmissionsReport.reporting_year == latest_year.scalar_subquery())
    )
    verified = set(
        (await session.scalars(
            select(EmissionsReport.company_id).where(
                EmissionsReport.company_id.in_(company_ids), EmissionsReport.status == ReportStatus.VERIFIED
            )
        )).all()
    )
    return {
        company_id: (content["scope1_tco2e"] + content["scope2_location_tco2e"], company_id in verified)
        for company_id, content in await session.execute(stmt)
    }


def _target_year(targets: list[dict[str, Any]] | None, net_zero_year: int | None) -> int | None:
    years = [t["target_year"] for t in targets or ()]
    if net_zero_year:
        years.append(net_zero_year)
    return max(years) if years else None


async def _companies_in(session: AsyncSession, city_ids: list[uuid.UUID], company_id: uuid.UUID | None = None) -> dict[tuple[uuid.UUID, uuid.UUID], scoring.CompanyFacts]:
    """(city, company) → the company's facts as seen from that city; one query each for the index and totals."""
    # Plain columns, not entities: thousands of rows a request, read once.
    stmt = (
        select(
            FacilityCity.city_id, Company.id, Company.name, Company.sector, func.count(), climate_active_clause(),
            Commitment.has_target, Commitment.targets, Commitment.net_zero_year, Commitment.sbti_status,
        )
        .join(Company, Company.id == FacilityCity.company_id)
        .outerjoin(Commitment, Commitment.company_id == Company.id)
        .where(FacilityCity.city_id.in_(city_ids))
        .group_by(FacilityCity.city_id, Company.id, Commitment.company_id)
    )
    if company_id is not None:
        stmt = stmt.where(FacilityCity.company_id == company_id)
    rows = (await session.execute(stmt)).all()
    # A subquery, not thousands of bound ids: one plan, whatever the city's size.
    located = select(FacilityCity.company_id).where(FacilityCity.city_id.in_(city_ids))
    if company_id is not None:
        located = located.where(FacilityCity.company_id == company_id)
    reported = await reported_emissions(session, located) if rows else {}
    facility_totals: dict[uuid.UUID, int] = {}
    if reported:
        reporting = select(EmissionsReport.company_id).where(EmissionsReport.company_id.in_(located))
        totals = await session.execute(
            select(Facility.company_id, func.count()).where(Facility.company_id.in_(reporting)).group_by(Facility.company_id)
        )
        facility_totals = dict(totals.all())  # type: ignore[arg-type]
    facts = {}
    for city_id, company_id, name, sector, count, active, has_target, targets, net_zero_year, sbti in rows:
        emissions, verified = reported.get(company_id, (None, False))
        # Without a per-facility breakdown, a firm's emissions are shared among its facilities.
        in_city = emissions * count / facility_totals.get(company_id, count) if emissions else None
        facts[(city_id, company_id)] = scoring.CompanyFacts(
            company_id=company_id, name=name, sector=sector.value, facility_count=count,
            city_emissions_tco2e=in_city, has_target=bool(has_target), target_year=_target_year(targets, net_zero_year),
            sbti_status=sbti.value if sbti else "none", verified_report=verified, climate_active=bool(active),
        )
    return facts


async def _actions(session: AsyncSession, city_ids: list[uuid.UUID], action_id: uuid.UUID | None = None) -> list[scoring.ActionFacts]:
    """The actions of published plans only: drafts are not shown to firms."""
    stmt = (
        select(PlanAction)
        .join(CityPlan, CityPlan.city_id == PlanAction.city_id)
        .where(PlanAction.city_id.in_(city_ids), CityPlan.status == PlanStatus.PUBLISHED)
    )
    if action_id is not None:
        stmt = stmt.where(PlanAction.id == action_id)
    return [
        scoring.ActionFacts(a.id, a.city_id, a.title, a.sector.value, frozenset(a.partner_sectors))
        for a in (await session.scalars(stmt)).all()
    ]


async def _cities(session: AsyncSession, city_ids: list[uuid.UUID], facts: dict[tuple[uuid.UUID, uuid.UUID], scoring.CompanyFacts]) -> dict[uuid.UUID, scoring.CityFacts]:
    rows = await session.execute(
        select(City.id, City.name, CityPlan.targets).outerjoin(CityPlan, CityPlan.city_id == City.id).where(City.id.in_(city_ids))
    )
    corporate: dict[uuid.UUID, float] = defaultdict(float)
    for (city_id, _), company in facts.items():
        corporate[city_id] += company.city_emissions_tco2e or 0.0
    return {
        city_id: scoring.CityFacts(city_id, name, max((t["year"] for t in targets or []), default=None), corporate[city_id])
        for city_id, name, targets in rows
    }


def _read(match: scoring.Match, cities: dict[uuid.UUID, scoring.CityFacts]) -> MatchRead:
    # Built from values this module computed: no validation needed.
    return MatchRead.model_construct(
        company_id=match.company.company_id, company_name=match.company.name, city_id=match.action.city_id,
        city_name=cities[match.action.city_id].name, action_id=match.action.action_id, action_title=match.action.title,
        score=match.score, climate_active=match.company.climate_active,
        reasons=[ReasonRead.model_construct(factor=r.factor, detail=r.detail, weight=r.weight, value=r.value)
                 for r in match.reasons],
    )


def _page(ranked: list[scoring.Match], cities: dict[uuid.UUID, scoring.CityFacts], offset: int, limit: int, more: bool) -> tuple[list[MatchRead], str | None]:
    return [_read(m, cities) for m in ranked], encode_offset(offset + limit) if more else None


async def city_matches(session: AsyncSession, *, city_id: uuid.UUID, params: PageParams, action_id: uuid.UUID | None = None) -> tuple[list[MatchRead], str | None]:
    actions = await _actions(session, [city_id], action_id)
    if action_id is not None and not actions:
        raise NotFound(f"City {city_id} has no published action {action_id}.")
    facts = await _companies_in(session, [city_id])
    cities = await _cities(session, [city_id], facts)
    offset = decode_offset(params.cursor)
    ranked = scoring.rank(facts.values(), actions, cities, params.limit + 1, offset)
    return _page(ranked[: params.limit], cities, offset, params.limit, len(ranked) > params.limit)


async def company_matches(session: AsyncSession, *, company_id: uuid.UUID, params: PageParams) -> tuple[list[MatchRead], str | None]:
    city_ids = list((await session.scalars(select(FacilityCity.city_id).where(FacilityCity.company_id == company_id).distinct())).all())
    facts = await _companies_in(session, city_ids, company_id) if city_ids else {}
    actions = await _actions(session, city_ids) if city_ids else []
    cities = await _cities(session, city_ids, facts) if city_ids else {}
    offset = decode_offset(params.cursor)
    ranked: list[scoring.Match] = []
    # Each of the company's cities pairs the company, as seen there, with that city's actions.
    by_city: dict[uuid.UUID, list[scoring.ActionFacts]] = defaultdict(list)
    for action in actions:
        by_city[action.city_id].append(action)
    for (city_id, _), company in facts.items():
        ranked += scoring.rank([company], by_city[city_id], cities, limit=len(by_city[city_id]))
    ranked.sort(key=lambda m: (-m.score, m.action.city_id.hex, m.action.action_id.hex))
    window = ranked[offset : offset + params.limit + 1]
    return _page(window[: params.limit], cities, offset, params.limit, len(window) > params.limit)


