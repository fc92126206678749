"""The rules of groups and bids: describe the group once, draft, submit, return to draft, withdraw.

Drafts keep whatever was typed (even over a word limit, so nothing is lost); the rules bite at submission,
which happens only while the round is open, checked on the server at that moment.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.bids.audience import bid_recipients
from grants.database import DbSession
from grants.files import AUDIO_TYPES, IMAGE_TYPES, PDF_TYPES, is_web_link, sniff_type
from grants.mail import send_email
from grants.models import (
    Answer,
    Attachment,
    Bid,
    BidStatus,
    BudgetLine,
    Group,
    GroupKind,
    GroupMember,
    Question,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from grants.money import parse_pounds

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_BUDGET_LINES = 8
# What a group may attach, recognised from the file's content (never its name).
ALLOWED_ATTACHMENT_TYPES = {**PDF_TYPES, **IMAGE_TYPES, **AUDIO_TYPES}
CHARITY_NUMBER = re.compile(r"^(\d{6,8}|SC\d{6}|NIC\d{6}|NI\d{6})$")
COMPANY_NUMBER = re.compile(r"^([0-9]{8}|(SC|NI|OC|SO|NC|R0)[0-9]{6})$")
KINDS_WITH_CHARITY_NUMBER = {GroupKind.CHARITY, GroupKind.CIO}
KINDS_WITH_COMPANY_NUMBER = {GroupKind.CIC, GroupKind.COMPANY}


class BidError(Exception):
    """A bid rule was broken. `field` names the form field the message belongs next to (None: the page)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DeadlinePassed(BidError):
    """The round is not taking bids at this moment."""


def word_count(text: str) -> int:
    return len(text.split())


def accepting_bids(round_: Round, now: datetime | None = None) -> bool:
    """True while the round is open and the server's clock is between its opening and closing times."""
    now = now or utcnow()
    return round_.status == RoundStatus.OPEN and round_.opens_at <= now < round_.closes_at


def _audit(session: DbSession, action: str, bid: Bid, actor: User, **facts: Any) -> None:
    on_behalf = bid.entered_by_staff_id is not None and not _is_member(session, actor, bid.group_id)
    record_event(
        session,
        action,
        actor_id=actor.id,
        actor_role="staff" if on_behalf else "applicant",
        object_type="bid",
        object_id=bid.id,
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


# --- groups -------------------------------------------------------------------------------------------------


@dataclass
class GroupDetails:
    name: str
    area: str
    kind: GroupKind
    registration_number: str
    contact_name: str
    contact_email: str
    contact_phone: str


def normalise_registration_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def check_group_details(details: GroupDetails) -> None:
    """Registration numbers only where one exists, in the shape the Charity Commission or Companies House uses."""
    number = normalise_registration_number(details.registration_number)
    if details.kind in KINDS_WITH_CHARITY_NUMBER:
        if number and not CHARITY_NUMBER.match(number):
            raise BidError(
                "Enter a charity number in the right format, like 1123456, SC012345 or NIC100000",
                "registration_number",
            )
    elif details.kind in KINDS_WITH_COMPANY_NUMBER:
        if number and not COMPANY_NUMBER.match(number):
            raise BidError(
                "Enter a company number in the right format: 8 characters, like 01234567 or SC123456",
                "registration_number",
            )
    elif number:
        raise BidError(
            f"{details.kind.label}s do not have a registration number. Leave this empty, or change the kind of group",
            "registration_number",
        )


def _apply_group_details(group: Group, details: GroupDetails) -> None:
    group.name = details.name.strip()
    group.area = details.area.strip()
    group.kind = details.kind
    number = normalise_registration_number(details.registration_number)
    group.registration_number = number or None
    group.contact_name = details.contact_name.strip()
    group.contact_email = details.contact_email.strip().lower()
    group.contact_phone = details.contact_phone.strip()


def create_group(session: DbSession, *, details: GroupDetails, creator: User, on_behalf: bool = False) -> Group:
    """Create a group profile. The creator becomes a member, unless staff are entering it on the group's behalf."""
    check_group_details(details)
    group = Group(name="", area="", kind=details.kind)
    _apply_group_details(group, details)
    session.add(group)
    session.flush()
    if not on_behalf:
        session.add(GroupMember(group_id=group.id, user_id=creator.id))
    record_event(
        session,
        "group.created",
        actor_id=creator.id,
        actor_role="staff" if on_behalf else "applicant",
        object_type="group",
        object_id=group.id,
        facts={"kind": group.kind.value, "on_behalf": on_behalf},
    )
    return group


def update_group(session: DbSession, *, group: Group, details: GroupDetails, actor: User) -> None:
    check_group_details(details)
    _apply_group_details(group, details)
    record_event(
        session,
        "group.updated",
        actor_id=actor.id,
        object_type="group",
        object_id=group.id,
        facts={"kind": group.kind.value},
    )


def group_complete(group: Group) -> bool:
    return bool(group.name and group.area and group.contact_name and group.contact_email)


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


def start_bid(session: DbSession, *, round_: Round, group: Group, actor: User, on_behalf: bool = False) -> Bid:
    """Start (or return) the group's bid in this round. One bid per group per round."""
    existing = session.scalar(sa.select(Bid).where(Bid.round_id == round_.id, Bid.group_id == group.id))
    if existing is not None:
        return existing
    if not accepting_bids(round_):
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
        actor_id=actor.id,
        actor_role="staff" if on_behalf else "applicant",
        object_type="bid",
        object_id=bid.id,
        facts={"round_id": round_.id, "group_id": group.id, "number": bid.number, "on_behalf": on_behalf},
    )
    return bid


def _require_draft(bid: Bid) -> None:
    if bid.status == BidStatus.WITHDRAWN:
        raise BidError("This bid was withdrawn, so it cannot be changed.")
    if bid.status != BidStatus.DRAFT:
        raise BidError("This bid has been sent. To change it, return it to draft first (while the round is open).")


def save_title(session: DbSession, *, bid: Bid, title: str) -> None:
    _require_draft(bid)
    bid.title = title.strip()[:200]


def answer_for(bid: Bid, question: Question) -> Answer:
    for answer in bid.answers:
        if answer.question_id == question.id:
            return answer
    answer = Answer(question_id=question.id, text="")
    bid.answers.append(answer)
    return answer


def answer_problem(question: Question, text: str, *, has_recording: bool) -> str | None:
    """Why this answer would stop the bid being sent, or None."""
    words = word_count(text)
    if words > question.word_limit:
        return f"Your answer is {words} words. Cut it to {question.word_limit} words or fewer"
    if question.required and words == 0 and not has_recording:
        return "Answer this question, or send a link to a recording instead of writing"
    return None


def save_answer(session: DbSession, *, bid: Bid, question: Question, text: str) -> str | None:
    """Save the answer as typed (a draft keeps everything); return what would stop it being sent, if anything."""
    _require_draft(bid)
    if question.round_id != bid.round_id:
        raise BidError("That question is not part of this round.")
    answer_for(bid, question).text = text.replace("\r\n", "\n")
    return answer_problem(question, text, has_recording=bool(bid.recording_url))


@dataclass
class BudgetLineInput:
    item: str
    cost: str


def save_amount(session: DbSession, *, bid: Bid, amount: str, lines: list[BudgetLineInput]) -> None:
    """Save the amount and its breakdown, all or nothing: the total of the lines must equal the amount."""
    _require_draft(bid)
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
        item, cost = line.item.strip(), line.cost.strip()
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
        raise AmountErrors(errors)
    bid.amount_pence = amount_pence
    bid.budget_lines.clear()
    session.flush()
    bid.budget_lines.extend(BudgetLine(position=i, item=item, cost_pence=cost) for i, (item, cost) in enumerate(parsed))


class AmountErrors(BidError):
    """Several fields on the amount page are wrong at once."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def save_recording(session: DbSession, *, bid: Bid, url: str) -> None:
    """A link to a short video or audio recording, instead of (or beside) written answers. Empty removes it."""
    _require_draft(bid)
    url = url.strip()
    if url and not is_web_link(url):
        raise BidError("Enter a full web address starting with https://, like https://youtu.be/abc123", "url")
    bid.recording_url = url


def sniff_attachment_type(data: bytes) -> str | None:
    """The MIME type of an allowed file, judged from its content; None for anything else."""
    return sniff_type(data, ALLOWED_ATTACHMENT_TYPES)


def save_attachment(session: DbSession, *, bid: Bid, filename: str, data: bytes, actor: User) -> Attachment:
    """Attach one file (PDF, image or audio, at most 10 MB), replacing any earlier one."""
    _require_draft(bid)
    if not data:
        raise BidError("The selected file is empty", "file")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise BidError("The selected file must be smaller than 10 MB", "file")
    content_type = sniff_attachment_type(data)
    if content_type is None:
        raise BidError("The selected file must be a PDF, a photo or picture (JPG, PNG, GIF, WebP) or audio", "file")
    safe_name = re.sub(r"[^\w.\- ]", "_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip() or "attachment"
    if bid.attachment is not None:
        session.delete(bid.attachment)
        session.flush()
    attachment = Attachment(
        bid_id=bid.id,
        filename=safe_name[:200],
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        uploaded_by_id=actor.id,
    )
    session.add(attachment)
    session.flush()
    session.refresh(bid, ["attachment"])
    _audit(
        session,
        "bid.attachment_added",
        bid,
        actor,
        content_type=content_type,
        size_bytes=len(data),
        sha256=attachment.sha256,
    )
    return attachment


def remove_attachment(session: DbSession, *, bid: Bid, actor: User) -> None:
    _require_draft(bid)
    if bid.attachment is not None:
        session.delete(bid.attachment)
        session.flush()
        session.refresh(bid, ["attachment"])
        _audit(session, "bid.attachment_removed", bid, actor)


# --- checking and sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that stops the bid being sent, and the page that fixes it."""

    message: str
    endpoint: str
    values: dict[str, Any]


def problems(bid: Bid) -> list[Problem]:
    """Everything that would stop this bid being sent, in task-list order."""
    found: list[Problem] = []
    if not group_complete(bid.group):
        found.append(Problem("Add your group's area and a contact name and email", "bids.group", {"bid_id": bid.id}))
    if not bid.title.strip():
        found.append(Problem("Give your idea a short name", "bids.title", {"bid_id": bid.id}))
    for question in bid.round.questions:
        problem = answer_problem(question, answer_for(bid, question).text, has_recording=bool(bid.recording_url))
        if problem:
            found.append(
                Problem(
                    f"{question.prompt} {problem[0].lower()}{problem[1:]}",
                    "bids.question",
                    {"bid_id": bid.id, "position": question.position},
                )
            )
    round_ = bid.round
    if bid.amount_pence is None:
        found.append(Problem("Say how much you are asking for", "bids.amount", {"bid_id": bid.id}))
    elif not round_.min_grant_pence <= bid.amount_pence <= round_.max_grant_pence:
        found.append(Problem("The amount is outside this round's limits", "bids.amount", {"bid_id": bid.id}))
    elif sum(line.cost_pence for line in bid.budget_lines) != bid.amount_pence:
        found.append(Problem("Your items do not add up to the amount", "bids.amount", {"bid_id": bid.id}))
    return found


def submit_bid(session: DbSession, *, bid: Bid, declaration_name: str, confirmed: bool, actor: User) -> bool:
    """Send the bid. Returns False (and changes nothing) if it had already been sent, e.g. a second click."""
    if bid.status == BidStatus.SUBMITTED:
        return False
    if bid.status == BidStatus.WITHDRAWN:
        raise BidError("This bid was withdrawn, so it cannot be sent. Return it to draft first if the round is open.")
    if bid.status != BidStatus.DRAFT:
        return False
    if not accepting_bids(bid.round):
        raise DeadlinePassed(
            "The deadline for this round has passed, so the bid cannot be sent. Your draft is saved."
            if utcnow() >= bid.round.closes_at
            else "This round is not taking bids at the moment. Your draft is saved."
        )
    if problems(bid):
        raise BidError("There are things to finish before you can send your bid: see the list below.")
    if not declaration_name.strip():
        raise BidError("Type your full name to confirm the declaration", "declaration_name")
    if not confirmed:
        raise BidError("Tick the box to confirm the declaration", "confirm")
    now = utcnow()
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
    _audit(
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


def return_to_draft(session: DbSession, *, bid: Bid, actor: User) -> None:
    """Take a sent bid back to draft to change it, while the round is still open."""
    if bid.status not in (BidStatus.SUBMITTED, BidStatus.WITHDRAWN):
        raise BidError("Only a sent or withdrawn bid can be returned to draft.")
    if not accepting_bids(bid.round):
        raise DeadlinePassed("The round has closed, so this bid can no longer be changed.")
    previous = bid.status
    bid.status = BidStatus.DRAFT
    bid.withdrawn_at = None
    _audit(session, "bid.returned_to_draft", bid, actor, previous=previous.value)


def withdraw_bid(session: DbSession, *, bid: Bid, reason: str, actor: User) -> None:
    """Withdraw a sent bid while the round is open; the reason is optional."""
    if bid.status == BidStatus.WITHDRAWN:
        return
    if bid.status != BidStatus.SUBMITTED:
        raise BidError("Only a bid that has been sent can be withdrawn.")
    if not accepting_bids(bid.round):
        raise DeadlinePassed("The round has closed, so this bid can no longer be withdrawn. Contact the funder.")
    if len(reason) > 2000:
        raise BidError("Keep the reason to 2,000 characters or fewer", "reason")
    bid.status = BidStatus.WITHDRAWN
    bid.withdrawn_at = utcnow()
    bid.withdrawal_reason = reason.strip()
    _audit(session, "bid.withdrawn", bid, actor)
