"""The authorisation matrix: every object route of the API, called by every kind of caller, answers
the status API.md sets.

One row per route (or per way of owning it): the method and path as the router declares them, the
organisation whose members the caller kinds are, the objects that fill the path, a valid body, and
the status each caller kind must get. Bodies are valid on purpose: were an allowed write a 422, a
refused one would look the same. A route with an object id and no row fails the suite, so a new
route cannot slip past the matrix.

The world is built once per module; each case runs in a savepoint that is rolled back, so the
writes of one case are never seen by the next. Besides the status, each answer is searched for what
the caller may not read: other organisations' drafts and their members' email addresses.
"""

import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.badges.models import BadgeAssertion
from app.cities import service as cities
from app.cities.schemas import InventoryCreate, PlanWrite
from app.identity.models import Role, User
from app.identity.security import new_token, token_digest
from app.main import API_PREFIX, API_ROUTERS
from app.networks import service as networks
from app.networks.schemas import NetworkCreate
from app.projects import reporting, voice
from app.projects import service as projects
from app.projects.schemas import CommentCreate, MilestoneCreate, OutcomeCreate
from app.reports import verification
from app.reports.auth import API_KEY_PREFIX, Actor
from app.reports.csv_rows import COLUMNS
from app.reports.models import ApiClient
from tests.conftest import DatabaseUnderTest
from tests.factories import (
    PLAN,
    REPORT,
    add_member,
    add_participant,
    auth_headers,
    make_action,
    make_city,
    make_company,
    make_facility,
    make_project,
    make_report,
    make_user,
    make_verifier,
    set_project_status,
)

CALLERS = ("admin", "editor", "viewer", "other", "anonymous", "platform")
OWNERS = ("city", "company", "verifier", "network")

Ids = dict[str, str]


def statuses(admin: int, editor: int, viewer: int, other: int, anonymous: int, platform: int) -> dict[str, int]:
    """The status each caller kind gets: a member of the owning organisation with each role, an
    admin of another organisation of the same kind, nobody signed in, a platform administrator."""
    return dict(zip(CALLERS, (admin, editor, viewer, other, anonymous, platform), strict=True))


PUBLIC = statuses(200, 200, 200, 200, 200, 200)
MEMBERS = statuses(200, 200, 200, 403, 401, 200)
# A draft: its organisation's members see it; for everyone else it does not exist.
DRAFT = statuses(200, 200, 200, 404, 404, 200)
NOT_ALLOWED = statuses(405, 405, 405, 405, 405, 405)
# The other organisation's own id in the path, with an object of the owning organisation beneath it:
# the owner's members are not members of the other; the other's admin finds no such object there.
CROSSED = statuses(403, 403, 403, 404, 401, 404)


def editors(ok: int) -> dict[str, int]:
    return statuses(ok, ok, 403, 403, 401, ok)


def admins(ok: int) -> dict[str, int]:
    return statuses(ok, 403, 403, 403, 401, ok)


def signed_in(ok: int) -> dict[str, int]:
    return statuses(ok, ok, ok, ok, 401, ok)


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    owner: str
    expected: dict[str, int]
    body: Callable[[Ids], Any] | None = None
    fill: dict[str, str] = field(default_factory=dict)
    note: str = ""


# Which world object fills a path parameter, unless the row says otherwise.
FILL = {
    "org_id": "city", "user_id": "member", "city_id": "city", "action_id": "action", "year": "year",
    "company_id": "company", "client_id": "api_client", "report_id": "report", "verifier_id": "verifier",
    "network_id": "network", "project_id": "project", "milestone_id": "milestone", "outcome_id": "outcome",
    "comment_id": "comment", "assertion_id": "badge",
}

SECTORS = {"stationary_energy": 500.0, "transportation": 300.0, "waste": 100.0, "ippu": 50.0, "afolu": 0.0}
DECISION = {"outcome": "verified", "assurance_level": "limited", "statement": "Figures agree with the records."}


def import_csv(ids: Ids) -> bytes:
    """One row for the company, the optional columns left empty."""
    row = {"company_id": ids["company"], "reporting_year": "2025", "scope1_tco2e": "900", "scope2_location_tco2e": "400",
           "boundary": "operational_control", "methodology": "GHG Protocol"}
    return f"{','.join(COLUMNS)}\n{','.join(row.get(column, '') for column in COLUMNS)}\n".encode()


MATRIX = [
    # Organisations: members and audit logs are private; only admins manage members.
    Row("POST", "/organizations/{org_id}/members", "city", admins(201),
        lambda w: {"email": w["newcomer_email"], "role": "viewer"}),
    Row("GET", "/organizations/{org_id}/members", "city", MEMBERS),
    Row("PATCH", "/organizations/{org_id}/members/{user_id}", "city", admins(200), lambda w: {"role": "editor"}),
    Row("DELETE", "/organizations/{org_id}/members/{user_id}", "city", admins(204)),
    Row("GET", "/organizations/{org_id}/audit", "city", admins(200)),
    *(Row("GET", "/organizations/{org_id}/members", owner, MEMBERS, fill={"org_id": owner}, note=f"of a {owner}")
      for owner in OWNERS[1:]),
    *(Row("GET", "/organizations/{org_id}/audit", owner, admins(200), fill={"org_id": owner}, note=f"of a {owner}")
      for owner in OWNERS[1:]),

    # Cities, plans, actions, inventories.
    Row("GET", "/cities/{city_id}", "city", PUBLIC),
    Row("PATCH", "/cities/{city_id}", "city", editors(200), lambda w: {"name": "Lyon Métropole"}),
    Row("PUT", "/cities/{city_id}/plan", "city", editors(200), lambda w: PLAN),
    Row("GET", "/cities/{city_id}/plan", "city", PUBLIC),
    Row("GET", "/cities/{city_id}/plan", "city", DRAFT, fill={"city_id": "draft_city"}, note="draft"),
    Row("POST", "/cities/{city_id}/plan/actions", "city", editors(201),
        lambda w: {"title": "Bus lanes", "sector": "transportation", "expected_reduction_tco2e": 40.0}),
    Row("GET", "/cities/{city_id}/plan/actions", "city", PUBLIC),
    Row("GET", "/cities/{city_id}/plan/actions", "city", DRAFT, fill={"city_id": "draft_city"}, note="draft"),
    Row("PATCH", "/cities/{city_id}/plan/actions/{action_id}", "city", editors(200), lambda w: {"status": "in_progress"}),
    # Writes answer 403 before looking the action up, so a draft's existence is not revealed either way.
    Row("PATCH", "/cities/{city_id}/plan/actions/{action_id}", "city", editors(200), lambda w: {"status": "in_progress"},
        fill={"city_id": "draft_city", "action_id": "draft_action"}, note="draft"),
    Row("POST", "/cities/{city_id}/inventories", "city", editors(201), lambda w: {"year": 2023, "sectors": SECTORS}),
    Row("GET", "/cities/{city_id}/inventories", "city", PUBLIC),
    Row("PUT", "/cities/{city_id}/inventories/{year}", "city", editors(200),
        lambda w: {"sectors": SECTORS, "reason": "meter readings corrected"}),
    Row("GET", "/cities/{city_id}/inventories/{year}/history", "city", PUBLIC),
    Row("GET", "/cities/{city_id}/progress", "city", PUBLIC),
    Row("GET", "/cities/{city_id}/progress", "city", PUBLIC, fill={"city_id": "draft_city"}, note="draft"),
    Row("GET", "/cities/{city_id}/companies", "city", PUBLIC),
    Row("GET", "/cities/{city_id}/matches", "city", MEMBERS),
    Row("POST", "/cities/{city_id}/networks", "city", admins(201), lambda w: {"network_id": w["network2"]}),
    Row("DELETE", "/networks/{network_id}/cities/{city_id}", "network", admins(204), note="removed by the network"),
    Row("DELETE", "/networks/{network_id}/cities/{city_id}", "city", admins(204), note="the city leaves"),

    # Companies, facilities, commitments, API clients.
    Row("GET", "/companies/{company_id}", "company", PUBLIC),
    Row("PATCH", "/companies/{company_id}", "company", editors(200), lambda w: {"name": "Acme Renamed"}),
    Row("POST", "/companies/{company_id}/facilities", "company", editors(201),
        lambda w: {"name": "Depot", "latitude": 45.77, "longitude": 4.84}),
    Row("GET", "/companies/{company_id}/facilities", "company", PUBLIC),
    Row("GET", "/companies/{company_id}/commitments", "company", PUBLIC),
    Row("PUT", "/companies/{company_id}/commitments", "company", editors(200), lambda w: {
        "targets": [{"base_year": 2020, "target_year": 2030, "reduction_pct": 42, "scopes": [1, 2]}],
        "sbti_status": "committed"}),
    Row("GET", "/companies/{company_id}/matches", "company", MEMBERS),
    Row("POST", "/companies/{company_id}/api-clients", "company", admins(201), lambda w: {"name": "ERP"}),
    Row("DELETE", "/companies/{company_id}/api-clients/{client_id}", "company", admins(204)),
    Row("GET", "/companies/{company_id}/badges", "company", PUBLIC),

    # Reports and their verification.
    Row("POST", "/companies/{company_id}/reports", "company", editors(201), lambda w: REPORT | {"reporting_year": 2024}),
    Row("GET", "/companies/{company_id}/reports", "company", PUBLIC),
    # No id in the path: a row for a company the caller does not edit is a bad row (422), per API.md.
    Row("POST", "/reports/import", "company", statuses(201, 201, 422, 422, 401, 201), import_csv),
    Row("GET", "/reports/{report_id:uuid}", "company", PUBLIC),
    Row("PATCH", "/reports/{report_id:uuid}", "company", NOT_ALLOWED, lambda w: {"scope1_tco2e": 1.0}),
    Row("PUT", "/reports/{report_id:uuid}", "company", NOT_ALLOWED, lambda w: REPORT),
    Row("POST", "/reports/{report_id:uuid}/restatements", "company", editors(201),
        lambda w: REPORT | {"reason": "late invoices"}),
    Row("GET", "/reports/{report_id:uuid}/history", "company", PUBLIC),
    Row("GET", "/reports/{report_id:uuid}/integrity", "company", PUBLIC),
    Row("GET", "/reports/{report_id:uuid}/flags", "company", PUBLIC),
    Row("POST", "/reports/{report_id:uuid}/verification-requests", "company", editors(201),
        lambda w: {"verifier_id": w["verifier2"]}),
    # Platform administrators hold admin rights in every organisation, so they may decide in a
    # verifier's name when they name it; without a name, the verifier is found by membership.
    Row("POST", "/reports/{report_id:uuid}/verifications", "verifier", editors(201),
        lambda w: DECISION | {"verifier_id": w["verifier"]}),
    Row("POST", "/reports/{report_id:uuid}/verifications", "verifier", statuses(201, 201, 403, 403, 401, 403),
        lambda w: DECISION, note="verifier unnamed"),

    # Verifiers: accreditation is for platform administrators only.
    Row("GET", "/verifiers/{verifier_id}", "verifier", PUBLIC),
    Row("PATCH", "/verifiers/{verifier_id}", "verifier", editors(200), lambda w: {"accreditation_body": "COFRAC"}),
    Row("PATCH", "/verifiers/{verifier_id}", "verifier", statuses(403, 403, 403, 403, 401, 200),
        lambda w: {"accredited": False}, note="accreditation"),
    Row("GET", "/verifiers/{verifier_id}/queue", "verifier", MEMBERS),

    # Networks.
    Row("GET", "/networks/{network_id}", "network", PUBLIC),
    Row("GET", "/networks/{network_id}/cities", "network", PUBLIC),
    Row("GET", "/networks/{network_id}/progress", "network", PUBLIC),
    Row("GET", "/networks/{network_id}/export.csv", "network", PUBLIC),

    # Joint projects.
    Row("POST", "/projects", "city", editors(201), lambda w: {
        "city_id": w["city"], "title": "Bike lanes", "action_ids": [w["action"]], "expected_reduction_tco2e": 50.0}),
    Row("GET", "/projects/{project_id}", "city", PUBLIC),
    Row("PATCH", "/projects/{project_id}", "city", editors(200), lambda w: {"title": "District heating, phase 2"}),
    Row("GET", "/projects/{project_id}/history", "city", PUBLIC),
    Row("POST", "/projects/{project_id}/participants", "city", editors(201),
        lambda w: {"company_id": w["company2"], "role": "funder", "funding_amount": 100_000, "currency": "EUR"}),
    Row("POST", "/projects/{project_id}/participants/{company_id}/accept", "company", editors(200)),
    Row("POST", "/projects/{project_id}/participants/{company_id}/decline", "company", editors(200)),
    Row("POST", "/projects/{project_id}/milestones", "city", editors(201),
        lambda w: {"title": "Permits granted", "due_date": "2025-03-01"}),
    Row("GET", "/projects/{project_id}/milestones", "city", PUBLIC),
    Row("PATCH", "/projects/{project_id}/milestones/{milestone_id}", "city", editors(200),
        lambda w: {"done_date": "2025-02-20"}),
    Row("POST", "/projects/{project_id}/outcomes", "city", editors(201), lambda w: {
        "period_start": "2024-07-01", "period_end": "2024-12-31", "reduction_tco2e": 40.0, "method": "metered heat"}),
    Row("GET", "/projects/{project_id}/outcomes", "city", PUBLIC),
    Row("POST", "/projects/{project_id}/outcomes/{outcome_id}/verification", "verifier", editors(201),
        lambda w: DECISION | {"verifier_id": w["verifier"]}),
    # Unlike a report, an outcome needs no request: any accredited verifier without a conflict of
    # interest decides on it, the other one too, for itself.
    Row("POST", "/projects/{project_id}/outcomes/{outcome_id}/verification", "verifier",
        statuses(201, 201, 403, 201, 401, 403), lambda w: DECISION, note="verifier unnamed"),
    Row("POST", "/projects/{project_id}/disclosures", "city", editors(201),
        lambda w: {"statement": "A deputy mayor sits on the board of a bidder."}),
    Row("POST", "/projects/{project_id}/disclosures", "company", editors(201),
        lambda w: {"company_id": w["company"], "statement": "We supply the boilers."}, note="for the company"),
    Row("GET", "/projects/{project_id}/disclosures", "city", PUBLIC),
    Row("GET", "/projects/{project_id}/governance", "city", PUBLIC),
    Row("POST", "/projects/{project_id}/support", "city", signed_in(201)),
    Row("POST", "/projects/{project_id}/comments", "city", signed_in(201), lambda w: {"body": "Count me in."}),
    Row("GET", "/projects/{project_id}/comments", "city", PUBLIC),
    Row("POST", "/projects/{project_id}/comments/{comment_id}/hide", "city", admins(200), lambda w: {"reason": "abusive"}),

    # Badges.
    Row("GET", "/badges/{assertion_id}", "company", PUBLIC),
    Row("GET", "/badges/{assertion_id}.svg", "company", PUBLIC),
    Row("GET", "/badges/{assertion_id}/credential.jwt", "company", PUBLIC),
    Row("GET", "/badges/{assertion_id}/verify", "company", PUBLIC),

    # Crossed ids: another organisation reaches for an object of the owner through its own parent.
    Row("PATCH", "/organizations/{org_id}/members/{user_id}", "city", CROSSED, lambda w: {"role": "editor"},
        fill={"org_id": "city2"}, note="crossed"),
    Row("DELETE", "/organizations/{org_id}/members/{user_id}", "city", CROSSED, fill={"org_id": "city2"}, note="crossed"),
    Row("PATCH", "/cities/{city_id}/plan/actions/{action_id}", "city", CROSSED, lambda w: {"status": "done"},
        fill={"city_id": "city2"}, note="crossed"),
    Row("DELETE", "/companies/{company_id}/api-clients/{client_id}", "company", CROSSED,
        fill={"company_id": "company2"}, note="crossed"),
    Row("DELETE", "/networks/{network_id}/cities/{city_id}", "network", CROSSED,
        fill={"network_id": "network2"}, note="crossed"),
    Row("PATCH", "/projects/{project_id}/milestones/{milestone_id}", "city", CROSSED,
        lambda w: {"done_date": "2025-02-20"}, fill={"project_id": "project2"}, note="crossed"),
    Row("POST", "/projects/{project_id}/comments/{comment_id}/hide", "city", CROSSED, lambda w: {"reason": "abusive"},
        fill={"project_id": "project2"}, note="crossed"),
    # The outcome, or the invitation, is looked up under the project before anything else.
    Row("POST", "/projects/{project_id}/outcomes/{outcome_id}/verification", "verifier",
        statuses(404, 404, 404, 404, 401, 404), lambda w: DECISION | {"verifier_id": w["verifier"]},
        fill={"project_id": "project2"}, note="crossed"),
    Row("POST", "/projects/{project_id}/participants/{company_id}/accept", "company",
        statuses(404, 404, 404, 404, 401, 404), fill={"project_id": "project2"}, note="crossed"),
]


# The world -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    headers: dict[str, str]
    # The organisations whose private data the caller may read; None: all of them.
    reads: frozenset[str] | None


@dataclass
class World:
    ids: Ids
    callers: dict[tuple[str, str], Caller]
    # What only the members of each organisation may read.
    secrets: dict[str, list[str]]

    def url(self, row: Row) -> str:
        fill = FILL | row.fill
        return API_PREFIX + re.sub(r"\{(\w+)(:\w+)?\}", lambda m: self.ids[fill[m[1]]], row.path)

    def leaked(self, owner: str, caller: str, text: str) -> list[str]:
        reads = self.callers[owner, caller].reads
        if reads is None:
            return []
        return [secret for org, found in self.secrets.items() if org not in reads for secret in found if secret in text]


async def build_world(session: AsyncSession) -> World:
    """Every kind of organisation with an admin, an editor and a viewer, and another of each kind
    with its admin; the objects every route needs."""
    people: dict[str, dict[str, User]] = {}

    async def person(org: str, role: str) -> User:
        user = await make_user(session, email=f"{org}-{role}-{uuid.uuid4().hex[:8]}@example.org")
        people.setdefault(org, {})[role] = user
        return user

    async def staff(org: str, organization: Any) -> None:
        for role in (Role.EDITOR, Role.VIEWER):
            await add_member(session, organization, await person(org, role.value), role)

    city_admin = await person("city", "admin")
    city = await make_city(session, creator=city_admin)
    await staff("city", city)
    member = await person("city", "member")
    await add_member(session, city, member, Role.VIEWER)
    action = await make_action(session, city, actor=city_admin)
    await cities.add_inventory(session, city=city, data=InventoryCreate(year=2022, sectors=SECTORS), actor=city_admin)
    # A neighbour with the same staff and a draft plan: its members see the draft, nobody else.
    draft_city = await make_city(session, creator=city_admin, name="Villeurbanne", population=150_000,
                                 latitude=45.7719, longitude=4.8902, radius_km=10)
    for role in ("editor", "viewer"):
        await add_member(session, draft_city, people["city"][role], Role(role))
    draft = {"title": "Draft plan 5f1c", "baseline_emissions_tco2e": 7654321.0, "status": "draft"}
    await cities.put_plan(session, city=draft_city, data=PlanWrite(**(PLAN | draft)), actor=city_admin)
    draft_action = await make_action(session, draft_city, actor=city_admin, title="Draft action 9b2e")
    city2_admin = await person("city2", "admin")
    city2 = await make_city(session, creator=city2_admin, name="Grenoble", latitude=45.1885, longitude=5.7245)

    company_admin = await person("company", "admin")
    company = await make_company(session, creator=company_admin)
    await staff("company", company)
    await make_facility(session, company, actor=company_admin)
    report = await make_report(session, company, actor=company_admin)
    company2 = await make_company(session, creator=await person("company2", "admin"), name="Rival Corp")
    keys = {"company": new_token(API_KEY_PREFIX), "company2": new_token(API_KEY_PREFIX)}
    api_client = ApiClient(company_id=company.id, name="ERP", key_hash=token_digest(keys["company"]))
    session.add_all([api_client, ApiClient(company_id=company2.id, name="ERP", key_hash=token_digest(keys["company2"]))])

    verifier = await make_verifier(session, creator=await person("verifier", "admin"))
    await staff("verifier", verifier)
    verifier2 = await make_verifier(session, creator=await person("verifier2", "admin"), name="Other Assurance")
    await verification.request_verification(session, report=report, verifier_id=verifier.id, actor=Actor(user=company_admin))

    network_admin = await person("network", "admin")
    network = await networks.create_network(session, data=NetworkCreate(name="Cities for Climate", acronym="CFC"),
                                            actor=network_admin)
    await staff("network", network)
    network2 = await networks.create_network(session, data=NetworkCreate(name="Other Network", acronym="ON"),
                                             actor=await person("network2", "admin"))
    for member_city in (city, draft_city):
        await networks.join(session, network=network, city=member_city, actor=city_admin)

    project = await make_project(session, city, actor=city_admin, action_ids=[action.id])
    await set_project_status(session, project, "active", actor=city_admin)
    await add_participant(session, project, company, actor=city_admin)
    milestone = await projects.add_milestone(
        session, project=project, data=MilestoneCreate(title="Tender", due_date=date(2024, 9, 1)), actor=city_admin)
    outcome = await reporting.add_outcome(session, project=project, data=OutcomeCreate(
        period_start=date(2024, 1, 1), period_end=date(2024, 6, 30), reduction_tco2e=25.0, method="metered heat"),
        actor=city_admin)
    project2 = await make_project(session, city2, actor=city2_admin, title="Tramway")
    resident = await make_user(session, display_name="Resident")
    comment = await voice.add_comment(session, project=project, data=CommentCreate(body="Long overdue."), actor=resident)
    badge = await session.scalar(select(BadgeAssertion.id).where(BadgeAssertion.company_id == company.id).limit(1))
    newcomer = await make_user(session)
    platform = await make_user(session, is_platform_admin=True)
    await session.flush()

    ids = {
        "city": city.id, "draft_city": draft_city.id, "city2": city2.id, "action": action.id,
        "draft_action": draft_action.id, "year": 2022, "member": member.id, "company": company.id,
        "company2": company2.id, "report": report.id, "api_client": api_client.id, "badge": badge,
        "verifier": verifier.id, "verifier2": verifier2.id, "network": network.id, "network2": network2.id,
        "project": project.id, "project2": project2.id, "milestone": milestone.id, "outcome": outcome.id, "comment": comment.id,
        "newcomer_email": newcomer.email,
    }
    callers = {(owner, "anonymous"): Caller({}, frozenset()) for owner in OWNERS}
    callers |= {(owner, "platform"): Caller(await auth_headers(session, platform), None) for owner in OWNERS}
    for owner in OWNERS:
        for role in ("admin", "editor", "viewer"):
            callers[owner, role] = Caller(await auth_headers(session, people[owner][role]), frozenset({owner}))
        callers[owner, "other"] = Caller(await auth_headers(session, people[f"{owner}2"]["admin"]), frozenset({f"{owner}2"}))
    secrets = {org: [user.email for user in staff_of.values()] for org, staff_of in people.items()}
    secrets["city"] += [draft["title"], "7654321", draft_action.title]
    callers |= {(owner, "key"): Caller({"Authorization": f"Bearer {keys[owner]}"}, frozenset({owner})) for owner in keys}
    return World({name: str(value) for name, value in ids.items()}, callers, secrets)


@pytest.fixture(scope="module")
async def world_on(database: DatabaseUnderTest) -> AsyncIterator[tuple[AsyncConnection, World]]:
    """The world, built once in a transaction that is rolled back after the module."""
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as setup:
            world = await build_world(setup)
            await setup.commit()
        yield connection, world
        await transaction.rollback()


@pytest.fixture
def world(world_on: tuple[AsyncConnection, World]) -> World:
    return world_on[1]


@pytest.fixture
async def session(world_on: tuple[AsyncConnection, World]) -> AsyncIterator[AsyncSession]:
    """The requests' session (see the `client` fixture), inside a savepoint rolled back after each case."""
    connection, _ = world_on
    savepoint = await connection.begin_nested()
    async with AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as case:
        yield case
    await savepoint.rollback()


# The tests -------------------------------------------------------------------------------------

def api_routes() -> set[tuple[str, str]]:
    return {(method, route.path) for router in API_ROUTERS for route in router.routes
            if isinstance(route, APIRoute) for method in route.methods}


def test_every_object_route_has_a_row() -> None:
    rows = {(row.method, row.path) for row in MATRIX}
    missing = sorted(f"{method} {path}" for method, path in api_routes() if "{" in path and (method, path) not in rows)
    assert missing == [], "routes with an object id and no row in the authorisation matrix"
    gone = sorted(f"{row.method} {row.path}" for row in MATRIX
                  if (row.method, row.path) not in api_routes() and row.expected != NOT_ALLOWED)
    assert gone == [], "rows for routes the API no longer has"


CASES = [(row, caller) for row in MATRIX for caller in CALLERS]


def case_id(row: Row, caller: str) -> str:
    return f"{row.method} {row.path}{f' ({row.note})' if row.note else ''} by {caller}"


async def call(client: httpx.AsyncClient, world: World, row: Row, owner: str, caller: str, expected: int) -> None:
    body = row.body(world.ids) if row.body else None
    send: dict[str, Any] = {"files": {"file": ("reports.csv", body, "text/csv")}} if isinstance(body, bytes) else {"json": body}
    response = await client.request(row.method, world.url(row), headers=world.callers[owner, caller].headers, **send)
    assert response.status_code == expected, response.text[:500]
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    assert world.leaked(owner, caller, response.text) == []


@pytest.mark.parametrize(("row", "caller"), CASES, ids=[case_id(row, caller) for row, caller in CASES])
async def test_each_caller_gets_the_status_the_contract_sets(
    client: httpx.AsyncClient, world: World, row: Row, caller: str
) -> None:
    await call(client, world, row, row.owner, caller, row.expected[caller])


# A company's API client key is a bearer token for that company's reports only; every other
# protected call refuses it as it refuses any token it does not know.
KEY_WRITES = {("POST", "/companies/{company_id}/reports"), ("POST", "/reports/{report_id:uuid}/restatements"),
              ("POST", "/reports/{report_id:uuid}/verification-requests")}
KEY_CASES = [
    (row, company, (row.expected["editor"] if company == "company" else 403) if (row.method, row.path) in KEY_WRITES else 401)
    for row in MATRIX if row.expected["anonymous"] == 401 for company in ("company", "company2")
]


@pytest.mark.parametrize(("row", "company", "expected"), KEY_CASES,
                         ids=[case_id(row, f"the key of {'the' if company == 'company' else 'another'} company")
                              for row, company, _ in KEY_CASES])
async def test_api_client_keys_write_their_own_company_reports_only(
    client: httpx.AsyncClient, world: World, row: Row, company: str, expected: int
) -> None:
    await call(client, world, row, company, "key", expected)
