"""Offers: staff offer a grant to a funded bid's group, the group accepts or declines it, staff may withdraw it,
and close it once it is paid in full. The caller commits; every change writes an audit event in the same
transaction and the people it concerns are emailed (`templates/email/awards/`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.awards.publication import publish_grant
from grants.awards.queries import committed_pence
from grants.awards.rules import (
    ACCEPTED_OR_LATER,
    APPLICANT,
    MAX_CONDITIONS,
    MAX_NAME,
    MAX_REPORT_DATES,
    MAX_TEXT,
    MIN_REPORT_DATES,
    OFFER_ROUND_STATUSES,
    STAFF,
    move,
    record_award_event,
    too_long,
)
from grants.bids.audience import bid_recipients
from grants.database import DbSession
from grants.decisions.queries import current_ratification, funded_bid_ids
from grants.domain import DomainError
from grants.mail import send_email
from grants.models import Award, AwardStatus, Bid, ReportDate, RoundStatus, User
from grants.money import format_pounds
from grants.panel.rules import check_free_to_act
from grants.rounds.services import change_status
from grants.timefmt import london_date, today_in_london

NOT_FUNDED = "This bid is not in the round's ratified funded set, so it cannot have an offer"
ALREADY_OFFERED = "This bid already has an offer"
ROUND_NOT_DECIDED = "Offers can be made once the round's decision is ratified"
AMOUNT_REQUIRED = "Enter the amount you are offering, in pounds"
REDUCED_REASON_REQUIRED = "Explain why you are offering less than the group asked for"
REPORT_DATES_REQUIRED = "Enter at least one report date"
REPORT_DATES_IN_FUTURE = "Report dates must be in the future"
REPORT_DATES_DIFFERENT = "Each report date must be a different day"
ACCEPT_NAME_REQUIRED = "Enter your full name to accept the offer"
ACCEPT_CONFIRM_REQUIRED = "Tick to confirm that your group accepts the conditions"
ALREADY_ACCEPTED = "You have already accepted this offer"
WITHDRAW_REASON_REQUIRED = "Enter why you are withdrawing this offer"


# --- the offer --------------------------------------------------------------------------------------------------


def _check_report_dates(report_dates: Sequence[date], *, today: date) -> list[date]:
    if len(report_dates) < MIN_REPORT_DATES:
        raise DomainError(REPORT_DATES_REQUIRED, "report_date_1")
    if len(report_dates) > MAX_REPORT_DATES:
        raise DomainError(f"Give at most {MAX_REPORT_DATES} report dates", "report_date_1")
    for i, day in enumerate(report_dates, start=1):
        if day <= today:
            raise DomainError(REPORT_DATES_IN_FUTURE, f"report_date_{i}")
    if len(set(report_dates)) != len(report_dates):
        raise DomainError(REPORT_DATES_DIFFERENT, "report_date_1")
    return sorted(report_dates)


def make_offer(
    session: DbSession,
    *,
    bid: Bid,
    amount_pence: int | None,
    reduced_reason: str,
    conditions: str,
    report_dates: Sequence[date],
    withhold_name: bool,
    actor: User,
    now: datetime,
) -> Award:
    """Offer a grant to a funded bid's group and email them; the round moves to awarding with its first offer.

    Report dates must fall after the day it is at `now` in London.
    """
    check_free_to_act(session, bid=bid, actor_id=actor.id, doing="make this bid an offer")
    round_ = bid.round
    # Lock the round (PostgreSQL; SQLite's write lock is already held): offers in one round are made one at a
    # time, so two staff offering at once cannot together pass the budget.
    session.refresh(round_, with_for_update=True)
    if round_.status not in OFFER_ROUND_STATUSES or current_ratification(session, round_.id) is None:
        raise DomainError(ROUND_NOT_DECIDED, "amount")
    if bid.id not in funded_bid_ids(session, round_.id):
        raise DomainError(NOT_FUNDED, "amount")
    if session.scalar(sa.select(Award.id).where(Award.bid_id == bid.id)) is not None:
        raise DomainError(ALREADY_OFFERED, "amount")
    if amount_pence is None or amount_pence <= 0:
        raise DomainError(AMOUNT_REQUIRED, "amount")
    requested = bid.amount_pence or 0
    if amount_pence > requested:
        raise DomainError(f"An award cannot be more than the group asked for ({format_pounds(requested)})", "amount")
    reduced_reason = reduced_reason.strip()
    conditions = conditions.strip()
    if amount_pence < requested and not reduced_reason:
        raise DomainError(REDUCED_REASON_REQUIRED, "reduced_reason")
    if amount_pence == requested:
        reduced_reason = ""
    too_long(reduced_reason, MAX_TEXT, "The reason", "reduced_reason")
    too_long(conditions, MAX_CONDITIONS, "The conditions", "conditions")
    days = _check_report_dates(report_dates, today=today_in_london(now))
    offered = committed_pence(session, round_.id)
    if offered + amount_pence > round_.budget_pence:
        raise DomainError(
            f"This offer would take the total offered in the round to {format_pounds(offered + amount_pence)},"
            f" more than the budget of {format_pounds(round_.budget_pence)}"
            f" ({format_pounds(round_.budget_pence - offered)} is left)",
            "amount",
        )

    award = Award(
        round_id=round_.id,
        bid_id=bid.id,
        amount_pence=amount_pence,
        reduced_reason=reduced_reason,
        conditions=conditions,
        status=AwardStatus.OFFERED,
        offered_by_id=actor.id,
        withhold_name=withhold_name,
        report_dates=[ReportDate(due_on=day) for day in days],
    )
    try:
        with session.begin_nested():
            session.add(award)
            session.flush()
    except IntegrityError:
        # The unique bid_id is the backstop for an offer made between our check and our insert.
        raise DomainError(ALREADY_OFFERED, "amount") from None

    if round_.status == RoundStatus.DECIDED:
        change_status(session, round=round_, to=RoundStatus.AWARDING, actor=actor, now=now)
    record_award_event(session, "award.offered", award, actor, amount_pence=amount_pence, asked_pence=bid.amount_pence)
    _email_group(session, award, "awards/offer")
    return award


# --- the group's answer -----------------------------------------------------------------------------------------


def _lock(session: DbSession, award: Award) -> None:
    """Read the award's current state under a row lock, so two answers at once each see the other's."""
    session.refresh(award, with_for_update=True)


def _not_open_message(award: Award) -> str:
    match award.status:
        case AwardStatus.WITHDRAWN:
            when = london_date(award.withdrawn_at)
            return f"This offer was withdrawn on {when} and can no longer be accepted"
        case AwardStatus.DECLINED:
            return f"Your group declined this offer on {london_date(award.responded_at)}"
        case _:
            return ALREADY_ACCEPTED


def accept_offer(
    session: DbSession, *, award: Award, name: str, conditions_accepted: bool, actor: User, now: datetime
) -> None:
    """The group accepts the offer and its conditions at `now`, signed with a name; the staff member who made it is
    told."""
    _lock(session, award)
    if award.status != AwardStatus.OFFERED:
        raise DomainError(_not_open_message(award), "name")
    name = name.strip()
    if not name:
        raise DomainError(ACCEPT_NAME_REQUIRED, "name")
    too_long(name, MAX_NAME, "Your name", "name")
    if not conditions_accepted:
        raise DomainError(ACCEPT_CONFIRM_REQUIRED, "confirm")
    award.accepted_name = name
    _answer(session, award, AwardStatus.ACCEPTED, actor, now)
    # An accepted award is a grant made: what the public reads about it is fixed now.
    publish_grant(session, award=award, now=now)


def decline_offer(session: DbSession, *, award: Award, reason: str, actor: User, now: datetime) -> None:
    """The group turns the offer down at `now`, with a reason if they want to give one."""
    _lock(session, award)
    if award.status != AwardStatus.OFFERED:
        message = _not_open_message(award)
        if award.status in ACCEPTED_OR_LATER:
            message = "Your group has already accepted this offer, so it cannot be declined here. Contact the funder"
        raise DomainError(message.replace("can no longer be accepted", "can no longer be declined"), "reason")
    reason = reason.strip()
    too_long(reason, MAX_TEXT, "The reason", "reason")
    award.decline_reason = reason
    _answer(session, award, AwardStatus.DECLINED, actor, now)


def _answer(session: DbSession, award: Award, to: AwardStatus, actor: User, now: datetime) -> None:
    """Record the group's answer (accepted or declined), log it and tell the staff member who made the offer."""
    move(award, to)
    award.responded_at = now
    session.flush()
    accepted = to == AwardStatus.ACCEPTED
    record_award_event(session, "award.accepted" if accepted else "award.declined", award, actor, APPLICANT)
    _email_staff(session, award, accepted=accepted)


# --- staff take it back, or close it ----------------------------------------------------------------------------


def withdraw_offer(session: DbSession, *, award: Award, reason: str, actor: User, now: datetime) -> None:
    """Staff take back an offer (offered or accepted, before any payment) at `now`, with a reason the group reads."""
    check_free_to_act(session, bid=award.bid, actor_id=actor.id, doing="withdraw this offer")
    _lock(session, award)
    reason = reason.strip()
    if award.status not in (AwardStatus.OFFERED, AwardStatus.ACCEPTED):
        raise DomainError(f"An award that is {award.status.label.lower()} cannot be withdrawn", "reason")
    if award.paid_pence > 0:
        raise DomainError("This award cannot be withdrawn: a payment has been made", "reason")
    if not reason:
        raise DomainError(WITHDRAW_REASON_REQUIRED, "reason")
    too_long(reason, MAX_TEXT, "The reason", "reason")
    previous = award.status
    move(award, AwardStatus.WITHDRAWN)
    award.withdrawn_at = now
    award.withdrawal_reason = reason
    session.flush()
    record_award_event(session, "award.withdrawn", award, actor, STAFF, previous=previous.value)
    _email_group(session, award, "awards/withdrawn")


def close_award(session: DbSession, *, award: Award, actor: User, now: datetime) -> None:
    """Close an award paid in full once its reporting is done (at `now`, which the audit chain stamps itself)."""
    check_free_to_act(session, bid=award.bid, actor_id=actor.id, doing="close this award")
    _lock(session, award)
    if award.status != AwardStatus.PAID_IN_FULL:
        raise DomainError("An award can be closed once it has been paid in full", "status")
    move(award, AwardStatus.CLOSED)
    session.flush()
    record_award_event(session, "award.closed", award, actor, STAFF)


# --- emails -----------------------------------------------------------------------------------------------------


def _email_group(session: DbSession, award: Award, template: str) -> None:
    bid = award.bid
    for recipient in bid_recipients(session, bid):
        send_email(session, to=recipient.email, template=template, recipient=recipient, bid=bid, award=award)


def _email_staff(session: DbSession, award: Award, *, accepted: bool) -> None:
    staff = award.offered_by
    if staff.is_disabled:
        return
    send_email(
        session, to=staff.email, template="awards/answered", staff=staff, bid=award.bid, award=award, accepted=accepted
    )
