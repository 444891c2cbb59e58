"""The pure rules of projects: the transition table, attribution shares, overlaps, funding concentration."""

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import InvalidTransition
from app.projects.governance import funding_concentration
from app.projects.lifecycle import TRANSITIONS, allowed_moves, check_transition, is_terminal
from app.projects.models import ProjectStatus as S
from app.projects.outcomes import Attribution, attributed_tco2e, attribution_problem, periods_overlap

LEGAL = {(S.PROPOSED, S.ACTIVE), (S.PROPOSED, S.CANCELLED), (S.ACTIVE, S.COMPLETED), (S.ACTIVE, S.CANCELLED)}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("wanted", list(S))
def test_the_transition_table_allows_exactly_the_lifecycle(current: S, wanted: S) -> None:
    if (current, wanted) in LEGAL:
        check_transition(current, wanted)
        return
    with pytest.raises(InvalidTransition) as error:
        check_transition(current, wanted)
    assert error.value.extra["allowed"] == [s.value for s in allowed_moves(current)]
    for allowed in allowed_moves(current):
        assert allowed.value in error.value.detail


def test_completed_and_cancelled_are_terminal() -> None:
    assert [s for s in S if is_terminal(s)] == [S.COMPLETED, S.CANCELLED]
    assert set(TRANSITIONS) == set(S)
    assert allowed_moves(S.PROPOSED) == [S.ACTIVE, S.CANCELLED]


def company() -> uuid.UUID:
    return uuid.uuid4()


def test_shares_up_to_100_pass_and_beyond_are_refused() -> None:
    a, b = company(), company()
    assert attribution_problem([]) is None
    assert attribution_problem([Attribution(a, 60), Attribution(b, 40)]) is None
    assert attribution_problem([Attribution(a, 33.3), Attribution(b, 33.3), Attribution(company(), 33.4)]) is None
    assert "more than 100" in (attribution_problem([Attribution(a, 60), Attribution(b, 40.01)]) or "")
    assert "twice" in (attribution_problem([Attribution(a, 10), Attribution(a, 10)]) or "")


@given(st.lists(st.floats(min_value=0.01, max_value=100), max_size=12))
def test_attribution_is_refused_exactly_when_the_total_passes_100(shares: list[float]) -> None:
    problem = attribution_problem([Attribution(company(), s) for s in shares])
    assert (problem is not None) == (sum(shares) > 100 + 1e-9)


def test_attributed_tonnes_are_the_share_of_the_reduction() -> None:
    assert attributed_tco2e(200, 25) == 50


day = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 1, 1))


@given(day, st.integers(0, 400), day, st.integers(0, 400))
def test_overlap_is_symmetric_and_matches_shared_days(s1: date, n1: int, s2: date, n2: int) -> None:
    first, second = (s1, s1 + timedelta(n1)), (s2, s2 + timedelta(n2))
    shared = max(first[0], second[0]) <= min(first[1], second[1])
    assert periods_overlap(first, second) == periods_overlap(second, first) == shared


def test_periods_touching_on_one_day_overlap_and_consecutive_ones_do_not() -> None:
    jan, feb = (date(2025, 1, 1), date(2025, 1, 31)), (date(2025, 2, 1), date(2025, 2, 28))
    assert not periods_overlap(jan, feb)
    assert periods_overlap(jan, (date(2025, 1, 31), date(2025, 3, 1)))


def test_concentration_is_the_top_funder_over_the_total() -> None:
    assert funding_concentration([]).top_funder_share_pct is None
    assert funding_concentration([None, 0]).alert is False
    half = funding_concentration([50, 50])
    assert half.top_funder_share_pct == 50 and half.alert is False
    captured = funding_concentration([60, 40, None])
    assert captured.top_funder_share_pct == 60 and captured.alert is True
    assert funding_concentration([10]).top_funder_share_pct == 100


@given(st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=10))
def test_concentration_stays_between_the_fair_share_and_100(amounts: list[float]) -> None:
    result = funding_concentration(amounts)
    funded = [a for a in amounts if a]
    if not funded:
        assert result.top_funder_share_pct is None and not result.alert
        return
    assert result.top_funder_share_pct is not None
    assert 100 / len(funded) - 1e-6 <= result.top_funder_share_pct <= 100 + 1e-6
    assert result.alert == (result.top_funder_share_pct > 50)
