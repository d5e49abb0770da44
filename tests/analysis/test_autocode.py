"""Auto-coding from a search: the preview writes nothing; applying is one undoable action."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from codebench.analysis.autocode import apply_autocode, plan_autocode
from codebench.analysis.search import search
from codebench.cli import cli
from codebench.coding.actions import undo
from codebench.errors import CodebenchError
from codebench.project import Project


def codings(project: Project) -> set[tuple[str, str, str, int, int]]:
    names = {c.id: c.name for c in project.coders()}
    codes = {c.id: c.number for c in project.codes(include_archived=True)}
    transcripts = {t.id: t.name for t in project.transcripts()}
    return {
        (names[c.coder_id], codes[c.code_id], transcripts[c.transcript_id], c.start, c.end)
        for c in project.codings()
    }


def test_spreads(study: Project) -> None:
    result = search(study, "staff")
    a, c = study.segments("a"), study.segments("c")
    text_a = study.text("a")
    by_hit = plan_autocode(study, result, "19", "hit")
    assert [(p.transcript, p.start, p.end) for p in by_hit.proposals] == [
        ("a", text_a.index("staff"), text_a.index("staff") + 5),
        ("a", text_a.index("Staff"), text_a.index("Staff") + 5),
        ("c", study.text("c").index("staff"), study.text("c").index("staff") + 5),
    ]
    by_segment = plan_autocode(study, result, "19", "segment")
    assert [(p.transcript, p.start, p.end) for p in by_segment.proposals] == [
        ("a", a[3].start, a[3].end),
        ("a", a[6].start, a[6].end),
        ("c", c[3].start, c[3].end),
    ]
    by_turn = plan_autocode(study, result, "19", "turn")
    assert [(p.transcript, p.first_segment, p.last_segment) for p in by_turn.proposals] == [
        ("a", 1, 3),
        ("a", 5, 6),
        ("c", 1, 3),
    ]
    # Two hits in one turn make one passage.
    both = plan_autocode(study, search(study, "staff | pensions"), "19", "turn")
    assert [(p.first_segment, p.hits) for p in both.proposals][:1] == [(1, 2)]
    # Hits in interviewer turns are left out, and counted.
    asked = plan_autocode(study, search(study, "contracts"), "19", "segment")
    assert asked.proposals == [] and asked.not_codable == 1


def test_preview_writes_nothing_and_apply_is_one_undoable_action(study: Project) -> None:
    before = codings(study)
    events = len(study.events())
    batch = plan_autocode(study, search(study, "staff"), "19", "segment")
    assert codings(study) == before and len(study.events()) == events

    added = apply_autocode(study, batch, "alice", reject=[2])
    assert len(added) == 2
    new = codings(study) - before
    a, c = study.segments("a"), study.segments("c")
    assert new == {
        ("alice", "19", "a", a[3].start, a[3].end),
        ("alice", "19", "c", c[3].start, c[3].end),
    }
    assert before <= codings(study)  # nobody else's codings changed
    (event,) = study.events()[events:]
    assert event.action == "coding.add"
    assert event.payload["source"] == "search" and event.payload["pattern"] == "staff"
    assert len(event.payload["codings"]) == 2

    assert undo(study, "alice") is not None
    assert codings(study) == before


def test_already_coded_and_bad_batches(study: Project) -> None:
    batch = plan_autocode(study, search(study, "staff"), "08", "segment")
    # alice coded 08 on a3 and a6; c3 is bob's, not hers.
    assert len(apply_autocode(study, batch, "alice")) == 1
    with pytest.raises(CodebenchError, match="the batch has passages 1 to 3"):
        apply_autocode(study, batch, "alice", reject=[7])
    with pytest.raises(CodebenchError, match="use hit, segment, turn"):
        plan_autocode(study, search(study, "staff"), "08", "sentence")


def test_cli_preview_then_apply(study: Project) -> None:
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(*args: str):
        return CliRunner().invoke(cli, ["-p", str(study.path), *args], catch_exceptions=False)

    before = codings(study)
    result = run("autocode", "staff", "--code", "19", "--coder", "carol", "--reject", "2")
    # The preview refuses what --apply would: a coder the project does not know ...
    assert result.exit_code == 1 and "no coder named 'carol'" in result.stderr
    assert "--new-coder" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    # ... and a passage number the batch does not have.
    result = run("autocode", "staff", "--code", "19", "--coder", "alice", "--reject", "2,99")
    assert result.exit_code == 1 and "--reject 99: the batch has passages 1 to 3" in result.stderr
    result = run(
        "autocode", "staff", "--code", "19", "--coder", "carol", "--reject", "2", "--new-coder"
    )
    assert result.exit_code == 0
    assert "carol" not in {c.name for c in study.coders()}  # a preview adds no coder
    assert "3 passages to code 19" in result.stdout and "reject" in result.stdout
    assert "Nothing written" in result.stdout
    assert codings(study) == before
    result = run(
        "autocode",
        "staff",
        "--code",
        "19",
        "--coder",
        "carol",
        "--reject",
        "2",
        "--apply",
        "--new-coder",
    )
    assert result.exit_code == 0 and "Coded 2 passages" in result.stdout
    assert len(codings(study) - before) == 2
    result = run("autocode", "staff", "--code", "19", "--coder", "carol", "--reject", "x")
    assert result.exit_code == 1 and "give passage numbers" in result.stderr


def test_cli_undo_and_redo_a_batch(study: Project) -> None:
    """``codebench undo`` reverts an applied batch as one action, as the workbench's u does."""
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(*args: str):
        return CliRunner().invoke(cli, ["-p", str(study.path), *args], catch_exceptions=False)

    before = codings(study)
    result = run("autocode", "staff", "--code", "19", "--coder", "carol", "--new-coder", "--apply")
    assert result.exit_code == 0 and "Coded 3 passages" in result.stdout
    applied = codings(study)
    assert len(applied - before) == 3
    result = run("undo", "--coder", "carol")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("undid adding 3 codings") and result.stdout.count("\n") == 1
    assert codings(study) == before
    result = run("undo", "--coder", "carol")
    assert result.exit_code == 1 and result.stderr.strip() == "Error: carol has nothing to undo"
    result = run("redo", "--coder", "carol")
    assert result.exit_code == 0 and result.stdout.startswith("redid adding 3 codings")
    assert codings(study) == applied
    result = run("redo", "--coder", "carol")
    assert result.exit_code == 1 and "carol has nothing to redo" in result.stderr
    result = run("undo", "--coder", "nobody")
    assert result.exit_code == 1 and "no coder named 'nobody'" in result.stderr
    # Another coder's undo never touches carol's batch.
    assert run("undo", "--coder", "bob").exit_code == 0
    assert {c for c in codings(study) if c[0] == "carol"} == applied - before


def test_a_query_code(study: Project) -> None:
    from codebench.analysis.autocode import plan_query_code
    from codebench.analysis.query import run_query

    # a1–a6 holds the interviewer's a4, which is not coded: two passages there.
    batch = plan_query_code(study, run_query(study, "10 followed-by:3 08"), "21")
    assert [(p.transcript, p.first_segment, p.last_segment) for p in batch.proposals] == [
        ("a", 1, 3),
        ("a", 5, 6),
        ("c", 1, 3),
    ]
    assert batch.not_codable == 1 and batch.source == "query"
    before = codings(study)
    events = len(study.events())
    assert len(apply_autocode(study, batch, "bob")) == 3
    (event,) = study.events()[events:]
    assert event.payload["source"] == "query" and event.payload["pattern"] == "10 followed-by:3 08"
    assert undo(study, "bob") is not None and codings(study) == before


def test_cli_query_code(study: Project) -> None:
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(*args: str):
        return CliRunner().invoke(cli, ["-p", str(study.path), *args], catch_exceptions=False)

    before = codings(study)
    result = run("query", "04.2 & 10 & !16", "--code-as", "21")
    assert result.exit_code == 0 and "3 passages to code 21" in result.stdout
    assert codings(study) == before
    result = run("query", "04.2 & 10 & !16", "--code-as", "21", "--apply")
    assert result.exit_code == 1 and "needs --as NAME" in result.stderr
    result = run(
        "query", "04.2 & 10 & !16", "--code-as", "21", "--as", "alice", "--reject", "3", "--apply"
    )
    assert result.exit_code == 0 and "Coded 2 passages" in result.stdout
    assert {(k, t) for k, code, t, _, _ in codings(study) - before} == {
        ("alice", "a"),
        ("alice", "b"),
    }
    assert run("query", "10", "--apply").exit_code == 1
