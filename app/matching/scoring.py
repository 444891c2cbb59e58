"""Scoring a company as a partner for a city's climate action: pure functions, no database.

A score in [0, 1] is the weighted sum of five factors, each in [0, 1] and each explained in a
reason. The weights and the GPC → ISIC mapping below are the one place where the ranking is tuned.
"""

import heapq
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

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
# Co-location: one facility in the city counts this much, each further one this much more, and
# emissions reported there this much more again, up to 1.
ONE_FACILITY, EACH_FURTHER_FACILITY, REPORTED_THERE = 0.5, 0.25, 0.25


class CompanyFacts(NamedTuple):
    """A firm as seen from one city. A named tuple, not a dataclass: a city makes thousands a request."""

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


class ActionFacts(NamedTuple):
    """A published plan action; a named tuple, as a company's side reads thousands."""

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


# Each factor gives a value in [0, 1] and the sentence that explains it. Ranking thousands of firms
# needs the values only: the `*_value` functions compute them without writing the sentences, and
# the factors that depend on a few discrete facts are cached by those facts.

def sector_fit_value(sector: str, action: ActionFacts) -> float:
    if sector in action.partner_sectors:
        return 1.0
    if sector in GPC_TO_ISIC.get(action.sector, frozenset()):
        return 1.0 if not action.partner_sectors else 0.6
    return 0.0


def sector_fit(sector: str, action: ActionFacts) -> tuple[float, str]:
    value, gpc = sector_fit_value(sector, action), action.sector.replace("_", " ")
    if sector in action.partner_sectors:
        return value, f"Its sector ({sector}) is one the action asks for."
    if value:
        return value, f"Firms of sector {sector} can act on {gpc} emissions."
    return value, f"Its sector ({sector}) is not one that acts on {gpc} emissions."


def co_location_value(company: CompanyFacts) -> float:
    value = ONE_FACILITY + EACH_FURTHER_FACILITY * (company.facility_count - 1)
    return min(1.0, value + REPORTED_THERE if company.city_emissions_tco2e else value)


def co_location(company: CompanyFacts, city: CityFacts) -> tuple[float, str]:
    detail = f"{company.facility_count} facilit{'y' if company.facility_count == 1 else 'ies'} in {city.name}"
    if company.city_emissions_tco2e:
        detail += f", {company.city_emissions_tco2e:,.0f} tCO2e reported there"
    return co_location_value(company), detail + "."


def materiality_value(company: CompanyFacts, city: CityFacts) -> float:
    if not company.city_emissions_tco2e or city.corporate_emissions_tco2e <= 0:
        return 0.0
    share = company.city_emissions_tco2e / city.corporate_emissions_tco2e
    return min(1.0, share / MATERIAL_SHARE)


def materiality(company: CompanyFacts, city: CityFacts) -> tuple[float, str]:
    if not company.city_emissions_tco2e or city.corporate_emissions_tco2e <= 0:
        return 0.0, "No reported emissions in the city yet."
    share = company.city_emissions_tco2e / city.corporate_emissions_tco2e
    return materiality_value(company, city), f"{share:.1%} of the emissions firms report in {city.name}."


def climate_activity(company: CompanyFacts) -> tuple[float, str]:
    return _climate_activity(company.climate_active, company.has_target, company.sbti_status, company.verified_report)


def climate_activity_value(climate_active: bool, has_target: bool, sbti_status: str, verified_report: bool) -> float:
    return _climate_activity(climate_active, has_target, sbti_status, verified_report)[0]


@cache
def _climate_activity(climate_active: bool, has_target: bool, sbti_status: str, verified_report: bool) -> tuple[float, str]:
    if not climate_active:
        return 0.0, "No climate plan yet: a firm the city most needs to invite."
    value, parts = 0.0, []
    if has_target:
        value += 0.35
        parts.append("a reduction target")
    if sbti_status != "none":
        value += 0.25 if sbti_status == "validated" else 0.15
        parts.append(f"SBTi {sbti_status}")
    if verified_report:
        value += 0.4
        parts.append("a verified emissions report")
    if not parts:
        return 0.2, "Reports its emissions, without a target yet."
    return min(1.0, value), "Climate-active: " + ", ".join(parts) + "."


def target_alignment(company: CompanyFacts, city: CityFacts) -> tuple[float, str]:
    return _target_alignment(company.target_year, city.target_year)


def target_alignment_value(target_year: int | None, city_target_year: int | None) -> float:
    return _target_alignment(target_year, city_target_year)[0]


@cache
def _target_alignment(target_year: int | None, city_target_year: int | None) -> tuple[float, str]:
    if target_year is None:
        return 0.0, "No target year to compare with the city's."
    if city_target_year is None:
        return 0.5, f"Targets {target_year}; the city has no target year yet."
    if target_year <= city_target_year:
        return 1.0, f"Targets {target_year}, no later than the city's {city_target_year}."
    return 0.3, f"Targets {target_year}, later than the city's {city_target_year}."


def base_score(company: CompanyFacts, city: CityFacts) -> float:
    """The part of the score that does not depend on the action."""
    return (
        WEIGHTS["co_location"] * co_location_value(company)
        + WEIGHTS["emissions_materiality"] * materiality_value(company, city)
        + WEIGHTS["climate_activity"] * climate_activity(company)[0]
        + WEIGHTS["target_alignment"] * target_alignment(company, city)[0]
    )


def best_fits(actions: Iterable[ActionFacts]) -> dict[str, float]:
    """Per sector, the weighted fit of the actions that suit it best: a firm's best pair with the
    actions scores its base plus its sector's entry (the fit is the only factor that varies)."""
    best = dict.fromkeys(ISIC_SECTIONS, 0.0)
    for action in actions:
        for sector in ISIC_SECTIONS:
            best[sector] = max(best[sector], WEIGHTS["sector_fit"] * sector_fit_value(sector, action))
    return best


def best_pair_score(company: CompanyFacts, city: CityFacts, fits: dict[str, float]) -> float:
    """The score, rounded as ranked, of the company's best pair with the actions `fits` was made
    from (see `best_fits`); `rank` works it out the same way."""
    return round(base_score(company, city) + fits.get(company.sector, 0.0), 4)


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
    companies, wanted = list(companies), offset + limit
    # Sector fit depends only on the firm's sector: one small table per action.
    fits = {a.action_id: {s: WEIGHTS["sector_fit"] * sector_fit_value(s, a) for s in ISIC_SECTIONS} for a in actions}
    by_city: dict[uuid.UUID, list[ActionFacts]] = {}
    for action in actions:
        by_city.setdefault(action.city_id, []).append(action)
    # A firm's best pair in a city scores round(base + the best fit of the city's actions for its
    # sector). The `wanted`-th best of those is a floor that at least `wanted` pairs reach, so a
    # firm whose best pair stays below it has no pair in the answer and is not paired at all.
    # Ties at the floor are kept, and sorted below.
    seen: list[tuple[uuid.UUID, list[float], list[float]]] = []
    for city_id, city_actions in by_city.items():
        best = best_fits(city_actions)
        bases = [base_score(company, cities[city_id]) for company in companies]
        bounds = [round(base + best.get(company.sector, 0.0), 4) for base, company in zip(bases, companies)]
        seen.append((city_id, bases, bounds))
    floor = -1.0
    if len(companies) * len(seen) > wanted > 0:
        floor = heapq.nlargest(wanted, (bound for _, _, bounds in seen for bound in bounds))[-1]
    keyed: list[tuple[float, str, str, CompanyFacts, ActionFacts]] = []
    for city_id, bases, bounds in seen:
        for company, base, bound in zip(companies, bases, bounds):
            if bound < floor:
                continue
            for action in by_city[city_id]:
                total = base + fits[action.action_id].get(company.sector, 0.0)
                keyed.append((round(total, 4), company.name, str(action.action_id), company, action))
    best_pairs = heapq.nsmallest(wanted, keyed, key=lambda k: (-k[0], k[1], str(k[3].company_id), k[2]))
    return [explain(company, action, cities[action.city_id]) for _, _, _, company, action in best_pairs[offset:]]


def rank_actions(
    seen_from: Mapping[uuid.UUID, CompanyFacts], actions: Iterable[ActionFacts], cities: dict[uuid.UUID, CityFacts],
    limit: int, offset: int = 0,
) -> list[Match]:
    """One company's best actions among the cities it stands in, best first, then by city and action.

    `seen_from` holds the company's facts as seen from each of those cities (its facilities there);
    `cities` needs only the cities of the actions.
    """
    actions = list(actions)
    bases = {city_id: base_score(seen_from[city_id], cities[city_id]) for city_id in {a.city_id for a in actions}}
    fit = WEIGHTS["sector_fit"]
    # Ids compare as their hex spellings do; an action's id settles every tie, so the action itself is never compared.
    keyed = [
        (-round(bases[a.city_id] + fit * sector_fit_value(seen_from[a.city_id].sector, a), 4), a.city_id, a.action_id, a)
        for a in actions
    ]
    return [explain(seen_from[a.city_id], a, cities[a.city_id]) for _, _, _, a in heapq.nsmallest(offset + limit, keyed)[offset:]]
