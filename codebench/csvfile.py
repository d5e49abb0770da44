"""Reading a user's CSV file: its encoding decided like a transcript's, every failure one line.

Spreadsheets are saved from Excel in the machine's code page as often as in
UTF-8, and a stray huge cell trips the csv module's field limit with an
exception that names neither the file nor the line. :func:`read_csv` reads
the file with the same size limit and encoding evidence as transcripts
(:mod:`codebench.ingest.decode`), parses it with a field limit that ends in
a clean error naming the line, and makes every cell safe to store and print
(:func:`codebench.safety.safe_text`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from codebench.errors import ImportFailed
from codebench.ingest.decode import Decoded, decode_bytes, read_limited
from codebench.safety import safe_file_name, safe_text
from codebench.wording import noun, plural

#: The longest cell accepted, in characters (the csv module's own default is 131,072).
FIELD_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class CsvRows:
    """A parsed CSV file: its header, its rows with their line numbers, and how it was decoded."""

    header: list[str]
    #: ``(line, cells)``: the line on which each record ends (what an editor shows).
    rows: list[tuple[int, list[str]]]
    decoded: Decoded


def read_csv(path: Path, *, encoding: str | None = None, field_limit: int = FIELD_LIMIT) -> CsvRows:
    """Read and parse all of ``path``; raises :class:`ImportFailed` with a one-line message.

    ``encoding`` forces an encoding for a file without a byte-order mark.
    An empty file is an error; a file with only a header has no rows.
    """
    shown = safe_file_name(path)
    decoded = decode_bytes(read_limited(path, shown), shown, encoding)
    # strict: a quote that is never closed is an error, not a cell that
    # silently swallows the rest of the file.
    reader = csv.reader(io.StringIO(decoded.text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    with csv_field_limit(field_limit):
        try:
            for cells in reader:
                records.append((reader.line_num, [safe_text(cell) for cell in cells]))
        except csv.Error as error:
            line = reader.line_num
            if "field larger" in str(error):
                raise ImportFailed(
                    f"{shown}:{line}: a cell is longer than {plural(field_limit, 'character')}"
                ) from None
            if "unexpected end of data" in str(error):
                raise ImportFailed(
                    f"{shown}:{line}: a quoted cell is never closed (a stray '\"'?)"
                ) from None
            raise ImportFailed(f"{shown}:{line}: not valid CSV ({error})") from None
    if not records:
        raise ImportFailed(f"{shown}: empty file")
    (_, header), *rows = records
    names = [name.strip().casefold() for name in header]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ImportFailed(
            f"{shown}:1: {noun(len(repeated), 'column')} {', '.join(repeated)} "
            f"{'appears' if len(repeated) == 1 else 'appear'} more than once "
            "(which one would count?)"
        )
    return CsvRows(header, rows, decoded)


def iter_dicts(table: CsvRows) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row as ``(line, {column: cell})``, header names and cells stripped.

    Cells beyond the header are dropped; missing cells are empty strings.
    """
    names = [name.strip() for name in table.header]
    for line, cells in table.rows:
        if not cells:
            continue  # a blank line, as csv.DictReader skips it
        padded = cells + [""] * (len(names) - len(cells))
        yield line, {name: cell.strip() for name, cell in zip(names, padded)}


@contextmanager
def csv_field_limit(limit: int) -> Iterator[None]:
    """The csv module's field limit is global: set it for this read, then put it back."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)
