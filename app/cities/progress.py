"""Progress against a city's plan: pure functions, no database.

- `reduction_pct_to_date` = (baseline − latest) / baseline × 100, negative when emissions rose.
- The trajectory is the target path: one point a year from the baseline year to the last target
  year, a straight line from the baseline to each successive target.
- `next_target` is the earliest target after the latest inventory year (or the first target when
  there is no inventory).
- `on_track`: the latest inventory is at or below the trajectory for its year (before the baseline
  year the trajectory is the baseline; after the last target, that target). None without an
  inventory or a target.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TargetPoint:
    year: int
    reduction_pct: float
    kind: str = "absolute"


@dataclass(frozen=True)
class PlanProgress:
    reduction_pct_to_date: float | None
    next_target: TargetPoint | None
    trajectory: list[tuple[int, float]]
    on_track: bool | None
    latest: tuple[int, float] | None


def trajectory(baseline_year: int, baseline: float, targets: Sequence[TargetPoint]) -> list[tuple[int, float]]:
    """The target path, one point a year."""
    if not targets:
        return []
    anchors = [(baseline_year, baseline)] + [
        (t.year, baseline * (1 - t.reduction_pct / 100)) for t in sorted(targets, key=lambda t: t.year)
    ]
    points = [(baseline_year, baseline)]
    for (y0, e0), (y1, e1) in zip(anchors, anchors[1:]):
        for year in range(y0 + 1, y1 + 1):
            points.append((year, e0 + (e1 - e0) * (year - y0) / (y1 - y0)))
    return [(year, round(value, 3)) for year, value in points]


def trajectory_at(path: list[tuple[int, float]], year: int) -> float | None:
    if not path:
        return None
    if year <= path[0][0]:
        return path[0][1]
    if year >= path[-1][0]:
        return path[-1][1]
    return path[year - path[0][0]][1]


def reduction_pct(baseline: float, latest: float) -> float | None:
    if baseline <= 0:
        return None
    return round((baseline - latest) / baseline * 100, 2)


def plan_progress(
    baseline_year: int, baseline: float, targets: Sequence[TargetPoint], inventories: Sequence[tuple[int, float]]
) -> PlanProgress:
    latest = max(inventories, key=lambda item: item[0]) if inventories else None
    path = trajectory(baseline_year, baseline, targets)
    after = latest[0] if latest else None
    upcoming = sorted((t for t in targets if after is None or t.year > after), key=lambda t: t.year)
    on_track = None
    if latest is not None and path:
        expected = trajectory_at(path, latest[0])
        on_track = expected is not None and latest[1] <= expected + 1e-9
    return PlanProgress(
        reduction_pct_to_date=reduction_pct(baseline, latest[1]) if latest else None,
        next_target=upcoming[0] if upcoming else None,
        trajectory=path,
        on_track=on_track,
        latest=latest,
    )
