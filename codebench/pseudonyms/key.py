"""The key: what each real string becomes, kept in a file outside the project.

A key file is YAML (``<project>.pseudonyms.yaml`` by default, next to the
project file and never inside it), so a lead can read, review and edit it::

    format: codebench-pseudonyms
    version: 1
    entries:
    - real: Helen Marsh
      label: '[Chief Executive, Org A]'
      kind: speaker
      first_name: true          # "Helen" alone is replaced too
      decided_by: alice
      decided_at: '2026-12-03T14:05:00+00:00'
    - real: Riverside
      label: '[Org A]'
      lowercase: true           # "riverside" too (file names: 01-riverside-ceo)
    - real: NHS
      keep: true                # decided: not identifying
    - real: Eastfield
      label: '[Place 2]'
      proposed: true            # written by detection, nobody has decided it yet
    - real: Jo
      label: '[Nurse]'
      transcripts: [02-riverside-nurse]   # only there; elsewhere the project entry applies

Each entry's forms are the real string as written, in UPPER CASE and Title
Case (and lower case when asked), its first name or surname when asked, and
any ``variants`` listed, each in the same cases. A possessive needs no form:
``Riverside's`` becomes ``[Org A]'s``.

A key can be encrypted with a passphrase: the YAML is then sealed with
Fernet (AES-128-CBC and HMAC-SHA256, from the ``cryptography`` package) under
a key derived from the passphrase with scrypt; the file holds the salt and
scrypt's parameters next to the token. Nothing here is home-made crypto.

A key that cannot be trusted (malformed YAML, a wrong passphrase, an entry
without a label, a label that is not in brackets or that itself holds a key
string) is refused with one line naming the file, and nothing is written.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codebench.errors import CodebenchError
from codebench.fileio import write_atomic
from codebench.pseudonyms.matcher import Matcher, first_name, surname, variants

FORMAT = "codebench-pseudonyms"
ENCRYPTED_FORMAT = "codebench-pseudonyms-encrypted"
VERSION = 1
#: scrypt's cost parameters for new encrypted keys (about 32 MiB and a tenth of a second).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_ENTRY_FIELDS = frozenset(
    {
        "real",
        "label",
        "keep",
        "kind",
        "variants",
        "first_name",
        "surname",
        "lowercase",
        "transcripts",
        "decided_by",
        "decided_at",
        "note",
        "proposed",
    }
)

Passphrase = str | Callable[[], str] | None
#: The note detection wrote on its proposals before entries said ``proposed: true``.
_OLD_PROPOSED_NOTE = "proposed by detection: edit the label, or set keep: true"


class KeyFileError(CodebenchError):
    """A key file cannot be read, decrypted or trusted; the message names the file."""


@dataclass(frozen=True)
class Entry:
    """One decision: ``real`` (and its forms) becomes ``label``, or is kept (``keep``)."""

    real: str
    label: str | None = None
    keep: bool = False
    kind: str = "name"
    variants: tuple[str, ...] = ()
    first_name: bool = False
    surname: bool = False
    lowercase: bool = False
    #: Transcript names this entry is limited to; empty: the whole project.
    transcripts: tuple[str, ...] = ()
    decided_by: str | None = None
    decided_at: str | None = None
    note: str | None = None
    #: Written by detection, not yet decided by anyone (a review walks it; no author, no time).
    proposed: bool = False

    @property
    def replacement(self) -> str | None:
        """What a form of this entry becomes: its label, or None to leave it as it is."""
        return None if self.keep else self.label

    def forms(self) -> list[str]:
        """Every string that counts as this entry (see the module docstring)."""
        bases = [self.real, *self.variants]
        if self.first_name and (part := first_name(self.real)):
            bases.append(part)
        if self.surname and (part := surname(self.real)):
            bases.append(part)
        out: list[str] = []
        for base in bases:
            out.extend(variants(base, lowercase=self.lowercase))
        return list(dict.fromkeys(out))

    def as_yaml(self) -> dict[str, Any]:
        out: dict[str, Any] = {"real": self.real}
        if self.keep:
            out["keep"] = True
        else:
            out["label"] = self.label
        if self.kind != "name":
            out["kind"] = self.kind
        for name in ("first_name", "surname", "lowercase"):
            if getattr(self, name):
                out[name] = True
        if self.variants:
            out["variants"] = list(self.variants)
        if self.transcripts:
            out["transcripts"] = list(self.transcripts)
        if self.proposed:
            out["proposed"] = True
        for name in ("decided_by", "decided_at", "note"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


@dataclass
class Key:
    """Every decision of a study, and where the key file is."""

    entries: list[Entry] = field(default_factory=list)
    path: Path | None = None
    encrypted: bool = False

    def mapping(self, transcript: str | None = None) -> dict[str, str | None]:
        """Each form → its replacement (None: keep), for ``transcript`` (None: project entries only).

        An entry limited to a transcript wins over a project entry with the same form there.
        """
        out: dict[str, str | None] = {}
        for entry in self.entries:
            if not entry.transcripts:
                for form in entry.forms():
                    out.setdefault(form, entry.replacement)
        if transcript is not None:
            for entry in self.entries:
                if transcript in entry.transcripts:
                    for form in entry.forms():
                        out[form] = entry.replacement
        return out

    def scoped_transcripts(self) -> set[str]:
        """Transcripts that have entries of their own."""
        return {t for entry in self.entries for t in entry.transcripts}

    def entry_for(self, real: str, transcripts: Iterable[str] = ()) -> Entry | None:
        scope = tuple(transcripts)
        for entry in self.entries:
            if entry.real.casefold() == real.casefold() and entry.transcripts == scope:
                return entry
        return None

    def replaced_forms(self) -> set[str]:
        """Every form some entry replaces (what must not survive in an output)."""
        return {form for e in self.entries if not e.keep for form in e.forms()}

    def kept(self) -> set[str]:
        """The real strings decided "keep" (folded case)."""
        return {e.real.casefold() for e in self.entries if e.keep}

    def decide(self, entry: Entry) -> Key:
        """A key with ``entry`` recorded (replacing the decision on the same string and scope).

        One thing, one label: entries that followed the old label (a first name, a
        short name, an old key's separate entry for a variant) follow the new one,
        and a speaker's label naming the old organisation label names the new one.
        A label another string already has is refused (add the string to that
        entry as a variant instead), so two things never share a label by accident.
        """
        same = entry.real.casefold()
        old = next(
            (
                e
                for e in self.entries
                if e.real.casefold() == same and e.transcripts == entry.transcripts
            ),
            None,
        )
        others = [e for e in self.entries if e is not old]
        followers: set[str] = set()
        if old is not None and old.label and old.replacement != entry.replacement:
            followers = {e.real.casefold() for e in others if e.label == old.label}
            followed = [_follow(e, old.label, entry) for e in others]
            others = [e for e in followed if e is not None]
        if entry.label and not entry.keep and not (old is not None and old.label == entry.label):
            for other in others:
                if (
                    other.label == entry.label
                    and other.real.casefold() not in {same, *followers}
                    and not other.keep
                ):
                    raise KeyFileError(
                        f"{self.path or 'the key'}: {entry.label!r} is already the label of "
                        f"{other.real!r}: choose another, or add {entry.real!r} to that entry "
                        "as a variant"
                    )
        key = Key([*others, entry], self.path, self.encrypted)
        key.validate()
        return key

    def validate(self) -> None:
        """Refuse a key a replacement could not trust (see the module docstring)."""
        where = self.path or "the key"
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for entry in self.entries:
            scope = (entry.real.casefold(), entry.transcripts)
            if scope in seen:
                raise KeyFileError(f"{where}: {entry.real!r} is decided twice")
            seen.add(scope)
            if entry.keep:
                continue
            label = entry.label or ""
            if not (label.startswith("[") and label.endswith("]") and label[1:-1].strip()):
                raise KeyFileError(
                    f"{where}: the label of {entry.real!r} must be marked in brackets, like "
                    f"'[Org A]' (got {label!r})"
                )
        matcher = Matcher(self.replaced_forms())
        for entry in self.entries:
            if entry.label is None or entry.keep:
                continue
            for hit in matcher.hits(entry.label):
                raise KeyFileError(
                    f"{where}: the label {entry.label!r} of {entry.real!r} contains the key "
                    f"string {hit.term!r}, which it would reveal"
                )


def _follow(other: Entry, old_label: str, new: Entry) -> Entry | None:
    """``other`` after ``new`` replaced a decision labelled ``old_label`` (None: folded away).

    An entry with the old label whose string ``new`` now covers (``Helen`` under
    ``Helen Marsh`` with ``first_name``) is folded into ``new``; one that is not
    covered takes the new label; a label naming the old one (``[Senior manager,
    Organisation C]`` when ``[Organisation C]`` changes) names the new one.
    """
    if other.transcripts != new.transcripts or other.keep:
        return other
    if other.label == old_label:
        if other.real.casefold() in {f.casefold() for f in new.forms()}:
            return None
        if new.keep or not new.label:
            return other
        return dataclasses.replace(other, label=new.label)
    inner = old_label[1:-1]
    if new.label and not new.keep and other.label and other.label.endswith(f", {inner}]"):
        head = other.label[: -len(inner) - 1]
        return dataclasses.replace(other, label=head + new.label[1:-1] + "]")
    return other


def default_key_path(project_path: Path | str) -> Path:
    """``study.db`` → ``study.pseudonyms.yaml`` beside it: outside the project file."""
    path = Path(project_path)
    return path.with_name(f"{path.stem}.pseudonyms.yaml")


def now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


# ------------------------------------------------------------------ reading


def load_key(path: Path | str, passphrase: Passphrase = None) -> Key:
    """Read, decrypt if sealed, and validate the key at ``path``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(
            f"no key file at {path} (make one with `codebench pseudonymise detect --write-key`)"
        ) from None
    except OSError as error:
        raise KeyFileError(f"cannot read the key {path}: {error.strerror or error}") from None
    document = _parse(path, raw)
    encrypted = isinstance(document, dict) and document.get("format") == ENCRYPTED_FORMAT
    if encrypted:
        secret = passphrase() if callable(passphrase) else passphrase
        if not secret:
            raise KeyFileError(
                f"{path} is encrypted: give its passphrase (set $CODEBENCH_KEY_PASSPHRASE)"
            )
        document = _parse(path, _decrypt(path, document, secret))
    key = _entries(path, document)
    key.encrypted = encrypted
    key.validate()
    return key


def load_for_update(path: Path | str, passphrase: Passphrase = None) -> tuple[Key, str | None]:
    """The key at ``path`` to record decisions in, and the passphrase it is sealed with.

    No file yet is an empty key (the first decision makes the file). The
    passphrase is handed back (None for a plain key) so the key is saved
    sealed again: a review or a ``decide`` never unseals a key by saving it.
    Every front end that adds decisions opens the key this way.
    """
    path = Path(path)
    if not path.exists():
        return Key([], path), None
    asked: list[str] = []

    def remembered() -> str:
        secret = passphrase() if callable(passphrase) else passphrase
        asked.append(secret or "")
        return asked[-1]

    key = load_key(path, remembered)
    return key, (asked[-1] if asked and key.encrypted else None)


def _parse(path: Path, raw: bytes) -> Any:
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise KeyFileError(f"{path}: not a key file (not UTF-8 text)") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not YAML"
        raise KeyFileError(f"{path}: malformed YAML{at}: {problem}") from None


def _entries(path: Path, document: Any) -> Key:
    if document is None:
        return Key([], path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyFileError(f"{path}: not a codebench key file (no 'format: {FORMAT}')")
    if document.get("version") != VERSION:
        raise KeyFileError(f"{path}: key version {document.get('version')!r} is not {VERSION}")
    items = document.get("entries") or []
    if not isinstance(items, list):
        raise KeyFileError(f"{path}: 'entries' must be a list")
    return Key([_entry(path, n, item) for n, item in enumerate(items, 1)], path)


def _entry(path: Path, number: int, item: Any) -> Entry:
    where = f"{path}: entry {number}"
    if not isinstance(item, dict):
        raise KeyFileError(f"{where} is not a mapping")
    unknown = set(item) - _ENTRY_FIELDS
    if unknown:
        raise KeyFileError(f"{where}: unknown field {sorted(map(str, unknown))[0]!r}")
    real = item.get("real")
    if not isinstance(real, str) or not real.strip():
        raise KeyFileError(f"{where}: 'real' must be the text to replace")
    keep = item.get("keep", False)
    label = item.get("label")
    if isinstance(label, list) and label and all(isinstance(p, str) for p in label):
        # ``label: [Chief Executive, Org A]`` unquoted is a YAML list: the bracketed label meant.
        label = "[" + ", ".join(label) + "]"
    if not isinstance(keep, bool):
        raise KeyFileError(f"{where} ({real!r}): 'keep' must be true or false")
    if keep == (label is not None):
        raise KeyFileError(f"{where} ({real!r}): give either a label or 'keep: true'")
    if label is not None and not isinstance(label, str):
        raise KeyFileError(f"{where} ({real!r}): the label must be text")

    def strings(name: str) -> tuple[str, ...]:
        value = item.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise KeyFileError(f"{where} ({real!r}): {name!r} must be a list of text")
        return tuple(value)

    def flag(name: str) -> bool:
        value = item.get(name, False)
        if not isinstance(value, bool):
            raise KeyFileError(f"{where} ({real!r}): {name!r} must be true or false")
        return value

    def text(name: str) -> str | None:
        value = item.get(name)
        return None if value is None else str(value)

    note = text("note")
    old_proposal = note == _OLD_PROPOSED_NOTE
    return Entry(
        real=real.strip(),
        label=label,
        keep=keep,
        kind=text("kind") or "name",
        variants=strings("variants"),
        first_name=flag("first_name"),
        surname=flag("surname"),
        lowercase=flag("lowercase"),
        transcripts=strings("transcripts"),
        # A key written before ``proposed`` existed marked detection's entries by their note
        # and stamped them as if decided: they are proposals (a review walks them), by nobody.
        decided_by=None if old_proposal else text("decided_by"),
        decided_at=None if old_proposal else text("decided_at"),
        note=note,
        proposed=flag("proposed") or old_proposal,
    )


# ------------------------------------------------------------------ writing


def dump_key(key: Key) -> str:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "entries": [e.as_yaml() for e in key.entries],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def save_key(key: Key, path: Path | str, passphrase: str | None = None) -> None:
    """Validate ``key`` and write it to ``path`` atomically, sealed when ``passphrase`` is given."""
    key.validate()
    text = dump_key(key)
    if passphrase:
        text = _encrypt(text, passphrase)
    write_atomic(path, text)


def _fernet(passphrase: str, salt: bytes, n: int, r: int, p: int) -> Any:
    try:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
    except ImportError:
        raise KeyFileError(
            "an encrypted key needs the cryptography package: pip install 'codebench[pseudonyms]'"
        ) from None

    derived = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def _encrypt(text: str, passphrase: str) -> str:
    salt = os.urandom(16)
    token = _fernet(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).encrypt(text.encode("utf-8"))
    document = {
        "format": ENCRYPTED_FORMAT,
        "version": VERSION,
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": base64.b64encode(salt).decode("ascii"),
        "token": token.decode("ascii"),
    }
    return yaml.safe_dump(document, sort_keys=False, width=1 << 16)


def _decrypt(path: Path, document: dict[str, Any], passphrase: str) -> bytes:
    try:
        salt = base64.b64decode(document["salt"], validate=True)
        n, r, p = (int(document[k]) for k in ("n", "r", "p"))
        token = str(document["token"]).encode("ascii")
        if document.get("kdf") != "scrypt" or not (
            n >= 2 and r >= 1 and 1 <= p <= 16 and n * r * 128 <= 1 << 27  # at most 128 MiB
        ):
            raise ValueError("unsupported key derivation")
        fernet = _fernet(passphrase, salt, n, r, p)
    except (KeyError, ValueError, TypeError, UnicodeEncodeError):
        raise KeyFileError(f"{path}: a damaged encrypted key file") from None
    from cryptography.fernet import InvalidToken

    try:
        return bytes(fernet.decrypt(token))
    except InvalidToken:
        raise KeyFileError(f"{path}: wrong passphrase (or the file was altered)") from None


def with_entry(key: Key, **values: Any) -> Key:
    """``key`` with one decision recorded (stamped now), validated."""
    values.setdefault("decided_at", now())
    return key.decide(Entry(**values))
