"""The issuer's Ed25519 key (a PEM file, created on first use) and VC-JWT signing and checking."""

import base64
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from app.badges.credentials import issuer_id
from app.config import Settings

ALGORITHM = "EdDSA"
REGISTERED_CLAIMS = ("iss", "nbf", "sub", "jti")

_keys: dict[Path, Ed25519PrivateKey] = {}
_lock = threading.Lock()


def private_key(path: Path) -> Ed25519PrivateKey:
    """The key in `path`, created there (mode 0600) when the file does not exist yet."""
    path = Path(path).resolve()
    with _lock:
        if path not in _keys:
            if not path.exists():
                _create(path)
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} does not hold an Ed25519 private key")
            _keys[path] = key
        return _keys[path]


def _create(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place: of several workers starting at once, one key wins
    # and nobody reads a half-written file.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, pem)
        os.fsync(descriptor)
        os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_jwk(key: Ed25519PublicKey) -> dict[str, Any]:
    """The public key as an OKP JWK (RFC 8037), with its RFC 7638 thumbprint as `kid`."""
    jwk = dict(OKPAlgorithm.to_jwk(key, as_dict=True))
    return jwk | {"kid": thumbprint(jwk)}


def thumbprint(jwk: dict[str, Any]) -> str:
    members = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


def key_id(issuer_id: str, key: Ed25519PublicKey) -> str:
    """A URI that leads to the key: the issuer profile, which publishes it, and the key's thumbprint."""
    return f"{issuer_id}#{public_jwk(key)['kid']}"


@lru_cache(maxsize=16)
def _signing_key_id(key: Ed25519PrivateKey, issuer_id: str) -> str:
    # Worked out once per key: a thumbprint costs a JWK, its JSON and a hash, on every award otherwise.
    return key_id(issuer_id, key.public_key())


def sign_credential(credential: dict[str, Any], *, key: Ed25519PrivateKey, issuer_id: str) -> str:
    """A compact VC-JWT (Open Badges 3.0 §8.2): the credential itself plus iss, nbf, sub and jti."""
    claims = {
        "iss": issuer_id,
        "nbf": int(datetime.fromisoformat(credential["validFrom"]).timestamp()),
        "sub": credential["credentialSubject"]["id"],
        "jti": credential["id"],
    }
    headers = {"typ": "JWT", "kid": _signing_key_id(key, issuer_id)}
    return jwt.encode(credential | claims, key, algorithm=ALGORITHM, headers=headers)


def verified_credential(token: str, *, key: Ed25519PublicKey, issuer_id: str) -> dict[str, Any]:
    """The credential a VC-JWT carries, once its signature and claims hold; raises jwt.PyJWTError."""
    payload = jwt.decode(
        token, key, algorithms=[ALGORITHM], issuer=issuer_id, leeway=timedelta(minutes=1),
        options={"require": list(REGISTERED_CLAIMS)},
    )
    claims = {name: payload.pop(name) for name in REGISTERED_CLAIMS}
    if claims["jti"] != payload.get("id") or claims["sub"] != payload.get("credentialSubject", {}).get("id"):
        raise jwt.InvalidTokenError("the registered claims do not match the credential")
    return payload


@dataclass(frozen=True)
class Issuer:
    """Who signs: the platform, at its base URL, with its key."""

    base_url: str
    key: Ed25519PrivateKey

    @property
    def id(self) -> str:
        return issuer_id(self.base_url)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()


def issuer(settings: Settings) -> Issuer:
    return Issuer(settings.base_url.rstrip("/"), private_key(settings.signing_key_file))
