"""A write, on a team copy, to rows its person does not own is refused where it is made.

The hub refuses such a write, so made in a copy it could only make that copy
differ from everyone's (issue 17's walk: a coder's transcript correction
moved her codings 47 characters on the lead's copy; a lead's uncoding of a
coder's coding stayed in the lead's copy alone). The refusal is one line,
names the file, exits non-zero, and leaves the copy exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.codebook.edits import add_code, edit_code
from codebench.coding.correction import correct_text
from codebench.design.assignments import assign
from codebench.errors import CodebenchError
from codebench.project import Project
from codebench.store.ownership import NotYours
from codebench.team.sync import describe, sync


def _run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-p", str(project), *args])
    return result.exit_code, result.output


def _state(path: Path) -> tuple[object, ...]:
    """What a refused write must leave as it was: text, codes, codings, events, settings."""
    with Project.open(path) as p:
        return (
            [p.text(t) for t in p.transcripts()],
            [(c.guid, c.description, c.archived) for c in p.codes(include_archived=True)],
            sorted((c.coder_id, c.code_id, c.start, c.end) for c in p.codings()),
            len(p.events()),
            p.db.execute("SELECT count(*) FROM codebook_versions").fetchone()[0],
        )


def test_a_coders_transcript_correction_is_refused_in_one_line(team, tmp_path: Path) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        text = alice.text(alice.transcript("int1"))
    fixed = tmp_path / "fixed.txt"
    fixed.write_text("Forty-seven characters added near the start. " + text, encoding="utf-8")
    before = _state(team.alice)
    code, out = _run(
        team.alice, "edit-transcript", "int1", "--coder", "alice", "--from", str(fixed)
    )
    assert code != 0 and "Traceback" not in out
    (line,) = out.strip().splitlines()
    assert str(team.alice) in line
    assert "this is alice's team copy: the lead owns transcripts" in line
    assert "ask the lead to correct it" in line
    assert _state(team.alice) == before
    # In the editor the refusal comes before the editor opens (no correction typed in vain).
    marker = tmp_path / "editor-ran"
    editor = tmp_path / "editor.sh"
    editor.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    editor.chmod(0o755)
    result = CliRunner().invoke(
        cli,
        ["-p", str(team.alice), "edit-transcript", "int1", "--coder", "alice"],
        env={"EDITOR": str(editor), "VISUAL": str(editor)},
    )
    assert result.exit_code != 0 and "the lead owns transcripts" in result.output
    assert not marker.exists()
    # And the coding waiting in the copy goes up in its place, unmoved.
    with Project.open(team.alice) as alice:
        assert sync(alice).pushed["codings"] == 1
    sync(team.lead)
    assert [(c.start, c.end) for c in team.lead.codings(coders=["alice"])] == [(0, 10)]


@pytest.mark.parametrize(
    "write, owned",
    [
        (lambda p: edit_code(p, "alice", "02", description="Mine now"), "the codebook"),
        (lambda p: add_code(p, "alice", "My own idea", number=""), "the codebook"),
        (lambda p: p.set_attributes("int1", {"site": "north"}), "transcripts"),
        (lambda p: assign(p, "bob", ["int1"], segments=[(1, 2)], by="alice"), "assignments"),
        (
            lambda p: correct_text(p, "int1", p.text(p.transcript("int1")) + " x", "alice"),
            "transcripts",
        ),
        (lambda p: p.remove_transcript("int1"), "transcripts"),
        (lambda p: p.add_codings("bob", "01", "int1", [(0, 10)]), "codings by bob belong to bob"),
        (lambda p: p.set_status("lee", "int1", "done"), "statuses by lee belong to lee"),
    ],
    ids=[
        "codebook edit",
        "new code",
        "attributes",
        "assignment",
        "correction",
        "removal",
        "another coder's coding",
        "another coder's status",
    ],
)
def test_a_coders_write_to_rows_they_do_not_own_is_refused(team, write, owned: str) -> None:
    before = _state(team.alice)
    with Project.open(team.alice) as alice:
        alice.coder("lee", create=True)  # so the status case names an existing coder
    before = _state(team.alice)
    with Project.open(team.alice) as alice, pytest.raises(NotYours) as refused:
        write(alice)
    message = str(refused.value)
    assert "this is alice's team copy:" in message and owned in message
    assert "\n" not in message and isinstance(refused.value, CodebenchError)
    assert _state(team.alice) == before
    with Project.open(team.alice) as alice:
        assert "nothing to sync" in describe(sync(alice))


def test_the_lead_cannot_uncode_a_coders_coding_but_owns_its_own_and_the_consensus(team) -> None:
    segment = team.lead.segment("int1", 1)
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(segment.start, segment.end)])
        alice.add_memo("alice", "Alice's thought.", transcript="int1")
        sync(alice)
    sync(team.lead)
    lead_path = team.lead.path
    (memo,) = team.lead.memos()
    with pytest.raises(NotYours, match="memos by alice belong to alice"):
        team.lead.update_memo("lee", memo.id, "The lead's words in alice's memo.")
    assert [m.text for m in team.lead.memos()] == ["Alice's thought."]
    before = _state(lead_path)
    code, out = _run(
        lead_path, "uncode-segment", "--coder", "alice", "int1", str(segment.ordinal), "01"
    )
    assert code != 0 and "Traceback" not in out
    (line,) = out.strip().splitlines()
    assert "this is lee's team copy: codings by alice belong to alice" in line
    assert _state(lead_path) == before
    # The lead's own work and the consensus coder's are the lead's to write.
    team.lead.add_codings("lee", "01", "int1", [(0, 10)])
    team.lead.add_codings(
        team.lead.coder("consensus", create=True, kind="consensus"), "01", "int1", [(0, 10)]
    )
    team.lead.remove_codings("lee", "01", "int1", [(0, 10)])
    edit_code(team.lead, "lee", "02", description="The lead's to change")
    result = sync(team.lead)
    assert result.pushed.get("codings") == 1 and result.pushed.get("codes") == 1


def test_a_project_that_is_no_team_copy_is_not_guarded(interview) -> None:
    interview.coder("alice", create=True)
    interview.coder("bob", create=True)
    interview.add_codings("bob", "01", "int1", [(0, 10)])
    interview.remove_codings("bob", "01", "int1", [(0, 10)])
    edit_code(interview, "alice", "02", description="Anyone may, alone")
    correct_text(interview, "int1", interview.text(interview.transcript("int1")) + " x", "alice")
    assert interview.code("02").description == "Anyone may, alone"
