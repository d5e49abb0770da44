"""Who owns what on a team copy: the one guard every user's write passes.

On a team copy (a project published to or cloned from a hub) every row has
an owner: the lead owns the transcripts (their text, segments and
attributes), the codebook, assignments, samples and rounds, the study
tables and adjudication; each coder owns their codings, memos and statuses.
The hub refuses a write to rows the writer does not own, so such a write
made in a copy could never travel: it would only make this copy differ
from everyone else's. So it is refused here, before it is committed.

Every change a user makes is logged in the event log inside the
transaction that makes it (:func:`codebench.store.events.log`), so that is
where the guard runs: refusing raises inside the unit of work, which rolls
back whole. A pull applies the hub's rows without logging events, so the
lead's work arriving in a coder's copy never meets the guard. A project
that is no team copy is untouched (one settings lookup per logged action).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError
from codebench.store.settings import get_meta

if TYPE_CHECKING:
    import sqlite_utils

#: The team settings the guard reads (written by :mod:`codebench.team.sync`, same keys).
ROLE = "team.role"
CODER = "team.coder"
LOGIN = "team.login"
#: GUIDs of the coders this copy pushes for (noted at clone and at each sync).
OWNED = "team.owned"
#: GUIDs of the coders other members code as, noted at each sync (a lead's copy).
OTHERS = "team.others"

#: What the lead owns, by the action that writes it: what it is, and what to ask for.
_TRANSCRIPTS = "transcripts (their text, segments and attributes)"
_CODEBOOK = ("the codebook", "ask the lead to change it")
_ROUNDS = ("samples and rounds", "ask the lead to draw or change them")
LEAD_ACTIONS: dict[str, tuple[str, str]] = {
    "transcript.import": (_TRANSCRIPTS, "ask the lead to import it"),
    "transcript.correct": (_TRANSCRIPTS, "ask the lead to correct it"),
    "transcript.remove": (_TRANSCRIPTS, "ask the lead to remove it"),
    "project.import": (_TRANSCRIPTS, "ask the lead to import it"),
    "attributes.set": (_TRANSCRIPTS, "ask the lead to set them"),
    "attributes.import": (_TRANSCRIPTS, "ask the lead to set them"),
    "speakers.import": ("participants' attributes", "ask the lead to import them"),
    "code.add": _CODEBOOK,
    "code.edit": _CODEBOOK,
    "code.move": _CODEBOOK,
    "code.merge": _CODEBOOK,
    "code.archive": _CODEBOOK,
    "code.restore": _CODEBOOK,
    "codebook.import": _CODEBOOK,
    "codebook.load": _CODEBOOK,
    "relation.add": ("code relations", "ask the lead to change them"),
    "relation.remove": ("code relations", "ask the lead to change them"),
    "assignment.set": ("assignments", "ask the lead to assign"),
    "sample.draw": _ROUNDS,
    "round.start": _ROUNDS,
    "round.close": _ROUNDS,
    "round.delete": _ROUNDS,
    "framework.set": ("framework cells", "ask the lead to write it"),
    "consensus.decide": ("adjudication", "the lead decides disagreements"),
    "consensus.seed": ("adjudication", "the lead decides disagreements"),
}
#: Actions on a coder's own rows: the event's coder (a memo's author) must be this copy's.
CODER_ACTIONS = {
    "coding.add": "codings",
    "coding.remove": "codings",
    "memo.add": "memos",
    "memo.edit": "memos",
    "memo.delete": "memos",
    "status.set": "statuses",
}


class NotYours(CodebenchError):
    """A write, on a team copy, to rows another person owns (the hub would refuse it)."""


def check(
    db: sqlite_utils.Database, action: str, payload: dict[str, Any], coder_id: int | None
) -> None:
    """Refuse ``action`` on a team copy whose role does not own what it writes.

    An undo or a redo writes what the action it reverts wrote, so it is
    judged as that action.
    """
    role = get_meta(db, ROLE)
    if role is None:
        return
    if action in ("undo", "redo"):
        action = str(payload.get("action") or "")
    lead = LEAD_ACTIONS.get(action)
    if lead is not None and role != "lead":
        what, ask = lead
        raise NotYours(f"{_where(db)}: this is {_me(db)}'s team copy: the lead owns {what}; {ask}")
    noun = CODER_ACTIONS.get(action)
    if noun is None:
        return
    owner = _memo_author(db, payload, coder_id) if noun == "memos" else coder_id
    if owner is None or _owns(db, role, owner):
        return
    name = _coder_name(db, owner)
    raise NotYours(
        f"{_where(db)}: this is {_me(db)}'s team copy: {noun} by {name} belong to {name}; "
        f"ask {name} to change them in {name}'s own copy"
    )


def _owns(db: sqlite_utils.Database, role: str, coder_id: int) -> bool:
    """A coder's copy owns exactly the coders it pushes for (``team.owned``); a lead's, every
    coder no other member codes as (the lead, the consensus coder, a coder without a login,
    one made since the last sync). A copy that has not noted either yet is not second-guessed."""
    if role != "lead":
        owned = get_meta(db, OWNED)
        return owned is None or _listed(db, owned, coder_id)
    others = get_meta(db, OTHERS)
    return not others or not _listed(db, others, coder_id)


def _listed(db: sqlite_utils.Database, guids: str, coder_id: int) -> bool:
    """Whether coder ``coder_id``'s GUID is in ``guids`` (a JSON list)."""
    row = db.execute(
        "SELECT 1 FROM coders, json_each(?) AS g WHERE coders.id = ? AND g.value = coders.guid",
        [guids, coder_id],
    ).fetchone()
    return row is not None


def _memo_author(
    db: sqlite_utils.Database, payload: dict[str, Any], coder_id: int | None
) -> int | None:
    """The author of the memo an event writes (an edit may be made by someone else)."""
    kept = payload.get("memo")
    guid = kept.get("author") if isinstance(kept, dict) else None
    if guid is None and payload.get("guid"):
        row = db.execute("SELECT author_id FROM memos WHERE guid = ?", [payload["guid"]]).fetchone()
        if row is not None:
            return int(row[0]) if row[0] is not None else None
    if guid is not None:
        row = db.execute("SELECT id FROM coders WHERE guid = ?", [guid]).fetchone()
        return int(row[0]) if row else None
    return coder_id


def _coder_name(db: sqlite_utils.Database, coder_id: int) -> str:
    row = db.execute("SELECT name FROM coders WHERE id = ?", [coder_id]).fetchone()
    return str(row[0]) if row else f"coder {coder_id}"


def _me(db: sqlite_utils.Database) -> str:
    return get_meta(db, CODER) or get_meta(db, LOGIN) or "another person"


def _where(db: sqlite_utils.Database) -> str:
    row = db.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()
    return str(row[0]) if row and row[0] else "this project"
