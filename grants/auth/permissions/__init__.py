"""Who may do what: the one place that decides "may this person do this to this object".

The rules (docs/domain.md): staff see only their funder's rounds, auditors read only their funder's,
panellists only the rounds they sit on, applicants only their own group's bids. A signed-out visitor is sent
to sign in; a signed-in person without the role answers 403 (`role_required`, `any_role_required`); another's
object answers 404, so its existence is not revealed (`load_or_404` with a `can_*` rule).

Each rule is a plain `can_*(user, obj) -> bool` function: routes load objects through `load_or_404`, services
and pages ask the same functions, and the access-matrix test checks every route against every persona.
"""

# ruff: noqa: F401
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import sqlalchemy as sa
from flask import abort

from grants.auth.permissions.duties import refuse_if_conflicted, staff_conflicted

# The role gates are imported from here with the object rules (hence the file-wide noqa for F401 above).
from grants.auth.permissions.roles import (
    any_role_required,
    auditor_funder_ids,
    current_person,
    group_ids,
    has_role,
    is_auditor_of,
    is_group_member,
    is_site_admin,
    is_staff_of,
    load_or_404,
    panel_round_ids,
    role_required,
    staff_funder_ids,
)
from grants.extensions import db
from grants.models import (
    Award,
    Bid,
    BidStatus,
    Funder,
    Group,
    Invitation,
    PanelMember,
    Report,
    ReportDate,
    ReportPhoto,
    ReportQuote,
    ReportStatus,
    Role,
    Round,
    RoundStatus,
    User,
)
from grants.panel import rules as panel_rules
from grants.reports.rules import READABLE_AWARDS

# --- objects: rounds and bids --------------------------------------------------------------------------------
# Routes load with `load_or_404(Round, round_id, can_manage_round)`: another person's object answers 404.


def can_manage_round(user: User, round_: Round) -> bool:
    """Staff of the round's funder run it."""
    return is_staff_of(user, round_.funder_id)


def can_read_round(user: User, round_: Round) -> bool:
    """Staff and auditors of the round's funder read everything about it."""
    return is_staff_of(user, round_.funder_id) or is_auditor_of(user, round_.funder_id)


def sits_on_panel(user: User, round_: Round) -> bool:
    """The person is a member of the round's community panel."""
    return round_.id in panel_round_ids(user)


def is_own_group_bid(user: User, bid: Bid) -> bool:
    """The bid is one of the person's own groups' bids."""
    return is_group_member(user, bid.group_id)


def can_manage_bid(user: User, bid: Bid) -> bool:
    """Staff of the funder whose round the bid is in."""
    return is_staff_of(user, bid.round.funder_id)


def can_manage_sent_bid(user: User, bid: Bid) -> bool:
    """Staff of the funder act on a bid (screen, offer, give feedback) once the group has sent it: a draft is still
    the group's own."""
    return can_manage_bid(user, bid) and bid.status != BidStatus.DRAFT


def _enters_for_group(user: User, bid: Bid) -> bool:
    return bid.entered_by_staff_id is not None and is_staff_of(user, bid.round.funder_id)


def can_work_on_bid(user: User, bid: Bid) -> bool:
    """Who may work on a bid as the applicant: a member of its group, or staff of the funder, not conflicted on
    it, for a bid they are entering on the group's behalf."""
    if is_group_member(user, bid.group_id):
        return True
    return _enters_for_group(user, bid) and not staff_conflicted(user, bid)


def load_bid_to_work_on(bid_id: int) -> Bid:
    """The bid a task-list page works on (`can_work_on_bid`): 404 for anyone neither in its group nor entering it
    for the group; 403, saying who else can, for staff entering it who are conflicted on it."""
    bid = load_or_404(Bid, bid_id, lambda user, b: is_group_member(user, b.group_id) or _enters_for_group(user, b))
    if not is_group_member(current_person(), bid.group_id):
        refuse_if_conflicted(bid, doing="enter this bid on the group's behalf")
    return bid


# --- each area's rules ------------------------------------------------------------------------------------------
# One section per area, in the journey's order, so that each rule has one home and is easy to find.

# --- rounds -----------------------------------------------------------------------------------------------------


def can_create_round_for(user: User, funder: Funder) -> bool:
    """Staff of a funder create its rounds."""
    return is_staff_of(user, funder.id)


def can_see_published_round(user: User, round_: Round) -> bool:
    """Anyone, signed in or not, sees a round once it is published (any stage but draft): groups apply from it.

    A draft is seen only by its funder's staff, through the preview.
    """
    return round_.status != RoundStatus.DRAFT


# --- groups and bids --------------------------------------------------------------------------------------------


def can_manage_group(user: User, group: Group) -> bool:
    """Members of a group change its details and invite others to it."""
    return is_group_member(user, group.id)


def works_on_behalf_of_group(user: User, bid: Bid) -> bool:
    """Staff entering a bid for a group that applies by phone or in person, rather than a member of the group."""
    return bid.entered_by_staff_id is not None and not is_group_member(user, bid.group_id)


# --- screening, awards and decisions: separation of duties ----------------------------------------------------
# A member of staff conflicted on a bid (a member of its group, or a declared conflict) reads it, but does not screen
# it, offer it an award, pay or withdraw that award, send its group feedback, or take part in deciding its round:
# routes refuse with `duties.refuse_if_conflicted` and `duties.refuse_if_conflicted_in_decision` (403, saying who
# else can), and the decisions and rounds services check `duties.conflicted_in_decision` again.


# --- panel ------------------------------------------------------------------------------------------------------
# A panellist's own group's bid recuses them whether or not a row records it yet: `rules.recused` (and the reads built
# on it) works it out from group membership when read. Each check asks the database one narrow question.


def seat_or_404(round_: Round) -> PanelMember:
    """The signed-in person's seat on the round's panel (after `load_or_404(Round, ..., sits_on_panel)`)."""
    seat = panel_rules.seat(db.session, round_.id, current_person().id)
    if seat is None:
        abort(404)
    return seat


def can_score_bid(user: User, bid: Bid) -> bool:
    """A panellist of the bid's round reads and scores a bid while it is with the panel (eligible), unless they are
    recused from it: a conflict they declared, or a bid from one of their own groups."""
    return (
        bid.status == BidStatus.ELIGIBLE
        and sits_on_panel(user, bid.round)
        and not panel_rules.is_recused(db.session, bid.round_id, user.id, bid.id)
    )


def can_download_panel_attachment(user: User, bid: Bid) -> bool:
    """The bid's attachment, for a panellist who may score the bid, once they have agreed to the code of conduct
    and answered the conflict question for every bid, and the round has reached scoring."""
    if not can_score_bid(user, bid) or not panel_rules.scoring_started(bid.round):
        return False
    seat = panel_rules.seat(db.session, bid.round_id, user.id)
    return (
        seat is not None
        and seat.conduct_accepted_at is not None
        and not panel_rules.has_undeclared_bids(db.session, bid.round, user.id)
    )


def can_record_deliberation(user: User, round_: Round) -> bool:
    """Only the chair (and the funder's staff) record the panel's notes: on the panel's pages, the chair; staff
    record theirs on the staff's summary, which `can_manage_round` opens."""
    return panel_rules.is_chair(db.session, round_.id, user.id)


def can_manage_panel_invitation(user: User, invitation: Invitation) -> bool:
    """Staff of the funder resend and withdraw invitations to their rounds' panels."""
    return (
        invitation.role == Role.PANELLIST and invitation.round is not None and can_manage_round(user, invitation.round)
    )


def can_manage_panel_member(user: User, member: PanelMember) -> bool:
    """Staff of the funder appoint the chair of their rounds' panels."""
    return can_manage_round(user, member.round)


class _OfRound(Protocol):
    @property
    def round_id(self) -> int | None: ...


InRound = TypeVar("InRound", bound=_OfRound)


def in_round(round_: Round, can: Callable[[User, InRound], bool]) -> Callable[[User, InRound], bool]:
    """`can`, for an object whose address names its round: another round's object is not found there."""
    return lambda user, obj: obj.round_id == round_.id and can(user, obj)


# --- voting -----------------------------------------------------------------------------------------------------


def can_read_receipts(user: User, round_: Round) -> bool:
    """The round's panellists, and its funder's staff and auditors, read its receipt codes."""
    return sits_on_panel(user, round_) or can_read_round(user, round_)


def can_record_paper_ballot(user: User, round_: Round) -> bool:
    """Staff of the round's funder record the paper ballots of an in-person meeting."""
    return can_manage_round(user, round_)


# --- decisions --------------------------------------------------------------------------------------------------

# Who reads a round's decision: anyone without one of these roles anywhere gets 403 (`any_role_required`).
DECISION_READERS = (Role.PANELLIST, Role.STAFF, Role.AUDITOR)


def can_read_decision(user: User, round_: Round) -> bool:
    """The round's panellists, and staff and auditors of its funder, read its decision."""
    return can_read_round(user, round_) or sits_on_panel(user, round_)


# --- awards -----------------------------------------------------------------------------------------------------


def can_manage_award(user: User, award: Award) -> bool:
    """Staff of the funder whose round the award is in."""
    return can_manage_bid(user, award.bid)


def can_answer_offer(user: User, bid: Bid) -> bool:
    """Members of the bid's group see its offer and answer it, once it has one."""
    return (
        is_own_group_bid(user, bid) and db.session.scalar(sa.select(Award.id).where(Award.bid_id == bid.id)) is not None
    )


# --- reports ----------------------------------------------------------------------------------------------------
# A group's reports are its members' while the award is live or closed; staff of the funder read a report once it
# is sent, and may record one on the group's behalf ("tell us another way"). The round's panel reads its stories.


def can_read_award_reports(user: User, award: Award) -> bool:
    """Members of the group see what reports its award asks for (once accepted, and after it closes)."""
    return award.status in READABLE_AWARDS and is_group_member(user, award.bid.group_id)


def can_write_group_report(user: User, report_date: ReportDate) -> bool:
    """Members of the group write the story for each of its award's report dates."""
    return can_read_award_reports(user, report_date.award)


def can_record_report(user: User, report_date: ReportDate) -> bool:
    """Staff of the funder write down a story the group told by phone or on a visit."""
    award = report_date.award
    return award.status in READABLE_AWARDS and is_staff_of(user, award.bid.round.funder_id)


def can_edit_report(user: User, report_date: ReportDate) -> bool:
    """The photos and the check-and-send pages: the group's members, or staff recording on its behalf."""
    return can_write_group_report(user, report_date) or can_record_report(user, report_date)


def can_see_report_photo(user: User, photo: ReportPhoto) -> bool:
    """A report's photos are for the group's members and the funder's staff only."""
    return can_edit_report(user, photo.report.report_date)


def can_respond_to_report(user: User, report: Report) -> bool:
    """Staff of the funder read a sent report, reply to it, tag it and quote it."""
    return report.status == ReportStatus.SUBMITTED and is_staff_of(user, report.award.bid.round.funder_id)


def can_remove_quote(user: User, quote: ReportQuote) -> bool:
    report = db.session.get(Report, quote.report_id)
    return report is not None and can_respond_to_report(user, report)


def can_converse_on_report(user: User, report: Report) -> bool:
    """Members of the group read and write the conversation about a report they have sent."""
    return report.status == ReportStatus.SUBMITTED and is_group_member(user, report.award.bid.group_id)


def can_choose_stories(user: User, round_: Round) -> bool:
    """The round's panel chooses the most significant stories; staff of its funder read them too."""
    return is_staff_of(user, round_.funder_id) or sits_on_panel(user, round_)


# --- audit and transparency -------------------------------------------------------------------------------------
# Auditors and staff of the round's funder read its audit and trails (`any_role_required(*AUDIT_READERS)`); the
# exports name panellists, so they are the auditors' only: staff of the funder get 403 for them.

AUDIT_READERS = (Role.AUDITOR, Role.STAFF)


def can_read_bid_trail(user: User, bid: Bid) -> bool:
    """A bid's decision trail: whoever may read its round's audit, once the group has sent the bid."""
    return can_read_round(user, bid.round) and bid.status != BidStatus.DRAFT


def can_read_integrity(user: User, funder: Funder) -> bool:
    """The funder's integrity flags (departures, reopenings, paper ballots, ...): its auditors and staff."""
    return is_auditor_of(user, funder.id) or is_staff_of(user, funder.id)


def can_export_audit(user: User, round_: Round) -> bool:
    """The round's exports (they name panellists): auditors of its funder."""
    return is_auditor_of(user, round_.funder_id)


def can_export_funder_chain(user: User, funder: Funder) -> bool:
    """The auditor's export of a funder's whole chain (ids, never names): its auditors and its staff."""
    return is_staff_of(user, funder.id) or is_auditor_of(user, funder.id)


# --- home and admin ---------------------------------------------------------------------------------------------


def can_invite_colleagues(user: User, funder: Funder) -> bool:
    """Staff invite colleagues and auditors to their own funder."""
    return is_staff_of(user, funder.id)


def can_change_funder_settings(user: User, funder: Funder) -> bool:
    """Staff change their own funder's settings (how long unfunded bids keep their details)."""
    return is_staff_of(user, funder.id)
