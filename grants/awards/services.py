"""The awards area's services in one place for its callers (the routes, the demo, other areas' tests).

They live by concern: offers and the group's answer in `offers.py`, payments in `payments.py`, feedback to
unfunded groups in `feedback.py`, and what they share (limits, the statuses that count against the budget, the
table of an award's moves) in `rules.py`.
"""

from grants.awards.feedback import (
    FEEDBACK_ALREADY_SENT,
    FEEDBACK_FOR_FUNDED,
    FEEDBACK_NOT_DECIDED,
    FEEDBACK_NOT_ELIGIBLE,
    FEEDBACK_REQUIRED,
    check_feedback_allowed,
    feedback_refused,
    send_feedback,
)
from grants.awards.offers import (
    ACCEPT_CONFIRM_REQUIRED,
    ACCEPT_NAME_REQUIRED,
    ALREADY_ACCEPTED,
    ALREADY_OFFERED,
    AMOUNT_REQUIRED,
    NOT_FUNDED,
    REDUCED_REASON_REQUIRED,
    REPORT_DATES_DIFFERENT,
    REPORT_DATES_IN_FUTURE,
    REPORT_DATES_REQUIRED,
    ROUND_NOT_DECIDED,
    WITHDRAW_REASON_REQUIRED,
    accept_offer,
    close_award,
    decline_offer,
    make_offer,
    withdraw_offer,
)
from grants.awards.payments import PAYMENT_AMOUNT_REQUIRED, PAYMENT_DATE_FUTURE, record_payment
from grants.awards.queries import committed_pence
from grants.awards.rules import (
    ACCEPTED_OR_LATER,
    AWARD_MOVES,
    COMMITTED,
    MAX_CONDITIONS,
    MAX_FEEDBACK,
    MAX_NAME,
    MAX_REFERENCE,
    MAX_REPORT_DATES,
    MAX_TEXT,
    MIN_REPORT_DATES,
)

__all__ = [
    "ACCEPTED_OR_LATER",
    "ACCEPT_CONFIRM_REQUIRED",
    "ACCEPT_NAME_REQUIRED",
    "ALREADY_ACCEPTED",
    "ALREADY_OFFERED",
    "AMOUNT_REQUIRED",
    "AWARD_MOVES",
    "COMMITTED",
    "FEEDBACK_ALREADY_SENT",
    "FEEDBACK_FOR_FUNDED",
    "FEEDBACK_NOT_DECIDED",
    "FEEDBACK_NOT_ELIGIBLE",
    "FEEDBACK_REQUIRED",
    "MAX_CONDITIONS",
    "MAX_FEEDBACK",
    "MAX_NAME",
    "MAX_REFERENCE",
    "MAX_REPORT_DATES",
    "MAX_TEXT",
    "MIN_REPORT_DATES",
    "NOT_FUNDED",
    "PAYMENT_AMOUNT_REQUIRED",
    "PAYMENT_DATE_FUTURE",
    "REDUCED_REASON_REQUIRED",
    "REPORT_DATES_DIFFERENT",
    "REPORT_DATES_IN_FUTURE",
    "REPORT_DATES_REQUIRED",
    "ROUND_NOT_DECIDED",
    "WITHDRAW_REASON_REQUIRED",
    "accept_offer",
    "check_feedback_allowed",
    "close_award",
    "committed_pence",
    "decline_offer",
    "feedback_refused",
    "make_offer",
    "record_payment",
    "send_feedback",
    "withdraw_offer",
]
