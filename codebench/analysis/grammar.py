"""The coding-query language: a tokenizer and a recursive-descent parser.

A query names codes and combines the segments they code::

    query    := either
    either   := both ( "|" both )*                 # segments in either side
    both     := near ( "&" near )*                 # segments in both sides
    near     := unary ( PROXIMITY unary )*         # left to right
    unary    := "!" unary | "(" query ")" | CODE
    PROXIMITY:= "near:N" | "followed-by:N" | "within:turn" | "within:paragraph"
    CODE     := a number (04.2, 4.2, 10) | a GUID | a name fragment (Commissioning,
                "Disadvantages of the ethos") ; any of them + ".*" for the code
                and its descendants (13.*)

``!`` binds tightest, then the proximity operators, then ``&``, then ``|``;
parentheses group. Words are separated by spaces or by the operator
characters ``( ) & | !``; a name with spaces or operator characters is
quoted with double quotes (``""`` inside quotes is one quote).

The parser knows nothing about a project: it returns a tree of
:class:`Node` values whose :class:`CodeRef` leaves a project resolves
later (:mod:`codebench.analysis.query`). Errors are :class:`QueryError`,
whose message names the query and the column (counted from 1) where it
went wrong: ``04.2 & & 10: expected a code at column 8``.
"""

from __future__ import annotations

from dataclasses import dataclass

from codebench.errors import CodebenchError
from codebench.wording import plural

#: Longest query accepted (a typed query is a line; a longer one is a mistake or an attack).
MAX_QUERY = 4_000
#: Deepest nesting of parentheses and ``!`` accepted (recursion stays far from Python's limit).
MAX_DEPTH = 64
#: Largest distance a proximity operator accepts.
MAX_DISTANCE = 10_000
#: Characters that end a bare word.
_BREAKS = frozenset('()&|!"')
#: Proximity operators that take a distance, and those that name a unit.
DISTANCE_OPERATORS = ("near", "followed-by")
UNIT_OPERATORS = {"within": ("turn", "paragraph")}


class QueryError(CodebenchError):
    """A query that does not parse, or names a code the project does not have."""


@dataclass(frozen=True)
class CodeRef:
    """A code as typed: ``text`` (without ``.*``), whether it asks for descendants, and where."""

    text: str
    descendants: bool
    column: int


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True)
class Near:
    """Segments of ``left`` and ``right`` at most ``distance`` segments apart, and those between."""

    left: Node
    right: Node
    distance: int


@dataclass(frozen=True)
class FollowedBy:
    """A ``left`` segment, then a ``right`` one 1 to ``distance`` segments later, and those between."""

    left: Node
    right: Node
    distance: int


@dataclass(frozen=True)
class Within:
    """``left`` and ``right`` in the same ``unit`` (a speaker turn or a paragraph)."""

    left: Node
    right: Node
    unit: str


Node = CodeRef | Not | And | Or | Near | FollowedBy | Within


@dataclass(frozen=True)
class Token:
    #: ``code``, ``(``, ``)``, ``&``, ``|``, ``!``, ``prox`` or ``end``.
    kind: str
    text: str
    column: int
    #: For ``code``: quoted (always a name fragment). For ``prox``: the operator's name.
    quoted: bool = False
    operator: str = ""
    argument: str = ""


def tokenize(query: str) -> list[Token]:
    """Split ``query`` into tokens (the last is ``end``)."""
    if len(query) > MAX_QUERY:
        raise QueryError(
            f"the query is {plural(len(query), 'character')} long (at most {MAX_QUERY:,})"
        )
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()&|!":
            tokens.append(Token(ch, ch, i + 1))
            i += 1
            continue
        if ch == '"':
            text, end = _quoted(query, i)
            tokens.append(Token("code", text, i + 1, quoted=True))
            i = end
            continue
        start = i
        while i < n and not query[i].isspace() and query[i] not in _BREAKS:
            i += 1
        word = query[start:i]
        tokens.append(_word(query, word, start + 1))
    tokens.append(Token("end", "", n + 1))
    return tokens


def _quoted(query: str, start: int) -> tuple[str, int]:
    """The text of the quoted name starting at ``start`` and the index after its closing quote."""
    out: list[str] = []
    i = start + 1
    while i < len(query):
        if query[i] == '"':
            if i + 1 < len(query) and query[i + 1] == '"':
                out.append('"')
                i += 2
                continue
            text = "".join(out)
            if not text.strip():
                raise QueryError(f"{query}: empty quoted name at column {start + 1}")
            return text, i + 1
        out.append(query[i])
        i += 1
    raise QueryError(f"{query}: unclosed quote at column {start + 1}")


def _word(query: str, word: str, column: int) -> Token:
    """A bare word: a proximity operator (``near:2``) or a code."""
    name, colon, argument = word.partition(":")
    folded = name.casefold()
    if colon and folded in DISTANCE_OPERATORS:
        if not argument.isdigit() or not argument.isascii():
            raise QueryError(
                f"{query}: {name}: needs a number of segments (like {name}:2) at column {column}"
            )
        if int(argument) > MAX_DISTANCE:
            raise QueryError(
                f"{query}: {name}:{argument} is too far (at most {MAX_DISTANCE:,}) at column {column}"
            )
        if folded == "followed-by" and int(argument) < 1:
            raise QueryError(f"{query}: followed-by: needs at least 1 at column {column}")
        return Token("prox", word, column, operator=folded, argument=argument)
    if colon and folded in UNIT_OPERATORS:
        units = UNIT_OPERATORS[folded]
        if argument.casefold() not in units:
            raise QueryError(
                f"{query}: {name}: takes {' or '.join(units)} (like {name}:{units[0]}) at column {column}"
            )
        return Token("prox", word, column, operator=folded, argument=argument.casefold())
    return Token("code", word, column)


def parse(query: str) -> Node:
    """The tree of ``query`` (see the module docstring for the grammar)."""
    if not query.strip():
        raise QueryError("the query is empty: name a code, like 12 or 04.2 & 10")
    return _Parser(query, tokenize(query)).parse()


class _Parser:
    def __init__(self, query: str, tokens: list[Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def error(self, what: str, token: Token | None = None) -> QueryError:
        token = token or self.token
        found = "the end" if token.kind == "end" else repr(token.text)
        return QueryError(f"{self.query}: {what} at column {token.column} (found {found})")

    def parse(self) -> Node:
        node = self.either()
        if self.token.kind != "end":
            if self.token.kind == ")":
                raise self.error("unmatched ')'")
            if self.token.kind == "!":
                # ``!`` negates what follows it; it does not join two codes.
                raise self.error("expected an operator before '!' (as in 12 & !13)")
            raise self.error(
                "expected an operator between codes (&, |, near:N, followed-by:N or within:turn)"
            )
        return node

    def either(self) -> Node:
        node = self.both()
        while self.token.kind == "|":
            self.at += 1
            node = Or(node, self.both())
        return node

    def both(self) -> Node:
        node = self.near()
        while self.token.kind == "&":
            self.at += 1
            node = And(node, self.near())
        return node

    def near(self) -> Node:
        node = self.unary()
        while self.token.kind == "prox":
            op = self.token
            self.at += 1
            right = self.unary()
            if op.operator == "near":
                node = Near(node, right, int(op.argument))
            elif op.operator == "followed-by":
                node = FollowedBy(node, right, int(op.argument))
            else:
                node = Within(node, right, op.argument)
        return node

    def unary(self) -> Node:
        token = self.token
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested too deeply (at most {MAX_DEPTH} levels)")
        try:
            if token.kind == "!":
                self.at += 1
                return Not(self.unary())
            if token.kind == "(":
                self.at += 1
                node = self.either()
                if self.token.kind != ")":
                    raise self.error(f"unclosed '(' (column {token.column}): expected ')'")
                self.at += 1
                return node
            if token.kind == "code":
                self.at += 1
                return _code_ref(self.query, token)
            raise self.error("expected a code")
        finally:
            self.depth -= 1


def _code_ref(query: str, token: Token) -> CodeRef:
    text = token.text
    descendants = False
    if not token.quoted and text.endswith(".*"):
        text, descendants = text[:-2], True
        if not text:
            raise QueryError(f"{query}: '.*' needs a code before it at column {token.column}")
    if not token.quoted and "*" in text:
        # Point at the stray star itself (13.*.* at column 4), not at the word's start.
        column = token.column + text.index("*")
        raise QueryError(
            f"{query}: '*' only ends a code, once, as in 13.* (the code and its descendants)"
            f" at column {column}"
        )
    return CodeRef(text, descendants, token.column)


def leaves(node: Node) -> list[CodeRef]:
    """Every code reference in ``node``, left to right."""
    if isinstance(node, CodeRef):
        return [node]
    if isinstance(node, Not):
        return leaves(node.operand)
    return [*leaves(node.left), *leaves(node.right)]


def positive_leaves(node: Node, negated: bool = False) -> list[CodeRef]:
    """The code references not under a ``!`` (the codes a matching passage carries)."""
    if isinstance(node, CodeRef):
        return [] if negated else [node]
    if isinstance(node, Not):
        return positive_leaves(node.operand, not negated)
    return [*positive_leaves(node.left, negated), *positive_leaves(node.right, negated)]
