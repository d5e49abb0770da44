"""Percentile bootstrap confidence intervals, resampling units.

Why not simply re-run the coefficient on 1,000 resampled copies?  On a
200,000-unit matrix that costs 1,000 full passes.  Instead the units are
compressed once into their distinct patterns (``_encode``).  Drawing U units
with replacement from U units is the same as drawing the *number of times
each pattern occurs* from a multinomial with the pattern frequencies, so a
replicate is one row of ``rng.multinomial(U, freq / U)``, and every
coefficient is computed for all replicates at once as ``W @ features``.  The
result is identical (in distribution) to resampling columns and calling the
coefficient, at the cost of a small matrix product.

Only the units that can enter the statistic are resampled (units rated by
both coders for Cohen's kappa, by all coders for Fleiss' kappa, by >= 2
coders for alpha / percent agreement / Brennan-Prediger, by >= 1 for AC1), so
each replicate has as many usable units as the sample.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from codebench.agreement import coefficient_registry as registry
from codebench.agreement._encode import count_patterns, encode, pair_patterns
from codebench.agreement.coefficient_registry import Coefficient, Design, Statistic
from codebench.agreement.estimate import Estimate

_MAX_WEIGHT_CELLS = 20_000_000


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval.

    ``n_valid`` of the ``n_requested`` replicates had a defined coefficient;
    the others (e.g. a resample without variation) were skipped, and the
    percentiles are taken over the valid ones.  Iterating yields
    ``(low, high)`` so ``low, high = bootstrap_ci(...)`` works.
    """

    low: float
    high: float
    n_valid: int
    n_requested: int
    level: float

    def __iter__(self) -> Iterator[float]:
        return iter((self.low, self.high))

    @property
    def n_skipped(self) -> int:
        """Replicates left out because the coefficient was undefined on them."""
        return self.n_requested - self.n_valid


def _resolve(statistic: Any) -> tuple[Coefficient, dict[str, Any]] | None:
    """Map a name, one of our functions, or a partial of one to (coefficient, kwargs)."""
    if isinstance(statistic, str):
        return registry.by_name(statistic), {}
    if isinstance(statistic, functools.partial) and not statistic.args:
        inner = _resolve(statistic.func)
        if inner is not None:
            return inner[0], {**inner[1], **statistic.keywords}
        return None
    coefficient = registry.by_function(statistic)
    return (coefficient, {}) if coefficient is not None and coefficient.make else None


def _statistic(
    coefficient: Coefficient, data: npt.ArrayLike, kwargs: dict[str, Any]
) -> tuple[Statistic, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The coefficient's ``_stats`` object and the unit patterns it reads, from the data."""
    assert coefficient.make is not None
    if coefficient.pairwise:
        if kwargs:
            raise TypeError(f"{coefficient.key} takes no options, got {sorted(kwargs)}")
        enc = encode(data)
        patterns, freq = pair_patterns(enc)
        return coefficient.make(Design(2, enc.categories)), patterns, freq
    unknown = sorted(set(kwargs) - {"level", "n_categories"})
    if unknown:
        raise TypeError(f"{coefficient.key} got unexpected options {unknown}")
    pats = count_patterns(data)
    design = Design(pats.n_coders, pats.categories, **kwargs)
    return coefficient.make(design), pats.counts, pats.freq


def replicate_values(
    statistic: str | Callable[..., Any],
    data: npt.ArrayLike,
    n: int = 1000,
    seed: int | np.random.Generator | None = None,
) -> npt.NDArray[np.float64]:
    """The ``n`` bootstrap replicate values (NaN where undefined).

    Exposed for callers who want the distribution itself (plots, SEs).
    """
    rng = np.random.default_rng(seed)
    resolved = _resolve(statistic)
    if resolved is None:
        return _generic_replicates(statistic, data, n, rng)  # type: ignore[arg-type]
    coefficient, kwargs = resolved
    stat, patterns, freq = _statistic(coefficient, data, kwargs)
    keep = stat.usable(patterns) if patterns.size else np.zeros(0, dtype=bool)
    patterns, freq = patterns[keep], freq[keep]
    total = int(freq.sum())
    if total == 0:
        return np.full(n, np.nan)
    features = stat.features(patterns)
    out = np.empty(n)
    # Bound the (replicates x patterns) weight matrix to ~160 MB: many-category
    # data can have nearly as many distinct patterns as units.
    chunk = max(1, _MAX_WEIGHT_CELLS // max(1, patterns.shape[0]))
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        weights = rng.multinomial(total, freq / total, size=size).astype(np.float64)
        values, codes = stat.finalize(weights @ features)
        out[start : start + size] = np.where(codes == 0, values, np.nan)
    return out


def _generic_replicates(
    statistic: Callable[[npt.NDArray[np.float64]], Any],
    data: npt.ArrayLike,
    n: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.float64]:
    """Slow path for arbitrary callables: resample columns and call it n times."""
    arr = np.asarray(data, dtype=np.float64)
    n_units = arr.shape[-1]
    out = np.full(n, np.nan)
    for r in range(n):
        result = statistic(arr[..., rng.integers(0, n_units, size=n_units)])
        if isinstance(result, Estimate):
            result = result.value
        if result is not None and np.isfinite(result):
            out[r] = float(result)
    return out


def bootstrap_ci(
    statistic: str | Callable[..., Any],
    data: npt.ArrayLike,
    n: int = 1000,
    seed: int | np.random.Generator | None = None,
    level: float = 0.95,
) -> Interval | None:
    """Percentile bootstrap interval of ``statistic`` over resampled units.

    ``statistic`` is one of this package's coefficient functions, a
    ``functools.partial`` of one (e.g. ``partial(krippendorff_alpha,
    level="ordinal")``), or its name (``"alpha"``, ``"kappa"``, ``"fleiss"``,
    ``"ac1"``, ``"bp"``, ``"percent"``); these take the fast multinomial path.
    For ``cohen_kappa`` pass a 2 x units matrix.  Any other callable taking a
    ``(coders, units)`` matrix and returning a float/Estimate is bootstrapped
    the slow way by resampling columns.

    Returns ``None`` when no replicate is defined.  Same ``seed`` -> same
    interval.
    """
    check_bootstrap_args(n, level)
    return percentile_interval(replicate_values(statistic, data, n=n, seed=seed), level)


def check_bootstrap_args(n: int, level: float) -> None:
    """Reject a replicate count or confidence level no interval can be built from.

    Checked before any resampling, so a bad argument fails fast in both the
    unweighted and the weighted bootstrap with the same message.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")


def percentile_interval(values: npt.NDArray[np.float64], level: float) -> Interval | None:
    """The equal-tailed percentile interval of the defined replicates (NaN = undefined).

    Shared by every bootstrap here so that they count undefined replicates
    and place the tails identically; ``None`` when no replicate is defined.
    """
    valid = values[np.isfinite(values)]
    if valid.size == 0:
        return None
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(valid, [tail, 1.0 - tail])
    return Interval(float(low), float(high), int(valid.size), int(values.size), float(level))
