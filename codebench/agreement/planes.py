"""The 0/1/NaN ratings read once, kept as small bit masks for every later table.

The report's ratings are a ``(codes, coders, units)`` float array: 21 codes,
5 coders and 200,000 units are 168 MB.  Reading it is most of what a table
costs, and the report used to read it once per table (the per-code pattern
counts, the set-valued alpha's code sets, the confusions).  One pass here
turns it into what all of them need, each a few MB:

* ``rated[k, u]``: coder k rated unit u in every code;
* ``bits[k, u]``: the codes coder k applied to unit u, bit c for code c
  (up to 62 codes), so set operations on whole ratings are bit operations;
* ``appliers[c, u]``: the coders who applied code c to unit u, bit k for
  coder k (up to 16 coders), so a code's rating pattern over the coders is a
  small integer;
* ``uniform``: every (coder, unit) is rated in every code or in none (as
  extracted units always are), so ``rated`` is each code's missingness too.

Every value is checked to be 0, 1 or NaN on the way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Past this many codes a rating's codes no longer fit one int64 bit mask.
MAX_BIT_CODES = 62
#: Past this many coders a code's appliers no longer fit one uint16 bit mask.
MAX_BIT_CODERS = 16


@dataclass(frozen=True)
class RatingPlanes:
    """The ratings as bit masks (see the module docstring)."""

    rated: npt.NDArray[np.bool_]
    """``(coders, units)``: rated in every code."""
    bits: npt.NDArray[np.int64] | None
    """``(coders, units)``: bit c set where the coder applied code c (``None`` past 62 codes)."""
    appliers: npt.NDArray[np.uint16] | None
    """``(codes, units)``: bit k set where coder k applied the code (``None`` past 16 coders)."""
    uniform: bool
    """Each (coder, unit) is rated in all codes or in none: ``rated`` is every code's missingness."""

    @property
    def raters(self) -> npt.NDArray[np.int64]:
        """``(units,)``: bit k set where coder k rated the unit (in every code)."""
        weights = np.int64(1) << np.arange(self.rated.shape[0], dtype=np.int64)
        out = np.zeros(self.rated.shape[1], dtype=np.int64)
        for k, w in enumerate(weights):
            out[self.rated[k]] |= w
        return out


def rating_planes(arr: npt.NDArray[np.float64], caller: str = "the ratings") -> RatingPlanes:
    """Read a ``(codes, coders, units)`` 0/1/NaN array once into :class:`RatingPlanes`.

    One code at a time, so the temporaries stay one ``(coders, units)`` block
    (the allocator reuses them instead of faulting in fresh memory).  Raises
    ``ValueError`` naming ``caller`` for any value other than 0, 1 and NaN.
    """
    n_codes, n_coders, n_units = arr.shape
    rated = np.ones((n_coders, n_units), dtype=bool)
    uniform = True
    first_missing: npt.NDArray[np.bool_] | None = None
    # The codes' masks are built a byte at a time (8 codes per byte plane) on views of the
    # bool arrays, and widened to int64 once at the end: byte operations on a few MB, not
    # int64 ones on tens of MB for every code.
    planes = (
        np.zeros(((n_codes + 7) // 8, n_coders, n_units), dtype=np.uint8)
        if n_codes <= MAX_BIT_CODES
        else None
    )
    appliers = np.zeros((n_codes, n_units), dtype=np.uint16) if n_coders <= MAX_BIT_CODERS else None
    for c in range(n_codes):
        block = arr[c]
        ones = block == 1.0
        missing = np.isnan(block)
        # 0, 1 and NaN only: every non-zero value is a 1 or a NaN.
        if np.count_nonzero(ones) + np.count_nonzero(missing) != np.count_nonzero(block):
            raise ValueError(f"{caller} accepts only 0, 1 and NaN")
        if first_missing is None:
            first_missing = missing
            np.logical_not(missing, out=rated)
        elif uniform and not np.array_equal(missing, first_missing):
            uniform = False
        if not uniform:
            rated &= ~missing
        byte = ones.view(np.uint8)
        if planes is not None:
            planes[c // 8] |= byte << np.uint8(c % 8)
        if appliers is not None:
            row = appliers[c]
            for k in range(n_coders):
                row |= byte[k].astype(np.uint16) << np.uint16(k)
    bits = None
    if planes is not None:
        bits = np.zeros((n_coders, n_units), dtype=np.int64)
        for b in range(planes.shape[0]):
            bits |= planes[b].astype(np.int64) << np.int64(8 * b)
    return RatingPlanes(rated, bits, appliers, uniform and n_codes > 0)
