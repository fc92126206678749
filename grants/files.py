"""Files and links people send us: what kind of file it really is (from its content, never its name), the name
we keep it under (its extension follows the kind found, so a GIF named page.html is kept and served as page.gif),
how big an image may be, and whether a link is a plain web address."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import puremagic
from PIL import Image, UnidentifiedImageError

from grants.domain import DomainError

# What puremagic reports (an extension) -> the MIME type we store and serve.
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jfif": "image/jpeg",
    ".jpe": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".mpga": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".f4a": "audio/mp4",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
}
PDF_TYPES = {".pdf": "application/pdf"}
# The extension a stored file gets for each type we keep (the first of IMAGE_TYPES etc. for that type).
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/wav": ".wav",
    "audio/ogg": ".ogg",
    "application/pdf": ".pdf",
}
MAX_LINK_LENGTH = 500
# 40 megapixels: more than any phone camera (a 12 MP photo is 4,000 x 3,000), far less than an image made to fill
# the server's memory when opened (50,000 x 50,000 is 2,500 MP, about 10 GB decoded). Only the header is read.
MAX_IMAGE_PIXELS = 40_000_000
TOO_MANY_PIXELS = (
    "The picture is too large: it must be 40 megapixels or fewer (a phone photo is about 12). Make it smaller and"
    " choose it again"
)
# Pillow's own guard against decompression bombs, for anything else here that opens an image.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


def sniff_type(data: bytes, allowed: Mapping[str, str]) -> str | None:
    """The MIME type of `data` if its content is one of the `allowed` kinds; None for anything else."""
    try:
        matches = puremagic.magic_string(data[:8192])
    except puremagic.PureError:
        return None
    for match in matches:
        mime = allowed.get(match.extension.lower())
        if mime:
            return mime
    return None


def check_upload(
    data: bytes,
    allowed: Mapping[str, str],
    *,
    max_bytes: int,
    field: str,
    empty: str,
    too_big: str,
    wrong_kind: str,
) -> str:
    """The MIME type of an upload that is not empty, within `max_bytes` and of an `allowed` kind; otherwise a
    DomainError on `field` with the message for what is wrong (each upload words its own)."""
    if not data:
        raise DomainError(empty, field)
    if len(data) > max_bytes:
        raise DomainError(too_big, field)
    content_type = sniff_type(data, allowed)
    if content_type is None:
        raise DomainError(wrong_kind, field)
    if content_type.startswith("image/"):
        pixels = image_pixels(data)
        if pixels is None:
            raise DomainError(wrong_kind, field)
        if pixels > MAX_IMAGE_PIXELS:
            raise DomainError(TOO_MANY_PIXELS, field)
    return content_type


def image_pixels(data: bytes) -> int | None:
    """How many pixels an image says it has, from its header alone (nothing is decoded); None if it is not an image
    Pillow can read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return MAX_IMAGE_PIXELS + 1
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    return width * height


def safe_filename(filename: str, default: str) -> str:
    """The last part of an uploaded file's name, with only letters, digits, dots, dashes and spaces, at most 200
    characters; `default` when nothing is left."""
    safe = re.sub(r"[^\w.\- ]", "_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip() or default
    return safe[:200]


def stored_file(filename: str, content_type: str, data: bytes, default: str) -> dict[str, Any]:
    """The columns of a `StoredFileMixin` row for an upload whose content was found to be `content_type`."""
    return {
        "filename": stored_filename(filename, content_type, default),
        "content_type": content_type,
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "content": data,
    }


def stored_filename(filename: str, content_type: str, default: str) -> str:
    """The name a file is kept and served under: `safe_filename`, with the extension of the type its content was
    found to be ("page.html" holding a GIF is "page.gif"; "photo.jpeg" holding a JPEG stays as it is)."""
    safe = safe_filename(filename, default)
    wanted = EXTENSIONS.get(content_type)
    if wanted is None:
        return safe
    stem, dot, extension = safe.rpartition(".")
    if not dot or not stem:
        stem, extension = safe, ""
    if _type_of_extension(f".{extension}") == content_type:
        return safe
    return stem[: 200 - len(wanted)] + wanted


def _type_of_extension(extension: str) -> str | None:
    extension = extension.lower()
    for types in (IMAGE_TYPES, AUDIO_TYPES, PDF_TYPES):
        if extension in types:
            return types[extension]
    return None


def is_web_link(url: str) -> bool:
    """A full http(s) address with a host, of a sensible length (a recording link, for example)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= MAX_LINK_LENGTH
