"""The agreement report as plain data (the JSON schema in docs/agreement.md).

:func:`agreement_report` reads a project and returns a dict of lists, strings,
numbers and ``None``: per code, overall (macro mean, pooled, set-valued
alpha), per transcript, per coder pair, code confusions and diagnostics.  The
CLI prints or writes it (``render``/``formats``), the TUI shows it.  An
undefined coefficient is ``{"value": null, "reason": "..."}``, never 0 or 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from codebench import __version__
from codebench.agreement import coefficient_registry as registry
from codebench.agreement import unitizing, unitizing_family
from codebench.agreement.batch import CodeReport, _patterns, assemble_reports, binary_stats, field
from codebench.agreement.bootstrap import Interval
from codebench.agreement.coefficient_registry import ALPHA, COHEN, KRIPPENDORFF, Coefficient
from codebench.agreement.diagnostics import MIN_UNITS
from codebench.agreement.estimate import Estimate
from codebench.agreement.planes import rating_planes
from codebench.agreement.reliability_data import (
    DEFAULT,
    Units,
    extract_units,
    hierarchy_rule,
    overlap_rule,
    resolve_coders,
)
from codebench.agreement.weighted import (
    ClusterTable,
    RatingBits,
    binary_bootstrap,
    cluster_tables,
    rating_bits,
    set_alphas,
    unpack_bits,
    weighted_binary_report,
)
from codebench.errors import CodebenchError
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project

SCHEMA = "codebench.agreement/1"
TOP_CONFUSIONS = 15


def estimate_json(
    est: Estimate, ci: Interval | None = None, *, with_ci: bool = False, n: int | None = None
) -> dict[str, Any]:
    """``{"value", "reason", "note"}`` (plus ``"n"``, the units it stands on, and ``"ci"``), no NaN."""
    value = est.value if est.value is not None and np.isfinite(est.value) else None
    out: dict[str, Any] = {
        "value": value,
        "reason": est.reason if value is None else None,
        "note": est.note,
    }
    if n is not None:
        out["n"] = n
    if value is None and out["reason"] is None:
        out["reason"] = "not computable"
    if with_ci:
        out["ci"] = interval_json(ci) if value is not None else None
    return out


def interval_json(ci: Interval | None) -> dict[str, Any] | None:
    if ci is None:
        return None
    return {
        "low": ci.low,
        "high": ci.high,
        "level": ci.level,
        "replicates": ci.n_requested,
        "valid_replicates": ci.n_valid,
        "undefined_replicates": ci.n_skipped,
    }


# ---------------------------------------------------------------------- sections


class _Seeds:
    """One independent, reproducible random stream per bootstrap."""

    def __init__(self, seed: int | None) -> None:
        self._seq = np.random.SeedSequence(seed)

    def next(self) -> np.random.Generator:
        return np.random.default_rng(self._seq.spawn(1)[0])


def _label(code: Any) -> dict[str, Any]:
    return {"number": code.number, "name": code.name, "guid": code.guid}


def _headline_kappa(rep: CodeReport, n_coders: int) -> tuple[Coefficient, Estimate]:
    """The coefficient behind the headline kappa and its estimate in a batch report entry."""
    coefficient = registry.headline_of(n_coders)
    if coefficient.pairwise:
        return coefficient, field(rep, coefficient.key)[(0, 1)]
    return coefficient, field(rep, coefficient.key)


def _disagreement_units(freq: npt.NDArray[np.float64], n_coders: int) -> int:
    """Units (weighted) that two or more coders rated and did not all rate alike, from a code's pattern frequencies."""
    m, s = np.divmod(np.arange(freq.shape[0]), n_coders + 1)
    differ = (m >= 2) & (s > 0) & (s < m)
    return int(np.rint(freq[differ].sum()))


def code_sections(
    units: Units,
    *,
    bootstrap: int = 1000,
    seed: int | None = None,
    ci_level: float = 0.95,
    bootstrap_by: str = "unit",
) -> list[dict[str, Any]]:
    """One entry per compared code: counts, every declared coefficient, intervals, bands, diagnostics.

    ``bootstrap_by="transcript"`` resamples transcripts (a cluster bootstrap)
    instead of units; see :func:`resolve_bootstrap_by`.
    """
    names = [c.name for c in units.coders]
    freq, gram, _ = cluster_tables(
        units.data,
        units.weights,
        np.zeros(units.n_units, dtype=np.intp),
        1,
        planes=rating_planes(units.data, "the agreement report"),
    )
    total = units.n_units if units.weights is None else int(units.weights.sum())
    reports = assemble_reports(
        freq[0], gram, total, [c.label for c in units.codes], names, MIN_UNITS
    )
    return _code_sections(units, reports, freq[0], bootstrap, seed, ci_level, bootstrap_by)


def _code_sections(
    units: Units,
    reports: list[CodeReport],
    freq: npt.NDArray[np.float64],
    bootstrap: int,
    seed: int | None,
    ci_level: float,
    bootstrap_by: str,
) -> list[dict[str, Any]]:
    """:func:`code_sections` from the codes' batch reports and pattern frequencies (computed once by the caller)."""
    clusters = units.unit_transcript if bootstrap_by == TRANSCRIPT else None
    names = [c.name for c in units.coders]
    n_coders = len(names)
    seeds = _Seeds(seed)
    pairs = list(combinations(range(n_coders), 2))
    out: list[dict[str, Any]] = []
    for k, (code, rep) in enumerate(zip(units.codes, reports)):
        block = units.data[k]
        table = (
            ClusterTable(block, units.weights, clusters)
            if clusters is not None and bootstrap
            else None
        )

        def ci(
            coefficient: Coefficient,
            matrix: npt.NDArray[np.float64],
            est: Estimate,
            wanted: bool,
            pair: tuple[int, int] = (0, 1),
            table: ClusterTable | None = table,
        ) -> Interval | None:
            """The bootstrap interval of ``coefficient`` (None when not ``wanted`` or undefined).

            ``pair`` names the coders of a pairwise coefficient in the code's block (for the
            cluster table, which reads the whole block once).
            """
            if not bootstrap or not wanted or est.value is None:
                return None
            assert coefficient.statistic is not None
            if table is not None:
                return table.interval(
                    coefficient.statistic, bootstrap, seeds.next(), ci_level, coders=pair
                )
            return binary_bootstrap(
                coefficient.statistic,
                matrix,
                units.weights,
                n=bootstrap,
                seed=seeds.next(),
                level=ci_level,
            )

        # Intervals draw their random streams in a fixed order (pairs, the headline kappa, then
        # the others), so a seed gives the same intervals as it always did.
        values: dict[str, Any] = {}
        pair_ci: dict[tuple[int, int], Interval | None] = {}
        for coefficient in sorted(
            registry.coefficients(), key=lambda c: (not c.pairwise, not c.headline)
        ):
            wanted = coefficient.interval
            if coefficient.pairwise:
                items = []
                for i, j in pairs:
                    est = field(rep, coefficient.key)[(i, j)]
                    # The pair's own matrix only for a unit bootstrap (a copy of two rows).
                    matrix = block[[i, j]] if table is None and bootstrap and wanted else block
                    pair_ci[(i, j)] = ci(coefficient, matrix, est, wanted, (i, j))
                    items.append(
                        {
                            "coders": [names[i], names[j]],
                            **estimate_json(
                                est, pair_ci[(i, j)], with_ci=wanted, n=_n(rep, coefficient, (i, j))
                            ),
                        }
                    )
                values[coefficient.key] = items
            elif coefficient.headline:
                which, kappa = _headline_kappa(rep, n_coders)
                interval = (
                    pair_ci.get((0, 1)) if which.pairwise else ci(which, block, kappa, wanted)
                )
                values[coefficient.key] = {
                    "statistic": which.statistic,
                    **estimate_json(kappa, interval, with_ci=wanted, n=_n(rep, which, (0, 1))),
                }
            else:
                est = field(rep, coefficient.key)
                values[coefficient.key] = estimate_json(
                    est, ci(coefficient, block, est, wanted), with_ci=wanted, n=_n(rep, coefficient)
                )
        lead = registry.headline_coefficient(
            n_coders, rep["n_complete_units"], rep["n_pairable_units"]
        )
        out.append(
            {
                **_label(code),
                "units": rep["n_units"],
                "rated_units": rep["n_rated_units"],
                "pairable_units": rep["n_pairable_units"],
                "complete_units": rep["n_complete_units"],
                "ratings": rep["n_ratings"],
                "applied": rep["n_applied"],
                "prevalence": rep["prevalence"],
                "disagreements": _disagreement_units(freq[k], n_coders),
                "rated_by_coder": dict(zip(names, rep["rated_by_coder"])),
                "applied_by_coder": dict(zip(names, rep["applied_by_coder"])),
                **{c.key: values[c.key] for c in registry.coefficients()},
                "bands": bands(values),
                "headline": _headline_json(lead, values),
                "diagnostics": list(rep["diagnostics"]),
            }
        )
    return out


UNIT = "unit"
TRANSCRIPT = "transcript"
BOOTSTRAP_BY = (UNIT, TRANSCRIPT)
MIN_CLUSTERS = 10
"""From this many compared transcripts on, the bootstrap resamples transcripts by default."""


def resolve_bootstrap_by(units: Units, bootstrap_by: str | None) -> str:
    """What the bootstrap resamples: ``"transcript"`` (cluster) or ``"unit"``.

    Segments of one transcript share a speaker, a topic and a coding session,
    so they are not independent: resampling them one by one understates the
    uncertainty.  Resampling whole transcripts respects that, but needs
    enough transcripts to be meaningful, hence the default: transcripts from
    :data:`MIN_CLUSTERS` compared transcripts on, units below that.
    """
    if bootstrap_by is None:
        return TRANSCRIPT if len(units.transcripts) >= MIN_CLUSTERS else UNIT
    if bootstrap_by not in BOOTSTRAP_BY:
        raise CodebenchError(
            f"--bootstrap-by must be one of {', '.join(BOOTSTRAP_BY)}, got {bootstrap_by!r}"
        )
    return bootstrap_by


def bootstrap_method(units: Units, bootstrap: int, bootstrap_by: str) -> str:
    """The bootstrap in words, as every report prints it."""
    if not bootstrap:
        return "bootstrap: none"
    what = (
        "transcripts (cluster)"
        if bootstrap_by == TRANSCRIPT
        else ("characters" if units.kind == "character" else f"{units.kind}s")
    )
    return f"bootstrap: {bootstrap} replicates, resampling {what}"


def _bootstrap_notes(
    codes: list[dict[str, Any]], units: Units, bootstrap: int, bootstrap_by: str
) -> list[str]:
    """Say which intervals stand on fewer replicates than asked, and a thin cluster design."""
    notes: list[str] = []
    if not bootstrap:
        return notes
    if bootstrap_by == TRANSCRIPT and len(units.transcripts) < MIN_CLUSTERS:
        notes.append(
            f"The bootstrap resamples {plural(len(units.transcripts), 'transcript')}: with fewer than "
            f"{MIN_CLUSTERS} the cluster intervals are unreliable."
        )
    items: list[str] = []
    for code in codes:
        label = code["number"] or code["name"]
        for coefficient in registry.coefficients():
            entry = code[coefficient.key]
            for item in entry if isinstance(entry, list) else [entry]:
                ci = item.get("ci") if isinstance(item, dict) else None
                if ci and ci["undefined_replicates"]:
                    who = f" {'-'.join(item['coders'])}" if "coders" in item else ""
                    items.append(
                        f"{label} {coefficient.column}{who}: {ci['undefined_replicates']} "
                        f"of {ci['replicates']}"
                    )
    if items:
        shown = "; ".join(items[:10]) + (f"; and {len(items) - 10} more" if len(items) > 10 else "")
        notes.append(
            f"Bootstrap replicates where the coefficient was undefined (left out; the interval "
            f"uses the rest, see valid_replicates): {shown}."
        )
    return notes


def _n(rep: CodeReport, coefficient: Coefficient, pair: tuple[int, int] = (0, 1)) -> int | None:
    """The units ``coefficient`` stands on in a batch report entry (a pair's for a pairwise one)."""
    if coefficient.units is None:
        return None
    count = field(rep, coefficient.units)
    return int(count[pair]) if isinstance(count, dict) else int(count)


def _headline_json(lead: Coefficient, values: dict[str, Any]) -> dict[str, Any]:
    """Which coefficient heads a code's figures, with its value, n and band (see the registry)."""
    item = values[lead.key]
    return {
        "key": lead.key,
        "label": lead.label
        if not lead.headline
        else registry.by_statistic(item["statistic"]).label,
        "value": item["value"],
        "n": item.get("n"),
        "band": lead.scale.band(item["value"]) if lead.scale is not None else None,
        "why": (
            "three or more coders with missing ratings: alpha uses every unit rated by two or more"
            if lead is ALPHA
            else "kappa: Cohen's for two coders, Fleiss' when every coder rated every unit"
        ),
    }


def bands(values: dict[str, Any]) -> dict[str, str | None]:
    """The word of each scaled coefficient's value on its scale, keyed by the scale."""
    return {
        c.scale.key: c.scale.band(values[c.key]["value"])
        for c in registry.scaled()
        if c.scale is not None
    }


POOLED_RULE = (
    "Pooled and macro figures cover the codes some compared coder applied in the compared units; "
    "a code nobody applied there adds only agreeing 'not this code' decisions and would inflate them."
)
"""Said in the notes of every report (and in the JSON ``overall.pooled_rule``)."""


def _pooled(rep: CodeReport, names: Sequence[str], used_codes: int) -> dict[str, Any]:
    """Every coefficient over the used codes' code x unit decisions at once, from their pooled batch report.

    ``used_codes`` is how many codes the pooled decisions cover (see :data:`POOLED_RULE`).
    """
    n_coders = len(names)
    out: dict[str, Any] = {"decisions": rep["n_units"], "codes": used_codes}
    for coefficient in registry.per_code():
        if coefficient.headline:
            which, kappa = _headline_kappa(rep, n_coders)
            out[coefficient.key] = {"statistic": which.statistic, **estimate_json(kappa)}
        else:
            out[coefficient.key] = estimate_json(field(rep, coefficient.key))
    for coefficient in registry.pairwise():
        out[coefficient.key] = [
            {"coders": [names[i], names[j]], **estimate_json(est)}
            for (i, j), est in field(rep, coefficient.key).items()
        ]
    return out


def _used(freq: npt.NDArray[np.float64], n_coders: int) -> npt.NDArray[np.bool_]:
    """Which codes some coder applied, from pattern frequencies keyed ``m * (C+1) + s`` (last axis)."""
    s = np.arange(freq.shape[-1]) % (n_coders + 1)
    return np.asarray(freq[..., s > 0].sum(axis=-1) > 0)


def _macro(codes: list[dict[str, Any]]) -> dict[str, Any]:
    """Unweighted mean of each coefficient over the used codes where it is defined.

    A code nobody applied is left out (see :data:`POOLED_RULE`): its percent
    agreement and AC1 are perfect by construction and would lift the mean.
    """
    used = [c for c in codes if c["applied"] > 0]
    out: dict[str, Any] = {}
    for coefficient in registry.per_code():
        name = coefficient.key
        values = [c[name]["value"] for c in used if c[name]["value"] is not None]
        out[name] = {
            "value": float(np.mean(values)) if values else None,
            "reason": None if values else "undefined for every used code",
            "codes": len(values),
            "undefined": len(used) - len(values),
            "not_used": len(codes) - len(used),
        }
    return out


def _by_raters(units: Units) -> dict[str, int]:
    """``{"2": units rated by two coders, "3": ...}`` (weighted), for the design's description."""
    if not units.data.shape[0] or not units.n_units:
        return {}
    m = (~np.isnan(units.data[0])).sum(axis=0)
    w = np.ones(units.n_units) if units.weights is None else units.weights
    counts = np.bincount(m, weights=w, minlength=len(units.coders) + 1)
    return {str(k): int(np.rint(c)) for k, c in enumerate(counts) if c and k}


def _n_rule(units: Units, counted: str) -> str:
    """What each n counts, in one line: the header's total against the per-code n."""
    total = units.total_weight
    pairable = sum(n for k, n in _by_raters(units).items() if int(k) >= 2)
    line = (
        f"n: {total} {counted} in the compared transcripts; {pairable} of them rated by two or "
        "more coders, the n behind every per-code figure"
    )
    if total > pairable:
        line += (
            f" (the other {total - pairable} were rated by one coder only, e.g. outside a "
            "partial-range assignment, and carry no comparison)"
        )
    return line + "."


def _weighted_count(mask: npt.NDArray[np.bool_], weights: npt.NDArray[np.int64] | None) -> int:
    return int(mask.sum() if weights is None else weights[mask].sum())


def _per_transcript(
    units: Units,
    freq: npt.NDArray[np.float64],
    gram: npt.NDArray[np.float64] | None,
    set_alphas: list[dict[str, Estimate]],
) -> list[dict[str, Any]]:
    """One row per transcript from its tables (:func:`cluster_tables`) and its set-valued alpha.

    ``gram`` holds each transcript's pooled coder products; ``None`` when no
    transcript coefficient reads them (the headline kappa is Fleiss').
    """
    names = [c.name for c in units.coders]
    if not units.transcripts:
        return []
    n_coders = len(names)
    if gram is None:  # not read: no transcript coefficient is pairwise (see build_report)
        gram = np.zeros((3, freq.shape[0], n_coders, n_coders))
    used = _used(freq, n_coders)  # (transcripts, codes): the codes each transcript's pooling covers
    pooled = assemble_reports(
        (freq * used[..., None]).sum(axis=1), gram, 0, None, names, MIN_UNITS, diagnose=False
    )
    n_transcripts, n_codes, n_keys = freq.shape
    alpha_stat = binary_stats(len(names))[ALPHA.key]
    values, reasons = alpha_stat.finalize(
        freq.reshape(-1, n_keys) @ alpha_stat.features(_patterns(len(names)))
    )
    alpha = np.where(reasons == 0, values, np.nan).reshape(n_transcripts, n_codes)
    rows = []
    for t, (transcript, sl) in enumerate(zip(units.transcripts, units.transcript_slices())):
        n = sl.stop - sl.start if units.weights is None else int(units.weights[sl].sum())
        alphas = [float(a) for a in alpha[t][used[t]] if np.isfinite(a)]
        figures = _pooled(pooled[t], names, int(used[t].sum()))
        rows.append(
            {
                "transcript": transcript.name,
                "units": n,
                "pooled_codes": figures["codes"],
                **{c.key: figures[c.key] for c in registry.TRANSCRIPT_COEFFICIENTS},
                "macro_alpha": {
                    "value": float(np.mean(alphas)) if alphas else None,
                    "reason": None
                    if alphas
                    else "alpha is undefined for every code in this transcript",
                    "codes": len(alphas),
                },
                "set_alpha_masi": estimate_json(set_alphas[t]["masi"]),
            }
        )
    return rows


def _pair_tables(gram: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """2 x 2 tables of every coder pair: ``[..., i, j, :] = (n11, n10, n01, n00)`` over decisions both rated.

    From the coder-by-coder products X.X', X.R', R.R' (``gram``, shape
    ``(3, ..., C, C)``: per code, or pooled over codes) instead of one report
    per pair.
    """
    xx, xr, rr = gram
    n11 = xx
    n10 = xr - xx  # i applied, j rated and did not apply
    n01 = np.swapaxes(xr, -1, -2) - xx
    n00 = rr - n11 - n10 - n01
    return np.stack([n11, n10, n01, n00], axis=-1)


def _per_pair(
    units: Units,
    codes: list[dict[str, Any]],
    set_alphas: list[dict[str, Estimate]],
    gram: npt.NDArray[np.float64],
) -> list[dict[str, Any]]:
    names = [c.name for c in units.coders]
    # Per code (codes, C, C, 4); a pair pools only the codes one of the two applied where both
    # rated (see POOLED_RULE).
    per_code = _pair_tables(gram)
    used = per_code[..., :3].sum(axis=-1) > 0
    tables = (per_code * used[..., None]).sum(axis=0)
    # The four kinds of pooled decision of a pair, as a 2 x 4 matrix weighted by their counts:
    # the pair's pooled coefficients exactly (units rated by one of the two do not enter them).
    patterns = np.array([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]])
    rows = []
    for (i, j), sets in zip(combinations(range(len(names)), 2), set_alphas):
        counts = np.rint(tables[i, j]).astype(np.int64)
        pooled = weighted_binary_report(patterns[None], counts, coder_names=[names[i], names[j]])[0]
        both = (
            ~np.isnan(units.data[0, i]) & ~np.isnan(units.data[0, j])
            if units.data.shape[0]
            else np.zeros(units.n_units, bool)
        )
        kappas = [
            p["value"]
            for c, pair_used in zip(codes, used[:, i, j])
            for p in c[COHEN.key]
            if pair_used and p["coders"] == [names[i], names[j]] and p["value"] is not None
        ]
        rows.append(
            {
                "coders": [names[i], names[j]],
                "units": _weighted_count(both, units.weights),
                "pooled_codes": int(used[:, i, j].sum()),
                **{
                    c.key: estimate_json(
                        field(pooled, c.key)[(0, 1)] if c.pairwise else field(pooled, c.key)
                    )
                    for c in registry.PAIR_COEFFICIENTS
                },
                "macro_kappa": {
                    "value": float(np.mean(kappas)) if kappas else None,
                    "reason": None if kappas else "kappa is undefined for every code",
                    "codes": len(kappas),
                },
                "set_alpha_masi": estimate_json(sets["masi"]),
            }
        )
    return rows


#: Per coder pair, the units both rated where each applied something the other did not, with
#: those two bit masks (what i applied alone, what j applied alone): every confusion lies there.
AloneBits = dict[
    tuple[int, int], tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.int64]]
]


def _directed_confusions(
    data: npt.NDArray[np.float64],
    weights: npt.NDArray[np.int64] | None,
    prepared: RatingBits | None = None,
    alone: AloneBits | None = None,
) -> dict[tuple[int, int], npt.NDArray[np.float64]]:
    """``[(i, j)][a, b]``: units both rated where coder i applied a (j did not) and j applied b (i did not).

    With each rating as a bit mask (up to 62 codes, and a unit either rated
    in every code or in none, as extracted units are), ``i & ~j`` is what i
    applied alone: only the units where both coders applied something alone
    are unpacked into the (codes x codes) product.  When ``alone`` is given
    it is filled with those units and masks (:data:`AloneBits`), so the
    distinct confused units of a code pair need not re-read the ratings.
    """
    n_codes, n_coders, n_units = data.shape
    w = np.ones(n_units) if weights is None else weights.astype(np.float64)
    pairs = list(combinations(range(n_coders), 2))
    rated = ~np.isnan(data[0]) if n_codes else np.zeros((n_coders, n_units), dtype=bool)
    masks: npt.NDArray[np.int64] | None = None
    if n_codes:
        every_code, masks = rating_bits(data) if prepared is None else prepared
        if not np.array_equal(every_code, rated):
            masks = None
    out: dict[tuple[int, int], npt.NDArray[np.float64]] = {}
    for i, j in pairs:
        both = rated[i] & rated[j]
        if masks is not None:
            alone_i = masks[i] & ~masks[j]
            alone_j = masks[j] & ~masks[i]
            units = np.flatnonzero(both & (alone_i != 0) & (alone_j != 0))
            if alone is not None:
                alone[(i, j)] = (units, alone_i[units], alone_j[units])
            only_i = unpack_bits(alone_i[units], n_codes).astype(np.float64)
            only_j = unpack_bits(alone_j[units], n_codes).astype(np.float64)
            out[(i, j)] = (only_i * w[units]) @ only_j.T
            continue
        xi, xj = data[:, i, :], data[:, j, :]
        only_i = ((xi == 1.0) & (xj == 0.0) & both).astype(np.float64)
        only_j = ((xj == 1.0) & (xi == 0.0) & both).astype(np.float64)
        out[(i, j)] = (only_i * w) @ only_j.T
    return out


def _confused_units(units: Units, a: int, b: int, alone: AloneBits | None = None) -> int:
    """Units (characters for character units) where some coder pair confused codes a and b.

    A unit where two pairs confused them counts once here; the ranking and
    ``units`` (the schema's older count) count it once per pair.  With
    ``alone`` (every coder pair's, from :func:`_directed_confusions`) only
    those few units' bit masks are read, not the ratings.
    """
    x = units.data
    w = np.ones(units.n_units) if units.weights is None else units.weights.astype(np.float64)
    hit = np.zeros(x.shape[2], dtype=bool)
    if alone is not None:
        bit_a, bit_b = np.int64(1) << np.int64(a), np.int64(1) << np.int64(b)
        for where, only_i, only_j in alone.values():
            one_way = ((only_i & bit_a) != 0) & ((only_j & bit_b) != 0)
            other_way = ((only_i & bit_b) != 0) & ((only_j & bit_a) != 0)
            hit[where[one_way | other_way]] = True
        return int(np.rint(w[hit].sum()))
    for i, j in combinations(range(x.shape[1]), 2):
        ai, aj, bi, bj = x[a, i], x[a, j], x[b, i], x[b, j]
        one_way = (ai == 1.0) & (aj == 0.0) & (bj == 1.0) & (bi == 0.0)
        other_way = (bi == 1.0) & (bj == 0.0) & (aj == 1.0) & (ai == 0.0)
        hit |= one_way | other_way
    return int(np.rint(w[hit].sum()))


#: What the confusions' counts count, for every output.
CONFUSION_RULE = (
    "Units: the units where one coder of a pair applied A where the other applied B instead, "
    "each unit once (JSON distinct_units); ranked by unit × coder-pair instances (JSON units; "
    "the 'who' counts are per pair)."
)


def _confusions(
    units: Units, top: int = TOP_CONFUSIONS, prepared: RatingBits | None = None
) -> list[dict[str, Any]]:
    """Code pairs most often applied by one coder where another applied the other code instead."""
    n_codes = len(units.codes)
    names = [c.name for c in units.coders]
    alone: AloneBits = {}
    directed = _directed_confusions(units.data, units.weights, prepared, alone)
    total = np.zeros((n_codes, n_codes))
    for conf in directed.values():
        total += conf + conf.T
    items = []
    upper = np.argwhere(np.triu(total, 1) > 0)
    for a, b in upper:
        items.append((total[a, b], int(a), int(b)))
    items.sort(key=lambda x: (-x[0], x[1], x[2]))
    out = []
    for count, a, b in items[:top]:
        out.append(
            {
                "code_a": _label(units.codes[a]),
                "code_b": _label(units.codes[b]),
                "units": int(np.rint(count)),
                "distinct_units": _confused_units(
                    units, a, b, alone if len(alone) == len(directed) else None
                ),
                "by_pair": [
                    {
                        "first": names[i],
                        "second": names[j],
                        "first_a_second_b": int(np.rint(conf[a, b])),
                        "first_b_second_a": int(np.rint(conf[b, a])),
                    }
                    for (i, j), conf in directed.items()
                    if conf[a, b] or conf[b, a]
                ],
            }
        )
    return out


def _overall_diagnostics(
    units: Units, codes: list[dict[str, Any]], prepared: RatingBits | None = None
) -> list[str]:
    """Report-wide warnings; ``prepared`` (:func:`rating_bits` of the data) says who applied anything without re-reading the ratings."""
    notes: list[str] = []
    if units.n_units == 0:
        notes.append(
            "No units to compare: no transcript is marked done by every compared coder "
            "(mark transcripts done, or use --include-unfinished)."
        )
        return notes
    bits = None if prepared is None else prepared[1]
    if bits is not None and units.data.size:
        applied_any = (bits != 0).any(axis=1)  # bit c of coder k's unit u: data[c, k, u] == 1
    else:
        applied_any = (
            (units.data == 1.0).any(axis=(0, 2))
            if units.data.size
            else np.zeros(len(units.coders), bool)
        )
    for coder, used in zip(units.coders, applied_any):
        if not used:
            notes.append(f"{coder.name} applied no compared code to any compared unit.")
    unused = [c["number"] or c["name"] for c in codes if c["applied"] == 0]
    if unused:
        notes.append(
            f"{plural(len(unused), 'code')} no coder used: {', '.join(unused)} (alpha and kappa undefined; "
            "left out of the pooled and macro figures)."
        )
    lowest, above = KRIPPENDORFF.bands[-1], KRIPPENDORFF.bands[-2]
    low = [c["number"] or c["name"] for c in codes if c["bands"][KRIPPENDORFF.key] == lowest.word]
    if low:
        notes.append(
            f"{plural(len(low), 'code')} below alpha {above.floor:.{KRIPPENDORFF.digits}f} "
            f"({lowest.word}, {KRIPPENDORFF.citation}): {', '.join(low)}."
        )
    return notes


def build_report(
    units: Units,
    *,
    bootstrap: int = 1000,
    seed: int | None = None,
    ci_level: float = 0.95,
    project_name: str = "",
    bootstrap_by: str | None = None,
) -> dict[str, Any]:
    """The whole report for already-extracted units (see docs/agreement.md, "JSON schema").

    ``bootstrap_by`` is ``"unit"``, ``"transcript"`` or ``None`` (transcripts
    when at least :data:`MIN_CLUSTERS` are compared, else units).
    """
    if bootstrap < 0:
        raise CodebenchError("--bootstrap must be 0 (off) or a number of replicates")
    by = resolve_bootstrap_by(units, bootstrap_by)
    names = [c.name for c in units.coders]
    # One pass over the data: each transcript's pattern tables; their sums are the codes'
    # tables (the per-code report), the pooled decisions' and every coder pair's.
    # Only a pairwise headline kappa (two coders: Cohen's) needs each transcript's pooled products.
    pairwise_headline = registry.headline_of(len(names)).pairwise
    # The ratings are read once (as bit masks) for every table below.
    planes = rating_planes(units.data, "the agreement report")
    freq, gram_all, transcript_gram = cluster_tables(
        units.data,
        units.weights,
        units.unit_transcript,
        len(units.transcripts),
        pooled_gram=pairwise_headline,
        pooled_used_only=True,
        planes=planes,
    )
    freq_all = freq.sum(axis=0)
    total = units.n_units if units.weights is None else int(units.weights.sum())
    reports = assemble_reports(
        freq_all, gram_all, total, [c.label for c in units.codes], names, MIN_UNITS
    )
    codes = _code_sections(units, reports, freq_all, bootstrap, seed, ci_level, by)
    used = _used(freq_all, len(names))
    pooled = assemble_reports(
        freq_all[used].sum(axis=0)[None],
        gram_all[:, used].sum(axis=1)[:, None],
        total * int(used.sum()),
        None,
        names,
        MIN_UNITS,
        diagnose=False,
    )[0]
    # Set-valued alpha of all coders, of every pair and of each transcript: one pass over the
    # distinct code sets.
    everyone = tuple(range(len(names)))
    groups = [everyone, *combinations(range(len(names)), 2)]
    prepared = (planes.rated, planes.bits)  # shared by set alpha and the confusions
    alphas = set_alphas(
        units.data,
        units.weights,
        [*((g, None) for g in groups), *((everyone, sl) for sl in units.transcript_slices())],
        ("masi", "jaccard"),
        prepared=prepared,
    )
    by_group, by_transcript = alphas[: len(groups)], alphas[len(groups) :]
    counts = "characters" if units.kind == "character" else f"{units.kind}s"
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "mode": "coders",
        "codebench_version": __version__,
        "project": project_name,
        "settings": {
            "unit": units.kind,
            "min_overlap": units.min_overlap,
            "overlap_rule": overlap_rule(units.min_overlap) if units.kind != "character" else None,
            "level": units.level,
            "child_implies_parent": units.child_implies_parent,
            "hierarchy": hierarchy_rule(units.level, units.child_implies_parent),
            "include_unfinished": units.include_unfinished,
            "design": units.design,
            "bootstrap": bootstrap,
            "bootstrap_by": by if bootstrap else None,
            "bootstrap_method": bootstrap_method(units, bootstrap, by),
            "seed": seed,
            "ci_level": ci_level,
        },
        "coders": [{"name": c.name, "kind": c.kind} for c in units.coders],
        "units": {
            "kind": units.kind,
            "counted_in": counts,
            "total": units.total_weight,
            "missing_by_coder": dict(zip(names, units.missing_by_coder())),
            "by_raters": _by_raters(units),
            "pairable": sum(n for k, n in _by_raters(units).items() if int(k) >= 2),
            "n_rule": _n_rule(units, counts),
        },
        "transcripts": {
            "compared": [t.name for t in units.transcripts],
            "excluded": [{"transcript": t.name, "reason": why} for t, why in units.excluded],
            "untouched": units.untouched,
        },
        "notes": [
            _n_rule(units, counts),
            *units.notes,
            *_bootstrap_notes(codes, units, bootstrap, by),
            POOLED_RULE,
        ],
        "codes": codes,
        "overall": {
            "codes": len(codes),
            "macro": _macro(codes),
            "pooled": _pooled(pooled, names, int(used.sum())),
            "pooled_rule": POOLED_RULE,
            "set_alpha": {d: estimate_json(est) for d, est in by_group[0].items()},
            "diagnostics": _overall_diagnostics(units, codes, prepared),
        },
        "per_transcript": _per_transcript(units, freq, transcript_gram, by_transcript),
        "per_pair": _per_pair(units, codes, by_group[1:], gram_all),
        "confusions": _confusions(units, prepared=prepared),
        "confusions_rule": CONFUSION_RULE,
    }
    if units.kind == "character":
        # Character units give the NVivo-style figures above; the unitizing coefficients are
        # what compares the coders' stretches as stretches.
        report["settings"]["unit_label"] = unitizing.CHARACTER_LABEL
        report["unitizing"] = unitizing_family.report_section(
            units, bootstrap=bootstrap, seed=seed, ci_level=ci_level
        )
    return report


def agreement_report(
    project: Project,
    *,
    unit: str = "segment",
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    min_overlap: float | str | None = DEFAULT,
    level: int | None = None,
    child_implies_parent: bool = False,
    include_unfinished: bool = False,
    bootstrap: int = 1000,
    seed: int | None = None,
    ci_level: float = 0.95,
    against_consensus: bool = False,
    consensus_name: str = "consensus",
    bootstrap_by: str | None = None,
    round: int | str | None = None,
    recompute: bool = False,
) -> dict[str, Any]:
    """Read the project and build the report (``mode: "coders"``).

    A closed round's report is the one frozen when it closed (``round.frozen``
    says when), provided the options that define its figures are the ones it
    was closed with; ``recompute`` computes it afresh from today's codings.

    With ``against_consensus`` the result has ``mode: "against-consensus"``
    and one full report per human coder compared with the consensus coder
    under ``comparisons``. With ``round`` (a number or name) the report is
    that round's: exactly its sample's transcripts and, unless ``coders`` are
    given, its coders; the round is named in the report (``round``) and in
    every output's title and notes.
    """
    options: dict[str, Any] = {
        "unit": unit,
        "codes": codes,
        "min_overlap": min_overlap,
        "level": level,
        "child_implies_parent": child_implies_parent,
        "include_unfinished": include_unfinished,
    }
    name = project.path.name
    scope: dict[str, Any] | None = None
    if round is not None:
        from codebench.design.rounds import (
            get_round,
            recomputed_note,
            round_coder_names,
            round_transcripts,
        )

        chosen = get_round(project, round)
        if not recompute and not against_consensus:
            kept = frozen_figures(
                project, chosen, freeze_key(options, coders, ci_level, bootstrap_by)
            )
            if kept is not None:
                return kept
        live_note = recomputed_note(project, chosen, recompute=recompute)
        options["transcripts"] = round_transcripts(project, chosen)
        coders = round_coder_names(chosen, coders)
        scope = {**chosen.as_json(), "note": chosen.describe()}
        if live_note:
            scope["live_note"] = live_note
    if not against_consensus:
        units = extract_units(project, coders=coders, **options)
        return _scoped(
            build_report(
                units,
                bootstrap=bootstrap,
                seed=seed,
                ci_level=ci_level,
                project_name=name,
                bootstrap_by=bootstrap_by,
            ),
            scope,
            project,
            units,
        )
    from codebench.agreement.consensus import consensus_coder

    gold = consensus_coder(project, consensus_name, create=False)
    humans = [h for h in resolve_coders(project, coders) if h.id != gold.id]
    if not humans:
        raise CodebenchError("no human coder to compare with the consensus coder")
    comparisons = []
    skipped = []
    for human in humans:
        units = extract_units(project, coders=[human, gold], done_if_coded=[gold.id], **options)
        if units.n_units == 0:
            skipped.append(
                {
                    "coder": human.name,
                    "reason": "no transcript both done by this coder and coded by the consensus",
                }
            )
            continue
        comparisons.append(
            _scoped(
                build_report(
                    units,
                    bootstrap=bootstrap,
                    seed=seed,
                    ci_level=ci_level,
                    project_name=name,
                    bootstrap_by=bootstrap_by,
                ),
                scope,
                project,
                units,
            )
        )
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "mode": "against-consensus",
        "codebench_version": __version__,
        "project": name,
        "consensus": gold.name,
        "comparisons": comparisons,
        "skipped": skipped,
    }
    if scope is not None:
        out["round"] = scope
    return out


def freeze_key(
    options: dict[str, Any], coders: Sequence[str] | None, ci_level: float, bootstrap_by: str | None
) -> dict[str, Any]:
    """The options that define a round's figures (the bootstrap's size and seed aside), as JSON."""
    import json

    key = {**options, "coders": list(coders) if coders else None, "ci_level": ci_level}
    key["bootstrap_by"] = bootstrap_by
    loaded: dict[str, Any] = json.loads(json.dumps(key, sort_keys=True, default=str))
    return loaded


def frozen_figures(project: Project, chosen: Any, key: dict[str, Any]) -> dict[str, Any] | None:
    """A closed round's report as frozen at its close, when ``key`` matches its options.

    The round's description is brought up to date (it was written just
    before the close) and the report says, first, that it is the frozen one.
    """
    from codebench.design.rounds import frozen_report

    found = frozen_report(project, chosen)
    if found is None:
        return None
    options, report, _frozen_at = found
    if {k: v for k, v in options.items() if k not in ("bootstrap", "seed")} != key:
        return None
    closed = (chosen.closed_at or "")[:10]
    old, new = report.get("round", {}).get("note", ""), chosen.describe()
    report["round"] = {
        **report.get("round", {}),
        **chosen.as_json(),
        "note": new,
        "frozen": {
            "closed_at": chosen.closed_at,
            "bootstrap": options.get("bootstrap"),
            "seed": options.get("seed"),
        },
    }
    report["settings"]["round"] = f"{chosen.label}, as closed on {closed}"
    report["notes"] = [
        f"Figures as closed on {closed}: frozen when the round closed, so later codings and "
        f"adjudications do not change them (codebench agreement --round {chosen.number} "
        "--recompute computes them from today's codings).",
        *[n.replace(old, new) if old else n for n in report["notes"]],
    ]
    return report


#: The most disagreements a round report lists with their text (the rest are counted).
MAX_DISAGREEMENTS = 1000


def round_disagreements(project: Project, units: Units) -> dict[str, Any]:
    """Every unit where the coders who rated it differ on a code, with its text and who did what.

    Segment and turn units only (a character run is not a passage to read);
    at most :data:`MAX_DISAGREEMENTS` are listed, the total is always given.
    """
    if units.kind == "character":
        return {"total": None, "listed": [], "note": "not listed for character units"}
    names = [c.name for c in units.coders]
    texts: dict[int, str] = {}
    items: list[dict[str, Any]] = []
    total = 0
    for k, code in enumerate(units.codes):
        block = units.data[k]
        rated = ~np.isnan(block)
        applied = block == 1.0
        m, s = rated.sum(axis=0), applied.sum(axis=0)
        for u in np.flatnonzero((m >= 2) & (s > 0) & (s < m)):
            total += 1
            if len(items) >= MAX_DISAGREEMENTS:
                continue
            t = units.transcripts[int(units.unit_transcript[u])]
            if t.id not in texts:
                texts[t.id] = project.text(t)
            start, end = int(units.unit_start[u]), int(units.unit_end[u])
            items.append(
                {
                    **_label(code),
                    "transcript": t.name,
                    "segment": int(units.unit_segment[u]),
                    "text": texts[t.id][start:end],
                    "applied_by": [names[i] for i in np.flatnonzero(applied[:, u])],
                    "not_applied_by": [
                        names[i] for i in np.flatnonzero(rated[:, u] & ~applied[:, u])
                    ],
                }
            )
    note = (
        f"{total - len(items)} more not listed (see codebench disagreements --round)"
        if total > len(items)
        else None
    )
    return {"total": total, "listed": items, "note": note}


def _scoped(
    report: dict[str, Any], scope: dict[str, Any] | None, project: Project, units: Units
) -> dict[str, Any]:
    """Name the round a report covers: ``report["round"]``, a setting, and the first note.

    The note also says which codebook versions the compared codings were made
    under, so a round whose coders kept coding after a revision says so.
    """
    if scope is None:
        return report
    from codebench.store.codebook_versions import codings_by_version

    by_version = codings_by_version(project.db, [t.id for t in units.transcripts])
    versions = ", ".join(f"version {v}: {n}" for v, n in sorted(by_version.items()))
    report["round"] = {**scope, "codings_by_codebook_version": by_version}
    report["disagreements"] = round_disagreements(project, units)
    report["settings"] = {"round": scope["label"], **report["settings"]}
    report["notes"] = [
        *([scope["live_note"]] if scope.get("live_note") else []),
        f"{scope['note']} Codings in these transcripts by codebook version: {versions or 'none'}.",
        *report["notes"],
    ]
    return report
