"""The scoring pins the ranking: each factor, and the order it produces."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from app.matching.scoring import (
    WEIGHTS, ActionFacts, CityFacts, CompanyFacts, base_score, explain, rank, sector_fit,
)

CITY = CityFacts(uuid.uuid4(), "Lyon", target_year=2030, corporate_emissions_tco2e=100_000)
BUSES = ActionFacts(uuid.uuid4(), CITY.city_id, "Electrify buses", "transportation", frozenset({"H"}))
HEAT = ActionFacts(uuid.uuid4(), CITY.city_id, "District heating", "stationary_energy", frozenset())


def firm(name: str = "Firm", sector: str = "C", **facts: object) -> CompanyFacts:
    return CompanyFacts(uuid.uuid4(), name, sector, **({"facility_count": 1} | facts))  # type: ignore[arg-type]


def test_weights_sum_to_one() -> None:
    assert abs(sum(WEIGHTS.values()) - 1) < 1e-9


def test_all_else_equal_a_wanted_sector_ranks_higher() -> None:
    wanted, mapped, unrelated = firm("A", "H"), firm("B", "G"), firm("C", "K")
    ranked = rank([unrelated, mapped, wanted], [BUSES], {CITY.city_id: CITY}, limit=10)
    assert [m.company.name for m in ranked] == ["A", "B", "C"]
    assert ranked[0].score - ranked[1].score == round(WEIGHTS["sector_fit"] * 0.4, 4)


def test_without_wanted_sectors_the_gpc_mapping_decides() -> None:
    assert explain(firm(sector="D"), HEAT, CITY).reasons[0].value == 1.0
    assert explain(firm(sector="Q"), HEAT, CITY).reasons[0].value == 0.0


def test_more_facilities_and_reported_emissions_strengthen_co_location() -> None:
    one, three = firm(facility_count=1), firm(facility_count=3)
    reported = firm(facility_count=1, city_emissions_tco2e=5_000)
    value = lambda c: next(r.value for r in explain(c, BUSES, CITY).reasons if r.factor == "co_location")  # noqa: E731
    assert value(one) < value(reported) and value(one) < value(three) <= 1


def test_materiality_is_the_share_of_reported_city_emissions() -> None:
    small, big = firm(city_emissions_tco2e=1_000), firm(city_emissions_tco2e=30_000)
    reason = lambda c: next(r for r in explain(c, BUSES, CITY).reasons if r.factor == "emissions_materiality")  # noqa: E731
    assert reason(small).value == 0.05 and "1.0%" in reason(small).detail
    assert reason(big).value == 1.0
    assert reason(firm()).value == 0 and "No reported emissions" in reason(firm()).detail


def test_firms_without_a_plan_are_matched_and_said_to_be_worth_inviting() -> None:
    match = explain(firm(sector="H"), BUSES, CITY)
    activity = next(r for r in match.reasons if r.factor == "climate_activity")
    assert match.score > 0 and activity.value == 0 and "invite" in activity.detail


def test_climate_activity_and_target_alignment_reward_commitment() -> None:
    leader = firm(climate_active=True, has_target=True, target_year=2030, sbti_status="validated", verified_report=True)
    laggard = firm(climate_active=True, has_target=True, target_year=2045)
    reasons = {r.factor: r for r in explain(leader, BUSES, CITY).reasons}
    assert reasons["climate_activity"].value == 1.0 and reasons["target_alignment"].value == 1.0
    late = {r.factor: r for r in explain(laggard, BUSES, CITY).reasons}
    assert late["target_alignment"].value == 0.3 and "later than the city's 2030" in late["target_alignment"].detail
    assert explain(leader, BUSES, CITY).score > explain(laggard, BUSES, CITY).score


def test_rank_pairs_every_company_with_every_action_best_first() -> None:
    firms = [firm("Transit", "H"), firm("Utility", "D")]
    ranked = rank(firms, [BUSES, HEAT], {CITY.city_id: CITY}, limit=10)
    assert len(ranked) == 4
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert {(ranked[0].company.name, ranked[0].action.title), (ranked[1].company.name, ranked[1].action.title)} == {
        ("Transit", "Electrify buses"), ("Utility", "District heating")}
    assert [m.company.name for m in rank(firms, [BUSES, HEAT], {CITY.city_id: CITY}, limit=2, offset=2)] != []


facts = st.builds(
    CompanyFacts, company_id=st.uuids(), name=st.text(max_size=5), sector=st.sampled_from("ABCDEFGHIJKLMNOPQRSTU"),
    facility_count=st.integers(1, 50), city_emissions_tco2e=st.one_of(st.none(), st.floats(0, 1e7)),
    has_target=st.booleans(), target_year=st.one_of(st.none(), st.integers(2025, 2070)),
    sbti_status=st.sampled_from(["none", "committed", "validated"]), verified_report=st.booleans(), climate_active=st.booleans(),
)


@given(company=facts)
def test_scores_stay_in_the_unit_interval_and_match_their_reasons(company: CompanyFacts) -> None:
    for action in (BUSES, HEAT):
        match = explain(company, action, CITY)
        assert 0 <= match.score <= 1
        assert abs(match.score - sum(r.weight * r.value for r in match.reasons)) < 1e-3
        assert {r.factor for r in match.reasons} == set(WEIGHTS)


def every_pair_ranked(companies: list[CompanyFacts], actions: list[ActionFacts], limit: int, offset: int) -> list[tuple]:  # type: ignore[type-arg]
    """The ranking by brute force: every pair scored and sorted, as `rank` orders them."""
    keyed = []
    for company in companies:
        for action in actions:
            total = base_score(company, CITY) + WEIGHTS["sector_fit"] * sector_fit(company.sector, action)[0]
            keyed.append(((-round(total, 4), company.name, str(company.company_id), str(action.action_id)), company, action))
    keyed.sort(key=lambda k: k[0])
    return [(explain(c, a, CITY).score, c.company_id, a.action_id) for _, c, a in keyed[offset : offset + limit]]


# Few names, sectors and emission figures: many ties, which the pruning must keep.
crowded = st.builds(
    CompanyFacts, company_id=st.uuids(), name=st.sampled_from(["A", "B", "C"]), sector=st.sampled_from("CDGHKL"),
    facility_count=st.integers(1, 3), city_emissions_tco2e=st.sampled_from([None, 500.0, 2_000.0, 20_000.0]),
    has_target=st.booleans(), target_year=st.sampled_from([None, 2030, 2040]),
    sbti_status=st.sampled_from(["none", "validated"]), verified_report=st.booleans(), climate_active=st.booleans(),
)


@given(companies=st.lists(crowded, max_size=40), limit=st.integers(1, 12), offset=st.integers(0, 20),
       actions=st.sampled_from([[BUSES], [HEAT], [BUSES, HEAT]]))
def test_ranking_only_the_firms_that_can_place_gives_the_same_answer_as_ranking_every_pair(
    companies: list[CompanyFacts], limit: int, offset: int, actions: list[ActionFacts]
) -> None:
    ranked = rank(companies, actions, {CITY.city_id: CITY}, limit=limit, offset=offset)
    assert [(m.score, m.company.company_id, m.action.action_id) for m in ranked] == every_pair_ranked(companies, actions, limit, offset)
