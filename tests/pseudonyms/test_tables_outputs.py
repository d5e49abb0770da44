"""Pseudonymised crossed tables, framework matrices and explained cells: no key string survives."""

from __future__ import annotations

from pathlib import Path

import pytest

from codebench.pseudonyms.key import Key, save_key
from tests.pseudonyms.test_outputs import ENTRIES, _survivors, run


@pytest.fixture
def keyed(demo_copy: Path) -> Path:
    save_key(Key(list(ENTRIES)), demo_copy.with_name("study.pseudonyms.yaml"))
    return demo_copy


def test_framework_export(keyed: Path, tmp_path: Path) -> None:
    run(keyed, "framework", "set", "01-riverside-ceo", "01", "--summary", "Helen on Riverside")
    for fmt in ("md", "csv", "json", "html"):
        plain, out = tmp_path / f"plain.{fmt}", tmp_path / f"fw.{fmt}"
        run(keyed, "framework", "export", "--by-participant", "--code", "01", "-o", str(plain))
        run(keyed, "framework", "export", "--by-participant", "--code", "01",
            "--pseudonymise", "-o", str(out))  # fmt: skip
        assert _survivors(plain.read_text(encoding="utf-8")), fmt
        text = out.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")
        assert _survivors(text) == [], fmt
        assert "Chief Executive, Org A" in text, fmt


def test_crossed_and_explain(keyed: Path, tmp_path: Path) -> None:
    out = tmp_path / "crossed.md"
    run(keyed, "report", "crossed", "--by", "organisation", "--pseudonymise", "-o", str(out))
    text = out.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")
    assert _survivors(text) == [] and "[Org A]" in text
    out = tmp_path / "explain.md"
    run(keyed, "explain", "matrix", "--row", "01", "--column", "01-riverside-ceo",
        "--pseudonymise", "-o", str(out))  # fmt: skip
    text = out.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")
    assert _survivors(text) == []


def test_speakers_listing(keyed: Path) -> None:
    plain = run(keyed, "speakers", "--format", "csv").output
    assert "Helen Marsh" in plain
    shown = run(keyed, "speakers", "--format", "csv", "--pseudonymise").output
    assert _survivors(shown) == [] and "[Chief Executive, Org A]" in shown
