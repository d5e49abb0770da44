"""Reviewing candidates one at a time: the headless state a review front end drives.

A lead walks the candidates detection found, one string at a time, seeing
its occurrences in context, and decides: replace it with the proposed label,
replace it with a label of their own, keep it, or decide for one transcript
only ("always for this transcript"). Each decision goes into the key at once
(with who decided and when) and is recorded as a :class:`Decision`, so a
front end can show what was done and save the key whenever it likes.

The terminal front end is ``codebench pseudonymise review``; a workbench
screen can drive the same object.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from codebench.pseudonyms.detect import Candidate
from codebench.pseudonyms.key import Entry, Key, now
from codebench.pseudonyms.labels import ordered, propose


@dataclass(frozen=True)
class Decision:
    """One decision made in a review."""

    real: str
    action: str  # "replace" or "keep"
    label: str | None
    transcripts: tuple[str, ...]
    by: str | None
    at: str

    def describe(self) -> str:
        """``Helen Marsh → [Chief Executive, Org A]``, ``NHS → keep in 02-nurse``: the line
        every review front end reports a decision with (the terminal and the workbench)."""
        what = "keep" if self.action == "keep" else (self.label or "")
        scope = f" in {', '.join(self.transcripts)}" if self.transcripts else ""
        return f"{self.real} → {what}{scope}"


@dataclass
class Review:
    """Candidates to walk, the key being filled in, and the decisions made so far."""

    key: Key
    candidates: list[Candidate]
    by: str | None = None
    roles: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    position: int = 0
    decisions: list[Decision] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        key: Key,
        candidates: Sequence[Candidate],
        *,
        by: str | None = None,
        roles: dict[str, tuple[str | None, str | None]] | None = None,
        undecided_only: bool = True,
    ) -> Review:
        """A review of ``candidates`` (by default only those nobody has decided on yet:
        detection's proposals are walked), in the order labels are planned in
        (organisations before the speakers whose labels name them)."""
        # A form another entry covers (a speaker entry with first_name covers "Helen", an
        # organisation's variants its short name) is decided with that entry: asking
        # again would only invite a contradiction.
        decided = {e.real.casefold() for e in key.entries if not e.proposed}
        chosen = [
            c
            for c in ordered(list(candidates))
            if not undecided_only or c.text.casefold() not in decided | _covered(key)
        ]
        return cls(key, chosen, by, dict(roles or {}))

    @property
    def current(self) -> Candidate | None:
        """The candidate to decide on next (None when the walk is over)."""
        return self.candidates[self.position] if self.position < len(self.candidates) else None

    @property
    def remaining(self) -> int:
        return max(0, len(self.candidates) - self.position)

    def proposed_label(self) -> str | None:
        """The label ``detect --write-key`` would give the current candidate (the same planner,
        :func:`~codebench.pseudonyms.labels.propose`, given the key as it stands)."""
        candidate = self.current
        if candidate is None:
            return None
        existing = self.key.entry_for(candidate.text)
        if existing is not None and existing.label:
            return existing.label
        planned, mapping = self._plan(candidate)
        if planned is not None and planned.label:
            return planned.label
        # Covered by another entry (a speaker's first name): the label that applies to it.
        return mapping.get(candidate.text) or f"[{candidate.kind.capitalize()}]"

    def _plan(self, candidate: Candidate) -> tuple[Entry | None, dict[str, str | None]]:
        """The entry the planner proposes for ``candidate``, and the plan's mapping.

        Planned as if undecided: a decision for one transcript only (or a keep) must not
        stop the project-wide proposal (the planner skips strings the key already names).
        """
        folded = candidate.text.casefold()
        undecided = Key(
            [e for e in self.key.entries if e.real.casefold() != folded],
            self.key.path,
            self.key.encrypted,
        )
        proposed, _ = propose(undecided, [*self.candidates, candidate], roles=self.roles)
        return proposed.entry_for(candidate.text), proposed.mapping()

    def replace(self, label: str | None = None, *, transcript: str | None = None) -> Decision:
        """Replace the current candidate with ``label`` (default: the proposed one)."""
        chosen = label if label is not None else self.proposed_label()
        return self._decide(label=chosen, keep=False, transcript=transcript)

    def keep(self, *, transcript: str | None = None) -> Decision:
        """Keep the current candidate as it is (a decision, recorded like any other)."""
        return self._decide(label=None, keep=True, transcript=transcript)

    def skip(self) -> None:
        """Leave the current candidate undecided for now."""
        self.position += 1

    def back(self) -> None:
        self.position = max(0, self.position - 1)

    def go(self, position: int) -> None:
        """Move to the candidate at ``position`` (clamped: past the last is the walk's end)."""
        self.position = min(max(0, position), len(self.candidates))

    def decision_on(self, candidate: Candidate) -> Entry | None:
        """The key's project-wide decision on ``candidate``, if someone made one (shown when
        revisiting; detection's proposal is not a decision, and is shown as the proposed label)."""
        entry = self.key.entry_for(candidate.text)
        return entry if entry is not None and not entry.proposed else None

    def _decide(self, *, label: str | None, keep: bool, transcript: str | None) -> Decision:
        candidate = self.current
        if candidate is None:
            raise IndexError("the review is over")
        scope = (transcript,) if transcript else ()
        stamp = now()
        # Its forms as proposed (a speaker's first name, an organisation's short names).
        shape = self.key.entry_for(candidate.text) or self._plan(candidate)[0]
        speaker = candidate.kind == "speaker" and " " in candidate.text
        if shape is None:
            shape = Entry(
                real=candidate.text,
                kind=candidate.kind,
                first_name=speaker,
                surname=speaker,
                lowercase=candidate.kind in ("organisation", "place"),
            )
        entry = dataclasses.replace(
            shape,
            real=candidate.text,
            label=label,
            keep=keep,
            transcripts=scope,
            decided_by=self.by,
            decided_at=stamp,
            proposed=False,
            note=None if shape.proposed else shape.note,
        )
        a_form = candidate.text.casefold() in _covered(self.key)
        if keep or scope or not a_form or self.key.mapping().get(candidate.text) != label:
            self.key = self.key.decide(entry)  # validated: a bad label raises, nothing changes
        # else: a form another entry covers, given that entry's label (``--all`` walks them):
        # nothing to add, and a second entry would share the label.
        decision = Decision(
            candidate.text, "keep" if keep else "replace", label, scope, self.by, stamp
        )
        self.decisions.append(decision)
        self.position += 1
        # What this decision now covers (a first name, a short name) is decided with it.
        covered = _covered(self.key)
        self.candidates = self.candidates[: self.position] + [
            c for c in self.candidates[self.position :] if c.text.casefold() not in covered
        ]
        return decision


def _covered(key: Key) -> set[str]:
    """Forms (folded) that project entries cover besides their own real strings."""
    own = {e.real.casefold() for e in key.entries}
    return {f.casefold() for e in key.entries if not e.transcripts for f in e.forms()} - own
