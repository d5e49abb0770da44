"""Published worked examples, reproduced to the printed precision.

Sources are named in each test so a reviewer can check the numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from codebench.agreement import (
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, values 1-5, with missing data.
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_example(level: str, expected: float) -> None:
    est = krippendorff_alpha(KRIPPENDORFF_2011, level=level)  # type: ignore[arg-type]
    assert est.value is not None
    assert round(est.value, 3) == expected


def test_krippendorff_2011_nominal_exact_fraction() -> None:
    # The paper works with n = 40 pairable values; its 0.743 is exactly 113/152.
    est = krippendorff_alpha(KRIPPENDORFF_2011)
    assert est.value == pytest.approx(113 / 152, abs=1e-12)


def test_fleiss_1971_wikipedia_example() -> None:
    """Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories.

    P-bar = 0.378, P_e = 0.213, kappa = 0.210 (statsmodels gives 0.2099307...).
    """
    table = np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    )
    # Expand the count table into a 14 raters x 10 subjects matrix (which rater
    # gave which rating does not matter to Fleiss' kappa).
    data = np.array([np.repeat(np.arange(1, 6), row) for row in table], dtype=float).T
    est = fleiss_kappa(data)
    assert est.value is not None
    assert round(est.value, 3) == 0.210
    assert est.value == pytest.approx(0.20993070442195522, abs=1e-12)
    assert round(percent_agreement(data).value or 0, 3) == 0.378


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Wikipedia "Cohen's kappa", worked example: 50 grant proposals,
        # yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o 0.7, p_e 0.5, kappa 0.4.
        ((20, 5, 10, 15), 0.4),
        # Same page, "same percentage agreement, different kappa": 45/15/25/15 -> 0.1304,
        # 25/35/5/35 -> 0.2593.
        ((45, 15, 25, 15), 0.1304),
        ((25, 35, 5, 35), 0.2593),
    ],
)
def test_cohen_kappa_textbook_tables(cells: tuple[int, int, int, int], expected: float) -> None:
    yy, yn, ny, nn = cells
    a = np.array([1] * yy + [1] * yn + [0] * ny + [0] * nn, dtype=float)
    b = np.array([1] * yy + [0] * yn + [1] * ny + [0] * nn, dtype=float)
    est = cohen_kappa(a, b)
    assert est.value is not None
    assert round(est.value, 4) == expected


def test_gwet_ac1_irrcac_documentation_example() -> None:
    """irrCAC documentation (module ``irrCAC.raw``, dataset ``raw_4raters`` from
    Gwet's Handbook of Inter-Rater Reliability, 4th ed., ch. 2): AC1 = 0.77544,
    p_a = 0.81818, p_e = 0.19032.  The data are Krippendorff's 4 x 12 example
    (units as rows there)."""
    est = gwet_ac1(KRIPPENDORFF_2011)
    assert est.value is not None
    assert round(est.value, 5) == 0.77544
    assert round(percent_agreement(KRIPPENDORFF_2011).value or 0, 5) == 0.81818
    # p_e recovered from AC1 and p_a
    pa = 0.8181818181818182
    pe = (pa - est.value) / (1 - est.value)
    assert round(pe, 5) == 0.19032


def test_brennan_prediger_by_hand() -> None:
    # p_a = 0.81818 (above), q = 5 observed categories -> (p_a - 1/5) / (1 - 1/5).
    est = brennan_prediger(KRIPPENDORFF_2011)
    assert est.value == pytest.approx((9 / 11 - 0.2) / 0.8, abs=1e-12)
    # With a declared 7-point scale q = 7.
    est7 = brennan_prediger(KRIPPENDORFF_2011, n_categories=7)
    assert est7.value == pytest.approx((9 / 11 - 1 / 7) / (6 / 7), abs=1e-12)
