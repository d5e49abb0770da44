"""Scripted coding from a CSV file (``coder, transcript, segment, code[, memo]``).

The whole file is one transaction: a bad row aborts the import naming its
line and nothing of the file stays, so a half-applied file never muddles a
coder's work. Re-importing the same file changes nothing.

The file is streamed: rows are checked and inserted in batches, and each
transcript's segment bounds, each code and each coder are looked up once,
not once a row, so a million rows cost about what inserting them costs and
memory stays well below the file's size (see docs/coding.md). Codings go
into the log as one ``coding.add`` event per coder and transcript, as the
REFI-QDA project import logs them, each undoable on its own.
"""

from __future__ import annotations

import contextlib
import csv
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from codebench.errors import CodebenchError, ImportFailed
from codebench.ids import new_guid, now
from codebench.store import coding_import as import_sql
from codebench.wording import noun

if TYPE_CHECKING:
    from codebench.project import Project

REQUIRED = ("coder", "transcript", "segment", "code")
OPTIONAL = ("memo",)
#: Rows checked and inserted per batch (bounds the memory a big file takes).
BATCH = 10_000


@dataclass
class CodingImportResult:
    rows: int
    added: int
    memos: int
    #: How the file was decoded when it was not UTF-8 (for the user to check), else ``None``.
    encoding: str | None = None


@dataclass
class CsvRecords:
    """An open codings CSV: its records, and how it was decoded when it was not UTF-8."""

    records: Iterator[tuple[int, list[str]]]
    #: e.g. ``cp1252 (detected; --encoding NAME chooses another)``; ``None`` for UTF-8.
    encoding: str | None


@contextlib.contextmanager
def open_csv_rows(path: Path, encoding: str | None = None) -> Iterator[CsvRecords]:
    """The CSV's records as ``(first line number, fields)``; every reading problem is an :class:`ImportFailed`.

    The one place the importer opens its file. A UTF-8 file (the usual
    case, and any size) is streamed; a file in another encoding (Excel's
    code page, UTF-16) is decoded whole with the evidence transcripts get
    (:func:`codebench.ingest.decode.decode_bytes`, so within their size
    limit), and the result's ``encoding`` says which; ``encoding`` forces one
    for a file without a byte-order mark. Cells
    over :data:`codebench.csvfile.FIELD_LIMIT` are refused as the shared
    reader refuses them, and every cell is made safe to store
    (:func:`codebench.safety.safe_text`), as every other way text enters.
    """
    from codebench.csvfile import FIELD_LIMIT, csv_field_limit
    from codebench.safety import safe_file_name

    shown = safe_file_name(path)
    handle, note, clean = _open_text(path, shown, encoding)
    with handle, csv_field_limit(FIELD_LIMIT):
        # strict: a quote never closed is an error, not a memo that swallows the rest of the file
        reader = csv.reader(handle, strict=True)

        def records() -> Iterator[tuple[int, list[str]]]:
            while True:
                line = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError:  # only a file that changed since it was checked
                    raise ImportFailed(f"{shown}: not UTF-8 text") from None
                except csv.Error as error:
                    if "field larger" in str(error):
                        raise ImportFailed(
                            f"{shown}:{line}: a cell is longer than {FIELD_LIMIT:,} characters"
                        ) from None
                    if "unexpected end of data" in str(error):
                        raise ImportFailed(
                            f"{shown}:{line}: a quoted cell is never closed (a stray '\"'?)"
                        ) from None
                    raise ImportFailed(f"{shown}:{line}: not valid CSV ({error})") from None
                yield line, fields if clean else [_stored(field) for field in fields]

        yield CsvRecords(records(), note)


def _stored(cell: str) -> str:
    """A cell as it is stored: CRLF inside it as LF (as the shared reader has it), then
    the remaining control characters made visible."""
    from codebench.safety import safe_text

    return safe_text(cell.replace("\r\n", "\n") if "\r" in cell else cell)


#: Bytes of UTF-8 text that :func:`_stored` would change: C0 controls but tab and LF
#: (CR included), DEL, and the C1 controls' two-byte forms.
_UNSAFE_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def _open_text(path: Path, shown: str, forced: str | None) -> tuple[IO[str], str | None, bool]:
    """``path`` open as text, how it was decoded, and whether no cell needs making safe.

    Streamed when it is UTF-8 throughout (checked in one pass over the bytes,
    which also tells whether any control character is there at all, so a
    clean file's cells are passed on untouched); else decoded with evidence.
    """
    import codecs
    import io

    from codebench.ingest.decode import decode_bytes, read_limited
    from codebench.safety import STORED_UNSAFE

    if forced is not None:
        decoded = decode_bytes(read_limited(path, shown), shown, forced)
        clean = STORED_UNSAFE.search(decoded.text) is None
        return io.StringIO(decoded.text, newline=""), decoded.note, clean
    clean = True
    try:
        with path.open("rb") as raw:
            decoder = codecs.getincrementaldecoder("utf-8")()
            last = b""
            while block := raw.read(1 << 20):
                decoder.decode(block)
                if clean and _UNSAFE_BYTES.search(last + block) is not None:
                    clean = False
                last = block[-1:]
            decoder.decode(b"", final=True)
    except OSError as error:
        raise ImportFailed(f"{shown}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError:
        decoded = decode_bytes(read_limited(path, shown), shown)
        clean = STORED_UNSAFE.search(decoded.text) is None
        return io.StringIO(decoded.text, newline=""), decoded.note, clean
    try:
        return path.open(newline="", encoding="utf-8-sig"), None, clean
    except OSError as error:
        raise ImportFailed(f"{shown}: cannot read ({error.strerror})") from None


@dataclass(frozen=True)
class _Layout:
    """Where each column is, and how many fields a row may have."""

    index: dict[str, int]
    names: list[str]

    @classmethod
    def of(cls, path: Path, header: list[str]) -> _Layout:
        names = [field.strip().casefold() for field in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise ImportFailed(
                f"{path}: missing {noun(len(missing), 'column')} {', '.join(missing)} (need coder, transcript, segment, code[, memo])"
            )
        repeated = sorted({n for n in names if n and names.count(n) > 1})
        if repeated:
            raise ImportFailed(
                f"{path}: {noun(len(repeated), 'column')} {', '.join(repeated)} "
                f"{'appears' if len(repeated) == 1 else 'appear'} more than once"
            )
        return cls({n: i for i, n in enumerate(names) if n}, names)

    @property
    def fewest(self) -> int:
        """Fields a row needs: up to the last required column (later ones may be left off)."""
        return 1 + max(self.index[c] for c in REQUIRED)

    def shape_error(self, count: int) -> str | None:
        """Why a row of ``count`` fields does not fit the header, or ``None`` if it does."""
        low, high = self.fewest, len(self.names)
        if low <= count <= high:
            return None
        columns = ", ".join(self.names[:low])
        if high > low:
            columns += f"[, {', '.join(self.names[low:])}]"
        expected = f"{low} or {high}" if high == low + 1 else f"{low} to {high}"
        return f"expected {low if high == low else expected} fields ({columns}), got {count}"


def import_codings_csv(
    project: Project, path: Path, *, allow_noncodable: bool = False, encoding: str | None = None
) -> CodingImportResult:
    """Apply every row of ``path``; raises :class:`ImportFailed` naming the bad line.

    A row naming a segment that is not codable (an interviewer turn) is
    refused unless ``allow_noncodable``, as the workbench refuses it.
    ``encoding`` forces the file's encoding (default: UTF-8, else detected).
    """
    with open_csv_rows(path, encoding) as opened, project.transaction():
        records = opened.records
        first = next(records, None)
        if first is None:
            raise ImportFailed(
                f"{path}: empty file (need a header: coder, transcript, segment, code[, memo])"
            )
        importer = _Importer(project, path, _Layout.of(path, first[1]), allow_noncodable)
        with import_sql.memo_stage(project.db):
            before = import_sql.last_coding_id(project.db)
            rows = importer.insert_rows(records)
            added = importer.log_codings(before)
            memos = importer.add_memos()
    return CodingImportResult(rows=rows, added=added, memos=memos, encoding=opened.encoding)


class _Bounds:
    """One transcript's segment bounds by ordinal, packed (17 bytes a segment, not about 120
    as tuples): a file may touch every transcript of a large project."""

    __slots__ = ("codable", "ends", "starts")

    def __init__(self, rows: list[tuple[int, int, bool]]) -> None:
        self.starts = array("q", (r[0] for r in rows))
        self.ends = array("q", (r[1] for r in rows))
        self.codable = bytes(r[2] for r in rows)


class _Importer:
    """One file's import: the lookups made so far and the batch being filled."""

    def __init__(
        self, project: Project, path: Path, layout: _Layout, allow_noncodable: bool
    ) -> None:
        self.project = project
        self.path = path
        self.layout = layout
        self.allow_noncodable = allow_noncodable
        self.stamp = now()
        self.coders: dict[str, int] = {}
        self.codes: dict[str, int] = {}
        #: What users typed for a transcript → (id, name); bounds are shared per id.
        self.transcripts: dict[str, tuple[int, str]] = {}
        self.bounds: dict[int, _Bounds] = {}

    def insert_rows(self, records: Iterator[tuple[int, list[str]]]) -> int:
        """Check and insert every data row (in batches); returns how many there were."""
        index = self.layout.index
        coder_at, transcript_at = index["coder"], index["transcript"]
        segment_at, code_at = index["segment"], index["code"]
        memo_at = index.get("memo")
        fewest, most = self.layout.fewest, len(self.layout.names)
        codings: list[tuple[int, int, int, int, int, str]] = []
        memos: list[tuple[int, int, int, int, int, int, str]] = []
        count = 0
        for line, fields in records:
            if not fields:
                continue  # a blank line
            count += 1
            if not fewest <= len(fields) <= most and not self._blank_tail(fields):
                raise self._error(line, self.layout.shape_error(len(fields)) or "")
            try:
                coder_id = self.coders.get(fields[coder_at]) or self._coder(fields[coder_at])
                transcript_id, name = self.transcripts.get(
                    fields[transcript_at]
                ) or self._transcript(fields[transcript_at])
                code_id = self.codes.get(fields[code_at]) or self._code(fields[code_at])
                start, end = self._span(transcript_id, name, fields[segment_at])
            except CodebenchError as error:
                raise self._error(line, str(error)) from None
            codings.append((coder_id, code_id, transcript_id, start, end, self.stamp))
            if memo_at is not None and memo_at < len(fields):
                memo = fields[memo_at].strip()
                if memo:
                    memos.append((line, coder_id, code_id, transcript_id, start, end, memo))
            if len(codings) >= BATCH:
                self._flush(codings, memos)
        self._flush(codings, memos)
        return count

    def _blank_tail(self, fields: list[str]) -> bool:
        """A row longer than the header only by empty fields (a trailing comma) still fits."""
        most = len(self.layout.names)
        return len(fields) > most and not any(f.strip() for f in fields[most:])

    def _flush(self, codings: list, memos: list) -> None:
        import_sql.insert_codings(self.project.db, codings)
        if memos:
            import_sql.stage_memos(self.project.db, memos)
        codings.clear()
        memos.clear()

    def _error(self, line: int, message: str) -> ImportFailed:
        return ImportFailed(f"{self.path}:{line}: {message}")

    # ------------------------------------------------------------------ lookups (once each)
    def _coder(self, raw: str) -> int:
        if not raw.strip():
            raise CodebenchError("empty coder")
        coder_id = self.project.coder(raw, create=True).id
        self.coders[raw] = coder_id
        return coder_id

    def _transcript(self, raw: str) -> tuple[int, str]:
        if not raw.strip():
            raise CodebenchError("empty transcript")
        transcript = self.project.transcript(raw)
        if transcript.id not in self.bounds:
            self.bounds[transcript.id] = _Bounds(
                import_sql.segment_bounds(self.project.db, transcript.id)
            )
        self.transcripts[raw] = (transcript.id, transcript.name)
        return transcript.id, transcript.name

    def _code(self, raw: str) -> int:
        if not raw.strip():
            raise CodebenchError("empty code")
        code = self.project.code(raw)
        if code.archived:
            raise CodebenchError(f"code {code.label!r} is archived")
        self.codes[raw] = code.id
        return code.id

    def _span(self, transcript_id: int, name: str, raw: str) -> tuple[int, int]:
        text = raw.strip()
        if not text:
            raise CodebenchError("empty segment")
        try:
            ordinal = int(text)
        except ValueError:
            raise CodebenchError(f"segment {text!r} is not a number") from None
        bounds = self.bounds[transcript_id]
        if not 0 <= ordinal < len(bounds.starts):
            raise CodebenchError(f"transcript {name!r} has no segment {ordinal}")
        if not bounds.codable[ordinal] and not self.allow_noncodable:
            raise CodebenchError(
                f"segment {ordinal} of {name} is not codable (interviewer turn); "
                "use --allow-noncodable to code it anyway"
            )
        return bounds.starts[ordinal], bounds.ends[ordinal]

    # ------------------------------------------------------------------ after the rows
    def log_codings(self, before: int) -> int:
        """One ``coding.add`` event per coder and transcript for what was added; returns how many."""
        added = 0
        for coder_id, transcript_id, count in import_sql.added_groups(self.project.db, before):
            import_sql.log_added_codings(
                self.project.db,
                guid=new_guid(),
                at=now(),
                coder_id=coder_id,
                transcript_id=transcript_id,
                after_id=before,
                source=self.path.name,
            )
            added += count
        return added

    def add_memos(self) -> int:
        """Attach the staged memos to their codings, each with its ``memo.add`` event."""
        added, after = 0, 0
        while True:
            batch = import_sql.staged_memos_to_add(self.project.db, after, BATCH)
            if not batch:
                return added
            memos, events = [], []
            for (
                line,
                coding_id,
                coder_id,
                code_id,
                transcript_id,
                start,
                end,
                text,
                *guids,
            ) in batch:
                coder_guid, code_guid, transcript_guid = guids
                guid, at = new_guid(), now()
                memos.append((guid, coder_id, transcript_id, code_id, coding_id, text, at, at))
                payload = {
                    "guid": guid,
                    "text": text,
                    "transcript": transcript_guid,
                    "code": code_guid,
                    "coding": {"coder": coder_guid, "code": code_guid, "start": start, "end": end},
                }
                events.append((new_guid(), at, coder_id, transcript_id, "memo.add", payload))
                after = line
            import_sql.insert_memos(self.project.db, memos)
            import_sql.log_events(self.project.db, events)
            added += len(memos)
