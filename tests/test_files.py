"""The shared rule of an upload and of a stored file name (bids' attachments and reports' photos both use them)."""

import pytest

from grants.domain import DomainError
from grants.files import IMAGE_TYPES, MAX_IMAGE_PIXELS, TOO_MANY_PIXELS, check_upload, safe_filename, stored_filename
from tests.support.images import image_bytes, png_declaring

PNG = image_bytes("PNG")


def _check(data: bytes, max_bytes: int = 100) -> str:
    return check_upload(
        data, IMAGE_TYPES, max_bytes=max_bytes, field="photo", empty="empty", too_big="too big", wrong_kind="wrong"
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


@pytest.mark.parametrize(
    ("name", "content_type", "stored"),
    [
        ("page.html", "image/gif", "page.gif"),
        ("invite.svg", "image/png", "invite.png"),
        ("leaflet.exe", "application/pdf", "leaflet.pdf"),
        ("no extension", "image/jpeg", "no extension.jpg"),
        ("holiday.JPEG", "image/jpeg", "holiday.JPEG"),  # already a name of its own type: kept
        ("song.mp3", "audio/mpeg", "song.mp3"),
    ],
)
def test_a_stored_name_takes_the_extension_of_the_kind_of_file_it_really_is(
    name: str, content_type: str, stored: str
) -> None:
    assert stored_filename(name, content_type, "attachment") == stored
    assert len(stored_filename("a" * 300 + ".html", "image/gif", "attachment")) == 200


@pytest.mark.parametrize(("width", "height"), [(50_000, 50_000), (7_000, 7_000), (MAX_IMAGE_PIXELS + 1, 1)])
def test_an_image_declaring_too_many_pixels_is_refused_by_its_header(width: int, height: int) -> None:
    with pytest.raises(DomainError) as caught:
        _check(png_declaring(width, height))
    assert caught.value.message == TOO_MANY_PIXELS and caught.value.fields == ("photo",)


def test_an_image_within_the_pixel_limit_is_accepted() -> None:
    assert _check(png_declaring(8_000, 5_000)) == "image/png"


def test_a_file_that_starts_like_an_image_but_is_not_one_is_refused_as_the_wrong_kind() -> None:
    with pytest.raises(DomainError, match="wrong"):
        _check(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
