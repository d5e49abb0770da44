"""The irrCAC oracle: its values on the differential-test matrices, recorded.

irrCAC pins scipy (and so numpy < 2), which would downgrade the numpy every
user gets from ``pip install -e .``.  So the main test environment does not
install it: the values it gives on the seeded random matrices of
``test_agreement_differential.py`` are recorded in ``irrcac_values.json``,
and the differential tests compare against that file.  With irrCAC installed
(``pip install -e '.[test,oracle]'``, the separate oracle job in ``.ci/run``),
``test_irrcac_fixture_matches_live_irrcac`` recomputes every value and fails
if the file is stale; ``python tests/agreement/irrcac_oracle.py`` rewrites it.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

FIXTURE = Path(__file__).with_name("irrcac_values.json")
SEEDS = range(40)
UNUSED_CATEGORIES_SEED = 7


def random_matrix(seed: int, missing: bool = True) -> np.ndarray:
    """A (coders, units) matrix with categories 1..V, shared signal and NaNs."""
    rng = np.random.default_rng(seed)
    coders = int(rng.integers(2, 7))
    units = int(rng.integers(5, 301))
    n_cat = int(rng.integers(2, 6))
    data = rng.integers(1, n_cat + 1, size=(coders, units)).astype(float)
    truth = rng.integers(1, n_cat + 1, size=units)
    follow = rng.random((coders, units)) < rng.uniform(0.2, 0.9)
    data[follow] = np.broadcast_to(truth, data.shape)[follow]
    if missing:
        data[rng.random(data.shape) < rng.uniform(0.0, 0.3)] = np.nan
    return data


def compute() -> dict[str, Any]:
    """Every recorded value, computed live with irrCAC (which must be installed)."""
    import pandas as pd
    from irrCAC.raw import CAC

    def cac(data: np.ndarray, **kwargs: Any) -> Any:
        return CAC(pd.DataFrame(data.T), digits=15, **kwargs)

    def value(obj: Any, method: str, key: str = "coefficient_value") -> float:
        return float(getattr(obj, method)()["est"][key])

    out: dict[str, Any] = {"seeds": {}, "unused_categories": {}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in SEEDS:
            data = random_matrix(seed)
            plain = cac(data)
            complete = random_matrix(seed, missing=False)
            out["seeds"][str(seed)] = {
                "q": len(plain.categories),
                "gwet": value(plain, "gwet"),
                "bp": value(plain, "bp"),
                "krippendorff": value(plain, "krippendorff"),
                "krippendorff_quadratic": value(cac(data, weights="quadratic"), "krippendorff"),
                "krippendorff_ratio": value(cac(data, weights="ratio"), "krippendorff"),
                "pa": value(plain, "gwet", "pa"),
                "fleiss_complete": value(cac(complete), "fleiss"),
            }
        data = random_matrix(UNUSED_CATEGORIES_SEED)
        cats = sorted(set(np.unique(data[~np.isnan(data)]).tolist()) | {9.0, 10.0})
        declared = cac(data, categories=cats)
        out["unused_categories"] = {
            "seed": UNUSED_CATEGORIES_SEED,
            "categories": cats,
            "gwet": value(declared, "gwet"),
            "bp": value(declared, "bp"),
        }
    return out


def recorded() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}", file=sys.stderr)
