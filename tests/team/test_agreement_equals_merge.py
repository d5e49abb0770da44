"""The lead's agreement report from synced work equals the one from a file merge of the same work."""

from __future__ import annotations

import random
from pathlib import Path

from codebench.agreement.report import agreement_report
from codebench.exchange.merge.run import merge
from codebench.project import Project
from codebench.team.sync import sync

from .pgdriver import load_psycopg

load_psycopg()


def _figures(report: dict) -> dict:
    """The report without what names its source: the file name, and the notes and settings
    saying where the design came from (the lead's copy has the assignments, whole transcripts
    to both coders; the merged file only the done statuses, which here give the same units)."""
    return {
        k: v
        for k, v in report.items()
        if k not in ("project", "project_name", "generated_at", "notes", "settings")
    }


def test_synced_agreement_equals_merged_agreement(team, tmp_path: Path) -> None:
    rng = random.Random(44)
    for path, coder in ((team.alice, "alice"), (team.bob, "bob")):
        with Project.open(path) as copy:
            codable = [s.ordinal for s in copy.segments("int1") if s.codable]
            for code in ("01", "02", "04"):
                chosen = sorted(rng.sample(codable, 3))
                copy.code_segments(coder, "int1", chosen, code)
            copy.set_status(coder, "int1", "done")
            sync(copy)
    sync(team.lead)
    merged = Project.init(tmp_path / "merged.db")
    try:
        merge(merged, [team.alice, team.bob])
        from_files = agreement_report(merged, bootstrap=0)
    finally:
        merged.close()
    from_hub = agreement_report(team.lead, bootstrap=0)
    assert _figures(from_hub) == _figures(from_files)
    assert _figures(from_hub) != _figures(agreement_report(team.lead, bootstrap=0, codes=["01"]))
