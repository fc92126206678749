"""The shared rule of typed text (a panel note, a message about a report, a quote)."""

import pytest

from grants.domain import DomainError, typed_text


def test_typed_text_comes_back_trimmed() -> None:
    assert typed_text("  hello  ", 5, "text", missing="Enter it", too_long="Too long") == "hello"


@pytest.mark.parametrize(("text", "message"), [("   ", "Enter it"), ("toolong", "Too long")])
def test_typed_text_refuses_nothing_or_too_much_on_its_field(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message) as caught:
        typed_text(text, 5, "quote", missing="Enter it", too_long="Too long")
    assert caught.value.fields == ("quote",)
