"""Every agreement coefficient codebench reports, declared once, with the one scale it is read on.

A :class:`Coefficient` says what the JSON report calls it, how its CSV and
XLSX column is headed, its short and long names, the function that computes
it on one matrix, the ``_stats`` object that computes it in the batch report
and the bootstrap, and the :class:`Scale` (if any) its values are read on.
The batch report, both bootstraps, the report dict, every table (CSV, XLSX,
Markdown, HTML, Word), the terminal tables, the review screen and the CLI
help read these declarations. Adding a coefficient is one entry here (plus
its ``_stats`` class), and a band word cannot mean two things: each
coefficient has exactly one scale, and each scale names its source wherever
one of its words is shown.

Consumers call :func:`coefficients` (and the helpers below) at use time
rather than copying the tuple at import, so the declaration stays the single
source even for a test that adds an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from codebench.agreement import _stats
from codebench.agreement import coefficients as functions
from codebench.agreement.estimate import Estimate

Level = functions.Level
Statistic = functions.Statistic
#: How good a band is, for colour only (renderers map a tone to their own style).
Tone = Literal["bad", "weak", "fair", "good", "best"]
#: Float noise at a band boundary falls to the side the exact value is on.
_TOLERANCE = 1e-12
#: The two categories of a code: 0 = not applied, 1 = applied.
BINARY_CATEGORIES = np.array([0.0, 1.0])


# ---------------------------------------------------------------------- scales
@dataclass(frozen=True)
class Band:
    """One named stretch of a scale: values from ``floor`` up to the next band's floor."""

    word: str
    floor: float
    #: Whether a value equal to ``floor`` belongs to this band (else to the one below).
    inclusive: bool
    tone: Tone


@dataclass(frozen=True)
class Scale:
    """A published interpretation scale: the words a value is read as, and whose they are."""

    #: Key of a code entry's ``bands`` object in the JSON report.
    key: str
    #: CSV / XLSX column holding the word.
    column: str
    #: Who published it, shown next to every word from it ("Krippendorff 2004").
    citation: str
    #: Highest band first; the last band's floor is ``-inf``.
    bands: tuple[Band, ...]
    #: Decimals of the floors in the legend.
    digits: int = 2

    def band(self, value: float | None) -> str | None:
        """The word for ``value`` (``None`` for an undefined value)."""
        if value is None or not np.isfinite(value):
            return None
        for band in self.bands:
            if band.inclusive and value >= band.floor - _TOLERANCE:
                return band.word
            if not band.inclusive and value > band.floor + _TOLERANCE:
                return band.word
        return self.bands[-1].word

    def tone(self, word: str | None) -> Tone | None:
        """The tone of one of this scale's words (``None`` for no word)."""
        return next((b.tone for b in self.bands if b.word == word), None)

    def thresholds(self) -> list[tuple[str, str]]:
        """``(condition, word)`` per band, highest first: ``("≥ 0.800", "reliable")``."""
        out = []
        for band in self.bands:
            if band.floor == float("-inf"):
                out.append(("below", band.word))
            else:
                sign = "≥" if band.inclusive else ">"
                out.append((f"{sign} {band.floor:.{self.digits}f}", band.word))
        return out

    def legend(self) -> str:
        """``"Krippendorff 2004: ≥ 0.800 reliable · ≥ 0.667 tentative · below: unreliable"``."""
        parts = [
            f"{cond}: {word}" if cond == "below" else f"{cond} {word}"
            for cond, word in self.thresholds()
        ]
        return f"{self.citation}: " + " · ".join(parts)


KRIPPENDORFF = Scale(
    key="krippendorff",
    column="krippendorff_band",
    citation="Krippendorff 2004",
    bands=(
        Band("reliable", 0.800, True, "best"),
        Band("tentative", 0.667, True, "fair"),
        Band("unreliable", float("-inf"), True, "bad"),
    ),
    digits=3,
)
LANDIS_KOCH = Scale(
    key="landis_koch",
    column="landis_koch",
    citation="Landis & Koch 1977",
    bands=(
        Band("almost perfect", 0.80, False, "best"),
        Band("substantial", 0.60, False, "good"),
        Band("moderate", 0.40, False, "fair"),
        Band("fair", 0.20, False, "weak"),
        Band("slight", 0.0, True, "bad"),
        Band("poor", float("-inf"), True, "bad"),
    ),
)


# ---------------------------------------------------------------------- coefficients
@dataclass(frozen=True)
class Design:
    """What a ``_stats`` object needs to know about the data it will see."""

    n_coders: int
    #: The category values observed (alpha's difference function is built on them).
    categories: npt.NDArray[np.float64]
    #: Categories of the scale for AC1 and Brennan-Prediger; ``None``: ``max(2, observed)``.
    n_categories: int | None = None
    level: Level = "nominal"

    @property
    def n_observed(self) -> int:
        return int(self.categories.shape[0])

    @property
    def q(self) -> int:
        """The number of categories of the chance terms (see :func:`resolve_q`)."""
        return functions.resolve_q(self.n_observed, self.n_categories)


def binary_design(n_coders: int) -> Design:
    """A 0/1 code: nominal, q = 2 (the batch report and the weighted bootstrap)."""
    return Design(n_coders, BINARY_CATEGORIES)


@dataclass(frozen=True)
class Coefficient:
    """One coefficient, as every part of codebench names, computes and reads it."""

    #: Key in a code entry of the JSON report (and in ``overall.macro`` / ``overall.pooled``).
    key: str
    #: CSV / XLSX heading; its interval and per-pair columns extend it (``alpha_ci_low``).
    column: str
    #: Short heading in tables people read ("α", "AC1").
    label: str
    #: Full name for legends, help text and the docs.
    name: str
    #: Name the bootstrap takes (``bootstrap_ci("alpha", ...)``); also ``kappa.statistic``.
    statistic: str | None
    #: Computes it on one ``(coders, units)`` matrix (Cohen's: on two rating vectors).
    function: Callable[..., Estimate] | None
    #: The ``_stats`` object for the batch report and the bootstraps.
    make: Callable[[Design], Statistic] | None
    #: The one scale its values are read on (``None``: read the number itself).
    scale: Scale | None = None
    #: Each code gets a bootstrap interval for it.
    interval: bool = False
    #: One value per coder pair (from the pair's 2 x 2 table) rather than one per code.
    pairwise: bool = False
    #: The headline kappa: Cohen's with two coders, Fleiss' with more (not a statistic of its own).
    headline: bool = False
    #: Shown as a percentage (x 100) in tables people read.
    percent: bool = False
    #: Further names the bootstrap accepts.
    aliases: tuple[str, ...] = ()
    #: The batch report's count of the units it is computed on (its ``n``): units rated by two or
    #: more coders, by every coder (``n_complete_units``), or by both coders of a pair
    #: (``rated_by_pair``). ``None`` for the headline kappa, whose n is its coefficient's.
    units: str | None = "n_pairable_units"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the bootstrap knows this coefficient by."""
        own = (self.statistic,) if self.statistic else ()
        return (*own, *self.aliases, self.key)


PERCENT = Coefficient(
    key="percent_agreement",
    column="percent_agreement",
    label="Agree %",
    name="percent agreement",
    statistic="percent",
    function=functions.percent_agreement,
    make=lambda d: _stats.PercentAgreement(),
    percent=True,
)
ALPHA = Coefficient(
    key="krippendorff_alpha",
    column="alpha",
    label="α",
    name="Krippendorff's alpha (nominal)",
    statistic="alpha",
    function=functions.krippendorff_alpha,
    make=lambda d: _stats.KrippendorffAlpha(d.level, d.categories),
    scale=KRIPPENDORFF,
    interval=True,
)
KAPPA = Coefficient(
    key="kappa",
    column="kappa",
    label="κ",
    name="kappa (Cohen's for two coders, Fleiss' for three or more)",
    statistic=None,
    function=None,
    make=None,
    scale=LANDIS_KOCH,
    interval=True,
    headline=True,
    units=None,
)
COHEN = Coefficient(
    key="cohen_kappa",
    column="cohen_kappa",
    label="Cohen's κ",
    name="Cohen's kappa",
    statistic="cohen",
    function=functions.cohen_kappa,
    make=lambda d: _stats.CohenKappa(d.n_observed),
    interval=True,
    pairwise=True,
    aliases=("kappa",),
    units="rated_by_pair",
)
FLEISS = Coefficient(
    key="fleiss_kappa",
    column="fleiss_kappa",
    label="Fleiss' κ",
    name="Fleiss' kappa",
    statistic="fleiss",
    function=functions.fleiss_kappa,
    make=lambda d: _stats.FleissKappa(d.n_coders),
    units="n_complete_units",
)
AC1 = Coefficient(
    key="gwet_ac1",
    column="gwet_ac1",
    label="AC1",
    name="Gwet's AC1",
    statistic="ac1",
    function=functions.gwet_ac1,
    make=lambda d: _stats.GwetAC1(d.q),
)
BP = Coefficient(
    key="brennan_prediger",
    column="brennan_prediger",
    label="BP",
    name="Brennan-Prediger kappa",
    statistic="bp",
    function=functions.brennan_prediger,
    make=lambda d: _stats.ChanceUniform(d.q),
)

#: Every coefficient, in the order of the JSON report and of every table.
COEFFICIENTS: tuple[Coefficient, ...] = (PERCENT, ALPHA, KAPPA, COHEN, FLEISS, AC1, BP)
#: The pooled coefficients each transcript's row shows (a transcript is no place for every one).
TRANSCRIPT_COEFFICIENTS: tuple[Coefficient, ...] = (PERCENT, ALPHA, KAPPA, AC1)
#: The pooled coefficients each coder pair's row shows (for a pair, kappa is Cohen's).
PAIR_COEFFICIENTS: tuple[Coefficient, ...] = (PERCENT, COHEN, ALPHA)


def coefficients() -> tuple[Coefficient, ...]:
    """Every declared coefficient (read at call time)."""
    return COEFFICIENTS


def per_code() -> list[Coefficient]:
    """The coefficients with one value per code: macro means, table columns, ``undefined``."""
    return [c for c in COEFFICIENTS if not c.pairwise]


def pairwise() -> list[Coefficient]:
    """The coefficients with one value per coder pair."""
    return [c for c in COEFFICIENTS if c.pairwise]


def batch() -> list[Coefficient]:
    """The multi-coder coefficients the batch report computes from unit patterns."""
    return [c for c in COEFFICIENTS if c.make is not None and not c.pairwise]


def scaled() -> list[Coefficient]:
    """The coefficients read on a scale (each code's ``bands`` has one word per scale)."""
    return [c for c in COEFFICIENTS if c.scale is not None]


def by_name(name: str) -> Coefficient:
    """The computable coefficient the bootstrap calls ``name`` ("alpha", "kappa", "gwet_ac1", ...).

    The headline kappa is not a statistic of its own, so ``"kappa"`` is Cohen's (as it always was).
    """
    for coefficient in COEFFICIENTS:
        if coefficient.make is not None and name in coefficient.names:
            return coefficient
    raise ValueError(f"unknown statistic {name!r}; choose from {sorted(bootstrap_names())}")


def bootstrap_names() -> list[str]:
    """Every name :func:`by_name` accepts (for error messages)."""
    return [n for c in COEFFICIENTS if c.make is not None for n in c.names]


def by_function(function: object) -> Coefficient | None:
    """The coefficient ``function`` computes (``None`` for any other callable)."""
    for coefficient in COEFFICIENTS:
        if coefficient.function is not None and coefficient.function is function:
            return coefficient
    return None


def headline_of(n_coders: int) -> Coefficient:
    """The coefficient behind the headline kappa: Cohen's for two coders, else Fleiss'."""
    return COHEN if n_coders == 2 else FLEISS


def headline_coefficient(n_coders: int, complete_units: int, pairable_units: int) -> Coefficient:
    """The coefficient a code's figure is headlined by.

    With three or more coders and missing ratings (some unit rated by two or
    more coders but not by all) it is Krippendorff's alpha, which uses every
    pairable unit; Fleiss' kappa would stand on the complete units alone.
    Otherwise it is the headline kappa (Cohen's for two coders, Fleiss' on
    complete data).
    """
    if n_coders >= 3 and complete_units < pairable_units:
        return ALPHA
    return KAPPA


def by_statistic(statistic: str) -> Coefficient:
    """The coefficient of a report's ``kappa.statistic`` ("cohen" or "fleiss")."""
    return next(c for c in COEFFICIENTS if c.statistic == statistic)


def legend() -> list[str]:
    """One line per scaled coefficient: its label, its scale's name and thresholds."""
    return [f"{c.label} band, {c.scale.legend()}" for c in scaled() if c.scale is not None]


def glossary() -> str:
    """What each short label stands for, e.g. ``"α: Krippendorff's alpha (nominal)"``."""
    return " · ".join(f"{c.label}: {c.name}" for c in COEFFICIENTS)


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1] if items else ""


def help_fields() -> dict[str, str]:
    """The coefficient list, the intervals and the bands, worded for the CLI help."""
    return {
        "coefficients": "; ".join(
            f"{c.label} = {c.name}" + (", every coder pair" if c.pairwise else "")
            for c in COEFFICIENTS
        ),
        "intervals": _and([c.label for c in COEFFICIENTS if c.interval]),
        "bands": "; ".join(legend()),
    }


def reference_markdown() -> str:
    """The declarations as the two Markdown tables of docs/agreement.md (a test keeps them equal).

    Regenerate with ``python -c "from codebench.agreement.coefficient_registry import
    reference_markdown as r; print(r(), end='')"``.
    """
    lines = [
        "| JSON key | CSV / XLSX column | label | name | bootstrap name | interval | scale |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c in COEFFICIENTS:
        names = ", ".join(f"`{n}`" for n in (c.statistic, *c.aliases) if n) if c.make else "–"
        scale = c.scale.citation if c.scale else "–"
        per = " (per coder pair)" if c.pairwise else ""
        lines.append(
            f"| `{c.key}` | `{c.column}`{per} | {c.label} | {c.name} | {names} | "
            f"{'yes' if c.interval else 'no'} | {scale} |"
        )
    lines += [
        "",
        "| scale | coefficient | JSON `bands` key | CSV / XLSX column | words |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in scaled():
        assert c.scale is not None
        words = "; ".join(
            f"{word} {cond}" if cond != "below" else f"{word} below"
            for cond, word in c.scale.thresholds()
        )
        lines.append(
            f"| {c.scale.citation} | `{c.key}` ({c.label}) | `{c.scale.key}` | "
            f"`{c.scale.column}` | {words} |"
        )
    return "\n".join(lines) + "\n"
