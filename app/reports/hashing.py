"""The tamper-evident chain: SHA-256 over each version's canonical JSON and the previous hash."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8, no NaN or infinity."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def version_hash(content: Mapping[str, Any], previous_hash: str | None) -> str:
    """The hash of a version: its content chained to the hash of the version before it."""
    return hashlib.sha256(canonical_json({"content": content, "previous_hash": previous_hash})).hexdigest()


@dataclass(frozen=True)
class StoredVersion:
    version: int
    content: Mapping[str, Any]
    content_hash: str
    previous_hash: str | None


@dataclass(frozen=True)
class ChainCheck:
    valid: bool
    problems: list[str]


def check_chain(versions: Iterable[StoredVersion]) -> ChainCheck:
    """Re-compute every hash in version order and check each link to the one before."""
    problems: list[str] = []
    expected_previous: str | None = None
    count = 0
    for count, stored in enumerate(sorted(versions, key=lambda v: v.version), start=1):
        if stored.version != count:
            problems.append(f"version {count} is missing")
        if stored.previous_hash != expected_previous:
            problems.append(f"version {stored.version} does not point at the hash of the version before it")
        try:
            recomputed = version_hash(stored.content, stored.previous_hash)
        except (TypeError, ValueError):
            recomputed = ""
        if recomputed != stored.content_hash:
            problems.append(f"version {stored.version} does not match its hash")
        expected_previous = stored.content_hash
    if count == 0:
        problems.append("the report has no versions")
    return ChainCheck(valid=not problems, problems=problems)
