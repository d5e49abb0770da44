"""Proposed labels: the one function detection and every review use to label candidates.

``detect --write-key`` and a review (the terminal's and the workbench's)
must propose the same label for the same candidate, and no proposal may
give two different things one label. So there is one planner,
:func:`propose`, and it is incremental: it takes the key as it stands
(decisions and earlier proposals are fixed), walks the candidates in one
order (full organisation names first, so short names and speakers can
refer to them), and

- numbers placeholders per kind (``[Organisation B]``, ``[Place 3]``) by
  the candidate's place in that order, skipping any label the key already
  uses, so a proposal stays the same while a review accepts the ones
  before it, and never repeats a label;
- folds an organisation's short name (``Riverside``) and shorter forms of
  its full name into that organisation's entry as ``variants``, instead of
  giving them an entry that shares its label;
- labels a speaker by role and by the label the key (or this plan) gives
  their organisation: ``[Senior manager, Organisation A]``.

Entries it adds are marked ``proposed``: nobody has decided them yet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from codebench.pseudonyms.key import Entry, Key, KeyFileError
from codebench.pseudonyms.matcher import Matcher, first_name, surname, variants

#: The label stem each candidate kind is proposed with.
_STEMS = {
    "organisation": "Organisation",
    "place": "Place",
    "email": "Email",
    "phone": "Phone number",
    "postcode": "Postcode",
    "date": "Date",
    "date-of-birth": "Date of birth",
}
PROPOSED_NOTE = "proposed by detection: edit the label, or set keep: true"

Roles = dict[str, tuple[str | None, str | None]]


def propose(key: Key, found: Iterable[Any], *, roles: Roles | None = None) -> tuple[Key, int]:
    """``key`` with a proposed entry for each candidate it has no decision on; returns it and
    how many entries were added (see the module docstring).

    With ``roles`` (a speaker → their transcript's ``role`` and ``organisation``
    attributes), a speaker's label says who they are without naming them.
    """
    found = list(found)
    if roles:
        try:
            return _propose(key, found, roles)
        except KeyFileError:  # a role that holds a key string: fall back to numbered labels
            pass
    return _propose(key, found, {})


def _is_org(candidate: Any) -> bool:
    return bool(candidate.kind == "organisation")


def _full(candidate: Any) -> bool:
    return _is_org(candidate) and " " in candidate.text


def _propose(key: Key, found: list[Any], roles: Roles) -> tuple[Key, int]:
    entries = list(key.entries)
    project = {e.real.casefold(): n for n, e in enumerate(entries) if not e.transcripts}
    known = {e.real.casefold() for e in entries}
    # Forms another entry already covers (a speaker's first name, a short name folded in).
    covered = {f.casefold() for e in entries if not e.transcripts for f in e.forms()} - set(project)
    speakers = [c for c in found if c.kind == "speaker" and " " in c.text]
    for c in speakers:
        covered.update(p.casefold() for p in (first_name(c.text), surname(c.text)) if p)
    used = {e.label for e in entries if e.label}
    # Each organisation's first word → the entry holding its label (full names first).
    by_head: dict[str, int] = {}
    for full in (True, False):
        for n, e in enumerate(entries):
            organisation = e.kind == "organisation" and not e.transcripts and not e.keep
            if organisation and e.label and (" " in e.real) == full:
                by_head.setdefault(e.real.split()[0].casefold(), n)
    guard = Matcher(
        [v for c in found for v in variants(c.text)] + [f for e in entries for f in e.forms()]
    )
    counters: dict[str, int] = {}
    added = 0
    for candidate in ordered(found):
        text = candidate.text
        folded = text.casefold()
        head = text.split()[0].casefold()
        holder = _holder(candidate, entries, by_head)
        stem = _STEMS.get(candidate.kind, "Person" if candidate.kind == "speaker" else "Name")
        role = roles.get(text) if candidate in speakers else None
        by_role = bool(role and role[0] and not any(guard.hits(role[0] or "")))
        numbered = holder is None and not by_role
        if folded in project:
            # Decided (or proposed earlier): its label stands, and it keeps its place in the
            # numbering, so the proposals after it do not move.
            if numbered:
                counters[stem] = counters.get(stem, 0) + 1
            if _full(candidate):
                by_head.setdefault(head, project[folded])
            continue
        if folded in known or (folded in covered and candidate not in speakers):
            continue
        if holder is not None:
            entry = entries[holder]
            if text not in entry.variants and folded not in {f.casefold() for f in entry.forms()}:
                entries[holder] = dataclasses.replace(entry, variants=(*entry.variants, text))
            continue
        if by_role and role is not None:
            label = _role_label(role, entries, by_head, used)
        else:
            label = _next_label(stem, counters, used)
        entry = Entry(
            real=text,
            label=label,
            kind=candidate.kind,
            first_name=candidate in speakers,
            surname=candidate in speakers,
            lowercase=candidate.kind in ("organisation", "place"),
            proposed=True,
            note=PROPOSED_NOTE,
        )
        entries.append(entry)
        project[folded] = len(entries) - 1
        known.add(folded)
        used.add(label)
        if _full(candidate):
            by_head.setdefault(head, len(entries) - 1)
        added += 1
    out = Key(entries, key.path, key.encrypted)
    out.validate()
    return out, added


def ordered(found: list[Any]) -> list[Any]:
    """Full organisation names first, grouped by first word in detection order, the shorter
    forms of a longer name after it (so they fold into it); then the rest as detection listed
    them. The first full name of a group holds its short name (``Westmoor``)."""
    found = list({id(c): c for c in found}.values())  # each once, where it first came
    full = [c for c in found if _full(c)]
    first_at: dict[str, int] = {}
    for n, c in enumerate(full):
        first_at.setdefault(c.text.split()[0].casefold(), n)

    def shorter(c: Any) -> bool:
        prefix = c.text.casefold() + " "
        return any(o.text.casefold().startswith(prefix) for o in full)

    order = {id(c): n for n, c in enumerate(full)}
    full.sort(key=lambda c: (first_at[c.text.split()[0].casefold()], shorter(c), order[id(c)]))
    return full + [c for c in found if not _full(c)]


def _holder(candidate: Any, entries: list[Entry], by_head: dict[str, int]) -> int | None:
    """The organisation entry ``candidate`` is a form of: a short name sharing its first word,
    or the leading words of a longer full name (``Riverside Community Health`` of ``… CIC``)."""
    if not _is_org(candidate):
        return None
    text = candidate.text
    if " " not in text:
        return by_head.get(text.casefold())
    prefix = text.casefold() + " "
    longer = [
        n
        for n, e in enumerate(entries)
        if e.kind == "organisation"
        and e.label
        and not e.keep
        and not e.transcripts
        and e.real.casefold().startswith(prefix)
    ]
    return max(longer, key=lambda n: len(entries[n].real)) if longer else None


def _next_label(stem: str, counters: dict[str, int], used: set[str]) -> str:
    """The next numbered placeholder of ``stem`` no entry uses: ``[Organisation C]``, ``[Place 4]``."""
    while True:
        counters[stem] = counters.get(stem, 0) + 1
        number = counters[stem]
        suffix = _letters(number) if stem == "Organisation" else str(number)
        label = f"[{stem} {suffix}]"
        if label not in used:
            return label


def _role_label(
    role_and_organisation: tuple[str | None, str | None],
    entries: list[Entry],
    by_head: dict[str, int],
    used: set[str],
) -> str:
    """``[Senior manager, Organisation A]``: the role, and the label the key gives the
    organisation (found by its first word), numbered if taken."""
    role, organisation = role_and_organisation
    role = (role or "").strip()
    role = role[:1].upper() + role[1:]
    where = ""
    at = _organisation_entry(organisation or "", entries, by_head)
    if at is not None and entries[at].label:
        where = ", " + entries[at].label.strip("[]")  # type: ignore[union-attr]
    label = f"[{role}{where}]"
    number = 1
    while label in used:
        number += 1
        label = f"[{role} {number}{where}]"
    return label


def _organisation_entry(name: str, entries: list[Entry], by_head: dict[str, int]) -> int | None:
    """The organisation entry that ``name`` (a transcript's ``organisation``) is: the one it is
    a form of, else the longest whose string it starts with, else one sharing its first word."""
    folded = name.strip().casefold()
    if not folded:
        return None
    candidates = [
        n
        for n, e in enumerate(entries)
        if e.kind == "organisation" and e.label and not e.keep and not e.transcripts
    ]
    for n in candidates:
        if folded in {f.casefold() for f in entries[n].forms()}:
            return n
    starts = [n for n in candidates if folded.startswith(entries[n].real.casefold() + " ")]
    if starts:
        return max(starts, key=lambda n: len(entries[n].real))
    return by_head.get(folded.split()[0])


def _letters(number: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(ord("A") + rest) + out
    return out
