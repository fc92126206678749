"""Sending a bid's attached file to someone who may see the bid: always as a download, never cached or sniffed.

The file is served only through routes that have checked who may see the bid, never from a public address.
"""

from __future__ import annotations

import io

from flask import send_file
from werkzeug.wrappers import Response

from grants.models import Attachment


def send_attachment(attachment: Attachment) -> Response:
    """The attachment as a download, with the type it was recognised as (never one a browser guesses)."""
    response = send_file(
        io.BytesIO(attachment.content),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
