"""From coded transcripts to units: segment, turn and character units, overlap, level 1, missing data.

Expected ratings are written out by hand from the transcript's segments, so
the extraction is checked against what a coder would tick, not against itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codebench.agreement import binary_report, bootstrap_ci, set_alpha
from codebench.agreement.reliability_data import (
    character_runs,
    coverage_matrix,
    extract_units,
    merge_intervals,
)
from codebench.agreement.weighted import binary_bootstrap, binary_set_alpha, weighted_binary_report
from codebench.errors import CodebenchError
from codebench.project import Project

# The interview and its segment ordinals are in tests/conftest.py:
#  1 'It was hard.'  2 'We lost two managers.'  3 'But staff morale rose!'   (turn 1)
#  4 'We also started a new clinic.'                                          (turn 1)
#  6 'The council still tells us what to do.'  7 'We fight it every week.'   (turn 3)
CODABLE = [1, 2, 3, 4, 6, 7]


@pytest.fixture
def study(project: Project, write_interview) -> Project:
    """Three copies of the interview (t1, t2, t3) and coders alice and bob."""
    paths = []
    for name in ("t1", "t2", "t3"):
        # Same turns, distinct text (transcripts must differ).
        paths.append(write_interview(name, tag=name))
    report = project.import_files(paths)
    assert report.ok, report.failed
    project.coder("alice", create=True)
    project.coder("bob", create=True)
    return project


def seg(project: Project, transcript: str, ordinal: int) -> tuple[int, int]:
    s = project.segment(transcript, ordinal)
    return s.start, s.end


def test_segment_units_only_codable_segments_of_transcripts_both_coders_finished(
    study: Project,
) -> None:
    p = study
    p.code_segments("alice", "t1", [1, 2], "02")
    p.code_segments("bob", "t1", [2], "02")
    p.code_segments("alice", "t2", [6], "02")
    p.code_segments("bob", "t2", [6, 7], "02")
    p.code_segments("alice", "t3", [1], "02")
    for t in ("t1", "t2"):
        p.set_status("alice", t, "done")
        p.set_status("bob", t, "done")
    p.set_status("alice", "t3", "done")  # bob has not finished t3: left out
    units = extract_units(p, codes=["02"])
    assert [t.name for t in units.transcripts] == ["t1", "t2"]
    assert [(t.name, why) for t, why in units.excluded] == [
        ("t3", "not marked done by bob (not-started)")
    ]
    assert units.data.shape == (1, 2, 12)
    assert list(units.unit_segment) == CODABLE * 2
    alice = [1, 1, 0, 0, 0, 0] + [0, 0, 0, 0, 1, 0]
    bob = [0, 1, 0, 0, 0, 0] + [0, 0, 0, 0, 1, 1]
    assert units.data[0].tolist() == [alice, bob]
    assert units.weights is None
    # A coding on an interviewer segment never creates a unit.
    p.code_segments("alice", "t1", [0], "02", allow_noncodable=True)
    assert extract_units(p, codes=["02"]).data.shape == (1, 2, 12)


def test_default_coders_are_human_coders_who_coded(study: Project) -> None:
    p = study
    p.code_segments("alice", "t1", [1], "02")
    p.code_segments("bob", "t1", [1], "02")
    p.coder("pat", create=True)  # never codes (say, only adjudicates)
    p.coder("consensus", create=True, kind="consensus")
    for k in ("alice", "bob"):
        p.set_status(k, "t1", "done")
    units = extract_units(p, codes=["02"])
    assert [c.name for c in units.coders] == ["alice", "bob"]
    with pytest.raises(CodebenchError, match="at least 2 coders"):
        extract_units(p, coders=["alice"])


def test_turn_units(study: Project) -> None:
    p = study
    p.code_segments("alice", "t1", [2], "08")  # turn 1
    p.code_segments("bob", "t1", [4], "08")  # also turn 1 (another sentence)
    p.code_segments("bob", "t1", [7], "08")  # turn 3
    for k in ("alice", "bob"):
        p.set_status(k, "t1", "done")
    units = extract_units(p, unit="turn", codes=["08"])
    assert units.data.shape == (1, 2, 2)  # two codable turns
    assert units.data[0].tolist() == [[1, 0], [1, 1]]
    assert list(units.unit_segment) == [1, 6]
    assert (units.unit_start[0], units.unit_end[0]) == (seg(p, "t1", 1)[0], seg(p, "t1", 4)[1])


def test_min_overlap_is_the_share_of_the_unit_covered(study: Project) -> None:
    p = study
    start, end = seg(p, "t1", 6)  # 'The council still tells us what to do.' (38 chars)
    length = end - start
    p.add_codings("alice", "10", "t1", [(start, start + length * 3 // 10)])  # ~30 %
    p.add_codings(
        "bob", "10", "t1", [(start, start + length // 4), (start + length // 2, end)]
    )  # 25 % + 50 %
    for k in ("alice", "bob"):
        p.set_status(k, "t1", "done")
    u6 = CODABLE.index(6)

    def coded(min_overlap: float | None) -> list[float]:
        return extract_units(p, codes=["10"], min_overlap=min_overlap).data[0, :, u6].tolist()

    assert coded(None) == [1, 1]
    assert coded(0.25) == [1, 1]
    assert coded(0.5) == [0, 1]  # bob's two spans together cover 75 %
    assert coded(0.8) == [0, 0]
    # Overlapping codings are merged, not counted twice.
    p.add_codings("alice", "10", "t1", [(start, start + length * 3 // 10 - 2)])
    assert coded(0.3) == [0, 1]
    with pytest.raises(CodebenchError):
        extract_units(p, min_overlap=0.0)


def test_level_one_counts_children_as_parent(study: Project) -> None:
    p = study
    p.code_segments("alice", "t1", [1], "04.1")
    p.code_segments("bob", "t1", [1], "04.2")
    p.code_segments("bob", "t1", [2], "04")
    p.code_segments("alice", "t1", [3], "13.2")
    for k in ("alice", "bob"):
        p.set_status(k, "t1", "done")
    units = extract_units(p, level=1)
    numbers = [c.number for c in units.codes]
    assert "04.1" not in numbers and numbers[:4] == ["01", "02", "03", "04"]
    assert len(numbers) == 21  # the top-level nodes of the default codebook
    k04, k13 = numbers.index("04"), numbers.index("13")
    assert units.data[k04].tolist() == [[1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0]]
    assert units.data[k13].tolist() == [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    # --codes with a child at level 1 compares its top-level code.
    assert [c.number for c in extract_units(p, level=1, codes=["04.2"]).codes] == ["04"]
    # Without --level the children stay apart.
    plain = extract_units(p, codes=["04", "04.1"])
    assert plain.data[0].tolist() == [[0] * 6, [0, 1, 0, 0, 0, 0]]
    assert plain.data[1].tolist() == [[1, 0, 0, 0, 0, 0], [0] * 6]


def test_include_unfinished_marks_units_past_the_last_coding_missing(study: Project) -> None:
    p = study
    p.code_segments("alice", "t1", [1, 7], "02")
    p.set_status("alice", "t1", "done")
    p.code_segments(
        "bob", "t1", [2], "02"
    )  # bob stopped after segment 3 (coded 2, any code counts)
    p.code_segments("bob", "t1", [3], "08")
    p.set_status("bob", "t1", "in-progress")
    p.code_segments("bob", "t2", [1], "02")  # only bob touched t2
    assert extract_units(p, codes=["02"]).n_units == 0  # nothing finished by both
    units = extract_units(p, codes=["02"], include_unfinished=True)
    assert [t.name for t in units.transcripts] == ["t1", "t2"]
    nan = float("nan")
    alice = [1, 0, 0, 0, 0, 1] + [nan] * 6  # done on t1; never touched t2
    bob = [0, 1, 0, nan, nan, nan] + [1, nan, nan, nan, nan, nan]
    np.testing.assert_array_equal(units.data[0], np.array([alice, bob]))
    assert any("missing" in note for note in units.notes)
    assert units.missing_by_coder() == [6, 8]
    # Turn units: a turn the coder reached counts as rated.
    turns = extract_units(p, unit="turn", codes=["02"], include_unfinished=True)
    np.testing.assert_array_equal(turns.data[0], np.array([[1, 1, nan, nan], [1, nan, 1, nan]]))
    # Character units: bob's characters stop at the end of segment 3 of t1.
    chars = extract_units(p, unit="character", codes=["02"], include_unfinished=True)
    w = chars.weights
    rated_bob = ~np.isnan(chars.data[0, 1])
    t1_len = sum(seg(p, "t1", o)[1] - seg(p, "t1", o)[0] for o in CODABLE)
    first3 = sum(seg(p, "t1", o)[1] - seg(p, "t1", o)[0] for o in (1, 2, 3))
    first1 = seg(p, "t2", 1)[1] - seg(p, "t2", 1)[0]
    assert int(w[rated_bob].sum()) == first3 + first1
    assert int(w[~np.isnan(chars.data[0, 0])].sum()) == t1_len


def test_character_units_match_a_per_character_expansion(study: Project) -> None:
    import krippendorff

    p = study
    s1, e1 = seg(p, "t1", 1)
    s2, e2 = seg(p, "t1", 2)
    s6, e6 = seg(p, "t1", 6)
    p.add_codings("alice", "02", "t1", [(s1 + 3, e2 - 4), (s6, e6)])
    p.add_codings("bob", "02", "t1", [(s1, e1), (s2 + 5, e2)])
    p.add_codings("bob", "02", "t1", [(s6 + 10, e6 + 20)])  # runs past the segment into the next
    p.add_codings("alice", "08", "t1", [(s2, e2)])
    p.add_codings("bob", "08", "t1", [(s2 + 2, e2)])
    for k in ("alice", "bob"):
        p.set_status(k, "t1", "done")
    units = extract_units(p, unit="character", codes=["02", "08"])
    # Hand expansion: one column per character of the codable segments.
    chars = [i for o in CODABLE for i in range(*seg(p, "t1", o))]
    spans = {
        ("alice", "02"): [(s1 + 3, e2 - 4), (s6, e6)],
        ("bob", "02"): [(s1, e1), (s2 + 5, e2), (s6 + 10, e6 + 20)],
        ("alice", "08"): [(s2, e2)],
        ("bob", "08"): [(s2 + 2, e2)],
    }
    expanded = np.array(
        [
            [
                [float(any(a <= i < b for a, b in spans[(k, c)])) for i in chars]
                for k in ("alice", "bob")
            ]
            for c in ("02", "08")
        ]
    )
    assert units.total_weight == len(chars)
    assert units.n_units < 20  # a handful of runs, not ~200 characters
    rebuilt = np.repeat(units.data, units.weights, axis=2)
    np.testing.assert_array_equal(rebuilt, expanded)
    weighted = weighted_binary_report(units.data, units.weights)
    for k in range(2):
        expected = krippendorff.alpha(reliability_data=expanded[k], level_of_measurement="nominal")
        assert weighted[k]["krippendorff_alpha"].value == pytest.approx(expected, abs=1e-12)
        assert weighted[k]["n_units"] == len(chars)


def test_character_units_scale_with_codings_not_text(project: Project, write_transcript) -> None:
    sentence = "Staff now sit on the board and vote on the budget every spring. "
    text = "Interviewer: Tell me about governance.\nAnn: " + sentence * 3000 + "\n"
    project.import_files([write_transcript("long.txt", text)])
    t = project.transcripts()[0]
    segments = [s for s in project.segments(t) if s.codable]
    for k, ordinals in (("alice", [5, 6, 900]), ("bob", [6, 901])):
        project.add_codings(k, "05.2", t, [(segments[o].start, segments[o].end) for o in ordinals])
        project.set_status(k, t, "done")
    units = extract_units(project, unit="character", codes=["05.2"])
    assert units.total_weight == sum(s.end - s.start for s in segments) > 180_000
    assert units.n_units <= len(segments) + 10  # runs never span two segments, and no more


def brute_coverage(starts, ends, groups, spans, min_overlap):
    out = np.zeros((groups, len(starts)), dtype=bool)
    for g in range(groups):
        for u, (a, b) in enumerate(zip(starts, ends)):
            covered = set()
            for gg, s, e in spans:
                if gg == g:
                    covered |= set(range(max(a, s), min(b, e)))
            if min_overlap is None:
                out[g, u] = bool(covered)
            else:
                out[g, u] = len(covered) >= min_overlap * (b - a) - 1e-9
    return out


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n_atoms=st.integers(1, 8),
    n_groups=st.integers(1, 3),
    min_overlap=st.one_of(st.none(), st.sampled_from([0.1, 0.5, 1.0])),
)
def test_coverage_matrix_equals_brute_force(
    data, n_atoms: int, n_groups: int, min_overlap: float | None
) -> None:
    gaps = data.draw(st.lists(st.integers(0, 3), min_size=n_atoms, max_size=n_atoms))
    lengths = data.draw(st.lists(st.integers(1, 6), min_size=n_atoms, max_size=n_atoms))
    starts, ends, pos = [], [], 0
    for gap, length in zip(gaps, lengths):
        starts.append(pos + gap)
        ends.append(pos + gap + length)
        pos = ends[-1]
    spans = data.draw(
        st.lists(
            st.tuples(st.integers(0, n_groups - 1), st.integers(0, pos), st.integers(1, 8)).map(
                lambda t: (t[0], t[1], t[1] + t[2])
            ),
            max_size=8,
        )
    )
    groups = np.array([s[0] for s in spans], dtype=np.int64)
    got = coverage_matrix(
        starts,
        ends,
        n_groups,
        groups,
        [s[1] for s in spans],
        [s[2] for s in spans],
        min_overlap=min_overlap,
    )
    np.testing.assert_array_equal(got, brute_coverage(starts, ends, n_groups, spans, min_overlap))
    # Character runs: expanding them reproduces per-character coverage.
    covered, _run_starts, run_lengths = character_runs(
        np.array(starts),
        np.array(ends),
        n_groups,
        groups,
        np.array([s[1] for s in spans], dtype=np.int64),
        np.array([s[2] for s in spans], dtype=np.int64),
        extra_cuts=np.concatenate(
            [[0], np.cumsum(np.array(ends) - np.array(starts))[:-1]]
        ).tolist(),
    )
    chars = [i for a, b in zip(starts, ends) for i in range(a, b)]
    per_char = np.array(
        [
            [any(g == gg and s <= i < e for gg, s, e in spans) for i in chars]
            for g in range(n_groups)
        ]
    )
    np.testing.assert_array_equal(np.repeat(covered, run_lengths, axis=1), per_char)


def test_merge_intervals_per_group() -> None:
    g, s, e = merge_intervals([1, 0, 0, 0, 1], [5, 0, 2, 10, 6], [9, 3, 4, 12, 7])
    assert list(zip(g.tolist(), s.tolist(), e.tolist())) == [(0, 0, 4), (0, 10, 12), (1, 5, 9)]


def test_weighted_statistics_equal_the_expanded_matrix() -> None:
    rng = np.random.default_rng(7)
    for _ in range(25):
        n_codes, n_coders, n_units = rng.integers(1, 4), rng.integers(2, 5), rng.integers(1, 30)
        d = (rng.random((n_codes, n_coders, n_units)) < rng.random()).astype(float)
        d[:, rng.random((n_coders, n_units)) < 0.2] = np.nan
        w = rng.integers(0, 4, n_units)
        expanded = np.repeat(d, w, axis=2)
        for ours, theirs in zip(weighted_binary_report(d, w), binary_report(expanded)):
            for key in (
                "percent_agreement",
                "krippendorff_alpha",
                "fleiss_kappa",
                "gwet_ac1",
                "brennan_prediger",
            ):
                assert ours[key].reason == theirs[key].reason
                assert float(ours[key]) == pytest.approx(float(theirs[key]), abs=1e-9, nan_ok=True)
            for pair, est in ours["cohen_kappa"].items():
                assert float(est) == pytest.approx(
                    float(theirs["cohen_kappa"][pair]), abs=1e-9, nan_ok=True
                )
            assert ours["n_units"] == theirs["n_units"] and ours["n_applied"] == theirs["n_applied"]
            assert ours["diagnostics"] == theirs["diagnostics"]
        sets = [
            [
                None if np.isnan(d[0, k, u]) else set(np.flatnonzero(d[:, k, u] == 1))
                for k in range(n_coders)
            ]
            for u in range(n_units)
            for _ in range(w[u])
        ]
        for distance in ("masi", "jaccard"):
            fast = binary_set_alpha(d, w, distance)
            slow = set_alpha(sets, distance) if sets else fast
            assert fast.reason == slow.reason
            assert float(fast) == pytest.approx(float(slow), abs=1e-9, nan_ok=True)
        # With unit weights the bootstrap is exactly bootstrap_ci (same seed, same interval).
        ones = np.ones(n_units, dtype=np.int64)
        for statistic, block in (("alpha", d[0]), ("fleiss", d[0]), ("kappa", d[0, :2])):
            a = bootstrap_ci(statistic, block, n=200, seed=3)
            b = binary_bootstrap(statistic, block, ones, n=200, seed=3)
            assert (a is None) == (b is None)
            if a is not None:
                assert (a.low, a.high, a.n_valid) == (b.low, b.high, b.n_valid)


def test_default_coders_are_those_who_finished_work(project, write_transcript) -> None:
    """A coder who has only just started does not empty the comparison of two who finished."""
    from codebench.agreement.reliability_data import resolve_coders

    path = write_transcript("t.txt", "Interviewer: Why?\nAnn Lee: One. Two. Three.\n")
    assert project.import_files([path]).ok
    for name in ("amy", "ben", "cal"):
        project.code_segments(name, "t", [1], "01")
    project.set_status("amy", "t", "done")
    project.set_status("ben", "t", "done")
    project.set_status("cal", "t", "in-progress")
    assert [c.name for c in resolve_coders(project, None)] == ["amy", "ben"]
    project.set_status("ben", "t", "in-progress")
    assert [c.name for c in resolve_coders(project, None)] == ["amy", "ben", "cal"]
