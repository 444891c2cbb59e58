"""ISO codes and LEIs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.common.standards import complete_lei, country_code, lei, subdivision_code, subdivision_in_country


def test_country_and_subdivision_codes() -> None:
    assert country_code("fr") == "FR"
    assert subdivision_code("fr-ara") == "FR-ARA"
    assert subdivision_in_country("FR-ARA", "FR") and not subdivision_in_country("FR-ARA", "DE")
    for bad in ("XX", "FRA", ""):
        with pytest.raises(ValueError):
            country_code(bad)
    with pytest.raises(ValueError):
        subdivision_code("FR-XYZ")


def test_a_known_lei_validates_and_one_changed_digit_does_not() -> None:
    assert lei("529900T8BM49AURSDO55") == "529900T8BM49AURSDO55"
    with pytest.raises(ValueError, match="not a valid LEI"):
        lei("529900T8BM49AURSDO56")


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=18, max_size=18))
def test_completed_leis_always_validate(base: str) -> None:
    assert lei(complete_lei(base)) == complete_lei(base)
