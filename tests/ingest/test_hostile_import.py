"""`codebench import` on folders holding hostile and odd files, driven as a user would.

Each bad file must be one line on stderr naming it, the good files beside it
must still be imported, and the exit status must be non-zero.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli

GOOD = "Interviewer: How did it go?\nAnn Lee: It went well. We grew.\n"


def run(db: Path, *args: str):
    """``codebench import ARGS`` into ``db``, made first with ``codebench init`` as a user would."""
    if not db.exists():
        made = CliRunner().invoke(cli, ["-p", str(db), "init"], catch_exceptions=False)
        assert made.exit_code == 0, made.output
    return CliRunner().invoke(cli, ["-p", str(db), "import", *args], catch_exceptions=False)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def names(db: Path) -> list[str]:
    return [name for (name,) in rows(db, "SELECT name FROM transcripts ORDER BY name")]


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with two good interviews, ``a.txt`` and ``z.txt``."""
    path = tmp_path / "interviews"
    path.mkdir()
    (path / "a.txt").write_text(GOOD)
    (path / "z.txt").write_text(GOOD.replace("grew", "shrank"))
    return path


# --- 2. symbolic links out of a folder --------------------------------------------------


def test_a_folder_import_does_not_follow_links_out_of_the_folder(
    tmp_path: Path, folder: Path
) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd").write_text("Root: x:0:0:root:/root:/bin/bash\nDaemon: x:1:1::/:\n")
    (secret / "more.txt").write_text("Interviewer: Secret?\nBob: Yes it is.\n")
    (folder / "passwd.txt").symlink_to(secret / "passwd")
    (folder / "elsewhere").symlink_to(secret, target_is_directory=True)
    (folder / "inside.txt").symlink_to(folder / "a.txt")  # stays in the folder: followed
    db = tmp_path / "p.db"
    result = run(db, str(folder))
    assert result.exit_code == 0, result.output
    assert names(db) == ["a", "z"]
    assert not rows(db, "SELECT 1 FROM transcripts WHERE text LIKE '%root%'")
    assert f"skipped   {folder}/passwd.txt: a symbolic link to {secret}/passwd" in result.stdout
    assert f"skipped   {folder}/elsewhere: a symbolic link to a folder" in result.stdout
    assert "2 imported, 1 unchanged, 0 failed, 2 skipped" in result.stdout


def test_a_link_named_on_the_command_line_is_the_users_choice(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text(GOOD)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    db = tmp_path / "p.db"
    result = run(db, str(link))
    assert result.exit_code == 0, result.output
    assert names(db) == ["link"]


# --- 8. one bad file in the middle: the rest go on --------------------------------------


BAD_FILES = {
    "rtf-huge-escape": ("m.rtf", rb"{\rtf1\ansi Interviewer: Hi.\par Ann: a \u99999999? b.\par}"),
    "rtf-lone-surrogate": ("m.rtf", rb"{\rtf1\ansi Interviewer: Hi.\par Ann: a \u-10240? b.\par}"),
    "long-paragraph": (
        "m.txt",
        b"Interviewer: Hi.\nAnn: " + b"word " * 250_000 + b"\nInterviewer: Ok.\nAnn: Bye.\n",
    ),
    "nul-after-5kb": ("m.txt", b"Interviewer: Hi.\nAnn: " + b"We talked. " * 600 + b"\x00\n"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_in_the_middle_does_not_stop_the_others(
    tmp_path: Path, folder: Path, case: str
) -> None:
    name, data = BAD_FILES[case]
    (folder / name).write_bytes(data)
    db = tmp_path / "p.db"
    result = run(db, str(folder))
    assert "a" in names(db) and "z" in names(db), result.output
    if case.startswith("rtf"):
        # a broken escape is repaired (U+FFFD), not a reason to lose the interview
        assert result.exit_code == 0, result.output
        (text,) = rows(db, "SELECT text FROM transcripts WHERE name = 'm'")[0]
        assert "a \ufffd b." in text
    else:
        assert result.exit_code == 1
        (line,) = error_lines(result)
        assert line.startswith(f"Error: {name}: "), line
        assert "2 imported, 0 unchanged, 1 failed" in result.stdout


def test_a_file_name_that_is_not_utf8_is_imported_under_a_visible_name(
    tmp_path: Path, folder: Path
) -> None:
    odd = os.fsencode(folder) + b"/m\xff\xfe.txt"
    with open(odd, "wb") as handle:
        handle.write(b"Interviewer: Why?\nAnn: Because we could.\n")
    db = tmp_path / "p.db"
    result = run(db, str(folder))
    assert result.exit_code == 0, result.output
    assert names(db) == ["a", "m\\xff\\xfe", "z"]
    assert "imported  m\\xff\\xfe" in result.stdout
    assert rows(db, "SELECT source_name FROM transcripts WHERE name = 'm\\xff\\xfe'") == [
        ("m\\xff\\xfe.txt",)
    ]


def test_control_characters_in_a_file_name_are_made_visible(tmp_path: Path, folder: Path) -> None:
    (folder / "m\x1b[31m.txt").write_text("Interviewer: Why?\nAnn: Because we could.\n")
    db = tmp_path / "p.db"
    result = run(db, str(folder))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "m\u241b[31m" in names(db)


# --- 15. an unreadable subfolder is reported --------------------------------------------


def test_an_unreadable_subfolder_is_reported_and_the_rest_imported(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = folder / "locked"
    locked.mkdir()
    (locked / "hidden.txt").write_text(GOOD.replace("grew", "stalled"))
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            # Running as root: chmod does not stop reading, so make the listing
            # fail the way it does for everyone else.
            real_scandir = os.scandir

            def scandir(path):
                if Path(path) == locked:
                    raise PermissionError(13, "Permission denied", str(path))
                return real_scandir(path)

            monkeypatch.setattr(os, "scandir", scandir)
        db = tmp_path / "p.db"
        result = run(db, str(folder))
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1
    assert names(db) == ["a", "z"]
    message = f"Error: {locked}: cannot read this folder (Permission denied); the files in it"
    assert error_lines(result) == [message + " were not imported"]


# --- 6. encodings -----------------------------------------------------------------------


def test_every_file_not_in_utf8_is_listed_with_its_encoding(
    tmp_path: Path, folder: Path, hostile
) -> None:
    (folder / "ru.txt").write_bytes(hostile.russian.encode("cp1251"))
    (folder / "el.txt").write_bytes(hostile.greek.encode("cp1253"))
    db = tmp_path / "p.db"
    result = run(db, str(folder))
    assert result.exit_code == 0, result.output
    assert "encoding  ru.txt: cp1251 (detected" in result.stdout
    assert "encoding  el.txt: cp1253 (detected" in result.stdout
    assert "encoding  a.txt" not in result.stdout
    texts = dict(rows(db, "SELECT name, text FROM transcripts"))
    assert "Ольга Петрова" in texts["ru"] and "Μαρία Παπαδοπούλου" in texts["el"]


def test_encoding_option_forces_one(tmp_path: Path, hostile) -> None:
    path = tmp_path / "ru.txt"
    path.write_bytes(hostile.russian.encode("koi8-r"))
    db = tmp_path / "p.db"
    result = run(db, str(path), "--encoding", "KOI8_R")
    assert result.exit_code == 0, result.output
    assert "encoding  ru.txt: koi8-r (--encoding)" in result.stdout
    (text,) = rows(db, "SELECT text FROM transcripts")[0]
    assert "Ольга Петрова" in text


def test_an_unknown_encoding_is_one_line_and_nothing_is_imported(
    tmp_path: Path, folder: Path
) -> None:
    db = tmp_path / "p.db"
    result = run(db, str(folder), "--encoding", "zlib")
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        "Error: unknown text encoding 'zlib' (try utf-8, cp1252, cp1251, koi8-r, cp1253, latin-1)"
    ]
    assert names(db) == []


# --- 13 and 14. attributes: decoded like transcripts, checked before anything is stored ---


def test_a_bad_attributes_file_stops_the_import_before_any_transcript(
    tmp_path: Path, folder: Path
) -> None:
    sheet = tmp_path / "attributes.csv"
    sheet.write_text("transcript,role\na,ceo\n,nurse\n")
    db = tmp_path / "p.db"
    result = run(db, str(folder), "--attributes", str(sheet))
    assert result.exit_code == 1
    assert error_lines(result) == [
        f"Error: {sheet}:3: no transcript named in column 'transcript' (nothing was imported)"
    ]
    assert names(db) == []


def test_an_attributes_file_in_windows_1252_is_decoded(tmp_path: Path, folder: Path) -> None:
    sheet = tmp_path / "attributes.csv"
    sheet.write_bytes(
        "transcript,organisation,city\na,Société Générale,Orléans\nz,Crédit Agricole,Besançon\n"
        "".encode("cp1252")
    )
    db = tmp_path / "p.db"
    result = run(db, str(folder), "--attributes", str(sheet))
    assert result.exit_code == 0, result.output
    assert "encoding  attributes.csv: cp1252 (detected" in result.stdout
    values = rows(db, "SELECT key, value FROM attributes ORDER BY value")
    assert values == [
        ("city", "Besançon"),
        ("organisation", "Crédit Agricole"),
        ("city", "Orléans"),
        ("organisation", "Société Générale"),
    ]


def test_an_attributes_cell_past_the_csv_modules_limit(tmp_path: Path, folder: Path) -> None:
    sheet = tmp_path / "attributes.csv"
    note = "long " * 40_000  # 200,000 characters; the csv module stops at 131,072
    sheet.write_text(f'transcript,note,role\na,"{note}",ceo\n')
    db = tmp_path / "p.db"
    result = run(db, str(folder), "--attributes", str(sheet))
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT length(value) FROM attributes WHERE key = 'note'") == [
        (len(note.strip()),)
    ]
