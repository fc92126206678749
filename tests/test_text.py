"""The rules for typed text (grants/text.py): NFC, no hidden characters on one line, words counted as a person
counts them, a character cap for every word limit."""

from __future__ import annotations

import unicodedata

import pytest

from grants.domain import DomainError
from grants.text import (
    CHARS_PER_WORD,
    TextRefused,
    chars_for_words,
    clean_line,
    clean_text,
    normalise_email,
    one_line,
    word_count,
)

NFC_JOSE = "jos\u00e9@example.org"
NFD_JOSE = unicodedata.normalize("NFD", NFC_JOSE)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Saturday growing club", 3),
        ("one\u200btwo\u200bthree", 3),  # zero-width spaces separate words
        ("one\u2060two\ufeffthree", 3),  # word joiner and byte order mark too
        ("one\u00a0two\u3000three\u2003four", 4),  # no-break, ideographic and em spaces
        ("line\nbreak\ttab", 3),
        ("  ", 0),
        ("\u200b\u200b", 0),
        ("don't well-known", 2),
        ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", 1),  # Persian with a zero-width non-joiner: one word
        ("👨\u200d👩\u200d👧 family", 2),  # an emoji joined by ZWJ is one word
    ],
)
def test_words_are_counted_as_a_person_counts_them(text: str, words: int) -> None:
    assert word_count(text) == words


def test_twenty_thousand_words_joined_by_zero_width_spaces_are_twenty_thousand_words() -> None:
    assert word_count("\u200b".join(["word"] * 20_000)) == 20_000


def test_a_word_limit_allows_twelve_characters_a_word() -> None:
    assert CHARS_PER_WORD == 12 and chars_for_words(150) == 1800


@pytest.mark.parametrize(
    "text",
    [
        "Friends of\nElm Park",
        "Tab\there",
        "NUL\x00",
        "zero\u200bwidth",
        "\u202eevil right-to-left override",
        "byte order\ufeffmark",
        "line\u2028separator",
        "escape\x1b[31m",
    ],
)
def test_a_single_line_with_a_hidden_character_is_refused_with_a_message(text: str) -> None:
    with pytest.raises(TextRefused) as caught:
        clean_line(text, what="The name of your group", field="name")
    assert caught.value.message.startswith("The name of your group has a hidden character in it")
    assert caught.value.fields == ("name",)
    assert isinstance(caught.value, DomainError)


@pytest.mark.parametrize("text", ["", "   ", "\u3164", "\u2800\u2800", " \u00a0 "])
def test_a_single_line_of_nothing_that_shows_is_empty(text: str) -> None:
    assert clean_line(text) == ""


def test_a_single_line_is_nfc_and_trimmed() -> None:
    assert clean_line("  Caf" + "e\u0301 club ") == "Caf\u00e9 club"
    assert clean_line("Ünïcödé Group — ★") == "Ünïcödé Group — ★"


def test_longer_text_keeps_line_breaks_and_tabs_and_joiners_and_refuses_other_controls() -> None:
    assert clean_text("First line\r\nsecond\rthird\tend") == "First line\nsecond\nthird\tend"
    assert clean_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"
    for bad in ("NUL\x00", "bell\x07", "escape\x1b"):
        with pytest.raises(TextRefused):
            clean_text(bad, field="answer")


def test_an_email_typed_in_either_unicode_form_is_one_address() -> None:
    assert NFC_JOSE != NFD_JOSE
    assert normalise_email(NFD_JOSE) == normalise_email(" " + NFC_JOSE.upper() + " ") == NFC_JOSE


def test_a_header_value_is_cleaned_to_one_line() -> None:
    assert one_line("Friends of\nElm\u200b Park\u2028\r\n") == "Friends of Elm Park"
