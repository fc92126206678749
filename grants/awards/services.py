"""Awards: offers to funded groups, the group's answer, withdrawals, payments, closing, and feedback to
unfunded groups. The caller commits; every change writes an audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.audit.chain import record_event
from grants.bids.audience import Recipient, bid_recipients
from grants.database import DbSession
from grants.decisions.queries import current_ratification, funded_bid_ids
from grants.mail import absolute_url, queue_email
from grants.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Feedback,
    Payment,
    ReportDate,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from grants.money import format_pounds
from grants.rounds.services import change_status
from grants.timefmt import london_date, today_in_london

MIN_REPORT_DATES = 1
MAX_REPORT_DATES = 4
MAX_TEXT = 2000
MAX_CONDITIONS = 5000
MAX_FEEDBACK = 5000
MAX_REFERENCE = 120
MAX_NAME = 120
STAFF = Role.STAFF.value
APPLICANT = "applicant"

# Statuses whose amount counts against the round's budget: everything but an offer that was turned down or taken
# back (neither of which can have had a payment).
COMMITTED = (AwardStatus.OFFERED, AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED)
ACCEPTED_OR_LATER = (AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED)
OFFER_ROUND_STATUSES = frozenset({RoundStatus.DECIDED, RoundStatus.AWARDING})

# The moves an award may make, checked in one place. Payments move ACCEPTED -> PAID_IN_FULL when the last
# penny is paid; a withdrawal from ACCEPTED is refused once any payment has been made.
AWARD_MOVES: frozenset[tuple[AwardStatus, AwardStatus]] = frozenset(
    {
        (AwardStatus.OFFERED, AwardStatus.ACCEPTED),
        (AwardStatus.OFFERED, AwardStatus.DECLINED),
        (AwardStatus.OFFERED, AwardStatus.WITHDRAWN),
        (AwardStatus.ACCEPTED, AwardStatus.WITHDRAWN),
        (AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL),
        (AwardStatus.PAID_IN_FULL, AwardStatus.CLOSED),
    }
)

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
PAYMENT_AMOUNT_REQUIRED = "Enter the amount paid, in pounds"
PAYMENT_DATE_FUTURE = "The date paid must be today or in the past"
FEEDBACK_REQUIRED = "Enter the feedback the group will read"
FEEDBACK_FOR_FUNDED = "This bid was funded: the group gets an offer, not feedback"
FEEDBACK_NOT_ELIGIBLE = "Feedback is for eligible bids the panel did not fund"
FEEDBACK_NOT_DECIDED = "Feedback can be sent once the round's decision is ratified"
FEEDBACK_ALREADY_SENT = "Feedback has already been sent to this group"


class AwardError(Exception):
    """An award rule was broken. `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str = "amount") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _too_long(text: str, limit: int, what: str, field: str) -> None:
    if len(text) > limit:
        raise AwardError(f"{what} must be {limit:,} characters or fewer", field)


def _move(award: Award, to: AwardStatus) -> None:
    if (award.status, to) not in AWARD_MOVES:
        raise AwardError(f"An award that is {award.status.label.lower()} cannot become {to.label.lower()}", "status")
    award.status = to


def committed_pence(session: DbSession, round_id: int, *, excluding_award_id: int | None = None) -> int:
    """The total of the round's offers that still stand (offered, accepted, paid or closed)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(Award.amount_pence), 0)).where(
        Award.round_id == round_id, Award.status.in_(COMMITTED)
    )
    if excluding_award_id is not None:
        query = query.where(Award.id != excluding_award_id)
    return int(session.scalar(query) or 0)


# --- offers ----------------------------------------------------------------------------------------------------


def _check_report_dates(report_dates: Sequence[date]) -> list[date]:
    if len(report_dates) < MIN_REPORT_DATES:
        raise AwardError(REPORT_DATES_REQUIRED, "report_date_1")
    if len(report_dates) > MAX_REPORT_DATES:
        raise AwardError(f"Give at most {MAX_REPORT_DATES} report dates", "report_date_1")
    today = today_in_london()
    for i, day in enumerate(report_dates, start=1):
        if day <= today:
            raise AwardError(REPORT_DATES_IN_FUTURE, f"report_date_{i}")
    if len(set(report_dates)) != len(report_dates):
        raise AwardError(REPORT_DATES_DIFFERENT, "report_date_1")
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
) -> Award:
    """Offer a grant to a funded bid's group and email them; the round moves to awarding with its first offer."""
    round_ = bid.round
    # Lock the round (PostgreSQL; SQLite's write lock is already held): offers in one round are made one at a
    # time, so two staff offering at once cannot together pass the budget.
    session.refresh(round_, with_for_update=True)
    if round_.status not in OFFER_ROUND_STATUSES or current_ratification(session, round_.id) is None:
        raise AwardError(ROUND_NOT_DECIDED)
    if bid.id not in funded_bid_ids(session, round_.id):
        raise AwardError(NOT_FUNDED)
    if session.scalar(sa.select(Award.id).where(Award.bid_id == bid.id)) is not None:
        raise AwardError(ALREADY_OFFERED)
    if amount_pence is None or amount_pence <= 0:
        raise AwardError(AMOUNT_REQUIRED)
    requested = bid.amount_pence or 0
    if amount_pence > requested:
        raise AwardError(
            f"An award cannot be more than the group asked for ({format_pounds(requested)})",
        )
    reduced_reason = reduced_reason.strip()
    conditions = conditions.strip()
    if amount_pence < requested and not reduced_reason:
        raise AwardError(REDUCED_REASON_REQUIRED, "reduced_reason")
    if amount_pence == requested:
        reduced_reason = ""
    _too_long(reduced_reason, MAX_TEXT, "The reason", "reduced_reason")
    _too_long(conditions, MAX_CONDITIONS, "The conditions", "conditions")
    days = _check_report_dates(report_dates)
    offered = committed_pence(session, round_.id)
    if offered + amount_pence > round_.budget_pence:
        raise AwardError(
            f"This offer would take the total offered in the round to {format_pounds(offered + amount_pence)},"
            f" more than the budget of {format_pounds(round_.budget_pence)}"
            f" ({format_pounds(round_.budget_pence - offered)} is left)"
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
        raise AwardError(ALREADY_OFFERED) from None

    if round_.status == RoundStatus.DECIDED:
        change_status(session, round=round_, to=RoundStatus.AWARDING, actor=actor)
    record_event(
        session,
        "award.offered",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="award",
        object_id=award.id,
        facts={"round_id": round_.id, "bid_id": bid.id, "award_id": award.id, "amount_pence": amount_pence},
    )
    _email_group_offer(session, award=award, bid=bid)
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


def accept_offer(session: DbSession, *, award: Award, name: str, conditions_accepted: bool, actor: User) -> None:
    """The group accepts the offer and its conditions, signed with a name; the staff member who made it is told."""
    _lock(session, award)
    if award.status != AwardStatus.OFFERED:
        raise AwardError(_not_open_message(award), "name")
    name = name.strip()
    if not name:
        raise AwardError(ACCEPT_NAME_REQUIRED, "name")
    _too_long(name, MAX_NAME, "Your name", "name")
    if not conditions_accepted:
        raise AwardError(ACCEPT_CONFIRM_REQUIRED, "confirm")
    _move(award, AwardStatus.ACCEPTED)
    award.accepted_name = name
    award.responded_at = utcnow()
    session.flush()
    _record(session, "award.accepted", award, actor, APPLICANT)
    _email_staff(session, award=award, accepted=True)


def decline_offer(session: DbSession, *, award: Award, reason: str, actor: User) -> None:
    """The group turns the offer down, with a reason if they want to give one."""
    _lock(session, award)
    if award.status != AwardStatus.OFFERED:
        message = _not_open_message(award)
        if award.status in ACCEPTED_OR_LATER:
            message = "Your group has already accepted this offer, so it cannot be declined here. Contact the funder"
        raise AwardError(message.replace("can no longer be accepted", "can no longer be declined"), "reason")
    reason = reason.strip()
    _too_long(reason, MAX_TEXT, "The reason", "reason")
    _move(award, AwardStatus.DECLINED)
    award.decline_reason = reason
    award.responded_at = utcnow()
    session.flush()
    _record(session, "award.declined", award, actor, APPLICANT)
    _email_staff(session, award=award, accepted=False)


def withdraw_offer(session: DbSession, *, award: Award, reason: str, actor: User) -> None:
    """Staff take back an offer (offered or accepted, before any payment), with a reason the group reads."""
    _lock(session, award)
    reason = reason.strip()
    if award.status not in (AwardStatus.OFFERED, AwardStatus.ACCEPTED):
        raise AwardError(f"An award that is {award.status.label.lower()} cannot be withdrawn", "reason")
    if award.paid_pence > 0:
        raise AwardError("This award cannot be withdrawn: a payment has been made", "reason")
    if not reason:
        raise AwardError(WITHDRAW_REASON_REQUIRED, "reason")
    _too_long(reason, MAX_TEXT, "The reason", "reason")
    previous = award.status
    _move(award, AwardStatus.WITHDRAWN)
    award.withdrawn_at = utcnow()
    award.withdrawal_reason = reason
    session.flush()
    _record(session, "award.withdrawn", award, actor, STAFF, previous=previous.value)
    _email_group_withdrawn(session, award=award)


# --- payments ---------------------------------------------------------------------------------------------------


def _payment_refused(award: Award, amount_pence: int) -> AwardError:
    """Why a payment did not go through, from the award as it is now."""
    match award.status:
        case AwardStatus.OFFERED:
            return AwardError("You can record payments once the group has accepted the offer")
        case AwardStatus.PAID_IN_FULL | AwardStatus.CLOSED:
            return AwardError("This award has been paid in full")
        case AwardStatus.DECLINED | AwardStatus.WITHDRAWN:
            return AwardError(f"This offer was {award.status.label.lower()}, so no payment can be made")
    return AwardError(
        f"This payment would take the total paid to {format_pounds(award.paid_pence + amount_pence)},"
        f" more than the award of {format_pounds(award.amount_pence)}"
    )


def record_payment(
    session: DbSession,
    *,
    award: Award,
    amount_pence: int | None,
    paid_on: date | None,
    reference: str,
    actor: User,
) -> Payment:
    """Record money paid against an accepted award; never past the award, even with two payments at once."""
    if amount_pence is None or amount_pence <= 0:
        raise AwardError(PAYMENT_AMOUNT_REQUIRED)
    if paid_on is None:
        raise AwardError("Enter the date the payment was made", "paid_on")
    if paid_on > today_in_london():
        raise AwardError(PAYMENT_DATE_FUTURE, "paid_on")
    reference = reference.strip()
    _too_long(reference, MAX_REFERENCE, "The reference", "reference")

    # One statement both checks and adds, so two payments at once cannot both pass the award: on PostgreSQL the
    # second waits for the first's row lock and then re-checks against the new total; SQLite writers take turns.
    # The database's check constraint (paid_pence <= amount_pence) is the backstop.
    statement = (
        sa.update(Award)
        .where(
            Award.id == award.id,
            Award.status == AwardStatus.ACCEPTED,
            Award.paid_pence + amount_pence <= Award.amount_pence,
        )
        .values(paid_pence=Award.paid_pence + amount_pence)
        .execution_options(synchronize_session=False)
    )
    try:
        with session.begin_nested():
            result = cast(sa.CursorResult[Any], session.execute(statement))
            updated = result.rowcount
    except IntegrityError:
        updated = 0
    session.refresh(award)
    if updated != 1:
        raise _payment_refused(award, amount_pence)

    payment = Payment(
        award_id=award.id, amount_pence=amount_pence, paid_on=paid_on, reference=reference, recorded_by_id=actor.id
    )
    session.add(payment)
    if award.paid_pence == award.amount_pence:
        _move(award, AwardStatus.PAID_IN_FULL)
    session.flush()
    record_event(
        session,
        "payment.recorded",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="award",
        object_id=award.id,
        facts={
            "award_id": award.id,
            "payment_id": payment.id,
            "amount_pence": amount_pence,
            "paid_pence": award.paid_pence,
        },
    )
    return payment


def close_award(session: DbSession, *, award: Award, actor: User) -> None:
    """Close an award paid in full once its reporting is done."""
    _lock(session, award)
    if award.status != AwardStatus.PAID_IN_FULL:
        raise AwardError("An award can be closed once it has been paid in full", "status")
    _move(award, AwardStatus.CLOSED)
    session.flush()
    _record(session, "award.closed", award, actor, STAFF)


def _record(session: DbSession, action: str, award: Award, actor: User, role: str, **extra: Any) -> None:
    record_event(
        session,
        action,
        actor_id=actor.id,
        actor_role=role,
        object_type="award",
        object_id=award.id,
        facts={"round_id": award.round_id, "bid_id": award.bid_id, "award_id": award.id, **extra},
    )


# --- feedback ---------------------------------------------------------------------------------------------------


def check_feedback_allowed(session: DbSession, bid: Bid) -> None:
    """Feedback is for eligible bids that the ratified result did not fund."""
    if bid.status != BidStatus.ELIGIBLE:
        raise AwardError(FEEDBACK_NOT_ELIGIBLE, "text")
    if current_ratification(session, bid.round_id) is None:
        raise AwardError(FEEDBACK_NOT_DECIDED, "text")
    if bid.id in funded_bid_ids(session, bid.round_id):
        raise AwardError(FEEDBACK_FOR_FUNDED, "text")


def send_feedback(session: DbSession, *, bid: Bid, text: str, actor: User) -> Feedback:
    """Send an unfunded group the feedback staff composed from the panel's comments."""
    session.refresh(bid, with_for_update=True)
    check_feedback_allowed(session, bid)
    text = text.strip()
    if not text:
        raise AwardError(FEEDBACK_REQUIRED, "text")
    _too_long(text, MAX_FEEDBACK, "The feedback", "text")
    feedback = session.scalar(sa.select(Feedback).where(Feedback.bid_id == bid.id))
    if feedback is not None and feedback.sent_at is not None:
        raise AwardError(FEEDBACK_ALREADY_SENT, "text")
    if feedback is None:
        feedback = Feedback(bid_id=bid.id, text=text)
        session.add(feedback)
    feedback.text = text
    feedback.sent_at = utcnow()
    feedback.sent_by_id = actor.id
    session.flush()
    record_event(
        session,
        "feedback.sent",
        actor_id=actor.id,
        actor_role=STAFF,
        object_type="bid",
        object_id=bid.id,
        facts={"round_id": bid.round_id, "bid_id": bid.id},
    )
    _email_feedback(session, bid=bid, text=text)
    return feedback


# --- emails -----------------------------------------------------------------------------------------------------


def _hello(to: Recipient) -> list[str]:
    return [f"Hello {to.name}," if to.name else "Hello,", ""]


def _email_group_offer(session: DbSession, *, award: Award, bid: Bid) -> None:
    round_: Round = bid.round
    funder = round_.funder.name
    title = bid.title or "your group's bid"
    for to in bid_recipients(session, bid):
        lines = [
            *_hello(to),
            f'Good news: {funder} is offering your group a grant of {format_pounds(award.amount_pence)} for "{title}"'
            f" ({bid.reference}), your bid to {round_.title}.",
        ]
        if award.reduced_reason:
            lines += ["", f"This is less than the {format_pounds(bid.amount_pence)} you asked for, because:", ""]
            lines += [award.reduced_reason]
        if award.conditions:
            lines += ["", "The conditions of the grant:", "", award.conditions]
        lines += ["", "We will ask you to tell us how it went by:"]
        lines += [f"- {day.strftime('%-d %B %Y')}" for day in sorted(rd.due_on for rd in award.report_dates)]
        if to.has_account:
            lines += ["", f"Read the offer and accept or decline it at {absolute_url('awards.respond', bid_id=bid.id)}"]
        else:
            lines += ["", f"To accept or decline it, please get in touch with {funder}."]
        lines += ["", funder]
        queue_email(
            session,
            to=to.email,
            subject=f"An offer of a grant for your bid {bid.reference}",
            body="\n".join(lines) + "\n",
        )


def _email_group_withdrawn(session: DbSession, *, award: Award) -> None:
    bid = award.bid
    funder = bid.round.funder.name
    for to in bid_recipients(session, bid):
        lines = [
            *_hello(to),
            f"We are sorry: {funder} has withdrawn its offer of {format_pounds(award.amount_pence)} for your bid"
            f" {bid.reference}.",
            "",
            "Why:",
            "",
            award.withdrawal_reason,
            "",
            f"If you would like to talk about it, please get in touch with {funder}.",
            "",
            funder,
        ]
        queue_email(
            session, to=to.email, subject=f"Offer withdrawn for your bid {bid.reference}", body="\n".join(lines) + "\n"
        )


def _email_staff(session: DbSession, *, award: Award, accepted: bool) -> None:
    staff = award.offered_by
    if staff.is_disabled:
        return
    bid = award.bid
    if accepted:
        subject = f"{bid.reference}: offer accepted"
        what = f"{bid.group.name} accepted the offer of {format_pounds(award.amount_pence)} for {bid.reference}."
    else:
        subject = f"{bid.reference}: offer declined"
        what = f"{bid.group.name} declined the offer of {format_pounds(award.amount_pence)} for {bid.reference}."
        if award.decline_reason:
            what += f"\n\nTheir reason:\n\n{award.decline_reason}"
    body = "\n".join(
        [f"Hello {staff.name},", "", what, "", f"See the award at {absolute_url('awards.award', award_id=award.id)}"]
    )
    queue_email(session, to=staff.email, subject=subject, body=body + "\n")


def _email_feedback(session: DbSession, *, bid: Bid, text: str) -> None:
    funder = bid.round.funder.name
    for to in bid_recipients(session, bid):
        lines = [
            *_hello(to),
            f"Thank you for your bid {bid.reference} to {bid.round.title}. The community panel did not choose it for"
            " funding this time. Here is what the panel said about it, to help with your next bid:",
            "",
            text,
        ]
        if to.has_account:
            lines += ["", f"You can read this again on your bid's page: {absolute_url('bids.view', bid_id=bid.id)}"]
        lines += ["", funder]
        queue_email(session, to=to.email, subject=f"Feedback on your bid {bid.reference}", body="\n".join(lines) + "\n")
