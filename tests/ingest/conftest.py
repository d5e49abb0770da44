"""Fixtures for the hostile and odd files the ingest tests feed in (all made in tmp_path)."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pytest

RUSSIAN = (
    "Интервьюер: Расскажите, пожалуйста, как устроена ваша работа в центре?\n"
    "Ольга Петрова: Мы работаем с пожилыми людьми уже десять лет. Каждый день к нам "
    "приходят около сорока человек, и мы стараемся помочь каждому. Финансирование всегда "
    "было проблемой, но в этом году стало особенно трудно.\n"
    "Интервьюер: Что изменилось после реорганизации?\n"
    "Ольга Петрова: Честно говоря, стало больше отчётов и меньше времени на людей.\n"
)
GREEK = (
    "Συνεντευκτής: Πείτε μου λίγα λόγια για τη δουλειά σας στο κέντρο.\n"
    "Μαρία Παπαδοπούλου: Δουλεύω εδώ δέκα χρόνια. Κάθε μέρα έρχονται περίπου σαράντα "
    "άτομα, και προσπαθούμε να βοηθήσουμε τον καθένα. Η χρηματοδότηση ήταν πάντα "
    "πρόβλημα, αλλά φέτος έγινε ιδιαίτερα δύσκολο.\n"
    "Συνεντευκτής: Τι άλλαξε μετά την αναδιοργάνωση;\n"
    "Μαρία Παπαδοπούλου: Ειλικρινά, περισσότερες αναφορές και λιγότερος χρόνος για τους "
    "ανθρώπους.\n"
)
FRENCH = (
    "Interviewer: Pouvez-vous décrire votre rôle au centre ?\n"
    "Hélène Dubois: Je travaille ici depuis dix ans. Chaque jour, une quarantaine de "
    "personnes âgées viennent nous voir, et nous essayons d'aider chacun. Le financement a "
    "toujours été un problème, mais cette année c'est particulièrement difficile.\n"
    "Interviewer: Qu'est-ce qui a changé après la réorganisation ?\n"
    "Hélène Dubois: Franchement, plus de rapports et moins de temps pour les gens — "
    "c’est épuisant.\n"
)


def docx_bytes(*paragraphs: tuple[str, str]) -> bytes:
    """A .docx with one paragraph per ``(bold speaker label, text)``."""
    import docx

    document = docx.Document()
    for label, text in paragraphs:
        paragraph = document.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, member: str, change) -> bytes:
    """The zip ``data`` with ``member``'s bytes replaced by ``change(old bytes)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info, change(body) if info.filename == member else body)
    return out.getvalue()


def declare_size(data: bytes, member: str, size: int) -> bytes:
    """The zip ``data`` with ``member``'s declared uncompressed size set to ``size``.

    Both the local header (offset 22) and the central directory entry
    (offset 24) are patched; the member's real bytes are unchanged.
    """
    raw = bytearray(data)
    name = member.encode()
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := raw.find(signature, start)) >= 0:
            length = int.from_bytes(raw[start + name_len_at : start + name_len_at + 2], "little")
            if raw[start + name_at : start + name_at + length] == name:
                raw[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    return bytes(raw)


@pytest.fixture
def hostile() -> SimpleNamespace:
    """Texts in three scripts and the .docx builders, for the tests in this folder."""
    return SimpleNamespace(
        russian=RUSSIAN,
        greek=GREEK,
        french=FRENCH,
        docx_bytes=docx_bytes,
        rewrite_member=rewrite_member,
        declare_size=declare_size,
    )
