"""Scoring a company as a partner for a city's climate action: pure functions, no database.

A score in [0, 1] is the weighted sum of five factors, each in [0, 1] and each explained in a
reason. The weights and the GPC → ISIC mapping below are the one place where the ranking is tuned.
"""

import heapq
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# How much each factor counts; they sum to 1.
WEIGHTS: dict[str, float] = {
    "sector_fit": 0.35,
    "co_location": 0.20,
    "emissions_materiality": 0.20,
    "climate_activity": 0.15,
    "target_alignment": 0.10,
}

# The ISIC Rev.4 sections whose firms can act on each GPC sector's emissions.
GPC_TO_ISIC: dict[str, frozenset[str]] = {
    "stationary_energy": frozenset("BCDFLMN"),  # energy supply, industry, buildings, services
    "transportation": frozenset("CGHN"),  # vehicle makers, retail logistics, transport, fleets
    "waste": frozenset("CEGI"),  # manufacturers, waste operators, retail and food service
    "ippu": frozenset("BCDF"),  # mining, manufacturing, energy, construction
    "afolu": frozenset("ACI"),  # farming and forestry, food processing, food service
}

ISIC_SECTIONS = "ABCDEFGHIJKLMNOPQRSTU"

# A firm holding this share (or more) of the city's reported corporate emissions is fully material.
MATERIAL_SHARE = 0.20


@dataclass(frozen=True)
class CompanyFacts:
    company_id: uuid.UUID
    name: str
    sector: str
    facility_count: int
    city_emissions_tco2e: float | None = None  # reported emissions of its facilities in the city
    has_target: bool = False
    target_year: int | None = None  # its latest target year, or its net-zero year
    sbti_status: str = "none"
    verified_report: bool = False
    climate_active: bool = False


@dataclass(frozen=True)
class ActionFacts:
    action_id: uuid.UUID
    city_id: uuid.UUID
    title: str
    sector: str
    partner_sectors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CityFacts:
    city_id: uuid.UUID
    name: str
    target_year: int | None = None  # the year of the city's last target
    corporate_emissions_tco2e: float = 0.0  # reported by all co-located firms


@dataclass(frozen=True)
class Reason:
    factor: str
    detail: str
    weight: float
    value: float


@dataclass(frozen=True)
class Match:
    company: CompanyFacts
    action: ActionFacts
    score: float
    reasons: list[Reason] = field(default_factory=list)


def sector_fit(sector: str, action: ActionFacts) -> tuple[float, str]:
    if sector in action.partner_sectors:
        return 1.0, f"Its sector ({sector}) is one the action asks for."
    mapped = GPC_TO_ISIC.get(action.sector, frozenset())
    if sector in mapped:
        value = 1.0 if not action.partner_sectors else 0.6
        return value, f"Firms of sector {sector} can act on {action.sector.replace('_', ' ')} emissions."
    return 0.0, f"Its sector ({sector}) is not one that acts on {action.sector.replace('_', ' ')} emissions."


def co_location(company: CompanyFacts, city: CityFacts) -> tuple[float, str]:
    value = min(1.0, 0.5 + 0.25 * (company.facility_count - 1))
    detail = f"{company.facility_count} facilit{'y' if company.facility_count == 1 else 'ies'} in {city.name}"
    if company.city_emissions_tco2e:
        value = min(1.0, value + 0.25)
        detail += f", {company.city_emissions_tco2e:,.0f} tCO2e reported there"
    return value, detail + "."


def materiality(company: CompanyFacts, city: CityFacts) -> tuple[float, str]:
    if not company.city_emissions_tco2e or city.corporate_emissions_tco2e <= 0:
        return 0.0, "No reported emissions in the city yet."
    share = company.city_emissions_tco2e / city.corporate_emissions_tco2e
    value = min(1.0, share / MATERIAL_SHARE)
    return value, f"{share:.1%} of the emissions firms report in {city.name}."


def climate_activity(company: CompanyFacts) -> tuple[float, str]:
    if not company.climate_active:
        return 0.0, "No climate plan yet: a firm the city most needs to invite."
    value, parts = 0.0, []
    if company.has_target:
        value += 0.35
        parts.append("a reduction target")
    if company.sbti_status != "none":
        value += 0.25 if company.sbti_status == "validated" else 0.15
        parts.append(f"SBTi {company.sbti_status}")
    if company.verified_report:
        value += 0.4
        parts.append("a verified emissions report")
    if not parts:
        return 0.2, "Reports its emissions, without a target yet."
    return min(1.0, value), "Climate-active: " + ", ".join(parts) + "."


def target_alignment(company: CompanyFacts, city: CityFacts) -> tuple[float, str]:
    if company.target_year is None:
        return 0.0, "No target year to compare with the city's."
    if city.target_year is None:
        return 0.5, f"Targets {company.target_year}; the city has no target year yet."
    if company.target_year <= city.target_year:
        return 1.0, f"Targets {company.target_year}, no later than the city's {city.target_year}."
    return 0.3, f"Targets {company.target_year}, later than the city's {city.target_year}."


def base_score(company: CompanyFacts, city: CityFacts) -> float:
    """The part of the score that does not depend on the action."""
    return (
        WEIGHTS["co_location"] * co_location(company, city)[0]
        + WEIGHTS["emissions_materiality"] * materiality(company, city)[0]
        + WEIGHTS["climate_activity"] * climate_activity(company)[0]
        + WEIGHTS["target_alignment"] * target_alignment(company, city)[0]
    )


def explain(company: CompanyFacts, action: ActionFacts, city: CityFacts) -> Match:
    """The full score of one pair, with a reason per factor."""
    values = {
        "sector_fit": sector_fit(company.sector, action),
        "co_location": co_location(company, city),
        "emissions_materiality": materiality(company, city),
        "climate_activity": climate_activity(company),
        "target_alignment": target_alignment(company, city),
    }
    reasons = [Reason(factor, detail, WEIGHTS[factor], round(value, 3)) for factor, (value, detail) in values.items()]
    score = sum(WEIGHTS[factor] * value for factor, (value, _) in values.items())
    return Match(company, action, round(min(1.0, max(0.0, score)), 4), reasons)


def rank(
    companies: Iterable[CompanyFacts], actions: Sequence[ActionFacts], cities: dict[uuid.UUID, CityFacts], limit: int,
    offset: int = 0,
) -> list[Match]:
    """The best (company, action) pairs, best first; only the pairs returned are explained in full.

    Every company passed in must stand in the city of the actions it is paired with; the caller
    makes sure of that (candidates come from the co-location index).
    """
    # Sector fit depends only on the firm's sector: one small table per action.
    fits = {a.action_id: {s: WEIGHTS["sector_fit"] * sector_fit(s, a)[0] for s in ISIC_SECTIONS} for a in actions}
    keyed: list[tuple[float, str, str, CompanyFacts, ActionFacts]] = []
    for company in companies:
        bases: dict[uuid.UUID, float] = {}
        for action in actions:
            base = bases.get(action.city_id)
            if base is None:
                base = bases[action.city_id] = base_score(company, cities[action.city_id])
            total = base + fits[action.action_id].get(company.sector, 0.0)
            keyed.append((round(total, 4), company.name, str(action.action_id), company, action))
    best = heapq.nsmallest(offset + limit, keyed, key=lambda k: (-k[0], k[1], str(k[3].company_id), k[2]))
    return [explain(company, action, cities[action.city_id]) for _, _, _, company, action in best[offset:]]
