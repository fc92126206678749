"""Who hears about a bid: the one rule every email about a bid follows (receipt, screening, award, reports).

Every member of the group whose account is not disabled, and the group's named contact when that address is
not already a member's. A disabled account hears nothing (it may belong to someone who left the group); the
contact always hears, because the group chose that address for the funder to use, and a bid entered by staff
for a group that is not online may have a contact and no members at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from grants.database import DbSession
from grants.models import Bid, GroupMember, User


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str  # "" when only an address is known
    has_account: bool  # a member who can sign in and see the bid; the group's contact may not be one


def bid_recipients(session: DbSession, bid: Bid) -> list[Recipient]:
    """The people to email about this bid, each address once, members first."""
    members = session.scalars(
        sa.select(User)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(GroupMember.group_id == bid.group_id, User.is_disabled.is_(False))
        .order_by(User.id)
    ).all()
    found = [Recipient(m.email, m.name, has_account=True) for m in members]
    contact = bid.group.contact_email.strip().lower()
    if contact and contact not in {r.email.lower() for r in found}:
        found.append(Recipient(contact, bid.group.contact_name.strip(), has_account=False))
    return found
