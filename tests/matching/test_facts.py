"""Reading a city's firms only as far as they can place: the database scores as the scoring does, the answer does not change."""

import random
import uuid
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import Boolean, Float, Integer, String, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import service as cities
from app.cities.schemas import ActionCreate, PlanWrite
from app.common.pagination import PageParams
from app.companies import service as companies
from app.companies.schemas import CommitmentWrite
from app.matching import facts, scoring, service
from tests.factories import auth_headers, make_city, make_company, make_facility, make_report, make_user

API = "/api/v1"
CITY = scoring.CityFacts(uuid.uuid4(), "Lyon", target_year=2030, corporate_emissions_tco2e=50_000.0)
ACTIONS = [
    scoring.ActionFacts(uuid.uuid4(), CITY.city_id, "Electrify buses", "transportation", frozenset({"H"})),
    scoring.ActionFacts(uuid.uuid4(), CITY.city_id, "District heating", "stationary_energy", frozenset()),
    scoring.ActionFacts(uuid.uuid4(), CITY.city_id, "Compost", "waste", frozenset({"I", "E"})),
]


def some_firms(count: int, seed: int) -> list[scoring.CompanyFacts]:
    rng = random.Random(seed)
    return [
        scoring.CompanyFacts(
            uuid.uuid4(), f"Firm {n}", rng.choice(scoring.ISIC_SECTIONS), rng.randint(1, 4),
            rng.choice([None, 0.0, rng.uniform(0, 20_000), rng.uniform(0, 100_000)]), rng.random() < 0.5,
            rng.choice([None, 2025, 2030, 2050]), rng.choice(["none", "committed", "validated"]), rng.random() < 0.5,
            rng.random() < 0.7,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("city", [CITY, replace(CITY, target_year=None), replace(CITY, corporate_emissions_tco2e=0.0)])
@pytest.mark.parametrize("actions", [ACTIONS, ACTIONS[:1], ACTIONS[2:]])
async def test_the_database_scores_each_firms_best_pair_as_the_scoring_does(
    session: AsyncSession, actions: list, city: scoring.CityFacts  # type: ignore[type-arg]
) -> None:
    firms = some_firms(200, seed=len(actions))
    rows = union_all(*(
        select(
            literal(firm.sector, String).label("sector"),
            literal(firm.facility_count, Integer).label("facility_count"),
            literal(firm.target_year, Integer).label("target_year"),
            literal(firm.city_emissions_tco2e, Float).label("city_emissions_tco2e"),
            literal(city.corporate_emissions_tco2e, Float).label("total"),
            literal(firm.climate_active, Boolean).label("climate_active"),
            literal(firm.has_target, Boolean).label("has_target"),
            literal(firm.sbti_status, String).label("sbti_status"),
            literal(firm.verified_report, Boolean).label("verified_report"),
        )
        for firm in firms
    )).subquery()
    scores = (await session.scalars(select(facts.best_pair_score(rows)), facts.score_parameters(actions, city))).all()
    fits = scoring.best_fits(actions)
    for firm, score in zip(firms, scores, strict=True):
        best = max(scoring.explain(firm, action, city).score for action in actions)
        assert score == pytest.approx(scoring.base_score(firm, city) + fits[firm.sector], abs=1e-9), firm
        assert round(score, 4) == best, firm


async def crowded_city(session: AsyncSession) -> tuple:  # type: ignore[type-arg]
    """A city of 24 firms of every kind, with three published actions."""
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    await cities.put_plan(session, city=city, actor=officer, data=PlanWrite(
        title="Plan", baseline_year=2020, baseline_emissions_tco2e=1e6, targets=[{"year": 2035, "reduction_pct": 50}],
        status="published"))
    for title, sector, partners in [("Buses", "transportation", ["H"]), ("Heat", "stationary_energy", []), ("Waste", "waste", ["E"])]:
        await cities.create_action(session, city=city, actor=officer, data=ActionCreate(
            title=title, sector=sector, partner_sectors=partners, expected_reduction_tco2e=1000))
    rng = random.Random(7)
    for n in range(24):
        firm = await make_company(session, creator=officer, name=f"Firm {n % 5}", sector=rng.choice("CDEHIKL"))
        for _ in range(rng.randint(1, 3)):
            await make_facility(session, firm, actor=officer)
        if rng.random() < 0.7:
            await make_report(session, firm, actor=officer, scope1_tco2e=rng.choice([100.0, 1000.0, rng.uniform(0, 9000)]),
                              scope2_location_tco2e=10.0)
        if rng.random() < 0.4:
            await companies.put_commitment(session, company=firm, actor=officer, data=CommitmentWrite(
                targets=[{"base_year": 2019, "target_year": rng.choice([2030, 2040]), "reduction_pct": 40, "scopes": [1]}],
                sbti_status=rng.choice(["none", "committed", "validated"])))
    return city, officer


async def test_reading_only_the_firms_that_can_place_changes_no_page(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    city, officer = await crowded_city(session)
    actions = await service.city_actions(session, city.id)
    seen = await service.city_facts(session, city.id)
    seen, everyone = await facts.city_candidates(session, seen, actions, wanted=10_000)
    assert len(everyone) == 24
    expected = scoring.rank(everyone, actions, {city.id: seen}, limit=72)
    # Small batches, so that the reading stops part way through the firms.
    monkeypatch.setattr(facts, "BATCH", 4)
    _, some = await facts.city_candidates(session, seen, actions, wanted=4)
    assert 4 <= len(some) < 24
    pages, cursor = [], None
    headers = await auth_headers(session, officer)
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        body = (await client.get(f"{API}/cities/{city.id}/matches", params=params, headers=headers)).json()
        pages += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [(i["company_id"], i["action_id"], i["score"]) for i in pages] == [
        (str(m.company.company_id), str(m.action.action_id), m.score) for m in expected
    ]
    first, _ = await service.city_matches(session, city=await service.city_facts(session, city.id), params=PageParams(limit=5))
    assert [m.company_id for m in first] == [m.company.company_id for m in expected[:5]]
