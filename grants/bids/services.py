"""A group's bid: start it, draft it in short steps, check it, send it, return it to draft, withdraw it.

Drafts keep whatever was typed (even over a word limit, so nothing is lost); the rules bite at submission,
which happens only while the round takes bids, checked at the moment given (`now`). Every change of status is
a move of the table in lifecycle.py. The group's own details are in groups.py, the attached file in
attachments.py. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.bids.audience import bid_recipients
from grants.bids.groups import GroupDetails, create_group, group_complete
from grants.bids.lifecycle import accepting_bids, check_move
from grants.database import DbSession
from grants.domain import DeadlinePassed, DomainError
from grants.files import is_web_link
from grants.mail import send_email
from grants.models import Answer, Bid, BidStatus, BudgetLine, Group, GroupMember, Question, Round, User
from grants.money import parse_pounds
from grants.text import MAX_WORD_LIMIT, chars_for_words, clean_line, clean_text, word_count

MAX_BUDGET_LINES = 8
MAX_WITHDRAWAL_REASON = 2000
MAX_TITLE = 200
# What a draft answer may hold at most, whatever its question's limit: the characters of the longest word limit.
ANSWER_CHAR_CAP = chars_for_words(MAX_WORD_LIMIT)
ANSWER_TOO_LONG = f"Your answer is too long to save. Cut it to {ANSWER_CHAR_CAP:,} characters or fewer"


class AmountProblems(DomainError):
    """Several boxes of the amount page are wrong at once: `errors` gives each box's message, by the box's name
    ("amount", or "lines-2-cost" for the cost of the third line). It reads as its first message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(errors[first], first if first == "amount" else "lines")
        self.errors = errors


def audit_bid(session: DbSession, action: str, bid: Bid, actor: User, **facts: Any) -> None:
    """Record what was done to the bid, by its group or by staff on the group's behalf."""
    on_behalf = bid.entered_by_staff_id is not None and not _is_member(session, actor, bid.group_id)
    record_event(
        session,
        action,
        by=actor,
        role="staff" if on_behalf else "applicant",
        about=bid,
        facts={
            "round_id": bid.round_id,
            "group_id": bid.group_id,
            **facts,
            **({"on_behalf": True} if on_behalf else {}),
        },
    )


def _is_member(session: DbSession, user: User, group_id: int) -> bool:
    return (
        session.scalar(
            sa.select(GroupMember.id).where(GroupMember.group_id == group_id, GroupMember.user_id == user.id)
        )
        is not None
    )


# --- drafting -----------------------------------------------------------------------------------------------


def _next_bid_number(session: DbSession, round_: Round) -> int:
    # The row lock taken by this UPDATE serialises concurrent starts in the same round on PostgreSQL;
    # on SQLite the write transaction (BEGIN IMMEDIATE) already does.
    number = session.execute(
        sa.update(Round)
        .where(Round.id == round_.id)
        .values(bid_counter=Round.bid_counter + 1)
        .returning(Round.bid_counter)
    ).scalar_one()
    session.expire(round_, ["bid_counter"])
    return int(number)


def start_bid(
    session: DbSession, *, round_: Round, group: Group, actor: User, now: datetime, on_behalf: bool = False
) -> Bid:
    """Start (or return) the group's bid in this round. One bid per group per round."""
    existing = session.scalar(sa.select(Bid).where(Bid.round_id == round_.id, Bid.group_id == group.id))
    if existing is not None:
        return existing
    if not accepting_bids(round_, now=now):
        raise DeadlinePassed("This round is not taking bids at the moment.")
    bid = Bid(
        round_id=round_.id,
        group_id=group.id,
        number=_next_bid_number(session, round_),
        title="",
        entered_by_staff_id=actor.id if on_behalf else None,
    )
    bid.answers = [Answer(question_id=q.id, text="") for q in round_.questions]
    session.add(bid)
    session.flush()
    record_event(
        session,
        "bid.created",
        by=actor,
        role="staff" if on_behalf else "applicant",
        about=bid,
        facts={"round_id": round_.id, "group_id": group.id, "number": bid.number, "on_behalf": on_behalf},
    )
    return bid


def enter_bid_on_behalf(session: DbSession, *, round_: Round, details: GroupDetails, actor: User, now: datetime) -> Bid:
    """A bid taken by phone or in person: staff enter the group and start its bid, marked as on its behalf."""
    group = create_group(session, details=details, creator=actor, on_behalf=True)
    return start_bid(session, round_=round_, group=group, actor=actor, now=now, on_behalf=True)


def require_draft(bid: Bid) -> None:
    """Refuse a change to a bid that is not a draft: a sent bid goes back to draft first, a withdrawn one too."""
    if bid.status == BidStatus.WITHDRAWN:
        raise DomainError("This bid was withdrawn, so it cannot be changed.")
    if bid.status != BidStatus.DRAFT:
        raise DomainError("This bid has been sent. To change it, return it to draft first (while the round is open).")


def save_title(session: DbSession, *, bid: Bid, title: str) -> None:
    require_draft(bid)
    title = clean_line(title, what="The name of your idea", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"Keep the name to {MAX_TITLE} characters or fewer", "title")
    bid.title = title


def answer_text(bid: Bid, question: Question) -> str:
    """What the group has written in answer to this question ("" if nothing yet). Only reads."""
    return next((answer.text for answer in bid.answers if answer.question_id == question.id), "")


def _answer_for(bid: Bid, question: Question) -> Answer:
    """The bid's answer to this question, added (empty) if it has none yet: a question added after the bid began."""
    for answer in bid.answers:
        if answer.question_id == question.id:
            return answer
    answer = Answer(question_id=question.id, text="")
    bid.answers.append(answer)
    return answer


def too_long(question: Question, text: str) -> str | None:
    """Why this answer is over its word limit (words counted as a person counts them, `grants.text.word_count`) or
    over the characters that limit allows (`chars_for_words`: no enormous "words"), or None."""
    words = word_count(text)
    if words > question.word_limit:
        return f"Your answer is {words:,} words. Cut it to {question.word_limit:,} words or fewer"
    cap = chars_for_words(question.word_limit)
    if len(text) > cap:
        return (
            f"Your answer is {len(text):,} characters long. Cut it to {cap:,} characters or fewer"
            f" (about {question.word_limit:,} words)"
        )
    return None


def answer_problem(question: Question, text: str, *, has_recording: bool) -> str | None:
    """Why this answer would stop the bid being sent, or None."""
    if (problem := too_long(question, text)) is not None:
        return problem
    if question.required and word_count(text) == 0 and not has_recording:
        return "Answer this question, or send a link to a recording instead of writing"
    return None


def save_answer(session: DbSession, *, bid: Bid, question: Question, text: str) -> str | None:
    """Save the answer as typed (a draft keeps everything, even over its word limit); return why it is too long
    to be sent, if it is, so the person is told at once."""
    require_draft(bid)
    if question.round_id != bid.round_id:
        raise DomainError("That question is not part of this round.")
    text = clean_text(text, what="Your answer", field="answer")
    if len(text) > ANSWER_CHAR_CAP:
        raise DomainError(ANSWER_TOO_LONG, "answer")
    _answer_for(bid, question).text = text
    return too_long(question, text)


@dataclass
class BudgetLineInput:
    item: str
    cost: str


def save_amount(session: DbSession, *, bid: Bid, amount: str, lines: list[BudgetLineInput]) -> None:
    """Save the amount and its breakdown, all or nothing: the total of the lines must equal the amount."""
    require_draft(bid)
    round_ = bid.round
    errors: dict[str, str] = {}
    amount_pence = parse_pounds(amount)
    if not amount.strip():
        errors["amount"] = "Enter how much you are asking for, in pounds"
    elif amount_pence is None or amount_pence <= 0:
        errors["amount"] = "Enter how much you are asking for as an amount in pounds, like 1250"
    elif not round_.min_grant_pence <= amount_pence <= round_.max_grant_pence:
        errors["amount"] = (
            f"Enter an amount between £{round_.min_grant_pence / 100:,.0f} and £{round_.max_grant_pence / 100:,.0f}"
        )
    parsed: list[tuple[str, int]] = []
    for i, line in enumerate(lines[:MAX_BUDGET_LINES]):
        item, cost = clean_line(line.item, what="The item", field="lines"), line.cost.strip()
        if not item and not cost:
            continue
        cost_pence = parse_pounds(cost)
        if not item:
            errors[f"lines-{i}-item"] = "Say what this money is for"
        if not cost:
            errors[f"lines-{i}-cost"] = "Enter what this item costs, in pounds"
        elif cost_pence is None or cost_pence <= 0:
            errors[f"lines-{i}-cost"] = "Enter the cost as an amount in pounds, like 120"
        if item and cost_pence:
            parsed.append((item[:200], cost_pence))
    if not parsed and not any(k.startswith("lines-") for k in errors):
        errors["lines-0-item"] = "Add at least one item and what it costs"
    if amount_pence and parsed and not errors:
        total = sum(c for _, c in parsed)
        if total != amount_pence:
            errors["amount"] = (
                f"Your items add up to £{total / 100:,.2f}, but you are asking for £{amount_pence / 100:,.2f}."
                " Make them the same"
            )
    if errors:
        raise AmountProblems(errors)
    bid.amount_pence = amount_pence
    bid.budget_lines.clear()
    session.flush()
    bid.budget_lines.extend(BudgetLine(position=i, item=item, cost_pence=cost) for i, (item, cost) in enumerate(parsed))


def save_recording(session: DbSession, *, bid: Bid, url: str) -> None:
    """A link to a short video or audio recording, instead of (or beside) written answers. Empty removes it."""
    require_draft(bid)
    url = url.strip()
    if url and not is_web_link(url):
        raise DomainError("Enter a full web address starting with https://, like https://youtu.be/abc123", "url")
    bid.recording_url = url


# --- checking and sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that stops the bid being sent, and the step of the task list that puts it right ("group",
    "title", "question" with the question's position, or "amount")."""

    message: str
    step: str
    position: int | None = None


def problems(bid: Bid) -> list[Problem]:
    """Everything that would stop this bid being sent, in task-list order."""
    found: list[Problem] = []
    if not group_complete(bid.group):
        found.append(Problem("Add your group's area and a contact name and email", "group"))
    if not bid.title.strip():
        found.append(Problem("Give your idea a short name", "title"))
    for question in bid.round.questions:
        problem = answer_problem(question, answer_text(bid, question), has_recording=bool(bid.recording_url))
        if problem:
            found.append(Problem(f"{question.prompt} {problem[0].lower()}{problem[1:]}", "question", question.position))
    round_ = bid.round
    if bid.amount_pence is None:
        found.append(Problem("Say how much you are asking for", "amount"))
    elif not round_.min_grant_pence <= bid.amount_pence <= round_.max_grant_pence:
        found.append(Problem("The amount is outside this round's limits", "amount"))
    elif sum(line.cost_pence for line in bid.budget_lines) != bid.amount_pence:
        found.append(Problem("Your items do not add up to the amount", "amount"))
    return found


def submit_bid(
    session: DbSession, *, bid: Bid, declaration_name: str, confirmed: bool, actor: User, now: datetime
) -> bool:
    """Send the bid at `now`. Returns False (and changes nothing) if it had already been sent, e.g. a second click."""
    if bid.status in (BidStatus.SUBMITTED, BidStatus.ELIGIBLE, BidStatus.INELIGIBLE):
        return False
    check_move(bid, BidStatus.SUBMITTED)
    if not accepting_bids(bid.round, now=now):
        raise DeadlinePassed(
            "The deadline for this round has passed, so the bid cannot be sent. Your draft is saved."
            if now >= bid.round.closes_at
            else "This round is not taking bids at the moment. Your draft is saved."
        )
    if problems(bid):
        raise DomainError("There are things to finish before you can send your bid: see the list below.")
    declaration_name = clean_line(declaration_name, what="Your name", field="declaration_name")
    if not declaration_name:
        raise DomainError("Type your full name to confirm the declaration", "declaration_name")
    if not confirmed:
        raise DomainError("Tick the box to confirm the declaration", "confirm")
    # Conditional on still being a draft: of two racing clicks only one changes the row.
    sent = session.execute(
        sa.update(Bid)
        .where(Bid.id == bid.id, Bid.status == BidStatus.DRAFT)
        .values(
            status=BidStatus.SUBMITTED,
            submitted_at=now,
            declaration_name=declaration_name.strip()[:120],
            withdrawn_at=None,
            withdrawal_reason="",
        )
        .execution_options(synchronize_session=False)
    )
    if not sent.rowcount:  # type: ignore[attr-defined]
        return False
    session.refresh(bid)
    audit_bid(
        session,
        "bid.submitted",
        bid,
        actor,
        amount_pence=bid.amount_pence,
        has_recording=bool(bid.recording_url),
        has_attachment=bid.attachment is not None,
    )
    for recipient in bid_recipients(session, bid):
        send_email(session, to=recipient.email, template="bids/received", bid=bid)
    return True


def return_to_draft(session: DbSession, *, bid: Bid, actor: User, now: datetime) -> None:
    """Take a sent (or withdrawn) bid back to draft to change it, while the round still takes bids at `now`."""
    check_move(bid, BidStatus.DRAFT)
    if not accepting_bids(bid.round, now=now):
        raise DeadlinePassed("The round has closed, so this bid can no longer be changed.")
    previous = bid.status
    bid.status = BidStatus.DRAFT
    bid.withdrawn_at = None
    audit_bid(session, "bid.returned_to_draft", bid, actor, previous=previous.value)


def withdraw_bid(session: DbSession, *, bid: Bid, reason: str, actor: User, now: datetime) -> None:
    """Withdraw a sent bid while the round still takes bids at `now`; the reason is optional."""
    if bid.status == BidStatus.WITHDRAWN:
        return
    check_move(bid, BidStatus.WITHDRAWN)
    if not accepting_bids(bid.round, now=now):
        raise DeadlinePassed("The round has closed, so this bid can no longer be withdrawn. Contact the funder.")
    reason = clean_text(reason, what="The reason", field="reason").strip()
    if len(reason) > MAX_WITHDRAWAL_REASON:
        raise DomainError(f"Keep the reason to {MAX_WITHDRAWAL_REASON:,} characters or fewer", "reason")
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = now
    bid.withdrawal_reason = reason
    audit_bid(session, "bid.withdrawn", bid, actor)
