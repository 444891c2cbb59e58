"""Progress maths, as pure functions."""

from hypothesis import given
from hypothesis import strategies as st

from app.cities.progress import TargetPoint, plan_progress, reduction_pct, trajectory, trajectory_at


def test_reduction_to_date_is_negative_when_emissions_rose() -> None:
    assert reduction_pct(1000, 800) == 20.0
    assert reduction_pct(1000, 1100) == -10.0
    assert reduction_pct(0, 10) is None


def test_trajectory_is_a_straight_line_to_each_target_one_point_a_year() -> None:
    path = trajectory(2020, 1000, [TargetPoint(2030, 50), TargetPoint(2025, 20)])
    assert [year for year, _ in path] == list(range(2020, 2031))
    values = dict(path)
    assert values[2020] == 1000
    assert values[2025] == 800
    assert values[2022] == 920  # 1000 → 800 over five years: 40 a year
    assert values[2030] == 500
    assert values[2027] == 680  # 800 → 500 over five years: 60 a year


def test_trajectory_outside_its_years_holds_the_ends() -> None:
    path = trajectory(2020, 1000, [TargetPoint(2030, 50)])
    assert trajectory_at(path, 2015) == 1000
    assert trajectory_at(path, 2040) == 500
    assert trajectory_at([], 2025) is None


def test_on_track_at_or_below_the_trajectory() -> None:
    targets = [TargetPoint(2030, 50)]
    assert plan_progress(2020, 1000, targets, [(2025, 750)]).on_track is True
    assert plan_progress(2020, 1000, targets, [(2025, 750.01)]).on_track is False
    assert plan_progress(2020, 1000, targets, [(2022, 100), (2025, 900)]).on_track is False


def test_on_track_is_unknown_without_inventory_or_target() -> None:
    assert plan_progress(2020, 1000, [], [(2025, 10)]).on_track is None
    assert plan_progress(2020, 1000, [TargetPoint(2030, 50)], []).on_track is None


def test_next_target_is_the_earliest_after_the_latest_inventory() -> None:
    targets = [TargetPoint(2025, 20), TargetPoint(2030, 50), TargetPoint(2050, 100, "net_zero")]
    assert plan_progress(2020, 1000, targets, [(2025, 800)]).next_target == TargetPoint(2030, 50)
    assert plan_progress(2020, 1000, targets, []).next_target == TargetPoint(2025, 20)
    assert plan_progress(2020, 1000, targets, [(2051, 1)]).next_target is None


@given(
    baseline=st.floats(1, 1e9), pct=st.floats(0, 100), years=st.integers(1, 60),
)
def test_the_trajectory_falls_monotonically_to_the_target(baseline: float, pct: float, years: int) -> None:
    path = trajectory(2000, baseline, [TargetPoint(2000 + years, pct)])
    values = [value for _, value in path]
    assert len(values) == years + 1
    assert all(later <= earlier + 1e-6 for earlier, later in zip(values, values[1:]))
    assert abs(values[-1] - baseline * (1 - pct / 100)) <= 1e-3 + baseline * 1e-9
