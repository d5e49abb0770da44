"""The whole round through a hub, as the issue's "Done when" says, against the same work merged from files.

A lead and three coders (three local copies, three login roles) on a
loopback hub: publish, nine transcripts assigned, a 25 % sample, a round,
blind coding through the workbench's coding session, one sync with the
server stopped (the work waits, then goes up), release of the round,
adjudication with reasons, the methods appendix. The lead's figures then
equal those of the same work merged from the coders' files into a copy of
the lead's design made before publishing.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.agreement.consensus import adjudicate, list_disagreements
from codebench.cli.app import cli
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.coding.session import CodingSession
from codebench.design.assignments import assign, assignments
from codebench.design.rounds import get_round, rounds, start_round
from codebench.design.sample import draw_sample
from codebench.exchange.merge.run import merge
from codebench.project import Project
from codebench.team import localserver
from codebench.team.copies import clone, publish
from codebench.team.lead import release
from codebench.team.sync import SyncOffline, sync, waiting

from .pgdriver import load_psycopg

psycopg = load_psycopg()

CODERS = ("alice", "bob", "cara")
NAMES = [f"t{i}" for i in range(1, 10)]


def _code_blind(path: Path, coder: str, seed: int) -> int:
    """Code every assigned transcript through the workbench's session; returns codings made."""
    rng = random.Random(seed)
    made = 0
    with Project.open(path) as copy:
        me = copy.coder(coder)
        codes = [c for c in copy.codes() if c.number in ("01", "02", "04", "05")]
        for name in sorted({a.transcript.name for a in assignments(copy, coder=coder)}):
            session = CodingSession(copy, me, copy.transcript(name))
            codable = [i for i, s in enumerate(session.segments) if s.codable]
            for index in codable:
                chosen = rng.sample(codes, rng.randint(0, 2))
                if chosen:
                    session.apply(chosen, [index])
                    made += len(chosen)
            session.toggle_done()
    return made


def _decide(project: Project, round_number: int) -> int:
    """Adjudicate each disagreement of the round the same way, with a reason; returns how many."""
    round_ = get_round(project, round_number)
    within = {project.transcript(n).id: None for n in round_.transcript_names}
    decided = 0
    for d in list_disagreements(project, list(CODERS), within=within):
        choice = "majority" if (d.ordinal + len(d.code.name)) % 2 else "agreed"
        adjudicate(
            project,
            "lee",
            d,
            d.code,
            choice,
            coders=list(CODERS),
            reason=f"{choice}: segment {d.ordinal} of {d.transcript.name}",
        )
        decided += 1
    return decided


def _run(path: Path, *args: str) -> str:
    out = CliRunner().invoke(cli, ["-p", str(path), *args])
    assert out.exit_code == 0, out.output
    return out.output


def _figures(report: dict) -> dict:
    """The agreement report without what names its source file or the moment it was made."""
    return {k: v for k, v in report.items() if k not in ("project", "project_name", "generated_at")}


def _appendix(path: Path, out: Path) -> list[str]:
    _run(path, "methods-appendix", "--seed", "7", "-o", str(out))
    return [
        line
        for line in out.read_text(encoding="utf-8").splitlines()
        if path.name not in line and "generated" not in line.casefold()
    ]


def test_a_whole_round_through_the_hub_equals_the_same_work_merged_from_files(
    hub, pg_server, write_interview, tmp_path: Path
) -> None:
    hub.add("lee", "lead")
    for name in CODERS:
        hub.add(name)
    lead_path, files_path = tmp_path / "lead.db", tmp_path / "files.db"
    lead = Project.init(lead_path, load_codebook(default_codebook_path()))
    try:
        assert lead.import_files([write_interview(t, tag=t) for t in NAMES]).ok
        lead.coder("lee", create=True)
        for i, name in enumerate(CODERS):
            lead.coder(name, create=True)
            assign(lead, name, NAMES[3 * i : 3 * i + 3])
        sample = draw_sample(lead, 0.25, list(CODERS), seed=11, name="s1", by="lee")
        assert 2 <= len(sample.transcripts) <= 3
        start_round(lead, "pilot", sample="s1", by="lee")
    finally:
        lead.close()
    shutil.copy(lead_path, files_path)  # the file world starts from the same design

    with Project.open(lead_path) as lead:
        publish(lead, hub.url("lee"))
    copies = {name: tmp_path / f"{name}.db" for name in CODERS}
    for name, path in copies.items():
        clone(hub.url(name), path, coder=name)
        with Project.open(path) as copy:
            # The round's definition and the coder's own assignments came down.
            assert [(r.number, r.name, r.transcript_names) for r in rounds(copy)] == [
                (1, "pilot", sample.transcripts)
            ]
            mine = {a.transcript.name for a in assignments(copy)}
            assert {a.coder.name for a in assignments(copy)} == {name}
        expected = set(NAMES[3 * CODERS.index(name) : 3 * CODERS.index(name) + 3])
        assert mine == expected | set(sample.transcripts)

    made = {name: _code_blind(path, name, seed) for seed, (name, path) in enumerate(copies.items())}
    for name in ("alice", "bob"):
        with Project.open(copies[name]) as copy:
            assert sync(copy).pushed["codings"] == made[name]
    # The network is cut for cara's first sync: her work waits, then goes up.
    localserver.stop(pg_server.folder)
    try:
        with Project.open(copies["cara"]) as copy, pytest.raises(SyncOffline, match="waiting"):
            sync(copy)
        with Project.open(copies["cara"]) as copy:
            assert waiting(copy) >= made["cara"]
    finally:
        localserver.start(pg_server.folder, port=pg_server.port, durable=False)
    with Project.open(copies["cara"]) as copy:
        assert sync(copy).pushed["codings"] == made["cara"]
        assert waiting(copy) == 0

    # Blind: before the release no coder's copy holds anyone else's codings, and
    # the database itself shows a coder only their own.
    for name, path in copies.items():
        with Project.open(path) as copy:
            sync(copy)
            assert {c.coder_id for c in copy.codings()} == {copy.coder(name).id}
    with hub.connect_as("alice") as conn:
        seen = conn.execute(
            "SELECT DISTINCT c.name FROM codebench.codings k"
            " JOIN codebench.coders c ON c.guid = k.coder_guid"
        ).fetchall()
        assert seen == [("alice",)]

    with Project.open(lead_path) as lead:
        sync(lead)
        assert len(lead.codings()) == sum(made.values())
        assert release(lead, round_ref="1") == sample.transcripts
    for name, path in copies.items():
        with Project.open(path) as copy:
            sync(copy)
            others = {
                copy.transcript(c.transcript_id).name
                for c in copy.codings()
                if c.coder_id != copy.coder(name).id
            }
            assert others == set(sample.transcripts)  # the round's sample, nothing more
    with hub.connect_as("bob") as conn:  # and the database itself says the same
        visible = conn.execute(
            "SELECT DISTINCT t.name FROM codebench.codings k"
            " JOIN codebench.coders c ON c.guid = k.coder_guid"
            " JOIN codebench.transcripts t ON t.guid = k.transcript_guid WHERE c.name <> 'bob'"
        ).fetchall()
        assert {r[0] for r in visible} == set(sample.transcripts)

    with Project.open(lead_path) as lead:
        decided = _decide(lead, 1)
        assert decided > 0
        sync(lead)
        consensus = len(lead.codings(coders=["consensus"]))
    with hub.admin() as admin:
        on_hub = admin.execute(
            "SELECT count(*) FROM codebench.codings k JOIN codebench.coders c"
            " ON c.guid = k.coder_guid WHERE c.kind = 'consensus' AND NOT k.deleted"
        ).fetchone()[0]
    assert on_hub == consensus > 0  # the decisions reached the hub

    # The same work, merged from the coders' files into the lead's design, decided alike.
    with Project.open(files_path) as files:
        merge(files, list(copies.values()))
        assert _decide(files, 1) == decided

    hub_report = json.loads(
        _run(lead_path, "agreement", "--round", "1", "--seed", "7", "--format", "json")
    )
    file_report = json.loads(
        _run(files_path, "agreement", "--round", "1", "--seed", "7", "--format", "json")
    )
    assert _figures(hub_report) == _figures(file_report)
    assert hub_report["coders"] and [c["name"] for c in hub_report["coders"]] == list(CODERS)
    hub_appendix = _appendix(lead_path, tmp_path / "hub.md")
    file_appendix = _appendix(files_path, tmp_path / "files.md")
    assert hub_appendix == file_appendix
    assert any("with a written reason" in line for line in hub_appendix)
