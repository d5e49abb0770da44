"""Scopes: which transcripts, coders and speakers a query or a search counts.

What a user types (``--where role=commissioner``, ``--where "stage!=in-house comparator"``,
``--transcripts A,B``, ``--coder alice`` / ``--coders alice,bob``,
``--speaker NAME``, ``--round N``) is a :class:`ScopeSpec`: plain strings, saved with a
query as they were typed. :func:`resolve_scope` checks it against the
project and returns a :class:`Scope`. Every name that matches nothing is a
one-line error naming the choices, so a typo never silently empties a table.

A ``--where`` on ``speaker.KEY`` (``--where speaker.role=manager``) is on
a participant's own attribute (see :mod:`codebench.participants`): it keeps
what those participants say, and the transcripts they speak in.

Rules: several ``--where`` all hold; ``key!=value`` keeps transcripts that
have the attribute with another value (a transcript without it is not
known to differ); ``--transcripts`` and ``--where`` both hold; attribute
names, values, transcript and speaker names match without regard to case.
``--round N`` (a reliability round, by number or name) keeps the round's
sample transcripts and counts the round's coders (``--coders`` may name some
of them, never others), so a table of a round shows what was coded for it.
Coders otherwise follow the reports' rule (:func:`codebench.reports.scope.select_coders`):
by default the consensus coder when it is done on every transcript in scope, else every
human coder pooled (the note says which, and why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError
from codebench.models import Transcript
from codebench.participants import SPEAKER_PREFIX, bare_key, is_speaker_key
from codebench.reports.scope import CoderSelection, select_coders
from codebench.store import analysis as analysis_sql
from codebench.store import participants as participant_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.reports.coded_units import CodedUnits

#: Choices listed in an error message before "and N more".
MAX_CHOICES = 12


class ScopeError(CodebenchError):
    """A scope names an attribute, value, transcript, coder or speaker the project lacks."""


@dataclass(frozen=True)
class Condition:
    """One ``--where``: ``key=value`` or ``key!=value``."""

    key: str
    value: str
    negate: bool = False

    @classmethod
    def parse(cls, text: str) -> Condition:
        if "!=" in text:
            key, _, value = text.partition("!=")
            negate = True
        elif "=" in text:
            key, _, value = text.partition("=")
            negate = False
        else:
            raise ScopeError(f"--where {text!r}: write KEY=VALUE or KEY!=VALUE (role=commissioner)")
        key, value = key.strip(), value.strip()
        if not key or not value:
            raise ScopeError(f"--where {text!r}: write KEY=VALUE or KEY!=VALUE (role=commissioner)")
        return cls(key, value, negate)

    def __str__(self) -> str:
        return f"{self.key}{'!=' if self.negate else '='}{self.value}"


def split_list(values: Sequence[str]) -> list[str]:
    """``("a,b", "c")`` → ``["a", "b", "c"]``: repeated and comma-separated options alike."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class ScopeSpec:
    """A scope as typed (see the module docstring); ``to_dict`` is how it is saved."""

    where: tuple[str, ...] = ()
    transcripts: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    #: The round (its number or name, as typed), at most one: ``()`` for none.
    round: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        where: Sequence[str] = (),
        transcripts: Sequence[str] = (),
        coders: Sequence[str] = (),
        speakers: Sequence[str] = (),
        round: str | None = None,
    ) -> ScopeSpec:
        return cls(
            tuple(w.strip() for w in where if w.strip()),
            tuple(split_list(transcripts)),
            tuple(split_list(coders)),
            tuple(s.strip() for s in speakers if s.strip()),
            (str(round).strip(),) if round is not None and str(round).strip() else (),
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in vars(self).items() if v}

    def as_options(self) -> str:
        """The scope as the command-line options that give it (shell-quoted), for a
        suggested command that must count what the page counted:
        ``--where role=commissioner --coder alice``."""
        import shlex

        options = [
            *(f"--where {shlex.quote(w)}" for w in self.where),
            *(
                [f"--transcripts {shlex.quote(','.join(self.transcripts))}"]
                if self.transcripts
                else []
            ),
            *(f"--coder {shlex.quote(c)}" for c in self.coders),
            *(f"--speaker {shlex.quote(s)}" for s in self.speakers),
            *(f"--round {shlex.quote(r)}" for r in self.round),
        ]
        return " ".join(options)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScopeSpec:
        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ScopeError(f"a saved scope's {key!r} is not a list of names")
            return tuple(value)

        rounds = strings("round")
        if len(rounds) > 1:
            raise ScopeError("a saved scope names more than one round")
        return cls(
            strings("where"),
            strings("transcripts"),
            strings("coders"),
            strings("speakers"),
            rounds,
        )

    def merged(self, other: ScopeSpec) -> ScopeSpec:
        """This scope with ``other``'s parts added (a saved query's scope plus the command line's)."""
        return ScopeSpec(
            self.where + other.where,
            self.transcripts + other.transcripts,
            other.coders or self.coders,
            self.speakers + other.speakers,
            other.round or self.round,
        )


@dataclass(frozen=True)
class Scope:
    """A resolved scope: the transcripts in it, the coders counted, the speakers kept."""

    spec: ScopeSpec
    #: Transcripts in scope, in the project's order (by name).
    transcripts: list[Transcript]
    selection: CoderSelection
    #: Exact speaker names kept (``None``: every speaker, and segments without one).
    speakers: tuple[str, ...] | None = None
    #: Whether every transcript of the project is in scope.
    everything: bool = True
    conditions: list[Condition] = field(default_factory=list)

    #: Participants ``(transcript id, speaker)`` kept by ``speaker.KEY`` conditions (``None``: all).
    participants: frozenset[tuple[int, str]] | None = None
    #: The round's own sentence (:meth:`~codebench.design.rounds.Round.describe`) under ``--round``.
    round_note: str | None = None

    @property
    def restricts_speakers(self) -> bool:
        """Whether only some speakers' segments are in scope (``--speaker`` or ``speaker.KEY``)."""
        return self.speakers is not None or self.participants is not None

    @property
    def report_selection(self) -> CoderSelection:
        """The coders counted, their note carrying the scope's (round, conditions, speakers),
        for a report to print whose codings of what it counts."""
        from dataclasses import replace

        notes = [
            n
            for n in self.notes[1:]
            if n.startswith(("Round ", "Scope:", "Speakers:", "Only what the"))
        ]
        return replace(self.selection, note=" ".join([self.selection.note, *notes]))

    @property
    def transcript_ids(self) -> list[int]:
        return [t.id for t in self.transcripts]

    @property
    def transcript_filter(self) -> list[int] | None:
        """Transcript ids to restrict a read to (``None``: all of them, no filter needed)."""
        return None if self.everything else self.transcript_ids

    @property
    def notes(self) -> list[str]:
        notes = [self.selection.note]
        if self.round_note:
            notes.append(self.round_note)
        parts = [str(c) for c in self.conditions]
        if self.spec.transcripts:
            parts.append("transcripts " + ", ".join(self.spec.transcripts))
        if parts:
            notes.append(
                f"Scope: {'; '.join(parts)} ({plural(len(self.transcripts), 'transcript')})."
            )
        if self.speakers is not None:
            notes.append("Speakers: " + ", ".join(self.speakers) + ".")
        if self.participants is not None:
            notes.append(
                f"Only what the {plural(len(self.participants), 'participant')} matching the speaker.* "
                "conditions say is counted."
            )
        return notes


def resolve_scope(project: Project, spec: ScopeSpec | None = None) -> Scope:
    """Check ``spec`` against ``project`` (see the module docstring)."""
    spec = spec or ScopeSpec()
    every = project.transcripts()
    chosen = list(every)
    conditions = [Condition.parse(w) for w in spec.where]
    on_speakers = [c for c in conditions if is_speaker_key(c.key)]
    for condition in conditions:
        if condition not in on_speakers:
            chosen = _apply(condition, every, chosen)
    participants = None
    if on_speakers:
        participants = _participants(project, on_speakers, {t.id for t in chosen})
        chosen = [t for t in chosen if any(p[0] == t.id for p in participants)]
    if spec.transcripts:
        named = {t.id for t in _named_transcripts(every, spec.transcripts)}
        chosen = [t for t in chosen if t.id in named]
    coder_names: list[str] | None = list(spec.coders) or None
    round_note = None
    if spec.round:
        from codebench.design.rounds import get_round, round_coder_names, round_transcripts

        round_ = get_round(project, spec.round[0])
        in_round = {t.id for t in round_transcripts(project, round_)}
        chosen = [t for t in chosen if t.id in in_round]
        coder_names = round_coder_names(round_, coder_names)
        round_note = round_.describe()
    selection = select_coders(project, coder_names)
    everything = len(chosen) == len(every)
    speakers = None
    if spec.speakers:
        known = analysis_sql.speaker_names(
            project.db, None if everything else [t.id for t in chosen]
        )
        by_fold: dict[str, list[str]] = {}
        for name in known:
            by_fold.setdefault(name.casefold(), []).append(name)
        found: list[str] = []
        for typed in spec.speakers:
            if typed.casefold() not in by_fold:
                raise ScopeError(
                    f"no speaker {typed!r} in the transcripts in scope (speakers: {choices(known)})"
                )
            found += [n for n in by_fold[typed.casefold()] if n not in found]
        speakers = tuple(found)
    return Scope(
        spec, chosen, selection, speakers, everything, conditions, participants, round_note
    )


def _apply(
    condition: Condition, every: list[Transcript], chosen: list[Transcript]
) -> list[Transcript]:
    keys = sorted({k for t in every for k in t.attributes})
    key = next((k for k in keys if k.casefold() == condition.key.casefold()), None)
    if key is None:
        raise ScopeError(
            f"--where {condition}: no attribute {condition.key!r} (attributes: {choices(keys)})"
        )
    values = sorted({t.attributes[key] for t in every if key in t.attributes})
    wanted = condition.value.casefold()
    if not any(v.casefold() == wanted for v in values):
        raise ScopeError(
            f"--where {condition}: no transcript has {key}={condition.value!r} "
            f"(values of {key}: {choices(values)})"
        )

    def keep(t: Transcript) -> bool:
        if key not in t.attributes:
            return False
        same = t.attributes[key].casefold() == wanted
        return not same if condition.negate else same

    return [t for t in chosen if keep(t)]


def _participants(
    project: Project, conditions: Sequence[Condition], transcript_ids: set[int]
) -> frozenset[tuple[int, str]]:
    """Participants of ``transcript_ids`` meeting every ``speaker.KEY`` condition."""
    values = participant_sql.speaker_attributes(project.db)
    keys = sorted({k for v in values.values() for k in v}, key=str.casefold)
    kept = {pair for pair in values if pair[0] in transcript_ids}
    for condition in conditions:
        wanted_key = bare_key(condition.key)
        key = next((k for k in keys if k.casefold() == wanted_key.casefold()), None)
        if key is None:
            shown = [SPEAKER_PREFIX + k for k in keys]
            raise ScopeError(
                f"--where {condition}: no participant attribute {wanted_key!r} "
                f"(attributes: {choices(shown)}; set them with codebench speakers import)"
            )
        known = sorted({v[key] for v in values.values() if key in v}, key=str.casefold)
        wanted = condition.value.casefold()
        if not any(v.casefold() == wanted for v in known):
            raise ScopeError(
                f"--where {condition}: no participant has {key}={condition.value!r} "
                f"(values of {SPEAKER_PREFIX}{key}: {choices(known)})"
            )

        kept = {
            pair
            for pair in kept
            if key in values[pair] and (values[pair][key].casefold() == wanted) != condition.negate
        }
    return frozenset(kept)


def speaker_segments(project: Project, scope: Scope) -> list[int] | None:
    """Ids of the segments the scope's speakers say (``None``: every segment, no speaker scope).

    ``--speaker`` names and ``speaker.KEY`` conditions both hold when both are given.
    """
    if not scope.restricts_speakers:
        return None
    found: set[int] | None = None
    if scope.speakers is not None:
        found = set(
            analysis_sql.segments_of_speakers(project.db, scope.speakers, scope.transcript_filter)
        )
    if scope.participants is not None:
        spoken = set(
            participant_sql.segments_of_participants(project.db, sorted(scope.participants))
        )
        found = spoken if found is None else found & spoken
    return sorted(found or ())


def _named_transcripts(every: list[Transcript], names: Sequence[str]) -> list[Transcript]:
    by_name = {t.name.casefold(): t for t in every}
    by_source = {t.source_name.casefold(): t for t in every}
    out = []
    for name in names:
        found = by_name.get(name.casefold()) or by_source.get(name.casefold())
        if found is None:
            raise ScopeError(
                f"--transcripts: no transcript {name!r} (transcripts: {choices([t.name for t in every])})"
            )
        out.append(found)
    return out


def choices(names: Sequence[str]) -> str:
    """``a, b, c`` (at most :data:`MAX_CHOICES`, then "and N more"); ``none`` for none."""
    names = list(names)
    if not names:
        return "none"
    shown = ", ".join(names[:MAX_CHOICES])
    more = len(names) - MAX_CHOICES
    return shown + (f", and {more} more" if more > 0 else "")


def report_units(
    project: Project, scope: Scope, *, speakers: bool = False, words: bool = False
) -> CodedUnits:
    """The reports' coded units for ``scope``'s transcripts and coders, its note on every report.

    A speaker scope (``--speaker``, ``speaker.KEY``) keeps only those
    speakers' segments: a coding counts where it overlaps one of them.
    """
    from codebench.reports.coded_units import build_units

    selection = scope.report_selection
    voices: set[tuple[int, str]] | None = None
    if scope.participants is not None:
        voices = set(scope.participants)
        if scope.speakers is not None:
            voices = {v for v in voices if v[1] in scope.speakers}
    elif scope.speakers is not None:
        voices = {(t.id, name) for t in scope.transcripts for name in scope.speakers}
    return build_units(
        project,
        selection,
        speakers=speakers,
        words=words,
        transcripts=scope.transcripts,
        voices=voices,
    )
