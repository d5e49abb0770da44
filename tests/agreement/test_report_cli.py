"""End to end: a project built through the API, `codebench agreement --format json`, and
values computed independently in the test (scikit-learn, krippendorff, statsmodels and
hand-written formulas over vectors built from the known codings)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from codebench.cli import cli
from codebench.project import Project

INTERVIEW = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost two managers. But staff morale rose!\n\n"
    "We also started a new clinic. The staff chose the name. Patients liked it.\n"
    "Interviewer: Anything else?\n"
    "Ann Lee: The council still tells us what to do. We fight it every week. The contract is tight.\n"
    "Interviewer: And money?\n"
    "Ann Lee: Money is short. We bid for grants. We sell training to other trusts. It helps.\n"
)
CODES = ["02", "08", "10", "13.2"]  # 13.2 is used by nobody: its coefficients are undefined
CODERS = ["alice", "bob", "cara"]

# transcript -> coder -> code -> codable segment ordinals coded
SPEC: dict[str, dict[str, dict[str, list[int]]]] = {
    "t1": {
        "alice": {
            "02": [1, 2],
            "08": [3, 5, 6],
            "10": [9, 10, 11],
        },  # 11 is an interviewer turn: ignored
        "bob": {"02": [1], "08": [3, 5], "10": [9, 10, 13, 11], "13.2": []},
        "cara": {"02": [1, 2, 4], "08": [3, 6], "10": [9, 11]},
    },
    "t2": {
        "alice": {"02": [4], "08": [1, 2], "10": [13, 14, 15]},
        "bob": {"02": [4, 5], "08": [1, 2, 3], "10": [14, 15], "13.2": []},
        "cara": {"02": [4], "08": [2], "10": [9, 13, 14, 15]},
    },
    # cara has not finished t3: alice and bob are compared there, cara is missing there
    "t3": {
        "alice": {"02": [1, 2, 3, 4, 5, 6]},
        "bob": {"02": [9, 10]},
        "cara": {"02": [13]},
    },
}


def run(db: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def study(project: Project, write_transcript) -> Project:
    paths = [write_transcript(f"{t}.txt", INTERVIEW.replace("hard", f"hard ({t})")) for t in SPEC]
    assert project.import_files(paths).ok
    for t, by_coder in SPEC.items():
        for coder, by_code in by_coder.items():
            project.coder(coder, create=True)
            for code, ordinals in by_code.items():
                if ordinals:  # some are interviewer turns on purpose (see SPEC)
                    project.code_segments(coder, t, ordinals, code, allow_noncodable=True)
            if t != "t3" or coder != "cara":
                project.set_status(coder, t, "done")
    return project


def codable(project: Project, t: str) -> list[int]:
    return [s.ordinal for s in project.segments(t) if s.codable]


def rated(t: str, k: str) -> bool:
    """Whether coder k marked transcript t done (rated its units); cara did not finish t3."""
    return not (t == "t3" and k == "cara")


def vectors(
    project: Project, code: str, transcripts=("t1", "t2", "t3"), coders=CODERS
) -> np.ndarray:
    """coders x units 0/1 (NaN where the coder did not rate) built straight from SPEC."""
    return np.array(
        [
            [
                float(o in SPEC[t][k].get(code, [])) if rated(t, k) else np.nan
                for t in transcripts
                for o in codable(project, t)
            ]
            for k in coders
        ]
    )


def percent_agreement(m: np.ndarray) -> float:
    shares = []
    for column in m.T:
        column = column[~np.isnan(column)]
        if len(column) < 2:
            continue
        pairs = list(combinations(column, 2))
        shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return float(np.mean(shares))


def gwet_ac1(m: np.ndarray) -> float:
    pa = percent_agreement(m)
    counts = (~np.isnan(m)).sum(axis=0)
    pi1 = float(np.mean((np.nansum(m, axis=0) / counts)[counts >= 1]))
    pe = (pi1 * (1 - pi1) + (1 - pi1) * pi1) / (2 - 1)  # sum_k pi_k (1 - pi_k) / (q - 1), q = 2
    return (pa - pe) / (1 - pe)


def both(m: np.ndarray, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Coders i and j on the units both rated."""
    keep = ~np.isnan(m[i]) & ~np.isnan(m[j])
    return m[i][keep], m[j][keep]


def masi(a: frozenset, b: frozenset) -> float:
    if a == b:
        return 0.0
    inter = len(a & b)
    if not inter:
        return 1.0
    m = 2 / 3 if (a <= b or b <= a) else 1 / 3
    return 1 - inter / len(a | b) * m


def textbook_set_alpha(units: list[list[frozenset]]) -> float:
    """Krippendorff's alpha with a set distance, straight from the definition (units with >= 2 ratings)."""
    values = [v for unit in units for v in unit]
    n = len(values)
    observed = (
        sum(
            sum(masi(a, b) for i, a in enumerate(unit) for j, b in enumerate(unit) if i != j)
            / (len(unit) - 1)
            for unit in units
        )
        / n
    )
    expected = sum(
        masi(a, b) for i, a in enumerate(values) for j, b in enumerate(values) if i != j
    ) / (n * (n - 1))
    return 1 - observed / expected


def report_json(db: Path, *args: str) -> dict:
    return json.loads(
        run(db, "agreement", "--codes", ",".join(CODES), "--format", "json", *args).output
    )


def test_json_matches_independent_computations(study: Project) -> None:
    """Every figure against an independent computation; cara, who did not finish t3, is missing there.

    Issue 12, point 2: t3 used to be left out because cara had not finished it,
    which cut alice and bob's comparison to t1 and t2. Now t3 is compared, cara's
    units there are missing, and each pair is compared on what both rated.
    """
    report = report_json(study.path, "--bootstrap", "0")
    assert report["schema"] == "codebench.agreement/1"
    assert [c["name"] for c in report["coders"]] == CODERS
    assert report["transcripts"]["compared"] == ["t1", "t2", "t3"]
    assert report["transcripts"]["excluded"] == []
    n_units = len(codable(study, "t1")) * 3
    assert report["units"]["total"] == n_units
    assert report["units"]["missing_by_coder"] == {"alice": 0, "bob": 0, "cara": n_units // 3}
    by_number = {c["number"]: c for c in report["codes"]}
    assert list(by_number) == CODES
    for code in ("02", "08", "10"):
        m = vectors(study, code)
        complete = m[:, ~np.isnan(m).any(axis=0)]
        entry = by_number[code]
        assert entry["units"] == n_units
        assert entry["complete_units"] == complete.shape[1] == n_units * 2 // 3
        assert entry["applied_by_coder"] == {
            k: int(v) for k, v in zip(CODERS, np.nansum(m, axis=1))
        }
        assert entry["krippendorff_alpha"]["value"] == pytest.approx(
            krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"), abs=1e-12
        )
        counts, _ = aggregate_raters(complete.T.astype(int))
        assert entry["fleiss_kappa"]["value"] == pytest.approx(fleiss_kappa(counts), abs=1e-12)
        assert entry["kappa"]["statistic"] == "fleiss"
        assert entry["kappa"]["value"] == pytest.approx(fleiss_kappa(counts), abs=1e-12)
        for pair in entry["cohen_kappa"]:
            i, j = (CODERS.index(name) for name in pair["coders"])
            assert pair["value"] == pytest.approx(cohen_kappa_score(*both(m, i, j)), abs=1e-12)
        assert entry["percent_agreement"]["value"] == pytest.approx(percent_agreement(m), abs=1e-12)
        assert entry["gwet_ac1"]["value"] == pytest.approx(gwet_ac1(m), abs=1e-12)
        assert entry["brennan_prediger"]["value"] == pytest.approx(
            2 * percent_agreement(m) - 1, abs=1e-12
        )
        rated_n = (~np.isnan(m)).sum(axis=0)
        applied = np.nansum(m, axis=0)
        differ = int(sum((r >= 2) & (0 < s < r) for r, s in zip(rated_n, applied)))
        assert entry["disagreements"] == differ

    # Overall: macro mean, pooled decisions and set-valued alpha.
    overall = report["overall"]
    alphas = [by_number[c]["krippendorff_alpha"]["value"] for c in ("02", "08", "10")]
    assert overall["macro"]["krippendorff_alpha"] == {
        "value": pytest.approx(np.mean(alphas), abs=1e-12),
        "reason": None,
        "codes": 3,
        "undefined": 0,
        "not_used": 1,
    }
    # Pooled over the codes some coder applied (the fourth is nobody's).
    used = [c for c in CODES if np.nansum(vectors(study, c)) > 0]
    assert len(used) == len(CODES) - 1 == overall["pooled"]["codes"]
    pooled = np.concatenate([vectors(study, c) for c in used], axis=1)
    assert overall["pooled"]["decisions"] == n_units * len(used)
    assert overall["pooled"]["krippendorff_alpha"]["value"] == pytest.approx(
        krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal"), abs=1e-12
    )
    units = [
        [
            frozenset(c for c in CODES if vectors(study, c)[k, u] == 1)
            for k in range(3)
            if not np.isnan(vectors(study, CODES[0])[k, u])
        ]
        for u in range(n_units)
    ]
    assert overall["set_alpha"]["masi"]["value"] == pytest.approx(
        textbook_set_alpha(units), abs=1e-12
    )

    # Per transcript: pooled alpha over that transcript's decisions.
    for row in report["per_transcript"]:
        here = [vectors(study, c, transcripts=(row["transcript"],)) for c in CODES]
        here = [v for v in here if np.nansum(v) > 0]
        assert row["pooled_codes"] == len(here)
        m = np.concatenate(here, axis=1)
        assert row["units"] == len(codable(study, row["transcript"]))
        assert row["krippendorff_alpha"]["value"] == pytest.approx(
            krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"), abs=1e-12
        )
    # Per pair: pooled Cohen's kappa and the macro mean of the per-code kappas, on what both rated.
    assert [r["coders"] for r in report["per_pair"]] == [
        ["alice", "bob"],
        ["alice", "cara"],
        ["bob", "cara"],
    ]
    for row in report["per_pair"]:
        i, j = (CODERS.index(name) for name in row["coders"])
        mine = [
            c
            for c in used
            if both(vectors(study, c), i, j)[0].sum() + both(vectors(study, c), i, j)[1].sum()
        ]
        assert row["pooled_codes"] == len(mine)
        a, b = both(np.concatenate([vectors(study, c) for c in mine], axis=1), i, j)
        assert row["cohen_kappa"]["value"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
        assert row["krippendorff_alpha"]["value"] == pytest.approx(
            krippendorff.alpha(reliability_data=np.array([a, b]), level_of_measurement="nominal"),
            abs=1e-12,
        )
        assert row["percent_agreement"]["value"] == pytest.approx(float(np.mean(a == b)), abs=1e-12)
        # alice and bob are compared on all three transcripts, cara's pairs on two.
        assert row["units"] == (n_units if "cara" not in row["coders"] else n_units * 2 // 3)
        per_code = [cohen_kappa_score(*both(vectors(study, c), i, j)) for c in ("02", "08", "10")]
        assert row["macro_kappa"]["value"] == pytest.approx(np.mean(per_code), abs=1e-12)


def test_two_coders_report_cohen_kappa_as_the_kappa(study: Project) -> None:
    report = report_json(study.path, "--coders", "alice,bob", "--bootstrap", "0")
    assert report["transcripts"]["compared"] == [
        "t1",
        "t2",
        "t3",
    ]  # both finished t3 (only cara had not)
    m = vectors(study, "02", transcripts=("t1", "t2", "t3"), coders=["alice", "bob"])
    entry = next(c for c in report["codes"] if c["number"] == "02")
    assert entry["kappa"]["statistic"] == "cohen"
    assert entry["kappa"]["value"] == pytest.approx(cohen_kappa_score(m[0], m[1]), abs=1e-12)
    assert entry["bands"]["landis_koch"] in {
        "poor",
        "slight",
        "fair",
        "moderate",
        "substantial",
        "almost perfect",
    }


def test_undefined_coefficients_are_null_with_a_reason(study: Project) -> None:
    report = report_json(study.path, "--bootstrap", "50", "--seed", "1")
    unused = next(c for c in report["codes"] if c["number"] == "13.2")
    assert unused["applied"] == 0
    for key in ("krippendorff_alpha", "kappa", "fleiss_kappa"):
        assert unused[key]["value"] is None
        assert "no variation" in unused[key]["reason"]
    assert unused["krippendorff_alpha"]["ci"] is None
    for pair in unused["cohen_kappa"]:
        assert pair["value"] is None and pair["reason"]
    assert unused["bands"] == {"krippendorff": None, "landis_koch": None}
    assert any("No coder applied this code" in d for d in unused["diagnostics"])
    assert any("13.2" in d for d in report["overall"]["diagnostics"])
    # No NaN or infinity anywhere in the document.
    text = run(
        study.path, "agreement", "--format", "json", "--bootstrap", "20", "--seed", "1"
    ).output
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_bootstrap_intervals_are_seeded(study: Project) -> None:
    first = report_json(study.path, "--bootstrap", "300", "--seed", "11")
    again = report_json(study.path, "--bootstrap", "300", "--seed", "11")
    other = report_json(study.path, "--bootstrap", "300", "--seed", "12")
    assert first == again
    entry = next(c for c in first["codes"] if c["number"] == "08")
    ci = entry["krippendorff_alpha"]["ci"]
    assert ci["replicates"] == 300 and ci["level"] == 0.95
    assert ci["low"] <= entry["krippendorff_alpha"]["value"] <= ci["high"]
    assert entry["kappa"]["ci"] is not None and all(p["ci"] for p in entry["cohen_kappa"])
    assert other["codes"] != first["codes"]
    assert first["settings"]["bootstrap"] == 300 and first["settings"]["seed"] == 11


def test_unit_level_and_overlap_options_reach_the_report(study: Project) -> None:
    report = report_json(
        study.path, "--unit", "turn", "--level", "1", "--min-overlap", "0.5", "--bootstrap", "0"
    )
    assert report["settings"] == {
        "unit": "turn",
        "min_overlap": 0.5,
        "overlap_rule": "Coded: a unit counts as coded for a code when the coder's codings of it "
        "cover at least 50% of the unit's characters (--min-overlap 0.5; 0 = any overlap).",
        "level": 1,
        "child_implies_parent": False,
        "hierarchy": "Codes: rolled up to level 1 (--level 1): a code deeper than level 1 counts "
        "as its ancestor at level 1; level 1 is the top of the codebook.",
        "include_unfinished": False,
        "design": "statuses",
        "bootstrap": 0,
        "bootstrap_by": None,
        "bootstrap_method": "bootstrap: none",
        "seed": None,
        "ci_level": 0.95,
    }
    assert [c["number"] for c in report["codes"]] == ["02", "08", "10", "13"]
    chars = report_json(study.path, "--unit", "character", "--bootstrap", "0")
    assert chars["units"]["counted_in"] == "characters"
    assert any("Character units" in n for n in chars["notes"])
    unfinished = report_json(study.path, "--include-unfinished", "--bootstrap", "0")
    assert unfinished["transcripts"]["compared"] == ["t1", "t2", "t3"]
    assert any("missing" in n for n in unfinished["notes"])
    assert unfinished["units"]["missing_by_coder"]["cara"] > 0


def test_confusions_name_the_codes_used_instead(project: Project, write_transcript) -> None:
    project.import_files([write_transcript("t.txt", INTERVIEW)])
    project.code_segments("alice", "t", [1, 2, 3], "08")
    project.code_segments("bob", "t", [1, 2], "10")
    project.code_segments("bob", "t", [3], "08")
    project.code_segments("bob", "t", [4], "02")
    for k in ("alice", "bob"):
        project.set_status(k, "t", "done")
    report = json.loads(
        run(project.path, "agreement", "--format", "json", "--bootstrap", "0").output
    )
    top = report["confusions"][0]
    assert (top["code_a"]["number"], top["code_b"]["number"], top["units"]) == ("08", "10", 2)
    assert top["by_pair"] == [
        {"first": "alice", "second": "bob", "first_a_second_b": 2, "first_b_second_a": 0}
    ]
    assert all(
        {c["code_a"]["number"], c["code_b"]["number"]} != {"02", "08"} for c in report["confusions"]
    )


def test_other_formats_and_files(study: Project, tmp_path: Path) -> None:
    table = run(study.path, "agreement", "--codes", "02,08", "--bootstrap", "0").output
    assert "Agreement per code" in table and "Krippendorff 2004" in table and "Landis" in table
    csv_text = run(
        study.path, "agreement", "--codes", "02,08", "--format", "csv", "--bootstrap", "0"
    ).output
    header = csv_text.splitlines()[0].split(",")
    assert (
        header[:3] == ["number", "name", "units"]
        and "alpha" in header
        and "cohen_kappa_alice_bob" in header
    )
    assert len(csv_text.splitlines()) == 3
    md = run(study.path, "agreement", "--format", "md", "--bootstrap", "0").output
    assert md.startswith("# Inter-coder agreement") and "| Code |" in md
    refused = run(study.path, "agreement", "--format", "xlsx", ok=False)
    assert refused.exit_code != 0 and "-o FILE.xlsx" in refused.output
    out = tmp_path / "out" / "agreement.xlsx"
    out.parent.mkdir()
    run(study.path, "agreement", "--format", "xlsx", "-o", str(out), "--bootstrap", "0")
    from openpyxl import load_workbook

    book = load_workbook(out)
    assert book.sheetnames == [
        "Codes",
        "Overall",
        "Transcripts",
        "Pairs",
        "Confusions",
        "Diagnostics",
        "Settings",
    ]
    assert book["Codes"]["A1"].value == "number"
    target = tmp_path / "agreement.json"
    run(study.path, "agreement", "--format", "json", "-o", str(target), "--bootstrap", "0")
    assert json.loads(target.read_text())["schema"] == "codebench.agreement/1"
    assert not list(tmp_path.glob(".agreement.json.*"))  # no temporary file left behind
    text_file = tmp_path / "agreement.txt"
    run(study.path, "agreement", "-o", str(text_file), "--bootstrap", "0")
    run(study.path, "agreement", "-o", str(text_file), "--bootstrap", "0")
    assert "Agreement per code" in text_file.read_text()


def test_disagreements_command(study: Project) -> None:
    out = run(
        study.path, "disagreements", "--coders", "alice,bob", "--code", "02", "--format", "json"
    ).output
    rows = json.loads(out)
    # t1: alice 1,2 / bob 1 -> segment 2; t2: alice 4 / bob 4,5 -> segment 5; t3 (both done): alice 1-6 / bob 9,10
    expected = [("t1", 2, "alice"), ("t2", 5, "bob")] + [
        ("t3", o, "alice") for o in (1, 2, 3, 4, 5, 6)
    ]
    expected += [("t3", 9, "bob"), ("t3", 10, "bob")]
    assert [(r["transcript"], r["segment"], r["applied_by"]) for r in rows] == expected
    seg2 = study.segment("t1", 2)
    assert rows[0]["text"] == seg2.text and rows[0]["alice"] == "02" and rows[0]["bob"] == "—"
    table = run(study.path, "disagreements", "--coders", "alice,bob", "--code", "02").output
    assert (
        "Disagreements between alice and bob" in table and "10 disagreements, 0 decided." in table
    )
    # Three coders: cara did not finish t3, so its segments are rated by alice and bob only.
    three = json.loads(
        run(
            study.path,
            "disagreements",
            "--coders",
            "alice,bob,cara",
            "--code",
            "02",
            "--format",
            "json",
        ).output
    )
    in_t3 = [r for r in three if r["transcript"] == "t3"]
    assert in_t3 and all(r["cara"] == "not rated" for r in in_t3)
    assert all(r["cara"] != "not rated" for r in three if r["transcript"] != "t3")
    refused = run(study.path, "disagreements", "--coders", "alice", ok=False)
    assert refused.exit_code != 0 and "two or more coders" in refused.output


def test_adjudicate_command_and_against_consensus(study: Project) -> None:
    out = run(
        study.path,
        "adjudicate",
        "--coder",
        "pat",
        "--new-coder",
        "--coders",
        "alice,bob",
        "t1",
        "2",
        "02",
        "accept_a",
    ).output
    assert "consensus: segment 2 now has 02" in out
    rows = json.loads(
        run(
            study.path, "disagreements", "--coders", "alice,bob", "--code", "02", "--format", "json"
        ).output
    )
    assert rows[0]["decided"] == "accepted alice by pat" and rows[0]["reason"] == ""
    undecided = json.loads(
        run(
            study.path,
            "disagreements",
            "--coders",
            "alice,bob",
            "--code",
            "02",
            "--undecided",
            "--format",
            "json",
        ).output
    )
    assert [(r["transcript"], r["segment"]) for r in undecided] == [
        (r["transcript"], r["segment"]) for r in rows[1:]
    ]
    report = json.loads(
        run(
            study.path, "agreement", "--against-consensus", "--format", "json", "--bootstrap", "0"
        ).output
    )
    assert report["mode"] == "against-consensus" and report["consensus"] == "consensus"
    assert [c["coders"][1]["name"] for c in report["comparisons"]] == ["consensus"] * len(
        report["comparisons"]
    )
    assert run(study.path, "agreement", "--against-consensus").exit_code == 0


def test_help_has_examples() -> None:
    for name in ("agreement", "disagreements", "adjudicate"):
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Example" in result.output


def test_the_format_follows_the_output_files_extension(study: Project, tmp_path: Path) -> None:
    """``-o report.xlsx`` writes a workbook (as every report command does), not the table as text."""
    from docx import Document
    from openpyxl import load_workbook

    run(study.path, "agreement", "-o", str(tmp_path / "a.xlsx"), "--bootstrap", "0")
    assert load_workbook(tmp_path / "a.xlsx").sheetnames[0] == "Codes"
    run(study.path, "agreement", "-o", str(tmp_path / "a.docx"), "--bootstrap", "0")
    assert Document(str(tmp_path / "a.docx")).paragraphs
    run(study.path, "agreement", "-o", str(tmp_path / "a.json"), "--bootstrap", "0")
    assert json.loads((tmp_path / "a.json").read_text())["schema"] == "codebench.agreement/1"
    refused = run(study.path, "agreement", "-o", str(tmp_path / "a.png"), ok=False)
    assert refused.exit_code == 1 and "cannot be written as png" in refused.output
    assert not (tmp_path / "a.png").exists()


def test_bootstrap_by_chooses_what_is_resampled_and_every_format_says_so(study: Project) -> None:
    # Three transcripts: the default resamples segments; asked, it resamples transcripts.
    default = report_json(study.path, "--bootstrap", "200", "--seed", "3")
    assert default["settings"]["bootstrap_by"] == "unit"
    cluster = report_json(
        study.path, "--bootstrap", "200", "--seed", "3", "--bootstrap-by", "transcript"
    )
    method = "bootstrap: 200 replicates, resampling transcripts (cluster)"
    assert cluster["settings"]["bootstrap_method"] == method
    assert any("fewer than 10" in n for n in cluster["notes"])
    assert cluster["codes"] != default["codes"]
    for fmt in ("table", "md"):
        text = run(
            study.path,
            "agreement",
            "--bootstrap",
            "200",
            "--bootstrap-by",
            "transcript",
            "--format",
            fmt,
        ).output
        assert method in " ".join(text.split()), fmt
    bad = run(study.path, "agreement", "--bootstrap-by", "speaker", ok=False)
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_disagreements_wrap_at_80_columns_and_never_clip(study: Project) -> None:
    """Three coders and a decided column with a long reason: every cell wraps inside 80 columns."""
    from rich.console import Console

    from codebench.agreement.consensus import list_disagreements
    from codebench.cli.agreement_cmds import disagreement_table

    first = list_disagreements(study, None, None)[0]
    reason = "the passage names the service but the code is about the organisation's history"
    run(
        study.path,
        "adjudicate",
        "--coder",
        "lead",
        "--new-coder",
        first.transcript.name,
        str(first.ordinal),
        first.code.number,
        "majority",
        "--coders",
        "alice,bob,cara",
        "--reason",
        reason,
    )
    items = list_disagreements(study, None, None)
    assert any(d.decided for d in items)
    console = Console(width=80, record=True, color_system=None)
    console.print(disagreement_table(items))
    out = console.export_text()
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out
    # Every word of every segment's text is there (wrapped, not cut).
    words = set(out.split())
    for d in items:
        assert all(w in words for w in d.text.split()), d.text
    # A word longer than its column folds onto the next line: its first part is there.
    assert all((w if len(w) <= 8 else w[:8]) in out for w in reason.split())
    # The table's right edge is drawn on every line (a clipped table loses it).
    body = [line for line in lines if line[:1] in "┃│┡├└┏"]
    assert body and all(line.rstrip()[-1] in "┃│┩┤┘┓" for line in body)


def test_report_says_what_each_n_counts(study: Project) -> None:
    """The header's total and the per-code n differ when a coder rated part of the text."""
    report = json.loads(run(study.path, "agreement", "--format", "json", "--bootstrap", "0").output)
    units = report["units"]
    per_code = {e["krippendorff_alpha"]["n"] for e in report["codes"] if e["applied"]}
    assert units["pairable"] in per_code
    assert f"n: {units['total']} segments" in units["n_rule"]
    assert f"{units['pairable']} of them rated by two or more coders" in units["n_rule"]
    assert units["n_rule"] in report["notes"]
    table = " ".join(run(study.path, "agreement", "--bootstrap", "0").output.split())
    assert f"{units['pairable']} of them rated by two or more coders" in table
    assert "each unit once" in report["confusions_rule"]


def test_confusions_count_units_once_and_say_pairs(project: Project, write_transcript) -> None:
    """Three coders: alice 08 where bob and cara gave 10 is two pair instances but one unit."""
    project.import_files([write_transcript("t.txt", INTERVIEW)])
    project.code_segments("alice", "t", [1], "08")
    for k in ("bob", "cara"):
        project.code_segments(k, "t", [1], "10")
    for k in ("alice", "bob", "cara"):
        project.set_status(k, "t", "done")
    report = json.loads(
        run(project.path, "agreement", "--format", "json", "--bootstrap", "0").output
    )
    top = report["confusions"][0]
    assert (top["code_a"]["number"], top["code_b"]["number"]) == ("08", "10")
    assert (top["distinct_units"], top["units"]) == (1, 2)
    table = " ".join(run(project.path, "agreement", "--bootstrap", "0").output.split())
    assert "unit × coder-pair" in table
