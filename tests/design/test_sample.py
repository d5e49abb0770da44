"""Reliability samples: reproducible, stratified, assigned and recorded (issue 12, point 11)."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.design.assignments import assignments
from codebench.design.sample import draw_sample, plan_sample, samples
from codebench.errors import CodebenchError
from codebench.project import Project

ROLES = {f"i{n:02d}": ("ceo" if n < 4 else "nurse" if n < 10 else "") for n in range(11)}


@pytest.fixture
def interviews(project: Project, write_interview) -> Project:
    assert project.import_files([write_interview(t, tag=t) for t in ROLES]).ok
    for t, role in ROLES.items():
        if role:
            project.set_attributes(t, {"role": role})
    return project


def by_hand(fraction: float, seed: int) -> dict[str, list[str]]:
    """The documented procedure, written out: strata sorted, names sorted, one generator."""
    groups: dict[str, list[str]] = {}
    for t, role in ROLES.items():
        groups.setdefault(role or "(none)", []).append(t)
    rng = np.random.default_rng(seed)
    out = {}
    for value in sorted(groups):
        names = sorted(groups[value])
        take = max(1, math.floor(fraction * len(names) + 0.5))
        out[value] = sorted(names[i] for i in rng.permutation(len(names))[:take])
    return out


def test_a_stratified_draw_is_reproducible_assigned_and_recorded(interviews: Project) -> None:
    p = interviews
    seed, strata = plan_sample(p, 0.2, stratify="role", seed=7)
    assert seed == 7
    expected = by_hand(0.2, 7)
    assert {s.value: sorted(s.drawn) for s in strata} == expected
    assert [(s.value, s.population, len(s.drawn)) for s in strata] == [
        ("(none)", 1, 1),
        ("ceo", 4, 1),
        ("nurse", 6, 1),
    ]
    drawn = draw_sample(p, 0.2, ["bob"], stratify="role", seed=7, by="lead")
    assert drawn.name == "sample-1" and drawn.seed == 7 and drawn.coders == ("bob",)
    assert sorted(drawn.transcripts) == sorted(t for ts in expected.values() for t in ts)
    assert sorted(a.transcript.name for a in assignments(p, coder="bob")) == sorted(
        drawn.transcripts
    )
    assert all(a.ordinals is None and a.assigned_by == "lead" for a in assignments(p, coder="bob"))
    # Stored: the samples table and the event log.
    conn = sqlite3.connect(p.path)
    row = conn.execute("SELECT name, seed, fraction, stratify, draw FROM samples").fetchone()
    conn.close()
    assert row[:4] == ("sample-1", 7, 0.2, "role")
    assert json.loads(row[4])["strata"][1] == {
        "value": "ceo",
        "population": 4,
        "drawn": expected["ceo"],
    }
    assert [e.action for e in p.events()].count("sample.draw") == 1
    assert [s.name for s in samples(p)] == ["sample-1"]
    # The same seed draws the same units; without one, the seed used is stored.
    again = plan_sample(p, 0.2, stratify="role", seed=7)[1]
    assert again == strata
    free = draw_sample(p, 0.5, ["carol"])
    assert free.name == "sample-2" and free.seed >= 0
    assert plan_sample(p, 0.5, seed=free.seed)[1] == list(free.strata)


def test_sample_refuses_mistakes(interviews: Project) -> None:
    with pytest.raises(CodebenchError, match="no transcript has the attribute 'site'"):
        plan_sample(interviews, 0.2, stratify="site")
    with pytest.raises(CodebenchError, match="fraction"):
        plan_sample(interviews, 0.0)
    with pytest.raises(CodebenchError, match="--coders"):
        draw_sample(interviews, 0.2, [])
    draw_sample(interviews, 0.2, ["bob"], name="round-1", seed=1)
    with pytest.raises(CodebenchError, match="exists already"):
        draw_sample(interviews, 0.2, ["bob"], name="round-1", seed=2)


def test_cli_sample_and_samples(interviews: Project) -> None:
    db: Path = interviews.path
    interviews.close()

    def run(*args: str, ok: bool = True):
        result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    out = run("sample", "--fraction", "0.2", "--stratify", "role", "--seed", "7", "--coders", "bob")
    text = " ".join(out.output.split())
    assert "sample-1: 3 of 11 transcripts (27 % drawn; fraction asked 0.2" in text
    assert "stratified by role, seed 7" in text
    assert "assigned to bob" in text
    listed = json.loads(run("samples", "--format", "json").output)
    assert listed[0]["seed"] == 7 and listed[0]["drawn"] == 3 and listed[0]["population"] == 11
    expected = by_hand(0.2, 7)
    assert {s["value"]: s["drawn"] for s in listed[0]["strata"]} == expected
    rows = json.loads(run("assignments", "--coder", "bob", "--format", "json").output)
    assert sorted(r["transcript"] for r in rows) == sorted(
        t for ts in expected.values() for t in ts
    )
    bad = run("sample", "--fraction", "0.2", "--stratify", "site", "--coders", "bob", ok=False)
    assert bad.exit_code != 0 and "Traceback" not in bad.output and "site" in bad.output
