"""Open Badges 3.0 `OpenBadgeCredential` documents, the issuer profile and their addresses."""

import uuid
from datetime import datetime
from typing import Any

from app.badges.rules import BadgeClass, Evidence

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
ISSUER_NAME = "Citypact"
WELL_KNOWN_PATH = "/.well-known/citypact-issuer.json"


def issuer_id(base_url: str) -> str:
    """The issuer profile's id, which is also where it is published."""
    return base_url.rstrip("/") + WELL_KNOWN_PATH


def issuer_profile(base_url: str) -> dict[str, Any]:
    return {"id": issuer_id(base_url), "type": ["Profile"], "name": ISSUER_NAME, "url": base_url.rstrip("/") + "/"}


def credential_url(base_url: str, assertion_id: uuid.UUID) -> str:
    return f"{base_url.rstrip('/')}/api/v1/badges/{assertion_id}"


def achievement(base_url: str, badge: BadgeClass) -> dict[str, Any]:
    return {
        "id": f"{base_url.rstrip('/')}/api/v1/badge-classes#{badge.id.value}",
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": badge.name,
        "description": badge.criteria,
        "criteria": {"narrative": badge.criteria},
        "version": badge.criteria_version,
        "creator": issuer_profile(base_url),
    }


def _evidence_url(base_url: str, item: Evidence, company_id: uuid.UUID) -> str | None:
    base = base_url.rstrip("/")
    if "report_id" in item:
        return f"{base}/api/v1/reports/{item['report_id']}"
    if "project_id" in item:
        return f"{base}/projects/{item['project_id']}"
    if item.get("kind") == "commitment":
        return f"{base}/api/v1/companies/{company_id}/commitments"
    return None


def ob_evidence(base_url: str, item: Evidence, company_id: uuid.UUID) -> dict[str, Any]:
    """One evidence item as an Open Badges `Evidence` object."""
    entry: dict[str, Any] = {"type": ["Evidence"], "name": item["kind"].replace("_", " "), "narrative": item["narrative"]}
    url = _evidence_url(base_url, item, company_id)
    return ({"id": url} if url else {}) | entry


def build_credential(
    *, base_url: str, assertion_id: uuid.UUID, badge: BadgeClass, company_id: uuid.UUID, company_name: str,
    issued_on: datetime, evidence: list[Evidence],
) -> dict[str, Any]:
    """The unsigned credential; `signing.sign_credential` turns it into the VC-JWT."""
    url = credential_url(base_url, assertion_id)
    return {
        "@context": CONTEXTS,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{badge.name}: {company_name}",
        "issuer": issuer_profile(base_url),
        "validFrom": issued_on.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{base_url.rstrip('/')}/companies/{company_id}",
            "type": ["AchievementSubject"],
            "name": company_name,
            "achievement": achievement(base_url, badge),
        },
        "evidence": [ob_evidence(base_url, item, company_id) for item in evidence],
        # Revocation is checked live: the verify call answers the badge's current status.
        "credentialStatus": {"id": f"{url}/verify", "type": "CitypactBadgeStatus", "statusPurpose": "revocation"},
    }
