"""``codebench undo`` on a coder's copy after a pull changed what the coder's actions touched.

A correction the lead made (transcript text, codings remapped) or a merge of
codes the lead made arrives in the copy by a pull; the coder's own earlier
actions stay undoable, and undoing one undoes it where the coding is now, on
the copy and (through the next sync) on the hub: never a silent no-op, never
a coding put back in the old terms.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.codebook.edits import merge_codes
from codebench.coding.correction import correct_text
from codebench.project import Project
from codebench.team.sync import sync

from .test_sync import hub_codings, local_codings


def _undo(path, *more: str):
    return CliRunner().invoke(cli, ["-p", str(path), *more, "--coder", "alice"])


def test_undoing_a_coding_after_the_leads_correction_arrived(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        alice.add_codings("alice", "01", "int1", [(45, 55)])
        sync(alice)
    lead = team.lead
    text = lead.text(lead.transcript("int1"))
    correct_text(lead, "int1", "[Recorded 3 May.] " + text, "lee", reason="a note")
    sync(lead)
    shift = len("[Recorded 3 May.] ")
    with Project.open(team.alice) as alice:
        sync(alice)
        moved = sorted(c[2:] for c in local_codings(alice, "alice"))
        assert moved == [(0 + shift, 10 + shift), (45 + shift, 55 + shift)]
    out = _undo(team.alice, "undo")
    assert out.exit_code == 0, out.output
    with Project.open(team.alice) as alice:
        # the newest coding went from where it is now, in the lead's text
        assert sorted(c[2:] for c in local_codings(alice, "alice")) == [(shift, 10 + shift)]
        sync(alice)
    assert [c[2:] for c in hub_codings(team.hub, "alice")] == [(shift, 10 + shift)]
    out = _undo(team.alice, "redo")
    assert out.exit_code == 0, out.output
    with Project.open(team.alice) as alice:
        assert sorted(c[2:] for c in local_codings(alice, "alice")) == moved
        sync(alice)
    assert sorted(c[2:] for c in hub_codings(team.hub, "alice")) == moved
    with Project.open(team.alice) as alice:  # the text is the lead's throughout
        assert alice.text(alice.transcript("int1")) == lead.text(lead.transcript("int1"))


def test_undoing_a_coding_after_the_leads_merge_arrived(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "02", "int1", [(0, 10)])
        sync(alice)
    merge_codes(team.lead, "lee", "02", "01")
    sync(team.lead)
    with Project.open(team.alice) as alice:
        sync(alice)
        (coding,) = alice.codings(coders=["alice"])
        assert alice.code_by_id(coding.code_id).number == "01"  # recoded as the merge says
    out = _undo(team.alice, "undo")
    assert out.exit_code == 0, out.output
    with Project.open(team.alice) as alice:
        assert alice.codings(coders=["alice"]) == []  # taken back from the code it is on now
        sync(alice)
    assert hub_codings(team.hub, "alice") == []
    out = _undo(team.alice, "redo")
    assert out.exit_code == 0, out.output
    with Project.open(team.alice) as alice:
        (again,) = alice.codings(coders=["alice"])
        # put back on the merge's target, never on the archived code the lead merged away
        assert alice.code_by_id(again.code_id).number == "01"
        sync(alice)
    assert len(hub_codings(team.hub, "alice")) == 1
    with team.hub.admin() as admin:
        codes = admin.execute(
            "SELECT c.archived FROM codebench.codings k JOIN codebench.codes c"
            " ON c.guid = k.code_guid WHERE NOT k.deleted"
        ).fetchall()
    assert codes == [(False,)]


@pytest.mark.usefixtures("past_the_guard")
def test_a_text_corrected_in_a_coders_copy_holds_its_codings_back_until_undone(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (45, 55)])
        sync(alice)
    on_hub = hub_codings(team.hub, "alice")
    with Project.open(team.alice) as alice:
        correct_text(alice, "int1", "[x] " + alice.text(alice.transcript("int1")), "alice")
        alice.add_codings("alice", "02", "int1", [(60, 70)])
        for _ in range(2):  # said, and kept, at every sync
            result = sync(alice)
            assert result.held_back == {"codings": 3, "transcripts": 1}
            assert not any(result.removed.values()) and not any(result.pushed.values())
            assert any("whose text this copy changed" in n for n in result.notes)
            assert hub_codings(team.hub, "alice") == on_hub  # nothing in the copy's own terms
    for _ in range(2):
        out = _undo(team.alice, "undo")
        assert out.exit_code == 0, out.output
    with Project.open(team.alice) as alice:
        result = sync(alice)
        assert result.held_back == {} and not any(result.removed.values())
        assert hub_codings(team.hub, "alice") == on_hub == local_codings(alice, "alice")


@pytest.mark.usefixtures("past_the_guard")
def test_the_leads_correction_replaces_the_coders_and_the_held_codings_go_up(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        sync(alice)
        correct_text(alice, "int1", "[x] " + alice.text(alice.transcript("int1")), "alice")
        assert sync(alice).held_back == {"codings": 1, "transcripts": 1}
    lead = team.lead
    correct_text(lead, "int1", "[Recorded 3 May.] " + lead.text(lead.transcript("int1")), "lee")
    sync(lead)
    shift = len("[Recorded 3 May.] ")
    with Project.open(team.alice) as alice:
        result = sync(alice)
        assert result.replaced == {"transcripts": 1} and result.held_back == {}
        assert alice.text(alice.transcript("int1")) == lead.text(lead.transcript("int1"))
        assert [c[2:] for c in local_codings(alice, "alice")] == [(shift, 10 + shift)]
        assert hub_codings(team.hub, "alice") == local_codings(alice, "alice")
    # the coder's own correction cannot be undone now: its text was corrected again since
    out = _undo(team.alice, "undo")
    assert out.exit_code != 0
    assert "corrected again since" in out.output and "Traceback" not in out.output
    with Project.open(team.alice) as alice:
        assert alice.text(alice.transcript("int1")) == lead.text(lead.transcript("int1"))
