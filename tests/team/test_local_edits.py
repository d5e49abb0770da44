"""A coder's edits of the lead's rows (codebook, attributes, framework cells…) in their own copy.

The database refuses them, so they are never pushed; every sync reports them
as held back (text and --json), they stay in the copy, and when the lead's
own change to the same row arrives the copy says it replaced them.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.codebook.edits import add_code, edit_code
from codebench.ids import now
from codebench.project import Project
from codebench.store import participants as participant_sql
from codebench.store.settings import set_meta
from codebench.team.lead import release
from codebench.team.sync import LOCAL_EDITS, PULLED_NOTED, sync


def _hub_code(hub, guid: str) -> str:
    with hub.admin() as admin:
        return str(
            admin.execute(
                "SELECT description FROM codebench.codes WHERE guid = %s", [guid]
            ).fetchone()[0]
        )


def _sync_json(path) -> dict:
    out = CliRunner().invoke(cli, ["sync", str(path), "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


@pytest.mark.usefixtures("past_the_guard")
def test_a_coders_codebook_edit_is_held_back_said_every_sync_and_kept(team) -> None:
    with Project.open(team.alice) as alice:
        code = alice.code("01")
        edit_code(alice, "alice", code, description="alice's own reading")
        guid = code.guid
    moved = _sync_json(team.alice)
    assert moved["held_back"].get("codes") == 1
    out = CliRunner().invoke(cli, ["sync", str(team.alice)])
    assert out.exit_code == 0, out.output
    assert "held back 1 codebook edit (the lead owns the codebook)" in out.output
    assert _hub_code(team.hub, guid) != "alice's own reading"  # never sent
    # the lead changes another code: pulled, and alice's edit is neither lost nor forgotten
    edit_code(team.lead, "lee", "02", description="the lead's guidance")
    sync(team.lead)
    moved = _sync_json(team.alice)
    assert moved["pulled"].get("codes") == 1 and moved["held_back"].get("codes") == 1
    assert moved["replaced"] == {}
    with Project.open(team.alice) as alice:
        assert alice.code("01").description == "alice's own reading"
        assert alice.code("02").description == "the lead's guidance"
    # the lead changes the same code: the lead's row replaces hers, and the sync says so
    edit_code(team.lead, "lee", "01", description="the lead's final word")
    sync(team.lead)
    out = CliRunner().invoke(cli, ["sync", str(team.alice)])
    assert out.exit_code == 0, out.output
    assert "the lead's changes replaced 1 codebook edit made in this copy" in out.output
    with Project.open(team.alice) as alice:
        assert alice.code("01").description == "the lead's final word"
        assert sync(alice).held_back == {}  # nothing held any more


@pytest.mark.usefixtures("past_the_guard")
def test_study_rows_a_coder_writes_are_held_back_by_table(team) -> None:
    with Project.open(team.alice) as alice:
        tid = alice.transcript("int1").id
        speaker = str(
            alice.db.execute("SELECT speaker FROM segments WHERE codable = 1").fetchone()[0]
        )
        alice.set_attributes("int1", {"site": "Riverside"})
        add_code(alice, "alice", "alice's idea")
        with alice.transaction():
            participant_sql.set_speaker_attributes(alice.db, [(tid, speaker, "role", "nurse")])
            participant_sql.set_framework_summary(
                alice.db, tid, speaker, alice.code("01").id, "my summary", None, now()
            )
    moved = _sync_json(team.alice)
    assert moved["held_back"] == {
        "codes": 1,
        "transcripts": 1,
        "speaker_attributes": 1,
        "framework_cells": 1,
    }
    assert not any(moved["pushed"].values())
    with team.hub.admin() as admin:
        for table in ("speaker_attributes", "framework_cells"):
            assert admin.execute(f"SELECT count(*) FROM codebench.{table}").fetchone() == (0,)
    # a withdrawn release does not take a framework cell the coder wrote
    release(team.lead, ["int1"])
    with Project.open(team.alice) as alice:
        sync(alice)
    release(team.lead, ["int1"], withdraw=True)
    with Project.open(team.alice) as alice:
        result = sync(alice)
        assert result.held_back.get("framework_cells") == 1
        assert alice.db.execute("SELECT summary FROM framework_cells").fetchall() == [
            ("my summary",)
        ]


@pytest.mark.usefixtures("past_the_guard")
def test_a_copy_that_never_looked_takes_what_it_holds_as_pulled(team) -> None:
    """A copy made before local edits were looked for reports nothing it cannot know about,
    and finds what is edited after."""
    with Project.open(team.alice) as alice:
        with alice.transaction():
            alice.db.execute("DELETE FROM meta WHERE key IN (?, ?)", [PULLED_NOTED, LOCAL_EDITS])
        assert alice.setting(PULLED_NOTED) is None
        assert sync(alice).held_back == {}
        edit_code(alice, "alice", "01", description="changed later")
        assert sync(alice).held_back == {"codes": 1}


@pytest.mark.usefixtures("past_the_guard")
def test_a_coder_who_puts_the_edit_back_has_nothing_held(team) -> None:
    with Project.open(team.alice) as alice:
        before = alice.code("01").description
        edit_code(alice, "alice", "01", description="for a moment")
        assert sync(alice).held_back == {"codes": 1}
        edit_code(alice, "alice", "01", description=before)
        assert sync(alice).held_back == {}
        with alice.transaction():
            set_meta(alice.db, "team.noted", "{}")  # a forced re-read finds nothing either
        assert sync(alice).held_back == {}


def test_nothing_is_held_back_when_only_the_lead_changed_things(team) -> None:
    """Every kind of the lead's change, pulled: none is taken for the coder's own edit."""
    from codebench.analysis.theme_map import add_relation
    from codebench.codebook.edits import archive_code, merge_codes
    from codebench.coding.correction import correct_text
    from codebench.design.assignments import unassign
    from codebench.design.rounds import close_round, start_round
    from codebench.design.sample import draw_sample

    lead = team.lead
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "02", "int1", [(0, 10)])
        sync(alice)
    tid = lead.transcript("int1").id
    speaker = str(lead.db.execute("SELECT speaker FROM segments WHERE codable = 1").fetchone()[0])

    def step_kinds():
        yield lambda: edit_code(lead, "lee", "01", description="new guidance")
        yield lambda: add_code(lead, "lee", "A new code")
        yield lambda: merge_codes(lead, "lee", "02", "01")
        yield lambda: archive_code(lead, "lee", "03")
        yield lambda: correct_text(lead, "int1", "[Note.] " + lead.text("int1"), "lee")
        yield lambda: lead.set_attributes("int1", {"site": "North"})

        def study() -> None:
            with lead.transaction():
                participant_sql.set_speaker_attributes(lead.db, [(tid, speaker, "role", "x")])
                participant_sql.set_framework_summary(
                    lead.db, tid, speaker, lead.code("01").id, "summary", None, now()
                )
            add_relation(lead, "01", "04", "leads to", note="", coder="lee")

        yield study

        def a_round() -> None:
            draw_sample(lead, 1.0, ["alice", "bob"], seed=3, name="s1", by="lee")
            start_round(lead, "pilot", sample="s1", by="lee")
            close_round(lead, 1, by="lee", frozen=({"level": "segment"}, {"alpha": 0.5}))

        yield a_round
        yield lambda: release(lead, round_ref="1")
        yield lambda: release(lead, round_ref="1", withdraw=True)
        yield lambda: unassign(lead, "alice", ["int1"])

    for number, step in enumerate(step_kinds()):
        step()
        sync(lead)
        with Project.open(team.alice) as alice:
            result = sync(alice)
            assert result.held_back == {} and result.replaced == {}, (number, result.as_dict())
    with Project.open(team.alice) as alice:
        assert sync(alice).held_back == {}
