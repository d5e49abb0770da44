"""Each coefficient as *per-pattern features* plus a *finalize* step.

Every coefficient here is a function of a few sums over units.  A statistic is
therefore split in two:

``features(patterns) -> (T, F)``
    the per-unit summands for each distinct unit pattern (``_encode``);
``finalize(S) -> (values, codes)``
    the coefficient from the summed features ``S`` of shape ``(R, F)``.

``S = weights @ features`` with ``weights`` of shape ``(R, T)``: a single
coefficient uses the pattern frequencies (R = 1), the bootstrap uses R
multinomial resamples of them, and the batch report uses one row per code.
All three thus run the very same arithmetic, so they agree exactly.

``codes`` is 0 where the value is defined and otherwise indexes the
statistic's ``reasons`` tuple; undefined values are NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from codebench.agreement.estimate import NO_PAIRABLE, NO_VARIATION

Array = npt.NDArray[np.float64]
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _pair_agreement(counts: Array, m: Array) -> Array:
    """Share of agreeing ordered coder pairs in each unit (0 where m < 2)."""
    pairs = m * (m - 1.0)
    agree = (counts * (counts - 1.0)).sum(axis=1)
    return np.divide(agree, pairs, out=np.zeros_like(agree), where=pairs > 0)


def _safe_div(num: Array, den: Array) -> Array:
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den != 0)


@dataclass(frozen=True)
class PercentAgreement:
    """Mean over units with >= 2 ratings of the share of agreeing coder pairs."""

    reasons: tuple[str, ...] = ("", NO_PAIRABLE)

    def usable(self, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return counts.sum(axis=1) >= 2

    def features(self, counts: npt.NDArray[np.int64]) -> Array:
        c = counts.astype(np.float64)
        m = c.sum(axis=1)
        pair = (m >= 2).astype(np.float64)
        return np.stack([_pair_agreement(c, m) * pair, pair], axis=1)

    def finalize(self, s: Array) -> tuple[Array, npt.NDArray[np.int8]]:
        values = _safe_div(s[:, 0], s[:, 1])
        codes = np.where(s[:, 1] == 0, 1, 0).astype(np.int8)
        return values, codes


@dataclass(frozen=True)
class ChanceUniform:
    """Brennan-Prediger: percent agreement corrected by chance = 1/q."""

    q: int
    reasons: tuple[str, ...] = ("", NO_PAIRABLE)

    def usable(self, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return counts.sum(axis=1) >= 2

    def features(self, counts: npt.NDArray[np.int64]) -> Array:
        return PercentAgreement().features(counts)

    def finalize(self, s: Array) -> tuple[Array, npt.NDArray[np.int8]]:
        pa, codes = PercentAgreement().finalize(s)
        pe = 1.0 / self.q
        return (pa - pe) / (1.0 - pe), codes


@dataclass(frozen=True)
class GwetAC1:
    """Gwet's AC1: chance = sum_k pi_k (1 - pi_k) / (q - 1).

    ``pi_k`` is the mean over units with >= 1 rating of the share of the
    unit's ratings in category k (Gwet 2014, ch. 4; irrCAC ``gwet()``).
    """

    q: int
    reasons: tuple[str, ...] = ("", NO_PAIRABLE)

    def usable(self, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return counts.sum(axis=1) >= 1

    def features(self, counts: npt.NDArray[np.int64]) -> Array:
        c = counts.astype(np.float64)
        m = c.sum(axis=1)
        pair = (m >= 2).astype(np.float64)
        rated = (m >= 1).astype(np.float64)
        share = np.divide(c, m[:, None], out=np.zeros_like(c), where=m[:, None] > 0)
        return np.column_stack([_pair_agreement(c, m) * pair, pair, rated, share])

    def finalize(self, s: Array) -> tuple[Array, npt.NDArray[np.int8]]:
        pa = _safe_div(s[:, 0], s[:, 1])
        pi = _safe_div(s[:, 3:], s[:, 2:3])
        pe = (pi * (1.0 - pi)).sum(axis=1) / (self.q - 1)
        codes = np.where(s[:, 1] == 0, 1, 0).astype(np.int8)
        return (pa - pe) / (1.0 - pe), codes


@dataclass(frozen=True)
class FleissKappa:
    """Fleiss' kappa over the units rated by every one of ``n_coders`` coders."""

    n_coders: int
    reasons: tuple[str, ...] = (
        "",
        "Fleiss' kappa needs at least two coders",
        "no unit was rated by every coder (Fleiss' kappa uses complete units only)",
        NO_VARIATION,
    )

    def usable(self, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return counts.sum(axis=1) == self.n_coders

    def features(self, counts: npt.NDArray[np.int64]) -> Array:
        c = counts.astype(np.float64)
        m = c.sum(axis=1)
        full = ((m == self.n_coders) & (m >= 2)).astype(np.float64)
        return np.column_stack([_pair_agreement(c, m) * full, full, c * full[:, None]])

    def finalize(self, s: Array) -> tuple[Array, npt.NDArray[np.int8]]:
        n_units = s[:, 1]
        totals = s[:, 2:]
        n_ratings = n_units * self.n_coders
        # Integer-valued sums: the zero test below is exact.
        den = n_ratings**2 - (totals**2).sum(axis=1)
        p_bar = _safe_div(s[:, 0], n_units)
        values = _safe_div(p_bar * n_ratings**2 - (totals**2).sum(axis=1), den)
        codes = np.select(
            [np.full(n_units.shape, self.n_coders < 2), n_units == 0, den == 0], [1, 2, 3], 0
        ).astype(np.int8)
        return np.where(codes == 0, values, np.nan), codes


@dataclass(frozen=True)
class KrippendorffAlpha:
    """Krippendorff's alpha from the coincidence matrix (Krippendorff 2011).

    With ``o`` the coincidence matrix, ``n_c`` its margins and ``n`` the number
    of pairable values, ``alpha = 1 - (n - 1) * sum(o * d) / sum(n_c n_k d)``.
    For nominal/interval/ratio the observed disagreement of a unit is the
    scalar ``n_u' D n_u / (m_u - 1)``; the ordinal metric depends on the
    margins of the (resampled) data, so it keeps the whole ``o`` matrix.
    """

    level: str
    categories: Array
    reasons: tuple[str, ...] = ("", NO_PAIRABLE, NO_VARIATION)
    _delta: Array | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level!r}")
        v = np.asarray(self.categories, dtype=np.float64)
        if self.level == "nominal":
            delta = 1.0 - np.eye(v.shape[0])
        elif self.level == "interval":
            delta = (v[:, None] - v[None, :]) ** 2
        elif self.level == "ratio":
            tot = v[:, None] + v[None, :]
            diff = v[:, None] - v[None, :]
            delta = np.divide(diff, tot, out=np.zeros_like(diff), where=tot != 0) ** 2
        else:
            delta = None
        object.__setattr__(self, "_delta", delta)

    def usable(self, counts: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return counts.sum(axis=1) >= 2

    def features(self, counts: npt.NDArray[np.int64]) -> Array:
        c = counts.astype(np.float64)
        m = c.sum(axis=1)
        pair = m >= 2
        c = c * pair[:, None]
        scale = np.divide(1.0, m - 1.0, out=np.zeros_like(m), where=pair)
        if self._delta is None:  # ordinal: full coincidence matrix per pattern
            v = c.shape[1]
            o = c[:, :, None] * c[:, None, :] - c[:, :, None] * np.eye(v)[None]
            return np.column_stack([c, (o * scale[:, None, None]).reshape(c.shape[0], v * v)])
        if self.level == "nominal":  # n'(1-I)n = m^2 - sum n^2, exact in integers
            disagree = m**2 * pair - (c**2).sum(axis=1)
        else:
            disagree = ((c @ self._delta) * c).sum(axis=1)
        return np.column_stack([c, disagree * scale])

    def _ordinal_delta(self, n_c: Array) -> Array:
        """Krippendorff's ordinal metric from the margins: (sum_{g=c..k} n_g - (n_c+n_k)/2)^2."""
        cum = np.cumsum(n_c, axis=1)
        lo = np.minimum.outer(np.arange(n_c.shape[1]), np.arange(n_c.shape[1]))
        hi = np.maximum.outer(np.arange(n_c.shape[1]), np.arange(n_c.shape[1]))
        between = cum[:, hi] - cum[:, lo] + n_c[:, lo]
        return (between - (n_c[:, :, None] + n_c[:, None, :]) / 2.0) ** 2

    def finalize(self, s: Array) -> tuple[Array, npt.NDArray[np.int8]]:
        v = self.categories.shape[0]
        n_c = s[:, :v]
        n = n_c.sum(axis=1)
        if self._delta is None:
            delta = self._ordinal_delta(n_c)
            o = s[:, v:].reshape(s.shape[0], v, v)
            observed = (o * delta).sum(axis=(1, 2))
            expected = np.einsum("rc,rck,rk->r", n_c, delta, n_c)
        else:
            observed = s[:, v]
            expected = np.einsum("rc,ck,rk->r", n_c, self._delta, n_c)
        n_values = (n_c > 0).sum(axis=1)
        codes = np.select([n == 0, n_values <= 1], [1, 2], 0).astype(np.int8)
        values = 1.0 - (n - 1.0) * _safe_div(observed, expected)
        return np.where(codes == 0, values, np.nan), codes


@dataclass(frozen=True)
class CohenKappa:
    """Cohen's kappa from (rating of coder a, rating of coder b) pairs.

    Features: [1, agree, one-hot(a) (V), one-hot(b) (V)]; then with N units,
    A agreements and margins r, c: kappa = (N A - sum r_k c_k) / (N^2 - sum r_k c_k),
    i.e. p_o and p_e = SUM_k p_a(k) p_b(k) (the textbook chance term).
    """

    n_categories: int
    reasons: tuple[str, ...] = (
        "",
        "no unit was rated by both coders",
        (
            "no variation: both coders used one and the same category throughout, "
            "so chance agreement is 1"
        ),
    )

    def usable(self, pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        return np.ones(pairs.shape[0], dtype=bool)

    def features(self, pairs: npt.NDArray[np.int64]) -> Array:
        t, v = pairs.shape[0], self.n_categories
        eye = np.eye(v)
        return np.column_stack(
            [
                np.ones(t),
                (pairs[:, 0] == pairs[:, 1]).astype(np.float64),
                eye[pairs[:, 0]].reshape(t, v),
                eye[pairs[:, 1]].reshape(t, v),
            ]
        )

    def finalize(self, s: Array) -> tuple[Array, npt.NDArray[np.int8]]:
        v = self.n_categories
        n, agree = s[:, 0], s[:, 1]
        chance = (s[:, 2 : 2 + v] * s[:, 2 + v :]).sum(axis=1)
        den = n**2 - chance
        codes = np.select([n == 0, den == 0], [1, 2], 0).astype(np.int8)
        values = _safe_div(n * agree - chance, den)
        return np.where(codes == 0, values, np.nan), codes
