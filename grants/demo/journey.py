"""The demo's people, groups, rounds and bids, up to screening, made by the services the pages call.

Each round's story is played at the moments its timeline gives (grants/demo/timeline.py): staff set the round's
timetable and open it on its opening day, groups send their bids in the days after, and a round further along was
closed early by staff and moved on. No event is written by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp

from grants.auth.invitations import accept_invitation, grant_role, invite
from grants.auth.services import find_user_by_email, register_user
from grants.auth.two_factor import confirm_setup
from grants.bids.services import (
    BudgetLineInput,
    GroupDetails,
    create_group,
    save_amount,
    save_answer,
    save_title,
    start_bid,
    submit_bid,
    withdraw_bid,
)
from grants.database import DbSession
from grants.demo.data import DEMO, DEMO_PASSWORD, DEMO_TWO_FACTOR_SECRET, Spec, days_from, pence, pounds_text
from grants.demo.timeline import OPENED, SCREENED, Timeline
from grants.models import Bid, Funder, Group, GroupKind, Role, Round, RoundStatus, User, VotingMethod
from grants.rounds.parts import CriterionInput, QuestionInput, set_criteria, set_questions
from grants.rounds.services import change_status
from grants.rounds.settings import PanelSettings, RoundDetails, create_round, set_panel_and_voting
from grants.screening.services import screen_bid

# When a round's spec gives no timetable for the panel: scoring and voting close three and five weeks after bids.
SCORING_DAYS_AFTER_CLOSE = 21
VOTING_DAYS_AFTER_CLOSE = 35


# --- people ---------------------------------------------------------------------------------------------------


def account(session: DbSession, person: Spec) -> User:
    """The person's account, made as if they had registered and followed the emailed link, if they have none yet."""
    return find_user_by_email(session, person["email"]) or register_user(
        session, name=person["name"], email=person["email"], password=DEMO_PASSWORD
    )


def accepts(session: DbSession, person: Spec, token: str) -> User:
    """The person opens their invitation's link and accepts it, registering first if they have no account."""
    user = account(session, person)
    accept_invitation(session, token=token, user=user)
    return user


def join_funder(session: DbSession, person: Spec, *, role: Role, funder: Funder, invited_by: User) -> User:
    """Someone invited to a funder's staff, or as its auditor, who accepts."""
    issued = invite(session, email=person["email"], role=role, funder=funder, invited_by=invited_by)
    return accepts(session, person, issued.token)


def site_admin(session: DbSession) -> User:
    """The site admin, made as `flask admin create-admin` makes one."""
    admin = account(session, DEMO["admin"])
    grant_role(session, user=admin, role=Role.SITE_ADMIN)
    return admin


def funder_team(session: DbSession, funder: Funder, admin: User) -> tuple[User, User, User]:
    """The funder's first member of staff, invited by the site admin; a colleague, who confirms the decisions
    staff propose, and the auditor, both invited by staff."""
    staff = join_funder(session, DEMO["staff"], role=Role.STAFF, funder=funder, invited_by=admin)
    colleague = join_funder(session, DEMO["colleague"], role=Role.STAFF, funder=funder, invited_by=staff)
    auditor = join_funder(session, DEMO["auditor"], role=Role.AUDITOR, funder=funder, invited_by=staff)
    return staff, colleague, auditor


def two_step_sign_in(session: DbSession, people: list[User], *, now: datetime) -> None:
    """Staff, auditor and site admin set up two-step sign-in, each with the demo's public key. Each confirms with
    the code their app showed just before now, so the code it shows now still signs them in."""
    shown = pyotp.TOTP(DEMO_TWO_FACTOR_SECRET).at(now - timedelta(seconds=30))
    for person in people:
        confirm_setup(session, user=person, secret=DEMO_TWO_FACTOR_SECRET, code=shown, now=now)


def groups(session: DbSession, staff: User) -> dict[str, tuple[Group, User | None]]:
    """Each group with its applicant (None for the group that applies by phone, whose profile staff entered)."""
    found: dict[str, tuple[Group, User | None]] = {}
    for spec in DEMO["groups"]:
        member = account(session, {"email": spec["email"], "name": spec["person"]}) if spec.get("email") else None
        details = GroupDetails(
            name=spec["name"],
            area=spec["area"],
            kind=GroupKind(spec["kind"]),
            registration_number=spec.get("registration_number", ""),
            contact_name=spec["person"],
            contact_email=spec.get("contact_email") or spec["email"],
            contact_phone="",
        )
        group = create_group(session, details=details, creator=member or staff, on_behalf=member is None)
        found[spec["key"]] = (group, member)
    return found


# --- rounds ---------------------------------------------------------------------------------------------------


def open_round(session: DbSession, funder: Funder, staff: User, spec: Spec, *, clock: Timeline) -> Round:
    """A round set up page by page (details, questions, criteria, panel and voting) and opened for bids on its
    opening day."""
    start = clock.start
    closes = days_from(start, spec["closes_in_days"])
    round_ = create_round(
        session,
        funder=funder,
        actor=staff,
        details=RoundDetails(
            title=spec["title"],
            code=spec["code"],
            summary=spec["summary"],
            who_can_apply=DEMO["who_can_apply"],
            budget_pence=pence(spec["budget"]),
            min_grant_pence=pence(DEMO["min_grant"]),
            max_grant_pence=pence(DEMO["max_grant"]),
            opens_at=clock.opens,
            closes_at=closes,
        ),
    )
    set_questions(
        session,
        round=round_,
        actor=staff,
        questions=[QuestionInput(q["prompt"], q["help"], q["word_limit"]) for q in DEMO["questions"]],
    )
    set_criteria(
        session,
        round=round_,
        actor=staff,
        criteria=[CriterionInput(c["name"], c["guidance"], c["weight"]) for c in DEMO["criteria"]],
    )
    scoring = spec.get("scoring_closes_in_days")
    voting = spec.get("voting_closes_in_days")
    set_panel_and_voting(
        session,
        round=round_,
        actor=staff,
        settings=PanelSettings(
            voting_method=VotingMethod(spec["method"]),
            approval_limit=spec.get("approval_limit"),
            ranked_limit=None,
            quorum=DEMO["quorum"],
            scoring_closes_at=days_from(start, scoring) if scoring else days_from(closes, SCORING_DAYS_AFTER_CLOSE),
            voting_closes_at=days_from(start, voting) if voting else days_from(closes, VOTING_DAYS_AFTER_CLOSE),
        ),
    )
    change_status(session, round=round_, to=RoundStatus.OPEN, actor=staff, now=clock.at(OPENED))
    return round_


def move_on(session: DbSession, round_: Round, staff: User, clock: Timeline, *stages: RoundStatus) -> None:
    """Staff move the round on, a stage at a time (closing it early if its closing time is still to come)."""
    for stage in stages:
        change_status(session, round=round_, to=stage, actor=staff, expected_from=round_.status, now=clock.tick())


# --- bids -----------------------------------------------------------------------------------------------------


def bid(
    session: DbSession,
    round_: Round,
    group: Group,
    member: User | None,
    staff: User,
    spec: Spec,
    answers: list[str],
    clock: Timeline,
) -> Bid:
    """A bid written on the task list's pages and, unless it stays a draft, sent (and perhaps withdrawn).

    A group with no applicant's account applies by phone: staff enter its bid on its behalf."""
    on_behalf = member is None
    writer = staff if member is None else member
    new = start_bid(session, round_=round_, group=group, actor=writer, on_behalf=on_behalf, now=clock.tick())
    save_title(session, bid=new, title=spec["title"])
    for question, text in zip(round_.questions, answers, strict=True):
        save_answer(session, bid=new, question=question, text=text)
    lines = spec["lines"]
    save_amount(
        session,
        bid=new,
        amount=pounds_text(sum(cost for _, cost in lines)),
        lines=[BudgetLineInput(item, pounds_text(cost)) for item, cost in lines],
    )
    outcome = spec.get("outcome", "eligible")
    if outcome != "draft":
        submit_bid(
            session, bid=new, declaration_name=group.contact_name, confirmed=True, actor=writer, now=clock.tick()
        )
    if outcome == "withdrawn":
        withdraw_bid(session, bid=new, reason=spec.get("withdrawal_reason", ""), actor=writer, now=clock.tick())
    return new


def screen(session: DbSession, bids: list[tuple[Bid, Spec]], staff: User, clock: Timeline) -> None:
    """Staff screen each bid the spec marks eligible or not eligible (the group is emailed, as from the page)."""
    clock.at(SCREENED)
    for screened, spec in bids:
        outcome = spec.get("outcome", "eligible")
        if outcome in ("eligible", "ineligible"):
            eligible = outcome == "eligible"
            screen_bid(
                session,
                bid=screened,
                eligible=eligible,
                reason=spec.get("reason", ""),
                actor=staff,
                now=clock.tick(),
            )
