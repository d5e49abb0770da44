"""Applying a key at output: a text and its offsets, mapped onto the pseudonymised text.

:class:`Pseudonymiser` is the one function every output goes through. It
finds the key's forms in a text with the shared matcher (longest first,
whole words only, so a replacement never splits a word and a longer name
wins over a shorter one inside it), writes each one's label in its place,
and returns a :class:`TextMap` that moves offsets from the original text
onto the new one: an offset outside every replacement shifts by what the
replacements before it added or removed; a span starting or ending inside a
replacement widens to the whole label, so a coding of part of a name covers
its label, never a piece of it.

Because a label may not contain any key string (the key refuses one that
does), applying the key twice gives the same text as applying it once; an
output built from already mapped parts stays consistent.

:meth:`Pseudonymiser.value` applies the key to every string inside a
report, a row, or any other plain data (dataclasses, dicts, lists), so each
output path needs one call at the one place its data is complete, before it
is rendered in any format.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import gc
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codebench.pseudonyms.key import Key
from codebench.pseudonyms.matcher import Matcher


@dataclass(frozen=True)
class Replacement:
    """One replaced string: ``original[start:end]`` became ``text[new_start:new_end] == label``."""

    start: int
    end: int
    new_start: int
    new_end: int
    real: str
    label: str


class TextMap:
    """A text, its pseudonymised form and the replacements made, with offsets mapped between them.

    The replacements are kept as parallel lists of numbers (a long transcript
    has thousands); :attr:`replacements` dresses them as objects when asked.
    """

    def __init__(
        self,
        original: str,
        text: str,
        spans: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], []),
        reals: list[str] | None = None,
        labels: list[str] | None = None,
    ) -> None:
        self.original = original
        self.text = text
        self._starts, self._ends, self._new_starts, self._new_ends = spans
        self._reals = reals or []
        self._labels = labels or []

    @property
    def replacements(self) -> list[Replacement]:
        return [
            Replacement(*values)
            for values in zip(
                self._starts,
                self._ends,
                self._new_starts,
                self._new_ends,
                self._reals,
                self._labels,
            )
        ]

    def start(self, offset: int) -> int:
        """Where a span starting at ``offset`` of the original starts in the new text."""
        return self._map(offset, inside_to_end=False)

    def end(self, offset: int) -> int:
        """Where a span ending at ``offset`` of the original ends in the new text."""
        return self._map(offset, inside_to_end=True)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where the original span ``start``–``end`` lies in the new text (widened over labels)."""
        starts = self._starts
        if not starts:
            return start, end
        return self._map(start, inside_to_end=False), self._map(end, inside_to_end=True)

    def _map(self, offset: int, *, inside_to_end: bool) -> int:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        if offset == self._starts[i]:
            return self._new_starts[i]
        if offset < self._ends[i]:
            return self._new_ends[i] if inside_to_end else self._new_starts[i]
        return offset + (self._new_ends[i] - self._ends[i])


Texts = Callable[[str], str]
_SCALARS = frozenset({int, float, bool, type(None), bytes, complex})
#: Strings up to this length are cached (names, labels, attribute values, code names).
_CACHED_LENGTH = 200
_FIELDS: dict[type, tuple[str, ...] | None] = {}


@functools.cache
def _quote_type() -> type:
    from codebench.reports.quotes import Quote

    return Quote


def _rebuilt(record: Any, fields: dict[str, Any]) -> Any:
    """A copy of a dataclass instance with ``fields`` (all its fields, mapped) in place.

    Only strings and offsets change, so the copy skips ``__init__`` (a
    frozen dataclass sets each field through ``object.__setattr__``, most of
    the cost of a large report). Every attribute the copy holds is one of
    ``fields``, so nothing of the original's text is carried over unmapped;
    a class with slots is rebuilt through ``__init__`` from its init fields.
    """
    cls = type(record)
    if not hasattr(record, "__dict__"):
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        return cls(**{k: v for k, v in fields.items() if k in init})
    copy = object.__new__(cls)
    copy.__dict__.update(record.__dict__)
    copy.__dict__.update(fields)
    return copy


def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a dataclass type (None for any other type), looked up once."""
    try:
        return _FIELDS[cls]
    except KeyError:
        pass
    found = (
        tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None
    )
    _FIELDS[cls] = found
    return found


class Pseudonymiser:
    """A key ready to apply: one matcher for the project's entries, one per transcript with its own."""

    def __init__(self, key: Key, texts: Texts | None = None) -> None:
        self.key = key
        #: The original text of a transcript by name, so offsets of records about it can be mapped.
        self.texts = texts
        self._scoped = key.scoped_transcripts()
        self._matchers: dict[str | None, tuple[Matcher, dict[str, str | None]]] = {}
        self._maps: dict[str, TextMap] = {}
        self._strings: dict[tuple[str | None, str], str] = {}
        self._records: dict[tuple[str | None, Any], Any] = {}
        self._unhashable: set[type] = set()
        self._attributes: dict[str, tuple[dict[str, str], dict[str, str]]] = {}

    def _matcher(self, transcript: str | None) -> tuple[Matcher, dict[str, str | None]]:
        scope = transcript if transcript in self._scoped else None
        found = self._matchers.get(scope)
        if found is None:
            mapping = self.key.mapping(scope)
            found = self._matchers[scope] = (Matcher(mapping), mapping)
        return found

    def map_text(self, text: str, transcript: str | None = None) -> TextMap:
        """``text`` pseudonymised (for ``transcript``'s entries), with its offset map."""
        matcher, mapping = self._matcher(transcript)
        if matcher.pattern is None:
            return TextMap(text, text)
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        reals: list[str] = []
        labels: list[str] = []
        at = 0
        length = 0
        for match in matcher.pattern.finditer(text):
            term = match.group()
            label = mapping[term]
            if label is None:  # a "keep" decision: it shields what it covers, and stays
                continue
            start, end = match.span()
            parts.append(text[at:start])
            length += start - at
            starts.append(start)
            ends.append(end)
            new_starts.append(length)
            length += len(label)
            new_ends.append(length)
            reals.append(term)
            labels.append(label)
            parts.append(label)
            at = end
        if not starts:
            return TextMap(text, text)
        parts.append(text[at:])
        return TextMap(text, "".join(parts), (starts, ends, new_starts, new_ends), reals, labels)

    def transcript_map(self, transcript: str, text: str | None = None) -> TextMap:
        """The map of a whole transcript's text (cached: reports ask for it once per passage)."""
        found = self._maps.get(transcript)
        if found is None or (text is not None and found.original is not text):
            if text is None:
                if self.texts is None:
                    raise ValueError("no transcript texts to map offsets with")
                text = self.texts(transcript)
            found = self._maps[transcript] = self.map_text(text, transcript)
        return found

    def text(self, value: str, transcript: str | None = None) -> str:
        """One string pseudonymised (as :meth:`map_text` would, without the offset map)."""
        matcher, mapping = self._matcher(transcript)
        if matcher.pattern is None or not value:
            return value

        def label(match: re.Match[str]) -> str:
            return mapping[match.group()] or match.group()

        return matcher.pattern.sub(label, value)

    # ------------------------------------------------------------------ plain data

    def value(self, value: Any, transcript: str | None = None) -> Any:
        """``value`` with every string in it pseudonymised (a new value; the old is untouched).

        See :meth:`_value`; the cyclic garbage collector is paused meanwhile, as for a
        large export (:mod:`codebench.exchange.refi.collector`): a report's copy is
        hundreds of thousands of new objects, none in a cycle.
        """
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._value(value, transcript)
        finally:
            if was_enabled:
                gc.enable()

    def _value(self, value: Any, transcript: str | None = None) -> Any:
        """``value`` with every string in it pseudonymised (a new value; the old is untouched).

        A record (dataclass or dict) with a ``transcript`` string is mapped
        with that transcript's entries; if it also has integer ``start`` and
        ``end`` and the transcripts' texts are known, they are moved onto the
        pseudonymised text, and a ``text`` that was the original span becomes
        the pseudonymised span.

        A report repeats the same small values thousands of times (a code,
        a coder's name, an attribute value), so short strings and hashable
        frozen records are mapped once per transcript scope and reused.
        """
        cls = type(value)
        if cls in _SCALARS:
            return value
        scope = transcript if transcript in self._scoped else None
        if cls is str:
            if len(value) > _CACHED_LENGTH:
                return self.text(value, transcript)
            cache_key = (scope, value)
            found = self._strings.get(cache_key)
            if found is None:
                found = self._strings[cache_key] = self.text(value, transcript)
            return found
        if cls is _quote_type() and self.texts is not None:
            return self._quote(value)
        fields = _init_fields(cls)
        if fields is not None:
            hashable = cls not in self._unhashable and "transcript" not in fields
            if hashable:
                try:
                    cached = self._records.get((scope, value))
                except TypeError:  # a field holds a list or a dict
                    self._unhashable.add(cls)
                    hashable = False
                else:
                    if cached is not None:
                        return cached
            held = (
                dict(value.__dict__)  # every attribute it holds, fields or not
                if hasattr(value, "__dict__")
                else {f: getattr(value, f) for f in fields if hasattr(value, f)}
            )
            mapped = _rebuilt(value, self._record(held, transcript))
            if hashable:
                self._records[(scope, value)] = mapped
            return mapped
        if cls is dict or isinstance(value, dict):
            if all(type(k) is str for k in value):
                return self._record(value, transcript, keys=True)
            return {
                self._value(k, transcript): self._value(v, transcript) for k, v in value.items()
            }
        if cls is list:
            return [self._value(v, transcript) for v in value]
        if isinstance(value, tuple):
            if hasattr(value, "_fields"):  # a named tuple
                return cls(*(self._value(v, transcript) for v in value))
            return tuple(self._value(v, transcript) for v in value)
        if isinstance(value, list):
            return [self._value(v, transcript) for v in value]
        return value

    def _quote(self, quote: Any) -> Any:
        """A report's passage (:class:`~codebench.reports.quotes.Quote`), the one record an
        output holds by the hundred thousand: the same mapping as :meth:`value` gives any
        record, field by field, with a transcript's attributes mapped once for all its passages.
        """
        name = quote.transcript
        mapped = self.transcript_map(name)
        start, end = mapped.span(quote.start, quote.end)
        span = mapped.original[quote.start : quote.end]
        text = quote.text
        text = mapped.text[start:end].strip() if text == span.strip() else self._value(text, name)
        value = self._value
        attributes = self._attributes.get(name)
        if attributes is None or attributes[0] != quote.attributes:
            attributes = self._attributes[name] = (
                quote.attributes,
                value(quote.attributes, name),
            )
        return _rebuilt(
            quote,
            {
                "code": value(quote.code, name),
                "transcript": value(name, name),
                "attributes": dict(attributes[1]),
                "start": start,
                "end": end,
                "speaker": value(quote.speaker, name),
                "coders": [value(c, name) for c in quote.coders],
                "text": text,
                "memos": value(quote.memos, name) if quote.memos else [],
                "before": value(quote.before, name),
                "after": value(quote.after, name),
            },
        )

    def _record(
        self, fields: dict[str, Any], transcript: str | None, *, keys: bool = False
    ) -> dict[str, Any]:
        own = fields.get("transcript")
        if isinstance(own, str) and own:
            transcript = own
        value = self._value
        strings = self._strings
        scope = transcript if transcript in self._scoped else None
        out: dict[str, Any] = {}
        for k, v in fields.items():
            if k == "text":
                continue
            if keys:
                k = value(k, transcript)
            cls = type(v)
            if cls in _SCALARS:  # the common cases inline: most fields are numbers or names
                out[k] = v
            elif cls is str and len(v) <= _CACHED_LENGTH:
                found = strings.get((scope, v))
                out[k] = found if found is not None else value(v, transcript)
            else:
                out[k] = value(v, transcript)
        text = fields.get("text")
        start, end = fields.get("start"), fields.get("end")
        if (
            transcript is not None
            and self.texts is not None
            and type(start) is int
            and type(end) is int
            and 0 <= start <= end
        ):
            mapped = self.transcript_map(transcript)
            if end <= len(mapped.original):
                new_start, new_end = mapped.span(start, end)
                out["start"], out["end"] = new_start, new_end
                if isinstance(text, str):
                    span = mapped.original[start:end]
                    if text == span or text == span.strip():
                        new = mapped.text[new_start:new_end]
                        out["text"] = new if text == span else new.strip()
        if "text" in fields and "text" not in out:
            out["text"] = value(text, transcript)
        return out


def span_text(mapped: TextMap, start: int, end: int) -> str:
    """The pseudonymised text of the original span ``start``–``end``."""
    new_start, new_end = mapped.span(start, end)
    return mapped.text[new_start:new_end]


def project_pseudonymiser(project: Any, key: Key) -> Pseudonymiser:
    """A pseudonymiser that reads ``project``'s transcript texts by name when it needs them."""
    return Pseudonymiser(key, lambda name: project.text(name))
