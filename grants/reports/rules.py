"""Which awards a group reports on: the one rule the report pages, their permissions and the services share."""

from __future__ import annotations

from grants.models import AwardStatus

# Writing is open while the grant is live; a closed award's reports can still be read.
WRITABLE_AWARDS = frozenset({AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL})
READABLE_AWARDS = WRITABLE_AWARDS | {AwardStatus.CLOSED}
