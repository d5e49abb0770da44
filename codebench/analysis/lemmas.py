"""Every inflection of a word, from spaCy's English lemma lookup table (no model download).

The table comes from the spacy-lookups-data package (the ``lemmas`` extra),
through spaCy's own lookups registry, and maps a word form to its lemma
(``commissioned`` → ``commission``). Searching by lemma needs the other
direction too: from a lemma to every form the table knows for it, so a search
for ``commissioning`` finds "commission", "commissioned", "commissions" and
"commissioning". Both directions are built once per process.

Only the lookup table is used, not a tagger, so a form the table gives one
lemma always goes with that lemma, whatever its part of speech in the text.
"""

from __future__ import annotations

from functools import lru_cache

from codebench.errors import CodebenchError

#: The table's language (the project's transcripts are English interviews).
LANGUAGE = "en"
MISSING = (
    "--lemma needs spaCy's English lemma tables, which are not installed:"
    " pip install 'codebench[lemmas]' (the spacy-lookups-data package)"
)


class LemmaTablesMissing(CodebenchError):
    """The lookup tables are not installed."""


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """``(form → lemma, lemma → forms)``, read once."""
    from spacy.util import load_language_data, registry

    if LANGUAGE not in registry.lookups:  # as spaCy itself checks: the package is missing
        raise LemmaTablesMissing(MISSING)
    found = registry.lookups.get(LANGUAGE)
    if "lemma_lookup" not in found:
        raise LemmaTablesMissing(MISSING)
    table = load_language_data(found["lemma_lookup"])
    if not isinstance(table, dict):
        raise LemmaTablesMissing(MISSING)
    lemma_of = {str(k).casefold(): str(v).casefold() for k, v in table.items()}
    forms: dict[str, set[str]] = {}
    for form, lemma in lemma_of.items():
        forms.setdefault(lemma, set()).add(form)
    return lemma_of, {k: frozenset(v) for k, v in forms.items()}


def available() -> bool:
    """Whether the lookup tables are installed."""
    try:
        _tables()
    except LemmaTablesMissing:
        return False
    return True


def lemma(word: str) -> str:
    """``word``'s lemma (case folded); the word itself when the table does not know it."""
    lemma_of, _ = _tables()
    folded = word.casefold()
    return lemma_of.get(folded, folded)


def inflections(word: str) -> list[str]:
    """Every form sharing ``word``'s lemma, the lemma and the word included (sorted, folded)."""
    _, forms = _tables()
    base = lemma(word)
    return sorted({base, word.casefold(), *forms.get(base, ())})
