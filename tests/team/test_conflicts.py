"""Conflict rules: the lead's merge or archive of a code reaching a coder who coded on it offline."""

from __future__ import annotations

from codebench.codebook.edits import archive_code, merge_codes
from codebench.project import Project
from codebench.team.sync import describe, sync

from .pgdriver import load_psycopg

psycopg = load_psycopg()


def _hub_codes_of(hub, coder: str) -> dict[str, int]:
    """``{code GUID: live codings}`` of ``coder`` on the hub (as the superuser)."""
    with hub.admin() as admin:
        rows = admin.execute(
            "SELECT k.code_guid, count(*) FROM codebench.codings k"
            " JOIN codebench.coders c ON c.guid = k.coder_guid"
            " WHERE c.name = %s AND NOT k.deleted GROUP BY k.code_guid",
            [coder],
        ).fetchall()
    return {str(g): int(n) for g, n in rows}


def test_a_merge_made_while_a_coder_was_offline_recodes_their_codings_everywhere(team) -> None:
    source, target = team.lead.code("01"), team.lead.code("02")
    with Project.open(team.alice) as alice:
        # Offline: three codings on 01 (one also coded 02 already), not yet synced.
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30), (40, 50)])
        alice.add_codings("alice", "02", "int1", [(40, 50)])
    merge_codes(team.lead, "lee", "01", "02")
    sync(team.lead)
    with Project.open(team.alice) as alice:
        result = sync(alice)
        line = describe(result)
        assert (
            f"recoded 3 codings from {source.label} to {target.label}: merged by the lead" in line
        )
        assert "(1 coding already coded there, so dropped)" in line
        spans = sorted((c.start, c.end) for c in alice.codings(coders=["alice"]))
        assert spans == [(0, 10), (20, 30), (40, 50)]
        assert {alice.code_by_id(c.code_id).guid for c in alice.codings()} == {target.guid}
        # The same sync pushed the recoded work: nothing waits, and a second sync is quiet.
        assert describe(sync(alice)) == "nothing to sync: up to date"
    assert _hub_codes_of(team.hub, "alice") == {target.guid: 3}
    sync(team.lead)
    lead_codes = {team.lead.code_by_id(c.code_id).guid for c in team.lead.codings(coders=["alice"])}
    assert lead_codes == {target.guid}


def test_an_archive_keeps_the_coders_codings_and_says_so(team) -> None:
    code = team.lead.code("04")
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "04", "int1", [(0, 10), (20, 30)])
    archive_code(team.lead, "lee", "04")
    sync(team.lead)
    with Project.open(team.alice) as alice:
        line = describe(sync(alice))
        assert f"kept 2 codings on {code.label}: archived by the lead" in line
        assert alice.code("04").archived
        assert len(alice.codings(coders=["alice"])) == 2
    assert _hub_codes_of(team.hub, "alice") == {code.guid: 2}


def test_a_merge_undone_by_the_lead_is_no_merge_on_the_hub(team) -> None:
    from codebench.coding.history import undo

    merge_codes(team.lead, "lee", "01", "02")
    undo(team.lead, "lee")
    sync(team.lead)
    with team.hub.admin() as admin:
        row = admin.execute(
            "SELECT archived, merged_into FROM codebench.codes WHERE guid = %s",
            [team.lead.code("01").guid],
        ).fetchone()
    assert row == (False, None)


def _segments(project: Project, name: str) -> list[tuple[int, int, int]]:
    return [(s.ordinal, s.start, s.end) for s in project.segments(name)]


def test_a_correction_by_the_lead_remaps_a_coders_offline_codings_by_their_words(team) -> None:
    from codebench.coding.correction import correct_text, needing_review

    old = team.lead.text(team.lead.transcript("int1"))
    clinic = old.index("We also started a new clinic.")
    two = old.index("two ")
    with Project.open(team.alice) as alice:
        # Offline: one coding on a later sentence, one on a word the lead will delete.
        alice.add_codings("alice", "01", "int1", [(clinic, clinic + 29), (two, two + 3)])
    new = old.replace("It was hard.", "It was very hard.").replace(
        "lost two managers", "lost managers"
    )
    correct_text(team.lead, "int1", new, "lee", reason="typo")
    sync(team.lead)
    with Project.open(team.alice) as alice:
        line = describe(sync(alice))
        assert "int1: the lead's correction (version 2) arrived; 2 codings remapped" in line
        text = alice.text(alice.transcript("int1"))
        assert text == new
        spans = sorted(text[c.start : c.end] for c in alice.codings(coders=["alice"]))
        # The clinic sentence keeps its words; the deleted word's coding stays, flagged.
        assert "We also started a new clinic." in spans and len(spans) == 2
        flagged = needing_review(alice, "int1")
        assert len(flagged) == 1 and flagged[0].reason in ("clamped", "orphaned")
        assert _segments(alice, "int1") == _segments(team.lead, "int1")
        mine = sorted((c.start, c.end) for c in alice.codings(coders=["alice"]))
        assert describe(sync(alice)) == "nothing to sync: up to date"
    with team.hub.admin() as admin:
        on_hub = sorted(
            (int(r[0]), int(r[1]))
            for r in admin.execute(
                "SELECT k.start_char, k.end_char FROM codebench.codings k"
                " JOIN codebench.coders c ON c.guid = k.coder_guid"
                " WHERE c.name = 'alice' AND NOT k.deleted"
            )
        )
    assert on_hub == mine  # the remapped spans went up in the same sync
    sync(team.lead)
    assert sorted((c.start, c.end) for c in team.lead.codings(coders=["alice"])) == mine


def test_segments_the_lead_changed_replace_the_copys_and_memos_keep_an_anchor(team) -> None:
    from codebench.store import sync_sql

    lead_t = team.lead.transcript("int1")
    with Project.open(team.alice) as alice:
        last = alice.segments("int1")[-1]
        alice.add_memo("alice", "On the last sentence.", transcript="int1", segment=last)
        sync(alice)
    # The lead joins the last two segments into one (as re-segmenting would).
    before = team.lead.segments("int1")
    joined = [
        (s.ordinal, s.start, s.end, s.speaker, int(s.codable), s.turn, s.paragraph, s.timestamp)
        for s in before[:-2]
    ]
    a, b = before[-2], before[-1]
    joined.append(
        (a.ordinal, a.start, b.end, a.speaker, int(a.codable), a.turn, a.paragraph, a.timestamp)
    )
    with team.lead.transaction():
        sync_sql.replace_segments(team.lead.db, lead_t.id, joined, team.lead.text(lead_t))
    sync(team.lead)
    with Project.open(team.alice) as alice:
        line = describe(sync(alice))
        assert "int1: the lead changed its segments; this copy now has theirs." in line
        assert _segments(alice, "int1") == _segments(team.lead, "int1")
        (memo,) = alice.memos()
        assert memo.text == "On the last sentence." and memo.segment_id is not None


def test_codings_on_a_code_made_in_the_copy_are_held_back_and_reported_every_sync(team) -> None:
    from .conftest import code_made_in_copy

    with Project.open(team.alice) as alice:
        code_made_in_copy(alice, "My own idea")
        alice.add_codings("alice", "My own idea", "int1", [(0, 10)])
        alice.add_codings("alice", "01", "int1", [(20, 30)])
        for attempt in range(2):
            result = sync(alice)
            # the code itself is a codebook edit the lead never received
            assert result.held_back == {"codings": 1, "codes": 1}, attempt
            assert "held back 1 coding (on a code made in this copy" in describe(result)
            assert "held back 1 codebook edit (the lead owns the codebook)" in describe(result)
            assert result.pushed.get("codings", 0) == (1 if attempt == 0 else 0)
    with team.hub.admin() as admin:
        names = [r[0] for r in admin.execute("SELECT name FROM codebench.codes")]
    assert "My own idea" not in names


def test_release_of_a_round_the_project_does_not_have_is_one_clear_line(team) -> None:
    from click.testing import CliRunner

    from codebench.cli.app import cli

    out = CliRunner().invoke(cli, ["team", "release", str(team.lead.path), "--round", "1"])
    assert out.exit_code == 1
    assert "no round '1' (rounds: none yet" in out.output and "Traceback" not in out.output
    with team.hub.admin() as admin:
        assert admin.execute("SELECT count(*) FROM codebench.releases").fetchone() == (0,)
