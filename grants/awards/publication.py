"""Published means frozen: what the public page and the 360Giving data say about a grant is captured when it is
published (the group accepts the award). Later changes to the group reach the public only when staff re-publish
the grant on purpose, which updates the copy and its `dateModified` and is logged (flagged for auditors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants.awards.rules import ACCEPTED_OR_LATER, record_award_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Award, PublishedGrant, User

# The fields of a published grant, in the words a page uses for them.
FIELDS = {
    "group_name": "name",
    "group_kind": "kind",
    "registration_number": "registration number",
    "area": "area",
    "bid_title": "bid's title",
}
NOT_PUBLISHED = "This grant is not published yet: it is published when the group accepts the award"
NOTHING_CHANGED = "Nothing the public data says about this grant has changed, so there is nothing to re-publish"


@dataclass(frozen=True)
class Details:
    """What the public may read about a grant's recipient and bid."""

    group_name: str
    group_kind: str
    registration_number: str | None
    area: str
    bid_title: str


def live_details(award: Award) -> Details:
    """The group and bid as they are now."""
    bid, group = award.bid, award.bid.group
    return Details(group.name, group.kind.value, group.registration_number, group.area, bid.title or "")


def public_details(award: Award) -> Details:
    """What was published (as it is live until the grant is published)."""
    copy = award.published
    if copy is None:
        return live_details(award)
    return Details(copy.group_name, copy.group_kind, copy.registration_number, copy.area, copy.bid_title)


def changed_since_published(award: Award) -> list[str]:
    """The fields (in words) where the group or bid now differs from what was published."""
    if award.published is None:
        return []
    live, published = live_details(award), public_details(award)
    return [words for name, words in FIELDS.items() if getattr(live, name) != getattr(published, name)]


def _copy(award: Award, copy: PublishedGrant) -> None:
    for name, value in live_details(award).__dict__.items():
        setattr(copy, name, value)


def publish_grant(session: DbSession, *, award: Award, now: datetime) -> PublishedGrant:
    """Capture the grant's public details at `now` (the award has just been accepted)."""
    copy = PublishedGrant(award_id=award.id, published_at=now, modified_at=now)
    _copy(award, copy)
    session.add(copy)
    award.published = copy
    session.flush()
    return copy


def republish_grant(session: DbSession, *, award: Award, actor: User, now: datetime) -> PublishedGrant:
    """Staff bring the published details up to date with the group as it is now; the new `modified_at` is the
    open data's `dateModified`. Logged with what changed, from and to."""
    copy = award.published
    if copy is None or award.status not in ACCEPTED_OR_LATER:
        raise DomainError(NOT_PUBLISHED, "republish")
    changed = changed_since_published(award)
    if not changed:
        raise DomainError(NOTHING_CHANGED, "republish")
    before = public_details(award)
    _copy(award, copy)
    copy.modified_at = now
    copy.published_by_id = actor.id
    session.flush()
    after = public_details(award)
    changes = {
        name: {"from": getattr(before, name), "to": getattr(after, name)}
        for name in FIELDS
        if getattr(before, name) != getattr(after, name)
    }
    record_award_event(session, "award.republished", award, actor, changed=changes)
    return copy
