"""Coded units: which segments carry which codes, the base of every count.

A segment is *coded* with a code when one of the selected coders' codings
of that code overlaps it, so a coding across two sentences codes both, and
a segment two coders coded counts once. :func:`build_units` maps every
coding to the segments it overlaps with binary searches over the sorted
segment starts (numpy, no per-coding Python), and keeps

- ``coded``: a boolean matrix, one row per coded segment and one column per
  code, from which segment counts, per-transcript counts, speakers and
  co-occurrence are column sums and one matrix product;
- ``full``: the cells a coding covers completely, and the clipped spans of
  the rest, so "words coded" counts the words inside the coded passages
  (each word once), not whole sentences around a coded phrase;
- ``codings``: codings per transcript and code.

Rolling up to parents ORs a code's column into its ancestors' (counts are
summed), so a parent's figures count each segment once whichever of its
sub-codes coded it.

Reading is the expensive part, so the work is split over two threads and
two connections: a worker reads the segments and half of the codings, then
counts words; this thread reads the other half, places both halves, puts
them together and numbers the speakers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from codebench.models import Code, Transcript
from codebench.reports.facts import SegmentFacts, complete_facts, lookup, read_facts, take
from codebench.reports.grouping import key_runs, summed
from codebench.reports.scope import CoderSelection
from codebench.reports.types import CodeRef
from codebench.store import aggregates, units_cache

if TYPE_CHECKING:
    import numpy as np

    from codebench.project import Project
    from codebench.store.aggregates import SegmentColumns

#: Rows of the coded matrix multiplied at once for co-occurrence.
_CHUNK_ROWS = 1 << 16


@dataclass
class CodedUnits:
    """The coded segments of a project for one coder selection (numpy arrays)."""

    project: Project
    selection: CoderSelection
    #: Columns: every code (archived too) in tree order.
    codes: list[Code]
    #: Parent column of each column (``-1`` for top-level codes).
    parent: np.ndarray
    #: Transcripts in report order (the project's, by name).
    transcripts: list[Transcript]
    facts: SegmentFacts
    #: Report index of each segment's transcript.
    segment_transcript: np.ndarray
    #: Segment index of each row of :attr:`coded`.
    rows: np.ndarray
    coded: np.ndarray
    #: :attr:`full`, or a function that computes it (only word counts need it).
    full_source: np.ndarray | Callable[[], np.ndarray]
    #: Partly covered cells: column, row, start, end (offsets in the transcript).
    pieces: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    #: Codings per transcript (report order) × code.
    codings: np.ndarray
    #: Codings that overlap no segment (counted as codings, not as segments).
    unplaced: int = 0
    #: The speakers kept by a speaker scope, ``(transcript id, speaker)`` (``None``: everyone).
    voices: frozenset[tuple[int, str]] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ shape
    @property
    def full(self) -> np.ndarray:
        """Boolean rows × codes: the cells some coding covers completely."""
        source = self.full_source
        if callable(source):
            return self._memo("full", source)
        return source

    @property
    def segments(self) -> SegmentColumns:
        return self.facts.segments

    def depth(self) -> list[int]:
        """Depth of each code (0 for top level)."""
        depths: list[int] = []
        for i in range(len(self.codes)):
            p = int(self.parent[i])
            depths.append(0 if p < 0 else depths[p] + 1)
        return depths

    def has_children(self) -> list[bool]:
        flags = [False] * len(self.codes)
        for p in self.parent:
            if p >= 0:
                flags[int(p)] = True
        return flags

    def column_of(self, code_id: int) -> int:
        """The column of the code with id ``code_id``."""
        index = self._memo("columns", lambda: {c.id: i for i, c in enumerate(self.codes)})
        return int(index[code_id])

    def report_codes(self) -> list[CodeRef]:
        """The codes a report lists, in tree order: every active code, and archived ones still in use."""
        depths = self.depth()
        children = self.has_children()
        used = self.codings_per_code(rollup=True)
        colours: list[str | None] = []
        for i, code in enumerate(self.codes):  # sub-codes without a colour take their parent's
            p = int(self.parent[i])
            colours.append(code.colour or (colours[p] if p >= 0 else None))
        return [
            replace(CodeRef.of(code, depths[i], children[i]), colour=colours[i])
            for i, code in enumerate(self.codes)
            if not code.archived or used[i] > 0
        ]

    # ------------------------------------------------------------------ matrices
    def coded_matrix(self, rollup: bool = False) -> np.ndarray:
        """Boolean rows × codes; with ``rollup`` parents also carry their sub-codes."""
        if not rollup:
            return self.coded
        return self._memo("coded_rolled", lambda: self._roll(self.coded))

    def full_matrix(self, rollup: bool = False) -> np.ndarray:
        if not rollup:
            return self.full
        return self._memo("full_rolled", lambda: self._roll(self.full))

    def codings_matrix(self, rollup: bool = False) -> np.ndarray:
        """Codings per transcript × code (rolled up: summed over sub-codes)."""
        if not rollup:
            return self.codings
        return self._memo("codings_rolled", lambda: self._roll(self.codings))

    def in_scope(self) -> np.ndarray:
        """Transcripts the selected coders have coded, or marked in progress or done.

        Percentages of transcripts use these as the denominator: a transcript
        nobody has started says nothing about how common a theme is.
        """

        def compute() -> np.ndarray:
            import numpy as np

            scope = self.codings.sum(axis=1) > 0
            index = {t.id: i for i, t in enumerate(self.transcripts)}
            chosen = set(self.selection.ids)
            for (coder_id, transcript_id), status in self.project.statuses().items():
                if coder_id in chosen and status != "not-started" and transcript_id in index:
                    scope[index[transcript_id]] = True
            return np.asarray(scope, dtype=bool)

        return self._memo("in_scope", compute)

    def segments_per_transcript(self, rollup: bool = False) -> np.ndarray:
        """Coded segments per transcript (report order) × code."""

        def compute() -> np.ndarray:
            import numpy as np

            matrix = self.coded_matrix(rollup)
            out = np.zeros((len(self.transcripts), len(self.codes)), dtype=np.int64)
            if not self.rows.shape[0]:
                return out
            owner = self.segment_transcript[self.rows]
            starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
            out[owner[starts]] = np.add.reduceat(matrix, starts, axis=0, dtype=np.int64)
            return out

        return self._memo(f"seg_per_t_{rollup}", compute)

    def segments_per_participant(self, rollup: bool = False) -> np.ndarray:
        """Coded segments per participant (the indices of :meth:`participants`) × code."""

        def compute() -> np.ndarray:
            seg_p, people = self.participants()
            owner = seg_p[self.rows] if self.rows.shape[0] else self.rows
            return summed(owner, len(people), self.coded_matrix(rollup))

        return self._memo(f"seg_per_p_{rollup}", compute)

    # ------------------------------------------------------------------ per code
    def segments_per_code(self, rollup: bool = False) -> np.ndarray:
        import numpy as np

        return np.count_nonzero(self.coded_matrix(rollup), axis=0).astype(np.int64)

    def codings_per_code(self, rollup: bool = False) -> np.ndarray:
        return self.codings_matrix(rollup).sum(axis=0)

    def transcripts_per_code(self, rollup: bool = False) -> np.ndarray:
        """Transcripts with at least one coding of the code."""
        return (self.codings_matrix(rollup) > 0).sum(axis=0)

    def speakers_per_code(self, rollup: bool = False) -> np.ndarray:
        """Distinct speakers (a name within one transcript) with a coded segment."""
        import numpy as np

        order, starts = self._memo("speaker_runs", self._speaker_runs)
        if not starts.shape[0]:
            return np.zeros(len(self.codes), dtype=np.int64)
        voiced = self.coded_matrix(rollup)[order]
        return np.count_nonzero(np.logical_or.reduceat(voiced, starts, axis=0), axis=0).astype(
            np.int64
        )

    def _speaker_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Voiced rows ordered by speaker group, and where each group starts."""
        facts = self._facts(speakers=True)
        assert facts.speaker_group is not None
        order, _, starts = key_runs(facts.speaker_group[self.rows])
        return order, starts

    def participants(self) -> tuple[np.ndarray, list[tuple[int, str]]]:
        """Each segment's participant (an index into the list; ``-1``: no speaker), and the list.

        A participant is a speaker within one transcript, ``(transcript id, speaker)``;
        the indices are the speaker groups :attr:`facts` numbers.
        """

        return self._memo(
            "participants", lambda: _participants(self.project.db, self._facts(speakers=True))
        )

    def words_per_code(self, rollup: bool = False) -> np.ndarray:
        """Words inside the coded passages; a word counts once, when it begins inside one."""
        return self._memo(f"words_{rollup}", lambda: self._words(rollup))

    def cooccurrence(self, rollup: bool = False) -> np.ndarray:
        """Codes × codes: segments coded with both (the diagonal: with the code).

        Each code's column is packed into 64-bit words, one bit a coded row,
        and a pair's count is the set bits of the AND of their columns: 64
        rows at a time, in integers, instead of a floating-point ``MᵀM``
        over every row (numpy without ``bitwise_count`` does that instead).
        """
        import numpy as np

        matrix = self.coded_matrix(rollup)
        n = len(self.codes)
        if hasattr(np, "bitwise_count"):
            bits = np.packbits(np.ascontiguousarray(matrix.T), axis=1)
            bits = np.pad(bits, ((0, 0), (0, -bits.shape[1] % 8)))
            words = bits.view(np.uint64)
            both = np.zeros((n, n), dtype=np.int64)
            for a in range(n):
                both[a, a:] = np.bitwise_count(words[a] & words[a:]).sum(axis=1, dtype=np.int64)
            return both + np.triu(both, 1).T
        out = np.zeros((n, n), dtype=np.float64)
        for start in range(0, matrix.shape[0], _CHUNK_ROWS):
            block = matrix[start : start + _CHUNK_ROWS].astype(np.float64)
            out += block.T @ block
        return np.rint(out).astype(np.int64)

    # ------------------------------------------------------------------ internals
    def _memo(self, key: str, compute: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _facts(self, *, speakers: bool = False, words: bool = False) -> SegmentFacts:
        """:attr:`facts`, reading speakers or words now if the build skipped them."""
        if (speakers and self.facts.speaker_group is None) or (words and self.facts.words is None):
            complete_facts(
                self.project.db, self.facts, self.transcripts, speakers=speakers, words=words
            )
        return self.facts

    def _roll(self, matrix: np.ndarray) -> np.ndarray:
        """Fold each column into its ancestors' (OR for booleans, + for counts)."""
        out = matrix.copy()
        boolean = out.dtype == bool
        for child in range(len(self.codes) - 1, -1, -1):  # tree order reversed: children first
            p = int(self.parent[child])
            if p < 0:
                continue
            if boolean:
                out[:, p] |= out[:, child]
            else:
                out[:, p] += out[:, child]
        return out

    def _words(self, rollup: bool) -> np.ndarray:
        import numpy as np

        n_codes = len(self.codes)
        if not n_codes or not self.rows.shape[0]:
            return np.zeros(n_codes, dtype=np.int64)
        facts = self._facts(words=True)
        assert (
            facts.words is not None and facts.word_starts is not None and facts.offsets is not None
        )
        full = self.full_matrix(rollup)
        row_words = facts.words[self.rows]
        words = np.array([np.dot(row_words, full[:, c]) for c in range(n_codes)], dtype=np.int64)
        col, row, lo, hi = self.pieces
        if not col.shape[0]:
            return words
        base = facts.offsets[self.segment_transcript[self.rows[row]]]
        lo, hi = base + lo, base + hi
        if rollup:
            parts = [(col, row, lo, hi)]
            up = self.parent[col]
            while (up >= 0).any():
                keep = up >= 0
                col, row, lo, hi = up[keep], row[keep], lo[keep], hi[keep]
                parts.append((col, row, lo, hi))
                up = self.parent[col]
            col, row, lo, hi = (np.concatenate(x) for x in zip(*parts))
        partial = ~full[row, col]
        col, lo, hi = col[partial], lo[partial], hi[partial]
        if col.shape[0]:
            words += _words_in_union(
                col, lo, hi, facts.word_starts, int(facts.offsets[-1]) + 1, n_codes
            )
        return words


def build_units(
    project: Project,
    selection: CoderSelection,
    *,
    speakers: bool = False,
    words: bool = False,
    code_ids: list[int] | None = None,
    transcripts: Sequence[Transcript] | None = None,
    voices: set[tuple[int, str]] | None = None,
) -> CodedUnits:
    """Map the selected coders' codings onto segments (see the module docstring).

    ``speakers`` and ``words`` read those facts now, alongside the codings;
    otherwise they are read when first asked for. ``transcripts`` limits the
    units to those transcripts (a scope): codings elsewhere are not placed,
    so every count and denominator is of the transcripts given. ``voices``
    (``(transcript id, speaker)`` pairs) keeps only those speakers' segments:
    a coding is placed, and counted, only where it overlaps one of them.

    Where the project keeps stored units (:mod:`codebench.store.units_cache`)
    they are used, refreshed where written, and a transcript scope is cut
    from the whole project's; a speaker scope or a code list builds from
    the codings (the store counts codings per transcript, not per coding).
    """
    if voices is not None:
        speakers = True
    db = project.db
    codes = project.codes(include_archived=True)
    scoped = transcripts is not None
    transcripts = list(transcripts) if transcripts is not None else project.transcripts()
    frame = _Frame.of(codes, transcripts)
    current = units_cache.version(db) if voices is None and code_ids is None else None
    every = project.transcripts() if scoped and current is not None else transcripts
    picked = _positions(transcripts, every) if current is not None else None
    if current is not None and picked is not None:
        whole = _Frame.of(codes, every) if scoped else frame
        facts, cells, spoken = _stored_parts(
            project, selection, every, whole, current, speakers, words
        )
        if [t.id for t in transcripts] != [t.id for t in every]:  # a scope: its transcripts' part
            facts, cells = _sliced(facts, cells, frame, whole, picked)
        units = _assemble_cells(project, selection, codes, transcripts, frame, facts, cells)
        if spoken is not None:
            units._cache["participants"] = spoken
        return units
    with aggregates.side_reader(db) as other, ThreadPoolExecutor(max_workers=1) as pool:
        if other is None:
            cod = aggregates.coding_columns(db, selection.ids, code_ids=code_ids)
            facts = read_facts(db, transcripts, speakers, words)
            keep = _voiced(facts.segments, voices)
            alone = _assemble(
                project,
                selection,
                codes,
                transcripts,
                frame,
                facts,
                [_place(frame, facts.segments, cod, keep)],
            )
            alone.voices = frozenset(voices) if voices is not None else None
            return alone
        # The worker reads the segments (with speaker names), half the codings, then counts words;
        # this thread reads the other half, places both halves and numbers the speakers.
        packing = aggregates.coding_packing(db)
        mine, theirs = _halves(selection.ids, code_ids, [c.id for c in codes])
        segments_read = pool.submit(read_facts, other, transcripts, speakers, False, False)
        their_codings = pool.submit(
            aggregates.coding_columns, other, theirs[0], code_ids=theirs[1], packing=packing
        )
        words_read = pool.submit(
            lambda: complete_facts(
                other, segments_read.result(), transcripts, speakers=False, words=words
            )
        )
        my_codings = aggregates.coding_columns(db, mine[0], code_ids=mine[1], packing=packing)
        facts = segments_read.result()
        keep = _voiced(facts.segments, voices)
        my_half = _place(frame, facts.segments, my_codings, keep)
        their_half = _place(frame, facts.segments, their_codings.result(), keep)
        units = _assemble(
            project, selection, codes, transcripts, frame, facts, [my_half, their_half]
        )
        complete_facts(db, facts, transcripts, speakers=speakers, words=False)
        words_read.result()
    units.voices = frozenset(voices) if voices is not None else None
    return units


def _participants(db: Any, facts: SegmentFacts) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """See :meth:`CodedUnits.participants` (names read again if the facts were read without them)."""
    import numpy as np

    assert facts.speaker_group is not None
    group = facts.speaker_group
    seg = facts.segments
    names = seg.names
    if names is None:
        names = aggregates.segment_columns(db, speakers=True).names or []
    voiced = np.flatnonzero(group >= 0)
    ids, first = np.unique(group[voiced], return_index=True)
    people = [("", 0)] * (int(ids.max()) + 1 if ids.shape[0] else 0)
    for g, i in zip(ids.tolist(), voiced[first].tolist()):
        people[g] = (names[int(seg.order[i])], int(seg.transcript_id[i]))
    return group, [(tid, name) for name, tid in people]


def _positions(chosen: list[Transcript], every: list[Transcript]) -> np.ndarray | None:
    """Where each of ``chosen`` is in ``every`` (``None`` if one is missing or repeated)."""
    import numpy as np

    index = {t.id: i for i, t in enumerate(every)}
    at = [index.get(t.id, -1) for t in chosen]
    if -1 in at or len(set(at)) != len(at):
        return None
    return np.array(at, dtype=np.int64)


#: Most transcripts of one coder refreshed in place after writes (more: that coder is built again),
#: and the most as a share of the project's (one in ``_PATCH_SHARE``).
_PATCH_MOST = 512
_PATCH_SHARE = 8


def _stored_parts(
    project: Project,
    selection: CoderSelection,
    transcripts: list[Transcript],
    frame: _Frame,
    current: str,
    speakers: bool,
    words: bool,
) -> tuple[SegmentFacts, list[_Cells], tuple[np.ndarray, list[tuple[int, str]]] | None]:
    """The whole project's facts and each selected coder's cells, from the store where current.

    Stored apart (see :mod:`codebench.store.units_cache`): the segments, their
    word counts, their speakers with the participants list, and each coder's
    cells, so a coder selection combines its coders' entries (OR-ed and
    summed, as a fresh build combines its halves). A coder's cells carry the
    write count of each transcript they were built at: where only some
    transcripts' counts moved, just those transcripts' codings are read and
    placed again, spliced into the rest; what is missing or unreadable is
    built as :func:`build_units` builds it. What was built is stored if
    nothing it was read from was written meanwhile. Returns the facts, the
    cells (in selection order) and the participants (if ``speakers``).
    """
    import numpy as np

    db = project.db
    coder_names = {cid: f"coder:{cid}" for cid in selection.ids}
    found = units_cache.load(db, ["segments", "speakers", "words", *coder_names.values()], current)
    # Read before any coding is: a write after this moves a count, and storing then refuses.
    seen = {cid: units_cache.stamps(db, cid) for cid in selection.ids}
    facts = _facts_of(found, words)
    placed: dict[int, _Cells] = {}
    stale: dict[int, tuple[_Cells, np.ndarray]] = {}
    if facts is not None:
        for cid, name in coder_names.items():
            entry = _cells_of(found.get(name), frame, len(facts.segments))
            if entry is None:
                continue
            dirty = np.flatnonzero(entry.stamps != _stamp_vector(seen[cid], frame))
            if not dirty.shape[0]:
                placed[cid] = entry
            elif dirty.shape[0] <= min(_PATCH_MOST, max(1, frame.n_transcripts // _PATCH_SHARE)):
                stale[cid] = (entry, dirty)
    spoken = _speakers_of(found.get("speakers"), facts) if speakers and facts else None
    if speakers and spoken is None:
        facts = None  # the participants need the names: read the segments again, with them
    missing = [cid for cid in selection.ids if cid not in placed and cid not in stale]
    fresh: dict[str, bytes] = {}
    if facts is None or missing or (words and facts.words is None):
        facts = _build_missing(
            db, frame, transcripts, facts, missing, placed, speakers, words, fresh, seen
        )
    for cid, (entry, dirty) in stale.items():
        placed[cid] = _patched(db, frame, transcripts, facts.segments, entry, cid, dirty, seen)
        fresh[coder_names[cid]] = _pack_cells(placed[cid])
    if speakers and spoken is None:
        complete_facts(db, facts, transcripts, speakers=True, words=False)
        spoken = _participants(db, facts)
        fresh["speakers"] = _pack_speakers(*spoken)
    if spoken is not None:
        facts.speaker_group = spoken[0]
    if fresh:
        built = {cid: seen[cid] for cid in [*missing, *stale]}
        units_cache.store(db, fresh, current, read=built)
    return facts, [placed[c] for c in selection.ids], spoken


def _stamp_vector(seen: dict[int, int], frame: _Frame) -> np.ndarray:
    """:func:`units_cache.stamps` as one count per transcript (report order)."""
    import numpy as np

    out = np.zeros(frame.n_transcripts, dtype=np.int64)
    if seen:
        at = take(frame.t_of, np.fromiter(seen, dtype=np.int64, count=len(seen)))
        counts = np.fromiter(seen.values(), dtype=np.int64, count=len(seen))
        out[at[at >= 0]] = counts[at >= 0]
    return out


def _patched(
    db: Any,
    frame: _Frame,
    transcripts: list[Transcript],
    seg: SegmentColumns,
    entry: _Cells,
    coder_id: int,
    dirty: np.ndarray,
    seen: dict[int, dict[int, int]],
) -> _Cells:
    """``entry`` with the transcripts ``dirty`` (report indices) placed again from the codings.

    The segments are the stored ones (a segment write makes every entry
    stale), so the cells of other transcripts are exactly what a full build
    gives; the dirty transcripts' rows, partial cells, codings and unplaced
    codings are replaced by what their codings give now.
    """
    import numpy as np

    n_t, n_codes = frame.n_transcripts, frame.n_codes
    cod = aggregates.coding_columns(
        db, [coder_id], transcript_ids=[transcripts[int(i)].id for i in dirty]
    )
    got = _place(frame, seg, cod)
    is_dirty = np.zeros(n_t + 1, dtype=bool)  # the last entry: segments of no listed transcript
    is_dirty[dirty] = True
    touched = is_dirty[take(frame.t_of, seg.transcript_id)]
    rows = np.flatnonzero(touched)
    local = np.searchsorted(rows, got.seg_of)
    coded = np.zeros((rows.shape[0], n_codes), dtype=bool)
    coded[local, got.cols] = True
    full = np.zeros_like(coded)
    full[local[got.whole], got.cols[got.whole]] = True
    coded_bits, full_bits = entry.coded.copy(), entry.full.copy()
    coded_bits[rows] = np.packbits(coded, axis=1)
    full_bits[rows] = np.packbits(full, axis=1)
    kept = ~touched[entry.piece_seg]
    part = ~got.whole
    codings = entry.codings.reshape(n_t, n_codes).copy()
    codings[dirty] = got.codings.reshape(n_t, n_codes)[dirty]
    unplaced = entry.unplaced.copy()
    unplaced[dirty] = got.unplaced_at[dirty]
    return _Cells(
        coded=coded_bits,
        full=full_bits,
        piece_seg=np.concatenate([entry.piece_seg[kept], got.seg_of[part]]),
        piece_col=np.concatenate([entry.piece_col[kept], got.cols[part]]),
        part_lo=np.concatenate([entry.part_lo[kept], got.part_lo]),
        part_hi=np.concatenate([entry.part_hi[kept], got.part_hi]),
        codings=codings.reshape(-1),
        unplaced=unplaced,
        stamps=_stamp_vector(seen[coder_id], frame),
    )


def _sliced(
    facts: SegmentFacts, cells: list[_Cells], frame: _Frame, whole: _Frame, picked: np.ndarray
) -> tuple[SegmentFacts, list[_Cells]]:
    """The part of the whole project's facts and cells a transcript scope keeps.

    What a scoped fresh build gives: every segment (speakers are numbered over
    the project either way), cells only on the scope's transcripts, codings
    and unplaced codings of those transcripts in the scope's order, and word
    counts only there (word positions keep the project's layout; only their
    differences are counted).
    """
    import numpy as np

    keep = take(frame.t_of, facts.segments.transcript_id) >= 0
    part = SegmentFacts(facts.segments, speaker_group=facts.speaker_group)
    if facts.words is not None and facts.offsets is not None:
        part.words = np.where(keep, facts.words, 0)
        part.word_starts = facts.word_starts
        part.offsets = np.concatenate([facts.offsets[picked], facts.offsets[-1:]])
    mask = np.where(keep, 0xFF, 0).astype(np.uint8)[:, None]
    out = []
    for c in cells:
        kept = keep[c.piece_seg]
        out.append(
            _Cells(
                coded=c.coded & mask,
                full=c.full & mask,
                piece_seg=c.piece_seg[kept],
                piece_col=c.piece_col[kept],
                part_lo=c.part_lo[kept],
                part_hi=c.part_hi[kept],
                codings=c.codings.reshape(whole.n_transcripts, whole.n_codes)[picked].reshape(-1),
                unplaced=c.unplaced[picked],
                stamps=c.stamps[picked],
            )
        )
    return part, out


def _build_missing(
    db: Any,
    frame: _Frame,
    transcripts: list[Transcript],
    facts: SegmentFacts | None,
    missing: list[int],
    placed: dict[int, _Cells],
    speakers: bool,
    words: bool,
    fresh: dict[str, bytes],
    seen: dict[int, dict[int, int]],
) -> SegmentFacts:
    """Read and place what the store lacks (two connections, as :func:`build_units` does); note it in ``fresh``.

    ``seen`` holds each coder's write counts, read before their codings are.
    """
    import numpy as np

    packing = aggregates.coding_packing(db)
    all_codes = [int(i) for i in np.flatnonzero(frame.col_of >= 0)]
    with aggregates.side_reader(db) as other, ThreadPoolExecutor(max_workers=1) as pool:
        side = other if other is not None else db
        run = pool.submit if other is not None else _now
        if facts is None:
            segments_read = run(read_facts, side, transcripts, speakers, False, False)
        else:
            segments_read = _Done(facts)
        theirs = {}
        for cid in missing:
            mine, their = _halves([cid], None, all_codes)
            theirs[cid] = (
                mine,
                run(aggregates.coding_columns, side, their[0], code_ids=their[1], packing=packing),
            )
        need_words = words and (facts is None or facts.words is None)
        words_read = run(
            lambda: complete_facts(
                side, segments_read.result(), transcripts, speakers=False, words=need_words
            )
        )
        for cid in missing:
            mine, their_read = theirs[cid]
            my_codings = aggregates.coding_columns(db, mine[0], code_ids=mine[1], packing=packing)
            seg = segments_read.result().segments
            joined = _joined(
                [_place(frame, seg, my_codings), _place(frame, seg, their_read.result())]
            )
            placed[cid] = _Cells.of(
                joined, len(seg), frame.n_codes, _stamp_vector(seen[cid], frame)
            )
            fresh[f"coder:{cid}"] = _pack_cells(placed[cid])
        built: SegmentFacts = segments_read.result()
        words_read.result()
    if facts is None:
        fresh["segments"] = _pack_segments(built.segments)
    if need_words:
        assert built.words is not None and built.word_starts is not None
        assert built.offsets is not None
        fresh["words"] = _pack(
            {"words": built.words, "starts": built.word_starts, "offsets": built.offsets}
        )
    return built


class _Done:
    """A finished result with the interface of a future."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


def _now(function: Any, *args: Any, **kwargs: Any) -> _Done:
    """Run ``function`` at once (no second connection), as a finished future."""
    return _Done(function(*args, **kwargs))


def _joined(parts: list[_Placed]) -> _Placed:
    """One :class:`_Placed` of several parts of one coder's codings."""
    import numpy as np

    return _Placed(
        codings=np.sum([p.codings for p in parts], axis=0),
        seg_of=np.concatenate([p.seg_of for p in parts]),
        cols=np.concatenate([p.cols for p in parts]),
        whole=np.concatenate([p.whole for p in parts]),
        part_lo=np.concatenate([p.part_lo for p in parts]),
        part_hi=np.concatenate([p.part_hi for p in parts]),
        unplaced=sum(p.unplaced for p in parts),
        unplaced_at=np.sum([p.unplaced_at for p in parts], axis=0),
    )


#: Largest value stored in 32 bits (integers are int64 in memory and in every computation).
_INT32 = (1 << 31) - 1
#: First bytes of a stored blob (bump the digit with the layout).
_MAGIC = b"CBU1"
#: The array types a blob may hold.
_DTYPES = {"<i4", "<i8", "|b1", "|u1"}


def _pack(arrays: dict[str, Any]) -> bytes:
    """Named 1-D arrays as one blob: a JSON header (name, type, length), then the raw bytes.

    int64 arrays whose values fit go as int32. Every integer array comes
    back as int64, the values unchanged, so a report computes on exactly
    what a fresh build gives it. No pickles: a blob is read as numbers only.
    """
    import json

    import numpy as np

    header, body = [], []
    for key, value in arrays.items():
        array = np.ascontiguousarray(value).reshape(-1)
        if array.dtype == np.int64 and (
            not array.size or (int(array.min()) >= -_INT32 and int(array.max()) <= _INT32)
        ):
            array = array.astype(np.int32)
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        header.append([key, array.dtype.str, int(array.shape[0])])
        body.append(array.tobytes())
    head = json.dumps(header).encode()
    return b"".join([_MAGIC, len(head).to_bytes(4, "little"), head, *body])


def _unpack(data: bytes | None, keys: Sequence[str]) -> dict[str, np.ndarray] | None:
    """The arrays ``keys`` of a :func:`_pack` blob (integers as int64), or ``None`` if it is not one."""
    import json

    import numpy as np

    if data is None or data[:4] != _MAGIC:
        return None
    try:
        size = int.from_bytes(data[4:8], "little")
        header = json.loads(data[8 : 8 + size])
        at, where = 8 + size, {}
        for key, dtype, count in header:
            if dtype not in _DTYPES or not isinstance(count, int) or count < 0:
                return None
            where[str(key)] = (np.dtype(dtype), at, count)
            at += np.dtype(dtype).itemsize * count
        if at != len(data) or any(key not in where for key in keys):
            return None
        out = {}
        for key in keys:
            dtype, offset, count = where[key]
            array = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
            out[key] = array.astype(np.int64) if dtype.kind == "i" else array.copy()
        return out
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):  # damaged: build it again
        return None


def _pack_segments(seg: SegmentColumns) -> bytes:
    """The segment columns (speaker names are not kept: the participants are, see :func:`_pack_speakers`)."""
    return _pack(
        {
            "transcript_id": seg.transcript_id,
            "start": seg.start,
            "end": seg.end,
            "codable": seg.codable,
            "order": seg.order,
        }
    )


def _facts_of(found: dict[str, bytes], words: bool) -> SegmentFacts | None:
    """The stored segments (and word counts, if asked for and stored); ``None`` if not stored."""
    import numpy as np

    keys = ["transcript_id", "start", "end", "codable", "order"]
    stored = _unpack(found.get("segments"), keys)
    if stored is None:
        return None
    n = stored["order"].shape[0]
    if any(stored[k].shape[0] != n for k in keys) or stored["codable"].dtype != np.bool_:
        return None
    facts = SegmentFacts(
        aggregates.SegmentColumns(
            transcript_id=stored["transcript_id"],
            start=stored["start"],
            end=stored["end"],
            codable=stored["codable"],
            order=stored["order"],
        )
    )
    counted = _unpack(found.get("words"), ["words", "starts", "offsets"]) if words else None
    if counted is not None and counted["words"].shape[0] == n:
        facts.words, facts.word_starts = counted["words"], counted["starts"]
        facts.offsets = counted["offsets"]
    return facts


def _pack_speakers(group: np.ndarray, people: list[tuple[int, str]]) -> bytes:
    """Each segment's participant, and the participants: transcript ids and names (UTF-8, one by one)."""
    import numpy as np

    encoded = [name.encode("utf-8", "surrogatepass") for _, name in people]
    return _pack(
        {
            "group": group,
            "tids": np.array([tid for tid, _ in people], dtype=np.int64),
            "lengths": np.array([len(b) for b in encoded], dtype=np.int64),
            "names": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        }
    )


def _speakers_of(
    data: bytes | None, facts: SegmentFacts
) -> tuple[np.ndarray, list[tuple[int, str]]] | None:
    """The stored participants (:meth:`CodedUnits.participants`), if whole and fitting these segments."""
    got = _unpack(data, ["group", "tids", "lengths", "names"])
    if got is None:
        return None
    group, tids, lengths = got["group"], got["tids"], got["lengths"]
    n_people = tids.shape[0]
    if (
        group.shape[0] != len(facts.segments)
        or lengths.shape[0] != n_people
        or (group.shape[0] and int(group.max()) >= n_people)
        or (n_people and int(lengths.min()) < 0)
        or int(lengths.sum()) != got["names"].shape[0]
    ):
        return None
    blob = got["names"].tobytes()
    ends = lengths.cumsum().tolist()
    try:
        names = [blob[a:b].decode("utf-8", "surrogatepass") for a, b in zip([0, *ends[:-1]], ends)]
    except UnicodeDecodeError:
        return None
    return group, list(zip(tids.tolist(), names))


_CELL_KEYS = (
    "coded",
    "full",
    "piece_seg",
    "piece_col",
    "part_lo",
    "part_hi",
    "codings",
    "unplaced",
    "stamps",
)


def _pack_cells(cells: _Cells) -> bytes:

    return _pack(
        {
            "coded": cells.coded.reshape(-1),
            "full": cells.full.reshape(-1),
            "piece_seg": cells.piece_seg,
            "piece_col": cells.piece_col,
            "part_lo": cells.part_lo,
            "part_hi": cells.part_hi,
            "codings": cells.codings,
            "unplaced": cells.unplaced,
            "stamps": cells.stamps,
        }
    )


def _cells_of(data: bytes | None, frame: _Frame, n_seg: int) -> _Cells | None:
    """A stored coder's cells, if they are whole and fit this frame and these segments."""
    import numpy as np

    got = _unpack(data, _CELL_KEYS)
    if got is None:
        return None
    width = (frame.n_codes + 7) // 8
    parts = got["piece_seg"].shape[0]
    seg, col = got["piece_seg"], got["piece_col"]
    if (
        any(got[k].dtype != np.uint8 or got[k].shape[0] != n_seg * width for k in ("coded", "full"))
        or got["codings"].shape[0] != frame.n_transcripts * frame.n_codes
        or any(got[k].shape[0] != parts for k in ("piece_col", "part_lo", "part_hi"))
        or any(got[k].shape[0] != frame.n_transcripts for k in ("unplaced", "stamps"))
        or (parts and not (int(seg.min()) >= 0 and int(seg.max()) < n_seg))
        or (parts and not (int(col.min()) >= 0 and int(col.max()) < frame.n_codes))
    ):
        return None
    return _Cells(
        coded=got["coded"].reshape(n_seg, width),
        full=got["full"].reshape(n_seg, width),
        piece_seg=seg,
        piece_col=col,
        part_lo=got["part_lo"],
        part_hi=got["part_hi"],
        codings=got["codings"],
        unplaced=got["unplaced"],
        stamps=got["stamps"],
    )


def _halves(
    coder_ids: list[int], code_ids: list[int] | None, all_codes: list[int]
) -> tuple[tuple[list[int], list[int] | None], tuple[list[int], list[int] | None]]:
    """Split a codings read in two: by coder when there are several, else by code."""
    if len(coder_ids) > 1:
        return (coder_ids[::2], code_ids), (coder_ids[1::2], code_ids)
    pool = sorted(code_ids) if code_ids is not None else sorted(all_codes)
    middle = len(pool) // 2
    return (coder_ids, pool[:middle]), (coder_ids, pool[middle:])


@dataclass(frozen=True)
class _Frame:
    """Database id → column (codes) and → report index (transcripts)."""

    col_of: np.ndarray
    t_of: np.ndarray
    n_codes: int
    n_transcripts: int

    @classmethod
    def of(cls, codes: list[Code], transcripts: list[Transcript]) -> _Frame:
        return cls(
            lookup([c.id for c in codes]),
            lookup([t.id for t in transcripts]),
            len(codes),
            len(transcripts),
        )


@dataclass(frozen=True)
class _Placed:
    """Where some codings fall: one entry per (coding, overlapped segment) cell."""

    codings: np.ndarray
    seg_of: np.ndarray
    cols: np.ndarray
    whole: np.ndarray
    #: Clipped spans (offsets in the transcript) of the cells not wholly covered.
    part_lo: np.ndarray
    part_hi: np.ndarray
    unplaced: int
    #: Codings that overlap no segment, per transcript (report order).
    unplaced_at: np.ndarray


def _voiced(seg: SegmentColumns, voices: set[tuple[int, str]] | None) -> np.ndarray | None:
    """Which (sorted) segments ``voices`` speak (``None``: no speaker scope, every segment)."""
    import numpy as np

    if voices is None:
        return None
    assert seg.names is not None, "read the segments with speakers=True"
    names = seg.names
    return np.fromiter(
        (
            (int(t), names[int(i)]) in voices
            for t, i in zip(seg.transcript_id.tolist(), seg.order.tolist())
        ),
        dtype=bool,
        count=len(seg),
    )


def _place(frame: _Frame, seg: SegmentColumns, cod: Any, keep: np.ndarray | None = None) -> _Placed:
    """Find the segments each coding overlaps (two binary searches per coding, in numpy).

    ``keep`` (one flag per segment) drops the cells on other segments, and the
    codings left with no cell.
    """
    import numpy as np

    n_codes, n_seg = frame.n_codes, len(seg)
    code_col = take(frame.col_of, cod.code_id)
    coding_t = take(frame.t_of, cod.transcript_id)
    known = (code_col >= 0) & (coding_t >= 0)

    # Positions as keys (transcript id << bits | offset): one comparison orders both.
    bits = cod.offset_bits
    seg_start = (seg.transcript_id << bits) | seg.start
    seg_end = (seg.transcript_id << bits) | seg.end
    first = np.searchsorted(seg_start, cod.start_key, side="right") - 1
    if n_seg:
        # The segment before the start overlaps it only if it ends after it (an earlier transcript never does).
        inside = (first >= 0) & (seg_end[np.maximum(first, 0)] > cod.start_key)
    else:
        inside = np.zeros(len(cod), dtype=bool)
    first = np.where(inside, first, first + 1)
    # Most codings end inside the segment they start in; search only for the rest.
    within = inside & (cod.end_key <= seg_end[np.minimum(first, n_seg - 1)]) if n_seg else inside
    last = first.copy()
    rest = np.flatnonzero(~within)
    last[rest] = np.searchsorted(seg_start, cod.end_key[rest], side="left") - 1
    spans = np.where(known, np.maximum(last - first + 1, 0), 0)
    lost = (spans == 0) & known
    unplaced_at = np.bincount(coding_t[lost], minlength=frame.n_transcripts)

    if spans.max(initial=0) <= 1:
        which = np.flatnonzero(spans)
        seg_of = first[which]
    else:
        which = np.repeat(np.arange(spans.shape[0]), spans)
        step = np.arange(which.shape[0]) - np.repeat(np.cumsum(spans) - spans, spans)
        seg_of = np.repeat(first, spans) + step
    if keep is not None:
        inside = keep[seg_of]
        which, seg_of = which[inside], seg_of[inside]
        counted = np.zeros(spans.shape[0], dtype=bool)
        counted[which] = True
        known = known & counted
        unplaced_at = np.zeros(frame.n_transcripts, dtype=np.int64)
    codings = np.bincount(
        coding_t[known] * n_codes + code_col[known], minlength=frame.n_transcripts * n_codes
    )
    c_start, c_end = cod.start_key[which], cod.end_key[which]
    s_start, s_end = seg_start[seg_of], seg_end[seg_of]
    whole = (c_start <= s_start) & (c_end >= s_end)
    part = ~whole
    low = (1 << bits) - 1
    return _Placed(
        codings=codings,
        seg_of=seg_of,
        cols=code_col[which],
        whole=whole,
        part_lo=np.maximum(c_start[part], s_start[part]) & low,
        part_hi=np.minimum(c_end[part], s_end[part]) & low,
        unplaced=int(unplaced_at.sum()),
        unplaced_at=unplaced_at,
    )


@dataclass(frozen=True)
class _Cells:
    """One coder's placed codings as stored: bit rows over every segment, not one entry per coding.

    ``coded`` and ``full`` are :func:`numpy.packbits` rows (segments × codes),
    so combining coders is a bitwise OR; the partly covered cells are kept
    by segment, with their clipped spans.
    """

    coded: np.ndarray
    full: np.ndarray
    piece_seg: np.ndarray
    piece_col: np.ndarray
    part_lo: np.ndarray
    part_hi: np.ndarray
    #: Codings per transcript (report order) × code, flat.
    codings: np.ndarray
    #: Codings that overlap no segment, per transcript.
    unplaced: np.ndarray
    #: The coder's codings write count of each transcript these cells were built at.
    stamps: np.ndarray

    @classmethod
    def of(cls, placed: _Placed, n_seg: int, n_codes: int, stamps: np.ndarray) -> _Cells:
        import numpy as np

        coded = np.zeros((n_seg, n_codes), dtype=bool)
        coded[placed.seg_of, placed.cols] = True
        full = np.zeros_like(coded)
        full[placed.seg_of[placed.whole], placed.cols[placed.whole]] = True
        part = ~placed.whole
        return cls(
            coded=np.packbits(coded, axis=1),
            full=np.packbits(full, axis=1),
            piece_seg=placed.seg_of[part],
            piece_col=placed.cols[part],
            part_lo=placed.part_lo,
            part_hi=placed.part_hi,
            codings=placed.codings,
            unplaced=placed.unplaced_at,
            stamps=stamps,
        )


def _assemble_cells(
    project: Project,
    selection: CoderSelection,
    codes: list[Code],
    transcripts: list[Transcript],
    frame: _Frame,
    facts: SegmentFacts,
    cells: list[_Cells],
) -> CodedUnits:
    """What :func:`_assemble` builds, from stored coders' cells: OR the bit rows, keep the coded ones."""
    import numpy as np

    width = (frame.n_codes + 7) // 8
    coded_bits = np.zeros((len(facts.segments), width), dtype=np.uint8)
    full_bits = coded_bits.copy()
    for more in cells:
        coded_bits |= more.coded
        full_bits |= more.full
    marked = coded_bits.any(axis=1)
    rows = np.flatnonzero(marked)
    row_of = np.cumsum(marked) - 1
    n_codes = frame.n_codes

    def unpacked(bits: np.ndarray) -> np.ndarray:
        """Rows × codes booleans in column order (as :func:`_assemble` lays them out)."""
        return np.asfortranarray(np.unpackbits(bits[rows], axis=1, count=n_codes).view(bool))

    none = np.zeros(0, dtype=np.int64)
    pieces = (
        np.concatenate([none, *(c.piece_col for c in cells)]),
        row_of[np.concatenate([none, *(c.piece_seg for c in cells)])],
        np.concatenate([none, *(c.part_lo for c in cells)]),
        np.concatenate([none, *(c.part_hi for c in cells)]),
    )
    return _units(
        project,
        selection,
        codes,
        transcripts,
        frame,
        facts,
        (rows, unpacked(coded_bits), lambda: unpacked(full_bits), pieces),
        np.sum([c.codings for c in cells], axis=0)
        if cells
        else np.zeros(frame.n_transcripts * frame.n_codes, dtype=np.int64),
        sum(int(c.unplaced.sum()) for c in cells),
    )


def _assemble(
    project: Project,
    selection: CoderSelection,
    codes: list[Code],
    transcripts: list[Transcript],
    frame: _Frame,
    facts: SegmentFacts,
    placed: list[_Placed],
) -> CodedUnits:
    """Build :class:`CodedUnits` from placed codings (read in one part or several)."""
    import numpy as np

    seg = facts.segments
    n_codes, n_seg = frame.n_codes, len(seg)
    seg_of = np.concatenate([p.seg_of for p in placed])
    cols = np.concatenate([p.cols for p in placed])
    whole = np.concatenate([p.whole for p in placed])
    marked = np.zeros(n_seg, dtype=bool)
    marked[seg_of] = True
    rows = np.flatnonzero(marked)
    row_of = np.cumsum(marked) - 1
    cell_rows = row_of[seg_of]
    coded = np.zeros((rows.shape[0], n_codes), dtype=bool, order="F")
    coded[cell_rows, cols] = True
    full = np.zeros_like(coded)
    full[cell_rows[whole], cols[whole]] = True
    part = ~whole
    pieces = (
        cols[part],
        cell_rows[part],
        np.concatenate([p.part_lo for p in placed]),
        np.concatenate([p.part_hi for p in placed]),
    )
    return _units(
        project,
        selection,
        codes,
        transcripts,
        frame,
        facts,
        (rows, coded, full, pieces),
        np.sum([p.codings for p in placed], axis=0),
        sum(p.unplaced for p in placed),
    )


def _units(
    project: Project,
    selection: CoderSelection,
    codes: list[Code],
    transcripts: list[Transcript],
    frame: _Frame,
    facts: SegmentFacts,
    matrices: tuple[
        np.ndarray, np.ndarray, np.ndarray | Callable[[], np.ndarray], tuple[np.ndarray, ...]
    ],
    codings: np.ndarray,
    unplaced: int,
) -> CodedUnits:
    """:class:`CodedUnits` from its coded rows, matrices and pieces, and the codings per cell."""
    import numpy as np

    rows, coded, full, pieces = matrices
    parent = np.array(
        [
            int(frame.col_of[c.parent_id])
            if c.parent_id is not None and c.parent_id < frame.col_of.shape[0]
            else -1
            for c in codes
        ],
        dtype=np.int64,
    )
    col, row, lo, hi = pieces
    return CodedUnits(
        project=project,
        selection=selection,
        codes=codes,
        parent=parent,
        transcripts=transcripts,
        facts=facts,
        segment_transcript=take(frame.t_of, facts.segments.transcript_id),
        rows=rows,
        coded=coded,
        full_source=full,
        pieces=(col, row, lo, hi),
        codings=codings.reshape(frame.n_transcripts, frame.n_codes),
        unplaced=unplaced,
    )


def _words_in_union(
    col: np.ndarray, lo: np.ndarray, hi: np.ndarray, starts: np.ndarray, span: int, n_codes: int
) -> np.ndarray:
    """Words beginning inside the union of the spans of each column."""
    import numpy as np

    key_lo = col * span + lo
    key_hi = col * span + hi
    order = np.argsort(key_lo, kind="stable")
    key_lo, key_hi, col = key_lo[order], key_hi[order], col[order]
    reach = np.maximum.accumulate(key_hi)
    new_run = np.concatenate(([True], key_lo[1:] >= reach[:-1]))
    run_lo = key_lo[new_run]
    run_hi = reach[np.concatenate((new_run[1:], [True]))]
    run_col = col[new_run]
    base = run_col * span
    words = np.searchsorted(starts, run_hi - base) - np.searchsorted(starts, run_lo - base)
    return np.bincount(run_col, weights=words, minlength=n_codes).astype(np.int64)


def units_for(
    project: Project,
    coders: Sequence[str] | CoderSelection | None,
    units: CodedUnits | None = None,
    *,
    speakers: bool = False,
    words: bool = False,
) -> CodedUnits:
    """``units`` if given, else :func:`build_units` for the ``--coder`` values ``coders``."""
    if units is not None:
        return units
    from codebench.reports.scope import select_coders

    selection = coders if isinstance(coders, CoderSelection) else select_coders(project, coders)
    return build_units(project, selection, speakers=speakers, words=words)
