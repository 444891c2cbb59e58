"""Figures are stored in tonnes, whatever unit they were sent in."""

import uuid

import pytest

from app.reports.content import Unit, build_content, to_tonnes, total


@pytest.mark.parametrize(
    ("value", "unit", "tonnes"),
    [(1500.0, "kgco2e", 1.5), (1500.0, "tco2e", 1500.0), (1.0, Unit.KGCO2E, 0.001), (0.0, "kgco2e", 0.0),
     (123456789.123, "kgco2e", 123456.789123), (1e12, "kgco2e", 1e9)],
)
def test_to_tonnes(value: float, unit: str, tonnes: float) -> None:
    assert to_tonnes(value, unit) == tonnes


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError):
        to_tonnes(1, "lbco2e")


def test_content_converts_every_quantity() -> None:
    content = build_content(
        company_id=uuid.UUID(int=1), reporting_year=2023, version=1, reason=None, scope1=2000, scope2_location=1000,
        scope2_market=None, scope3={"11": 500, "2": 250}, boundary="equity_share", methodology="m",
        facilities=[{"facility_id": uuid.UUID(int=2), "scope1_tco2e": 1000, "scope2_location_tco2e": 10}], unit="kgco2e",
    )
    assert content["scope1_tco2e"] == 2.0 and content["scope2_market_tco2e"] is None
    assert list(content["scope3"]) == ["2", "11"] and content["scope3"]["11"] == 0.5
    assert content["facilities"][0] == {"facility_id": str(uuid.UUID(int=2)), "scope1_tco2e": 1.0, "scope2_location_tco2e": 0.01}
    assert total(content) == 3.75
