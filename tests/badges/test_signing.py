"""The issuer key and the VC-JWT: what signs, what verifies, what must fail."""

import base64
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.badges import rules, signing
from app.badges.credentials import CONTEXTS, build_credential
from app.db import new_id

ISSUER = "https://citypact.example.org/.well-known/citypact-issuer.json"


def credential() -> dict:  # type: ignore[type-arg]
    return build_credential(
        base_url="https://citypact.example.org", assertion_id=new_id(), badge=rules.BY_ID["target_setter"],
        company_id=new_id(), company_name="Acme <Industries> & Co", issued_on=datetime(2026, 3, 1, 12, tzinfo=UTC),
        evidence=[{"kind": "commitment", "narrative": "Public commitment."}],
    )


def test_the_key_is_created_on_first_use_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "issuer.pem"
    key = signing.private_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert signing.private_key(path) is key
    assert list(path.parent.iterdir()) == [path]


def test_an_existing_key_is_used_as_it_is(tmp_path: Path) -> None:
    first = signing.private_key(tmp_path / "a.pem")
    (tmp_path / "b.pem").write_bytes((tmp_path / "a.pem").read_bytes())
    second = signing.private_key(tmp_path / "b.pem")
    assert signing.public_pem(first.public_key()) == signing.public_pem(second.public_key())


def test_the_credential_is_an_open_badge_3() -> None:
    document = credential()
    assert document["@context"] == CONTEXTS
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["id"] == ISSUER and document["issuer"]["type"] == ["Profile"]
    subject = document["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["achievement"]["criteria"]["narrative"] == rules.BY_ID["target_setter"].criteria
    assert document["validFrom"] == "2026-03-01T12:00:00Z"
    assert document["evidence"][0]["type"] == ["Evidence"]
    assert document["credentialStatus"]["id"] == document["id"] + "/verify"


def test_the_jwt_carries_the_credential_and_the_registered_claims() -> None:
    key = Ed25519PrivateKey.generate()
    document = credential()
    token = signing.sign_credential(document, key=key, issuer_id=ISSUER)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT"
    assert header["kid"] == f"{ISSUER}#{signing.public_jwk(key.public_key())['kid']}"
    payload = jwt.decode(token, key.public_key(), algorithms=["EdDSA"], issuer=ISSUER)
    assert payload == document | {"iss": ISSUER, "nbf": 1772366400, "sub": document["credentialSubject"]["id"],
                                  "jti": document["id"]}
    assert signing.verified_credential(token, key=key.public_key(), issuer_id=ISSUER) == document


def _flip(part: str, index: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    raw[index] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_changing_any_byte_of_the_payload_or_the_signature_fails() -> None:
    key = Ed25519PrivateKey.generate()
    token = signing.sign_credential(credential(), key=key, issuer_id=ISSUER)
    header, payload, signature = token.split(".")
    payload_bytes = len(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for index in range(payload_bytes):
        with pytest.raises(jwt.PyJWTError):
            signing.verified_credential(f"{header}.{_flip(payload, index)}.{signature}", key=key.public_key(), issuer_id=ISSUER)
    for index in range(64):
        with pytest.raises(jwt.PyJWTError):
            signing.verified_credential(f"{header}.{payload}.{_flip(signature, index)}", key=key.public_key(), issuer_id=ISSUER)


def test_alg_none_and_another_key_fail() -> None:
    key = Ed25519PrivateKey.generate()
    document = credential()
    token = signing.sign_credential(document, key=key, issuer_id=ISSUER)
    payload = jwt.decode(token, options={"verify_signature": False})
    unsigned = jwt.encode(payload, None, algorithm="none")
    with pytest.raises(jwt.PyJWTError):
        signing.verified_credential(unsigned, key=key.public_key(), issuer_id=ISSUER)
    with pytest.raises(jwt.PyJWTError):
        signing.verified_credential(token, key=Ed25519PrivateKey.generate().public_key(), issuer_id=ISSUER)


def test_a_token_from_another_issuer_or_with_mismatched_claims_fails() -> None:
    key = Ed25519PrivateKey.generate()
    token = signing.sign_credential(credential(), key=key, issuer_id=ISSUER)
    with pytest.raises(jwt.PyJWTError):
        signing.verified_credential(token, key=key.public_key(), issuer_id="https://elsewhere.example/issuer")
    payload = jwt.decode(token, options={"verify_signature": False}) | {"jti": "urn:uuid:something-else"}
    forged = jwt.encode(payload, key, algorithm="EdDSA")
    with pytest.raises(jwt.PyJWTError):
        signing.verified_credential(forged, key=key.public_key(), issuer_id=ISSUER)


def test_the_public_jwk_is_an_okp_ed25519_key() -> None:
    jwk = signing.public_jwk(Ed25519PrivateKey.generate().public_key())
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and len(base64.urlsafe_b64decode(jwk["x"] + "=")) == 32
    assert "d" not in jwk
    assert json.loads(json.dumps(jwk)) == jwk
