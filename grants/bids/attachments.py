"""A bid's one attached file (PDF, image or audio, at most 10 MB): adding, replacing and removing it.

What a file is comes from its content, never its name. Each change is logged. The caller commits.
"""

from __future__ import annotations

from grants.bids.services import audit_bid, require_draft
from grants.database import DbSession
from grants.files import AUDIO_TYPES, IMAGE_TYPES, PDF_TYPES, check_upload, sniff_type, stored_file
from grants.models import Attachment, Bid, User

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What a group may attach, recognised from the file's content (never its name).
ALLOWED_ATTACHMENT_TYPES = {**PDF_TYPES, **IMAGE_TYPES, **AUDIO_TYPES}


def sniff_attachment_type(data: bytes) -> str | None:
    """The MIME type of an allowed file, judged from its content; None for anything else."""
    return sniff_type(data, ALLOWED_ATTACHMENT_TYPES)


def save_attachment(session: DbSession, *, bid: Bid, filename: str, data: bytes, actor: User) -> Attachment:
    """Attach one file (PDF, image or audio, at most 10 MB), replacing any earlier one."""
    require_draft(bid)
    content_type = check_upload(
        data,
        ALLOWED_ATTACHMENT_TYPES,
        max_bytes=MAX_ATTACHMENT_BYTES,
        field="file",
        empty="The selected file is empty",
        too_big="The selected file must be smaller than 10 MB",
        wrong_kind="The selected file must be a PDF, a photo or picture (JPG, PNG, GIF, WebP) or audio",
    )
    if bid.attachment is not None:
        session.delete(bid.attachment)
        session.flush()
    attachment = Attachment(
        bid_id=bid.id, uploaded_by_id=actor.id, **stored_file(filename, content_type, data, "attachment")
    )
    session.add(attachment)
    session.flush()
    session.refresh(bid, ["attachment"])
    audit_bid(
        session,
        "bid.attachment_added",
        bid,
        actor,
        content_type=content_type,
        size_bytes=len(data),
        sha256=attachment.sha256,
    )
    return attachment


def remove_attachment(session: DbSession, *, bid: Bid, actor: User) -> None:
    """Remove the bid's file, if it has one."""
    require_draft(bid)
    if bid.attachment is not None:
        session.delete(bid.attachment)
        session.flush()
        session.refresh(bid, ["attachment"])
        audit_bid(session, "bid.attachment_removed", bid, actor)
