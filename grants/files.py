"""Files and links people send us: what kind of file it really is (from its content, never its name), and
whether a link is a plain web address."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import puremagic

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
MAX_LINK_LENGTH = 500


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
    return content_type


def safe_filename(filename: str, default: str) -> str:
    """The last part of an uploaded file's name, with only letters, digits, dots, dashes and spaces, at most 200
    characters; `default` when nothing is left."""
    safe = re.sub(r"[^\w.\- ]", "_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip() or default
    return safe[:200]


def is_web_link(url: str) -> bool:
    """A full http(s) address with a host, of a sensible length (a recording link, for example)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= MAX_LINK_LENGTH
