"""The shared rule of an upload and of a stored file name (bids' attachments and reports' photos both use them)."""

import pytest

from grants.domain import DomainError
from grants.files import IMAGE_TYPES, check_upload, safe_filename

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _check(data: bytes) -> str:
    return check_upload(
        data, IMAGE_TYPES, max_bytes=100, field="photo", empty="empty", too_big="too big", wrong_kind="wrong"
    )


def test_an_allowed_file_gives_its_type_from_its_content() -> None:
    assert _check(PNG) == "image/png"


@pytest.mark.parametrize(("data", "message"), [(b"", "empty"), (PNG * 2, "too big"), (b"%PDF-1.4 hello", "wrong")])
def test_each_fault_has_its_own_message_on_the_field(data: bytes, message: str) -> None:
    with pytest.raises(DomainError, match=message) as caught:
        _check(data)
    assert caught.value.fields == ("photo",)


def test_a_stored_name_keeps_only_the_last_part_and_safe_characters() -> None:
    assert safe_filename("C:\\Users\\me\\my <plan>.pdf", "attachment") == "my _plan_.pdf"
    assert safe_filename("../../", "photo") == "photo"
    assert len(safe_filename("a" * 300, "photo")) == 200
