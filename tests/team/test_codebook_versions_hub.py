"""The codebook's versions travel through the hub, and each coding carries its version.

The walk of issue 17: after the lead's two definition edits (version 2) the
coders' copies showed only version 1 and stamped their new codings v1, the
lead's copy filed every coding under v1 ("version 2: 0 codings" beside a
round run under version 2), and the methods appendix of a coder's copy and
of a merge of the copies failed ("no codebook version 2"). Here the lead's
copy, the coders' copies and a merge of the copies agree on every version,
its dates, its edits with their reasons and its codings, and the appendix
of the lead's copy equals that of the merge.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.codebook.edits import EditReason, edit_code
from codebench.codebook.versions import edits, versions
from codebench.design.rounds import close_round, start_round
from codebench.design.sample import draw_sample
from codebench.exchange.merge.run import merge
from codebench.project import Project
from codebench.store.codebook_versions import codings_by_version
from codebench.team.sync import describe, sync


def _code(path: Path, coder: str, code: str, ordinals: list[int]) -> int:
    with Project.open(path) as copy:
        spans = [(copy.segment("int1", o).start, copy.segment("int1", o).end) for o in ordinals]
        copy.add_codings(coder, code, "int1", spans)
        return len(spans)


def _versions(project: Project, *, counts: bool = True) -> list[tuple[object, ...]]:
    return [
        (v.number, v.codes, v.created_at, v.updated_at, *((v.codings,) if counts else ()))
        for v in versions(project)
    ]


def _edits(project: Project) -> list[tuple[object, ...]]:
    return [(e.at, e.by, e.action, e.label, e.version, e.reason, e.round) for e in edits(project)]


def _appendix(path: Path, out: Path) -> list[str]:
    result = CliRunner().invoke(
        cli, ["-p", str(path), "methods-appendix", "--seed", "7", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return [
        line
        for line in out.read_text(encoding="utf-8").splitlines()
        if path.name not in line and "generated" not in line.casefold()
    ]


def test_versions_and_their_codings_are_the_same_on_every_copy_and_on_a_merge(
    team, tmp_path: Path
) -> None:
    lead = team.lead
    draw_sample(lead, 1.0, ["alice", "bob"], seed=3, name="s1", by="lee")
    start_round(lead, "pilot", sample="s1", by="lee")
    sync(lead)
    first = {
        "alice": _code(team.alice, "alice", "01", [1, 2]),
        "bob": _code(team.bob, "bob", "01", [1]),
    }
    for path in (team.alice, team.bob):
        with Project.open(path) as copy:
            sync(copy)
    sync(lead)
    # The lead redefines two codes after the pilot's coding: version 2, with reasons.
    why = EditReason(reason="coders confused them in the pilot", round=1)
    edit_code(lead, "lee", "01", why=why, description="Only what the speaker names as hard.")
    edit_code(lead, "lee", "02", why=why, inclusion="Staff leaving, by name or role.")
    assert [v.number for v in versions(lead)] == [1, 2]
    close_round(lead, 1, by="lee")
    draw_sample(lead, 1.0, ["alice", "bob"], seed=4, name="s2", by="lee")
    second_round = start_round(lead, "second", sample="s2", by="lee", allow_repeat=True)
    assert second_round.codebook_version == 2
    pushed = sync(lead)
    assert pushed.pushed.get("codebook_versions") == 1, describe(pushed)  # v1 went at publish

    second = {}
    for name, path in (("alice", team.alice), ("bob", team.bob)):
        with Project.open(path) as copy:
            pulled = sync(copy)
            assert "1 codebook version," in describe(pulled), describe(pulled)
            assert _versions(copy, counts=False) == _versions(lead, counts=False)
            assert copy.code("01").description == "Only what the speaker names as hard."
        second[name] = _code(path, name, "02", [3, 4])
        with Project.open(path) as copy:
            # New codings here are made under the lead's version 2, and go up with it.
            assert codings_by_version(copy.db) == {1: first[name], 2: second[name]}
            assert sync(copy).pushed["codings"] == second[name]
            assert _edits(copy) == _edits(lead)  # the edits, their reasons and round
    with team.hub.admin() as admin:
        on_hub = dict(
            admin.execute(
                "SELECT codebook_version, count(*) FROM codebench.codings"
                " WHERE NOT deleted GROUP BY 1"
            ).fetchall()
        )
    assert on_hub == {1: sum(first.values()), 2: sum(second.values())}
    sync(lead)
    assert codings_by_version(lead.db) == on_hub

    merged = Project.init(tmp_path / "merged.db")
    try:
        report = merge(merged, [team.alice, team.bob])
        assert not any("codebook versions differ" in c for s in report.sources for c in s.conflicts)
        assert _versions(merged) == _versions(lead)
        assert _edits(merged) == _edits(lead)
    finally:
        merged.close()
    with Project.open(team.alice) as alice:  # a coder's copy makes its appendix too
        assert _versions(alice, counts=False) == _versions(lead, counts=False)
    _appendix(team.alice, tmp_path / "alice.md")
    lead_appendix = _appendix(lead.path, tmp_path / "lead.md")
    assert lead_appendix == _appendix(tmp_path / "merged.db", tmp_path / "merged.md")
    assert any("coders confused them in the pilot" in line for line in lead_appendix)


def test_a_coder_cannot_write_codebook_versions_or_restamp_anothers_codings(team) -> None:
    """As the role, with a plain driver: the versions are the lead's, a coding its coder's."""
    from .pgdriver import load_psycopg

    psycopg = load_psycopg()
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        sync(alice)
    with team.hub.connect_as("bob") as bob:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            bob.execute(
                "INSERT INTO codebench.codebook_versions"
                " (version_number, snapshot, created_at, updated_at) VALUES (9, '[]', 'x', 'x')"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            bob.execute("UPDATE codebench.codebook_versions SET snapshot = '[]'")
        changed = bob.execute("UPDATE codebench.codings SET codebook_version = 7")
        assert changed.rowcount == 0  # alice's coding is not his to restamp
        (seen,) = bob.execute("SELECT count(*) FROM codebench.codebook_versions").fetchone()
        assert seen >= 1  # but every member reads the versions
    with team.hub.admin() as admin:
        assert admin.execute(
            "SELECT DISTINCT codebook_version FROM codebench.codings"
        ).fetchall() == [(1,)]
