"""Office files (XLSX, DOCX) that are the same bytes every time they are written.

Both are zip archives: every member carries the time it was zipped, and
``docProps/core.xml`` says when the document was created and modified. A
rebuild of an unchanged analysis must give identical files (so a changed
hash means changed content), so every XLSX and DOCX this program writes
(the report, table, query, search, words, framework and agreement writers
all save through :func:`office_bytes`) is dated :data:`OFFICE_TIME`, the
earliest time a zip can hold: the same file whichever command, the build
or the workbench wrote it, and whenever. When the data last changed is
printed in the report itself (:func:`data_date`), not hidden in the zip.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codebench.project import Project

#: The earliest time a zip archive can record.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: The one time every office file records (zip members, created, modified).
OFFICE_TIME = "1980-01-01T00:00:00"
_CORE = "docProps/core.xml"
_STAMP = re.compile(
    rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


def office_bytes(data: bytes) -> bytes:
    """A freshly saved XLSX or DOCX archive, dated :data:`OFFICE_TIME` throughout."""
    return fixed_zip(data, OFFICE_TIME)


def data_date(project: Project) -> str:
    """The date a report prints: the day of the project's last event (its data version).

    Not today: a report rebuilt on an unchanged project must be the same
    bytes, and the date then says which state of the data it shows.
    """
    from codebench.store import events as event_sql

    stamp = event_sql.event_time(project.db, event_sql.last_event_id(project.db))
    return (stamp or OFFICE_TIME)[:10]


def fixed_zip(data: bytes, stamp: str) -> bytes:
    """``data`` (a zip archive) with every member dated ``stamp`` (ISO 8601, UTC).

    Members keep their order, names, compression and content; only the
    recorded times change (and the document's created/modified properties).
    """
    when = _zip_time(stamp)
    w3c = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*when).encode("ascii")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == _CORE:
                body = _STAMP.sub(lambda m: m.group(1) + w3c + m.group(2), body)
            fixed = zipfile.ZipInfo(info.filename, date_time=when)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            target.writestr(fixed, body)
    return out.getvalue()


def _zip_time(stamp: str) -> tuple[int, int, int, int, int, int]:
    """``stamp``'s date and time to the second, no earlier than a zip archive can hold."""
    found = re.match(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d):(\d\d))?", stamp or "")
    if found is None:
        return _ZIP_EPOCH
    parts = tuple(int(p or 0) for p in found.groups())
    when = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
    return max(when, _ZIP_EPOCH)
