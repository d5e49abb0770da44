"""Pooled and macro figures cover only the codes some compared coder applied in the compared units.

A code nobody applied adds only agreeing "not this code" decisions: counting
it lifts percent agreement, alpha and AC1 without any coder having agreed on
anything.  The expected values below are derived by hand.

Two coders A and B, four units (units 0-1 in transcript t1, 2-3 in t2):

    code 00: A = 1 1 0 0, B = 1 0 0 0   (one disagreement, unit 1)
    code 01: A = 0 0 1 0, B = 0 0 1 0   (agree)
    code 02: nobody applies it

Pooled over the two used codes (8 decisions each): agreement 7/8; A applies
3 of 8, B 2 of 8, so Cohen's pe = 3/8 * 2/8 + 5/8 * 6/8 = 36/64 and
kappa = (56/64 - 36/64) / (28/64) = 5/7.  Krippendorff's alpha from the
coincidences: n = 16 values, 5 ones and 11 zeros, one disagreeing unit
(o01 + o10 = 2): alpha = 1 - (n - 1) * 2 / (2 * 5 * 11) = 1 - 30/110 = 8/11.
With the unused code (12 decisions) these would be 11/12 and
1 - 23 * 2 / (2 * 5 * 19) = 72/95, both higher.

Macro percent agreement: code 00 3/4, code 01 1, mean 7/8 (with code 02's
perfect 1 it would be 11/12).

Per transcript: t1 uses only code 00 (A 1 1, B 1 0): agreement 1/2 over 1
code; t2 only code 01 (A 1 0, B 1 0): agreement 1 over 1 code.
"""

from __future__ import annotations

import numpy as np
import pytest

from codebench.agreement.report import POOLED_RULE, build_report
from tests.agreement.test_fast_paths import units_of


def _data() -> np.ndarray:
    data = np.zeros((3, 2, 4))
    data[0, 0] = [1, 1, 0, 0]
    data[0, 1] = [1, 0, 0, 0]
    data[1, 0] = [0, 0, 1, 0]
    data[1, 1] = [0, 0, 1, 0]
    return data


def test_pooled_and_macro_leave_out_the_code_nobody_applied() -> None:
    report = build_report(units_of(_data(), np.array([0, 0, 1, 1]), None), bootstrap=0)
    overall = report["overall"]
    pooled = overall["pooled"]
    assert pooled["codes"] == 2
    assert pooled["decisions"] == 8
    assert pooled["percent_agreement"]["value"] == pytest.approx(7 / 8)
    assert pooled["krippendorff_alpha"]["value"] == pytest.approx(8 / 11)
    assert pooled["kappa"]["value"] == pytest.approx(5 / 7)
    assert pooled["cohen_kappa"][0]["value"] == pytest.approx(5 / 7)
    macro = overall["macro"]["percent_agreement"]
    assert macro["value"] == pytest.approx(7 / 8)
    assert (macro["codes"], macro["undefined"], macro["not_used"]) == (2, 0, 1)
    assert overall["pooled_rule"] == POOLED_RULE
    assert POOLED_RULE in report["notes"]
    # The unused code is still listed per code, with no applications.
    unused = [c for c in report["codes"] if c["number"] == "02"]
    assert unused and unused[0]["applied"] == 0
    assert any("no coder used: 02" in d for d in overall["diagnostics"])


def test_each_transcript_and_pair_pools_only_its_used_codes() -> None:
    report = build_report(units_of(_data(), np.array([0, 0, 1, 1]), None), bootstrap=0)
    t1, t2 = report["per_transcript"]
    assert (t1["pooled_codes"], t2["pooled_codes"]) == (1, 1)
    assert t1["percent_agreement"]["value"] == pytest.approx(1 / 2)
    assert t2["percent_agreement"]["value"] == pytest.approx(1.0)
    (pair,) = report["per_pair"]
    assert pair["pooled_codes"] == 2
    assert pair["percent_agreement"]["value"] == pytest.approx(7 / 8)
    assert pair["cohen_kappa"]["value"] == pytest.approx(5 / 7)
    assert pair["krippendorff_alpha"]["value"] == pytest.approx(8 / 11)
