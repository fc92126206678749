"""Text people type: the one home of the rules every form field and service applies to free text.

- Everything typed is NFC-normalised, so the same letters typed two ways ("é" as one character, or "e" and a
  combining accent) are the same text, the same name and the same email address.
- A single line (a name, a title, an email address) may not hold control characters (a line break, a tab, NUL)
  or format characters (zero-width spaces, right-to-left overrides, byte order marks): they are invisible, so
  they make look-alike names, break email headers and hide what a name really says. Such text is refused with a
  message, never silently changed. A line of nothing but spaces and invisible characters counts as empty.
- Longer text (answers, reasons, messages) may hold line breaks and tabs, never any other control character.
- Words are counted as a person would count them: any Unicode space, and any zero-width or other format
  character except the joiners that belong inside words (ZWJ, ZWNJ, soft hyphen), separates words.
- A word limit also caps characters: `chars_for_words(n)` is `n * CHARS_PER_WORD` (12: generous for English,
  where a word and its space average six characters), so a limit cannot be passed by one enormous "word".

Forms apply these through the validators in `grants.forms_fields`; services call them for anything that reaches
them another way (the command line, the demo). Email headers are cleaned (never refused) by `one_line`, as the
last guard where an email is built.
"""

from __future__ import annotations

import unicodedata

from grants.domain import DomainError

CHARS_PER_WORD = 12
MAX_WORD_LIMIT = 1000  # the longest word limit a round's question may have

# Characters of format category (Cf) that belong inside words: they join, they never separate.
_JOINERS = frozenset({"\u200c", "\u200d", "\u00ad"})
# Letters that show as nothing at all (Hangul and Braille fillers): a name of only these is empty.
_BLANK_LETTERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})
# Categories never allowed on one line: control, format, line and paragraph separators, lone surrogates.
_NOT_ON_ONE_LINE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# In longer text: only line breaks and tabs of the control characters; format characters are kept (they join
# emoji and shape Arabic, Persian and Indic scripts), and counted as word breaks where they are not joiners.
_ALLOWED_CONTROLS = frozenset({"\n", "\t"})

HIDDEN_CHARACTER = (
    "{what} has a hidden character in it (such as a zero-width space, a line break or a text-direction mark)."
    " Type it again without it"
)


class TextRefused(DomainError):
    """Typed text that breaks one of the rules above; `message` says what to do, for a person."""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _is_blank(ch: str) -> bool:
    return ch.isspace() or ch in _BLANK_LETTERS or unicodedata.category(ch) in ("Cf", "Cc")


def is_blank(text: str) -> bool:
    """True when nothing in `text` shows: only spaces, invisible characters and fillers (or nothing)."""
    return all(_is_blank(ch) for ch in text)


def hidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character that may not be in this kind of text, or None."""
    for ch in text:
        category = unicodedata.category(ch)
        if multiline:
            if (category == "Cc" and ch not in _ALLOWED_CONTROLS) or category == "Cs":
                return ch
        elif category in _NOT_ON_ONE_LINE:
            return ch
    return None


def clean_line(text: str | None, *, what: str = "This", field: str | None = None) -> str:
    """One line as typed, NFC and trimmed; "" if nothing in it shows. TextRefused (on `field`) if it holds a
    control or format character. `what` names it in the message ("The name of your group")."""
    value = nfc(text or "").strip()
    if is_blank(value):
        return ""
    if hidden_character(value) is not None:
        raise TextRefused(HIDDEN_CHARACTER.format(what=what), field)
    return value


def clean_text(text: str | None, *, what: str = "This", field: str | None = None) -> str:
    """Longer text as typed, NFC, with Windows and old Mac line ends as plain line breaks; "" if nothing in it
    shows. TextRefused (on `field`) if it holds a control character other than a line break or a tab."""
    value = nfc(text or "").replace("\r\n", "\n").replace("\r", "\n")
    if is_blank(value):
        return ""
    if hidden_character(value, multiline=True) is not None:
        raise TextRefused(HIDDEN_CHARACTER.format(what=what), field)
    return value


def _separates_words(ch: str) -> bool:
    return ch.isspace() or (unicodedata.category(ch) == "Cf" and ch not in _JOINERS)


def word_count(text: str) -> int:
    """Words as a person counts them: runs of characters between spaces (any kind) and zero-width breaks."""
    words = 0
    in_word = False
    for ch in text:
        if _separates_words(ch):
            in_word = False
        elif not in_word:
            in_word = True
            words += 1
    return words


def chars_for_words(word_limit: int) -> int:
    """The most characters an answer with this word limit may have."""
    return word_limit * CHARS_PER_WORD


def one_line(text: str) -> str:
    """A header value (a subject, a name inside one) on one line: control, format and separator characters become
    spaces and runs of spaces one space. Cleans rather than refuses: it is the last guard where an email is built."""
    shown = "".join(" " if unicodedata.category(ch) in _NOT_ON_ONE_LINE else ch for ch in nfc(text))
    return " ".join(shown.split())


def normalise_email(email: str) -> str:
    """An email address as we store and compare it: NFC, trimmed, in lower case."""
    return nfc(email).strip().lower()
