"""Accountability flags: pure rules over a report's figures, computed on every read, never stored."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.reports.content import total

YOY_DROP_LIMIT = 0.5
# Figures are rounded to the gram; sums may differ from the total by float noise.
TOLERANCE_TCO2E = 1e-6


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str  # "info", "warning" or "error"
    detail: str


@dataclass(frozen=True)
class Attribution:
    """A share of a measured project outcome credited to a company."""

    project_id: str
    outcome_id: str
    period_start: date
    period_end: date
    reduction_tco2e: float


def year_on_year_drop(content: Mapping[str, Any], previous_year: Mapping[str, Any] | None) -> Flag | None:
    """A fall of more than half against the previous year, unless a restatement explains it."""
    if previous_year is None or content.get("reason"):
        return None
    before, now = total(previous_year), total(content)
    if before <= 0 or now >= before * (1 - YOY_DROP_LIMIT):
        return None
    drop = (before - now) / before * 100
    return Flag(
        "yoy_drop_unexplained", "warning",
        f"Emissions fell {drop:.0f} % from {before:,.1f} to {now:,.1f} tCO2e against the year before, "
        "with no restatement explaining it.",
    )


def facilities_exceed_total(content: Mapping[str, Any]) -> Flag | None:
    """Facility figures that add up to more than the company reports in the same scope."""
    facilities = content.get("facilities") or []
    over = []
    for key, label in (("scope1_tco2e", "scope 1"), ("scope2_location_tco2e", "scope 2 (location-based)")):
        summed = sum(f[key] for f in facilities)
        if summed > content[key] + TOLERANCE_TCO2E:
            over.append(f"{label}: facilities {summed:,.1f} > company {content[key]:,.1f} tCO2e")
    if not over:
        return None
    return Flag("facilities_exceed_total", "error", "Facility figures sum above the company total — " + "; ".join(over) + ".")


def _in_year(attribution: Attribution, year: int) -> bool:
    return attribution.period_start.year <= year <= attribution.period_end.year


def attributed_reductions_exceed_emissions(
    content: Mapping[str, Any], attributions: Sequence[Attribution]
) -> Flag | None:
    """Project reductions credited to the company in the year above all it emitted that year."""
    year = content["reporting_year"]
    credited = sum(a.reduction_tco2e for a in attributions if _in_year(a, year))
    emitted = total(content)
    if credited <= emitted + TOLERANCE_TCO2E:
        return None
    return Flag(
        "attributed_reductions_exceed_emissions", "error",
        f"Project reductions of {credited:,.1f} tCO2e are attributed to the company for {year}, "
        f"more than the {emitted:,.1f} tCO2e it reports emitting.",
    )


def reduction_claimed_twice(attributions: Sequence[Attribution]) -> Flag | None:
    """The same outcome credited twice, or one project's outcomes over overlapping periods."""
    seen: dict[str, int] = defaultdict(int)
    for a in attributions:
        seen[a.outcome_id] += 1
    repeated = sorted(outcome for outcome, n in seen.items() if n > 1)
    by_project: dict[str, list[Attribution]] = defaultdict(list)
    for a in {a.outcome_id: a for a in attributions}.values():
        by_project[a.project_id].append(a)
    overlapping = []
    for project, items in sorted(by_project.items()):
        items.sort(key=lambda a: a.period_start)
        if any(later.period_start <= earlier.period_end for earlier, later in zip(items, items[1:])):
            overlapping.append(project)
    if not repeated and not overlapping:
        return None
    parts = []
    if repeated:
        parts.append(f"outcome(s) {', '.join(repeated)} claimed more than once")
    if overlapping:
        parts.append(f"project(s) {', '.join(overlapping)} claim overlapping periods")
    return Flag("reduction_claimed_twice", "error", "The same reduction is claimed more than once: " + "; ".join(parts) + ".")


def not_verified(status: str) -> Flag | None:
    """Figures nobody independent has confirmed."""
    if status == "verified":
        return None
    if status == "rejected":
        return Flag("claims_rejected", "warning", "A verifier rejected the current version of this report.")
    return Flag("claims_not_verified", "info", "The current version has not been verified by an accredited verifier.")


def compute_flags(
    content: Mapping[str, Any],
    *,
    status: str,
    previous_year: Mapping[str, Any] | None,
    attributions: Sequence[Attribution],
) -> list[Flag]:
    """Every flag that holds for the current version."""
    found = [
        year_on_year_drop(content, previous_year),
        facilities_exceed_total(content),
        attributed_reductions_exceed_emissions(content, attributions),
        reduction_claimed_twice(attributions),
        not_verified(status),
    ]
    return [flag for flag in found if flag is not None]
