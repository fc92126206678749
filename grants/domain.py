"""The one error a service raises when a rule of the domain says no.

A route turns it into a message next to the field it names (`grants.web.attempt`), and the request's
transaction is rolled back, so a refused submission changes nothing. Pages never branch on the wording of
the message: where a page must act on which rule said no, the service raises a subclass below.
"""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """A rule said no. `message` is written for the person; `field` names the form field it belongs next to.

    A message that belongs by several fields (two bids given the same rank) names them all; with no field it
    goes above the form.
    """

    def __init__(self, message: str, field: str | Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: tuple[str, ...] = (field,) if isinstance(field, str) else tuple(field or ())
        self.field: str | None = self.fields[0] if self.fields else None


class StateTransitionError(DomainError):
    """An object was asked to move to a status its table of allowed moves does not allow from where it is."""


class DeadlinePassed(DomainError):
    """A window (for bids, scores, ballots, reports) closed before the request arrived."""


def typed_text(text: str, limit: int, field: str, *, missing: str, too_long: str) -> str:
    """Typed text (`grants.text.clean_text`: NFC, no control characters but line breaks and tabs) with its surrounding
    spaces trimmed; DomainError on `field` when nothing is left or it is longer than `limit` characters."""
    from grants.text import clean_text  # grants.text raises DomainError, so it is imported here, not above

    text = clean_text(text, field=field).strip()
    if not text:
        raise DomainError(missing, field)
    if len(text) > limit:
        raise DomainError(too_long, field)
    return text
