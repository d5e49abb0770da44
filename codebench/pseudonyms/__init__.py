"""Reversible pseudonymisation applied at output.

The project's text, codings and agreement never change. Decisions (a real
string and its variants → a bracketed label, or "keep") live in a key file
kept outside the project (:mod:`~codebench.pseudonyms.key`); every output
that leaves the project can pass through one mapping
(:mod:`~codebench.pseudonyms.apply`) that rewrites the text and moves any
offsets onto the rewritten text. :mod:`~codebench.pseudonyms.detect`
proposes what to decide on; :mod:`~codebench.pseudonyms.log` writes the
anonymisation log; :mod:`~codebench.pseudonyms.check` looks for anything
that survived in an exported file.
"""

#: Where every front end looks for a sealed key's passphrase before asking for it.
PASSPHRASE_ENV = "CODEBENCH_KEY_PASSPHRASE"
