"""The rules that stop one reduction being counted twice: attribution shares and overlapping periods."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

MAX_TOTAL_SHARE_PCT = 100.0
# Shares arrive as decimals: 33.3 + 33.3 + 33.4 must count as 100, not 100.00000000000001.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Attribution:
    company_id: uuid.UUID
    share_pct: float


def attribution_problem(attributions: Iterable[Attribution]) -> str | None:
    """Why these attributions cannot stand (a company twice, shares beyond 100 % in all), or None."""
    seen: set[uuid.UUID] = set()
    total = 0.0
    for item in attributions:
        if item.company_id in seen:
            return f"Company {item.company_id} is attributed twice; give it one share."
        seen.add(item.company_id)
        total += item.share_pct
    if total > MAX_TOTAL_SHARE_PCT + TOLERANCE:
        return f"The shares add up to {total:g} %, more than 100 %: the same reduction would be counted twice."
    return None


def periods_overlap(first: tuple[date, date], second: tuple[date, date]) -> bool:
    """Whether two inclusive date ranges share at least one day."""
    return first[0] <= second[1] and second[0] <= first[1]


def attributed_tco2e(reduction_tco2e: float, share_pct: float) -> float:
    return reduction_tco2e * share_pct / 100
