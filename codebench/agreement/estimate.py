"""The plain result type shared by every agreement coefficient.

A coefficient that cannot be computed (no variation, no overlap, ...) must
never be reported as a made-up 0 or 1: a reader of a methods section would
take such a number at face value.  So every coefficient returns an
:class:`Estimate` whose ``value`` is ``None`` exactly when the coefficient is
undefined, and whose ``reason`` then says why in words a coder understands.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """A coefficient value, or ``None`` plus the reason it is undefined.

    ``note`` carries a short remark that qualifies a *defined* value, e.g. how
    many units Fleiss' kappa left out because a coder had not rated them.  It
    is informational only and never changes the value.
    """

    value: float | None
    reason: str | None = None
    note: str | None = None

    @property
    def defined(self) -> bool:
        """True when the coefficient has a value."""
        return self.value is not None

    def __float__(self) -> float:
        """``float(estimate)``: the value, or NaN when undefined (for tables/plots)."""
        return float("nan") if self.value is None else float(self.value)


# Reasons shared by several coefficients, kept in one place so that the
# report and the tests can recognise them.
NO_PAIRABLE = "no unit was rated by two or more coders"
NO_VARIATION = "no variation: every rating is the same category"
