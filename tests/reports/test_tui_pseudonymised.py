"""The reports screen's export applies the project's pseudonymisation key when asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select

from codebench.project import Project
from codebench.pseudonyms.key import Entry, Key, default_key_path, save_key
from codebench.tui.screens.reports import DEFAULT_SCOPE, ExportModal, ReportsScreen

from .test_tui import SIZE, Host

SECRET = "a long passphrase"


def export_by_organisation(
    small: Project, out: Path, *, tick: bool, passphrase: str | None = None
) -> list[str]:
    """Export the codes-by-organisation table; return the notices the app showed."""
    app = Host(small, small.coder("alice"))
    notices: list[str] = []

    async def script() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.notify = lambda message, **_: notices.append(message)  # type: ignore[method-assign]
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            # The lead's view (every coder), not the blind default of alice's own codings.
            screen.query_one("#reports-scope", Select).value = DEFAULT_SCOPE
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("2")
            await pilot.pause()
            screen.query_one("#attribute-select", Select).value = "organisation"
            for _ in range(100):  # the table is recomputed in a worker: until it is the new one
                await pilot.pause()
                await app.workers.wait_for_complete()
                shown = screen.reports.get("by-attribute")
                if shown is not None and shown.attribute == "organisation":
                    break
            else:
                raise AssertionError("the by-organisation table never came")
            await pilot.press("e")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, ExportModal)
            modal.query_one("#export-format", Select).value = "csv"
            await pilot.pause()
            modal.query_one("#export-path", Input).value = str(out)
            modal.query_one(Checkbox).value = tick
            await pilot.click("#export-go")
            await pilot.pause()
            if passphrase is not None:
                field = app.screen.query_one(Input)
                assert field.password
                field.value = passphrase
                await pilot.press("enter")
                await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()

    asyncio.run(script())
    return notices


@pytest.mark.parametrize("sealed", [False, True])
def test_export_with_the_key(small: Project, tmp_path: Path, sealed: bool) -> None:
    if sealed:
        pytest.importorskip("cryptography")
    key_path = default_key_path(small.path)
    save_key(
        Key([Entry("Riverside", "[Org A]"), Entry("Westmoor", "[Org B]")], key_path),
        key_path,
        SECRET if sealed else None,
    )
    plain, shared = tmp_path / "plain.csv", tmp_path / "shared.csv"
    export_by_organisation(small, plain, tick=False)
    assert "Riverside" in plain.read_text(encoding="utf-8-sig")
    export_by_organisation(small, shared, tick=True, passphrase=SECRET if sealed else None)
    text = shared.read_text(encoding="utf-8-sig")
    assert "Riverside" not in text and "Westmoor" not in text
    # Each group keeps its size (2 transcripts at Riverside, 1 at Westmoor), under its label.
    assert ",organisation,[Org A],2," in text and ",organisation,[Org B],1," in text
    # The rest of the table is the same table.
    assert len(text.splitlines()) == len(plain.read_text(encoding="utf-8-sig").splitlines())


def test_a_bad_key_exports_nothing(small: Project, tmp_path: Path) -> None:
    default_key_path(small.path).write_text("format: [\n", encoding="utf-8")
    out = tmp_path / "shared.csv"
    notices = export_by_organisation(small, out, tick=True)
    assert not out.exists()
    assert any(n.startswith("Not exported:") and "malformed YAML" in n for n in notices), notices


def test_no_key_no_offer(small: Project) -> None:
    app = Host(small, small.coder("alice"))

    async def script() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, ExportModal)
            assert not app.screen.query(Checkbox)

    asyncio.run(script())
