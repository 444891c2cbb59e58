"""Each accountability flag as a pure rule."""

from datetime import date
from typing import Any

from app.reports.flags import (
    Attribution, attributed_reductions_exceed_emissions, compute_flags, facilities_exceed_total, not_verified,
    reduction_claimed_twice, year_on_year_drop,
)


def content(total: float = 1000.0, **overrides: Any) -> dict[str, Any]:
    return {"reporting_year": 2023, "scope1_tco2e": total / 2, "scope2_location_tco2e": total / 2, "scope3": {},
            "reason": None, "facilities": []} | overrides


def attribution(outcome: str, reduction: float, project: str = "p1", start: date = date(2023, 1, 1),
                end: date = date(2023, 12, 31)) -> Attribution:
    return Attribution(project, outcome, start, end, reduction)


def test_a_drop_over_half_without_a_reason_is_flagged() -> None:
    flag = year_on_year_drop(content(400), content(1000))
    assert flag and flag.code == "yoy_drop_unexplained" and "60 %" in flag.detail
    assert year_on_year_drop(content(500), content(1000)) is None  # exactly half is not over half
    assert year_on_year_drop(content(400, reason="divested the steel plant"), content(1000)) is None
    assert year_on_year_drop(content(400), None) is None
    assert year_on_year_drop(content(400), content(0)) is None


def test_facilities_above_the_company_total_are_flagged() -> None:
    facilities = [{"scope1_tco2e": 300.0, "scope2_location_tco2e": 100.0}, {"scope1_tco2e": 250.0, "scope2_location_tco2e": 100.0}]
    flag = facilities_exceed_total(content(1000, facilities=facilities))
    assert flag and flag.severity == "error" and "scope 1" in flag.detail and "scope 2" not in flag.detail
    assert facilities_exceed_total(content(1000, facilities=facilities[:1])) is None
    assert facilities_exceed_total(content(1000)) is None


def test_attributed_reductions_above_emissions_are_flagged() -> None:
    assert attributed_reductions_exceed_emissions(content(1000), [attribution("o1", 600), attribution("o2", 300)]) is None
    flag = attributed_reductions_exceed_emissions(content(1000), [attribution("o1", 600), attribution("o2", 500)])
    assert flag and flag.code == "attributed_reductions_exceed_emissions"
    other_year = attribution("o3", 5000, start=date(2021, 1, 1), end=date(2022, 6, 30))
    assert attributed_reductions_exceed_emissions(content(1000), [other_year]) is None


def test_the_same_reduction_claimed_twice_is_flagged() -> None:
    assert reduction_claimed_twice([attribution("o1", 10), attribution("o2", 10, project="p2")]) is None
    twice = reduction_claimed_twice([attribution("o1", 10), attribution("o1", 10)])
    assert twice and "o1" in twice.detail
    overlapping = reduction_claimed_twice([
        attribution("o1", 10, start=date(2023, 1, 1), end=date(2023, 6, 30)),
        attribution("o2", 10, start=date(2023, 6, 1), end=date(2023, 12, 31)),
    ])
    assert overlapping and "p1" in overlapping.detail
    consecutive = [attribution("o1", 10, end=date(2023, 6, 30)), attribution("o2", 10, start=date(2023, 7, 1))]
    assert reduction_claimed_twice(consecutive) is None


def test_claims_not_verified_are_flagged() -> None:
    assert not_verified("verified") is None
    assert not_verified("submitted").code == "claims_not_verified"  # type: ignore[union-attr]
    assert not_verified("rejected").code == "claims_rejected"  # type: ignore[union-attr]


def test_compute_flags_gathers_every_rule() -> None:
    flags = compute_flags(content(100), status="submitted", previous_year=content(1000),
                          attributions=[attribution("o1", 80), attribution("o1", 80)])
    assert [f.code for f in flags] == [
        "yoy_drop_unexplained", "attributed_reductions_exceed_emissions", "reduction_claimed_twice", "claims_not_verified",
    ]
    assert compute_flags(content(), status="verified", previous_year=None, attributions=[]) == []
