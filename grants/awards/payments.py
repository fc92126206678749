"""Payments against an accepted award: never more than the award, even with two recorded at once. The caller
commits; each payment writes an audit event in the same transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from grants.awards.rules import MAX_REFERENCE, MAX_TEXT, move, record_award_event, too_long
from grants.database import DbSession
from grants.decisions.services import text_sha256
from grants.domain import DomainError, typed_text
from grants.models import Award, AwardStatus, Payment, User
from grants.money import format_pounds
from grants.panel.rules import check_free_to_act
from grants.timefmt import today_in_london

PAYMENT_AMOUNT_REQUIRED = "Enter the amount paid, in pounds"
REVERSAL_REASON_REQUIRED = "Say why this payment is being reversed, for example that it was recorded twice"
REVERSAL_REASON_TOO_LONG = f"Keep the reason to {MAX_TEXT:,} characters or fewer"
PAYMENT_DATE_FUTURE = "The date paid must be today or in the past"


def _payment_refused(award: Award, amount_pence: int) -> DomainError:
    """Why a payment did not go through, from the award as it is now."""
    match award.status:
        case AwardStatus.OFFERED:
            return DomainError("You can record payments once the group has accepted the offer", "amount")
        case AwardStatus.PAID_IN_FULL | AwardStatus.CLOSED:
            return DomainError("This award has been paid in full", "amount")
        case AwardStatus.DECLINED | AwardStatus.WITHDRAWN:
            return DomainError(f"This offer was {award.status.label.lower()}, so no payment can be made", "amount")
    return DomainError(
        f"This payment would take the total paid to {format_pounds(award.paid_pence + amount_pence)},"
        f" more than the award of {format_pounds(award.amount_pence)}",
        "amount",
    )


def record_payment(
    session: DbSession,
    *,
    award: Award,
    amount_pence: int | None,
    paid_on: date | None,
    reference: str,
    actor: User,
    now: datetime,
) -> Payment:
    """Record money paid against an accepted award, on a day no later than London's day at `now`."""
    check_free_to_act(session, bid=award.bid, actor_id=actor.id, doing="record a payment on this award")
    if amount_pence is None or amount_pence <= 0:
        raise DomainError(PAYMENT_AMOUNT_REQUIRED, "amount")
    if paid_on is None:
        raise DomainError("Enter the date the payment was made", "paid_on")
    if paid_on > today_in_london(now):
        raise DomainError(PAYMENT_DATE_FUTURE, "paid_on")
    reference = reference.strip()
    too_long(reference, MAX_REFERENCE, "The reference", "reference")

    if amount_pence > award.amount_pence - award.paid_pence:
        # Said before the statement below, which says it too, so that an amount past what the column holds (a
        # 32-bit INTEGER on PostgreSQL) is refused with this message rather than failing in the database.
        raise _payment_refused(award, amount_pence)

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
        move(award, AwardStatus.PAID_IN_FULL)
    session.flush()
    _payment_event(session, "payment.recorded", award=award, payment=payment, actor=actor)
    return payment


def _payment_event(
    session: DbSession, action: str, *, award: Award, payment: Payment, actor: User, **extra: Any
) -> None:
    record_award_event(
        session,
        action,
        award,
        actor,
        payment_id=payment.id,
        amount_pence=payment.amount_pence,
        paid_pence=award.paid_pence,
        **extra,
    )


def reverse_payment(
    session: DbSession, *, award: Award, payment: Payment, reason: str, actor: User, now: datetime
) -> Payment:
    """Undo a payment recorded in error with a reversing entry (its negative, dated London's day at `now`, with
    the reason): the payment itself is kept, the award's total paid goes down by its amount, and an award that was
    paid in full is open for payments again. A payment is reversed once; a reversal is never reversed."""
    check_free_to_act(session, bid=award.bid, actor_id=actor.id, doing="reverse a payment on this award")
    reason = typed_text(reason, MAX_TEXT, "reason", missing=REVERSAL_REASON_REQUIRED, too_long=REVERSAL_REASON_TOO_LONG)
    if payment.award_id != award.id or payment.is_reversal:
        raise DomainError("Only a payment of this award can be reversed", "reason")
    if award.status not in (AwardStatus.ACCEPTED, AwardStatus.PAID_IN_FULL):
        raise DomainError(f"This award is {award.status.label.lower()}, so its payments cannot be reversed", "reason")
    # The same one statement as a payment: two reversals at once cannot take the total below nothing, and the
    # unique reverses_id stops the same payment being reversed twice.
    statement = (
        sa.update(Award)
        .where(Award.id == award.id, Award.paid_pence >= payment.amount_pence)
        .values(paid_pence=Award.paid_pence - payment.amount_pence)
        .execution_options(synchronize_session=False)
    )
    reversal = Payment(
        award_id=award.id,
        amount_pence=-payment.amount_pence,
        paid_on=today_in_london(now),
        reference=f"Reversal of the payment of {payment.paid_on.isoformat()}"[:MAX_REFERENCE],
        recorded_by_id=actor.id,
        reverses_id=payment.id,
        reason=reason,
    )
    try:
        with session.begin_nested():
            updated = cast(sa.CursorResult[Any], session.execute(statement)).rowcount
            session.add(reversal)
            session.flush()
    except IntegrityError:
        updated = 0
    session.refresh(award)
    if updated != 1:
        raise DomainError("This payment has already been reversed", "reason")
    if award.status == AwardStatus.PAID_IN_FULL:
        move(award, AwardStatus.ACCEPTED)
    session.flush()
    # The reason is free text: the chain holds its hash, the payment row the words.
    _payment_event(
        session,
        "payment.reversed",
        award=award,
        payment=reversal,
        actor=actor,
        reverses_payment_id=payment.id,
        reason_sha256=text_sha256(reason),
    )
    return reversal
