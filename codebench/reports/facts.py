"""Per-segment facts read beside the codings: positions, speakers, word counts.

Reports need, for every segment, where it is (transcript and offsets), who
speaks it and how many words it holds. Positions come from
:func:`codebench.store.aggregates.segment_columns`; speakers are numbered
per (transcript, name) so "Participant" in two focus groups is two people;
words are counted from the transcript texts with numpy (what ``str.split``
finds), once per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.models import Transcript
from codebench.store import aggregates

if TYPE_CHECKING:
    import numpy as np

    from codebench.store.aggregates import SegmentColumns

#: Highest code point Python treats as whitespace (U+3000 ideographic space).
_LAST_SPACE = 0x3000
#: Characters of transcript text scanned for words at once.
_CHUNK_CHARS = 1 << 22
#: Largest (transcript, speaker) key space handled with a dense table.
_DENSE_KEYS = 1 << 24


@dataclass
class SegmentFacts:
    """Per-segment facts read beside the codings: positions, speakers, words."""

    segments: SegmentColumns
    #: Dense id of each segment's (transcript, speaker) pair (``-1``: no speaker).
    speaker_group: np.ndarray | None = None
    #: Words in each segment.
    words: np.ndarray | None = None
    #: Word start positions and per-transcript offsets (see :func:`word_starts`).
    word_starts: np.ndarray | None = None
    offsets: np.ndarray | None = None


def read_facts(
    db: Any, transcripts: list[Transcript], speakers: bool, words: bool, complete: bool = True
) -> SegmentFacts:
    """The segments (with speaker names if ``speakers``); with ``complete``, speaker ids and words too."""
    facts = SegmentFacts(aggregates.segment_columns(db, speakers=speakers))
    if complete:
        complete_facts(db, facts, transcripts, speakers=speakers, words=words)
    return facts


def complete_facts(
    db: Any, facts: SegmentFacts, transcripts: list[Transcript], *, speakers: bool, words: bool
) -> None:
    """Read speakers and word counts into ``facts`` (whichever are asked for and missing)."""
    import numpy as np

    seg = facts.segments
    if speakers and facts.speaker_group is None:
        # Read again if the names were not read: sorted on unique keys, the rows line up.
        names, known = aggregates.speaker_ids(
            seg if seg.names is not None else aggregates.segment_columns(db, speakers=True)
        )
        key = np.where(names >= 0, seg.transcript_id * (len(known) + 1) + names, -1)
        voiced = key >= 0
        group = np.full(key.shape[0], -1, dtype=np.int64)
        if voiced.any():
            size = int(key.max()) + 1
            if size <= _DENSE_KEYS:
                used = np.zeros(size, dtype=bool)
                used[key[voiced]] = True
                dense = np.cumsum(used) - 1
                group[voiced] = dense[key[voiced]]
            else:
                group[voiced] = np.unique(key[voiced], return_inverse=True)[1].reshape(-1)
        facts.speaker_group = group
    if words and facts.words is None:
        texts = aggregates.transcript_texts(db, [t.id for t in transcripts])
        starts, offsets = word_starts([texts.get(t.id, "") for t in transcripts])
        t_of = lookup([t.id for t in transcripts])
        owner = take(t_of, seg.transcript_id)
        base = np.where(owner >= 0, offsets[np.maximum(owner, 0)], 0)
        facts.words = np.where(
            owner >= 0,
            np.searchsorted(starts, base + seg.end) - np.searchsorted(starts, base + seg.start),
            0,
        ).astype(np.int64)
        facts.word_starts, facts.offsets = starts, offsets


def word_starts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Start positions of words (``str.split`` words) in ``texts`` laid end to end.

    Texts sit at ``offsets[i]`` of one long string, each followed by a
    separator, so a position identifies a transcript and an offset in it.
    Returns ``(word starts, offsets)``; ``offsets`` has one extra entry, the total length.
    """
    import numpy as np

    lengths = np.array([len(t) + 1 for t in texts], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    space = np.array([chr(i).isspace() for i in range(_LAST_SPACE + 1)] + [False], dtype=bool)
    found: list[np.ndarray] = []
    i = 0
    while i < len(texts):
        j, size = i, 0
        while j < len(texts) and (j == i or size + len(texts[j]) < _CHUNK_CHARS):
            size += len(texts[j]) + 1
            j += 1
        chunk = "\n".join(texts[i:j]) + "\n"
        if chunk.isascii():
            points = np.frombuffer(chunk.encode("ascii"), dtype=np.uint8)
            blank = space[points]
        else:
            points32 = np.frombuffer(chunk.encode("utf-32-le"), dtype="<u4")
            blank = space[np.minimum(points32, _LAST_SPACE + 1)]
        begins = ~blank
        begins[1:] &= blank[:-1]
        found.append(np.flatnonzero(begins).astype(np.int64) + offsets[i])
        i = j
    return (np.concatenate(found) if found else np.empty(0, dtype=np.int64)), offsets


def lookup(ids: list[int]) -> np.ndarray:
    """An array mapping a database id to its position in ``ids`` (``-1``: absent)."""
    import numpy as np

    table = np.full(max(ids, default=0) + 1, -1, dtype=np.int64)
    if ids:
        table[np.array(ids, dtype=np.int64)] = np.arange(len(ids), dtype=np.int64)
    return table


def take(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``table[ids]`` with ids past the end mapped to ``-1``."""
    import numpy as np

    if not ids.shape[0] or int(ids.max()) < table.shape[0]:
        return table[ids]
    inside = ids < table.shape[0]
    return np.where(inside, table[np.where(inside, ids, 0)], -1)
