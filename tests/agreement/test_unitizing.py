"""Krippendorff's unitizing alpha: the published worked example derived by hand, and its properties.

The worked example is Krippendorff's two-coder continuum (Content Analysis,
2nd ed., 2004, p. 254; the same continuum the issue cites, where ordinary
binary alpha over characters gives 0.498 and the unitizing coefficient of
category c "about 0.73"). The book's text was not at hand while this was
written: the continuum, the coders' units and the published figures
(uDo_c = .0144, uDe_c = .0532, uα_c = .7286, uDe_k = .0490, uα_k = 1) are as
quoted, with that page cited, by a public test suite of another
implementation; every figure below is derived again by hand from the
definitions in :mod:`codebench.agreement.unitizing` and agrees with them to
every published digit.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from codebench.agreement.coefficients import krippendorff_alpha
from codebench.agreement.output import render
from codebench.agreement.tables import data_tables
from codebench.agreement.unitizing import (
    CHARACTER_LABEL,
    Unitization,
    pooled_alpha,
    unitizing_alpha,
)
from codebench.cli import cli
from codebench.errors import CodebenchError
from codebench.project import Project

# The book's continuum runs from 150 to 450; here it is shifted to start at 0 (L = 300).
L = 300
#: category c: coder i's units, coder j's units (begin, end)
C_I = [(75, 145), (220, 250)]  # book: 225-295, 370-400
C_J = [(70, 150), (205, 225), (250, 270)]  # book: 220-300, 355-375, 400-420
#: category k: both coders identical
K_I = K_J = [(30, 90), (150, 200)]  # book: 180-240, 300-350


def unitization(by_coder: list[list[tuple[int, int]]], lengths: list[int] | None = None, t=None):
    coder = [k for k, spans in enumerate(by_coder) for _ in spans]
    start = [s for spans in by_coder for s, _ in spans]
    end = [e for spans in by_coder for _, e in spans]
    return Unitization.build(coder, start, end, lengths or [L], len(by_coder), t)


def test_published_example_category_c_by_hand() -> None:
    """Category c, derived from the definitions.

    Sections (length): coder i: gap 75, unit 70, gap 75, unit 30, gap 50;
    coder j: gap 70, unit 80, gap 55, unit 20, gap 25, unit 20, gap 30.

    Observed, one direction (i against j):
      i[75,145) and j[70,150) overlap: (75-70)² + (145-150)² = 25 + 25 = 50;
      i[220,250) and j[205,225) overlap: (220-205)² + (250-225)² = 225 + 625 = 850;
      j[250,270) lies in i's gap [250,300): 20² = 400;
      i[220,250) and j[250,270) only touch (b_i - b_j = -30 = -l_i): 0.
    Both directions: 2 x 1300 = 2600; uDo = 2600 / (m(m-1) L²) = 2600 / (2 · 90000) = 13/900
    = .014444 (published .0144).

    Expected: N_c = 5 pooled units (70, 30, 80, 20, 20); pooled gaps
    75, 75, 50, 70, 55, 25, 30.
      (N-1)/3 · Σ (2l³ - 3l² + l) = 4/3 · (671370 + 51330 + 1004880 + 2 · 14820)
                                   = 4/3 · 1757220 = 2342960;
      Σ l² Σ_{gaps >= l} (gap - l + 1): l=70: 4900 · (6+6+1) = 63700;
        l=30: 900 · (46+46+21+41+26+1) = 162900; l=80: no gap holds it: 0;
        l=20 (twice): 2 · 400 · (56+56+31+51+36+6+11) = 197600; sum 424200;
      numerator 2 · (2342960 + 424200) = 5534320;
      denominator L (mL(mL-1) - Σ(l² - l)) = 300 · (600·599 - 12780) = 300 · 346620 = 103986000;
    uDe = 5534320 / 103986000 = .053222 (published .0532).
    uα_c = 1 - (13/900) / (5534320/103986000) = .728599 (published .7286; about .73).
    """
    result = unitizing_alpha(unitization([C_I, C_J]))
    observed = Fraction(2600, 2 * L * L)
    expected = Fraction(5534320, 103986000)
    assert result.observed == pytest.approx(float(observed), rel=1e-12)
    assert result.expected == pytest.approx(float(expected), rel=1e-12)
    assert result.value == pytest.approx(float(1 - observed / expected), rel=1e-12)
    # The published figures, to the digits published.
    assert round(result.observed, 4) == 0.0144
    assert round(result.expected, 4) == 0.0532
    assert round(result.value, 4) == 0.7286
    assert result.length == L
    assert result.units_by_coder == (2, 3)
    assert result.sections_by_coder == (5, 7)


def test_published_example_category_k_and_all_categories_by_hand() -> None:
    """Category k (identical units: uDo = 0, so uα_k = 1) and uα over both categories.

    Units 60, 50 for each coder (N_k = 4); gaps 30, 60, 100 for each coder.
      (N-1)/3 · Σ(2l³-3l²+l) = 1 · 2 · (421260 + 242550) = 1327620;
      l=60 (twice): 2 · 3600 · (1+41+1+41) = 604800; l=50 (twice): 2 · 2500 · (11+51+11+51)
      = 620000; numerator 2 · (1327620 + 604800 + 620000) = 5104840;
      denominator 300 · (359400 - 11980) = 104226000; uDe_k = .048979 (published .0490).
    All categories: uα = 1 - (uDo_c + uDo_k) / (uDe_c + uDe_k) = 1 - .014444 / .102200 = .858665.
    The book's .859 is this formula on the rounded components: 1 - .0144 / (.0532 + .0490)
    = .8591.
    """
    c = unitizing_alpha(unitization([C_I, C_J]))
    k = unitizing_alpha(unitization([K_I, K_J]))
    assert k.observed == 0.0
    assert k.expected == pytest.approx(5104840 / 104226000, rel=1e-12)
    assert round(k.expected, 4) == 0.0490
    assert k.value == 1.0
    both = pooled_alpha([c, k])
    assert both is not None and both.value is not None
    hand = 1 - Fraction(2600, 180000) / (
        Fraction(5534320, 103986000) + Fraction(5104840, 104226000)
    )
    assert both.value == pytest.approx(float(hand), rel=1e-12)
    assert round(1 - 0.0144 / (0.0532 + 0.0490), 4) == 0.8591  # the published rounding
    assert both.units_by_coder == (4, 5)


def test_character_alpha_on_the_same_continuum_is_the_issues_0_498() -> None:
    """Binary alpha over the 300 characters as independent units: .498, not .729."""
    marks = np.zeros((2, L))
    for k, spans in enumerate((C_I, C_J)):
        for s, e in spans:
            marks[k, s:e] = 1
    assert round(krippendorff_alpha(marks).value, 3) == 0.498


def test_perfect_agreement_is_one_and_coder_order_does_not_matter() -> None:
    same = unitizing_alpha(unitization([C_J, C_J, C_J]))
    assert same.value == 1.0 and same.observed == 0.0
    a = unitizing_alpha(unitization([C_I, C_J, K_I]))
    b = unitizing_alpha(unitization([K_I, C_I, C_J]))
    assert a.value == pytest.approx(b.value, rel=1e-12)
    assert a.value is not None and a.value < unitizing_alpha(unitization([C_I, C_J])).value


def test_more_disagreement_lowers_alpha() -> None:
    near = unitizing_alpha(unitization([[(100, 200)], [(102, 199)]]))
    far = unitizing_alpha(unitization([[(100, 200)], [(130, 170)]]))
    missed = unitizing_alpha(unitization([[(100, 200)], [(230, 260)]]))
    assert near.value is not None and far.value is not None and missed.value is not None
    assert 1.0 > near.value > far.value > missed.value


def test_coders_placing_units_at_random_agree_at_chance() -> None:
    """Independent coders who place five units of random length at random: uα near 0, not near 1."""
    rng = np.random.default_rng(7)
    values = []
    for _ in range(100):
        coder, start, end = [], [], []
        for k in range(3):
            lengths = rng.integers(10, 60, 5)
            room = L - int(lengths.sum())
            starts = np.sort(rng.integers(0, room + 1, 5)) + np.concatenate(
                [[0], np.cumsum(lengths)[:-1]]
            )
            coder += [k] * 5
            start += starts.tolist()
            end += (starts + lengths).tolist()
        result = unitizing_alpha(Unitization.build(coder, start, end, [L], 3))
        assert result.value is not None
        values.append(result.value)
    assert abs(float(np.mean(values))) < 0.1
    assert float(np.mean(values)) < unitizing_alpha(unitization([C_I, C_J])).value - 0.5


def test_undefined_cases_say_why() -> None:
    one = unitizing_alpha(unitization([C_I]))
    assert one.value is None and "two or more coders" in (one.reason or "")
    nothing = unitizing_alpha(unitization([[], []]))
    assert nothing.value is None and "no coder coded" in (nothing.reason or "")
    empty = unitizing_alpha(Unitization.build([], [], [], [0], 2))
    assert empty.value is None and empty.reason
    assert pooled_alpha([]) is None


def test_bad_units_are_refused() -> None:
    with pytest.raises(CodebenchError, match="overlap"):
        unitization([[(0, 50), (40, 60)], [(0, 10)]])
    with pytest.raises(CodebenchError, match="positive length"):
        unitization([[(10, 10)], [(0, 10)]])
    with pytest.raises(CodebenchError, match="positive length"):
        unitization([[(290, 310)], [(0, 10)]])


def test_several_continua_pool_as_one_laid_end_to_end() -> None:
    """Two transcripts give the value of one continuum made of both, not a mean of two values.

    The second text starts with a unit for both coders, so laying the texts end
    to end merges no gap (one coder's last gap in the first text and first gap
    in the second would otherwise become one section).
    """
    second = [[(0, 40), (60, 80)], [(0, 30)]]
    pooled = unitizing_alpha(
        Unitization.build(
            [0, 0, 1, 1, 1, 0, 0, 1],
            [75, 220, 70, 205, 250, 0, 60, 0],
            [145, 250, 150, 225, 270, 40, 80, 30],
            [L, 100],
            2,
            [0, 0, 0, 0, 0, 1, 1, 1],
        )
    )
    shifted = [[*C_I, *[(s + L, e + L) for s, e in second[0]]], [*C_J, (L, L + 30)]]
    laid = unitizing_alpha(unitization(shifted, [L + 100]))
    assert pooled.value == pytest.approx(laid.value, rel=1e-12)
    assert pooled.length == L + 100
    alone = [
        unitizing_alpha(unitization([C_I, C_J])).value,
        unitizing_alpha(unitization(second, [100])).value,
    ]
    assert pooled.value != pytest.approx(float(np.mean(alone)), abs=1e-3)


# ---------------------------------------------------------------------- end to end


def _report(db: Path, *args: str) -> dict:
    result = CliRunner().invoke(
        cli, ["-p", str(db), "agreement", "--format", "json", "--bootstrap", "0", *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cli_reports_the_published_example_from_a_project(project: Project, write_transcript):
    """The worked example as a 300-character transcript coded by two coders."""
    text = ("word " * 60)[:299] + "x"
    assert project.import_files([write_transcript("cont.txt", text)]).ok
    segments = project.segments("cont")
    assert [(s.start, s.end) for s in segments if s.codable] == [(0, L)]
    for coder, c_spans, k_spans in (("i", C_I, K_I), ("j", C_J, K_J)):
        project.coder(coder, create=True)
        project.add_codings(coder, "02", "cont", c_spans)
        project.add_codings(coder, "04", "cont", k_spans)
        project.set_status(coder, "cont", "done")
    report = _report(project.path, "--unit", "character", "--codes", "02,04")
    assert report["settings"]["unit_label"] == CHARACTER_LABEL
    assert any(CHARACTER_LABEL in n for n in report["notes"])
    section = report["unitizing"]
    assert section["continuum"]["length"] == L
    c, k = section["codes"]
    assert (c["number"], k["number"]) == ("02", "04")
    assert round(c["alpha_u"]["value"], 4) == 0.7286
    assert c["alpha_u"]["units_by_coder"] == {"i": 2, "j": 3}
    assert c["alpha_u"]["sections_by_coder"] == {"i": 5, "j": 7}
    assert k["alpha_u"]["value"] == 1.0
    assert round(section["overall"]["alpha_u"]["value"], 4) == 0.8587
    # The NVivo-style character figure on the same codings is the issue's 0.498.
    code_c = next(x for x in report["codes"] if x["number"] == "02")
    assert round(code_c["krippendorff_alpha"]["value"], 3) == 0.498
    for fmt in ("table", "md"):
        out = CliRunner().invoke(
            cli,
            ["-p", str(project.path), "agreement", "--unit", "character", "--codes", "02,04"]
            + ["--bootstrap", "0", "--format", fmt],
        )
        assert out.exit_code == 0, out.output
        flat = " ".join(out.output.split())
        assert "0.729" in flat and "style of NVivo" in flat
    sheets = {t.name: t for t in data_tables(report)}
    assert round(sheets["unitizing"].rows[0]["alpha_u"], 4) == 0.7286
    csv_text = render(report, "csv")
    assert isinstance(csv_text, str) and "alpha_u" in csv_text and "style of NVivo" in csv_text


def test_cli_unitizing_pairs_and_partial_transcripts(project: Project, write_transcript):
    """Three coders: every pair's two-coder value; a transcript one coder has not finished is left out."""
    text = ("word " * 60)[:299] + "x"
    paths = [write_transcript(f"{n}.txt", text.replace("x", n)) for n in ("a", "b")]
    assert project.import_files(paths).ok
    for coder, spans in (("i", C_I), ("j", C_J), ("h", C_J)):
        project.coder(coder, create=True)
        for t in ("a", "b"):
            project.add_codings(coder, "02", t, spans)
            if not (coder == "h" and t == "b"):
                project.set_status(coder, t, "done")
    report = _report(project.path, "--unit", "character", "--codes", "02")
    section = report["unitizing"]
    assert section["continuum"]["transcripts"] == ["a"]
    assert [x["transcript"] for x in section["continuum"]["left_out"]] == ["b"]
    pairs = {frozenset(p["coders"]): p["value"] for p in section["codes"][0]["pairs"]}
    assert len(pairs) == 3
    assert pairs[frozenset("ij")] == pytest.approx(0.728599, abs=1e-6)
    assert pairs[frozenset("ih")] == pytest.approx(0.728599, abs=1e-6)
    assert pairs[frozenset("jh")] == 1.0


# ---------------------------------------------------------------------- m coders, the family, the CI

#: a third coder for the m-coder example: j's first unit, and a unit of 30 at 210
C_H = [(70, 150), (210, 240)]


def _sections(spans: list[tuple[int, int]], length: int = L) -> list[tuple[int, int, int]]:
    """(begin, length, w) of every section (units w = 1, gaps w = 0) of one coder."""
    out, pos = [], 0
    for s, e in spans:
        if s > pos:
            out.append((pos, s - pos, 0))
        out.append((s, e - s, 1))
        pos = e
    if pos < length:
        out.append((pos, length - pos, 0))
    return out


def _brute_force(
    by_coder: list[list[tuple[int, int]]], length: int = L
) -> tuple[Fraction, Fraction]:
    """uDo and uDe written out from the definitions, one section pair and one term at a time.

    Independent of the implementation: no sorting, no searchsorted, no suffix
    sums; every case of δ² is tested literally over every pair of sections
    (gaps included) of every ordered pair of coders.
    """
    m = len(by_coder)
    secs = [_sections(s, length) for s in by_coder]
    observed = 0
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            for bi, li, wi in secs[i]:
                for bj, lj, wj in secs[j]:
                    if wi == wj == 1 and -li < bi - bj < lj:
                        observed += (bi - bj) ** 2 + (bi + li - bj - lj) ** 2
                    elif wi == 1 and wj == 0 and lj - li >= bi - bj >= 0:
                        observed += li**2
                    elif wi == 0 and wj == 1 and li - lj >= bj - bi >= 0:
                        observed += lj**2
    units = [ln for s in secs for _, ln, w in s if w == 1]
    gaps = [ln for s in secs for _, ln, w in s if w == 0]
    n = len(units)
    bracket = Fraction(0)
    for lu in units:
        bracket += Fraction(n - 1, 3) * (2 * lu**3 - 3 * lu**2 + lu)
        bracket += lu**2 * sum(g - lu + 1 for g in gaps if g >= lu)
    denominator = length * (m * length * (m * length - 1) - sum(lu * lu - lu for lu in units))
    return Fraction(observed, m * (m - 1) * length**2), 2 * bracket / denominator


def test_three_coders_by_hand_and_by_brute_force() -> None:
    """m = 3: coders i, j of the book and h (units 70-150, 210-240).

    Observed, per unordered pair: i-j 1300 (above); i-h: (75-70)² + (145-150)² = 50 and
    (220-210)² + (250-240)² = 200, so 250; j-h: 0 for the identical first units,
    (205-210)² + (225-240)² = 250, and j's 250-270 in h's gap 240-300: 400, so 650.
    Ordered pairs: 2 · (1300 + 250 + 650) = 4400; uDo = 4400 / (3 · 2 · 300²) = 4400 / 540000.
    Expected: pooled units 70, 30, 80, 20, 20, 80, 30 (N = 7); pooled gaps 75, 75, 50,
    70, 55, 25, 30, 70, 60, 60.
      (N-1)/3 · Σ(2l³-3l²+l) = 2 · (671370 + 2 · 51330 + 2 · 1004880 + 2 · 14820) = 5626860;
      l=70: 4900 · (1+1+6+6) = 68600; l=30 (twice): 2 · 900 · (1+21+26+31+31+41+41+46+46)
      = 511200; l=80: 0; l=20 (twice): 2 · 400 · (6+11+31+36+41+41+51+51+56+56) = 304000;
      numerator 2 · (5626860 + 883800) = 13021320;
      denominator 300 · (900 · 899 - (4830 + 2 · 870 + 2 · 6320 + 2 · 380)) = 300 · 789130
      = 236739000.
    """
    result = unitizing_alpha(unitization([C_I, C_J, C_H]))
    observed = Fraction(4400, 540000)
    expected = Fraction(13021320, 236739000)
    assert (observed, expected) == _brute_force([C_I, C_J, C_H])
    assert result.observed == pytest.approx(float(observed), rel=1e-12)
    assert result.expected == pytest.approx(float(expected), rel=1e-12)
    assert result.value == pytest.approx(float(1 - observed / expected), rel=1e-12)
    # uDo of m coders is the mean of the ordered pairs' two-coder uDo (same L).
    pair_do = [
        unitizing_alpha(unitization([a, b])).observed
        for a, b in ((C_I, C_J), (C_I, C_H), (C_J, C_H))
    ]
    assert result.observed == pytest.approx(float(np.mean(pair_do)), rel=1e-12)


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_random_unitizations_match_the_brute_force(m: int) -> None:
    rng = np.random.default_rng(m)
    for _ in range(20):
        by_coder = []
        for _k in range(m):
            cuts = np.sort(
                rng.choice(np.arange(1, 120), size=2 * int(rng.integers(0, 4)), replace=False)
            )
            by_coder.append([(int(a), int(b)) for a, b in cuts.reshape(-1, 2)])
        if not any(by_coder):
            continue
        result = unitizing_alpha(unitization(by_coder, [120]))
        do, de = _brute_force(by_coder, 120)
        assert result.observed == pytest.approx(float(do), rel=1e-12, abs=1e-15)
        assert result.expected == pytest.approx(float(de), rel=1e-12)


@pytest.mark.parametrize("m", [2, 3, 5])
def test_chance_coders_get_alpha_near_zero_for_every_m(m: int) -> None:
    """The m-coder normalisation: independent coders agree at chance (a factor in m would not)."""
    rng = np.random.default_rng(11)
    values = []
    for _ in range(300):
        coder, start, end = [], [], []
        for k in range(m):
            lengths = rng.integers(10, 60, 5)
            room = L - int(lengths.sum())
            starts = np.sort(rng.integers(0, room + 1, 5)) + np.concatenate(
                [[0], np.cumsum(lengths)[:-1]]
            )
            coder += [k] * 5
            start += starts.tolist()
            end += (starts + lengths).tolist()
        value = unitizing_alpha(Unitization.build(coder, start, end, [L], m)).value
        assert value is not None
        values.append(value)
    assert abs(float(np.mean(values))) < 0.06


def _three_continua() -> Unitization:
    spans = [
        ([C_I, C_J, C_H], 0),
        ([[(0, 40), (60, 80)], [(0, 30)], [(5, 45)]], 1),
        ([[(10, 90)], [(20, 90)], []], 2),
    ]
    coder, start, end, t = [], [], [], []
    for by_coder, cont in spans:
        for k, units in enumerate(by_coder):
            for s, e in units:
                coder.append(k), start.append(s), end.append(e), t.append(cont)
    return Unitization.build(coder, start, end, [L, 100, 120], 3, t)


def test_bootstrap_replicate_is_alpha_of_the_resampled_transcripts() -> None:
    """Recombining per-transcript sums by multiplicities equals uα of the resample laid end to end."""
    from codebench.agreement.unitizing_family import components, disagreements

    u = _three_continua()
    parts = components(u)
    do, de = disagreements(parts, np.ones((1, 3)))
    whole = unitizing_alpha(u)
    assert (do[0], de[0]) == pytest.approx((whole.observed, whole.expected), rel=1e-12)
    # The resample (continuum 1, continuum 1, continuum 2) built as three continua.
    draw = [1, 1, 2]
    coder, start, end, t = [], [], [], []
    for new, old in enumerate(draw):
        pick = u.continuum == old
        coder += u.coder[pick].tolist()
        start += u.start[pick].tolist()
        end += u.end[pick].tolist()
        t += [new] * int(pick.sum())
    resampled = unitizing_alpha(Unitization.build(coder, start, end, u.lengths[draw], 3, t))
    do, de = disagreements(parts, np.array([[0.0, 2.0, 1.0]]))
    assert do[0] == pytest.approx(resampled.observed, rel=1e-12)
    assert de[0] == pytest.approx(resampled.expected, rel=1e-12)


def test_coding_of_identified_units_by_hand(project: Project, write_transcript) -> None:
    """|cuα on the book's continuum with both categories (c as code 02, k as code 04).

    i codes k 30-90, c 75-145, k 150-200, c 220-250; j codes k 30-90, c 70-150,
    k 150-200, c 205-225, c 250-270. Characters both coded, with each coder's set:
    30-70 {k}/{k} 40; 70-75 {k}/{c,k} 5; 75-90 {c,k}/{c,k} 15; 90-145 {c}/{c} 55;
    150-200 {k}/{k} 50; 220-225 {c}/{c} 5 (j's 250-270: i coded nothing there).
    Coincidences (both orders): o_kk = 2 · (40 + 50) = 180, o_ck,ck = 30, o_cc = 2 · 60 = 120,
    o_k,ck = o_ck,k = 5; n = 340; n_k = 185, n_ck = 35, n_c = 120.
    |cuα = 1 - (n-1)(n - Σ o_vv)/(n² - Σ n_v²) = 1 - 339 · 10 / (115600 - 49850) = 1 - 3390/65750.
    """
    text = ("word " * 60)[:299] + "x"
    assert project.import_files([write_transcript("cont.txt", text)]).ok
    for coder, c_spans in (("i", C_I), ("j", C_J)):
        project.coder(coder, create=True)
        project.add_codings(coder, "02", "cont", c_spans)
        project.add_codings(coder, "04", "cont", K_I)
        project.set_status(coder, "cont", "done")
    report = _report(project.path, "--unit", "character", "--codes", "02,04")
    coding = report["unitizing"]["overall"]["coding"]
    assert coding["value"] == pytest.approx(1 - 3390 / 65750, rel=1e-12)
    assert coding["pairable"] == 340
    assert report["unitizing"]["overall"]["coding"]["ci"] is None  # one continuum: no interval
    assert "--bootstrap 0" in report["unitizing"]["interval_rule"]


def test_cli_interval_counts_undefined_replicates(project: Project, write_transcript) -> None:
    """Two transcripts, one coded by nobody: a replicate drawing it twice is undefined, and counted."""
    text = ("word " * 60)[:299] + "x"
    paths = [write_transcript(f"{n}.txt", text.replace("x", n)) for n in ("a", "b")]
    assert project.import_files(paths).ok
    for coder, spans in (("i", C_I), ("j", C_J)):
        project.coder(coder, create=True)
        project.add_codings(coder, "02", "a", spans)
        for t in ("a", "b"):
            project.set_status(coder, t, "done")
    result = CliRunner().invoke(
        cli,
        ["-p", str(project.path), "agreement", "--format", "json", "--unit", "character"]
        + ["--codes", "02", "--bootstrap", "200", "--seed", "3"],
    )
    assert result.exit_code == 0, result.output
    section = json.loads(result.output)["unitizing"]
    ci = section["codes"][0]["alpha_u"]["ci"]
    assert ci["replicates"] == 200
    assert 20 < ci["undefined"] < 90  # P(both draws are b) = 1/4
    assert ci["n"] == {"continua": 2, "length": 2 * L}
    assert ci["low"] <= section["codes"][0]["alpha_u"]["value"] <= ci["high"]
    assert "transcript-cluster" in ci["rule"] and "transcript-cluster" in section["interval_rule"]
    table = CliRunner().invoke(
        cli,
        ["-p", str(project.path), "agreement", "--unit", "character", "--codes", "02"]
        + ["--bootstrap", "200", "--seed", "3"],
    )
    flat = " ".join(table.output.split())
    assert "|cuα" in flat and "Undefined replicates" in flat and "n = 2 continua" in flat
    assert "…" not in table.output.split("Unitizing alpha")[1].split("Units: coded")[0]
