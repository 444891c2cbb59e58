"""Badge test helpers: facts made up for a company."""

import uuid

from app.badges.rules import CompanyFacts, ProjectFact, ReportFact


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
