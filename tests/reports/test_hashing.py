"""The hash chain as pure functions: stable canonical form, links, and any edit showing."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.reports.hashing import StoredVersion, canonical_json, check_chain, version_hash

figures = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
contents = st.fixed_dictionaries({
    "scope1_tco2e": figures, "scope2_location_tco2e": figures,
    "scope3": st.dictionaries(st.sampled_from([str(n) for n in range(1, 16)]), figures),
    "methodology": st.text(max_size=40), "reason": st.none() | st.text(min_size=3, max_size=40),
})


def chain(versions: list[dict[str, Any]]) -> list[StoredVersion]:
    stored, previous = [], None
    for number, content in enumerate(versions, start=1):
        digest = version_hash(content, previous)
        stored.append(StoredVersion(number, content, digest, previous))
        previous = digest
    return stored


def test_canonical_json_ignores_key_order_and_spacing() -> None:
    assert canonical_json({"b": 1, "a": [1.5, "é"]}) == canonical_json({"a": [1.5, "é"], "b": 1})
    assert canonical_json({"a": "é"}) == '{"a":"é"}'.encode()


def test_the_hash_depends_on_the_previous_hash() -> None:
    content = {"scope1_tco2e": 1.0}
    assert version_hash(content, None) != version_hash(content, "0" * 64)
    assert len(version_hash(content, None)) == 64


@given(st.lists(contents, min_size=1, max_size=8))
def test_any_sequence_of_restatements_chains(versions: list[dict[str, Any]]) -> None:
    assert check_chain(chain(versions)).valid


@given(st.lists(contents, min_size=1, max_size=6), st.data())
def test_editing_any_version_breaks_the_chain(versions: list[dict[str, Any]], data: st.DataObject) -> None:
    stored = chain(versions)
    index = data.draw(st.integers(0, len(stored) - 1))
    victim = stored[index]
    edited = dict(victim.content) | {"scope1_tco2e": victim.content["scope1_tco2e"] + 1}
    stored[index] = StoredVersion(victim.version, edited, victim.content_hash, victim.previous_hash)
    check = check_chain(stored)
    assert not check.valid and f"version {index + 1} does not match its hash" in check.problems


@given(st.lists(contents, min_size=2, max_size=6), st.data())
def test_rehashing_a_version_breaks_the_link_after_it(versions: list[dict[str, Any]], data: st.DataObject) -> None:
    """An attacker who recomputes the hash of an edited version still breaks the next link."""
    stored = chain(versions)
    index = data.draw(st.integers(0, len(stored) - 2))
    victim = stored[index]
    edited = dict(victim.content) | {"methodology": victim.content["methodology"] + "x"}
    stored[index] = StoredVersion(victim.version, edited, version_hash(edited, victim.previous_hash), victim.previous_hash)
    assert not check_chain(stored).valid


def test_missing_or_removed_versions_are_invalid() -> None:
    stored = chain([{"a": 1}, {"a": 2}, {"a": 3}])
    assert not check_chain([stored[0], stored[2]]).valid
    assert not check_chain([]).valid
    assert check_chain(reversed(stored)).valid
