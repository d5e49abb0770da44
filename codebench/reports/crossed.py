"""Crossed theme tables: codes × the combinations of one or more attributes.

Codes × (role × stage): every combination of the attributes' values that
occurs among the cases in scope is a group (NVivo's matrix coding query on
several attributes, MAXQDA's crosstab). The **cases** are transcripts, or
participants (a speaker within a transcript, see :mod:`codebench.participants`),
which a focus-group study needs; participants are grouped by their own
attributes (``speaker.role``) and by their transcript's (``stage``).

Each cell counts, for one code in one group,

- the **cases** with the code (transcripts or participants), as a **column
  percentage** (of the group's cases, its n) and a **row percentage** (of
  all the cases with the code, the share in this group);
- the coded **segments**, and the **transcripts** and **speakers** they are in.

Everything is counted from the coded segments (the reports' one rule,
:mod:`codebench.reports.coded_units`): a transcript has a code in a group
when one of the group's segments carries it. A group's n is shown with it
(transcripts and participants); a group with fewer cases than
``min_group`` (3 unless told) is flagged as small in every format, because
a percentage of two cases says little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError, NotFound
from codebench.participants import SPEAKER_PREFIX, bare_key, is_speaker_key
from codebench.reports.by_attribute import NOT_SET
from codebench.reports.coded_units import CodedUnits, units_for
from codebench.reports.grouping import distinct, summed
from codebench.reports.scope import CoderSelection
from codebench.reports.types import CodeRef, percent
from codebench.store import participants as participant_sql

if TYPE_CHECKING:
    import numpy as np

    from codebench.models import Transcript
    from codebench.project import Project

#: What a crossed table counts as its cases.
CASES = ("transcripts", "participants")
#: Groups with fewer cases than this are flagged as small.
DEFAULT_MIN_GROUP = 3
#: Between the values of a group's attributes in its label.
CROSS = " × "


@dataclass(frozen=True)
class Dimension:
    """One attribute a table is crossed by."""

    #: As shown and typed: ``role`` (a transcript's) or ``speaker.role`` (a participant's).
    name: str
    #: The attribute's stored key.
    key: str
    speaker: bool


@dataclass(frozen=True)
class CrossGroup:
    """One combination of values, with its n."""

    values: tuple[str, ...]
    transcripts: int
    speakers: int
    #: Fewer cases than the report's ``min_group``.
    small: bool

    @property
    def label(self) -> str:
        return CROSS.join(self.values)


@dataclass(frozen=True)
class CrossCell:
    """One code in one group (or over all groups)."""

    #: Cases with the code: transcripts or participants, as the report counts.
    cases: int
    #: Of the group's cases.
    column_percent: float | None
    #: Of all the cases with the code.
    row_percent: float | None
    segments: int
    transcripts: int
    speakers: int


@dataclass(frozen=True)
class CrossedRow:
    code: CodeRef
    #: One per group, in :attr:`CrossedReport.groups` order.
    cells: list[CrossCell]
    total: CrossCell


@dataclass(frozen=True)
class CrossedReport:
    selection: CoderSelection
    dimensions: list[Dimension]
    cases: str
    groups: list[CrossGroup]
    rows: list[CrossedRow]
    rollup: bool
    min_group: int
    #: The n of all groups together.
    total_transcripts: int
    total_speakers: int
    kind: str = "crossed"

    @property
    def attributes(self) -> str:
        """``"role × stage"``."""
        return CROSS.join(d.name for d in self.dimensions)

    @property
    def case_word(self) -> str:
        return "transcripts" if self.cases == "transcripts" else "participants"

    def n(self, group: CrossGroup) -> int:
        """The group's cases."""
        return group.transcripts if self.cases == "transcripts" else group.speakers

    @property
    def small_groups(self) -> list[CrossGroup]:
        return [g for g in self.groups if g.small]

    @property
    def notes(self) -> list[str]:
        word = self.case_word
        notes = [
            self.selection.note,
            (
                f"Groups are the {word} in scope by {self.attributes}; each shows its n "
                f"({word} in the group). Column %: of the group's {word}, the share with the code. "
                f"Row %: of the {word} with the code, the share in the group."
            ),
        ]
        if self.cases == "participants":
            notes.append(
                "A participant is a speaker within one transcript; speakers with no codable "
                "segment (interviewers) are not cases, and segments without a speaker are not counted."
            )
        small = self.small_groups
        if small:
            listed = "; ".join(f"{g.label} (n={self.n(g)})" for g in small)
            notes.append(
                f"Small groups, fewer than {self.min_group} {word}, are marked 'small': "
                f"their percentages rest on very few cases: {listed}."
            )
        else:
            notes.append(f"No group has fewer than {self.min_group} {word}.")
        if self.rollup:
            notes.append("Parent codes include their sub-codes (a case or segment counts once).")
        return notes


def resolve_dimensions(
    project: Project, names: Sequence[str], cases: str, transcripts: Sequence[Transcript]
) -> list[Dimension]:
    """Check ``--by`` names against the attributes in use; ``speaker.KEY`` needs participants."""
    if cases not in CASES:
        raise CodebenchError(f"cases are {' or '.join(CASES)}, not {cases!r}")
    if not names:
        raise CodebenchError("a crossed table needs at least one --by ATTRIBUTE")
    t_keys = sorted({k for t in transcripts for k in t.attributes}, key=str.casefold)
    s_keys = sorted(
        {k for v in participant_sql.speaker_attributes(project.db).values() for k in v},
        key=str.casefold,
    )
    out: list[Dimension] = []
    for typed in names:
        typed = typed.strip()
        if is_speaker_key(typed):
            wanted = bare_key(typed)
            match = [k for k in s_keys if k.casefold() == wanted.casefold()]
            if not match:
                known = (
                    ", ".join(SPEAKER_PREFIX + k for k in s_keys)
                    or "none yet (codebench speakers import)"
                )
                raise NotFound(
                    f"--by {typed}: no participant attribute {wanted!r} (attributes: {known})"
                )
            if cases != "participants":
                raise CodebenchError(
                    f"--by {typed}: that attribute groups participants, not transcripts: add --cases participants"
                )
            dim = Dimension(SPEAKER_PREFIX + match[0], match[0], True)
        else:
            match = [k for k in t_keys if k.casefold() == typed.casefold()]
            if not match:
                hint = (
                    f"; participants have {typed!r}: write --by {SPEAKER_PREFIX}{typed}"
                    if any(k.casefold() == typed.casefold() for k in s_keys)
                    else ""
                )
                raise NotFound(
                    f"--by {typed}: no transcript attribute {typed!r} "
                    f"(attributes: {', '.join(t_keys) or 'none yet'}){hint}"
                )
            dim = Dimension(match[0], match[0], False)
        if any(d.name == dim.name for d in out):
            raise CodebenchError(f"--by {dim.name} is given twice")
        out.append(dim)
    return out


def crossed(
    project: Project,
    attributes: Sequence[str],
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    cases: str = "transcripts",
    rollup: bool = True,
    min_group: int = DEFAULT_MIN_GROUP,
    units: CodedUnits | None = None,
) -> CrossedReport:
    """Codes × the groups of ``attributes`` (see the module docstring)."""
    import numpy as np

    if min_group < 1:
        raise CodebenchError(f"--min-group must be 1 or more, not {min_group}")
    units = units_for(project, coders, units, speakers=True)
    dims = resolve_dimensions(project, attributes, cases, units.transcripts)
    frame = case_frame(project, units, dims, cases)
    G = len(frame.groups)
    matrix = units.coded_matrix(rollup)
    rows = units.rows
    row_t = units.segment_transcript[rows] if rows.shape[0] else rows
    row_p = frame.segment_participant[rows] if rows.shape[0] else rows
    row_g = frame.segment_group[rows] if rows.shape[0] else rows
    p_ok = np.concatenate((frame.is_participant, [False]))  # index -1 → False
    valid_p = (row_p >= 0) & p_ok[row_p]
    every = np.where(row_g >= 0, 0, -1)

    def per_group(keys: np.ndarray, groups: np.ndarray, size: int) -> np.ndarray:
        return distinct(np.where(groups >= 0, keys * size + groups, -1), size, matrix)

    segments = summed(row_g, G, matrix)
    transcripts = per_group(row_t, row_g, G)
    speakers = per_group(np.where(valid_p, row_p, -1), np.where(valid_p, row_g, -1), G)
    total_segments = summed(every, 1, matrix)[0]
    total_transcripts = per_group(row_t, every, 1)[0]
    total_speakers = per_group(np.where(valid_p, row_p, -1), np.where(valid_p, every, -1), 1)[0]
    by_cases = transcripts if cases == "transcripts" else speakers
    total_cases = total_transcripts if cases == "transcripts" else total_speakers
    n = [g[1] if cases == "transcripts" else g[2] for g in frame.groups]
    all_n = frame.total_transcripts if cases == "transcripts" else frame.total_speakers
    groups = [
        CrossGroup(values, t, s, (t if cases == "transcripts" else s) < min_group)
        for values, t, s in frame.groups
    ]
    out_rows = []
    for ref in units.report_codes():
        c = units.column_of(ref.id)
        cells = [
            CrossCell(
                int(by_cases[g, c]),
                percent(int(by_cases[g, c]), n[g]),
                percent(int(by_cases[g, c]), int(total_cases[c])),
                int(segments[g, c]),
                int(transcripts[g, c]),
                int(speakers[g, c]),
            )
            for g in range(G)
        ]
        total = CrossCell(
            int(total_cases[c]),
            percent(int(total_cases[c]), all_n),
            percent(int(total_cases[c]), int(total_cases[c])),
            int(total_segments[c]),
            int(total_transcripts[c]),
            int(total_speakers[c]),
        )
        out_rows.append(CrossedRow(ref, cells, total))
    return CrossedReport(
        units.selection,
        dims,
        cases,
        groups,
        out_rows,
        rollup,
        min_group,
        frame.total_transcripts,
        frame.total_speakers,
    )


@dataclass(frozen=True)
class CaseFrame:
    """Which group each segment's case falls in, and each group's n."""

    #: ``(values, transcripts, participants)`` per group, in report order.
    groups: list[tuple[tuple[str, ...], int, int]]
    #: Group of each segment's case (``-1``: out of scope or not a case).
    segment_group: np.ndarray
    #: Participant index of each segment (``-1``: no speaker).
    segment_participant: np.ndarray
    #: ``(transcript id, speaker)`` of each participant index.
    participants: list[tuple[int, str]]
    #: Whether each participant index is a case (a codable segment, its transcript in scope).
    is_participant: np.ndarray
    #: Group of each case: transcript id → group, or (transcript id, speaker) → group.
    case_group: dict[object, int]
    total_transcripts: int
    total_speakers: int


def case_frame(
    project: Project, units: CodedUnits, dims: Sequence[Dimension], cases: str
) -> CaseFrame:
    """Group every case of ``units`` by the values of ``dims`` (shared by :func:`crossed` and ``explain``)."""
    import numpy as np

    seg_p, people = units.participants()
    scope = units.in_scope()
    seg_t = units.segment_transcript
    codable = units.segments.codable
    n_p = len(people)
    t_index = {t.id: i for i, t in enumerate(units.transcripts)}
    # A participant is a case when it has a codable segment in a transcript in scope.
    has_codable = np.zeros(n_p, dtype=bool)
    inside = (seg_p >= 0) & codable & (seg_t >= 0)
    inside &= np.concatenate((scope, [False]))[seg_t]
    has_codable[seg_p[inside]] = True
    if units.voices is not None:  # a speaker scope: only its participants are cases
        has_codable &= np.array([person in units.voices for person in people], dtype=bool)
    speaker_values = (
        participant_sql.speaker_attributes(project.db) if any(d.speaker for d in dims) else {}
    )

    def values_of(transcript: Transcript, speaker: str | None) -> tuple[str, ...]:
        return case_values(dims, transcript, speaker, speaker_values)

    if cases == "transcripts":
        keyed: dict[object, tuple[str, ...]] = {
            t.id: values_of(t, None) for i, t in enumerate(units.transcripts) if scope[i]
        }
    else:
        keyed = {
            people[p]: values_of(units.transcripts[t_index[people[p][0]]], people[p][1])
            for p in range(n_p)
            if has_codable[p]
        }
    names = sorted(set(keyed.values()), key=_value_order)
    number = {v: i for i, v in enumerate(names)}
    case_group = {k: number[v] for k, v in keyed.items()}
    p_transcript = np.array([t_index.get(tid, -1) for tid, _ in people], dtype=np.int64)
    if cases == "transcripts":
        t_group = np.array(
            [case_group.get(t.id, -1) for t in units.transcripts] + [-1], dtype=np.int64
        )
        segment_group = t_group[seg_t]
        n_t = np.bincount(t_group[t_group >= 0], minlength=len(names))
        p_group = np.where(has_codable, t_group[p_transcript] if n_p else p_transcript, -1)
        n_s = np.bincount(p_group[p_group >= 0], minlength=len(names))
    else:
        p_group = np.array(
            [case_group.get(people[p], -1) for p in range(n_p)] + [-1], dtype=np.int64
        )
        segment_group = p_group[seg_p]
        p_group = p_group[:-1]
        n_s = np.bincount(p_group[p_group >= 0], minlength=len(names))
        pairs = {(int(p_transcript[p]), int(p_group[p])) for p in range(n_p) if p_group[p] >= 0}
        n_t = np.bincount(np.array([g for _, g in pairs], dtype=np.int64), minlength=len(names))
    chosen_t = (
        {t for t in range(len(units.transcripts)) if scope[t]}
        if cases == "transcripts"
        else {int(p_transcript[p]) for p in range(n_p) if has_codable[p]}
    )
    return CaseFrame(
        groups=[(v, int(n_t[i]), int(n_s[i])) for i, v in enumerate(names)],
        segment_group=np.asarray(segment_group, dtype=np.int64),
        segment_participant=seg_p,
        participants=people,
        is_participant=has_codable,
        case_group=case_group,
        total_transcripts=len(chosen_t),
        total_speakers=int((p_group >= 0).sum()),
    )


def case_values(
    dims: Sequence[Dimension],
    transcript: Transcript,
    speaker: str | None,
    speaker_values: dict[tuple[int, str], dict[str, str]],
) -> tuple[str, ...]:
    """The group a case falls in: its value of each dimension (:data:`NOT_SET` when it has none)."""
    out = []
    for d in dims:
        if d.speaker:
            found = speaker_values.get((transcript.id, speaker or ""), {}).get(d.key, "")
        else:
            found = transcript.attributes.get(d.key, "")
        out.append(found.strip() or NOT_SET)
    return tuple(out)


def _value_order(values: tuple[str, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((v == NOT_SET, v.casefold()) for v in values)
