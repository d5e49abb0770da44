"""Office files (XLSX, DOCX) that are the same bytes every time they are written.

Both are zip archives: every member carries the time it was zipped, and
``docProps/core.xml`` says when the document was created and modified. A
rebuild of an unchanged analysis must give identical files (so a changed
hash means changed content), so :func:`fixed_zip` rewrites both from one
given time: the time of the project's last change, not the clock.
"""

from __future__ import annotations

import io
import re
import zipfile

#: The earliest time a zip archive can record.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CORE = "docProps/core.xml"
_STAMP = re.compile(
    rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:(?:created|modified)>)"
)


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
