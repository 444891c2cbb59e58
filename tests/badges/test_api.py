"""The badge API, on every database: classes, awards, credentials, the JWT, verification, images."""

import uuid
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges import service
from app.badges.models import BadgeAssertion
from app.badges.rules import BadgeClassId, CompanyFacts
from tests.badges.conftest import LEADER, report
from tests.factories import lift_append_only_guard, make_company


async def award(session: AsyncSession, facts: CompanyFacts, facts_of: dict[uuid.UUID, CompanyFacts], **company: Any) -> dict[str, BadgeAssertion]:
    """A company holding what `facts` earn; its assertions by class."""
    created = await make_company(session, **company)
    facts_of[created.id] = facts
    await service.reconcile_badges(session, company_id=created.id, reason="set up")
    return {a.badge_class.value: a for a in await service.standing_badges(session, created.id)}


async def test_badge_classes_are_listed_with_their_criteria(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/badge-classes")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert {c["id"] for c in body["items"]} == {c.value for c in BadgeClassId}
    for item in body["items"]:
        assert set(item) == {"id", "name", "criteria", "criteria_version"} and item["criteria"]


async def test_badge_classes_page_with_limit_and_cursor(client: httpx.AsyncClient) -> None:
    seen, cursor = [], None
    while True:
        response = await client.get("/api/v1/badge-classes", params={"limit": 4} | ({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200
        seen += [c["id"] for c in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and len(set(seen)) == 6
    for params in ({"limit": 0}, {"limit": 201}, {"cursor": "nonsense"}):
        response = await client.get("/api/v1/badge-classes", params=params)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


async def test_a_company_lists_its_badges_standing_and_revoked(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    held = await award(session, LEADER, facts_of)
    company_id = held["climate_leader"].company_id
    facts_of[company_id] = CompanyFacts(**(LEADER.__dict__ | {"projects": ()}))
    await service.reconcile_badges(session, company_id=company_id, reason="Project cancelled.")

    response = await client.get(f"/api/v1/companies/{company_id}/badges")
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 6
    for item in items:
        assert {"assertion_id", "badge_class", "issued_on", "revoked", "revocation_reason", "evidence"} <= set(item)
    revoked = {i["badge_class"]: i["revocation_reason"] for i in items if i["revoked"]}
    assert revoked == {"project_partner": "Project cancelled.", "climate_leader": "Project cancelled."}
    leader = next(i for i in items if i["badge_class"] == "climate_leader")
    assert [e["kind"] for e in leader["evidence"]] == ["verification", "project", "verification", "reduction"]

    page = await client.get(f"/api/v1/companies/{company_id}/badges", params={"limit": 4})
    rest = await client.get(f"/api/v1/companies/{company_id}/badges", params={"cursor": page.json()["next_cursor"]})
    assert [i["assertion_id"] for i in page.json()["items"] + rest.json()["items"]] == [i["assertion_id"] for i in items]


async def test_unknown_and_malformed_ids(client: httpx.AsyncClient) -> None:
    unknown = uuid.uuid4()
    for path in (f"/companies/{unknown}/badges", f"/badges/{unknown}", f"/badges/{unknown}.svg",
                 f"/badges/{unknown}/credential.jwt", f"/badges/{unknown}/verify"):
        response = await client.get("/api/v1" + path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    for path in ("/companies/nope/badges", "/badges/nope", "/badges/nope.svg", "/badges/nope/credential.jwt",
                 "/badges/nope/verify", "/badges/%20.svg"):
        assert (await client.get("/api/v1" + path)).status_code == 422, path


async def test_the_credential_as_signed_with_its_status_beside_it(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    assertion = (await award(session, CompanyFacts(has_target=True), facts_of, name="Acme"))["target_setter"]
    response = await client.get(f"/api/v1/badges/{assertion.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["revoked"] is False and body["revocation_reason"] is None
    credential = {k: v for k, v in body.items() if k not in ("revoked", "revocation_reason")}
    assert credential == assertion.credential
    assert body["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert body["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert body["id"].endswith(f"/api/v1/badges/{assertion.id}")
    assert body["credentialSubject"]["id"].endswith(f"/companies/{assertion.company_id}")
    assert body["credentialStatus"]["id"] == body["id"] + "/verify"


async def test_the_jwt_is_served_as_application_jwt(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    assertion = (await award(session, CompanyFacts(has_target=True), facts_of))["target_setter"]
    response = await client.get(f"/api/v1/badges/{assertion.id}/credential.jwt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jwt"
    assert response.text == assertion.jwt and response.text.count(".") == 2


async def test_verify_a_standing_a_revoked_and_tampered_badges(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    held = await award(session, CompanyFacts(has_target=True, reports=(report(2023, 10.0),)), facts_of)
    standing, disclosed = held["target_setter"], held["disclosed"]
    body = (await client.get(f"/api/v1/badges/{standing.id}/verify")).json()
    assert body | {"checked_at": None} == {"valid": True, "revoked": False, "reason": None, "signature_valid": True,
                                           "issuer": body["issuer"], "checked_at": None}
    assert body["issuer"].endswith("/.well-known/citypact-issuer.json")

    facts_of[standing.company_id] = CompanyFacts(reports=(report(2023, 10.0),))
    await service.reconcile_badges(session, company_id=standing.company_id, reason="Targets withdrawn.")
    body = (await client.get(f"/api/v1/badges/{standing.id}/verify")).json()
    assert (body["valid"], body["revoked"], body["reason"], body["signature_valid"]) == (False, True, "Targets withdrawn.", True)

    # Someone with the database owner's rights changes the stored credential: the signature no longer covers it.
    await lift_append_only_guard(session, "badge_assertion")
    forged = disclosed.credential | {"name": "Climate leader: Acme"}
    await session.execute(update(BadgeAssertion).where(BadgeAssertion.id == disclosed.id).values(credential=forged))
    body = (await client.get(f"/api/v1/badges/{disclosed.id}/verify")).json()
    assert body["valid"] is False and body["signature_valid"] is False and "signature" in body["reason"]

    # …or the stored JWT.
    header, payload, signature = disclosed.jwt.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}"
    await session.execute(update(BadgeAssertion).where(BadgeAssertion.id == disclosed.id).values(
        credential=disclosed.credential, jwt=tampered))
    body = (await client.get(f"/api/v1/badges/{disclosed.id}/verify")).json()
    assert body["valid"] is False and body["signature_valid"] is False


async def test_another_badge_s_signed_pair_does_not_verify_here(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    held = await award(session, CompanyFacts(has_target=True, reports=(report(2023, 10.0),)), facts_of)
    one, other = held["target_setter"], held["disclosed"]
    await lift_append_only_guard(session, "badge_assertion")
    await session.execute(update(BadgeAssertion).where(BadgeAssertion.id == one.id).values(
        credential=other.credential, jwt=other.jwt))
    body = (await client.get(f"/api/v1/badges/{one.id}/verify")).json()
    assert body["valid"] is False and body["signature_valid"] is False


async def test_the_image_names_the_badge_the_company_and_the_year(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    held = await award(session, CompanyFacts(has_target=True), facts_of, name="<script>alert(1)</script> & Sons")
    assertion = held["target_setter"]
    response = await client.get(f"/api/v1/badges/{assertion.id}.svg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert response.headers["cache-control"] == "no-cache"
    assert "Target setter" in response.text and str(assertion.issued_on.year) in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in response.text and "<script>" not in response.text
    assert "Revoked" not in response.text

    facts_of[assertion.company_id] = CompanyFacts()
    await service.reconcile_badges(session, company_id=assertion.company_id, reason="withdrawn")
    response = await client.get(f"/api/v1/badges/{assertion.id}.svg")
    assert "Revoked" in response.text


async def test_the_issuer_profile_at_the_site_root(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/citypact-issuer.json")
    assert response.status_code == 200
    body = response.json()
    assert body["id"].endswith("/.well-known/citypact-issuer.json") and body["name"] == "Citypact"
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert body["public_key_jwk"]["kty"] == "OKP" and body["public_key_jwk"]["crv"] == "Ed25519"
    assert "d" not in body["public_key_jwk"]
    assert (await client.get("/api/v1/.well-known/citypact-issuer.json")).status_code == 404
