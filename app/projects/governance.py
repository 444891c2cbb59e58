"""Funding concentration: how much of a project's committed money comes from its largest funder."""

from collections.abc import Iterable
from dataclasses import dataclass

ALERT_ABOVE_PCT = 50.0


@dataclass(frozen=True)
class Concentration:
    top_funder_share_pct: float | None
    alert: bool


def funding_concentration(amounts: Iterable[float | None]) -> Concentration:
    """The largest amount over the total, × 100, with an alert above 50 % (no funding: no share, no alert)."""
    funded = [a for a in amounts if a]
    total = sum(funded)
    if total <= 0:
        return Concentration(None, False)
    share = max(funded) / total * 100
    return Concentration(share, share > ALERT_ABOVE_PCT)
