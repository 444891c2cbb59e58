"""Badge test helpers: a throw-away issuer key, and company facts set by the test."""

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest

from app.badges import service
from app.badges.rules import CompanyFacts, Digest, ProjectFact, ReportFact


@pytest.fixture
def facts_of(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[uuid.UUID, CompanyFacts]]:
    """Facts the test states for a company, in place of those gathered from the database."""
    stated: dict[uuid.UUID, CompanyFacts] = {}
    gather, standings = service.gather_many, service.standings

    async def gather_many(session, company_ids, digests=None):  # type: ignore[no-untyped-def]
        found = await gather(session, [c for c in company_ids if c not in stated], digests)
        return found | {c: stated[c] for c in company_ids if c in stated}

    async def stated_standings(session, company_ids):  # type: ignore[no-untyped-def]
        # The database knows nothing of stated facts: their digest is the stated facts' own.
        found = await standings(session, company_ids)
        return found | {c: replace(found[c], digest=Digest.of(stated[c])) for c in found if c in stated}

    monkeypatch.setattr(service, "gather_many", gather_many)
    monkeypatch.setattr(service, "standings", stated_standings)
    yield stated


def report(year: int, total: float, *, verified: bool = False, version: int = 1) -> ReportFact:
    return ReportFact(
        report_id=str(uuid.uuid4()), year=year, version=version, total_tco2e=total,
        verification_id=str(uuid.uuid4()) if verified else None,
    )


def project(status: str = "active", title: str = "District heating") -> ProjectFact:
    return ProjectFact(project_id=str(uuid.uuid4()), title=title, status=status)


LEADER = CompanyFacts(
    reports=(report(2022, 1000.0, verified=True), report(2023, 850.0, verified=True)),
    projects=(project("completed"),), has_target=True, sbti_status="validated",
)
