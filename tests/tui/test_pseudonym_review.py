"""The pseudonymisation review screen (F6): decisions land in the key file, as the CLI's do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from codebench.project import Project
from codebench.pseudonyms.detect import detect, speaker_roles
from codebench.pseudonyms.key import Entry, Key, default_key_path, load_key, save_key
from codebench.pseudonyms.review import Review
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.ask import AskModal, ChoiceModal
from codebench.tui.screens.pseudonyms import PseudonymReviewScreen

SECRET = "correct horse battery"
CEO = "01-riverside-ceo"
OTHER = "05-activelife-director"


def screen_lines(app: App[None]) -> list[str]:
    """Every line of the screen as drawn."""
    return ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]


def widget_text(app: App[None], selector: str) -> str:
    """The lines a widget occupies on screen, joined by spaces (wrapped text made whole again)."""
    region = app.screen.query_one(selector).region
    lines = screen_lines(app)[region.y : region.bottom]
    return " ".join(" ".join(line[region.x : region.right].split()) for line in lines)


def expected(project: Project, key: Key | None = None) -> Review:
    """The walk the screen should show: the same library call, headless."""
    return Review.start(key or Key([]), detect(project), by="alice", roles=speaker_roles(project))


async def open_review(app: CodebenchApp, pilot: Pilot) -> PseudonymReviewScreen:
    await pilot.press("f6")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, PseudonymReviewScreen)
    return screen


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_each_decision_is_written_to_the_key(
    size: tuple[int, int],
    tui_project: Project,
    tui_path: Path,
    run_headless: Callable[..., App[None]],
) -> None:
    walk = expected(tui_project)
    first, second, third = walk.candidates[:3]
    proposed = walk.proposed_label()
    key_path = default_key_path(tui_path)
    assert not key_path.exists()

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = await open_review(app, pilot)
        heading = widget_text(app, "#pseudo-heading")
        assert f"1 of {len(walk.candidates)}" in heading
        assert str(key_path) in widget_text(app, "#pseudo-key").replace(" ", "")  # folded, whole
        shown = widget_text(app, "#pseudo-candidate")
        assert first.text in shown and f"proposed label: {proposed}" in shown
        # The first occurrence in context, wrapped but whole, the candidate highlighted.
        occurrence = first.occurrences[0]
        o = occurrence
        context = " ".join(f"{o.where}: …{o.before}{o.match}{o.after}…".split())
        assert context in widget_text(app, "#pseudo-context")
        assert max(len(line.rstrip()) for line in screen_lines(app)) <= size[0]
        # The candidate is drawn highlighted (reverse video), wherever it falls on screen.
        strips = app.screen._compositor.render_strips()
        marked = [
            seg.text
            for strip in strips
            for seg in strip
            if seg.style is not None and seg.style.reverse and seg.text.strip()
        ]
        assert occurrence.match in " ".join(marked)

        await pilot.press("r")  # replace with the proposed label
        await pilot.pause()
        key = load_key(key_path)
        entry = key.entry_for(first.text)
        assert entry is not None and entry.label == proposed and entry.decided_by == "alice"
        assert screen.review is not None and screen.review.current == second
        assert f"saved: {first.text} → {proposed}" in widget_text(app, "#pseudo-log")

        await pilot.press("n")  # keep
        await pilot.pause()
        kept = load_key(key_path).entry_for(second.text)
        assert kept is not None and kept.keep and kept.decided_by == "alice"

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, AskModal)
        field = app.screen.query_one(Input)
        field.value = "[Someone Else]"
        await pilot.press("enter")
        await pilot.pause()
        edited = load_key(key_path).entry_for(third.text)
        assert edited is not None and edited.label == "[Someone Else]"

        # j/k/g/G move without deciding; the key does not change.
        before = key_path.read_bytes()
        await pilot.press("j", "j", "k")
        await pilot.pause()
        assert screen.review.position == 4
        await pilot.press("G")
        await pilot.pause()
        # (the walk is shorter now: a decided organisation took its short name with it)
        assert len(screen.review.candidates) < len(walk.candidates)
        assert screen.review.position == len(screen.review.candidates) - 1
        await pilot.press("g")
        await pilot.pause()
        assert screen.review.position == 0
        assert key_path.read_bytes() == before

        # A label that is not marked is refused: nothing recorded, the walk stays.
        fourth = screen.review.candidates[3]  # the walk as the decisions above left it
        await pilot.press("g", "j", "j", "j", "e")
        await pilot.pause()
        app.screen.query_one(Input).value = "Plain words"
        await pilot.press("enter")
        await pilot.pause()
        assert key_path.read_bytes() == before
        assert screen.review.current == fourth

        # For one transcript only.
        await pilot.press("t")
        await pilot.pause()
        if len(fourth.transcripts) > 1:
            assert isinstance(app.screen, ChoiceModal)
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, AskModal)
        app.screen.query_one(Input).value = "keep"
        await pilot.press("enter")
        await pilot.pause()
        scoped = load_key(key_path).entry_for(fourth.text, [fourth.transcripts[0]])
        assert scoped is not None and scoped.keep

    run_headless(lambda: make_app(tui_project, coder="alice"), script, size=size)
    assert len(load_key(key_path).entries) == 4


def test_a_bad_key_file_is_one_line_and_nothing_is_written(
    tui_project: Project, tui_path: Path, run_headless: Callable[..., App[None]]
) -> None:
    key_path = default_key_path(tui_path)
    key_path.write_text("format: codebench-pseudonyms\nentries: [\n", encoding="utf-8")
    before = key_path.read_bytes()

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = await open_review(app, pilot)
        problem = widget_text(app, "#pseudo-problem")
        assert "malformed YAML" in problem and key_path.name in problem.replace(" ", "")
        assert screen.review is None
        await pilot.press("r", "n", "e")
        await pilot.pause()
        assert isinstance(app.screen, PseudonymReviewScreen)

    run_headless(lambda: make_app(tui_project, coder="alice"), script, size=(80, 24))
    assert key_path.read_bytes() == before


def test_an_encrypted_key_asks_for_its_passphrase_and_stays_sealed(
    tui_project: Project,
    tui_path: Path,
    run_headless: Callable[..., App[None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("cryptography")
    monkeypatch.delenv("CODEBENCH_KEY_PASSPHRASE", raising=False)
    key_path = default_key_path(tui_path)
    save_key(Key([Entry("Nobody Here", "[Nobody]")], key_path), key_path, SECRET)
    walk = expected(tui_project, load_key(key_path, SECRET))
    first = walk.candidates[0]

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, AskModal)
        field = app.screen.query_one(Input)
        assert field.password  # masked
        field.value = "wrong"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AskModal)  # asked again, saying why
        assert "wrong passphrase" in widget_text(app, ".ask-problem")
        app.screen.query_one(Input).value = SECRET
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PseudonymReviewScreen)
        assert "(encrypted)" in widget_text(app, "#pseudo-key")
        await pilot.press("r")
        await pilot.pause()

    run_headless(lambda: make_app(tui_project, coder="alice"), script, size=(80, 24))
    assert "codebench-pseudonyms-encrypted" in key_path.read_text(encoding="utf-8")
    key = load_key(key_path, SECRET)
    assert key.entry_for(first.text) is not None and key.entry_for("Nobody Here") is not None


def test_the_palette_opens_the_review(
    tui_project: Project, run_headless: Callable[..., App[None]]
) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Pseudonymise")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PseudonymReviewScreen)

    run_headless(lambda: make_app(tui_project, coder="alice"), script, size=(80, 24))


def test_one_transcript_of_several_and_revisiting_decided_ones(
    tui_project: Project, tui_path: Path, run_headless: Callable[..., App[None]]
) -> None:
    """``t`` asks which transcript when a candidate is in several (here a memo in the second
    names the first one's speaker); ``a`` walks the decided candidates too, showing the decision."""
    tui_project.add_memo("alice", "Compare with what Helen Marsh said", transcript=OTHER)
    walk = expected(tui_project)
    index = next(i for i, c in enumerate(walk.candidates) if c.text == "Helen Marsh")
    helen = walk.candidates[index]
    assert helen.transcripts == [CEO, OTHER]
    key_path = default_key_path(tui_path)

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = await open_review(app, pilot)
        await pilot.press(*["j"] * index, "t")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)
        assert app.screen.choices == [CEO, OTHER]
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AskModal)
        app.screen.query_one(Input).value = "[Their chief executive]"
        await pilot.press("enter")
        await pilot.pause()
        scoped = load_key(key_path).entry_for("Helen Marsh", [OTHER])
        assert scoped is not None and scoped.label == "[Their chief executive]"
        assert load_key(key_path).entry_for("Helen Marsh") is None  # nothing project-wide
        await pilot.press("g", "r")  # decide the first project-wide, then walk everything
        await pilot.pause()
        first = walk.candidates[0]
        await pilot.press("a", "g")
        await pilot.pause()
        assert screen.everything and screen.review is not None
        assert screen.review.current == first
        assert f"decided by alice: → {walk.proposed_label()}" in widget_text(
            app, "#pseudo-candidate"
        )
        assert "every candidate" in widget_text(app, "#pseudo-heading")

    run_headless(lambda: make_app(tui_project, coder="alice"), script, size=(80, 24))
