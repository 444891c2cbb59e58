"""Each badge rule on its own, as a pure function of a company's facts."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.badges import rules
from app.badges.rules import BadgeClassId, CompanyFacts
from tests.badges.conftest import LEADER, project, report

NOTHING = CompanyFacts()


def kinds(evidence: list[rules.Evidence] | None) -> list[str]:
    return [item["kind"] for item in evidence or []]


def test_every_class_has_public_criteria_and_a_version() -> None:
    assert [b.id.value for b in rules.BADGE_CLASSES] == [
        "target_setter", "disclosed", "verified_reporter", "project_partner", "reduction_achiever", "climate_leader"]
    for badge in rules.BADGE_CLASSES:
        assert badge.name and badge.criteria and badge.takes and badge.criteria_version == "1"


def test_nothing_earns_nothing() -> None:
    assert rules.earned(NOTHING) == {}


def test_disclosed_needs_a_submitted_report_and_names_the_latest_year() -> None:
    assert rules.disclosed(NOTHING) is None
    older, newer = report(2021, 10.0), report(2023, 9.0, version=2)
    evidence = rules.disclosed(CompanyFacts(reports=(newer, older)))
    assert evidence == [{"kind": "report_version", "report_id": newer.report_id, "year": 2023, "version": 2,
                         "narrative": "Emissions report for 2023, version 2, submitted."}]


def test_disclosed_counts_unverified_reports_too() -> None:
    assert rules.disclosed(CompanyFacts(reports=(report(2024, 5.0),)))


def test_verified_reporter_needs_a_verified_current_version() -> None:
    assert rules.verified_reporter(CompanyFacts(reports=(report(2023, 100.0),))) is None
    verified = report(2022, 100.0, verified=True)
    evidence = rules.verified_reporter(CompanyFacts(reports=(verified, report(2023, 90.0))))
    assert kinds(evidence) == ["verification"]
    assert evidence and evidence[0]["verification_id"] == verified.verification_id and evidence[0]["year"] == 2022


def test_project_partner_needs_an_accepted_place_in_an_active_or_completed_project() -> None:
    assert rules.project_partner(NOTHING) is None
    first, second = project("active"), project("completed")
    evidence = rules.project_partner(CompanyFacts(projects=(first, second)))
    assert kinds(evidence) == ["project", "project"]
    assert {e["project_id"] for e in evidence or []} == {first.project_id, second.project_id}


@pytest.mark.parametrize(
    ("before", "after", "earned"),
    [(1000.0, 900.0, True), (1000.0, 900.1, False), (100.0, 90.0, True), (1000.0, 500.0, True), (1000.0, 1000.0, False),
     (1000.0, 1200.0, False), (0.0, 0.0, False)],
)
def test_reduction_achiever_needs_ten_percent_against_the_previous_verified_year(before: float, after: float, earned: bool) -> None:
    facts = CompanyFacts(reports=(report(2022, before, verified=True), report(2023, after, verified=True)))
    assert bool(rules.reduction_achiever(facts)) is earned


def test_reduction_achiever_compares_verified_years_only() -> None:
    # 2023 is not verified: the verified years 2021 and 2022 are compared, and 2022 is no cut.
    facts = CompanyFacts(reports=(report(2021, 100.0, verified=True), report(2022, 100.0, verified=True),
                                  report(2023, 10.0)))
    assert rules.reduction_achiever(facts) is None
    # A gap is fine: the previous verified year is the one before, whatever its distance.
    gap = CompanyFacts(reports=(report(2019, 100.0, verified=True), report(2023, 80.0, verified=True)))
    evidence = rules.reduction_achiever(gap)
    assert kinds(evidence) == ["verification", "verification", "reduction"]
    assert evidence and evidence[2] | {"narrative": ""} == {"kind": "reduction", "from_year": 2019, "to_year": 2023,
                                                            "reduction_pct": 20.0, "narrative": ""}


def test_reduction_achiever_is_lost_when_the_latest_verified_year_rises_again() -> None:
    facts = CompanyFacts(reports=(report(2021, 100.0, verified=True), report(2022, 80.0, verified=True),
                                  report(2023, 85.0, verified=True)))
    assert rules.reduction_achiever(facts) is None


def test_reduction_achiever_needs_two_verified_years() -> None:
    assert rules.reduction_achiever(CompanyFacts(reports=(report(2023, 10.0, verified=True),))) is None


@pytest.mark.parametrize(
    ("has_target", "sbti", "earned"),
    [(False, "none", False), (True, "none", True), (False, "committed", True), (False, "validated", True), (True, "validated", True)],
)
def test_target_setter_needs_a_target_or_an_sbti_commitment(has_target: bool, sbti: str, earned: bool) -> None:
    evidence = rules.target_setter(CompanyFacts(has_target=has_target, sbti_status=sbti))
    assert bool(evidence) is earned
    if evidence:
        assert evidence[0]["kind"] == "commitment" and evidence[0]["sbti_status"] == sbti


def test_climate_leader_needs_all_three() -> None:
    evidence = rules.climate_leader(LEADER)
    assert kinds(evidence) == ["verification", "project", "verification", "reduction"]
    for missing in ({"projects": ()}, {"reports": LEADER.reports[1:]},
                    {"reports": (LEADER.reports[0], report(2023, 990.0, verified=True))}):
        assert rules.climate_leader(CompanyFacts(**(LEADER.__dict__ | missing))) is None


def test_a_leader_earns_every_badge() -> None:
    assert set(rules.earned(LEADER)) == set(BadgeClassId)


def test_the_ladder_points_at_the_first_badge_not_held_and_says_what_it_takes() -> None:
    assert [r.held for r in rules.ladder(NOTHING)] == [False] * 6
    step = rules.next_within_reach(NOTHING)
    assert step and step.badge.id == BadgeClassId.TARGET_SETTER and "target" in step.takes

    committed = CompanyFacts(has_target=True, reports=(report(2023, 1000.0, verified=True),))
    step = rules.next_within_reach(committed)
    assert step and step.badge.id == BadgeClassId.PROJECT_PARTNER
    reduction = next(r for r in rules.ladder(committed) if r.badge.id == BadgeClassId.REDUCTION_ACHIEVER)
    assert reduction.takes == "Have a later year verified at 900.0 tCO2e or less (10 % below 2023)."
    assert rules.next_within_reach(LEADER) is None


def _facts(draw: st.DrawFn) -> CompanyFacts:
    years = draw(st.lists(st.integers(2015, 2025), unique=True, max_size=6))
    reports = tuple(
        report(year, draw(st.sampled_from([0.0, 89.9, 90.0, 100.0, 120.0])), verified=draw(st.booleans()),
               version=draw(st.integers(1, 3)))
        for year in years
    )
    return CompanyFacts(
        reports=reports, projects=tuple(project() for _ in range(draw(st.integers(0, 2)))),
        has_target=draw(st.booleans()), sbti_status=draw(st.sampled_from(["none", "committed", "validated", "removed"])),
    )


company_facts = st.composite(_facts)()


EXACTLY_TEN_PERCENT = CompanyFacts(reports=(report(2022, 100.0, verified=True), report(2023, 90.0, verified=True)))


@given(company_facts)
@example(EXACTLY_TEN_PERCENT)
@example(LEADER)
def test_the_digest_settles_the_same_classes_as_the_rules(facts: CompanyFacts) -> None:
    assert rules.earned_classes(rules.Digest.of(facts)) == set(rules.earned(facts))


@given(company_facts)
@example(LEADER)
def test_the_reports_the_rules_read_earn_the_same_badges_on_the_same_evidence(facts: CompanyFacts) -> None:
    read = CompanyFacts(**(facts.__dict__ | {"reports": rules.read_reports(facts.reports)}))
    assert rules.earned(read) == rules.earned(facts)
    assert rules.ladder(read) == rules.ladder(facts)
