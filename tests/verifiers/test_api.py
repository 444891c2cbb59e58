"""Verifier organisations: anyone registers one, only platform administrators accredit."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.auth import share_a_member
from app.identity.models import OrgKind, Role
from tests.factories import add_member, auth_headers, make_organization, make_user

API = "/api/v1"


async def test_accreditation_is_for_platform_admins(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await make_user(session)
    headers = await auth_headers(session, owner)
    created = await client.post(f"{API}/verifiers", json={"name": "Bureau Audit", "accreditation_body": "COFRAC"}, headers=headers)
    assert created.status_code == 201 and created.json()["accredited"] is False
    url = f"{API}/verifiers/{created.json()['id']}"
    self_accredited = await client.patch(url, json={"accredited": True}, headers=headers)
    assert self_accredited.status_code == 403
    renamed = await client.patch(url, json={"name": "Bureau Audit SA"}, headers=headers)
    assert renamed.status_code == 200

    operator = await make_user(session, is_platform_admin=True)
    accredited = await client.patch(url, json={"accredited": True}, headers=await auth_headers(session, operator))
    assert accredited.status_code == 200
    assert accredited.json()["accredited"] is True and accredited.json()["accredited_at"]
    public = (await client.get(url)).json()
    assert public["name"] == "Bureau Audit SA" and public["accredited"] is True
    listed = (await client.get(f"{API}/verifiers", params={"accredited": True})).json()["items"]
    assert [v["name"] for v in listed] == ["Bureau Audit SA"]
    outsider = await auth_headers(session, await make_user(session))
    assert (await client.patch(url, json={"name": "Hijack"}, headers=outsider)).status_code == 403


async def test_shared_members_are_detected(session: AsyncSession) -> None:
    verifier = await make_organization(session, kind=OrgKind.VERIFIER, name="V")
    company = await make_organization(session, kind=OrgKind.COMPANY, name="C")
    assert not await share_a_member(session, verifier.id, company.id)
    both = await make_user(session)
    await add_member(session, verifier, both, Role.VIEWER)
    await add_member(session, company, both, Role.EDITOR)
    assert await share_a_member(session, verifier.id, company.id)
    assert await share_a_member(session, company.id, verifier.id)
