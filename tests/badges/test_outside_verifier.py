"""An outside party checks a badge offline, as any Open Badges 3.0 verifier would.

Only PyJWT and cryptography do the checking: the issuer's public key comes from the published
issuer profile, the token from the API; no project code is involved beyond setting the badge up.
"""

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges import service
from app.badges.rules import CompanyFacts
from tests.factories import make_company


async def test_a_badge_verifies_with_nothing_but_the_issuer_s_public_key(
    session: AsyncSession, client: httpx.AsyncClient, facts_of  # type: ignore[no-untyped-def]
) -> None:
    company = await make_company(session)
    facts_of[company.id] = CompanyFacts(has_target=True)
    await service.reconcile_badges(session, company_id=company.id, reason="set up")
    [badge] = (await client.get(f"/api/v1/companies/{company.id}/badges")).json()["items"]

    # From here on, an outsider: two downloads, then the libraries.
    issuer = (await client.get("/.well-known/citypact-issuer.json")).json()
    token = (await client.get(f"/api/v1/badges/{badge['assertion_id']}/credential.jwt")).text

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT" and header["kid"].startswith(issuer["id"] + "#")
    assert header["kid"].endswith("#" + issuer["public_key_jwk"]["kid"])
    by_pem = jwt.decode(token, load_pem_public_key(issuer["public_key_pem"].encode()), algorithms=["EdDSA"],
                        issuer=issuer["id"], options={"require": ["iss", "nbf", "sub", "jti"]})
    by_jwk = jwt.decode(token, jwt.PyJWK(issuer["public_key_jwk"]).key, algorithms=["EdDSA"], issuer=issuer["id"])
    assert by_pem == by_jwk

    assert by_pem["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert by_pem["issuer"]["id"] == by_pem["iss"] == issuer["id"]
    assert by_pem["jti"] == by_pem["id"] and by_pem["sub"] == by_pem["credentialSubject"]["id"]
    assert by_pem["credentialSubject"]["achievement"]["name"] == "Target setter"

    # The credential served as JSON is exactly the signed payload, less the registered claims.
    served = (await client.get(f"/api/v1/badges/{badge['assertion_id']}")).json()
    signed = {k: v for k, v in by_pem.items() if k not in ("iss", "nbf", "sub", "jti")}
    assert {k: v for k, v in served.items() if k not in ("revoked", "revocation_reason")} == signed

    # Another key, or no signature at all, is refused by the same libraries.
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, Ed25519PrivateKey.generate().public_key(), algorithms=["EdDSA"])
    unsigned = jwt.encode(by_pem, None, algorithm="none")
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(unsigned, load_pem_public_key(issuer["public_key_pem"].encode()), algorithms=["EdDSA"])
