"""Badge classes and their criteria: pure functions of a company's facts, no database."""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# An evidence item: what an award rests on, JSON-ready (`kind` plus the ids and figures it names).
Evidence = dict[str, Any]

# The smallest verified year-on-year cut that earns `reduction_achiever`, in percent.
REDUCTION_THRESHOLD_PCT = 10.0
# The SBTi statuses that count as a target.
SBTI_TARGETS = ("committed", "validated")


class BadgeClassId(StrEnum):
    DISCLOSED = "disclosed"
    VERIFIED_REPORTER = "verified_reporter"
    PROJECT_PARTNER = "project_partner"
    REDUCTION_ACHIEVER = "reduction_achiever"
    TARGET_SETTER = "target_setter"
    CLIMATE_LEADER = "climate_leader"


@dataclass(frozen=True)
class ReportFact:
    """The current version of one of the company's reports."""

    report_id: str
    year: int
    version: int
    total_tco2e: float
    # The verification of the current version, when it was verified.
    verification_id: str | None = None


@dataclass(frozen=True)
class ProjectFact:
    """A project, active or completed, in which the company accepted its place."""

    project_id: str
    title: str
    status: str


@dataclass(frozen=True)
class CompanyFacts:
    reports: tuple[ReportFact, ...] = ()
    projects: tuple[ProjectFact, ...] = ()
    has_target: bool = False
    sbti_status: str = "none"

    @property
    def submitted_years(self) -> list[int]:
        return sorted({r.year for r in self.reports})

    @property
    def verified_by_year(self) -> dict[int, ReportFact]:
        return {r.year: r for r in sorted(self.reports, key=lambda r: r.year) if r.verification_id}


def reduction_pct(before: float, after: float) -> float | None:
    """The cut from `before` to `after` in percent; None when there was nothing to cut."""
    if before <= 0:
        return None
    # Rounded so that 100 → 90 counts as exactly 10 % despite binary floating point.
    return round((before - after) / before * 100, 6)


def _report(r: ReportFact) -> Evidence:
    return {"kind": "report_version", "report_id": r.report_id, "year": r.year, "version": r.version,
            "narrative": f"Emissions report for {r.year}, version {r.version}, submitted."}


def _verification(r: ReportFact) -> Evidence:
    return {"kind": "verification", "verification_id": r.verification_id, "report_id": r.report_id, "year": r.year,
            "version": r.version, "total_tco2e": r.total_tco2e,
            "narrative": f"Report for {r.year}, version {r.version}, verified by an accredited verifier: "
                         f"{r.total_tco2e:,.1f} tCO2e."}


def _project(p: ProjectFact) -> Evidence:
    return {"kind": "project", "project_id": p.project_id, "title": p.title, "status": p.status,
            "narrative": f"Accepted partner in the {p.status} joint project {p.title!r}."}


def disclosed(facts: CompanyFacts) -> list[Evidence] | None:
    if not facts.reports:
        return None
    return [_report(max(facts.reports, key=lambda r: (r.year, r.version)))]


def verified_reporter(facts: CompanyFacts) -> list[Evidence] | None:
    verified = facts.verified_by_year
    return [_verification(verified[max(verified)])] if verified else None


def project_partner(facts: CompanyFacts) -> list[Evidence] | None:
    return [_project(p) for p in sorted(facts.projects, key=lambda p: p.project_id)] or None


def reduction_achiever(facts: CompanyFacts) -> list[Evidence] | None:
    # The latest verified year against the verified year before it: a later rise loses the badge.
    verified = facts.verified_by_year
    if len(verified) < 2:
        return None
    years = sorted(verified)
    latest, previous = verified[years[-1]], verified[years[-2]]
    cut = reduction_pct(previous.total_tco2e, latest.total_tco2e)
    if cut is None or cut < REDUCTION_THRESHOLD_PCT:
        return None
    reduction = {"kind": "reduction", "from_year": previous.year, "to_year": latest.year, "reduction_pct": cut,
                 "narrative": f"Verified emissions {cut:.1f} % lower in {latest.year} than in {previous.year}."}
    return [_verification(previous), _verification(latest), reduction]


def target_setter(facts: CompanyFacts) -> list[Evidence] | None:
    if not facts.has_target and facts.sbti_status not in SBTI_TARGETS:
        return None
    parts = (["a reduction target or a net-zero year"] if facts.has_target else []) + (
        [f"Science Based Targets initiative status {facts.sbti_status}"] if facts.sbti_status != "none" else [])
    return [{"kind": "commitment", "has_target": facts.has_target, "sbti_status": facts.sbti_status,
             "narrative": f"Public commitment: {' and '.join(parts)}."}]


def climate_leader(facts: CompanyFacts) -> list[Evidence] | None:
    parts = [verified_reporter(facts), project_partner(facts), reduction_achiever(facts)]
    if not all(parts):
        return None
    evidence: list[Evidence] = []
    for item in (e for part in parts for e in part or []):
        if item not in evidence:
            evidence.append(item)
    return evidence


@dataclass(frozen=True)
class BadgeClass:
    id: BadgeClassId
    name: str
    criteria: str
    # What a firm that does not hold the badge yet has to do; shown on its page.
    takes: str
    rule: Callable[[CompanyFacts], list[Evidence] | None] = field(repr=False)
    criteria_version: str = "1"


# In ladder order: the first steps are the ones any firm can take on its own.
BADGE_CLASSES: tuple[BadgeClass, ...] = (
    BadgeClass(BadgeClassId.TARGET_SETTER, "Target setter",
               "The company has set a public emissions reduction target or a net-zero year, or has committed to or "
               "been validated by the Science Based Targets initiative.",
               "State a reduction target, a net-zero year or an SBTi commitment.", target_setter),
    BadgeClass(BadgeClassId.DISCLOSED, "Disclosed",
               "The company has submitted an annual GHG Protocol emissions report for at least one year.",
               "Submit an emissions report for one year.", disclosed),
    BadgeClass(BadgeClassId.VERIFIED_REPORTER, "Verified reporter",
               "The current version of at least one of the company's emissions reports has been verified by an "
               "accredited third-party verifier.",
               "Have a report verified by an accredited verifier.", verified_reporter),
    BadgeClass(BadgeClassId.PROJECT_PARTNER, "Project partner",
               "The company has accepted a place in a joint mitigation project with a city that is active or "
               "completed.",
               "Accept an invitation to a city's joint project and see it through.", project_partner),
    BadgeClass(BadgeClassId.REDUCTION_ACHIEVER, "Reduction achiever",
               "The company's latest verified report shows total emissions at least 10 % lower than its previous "
               "verified year.",
               "Cut emissions by 10 % or more, verified, against your previous verified year.", reduction_achiever),
    BadgeClass(BadgeClassId.CLIMATE_LEADER, "Climate leader",
               "The company is at once a verified reporter, a project partner and a reduction achiever.",
               "Hold the verified reporter, project partner and reduction achiever badges together.", climate_leader),
)

BY_ID: dict[str, BadgeClass] = {b.id.value: b for b in BADGE_CLASSES}


def earned(facts: CompanyFacts) -> dict[BadgeClassId, list[Evidence]]:
    """Every badge class the facts earn, with the evidence each rests on."""
    result = {}
    for badge in BADGE_CLASSES:
        evidence = badge.rule(facts)
        if evidence:
            result[badge.id] = evidence
    return result


def read_reports(reports: tuple[ReportFact, ...]) -> tuple[ReportFact, ...]:
    """The reports the rules read: the latest and every verified one (the others change no award)."""
    if not reports:
        return ()
    latest = max(reports, key=lambda r: (r.year, r.version))
    return tuple(r for r in reports if r is latest or r.verification_id)


@dataclass(frozen=True)
class Digest:
    """A company's facts as far as they decide which badges it earns; not what the awards rest on."""

    reported: bool = False
    # The totals of the two latest verified years, the latest first; fewer when fewer are verified.
    verified_totals: tuple[float, ...] = ()
    partner: bool = False
    has_target: bool = False
    sbti_status: str = "none"

    @classmethod
    def of(cls, facts: CompanyFacts) -> "Digest":
        verified = facts.verified_by_year
        return cls(
            reported=bool(facts.reports),
            verified_totals=tuple(verified[year].total_tco2e for year in sorted(verified, reverse=True)[:2]),
            partner=bool(facts.projects), has_target=facts.has_target, sbti_status=facts.sbti_status,
        )


def earned_classes(digest: Digest) -> frozenset[BadgeClassId]:
    """The classes `earned` awards to facts with this digest (the tests hold the two to agree)."""
    totals = digest.verified_totals
    cut = reduction_pct(totals[1], totals[0]) if len(totals) > 1 else None
    reduction = cut is not None and cut >= REDUCTION_THRESHOLD_PCT
    holds = {
        BadgeClassId.TARGET_SETTER: digest.has_target or digest.sbti_status in SBTI_TARGETS,
        BadgeClassId.DISCLOSED: digest.reported,
        BadgeClassId.VERIFIED_REPORTER: bool(totals),
        BadgeClassId.PROJECT_PARTNER: digest.partner,
        BadgeClassId.REDUCTION_ACHIEVER: reduction,
        BadgeClassId.CLIMATE_LEADER: bool(totals) and digest.partner and reduction,
    }
    return frozenset(badge for badge, held in holds.items() if held)


@dataclass(frozen=True)
class Rung:
    badge: BadgeClass
    held: bool
    takes: str


def ladder(facts: CompanyFacts) -> list[Rung]:
    """Every badge in ladder order, whether the facts earn it and, if not, what it takes."""
    won = earned(facts)
    return [Rung(b, b.id in won, "" if b.id in won else _takes(b, facts)) for b in BADGE_CLASSES]


def next_within_reach(facts: CompanyFacts) -> Rung | None:
    return next((rung for rung in ladder(facts) if not rung.held), None)


def _takes(badge: BadgeClass, facts: CompanyFacts) -> str:
    verified = facts.verified_by_year
    if badge.id == BadgeClassId.REDUCTION_ACHIEVER and verified:
        latest = verified[max(verified)]
        goal = latest.total_tco2e * (1 - REDUCTION_THRESHOLD_PCT / 100)
        return f"Have a later year verified at {goal:,.1f} tCO2e or less (10 % below {latest.year})."
    return badge.takes
