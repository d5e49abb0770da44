"""Derived GUIDs: one implementation, two named namespaces, and today's values kept.

Derived GUIDs are persisted in users' projects (codes from their name path,
so coders who start from one codebook share them) and in exported REFI-QDA
files, so the expected values below were computed on the code before the
GUID helpers were merged, and must never change.
"""

from __future__ import annotations

import uuid

import pytest

from codebench.exchange.refi import REFI_NAMESPACE, guid_or_derived, refi_guid
from codebench.ids import CODEBENCH_NAMESPACE, derive_guid, fold_guid, guid_from_key, stable_guid


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("code", "Ethos and values"), "6a7fb319-af0e-5dae-8db6-084b33571fbf"),
        (
            ("code", "Types of innovation", "Digital innovation"),
            "903ea395-f379-5ed4-ada3-2c1ba5cc4fa3",
        ),
        (("coder", "alice"), "8a179b15-7f31-542e-951f-30e7745fe60a"),
        (("transcript", "ab" * 32), "62856a14-67fa-5fe3-bc43-85c0f48d13d7"),
    ],
)
def test_codebench_guids_keep_their_values(parts: tuple[object, ...], expected: str) -> None:
    assert stable_guid(*parts) == expected
    assert derive_guid(CODEBENCH_NAMESPACE, *parts) == expected


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("coding", "u", "c", "t", 1, 5), "97f65734-fbc8-5671-b300-3a1f93fd2f31"),
        (("variable", "sector"), "f1577157-76e8-578b-9fba-18d712cde985"),
        (("case", "t-guid"), "4e12a84c-e115-5706-9fa1-a69069d06897"),
        (("segment", "t", 0, 10), "f5758c9c-6049-58f5-b60a-35719d3c9c39"),
        (("selection", "u", "t", 1, 5), "8b35e826-90f0-5065-89f0-21abc5f1f481"),
    ],
)
def test_refi_export_guids_keep_their_values(parts: tuple[object, ...], expected: str) -> None:
    assert refi_guid(*parts) == expected
    assert derive_guid(REFI_NAMESPACE, *parts) == expected


@pytest.mark.parametrize("namespace", [CODEBENCH_NAMESPACE, REFI_NAMESPACE, uuid.NAMESPACE_URL])
@pytest.mark.parametrize("key", ["", "code\x1fA", "é ✓ 😀\x1f3", "x" * 500])
def test_the_fast_derivation_is_uuid5(namespace: uuid.UUID, key: str) -> None:
    assert guid_from_key(namespace, key) == str(uuid.uuid5(namespace, key))


def test_parts_are_kept_apart() -> None:
    assert stable_guid("a", "bc") != stable_guid("ab", "c")
    assert refi_guid("code", "x") != stable_guid("code", "x")  # the namespaces differ


@pytest.mark.parametrize(
    ("value", "folded", "canonical"),
    [
        (
            "{ABCDEF01-2345-6789-ABCD-EF0123456789}",
            "abcdef01-2345-6789-abcd-ef0123456789",
            "abcdef01-2345-6789-abcd-ef0123456789",
        ),
        ("  abc ", "abc", "4b4dd959-fe84-5b85-ba7b-66a23acb7a68"),
        ("not-a-guid", "not-a-guid", "4ca30765-9671-5216-95cc-3dfdc3d8fb4d"),
        ("{x}", "x", "b41f1602-4726-509d-a6d2-f615ac848452"),
    ],
)
def test_the_two_normalisers_say_how_they_differ(value: str, folded: str, canonical: str) -> None:
    # fold_guid keeps a codebook file's own identifiers; guid_or_derived replaces non-GUIDs.
    assert fold_guid(value) == folded
    assert guid_or_derived(value) == canonical
