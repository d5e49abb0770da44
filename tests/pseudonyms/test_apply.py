"""The mapping every output goes through: text, offsets, scopes, and plain data."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from codebench.pseudonyms.apply import Pseudonymiser, span_text
from codebench.pseudonyms.key import Entry, Key

TEXT = "Helen Marsh: Riverside Community Health grew. Helen's team at Riverside's base in Leeds.\n"


def _p(*entries: Entry, texts: dict[str, str] | None = None) -> Pseudonymiser:
    key = Key(list(entries))
    key.validate()
    return Pseudonymiser(key, texts.__getitem__ if texts else None)


KEY = (
    Entry("Helen Marsh", "[CEO]", first_name=True),
    Entry("Riverside", "[Org A]"),
    Entry("Riverside Community Health", "[Org A]"),
    Entry("Leeds", "[City]"),
)


def test_longest_first_possessives_kept_and_words_never_split() -> None:
    mapped = _p(*KEY).map_text(TEXT + "Helena and Leedsy and Riversideish stay.")
    assert mapped.text == (
        "[CEO]: [Org A] grew. [CEO]'s team at [Org A]'s base in [City].\n"
        "Helena and Leedsy and Riversideish stay."
    )
    assert [r.real for r in mapped.replacements] == [
        "Helen Marsh",
        "Riverside Community Health",
        "Helen",
        "Riverside",
        "Leeds",
    ]


def test_offsets_move_with_the_text_and_spans_inside_a_name_take_the_whole_label() -> None:
    mapped = _p(*KEY).map_text(TEXT)
    grew = TEXT.index("grew")
    assert mapped.text[mapped.start(grew) : mapped.end(grew + 4)] == "grew"
    assert mapped.start(0) == 0 and mapped.end(len(TEXT)) == len(mapped.text)
    # A span that starts and ends inside "Riverside Community Health" covers its label.
    inside = TEXT.index("Community")
    assert span_text(mapped, inside, inside + 4) == "[Org A]"
    # A span from inside one name to inside another covers both labels.
    assert span_text(mapped, 3, TEXT.index("Health") + 2) == "[CEO]: [Org A]"


def test_keep_shields_what_it_covers() -> None:
    p = _p(Entry("Westmoor", "[County]"), Entry("Westmoor Way", keep=True))
    assert p.text("Westmoor Way runs through Westmoor.") == "Westmoor Way runs through [County]."


def test_a_transcript_entry_applies_only_in_its_transcript() -> None:
    p = _p(Entry("Jo", "[Person 1]"), Entry("Jo", "[Nurse]", transcripts=("t2",)))
    assert p.text("Jo said", "t1") == "[Person 1] said"
    assert p.text("Jo said", "t2") == "[Nurse] said"
    assert p.text("Jo said") == "[Person 1] said"


def test_applying_twice_changes_nothing_more() -> None:
    p = _p(*KEY)
    once = p.text(TEXT)
    assert p.text(once) == once


@dataclass(frozen=True)
class _Quote:
    transcript: str
    start: int
    end: int
    text: str
    speaker: str
    attributes: dict[str, str]


def test_plain_data_records_are_mapped_with_their_offsets() -> None:
    p = _p(*KEY, texts={"int1": TEXT})
    start = TEXT.index("Helen's")
    end = TEXT.index(" base")
    quote = _Quote("int1", start, end, TEXT[start:end], "Helen Marsh", {"org": "Riverside"})
    mapped = p.value([quote, {"who": "Leeds", "Leeds": 3}])
    new = p.transcript_map("int1")
    q = mapped[0]
    assert q.text == "[CEO]'s team at [Org A]'s" == new.text[q.start : q.end]
    assert q.speaker == "[CEO]" and q.attributes == {"org": "[Org A]"}
    assert mapped[1] == {"who": "[City]", "[City]": 3}
    assert quote.text == TEXT[start:end]  # the original is untouched


words = st.sampled_from(["Ann", "Lee", "Ann Lee", "Leeds", "the", "Annex", "and", ".", "'s"])


@given(st.lists(words, max_size=30), st.data())
def test_any_span_maps_to_a_span_of_the_new_text_in_order(parts: list[str], data) -> None:
    text = " ".join(parts)
    p = _p(Entry("Ann Lee", "[P1]", first_name=True), Entry("Leeds", "[Place]"))
    mapped = p.map_text(text)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    s, e = mapped.span(a, b)
    assert 0 <= s <= e <= len(mapped.text)
    assert mapped.start(a) <= mapped.start(b)
    assert "Ann" not in mapped.text.replace("Annex", "")
    assert p.text(mapped.text) == mapped.text
