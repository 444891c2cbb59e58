"""The demo's activity: emissions reports with restatements and verifications, joint projects in
every status with participants, outcomes, comments and support. Reads the rows generate() made."""

import random
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.db import new_id
from app.reports.content import build_content
from app.reports.hashing import version_hash

SECTOR_INTENSITY = {"B": 9.0, "C": 6.0, "D": 20.0, "E": 5.0, "F": 2.0, "H": 4.0, "A": 3.0}  # scope 1 per site, kt
REPORT_YEARS = range(2015, 2025)
PROJECT_TITLES = [
    ("District heating from industrial waste heat", "stationary_energy"),
    ("Electric bus depot and charging", "transportation"),
    ("Shared freight consolidation centre", "transportation"),
    ("Biogas from food waste", "waste"),
    ("Solar roofs on business parks", "stationary_energy"),
    ("Low-clinker concrete for public works", "ippu"),
    ("Urban tree canopy partnership", "afolu"),
]
COMMENTS = [
    "Good to see local firms involved. When will the first results be published?",
    "I support this, but please keep the neighbourhood informed about the works.",
    "Who pays for the maintenance once the project ends?",
    "Great initiative for our district.",
    "Please publish the measured savings every year.",
]


def _at(rng: random.Random, year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 330), seconds=rng.randrange(86400))


def add_reports(data: Any, rng: random.Random, target: int) -> None:
    companies = data.rows["company"]
    sites = Counter(f["company_id"] for f in data.rows["facility"])
    committed = {c["company_id"] for c in data.rows["company_commitment"]}
    verifiers = [v for v in data.rows["verifier"] if v["accredited"]]
    auditors = {m["organization_id"]: m["user_id"] for m in data.rows["membership"]}
    years = list(REPORT_YEARS)
    per_company = max(1, min(len(years), round(target / max(1, len(companies)) / 0.6)))
    made = 0
    for company in companies:
        if made >= target:
            break
        reporting = company["id"] in committed or rng.random() < (0.6 if per_company < len(years) else 1.0)
        if not reporting:
            continue
        first = len(years) - per_company
        base = sites[company["id"]] * SECTOR_INTENSITY.get(company["sector"], 0.8) * 1000 * rng.uniform(0.4, 1.6)
        trend = rng.choice([-0.08, -0.05, -0.03, -0.01, 0.0, 0.02])
        for year in years[first:]:
            if made >= target:
                break
            made += 1
            factor = (1 + trend) ** (year - years[first]) * rng.uniform(0.95, 1.05)
            _report(data, rng, company, year, base * factor, verifiers, auditors)


def _report(data: Any, rng: random.Random, company: dict[str, Any], year: int, scope1: float,
            verifiers: list[dict[str, Any]], auditors: dict[uuid.UUID, uuid.UUID]) -> None:
    report_id, submitted = new_id(), _at(rng, year + 1)
    restated = rng.random() < 0.05
    figures = {
        "scope1": round(scope1, 1), "scope2_location": round(scope1 * rng.uniform(0.2, 0.6), 1),
        "scope2_market": round(scope1 * rng.uniform(0.05, 0.5), 1),
        "scope3": {"1": round(scope1 * rng.uniform(1, 4), 1), "6": round(scope1 * rng.uniform(0.01, 0.05), 1)},
    }
    previous_hash = None
    versions = 2 if restated else 1
    for version in range(1, versions + 1):
        reason = "Corrected the fuel consumption of one site after an energy audit." if version == 2 else None
        scale = 1.0 if version == 1 else rng.uniform(0.9, 1.1)
        content = build_content(
            company_id=company["id"], reporting_year=year, version=version, reason=reason,
            scope1=figures["scope1"] * scale, scope2_location=figures["scope2_location"],
            scope2_market=figures["scope2_market"], scope3=figures["scope3"], boundary="operational_control",
            methodology="GHG Protocol Corporate Standard",
        )
        content_hash = version_hash(content, previous_hash)
        data.add("report_version", id=new_id(), report_id=report_id, version=version, content=content,
                 content_hash=content_hash, previous_hash=previous_hash, reason=reason,
                 submitted_at=submitted + timedelta(days=60 * (version - 1)), submitted_by=None,
                 superseded=version < versions)
        previous_hash = content_hash
    status, roll = "submitted", rng.random()
    if verifiers and roll < 0.45:
        verifier = rng.choice(verifiers)
        outcome = "verified" if roll < 0.42 else "rejected"
        status = outcome
        data.add("verification_request", id=new_id(), report_id=report_id, version=versions, verifier_id=verifier["id"],
                 status="decided", requested_by=None, created_at=submitted + timedelta(days=70))
        data.add("verification", id=new_id(), report_id=report_id, version=versions, verifier_id=verifier["id"],
                 outcome=outcome, assurance_level=rng.choice(["limited", "limited", "reasonable"]), standard="ISO 14064-3",
                 statement="Figures agree with metered energy use and fuel invoices." if outcome == "verified"
                 else "Scope 2 figures could not be traced to supplier invoices.",
                 decided_by=auditors.get(verifier["id"]), created_at=submitted + timedelta(days=100))
    elif verifiers and roll < 0.5:
        data.add("verification_request", id=new_id(), report_id=report_id, version=versions,
                 verifier_id=rng.choice(verifiers)["id"], status="open", requested_by=None,
                 created_at=submitted + timedelta(days=70))
    data.add("emissions_report", id=report_id, company_id=company["id"], reporting_year=year, current_version=versions,
             status=status, created_at=submitted, updated_at=submitted)


def add_projects(data: Any, rng: random.Random, share: float, residents: int) -> None:
    """Projects in the cities with published plans, drawing partners from their co-located firms."""
    local: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for link in data.rows["facility_city"]:
        local[link["city_id"]].append(link["company_id"])
    actions: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for action in data.rows["plan_action"]:
        actions[action["city_id"]].append(action)
    published = [p["city_id"] for p in data.rows["city_plan"] if p["status"] == "published"]
    officers = {m["organization_id"]: m["user_id"] for m in data.rows["membership"]}
    verifiers = [v for v in data.rows["verifier"] if v["accredited"]]
    people = [_resident(data, rng, n) for n in range(residents)]
    for city_id in published:
        firms = sorted(set(local[city_id]))
        featured = city_id in data.featured.values()
        if not firms or not (featured or rng.random() < share):
            continue
        for _ in range(rng.randint(2, 4) if featured else rng.randint(1, 2)):
            _project(data, rng, city_id, firms, actions[city_id], officers.get(city_id), verifiers, officers, people)


def _resident(data: Any, rng: random.Random, n: int) -> uuid.UUID:
    user_id = new_id()
    data.add("app_user", id=user_id, email=f"resident-{n}@residents.citypact.demo", display_name=f"Resident {n + 1}",
             is_platform_admin=False, created_at=_at(rng, 2023))
    return user_id


def _project(data: Any, rng: random.Random, city_id: uuid.UUID, firms: list[uuid.UUID], actions: list[dict[str, Any]],
             officer: uuid.UUID | None, verifiers: list[dict[str, Any]], officers: dict[uuid.UUID, uuid.UUID],
             people: list[uuid.UUID]) -> None:
    title, sector = rng.choice(PROJECT_TITLES)
    status = rng.choices(["proposed", "active", "completed", "cancelled"], weights=[30, 35, 20, 15])[0]
    start = date(rng.choice([2022, 2023, 2024]), rng.randint(1, 12), 1)
    project_id = new_id()
    linked = [str(a["id"]) for a in actions if a["sector"] == sector][:2]
    data.add("project", id=project_id, city_id=city_id, title=title, description=f"A joint project on {sector.replace('_', ' ')}.",
             action_ids=linked, expected_reduction_tco2e=float(rng.randrange(500, 20000, 100)), start_date=start,
             end_date=date(start.year + 3, start.month, 1), status=status, created_at=_at(rng, 2022),
             updated_at=_at(rng, 2024), version=1)
    accepted = []
    for company_id in rng.sample(firms, k=min(len(firms), rng.randint(1, 4))):
        role = rng.choice(["partner", "funder", "implementer"])
        answer = "invited" if status == "proposed" and rng.random() < 0.5 else rng.choice(["accepted"] * 5 + ["declined"])
        if answer == "accepted":
            accepted.append(company_id)
        data.add("project_participant", project_id=project_id, company_id=company_id, role=role, status=answer,
                 funding_amount=float(rng.randrange(10_000, 2_000_000, 10_000)) if role == "funder" else None,
                 currency="EUR" if role == "funder" else None,
                 pledged_reduction_tco2e=float(rng.randrange(100, 5000, 50)),
                 responded_at=None if answer == "invited" else _at(rng, 2024), created_at=_at(rng, 2023))
    if status in ("active", "completed") and accepted:
        for year in range(start.year, min(start.year + 2, 2025)):
            outcome_id = new_id()
            shares = [{"company_id": str(c), "share_pct": round(100 / len(accepted) * 0.9, 2)} for c in accepted]
            data.add("project_outcome", id=outcome_id, project_id=project_id, period_start=date(year, 1, 1),
                     period_end=date(year, 12, 31), reduction_tco2e=float(rng.randrange(100, 4000, 10)),
                     method="Metered energy before and after, weather-corrected.", attributions=shares,
                     created_at=_at(rng, year + 1))
            for share in shares:
                data.add("project_outcome_attribution", outcome_id=outcome_id, company_id=uuid.UUID(share["company_id"]),
                         share_pct=share["share_pct"])
            if verifiers and rng.random() < 0.6:
                verifier = rng.choice(verifiers)
                data.add("project_outcome_verification", outcome_id=outcome_id, verifier_id=verifier["id"],
                         verified_by=officers[verifier["id"]], outcome="verified", assurance_level="limited",
                         standard="ISO 14064-2", statement="Meter readings and the baseline checked on site.",
                         created_at=_at(rng, year + 1))
    for person in rng.sample(people, k=min(len(people), rng.randint(0, 8))):
        data.add("project_support", project_id=project_id, user_id=person, created_at=_at(rng, 2024))
    for person in rng.sample(people, k=min(len(people), rng.randint(0, 3))):
        data.add("project_comment", id=new_id(), project_id=project_id, author_id=person, body=rng.choice(COMMENTS),
                 hidden_at=None, hidden_by=None, hidden_reason=None, created_at=_at(rng, 2024))
    if officer is not None:
        data.add("project_milestone", id=new_id(), project_id=project_id, title="Works start", due_date=start,
                 done_date=start if status in ("active", "completed") else None, created_at=_at(rng, 2023))
