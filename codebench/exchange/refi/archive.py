"""Safe, read-only access to an untrusted ``.qdpx`` archive.

A ``.qdpx`` is a zip that users download and exchange, so it is treated as
hostile.  Nothing is ever extracted to disk: members are read into memory
through :mod:`zipfile`, after checks made *before* any decompression:

* no member name may escape the archive (``../``, absolute paths, drive
  letters, NUL bytes) -- refused even though we never extract, because such
  an archive is malformed or malicious and other tools might extract it;
* at most ``max_members`` members;
* the declared uncompressed total is capped (``max_total_bytes``), and so is
  each member's compression ratio (zip bombs compress ~1000:1);
* while reading, the bytes actually produced are counted against the same
  budget, in case the declared sizes lie;
* encrypted members are refused.

Every refusal is a :class:`RefiError` naming the file and the problem.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO, Self

from .errors import RefiError

__all__ = ["ArchiveLimits", "QdpxArchive", "unsafe_member_reason"]

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps applied to an archive before and while reading it."""

    #: Sum of all members' uncompressed sizes (declared and actual).
    max_total_bytes: int = 1 << 30
    #: Number of entries, directories included.
    max_members: int = 10_000
    #: Largest uncompressed/compressed ratio accepted for one member ...
    max_ratio: float = 200.0
    #: ... checked only for members at least this large (tiny files can
    #: legitimately compress very well, and are harmless anyway).
    ratio_min_bytes: int = 1 << 20


def unsafe_member_reason(name: str) -> str | None:
    """Why a member name is unsafe (path traversal etc.), or None if it is fine."""
    if "\x00" in name:
        return "contains a NUL byte"
    unified = name.replace("\\", "/")
    if unified.startswith("/"):
        return "is an absolute path"
    if _DRIVE_RE.match(unified):
        return "starts with a drive letter"
    if ".." in unified.split("/"):
        return "escapes the archive (path traversal)"
    return None


class QdpxArchive:
    """An opened, checked ``.qdpx``.  Use as a context manager.

    *source* is a path, the archive's bytes or a binary file object; *label*
    is the name used in error messages (defaults to the file name).
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes | BinaryIO,
        *,
        label: str | None = None,
        limits: ArchiveLimits | None = None,
    ) -> None:
        self.limits = limits or ArchiveLimits()
        if isinstance(source, (bytes, bytearray)):
            self.label = label or "<archive>"
            fileobj: str | os.PathLike[str] | BinaryIO = io.BytesIO(bytes(source))
        elif isinstance(source, (str, os.PathLike)):
            self.label = label or os.path.basename(os.fspath(source))
            fileobj = source
        else:
            self.label = label or str(getattr(source, "name", None) or "<archive>")
            fileobj = source
        try:
            self._zip = zipfile.ZipFile(fileobj)
        except zipfile.BadZipFile as exc:
            raise RefiError(f"{self.label}: damaged archive ({exc}); refused") from None
        except OSError as exc:
            raise RefiError(f"{self.label}: cannot open ({exc.strerror or exc})") from None
        self._consumed = 0
        try:
            self._check()
        except Exception:
            self._zip.close()
            raise
        self._by_lower = {
            info.filename.replace("\\", "/").lower(): info
            for info in self._zip.infolist()
            if not info.is_dir()
        }

    # -- context management ------------------------------------------------

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- checks --------------------------------------------------------------

    def _check(self) -> None:
        infos = self._zip.infolist()
        limits = self.limits
        if len(infos) > limits.max_members:
            raise RefiError(
                f"{self.label}: archive has {len(infos)} members, more than the limit of "
                f"{limits.max_members}; refused"
            )
        total = 0
        for info in infos:
            reason = unsafe_member_reason(info.filename)
            if reason:
                raise RefiError(f"{self.label}: member {info.filename!r} {reason}; refused")
            if info.flag_bits & 0x1:
                raise RefiError(f"{self.label}: member {info.filename!r} is encrypted; refused")
            total += info.file_size
            if total > limits.max_total_bytes:
                raise RefiError(
                    f"{self.label}: uncompressed size exceeds the limit of "
                    f"{limits.max_total_bytes} bytes; refused"
                )
            if info.file_size >= limits.ratio_min_bytes and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                ratio = info.file_size / max(info.compress_size, 1)
                raise RefiError(
                    f"{self.label}: member {info.filename!r} has compression ratio {ratio:.0f}:1, "
                    f"above the limit of {limits.max_ratio:.0f}:1 (possible zip bomb); refused"
                )

    # -- reading ---------------------------------------------------------------

    def names(self) -> list[str]:
        """All file members (directories excluded), in archive order."""
        return [info.filename for info in self._zip.infolist() if not info.is_dir()]

    def project_member(self) -> str:
        """Name of the project XML: the single ``*.qde`` at the archive root.

        The spec says ``project.qde``; any case and any single ``.qde`` is
        accepted.  With several, ``project.qde`` wins if present.
        """
        candidates = [
            name
            for name in self.names()
            if "/" not in name.replace("\\", "/") and name.lower().endswith(".qde")
        ]
        if not candidates:
            raise RefiError(
                f"{self.label}: no project.qde at the archive root; not a REFI-QDA project"
            )
        if len(candidates) > 1:
            preferred = [name for name in candidates if name.lower() == "project.qde"]
            if len(preferred) != 1:
                listed = ", ".join(sorted(candidates))
                raise RefiError(f"{self.label}: several .qde files at the archive root ({listed})")
            return preferred[0]
        return candidates[0]

    def read(self, name: str) -> bytes:
        """Read one member fully, counting its real size against the budget."""
        info = self._by_lower.get(name.replace("\\", "/").lower())
        if info is None:
            raise RefiError(f"{self.label}: no member {name!r}")
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as stream:
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    self._consumed += len(chunk)
                    if size > info.file_size or self._consumed > self.limits.max_total_bytes:
                        raise RefiError(
                            f"{self.label}: member {info.filename!r} decompresses to more than "
                            "declared or than the size limit; refused"
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise RefiError(
                f"{self.label}: damaged archive: member {info.filename!r} cannot be read "
                f"({exc}); refused"
            ) from None
        except (zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
            raise RefiError(
                f"{self.label}: member {info.filename!r} cannot be read ({exc})"
            ) from None
        return b"".join(chunks)

    def resolve_source_path(self, path: str) -> str | None:
        """The member holding ``plainTextPath``/``path`` *path*, or None.

        ``internal://x.txt`` (the spec) and bare ``x.txt`` (seen in qc
        exports) are looked up in ``sources/`` or ``Sources/`` and then at
        the root, ignoring case.  Paths pointing outside the archive
        (``relative://``, ``absolute://``, ``file:``) give None.
        """
        value = path.strip()
        lowered = value.lower()
        if lowered.startswith("internal://"):
            value = value[len("internal://") :]
        elif re.match(r"^[a-z][a-z0-9+.-]*:", lowered):
            return None  # relative://, absolute://, file:, C:\...: not inside the archive
        rel = value.replace("\\", "/").lstrip("/")
        if not rel or unsafe_member_reason(rel):
            return None
        for key in (f"sources/{rel}".lower(), rel.lower()):
            info = self._by_lower.get(key)
            if info is not None:
                return info.filename
        # Tolerate a producer that wrote only the base name of a nested file.
        base = PurePosixPath(rel).name.lower()
        matches = [
            i.filename
            for k, i in self._by_lower.items()
            if k.startswith("sources/") and PurePosixPath(k).name == base
        ]
        return matches[0] if len(matches) == 1 else None
