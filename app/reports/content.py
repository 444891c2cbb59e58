"""Turning submitted figures into the canonical content of a version: tonnes, plain JSON types."""

import uuid
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

SCOPE3_CATEGORIES = tuple(str(n) for n in range(1, 16))
KG_PER_TONNE = 1000


class Unit(StrEnum):
    TCO2E = "tco2e"
    KGCO2E = "kgco2e"


def to_tonnes(value: float, unit: Unit | str) -> float:
    """Tonnes CO2e from a figure given in `unit`, rounded to the gram so that hashes stay stable."""
    tonnes = value / KG_PER_TONNE if Unit(unit) == Unit.KGCO2E else value
    return round(float(tonnes), 6)


def build_content(
    *,
    company_id: uuid.UUID,
    reporting_year: int,
    version: int,
    reason: str | None,
    scope1: float,
    scope2_location: float,
    scope2_market: float | None,
    scope3: Mapping[str, float] | None,
    boundary: str,
    methodology: str,
    facilities: Sequence[Mapping[str, Any]] | None = None,
    unit: Unit | str = Unit.TCO2E,
) -> dict[str, Any]:
    """The content hashed and stored for a version, with every quantity in tonnes."""
    kilograms = Unit(unit) == Unit.KGCO2E

    def tonnes(value: float) -> float:
        # to_tonnes inlined: the bulk import calls this twenty times a row.
        return round(float(value) / KG_PER_TONNE if kilograms else float(value), 6)

    return {
        "company_id": str(company_id),
        "reporting_year": reporting_year,
        "version": version,
        "reason": reason,
        "scope1_tco2e": tonnes(scope1),
        "scope2_location_tco2e": tonnes(scope2_location),
        "scope2_market_tco2e": None if scope2_market is None else tonnes(scope2_market),
        "scope3": {k: tonnes(v) for k, v in sorted((scope3 or {}).items(), key=lambda kv: int(kv[0]))},
        "boundary": str(boundary),
        "methodology": methodology,
        "facilities": [
            {
                "facility_id": str(f["facility_id"]),
                "scope1_tco2e": tonnes(f["scope1_tco2e"]),
                "scope2_location_tco2e": tonnes(f["scope2_location_tco2e"]),
            }
            for f in facilities or ()
        ],
    }


def scope3_total(content: Mapping[str, Any]) -> float:
    return round(sum(content.get("scope3", {}).values()), 6)


def total(content: Mapping[str, Any]) -> float:
    """Scope 1, scope 2 (location-based) and every reported scope 3 category."""
    return round(content["scope1_tco2e"] + content["scope2_location_tco2e"] + scope3_total(content), 6)
