"""`codebench diff-manifest A B`: why a number moved between two builds.

Compares two MANIFEST.json files (:mod:`codebench.analysis.build`) and
says what changed in what the outputs depend on (transcripts, codebook
version, coders, settings, seeds, the study's entries), what happened in
the event log between the builds (counted by kind of change and by whom,
from the counts each manifest keeps, so no project is needed), and which
outputs' bytes changed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codebench.analysis.study import MANIFEST
from codebench.errors import CodebenchError
from codebench.safety import one_line
from codebench.wording import plural

#: Keys every manifest has (a file without them is not one).
_REQUIRED = ("codebench", "transcripts", "codebook", "coders", "events", "settings", "outputs")


class ManifestError(CodebenchError):
    """A file that is not a build's MANIFEST.json."""


def load_manifest(path: Path | str) -> dict[str, Any]:
    """The manifest at ``path`` (a MANIFEST.json, or a build folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST
    name = one_line(str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(f"{name}: cannot read it ({error.strerror or error})") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ManifestError(f"{name}: not a JSON manifest ({one_line(str(error))})") from None
    if not isinstance(data, dict) or any(k not in data for k in _REQUIRED):
        raise ManifestError(f"{name}: not a codebench build manifest (no {', '.join(_REQUIRED)})")
    try:
        _check_shapes(data)
    except (TypeError, KeyError) as error:
        raise ManifestError(f"{name}: a damaged manifest ({one_line(str(error))})") from None
    return data


def _check_shapes(data: dict[str, Any]) -> None:
    """Check every field the comparison reads, so a damaged file fails here, by name."""

    def rows(value: Any, keys: tuple[str, ...], texts: tuple[str, ...] = ()) -> None:
        if not isinstance(value, list) or not all(
            isinstance(r, dict) and all(k in r for k in keys) for r in value
        ):
            raise TypeError(f"expected a list of objects with {', '.join(keys)}")
        if not all(isinstance(r[k], str) for r in value for k in texts):
            raise TypeError(f"{', '.join(texts)} must be strings")

    rows(data["transcripts"], ("name", "sha256"), ("name", "sha256"))
    if not all(isinstance(t.get("attributes", {}), dict) for t in data["transcripts"]):
        raise TypeError("transcript attributes must be objects")
    rows(data["coders"], ("name",), ("name",))
    rows(data["outputs"], ("file", "sha256", "entry"), ("file", "sha256"))
    if not isinstance(data["codebook"], dict) or not isinstance(data["events"], dict):
        raise TypeError("codebook and events must be objects")
    if not isinstance(data["codebook"].get("version"), int):
        raise TypeError("codebook version must be a number")
    if "sha256" not in data["codebook"]:
        raise KeyError("codebook sha256")
    if not isinstance(data["events"].get("high_water"), int):
        raise TypeError("events high_water must be a number")
    rows(data["events"].get("counts"), ("action", "coder", "count"), ("action", "coder"))
    if not all(isinstance(e["count"], int) for e in data["events"]["counts"]):
        raise TypeError("event counts must be numbers")
    if not isinstance(data["settings"], dict):
        raise TypeError("settings must be an object")


@dataclass
class ManifestDiff:
    """What differs between build A and build B (B is the later one, normally)."""

    transcripts_added: list[str] = field(default_factory=list)
    transcripts_removed: list[str] = field(default_factory=list)
    transcripts_changed: list[str] = field(default_factory=list)
    attributes_changed: list[str] = field(default_factory=list)
    codebook: tuple[int, int] | None = None
    codebook_changed: bool = False
    coders_added: list[str] = field(default_factory=list)
    coders_removed: list[str] = field(default_factory=list)
    events_since: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    seed: tuple[Any, Any] | None = None
    version: tuple[str, str] | None = None
    outputs_changed: list[str] = field(default_factory=list)
    outputs_added: list[str] = field(default_factory=list)
    outputs_removed: list[str] = field(default_factory=list)
    entries_changed: list[str] = field(default_factory=list)
    outputs_same: int = 0

    def summary(self) -> str:
        """One line: how many outputs changed, events since, the codebook version."""
        parts = [f"{_n(len(self.outputs_changed), 'output')} changed"]
        if self.events_since < 0:
            parts.append(f"A is the later build ({_n(-self.events_since, 'event')} after B)")
        elif self.events_since:
            parts.append(f"{_n(self.events_since, 'event')} since ({self.event_groups()})")
        else:
            parts.append("no events since")
        if self.codebook is not None:
            parts.append(f"codebook v{self.codebook[0]} → v{self.codebook[1]}")
        return "; ".join(parts)

    def event_groups(self) -> str:
        """``12 coding changes by bob, 2 codebook edits by alice``: the events since, grouped."""
        groups: Counter[tuple[str, str]] = Counter()
        for e in self.events:
            groups[(_kind(e["action"]), e["coder"])] += e["count"]
        return ", ".join(
            _n(count, what) + (f" by {coder}" if coder else "")
            for (what, coder), count in sorted(groups.items(), key=lambda g: (-g[1], g[0]))
        )

    def lines(self) -> list[str]:
        """The whole comparison, a line per difference, the summary first."""
        out = [self.summary()]
        for label, names in (
            ("outputs changed", self.outputs_changed),
            ("outputs added", self.outputs_added),
            ("outputs removed", self.outputs_removed),
            ("entries changed (options differ)", self.entries_changed),
            ("transcripts added", self.transcripts_added),
            ("transcripts removed", self.transcripts_removed),
            ("transcripts changed (text differs)", self.transcripts_changed),
            ("attributes changed", self.attributes_changed),
            ("coders added", self.coders_added),
            ("coders removed", self.coders_removed),
        ):
            if names:
                out.append(f"{label}: {', '.join(names)}")
        if self.codebook_changed and self.codebook is None:
            out.append("codebook: same version number, different definitions")
        for e in self.events:
            who = f" by {e['coder']}" if e["coder"] else ""
            out.append(f"events: {e['count']} {e['action']}{who}")
        out.extend(f"setting {s}" for s in self.settings)
        if self.seed is not None:
            out.append(f"seed: {self.seed[0]} → {self.seed[1]}")
        if self.version is not None:
            out.append(f"codebench version: {self.version[0]} → {self.version[1]}")
        if self.outputs_same:
            out.append(f"unchanged: {_n(self.outputs_same, 'output')}")
        return out

    def as_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"summary": self.summary(), **asdict(self)}


def diff_manifests(a: dict[str, Any], b: dict[str, Any]) -> ManifestDiff:
    """What changed from build ``a`` to build ``b``."""
    diff = ManifestDiff()
    ta = {t["name"]: t["sha256"] for t in a["transcripts"]}
    tb = {t["name"]: t["sha256"] for t in b["transcripts"]}
    diff.transcripts_added = sorted(set(tb) - set(ta))
    diff.transcripts_removed = sorted(set(ta) - set(tb))
    diff.transcripts_changed = sorted(n for n in set(ta) & set(tb) if ta[n] != tb[n])
    aa = {t["name"]: t.get("attributes") or {} for t in a["transcripts"]}
    ab = {t["name"]: t.get("attributes") or {} for t in b["transcripts"]}
    for name in sorted(set(aa) & set(ab)):
        for key in sorted(set(aa[name]) | set(ab[name])):
            old, new = aa[name].get(key), ab[name].get(key)
            if old != new:
                diff.attributes_changed.append(f"{name} {key} {old!r} → {new!r}")
    va, vb = int(a["codebook"]["version"]), int(b["codebook"]["version"])
    diff.codebook = (va, vb) if va != vb else None
    diff.codebook_changed = a["codebook"]["sha256"] != b["codebook"]["sha256"]
    ca = {c["name"] for c in a["coders"]}
    cb = {c["name"] for c in b["coders"]}
    diff.coders_added, diff.coders_removed = sorted(cb - ca), sorted(ca - cb)
    diff.events_since = int(b["events"]["high_water"]) - int(a["events"]["high_water"])
    before = {(e["action"], e["coder"]): int(e["count"]) for e in a["events"]["counts"]}
    after = {(e["action"], e["coder"]): int(e["count"]) for e in b["events"]["counts"]}
    for key in sorted(set(before) | set(after)):
        moved = after.get(key, 0) - before.get(key, 0)
        if moved:
            diff.events.append({"action": key[0], "coder": key[1], "count": moved})
    diff.settings = _settings(a["settings"], b["settings"])
    if a.get("seed") != b.get("seed"):
        diff.seed = (a.get("seed"), b.get("seed"))
    if a["codebench"] != b["codebench"]:
        diff.version = (str(a["codebench"]), str(b["codebench"]))
    oa = {o["file"]: o for o in a["outputs"]}
    ob = {o["file"]: o for o in b["outputs"]}
    diff.outputs_added = sorted(set(ob) - set(oa))
    diff.outputs_removed = sorted(set(oa) - set(ob))
    for name in sorted(set(oa) & set(ob)):
        if oa[name]["sha256"] != ob[name]["sha256"]:
            diff.outputs_changed.append(name)
        else:
            diff.outputs_same += 1
        if oa[name]["entry"] != ob[name]["entry"]:
            diff.entries_changed.append(name)
    return diff


def _settings(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """A line per setting that differs; list settings (the stop words) say what went in and out."""
    out = []
    for key in sorted(set(a) | set(b)):
        old, new = a.get(key), b.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list):
            added = sorted(set(map(str, new)) - set(map(str, old)))
            removed = sorted(set(map(str, old)) - set(map(str, new)))
            bits = ([f"+{', '.join(added)}"] if added else []) + (
                [f"-{', '.join(removed)}"] if removed else []
            )
            out.append(f"{key}: {'; '.join(bits)}")
        else:
            out.append(f"{key}: {old!r} → {new!r}")
    return out


def _kind(action: str) -> str:
    """What an event action is, in the words a lead reads."""
    if action.startswith("coding."):
        return "coding change"
    if action.startswith(("code.", "codebook.")):
        return "codebook edit"
    if action.startswith("memo."):
        return "memo edit"
    if action.startswith("transcript."):
        return "transcript change"
    if action.startswith("attributes."):
        return "attribute change"
    if action.startswith("status."):
        return "status change"
    return f"{action} event"


def _n(count: int, word: str) -> str:
    return plural(count, word)
