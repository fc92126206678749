"""The access matrix's personas and the one funder whose rounds give every route in the URL map a real object.

The funder has a round at each stage the routes need:

- **open**: taking bids. Group A has a draft bid with an answer, an amount and a file; group B a draft too.
- **scoring**: scoring open. Groups A and B have eligible bids (A's with a file); the panellist and the recused
  panellist sit on it, have accepted the code of conduct and declared on every bid (the recused one a conflict
  with A's bid); a pending panel invitation.
- **voting**: voting open, the same two bids and the same two panellists.
- **decided**: the decisions helpers' round (tests/decisions/helpers.py: bids A to D, panellists P1 to P5, P5
  recused from A, ballots), with the panel's chair appointed, a departure from B, ratified through the
  decisions services (tests/audit_trail/helpers.py); A's award offered and accepted through the awards
  services, with two report dates: the first with a report sent (a photo, a message, a theme, a quote), the
  second with a draft and a photo; the story selection open.
- **other**: a round of the same funder that only the other panellist sits on.

Besides its first member of staff the funder has a colleague (who confirms what staff propose: the decided round
was ratified that way, and a reopening waits for confirmation) and a member of staff who belongs to group A, so
is conflicted on A's bids and the decisions that decide them.

A second funder has its own staff. Invitations and a password reset are made through the account services, so
their links are real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from grants.auth import invitations
from grants.auth import services as account_services
from grants.awards import services as awards
from grants.bids import attachments as bid_files
from grants.bids import services as bids
from grants.decisions import confirmations
from grants.models import (
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    Departure,
    Funder,
    Group,
    GroupMember,
    OutboxEmail,
    PanelMember,
    ProposalKind,
    Role,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from grants.panel import services as panel
from grants.reports import group_services as group_reports
from grants.reports import staff_services as staff_reports
from grants.timefmt import today_in_london
from tests.audit_trail.helpers import ratify
from tests.decisions.helpers import make_setting
from tests.reports.group_helpers import PNG
from tests.support.db import app_session
from tests.support.factories import PDF_BYTES, add_attachment, make_admin, make_bid, make_round, make_staff, make_user

ANONYMOUS = "anonymous"
APPLICANT_A = "applicant_a"  # a member of group A, whose bids are in every round
APPLICANT_B = "applicant_b"  # a member of group B, another group with bids in the same rounds
PANELLIST = "panellist"  # sits on the scoring, voting and decided rounds; chairs the decided round's panel
RECUSED = "recused_panellist"  # sits on the same panels, recused from group A's bid in each (a declared conflict)
OTHER_PANELLIST = "other_panellist"  # sits only on another round of the same funder
STAFF = "staff"  # staff of the funder
CONFLICTED_STAFF = "conflicted_staff"  # staff of the funder who is a member of group A: conflicted on A's bids
OTHER_STAFF = "other_staff"  # staff of another funder
AUDITOR = "auditor"  # auditor of the funder
ADMIN = "admin"  # site admin

PERSONAS = [
    ANONYMOUS,
    APPLICANT_A,
    APPLICANT_B,
    PANELLIST,
    RECUSED,
    OTHER_PANELLIST,
    STAFF,
    CONFLICTED_STAFF,
    OTHER_STAFF,
    AUDITOR,
    ADMIN,
]

STORY = "We opened the hall on Tuesdays. Older people who lived alone came, and now know their neighbours."


@dataclass(frozen=True)
class Scenario:
    """The signed-in personas' emails, and the id of every object a URL names."""

    emails: dict[str, str]
    funder_id: int
    funder_slug: str
    group_a: int
    open_round: int
    open_bid_a: int  # draft, with an answer, an amount and a file
    scoring_round: int
    scoring_bid_a: int  # eligible, with a file; the recused panellist declared a conflict with it
    scoring_seat: int  # the panellist's seat on the scoring round's panel
    panel_invitation: int  # pending, to the scoring round's panel
    voting_round: int
    decided_round: int
    decided_bid_a: int  # funded, with an accepted award
    decided_bid_b: int  # departed from, so not funded: feedback can be sent
    decided_bid_c: int  # funded, no offer yet
    departure: int
    proposal: int  # the decided round's reopening, proposed by staff and waiting for a colleague
    award_a: int
    payment_a: int  # a payment against A's award
    sent_date: int  # A's first report date: its report is sent
    sent_report: int
    quote: int
    draft_date: int  # A's second report date: a draft report with a photo
    draft_photo: int
    invitation_token: str  # a group member invitation, still open
    reset_token: str  # a password reset link, still open
    used_registration_token: str  # a link to finish registering, already used (an open one would sign anyone in)


def _seat(s: sa.orm.Session, round_: Round, user_id: int, *, conflict_with: int | None = None) -> PanelMember:
    """A seat with the code of conduct accepted and a declaration on every eligible bid."""
    seat = PanelMember(round_id=round_.id, user_id=user_id, conduct_accepted_at=utcnow())
    s.add(seat)
    for bid_id in s.scalars(sa.select(Bid.id).where(Bid.round_id == round_.id, Bid.status == BidStatus.ELIGIBLE)):
        kind = ConflictKind.PERSONAL if bid_id == conflict_with else ConflictKind.NONE
        s.add(ConflictDeclaration(round_id=round_.id, user_id=user_id, bid_id=bid_id, kind=kind))
    s.flush()
    return seat


def _eligible(s: sa.orm.Session, round_: Round, group: Group) -> Bid:
    bid = make_bid(s, round_, group, status=BidStatus.SUBMITTED)
    bid.status, bid.screened_at = BidStatus.ELIGIBLE, utcnow()
    s.flush()
    return bid


def _user(s: sa.orm.Session, user_id: int) -> User:
    user = s.get(User, user_id)
    assert user is not None
    return user


def build(app: Flask) -> Scenario:
    """Build the whole scenario in a fresh database (one per test)."""
    setting = make_setting(app)
    p1, p5 = setting.panellists[0], setting.panellists[4]
    with app_session(app) as s:
        decided = s.get(Round, setting.round_id)
        assert decided is not None
        seat = s.scalars(sa.select(PanelMember).where(PanelMember.round_id == decided.id, PanelMember.user_id == p1))
        panel.appoint_chair(s, member=seat.one(), actor=_user(s, setting.staff_id))
    ratify(app, setting, depart="B")

    now = utcnow()
    with app_session(app) as s:
        staff = _user(s, setting.staff_id)
        decided = s.get(Round, setting.round_id)
        assert decided is not None
        funder = s.get(Funder, decided.funder_id)
        assert funder is not None
        funder.grant_id_prefix = "360G-access"
        bid_a, bid_b = s.get(Bid, setting.bids["A"]), s.get(Bid, setting.bids["B"])
        assert bid_a is not None and bid_b is not None
        group_a, group_b = bid_a.group, bid_b.group
        for group in (group_a, group_b):
            group.contact_name, group.contact_email = f"Contact of {group.name}", "contact@example.org"
        applicant_a = make_user(s, email="applicant.a@example.com", name="Ada Applicant")
        applicant_b = make_user(s, email="applicant.b@example.com", name="Ben Applicant")
        s.add_all(
            [
                GroupMember(group_id=group_a.id, user_id=applicant_a.id),
                GroupMember(group_id=group_b.id, user_id=applicant_b.id),
            ]
        )
        admin = make_admin(s, email="admin@example.com")
        conflicted_staff = make_staff(s, funder, email="conflicted.staff@example.com", name="Cal Conflicted")
        s.add(GroupMember(group_id=group_a.id, user_id=conflicted_staff.id))
        s.flush()

        # The decided round: a reopening proposed, then A's award, accepted, with a sent report and a draft.
        reopening = confirmations.Asked(ProposalKind.REOPEN, "A paper ballot was missed.")
        proposal = confirmations.propose(s, round_=decided, asked=reopening, actor=staff, now=now)
        today = today_in_london()
        award = awards.make_offer(
            s,
            bid=bid_a,
            amount_pence=bid_a.amount_pence,
            reduced_reason="",
            conditions="Spend it within the year.",
            report_dates=[today + timedelta(days=30), today + timedelta(days=90)],
            withhold_name=False,
            actor=staff,
            now=utcnow(),
        )
        awards.accept_offer(
            s, award=award, name="Ada Applicant", conditions_accepted=True, actor=applicant_a, now=utcnow()
        )
        payment = awards.record_payment(
            s, award=award, amount_pence=100_00, paid_on=today, reference="BACS", actor=staff, now=utcnow()
        )
        sent_date, draft_date = award.report_dates
        group_reports.save_draft(s, report_date=sent_date, texts=[STORY], recording_url="", actor=applicant_a)
        group_reports.add_photo(
            s, report_date=sent_date, filename="hall.png", data=PNG, people_agreed=True, caption="", actor=applicant_a
        )
        sent = group_reports.report_for(s, sent_date)
        assert sent is not None
        group_reports.submit_report(s, report=sent, share_publicly=True, actor=applicant_a, now=utcnow())
        group_reports.save_draft(
            s, report_date=draft_date, texts=["Half written."], recording_url="", actor=applicant_a
        )
        photo = group_reports.add_photo(
            s, report_date=draft_date, filename="tea.png", data=PNG, people_agreed=True, caption="", actor=applicant_a
        )
        staff_reports.send_message(s, report=sent, author=staff, side=staff_reports.STAFF, text="Thank you.")
        staff_reports.tag_report(s, report=sent, theme_ids=[], new_theme="Loneliness", actor=staff)
        quote = staff_reports.pick_quote(s, report=sent, text="now know their neighbours", actor=staff)
        staff_reports.open_selection(s, round_=decided, actor=staff)
        departure = s.scalars(sa.select(Departure).where(Departure.round_id == decided.id)).one()

        # The open round: A's draft (through the bid services) and B's.
        open_round = make_round(s, funder, code="OPEN", title="Open round")
        open_bid = bids.start_bid(s, round_=open_round, group=group_a, actor=applicant_a, now=utcnow())
        bids.save_title(s, bid=open_bid, title="Warm hall")
        bids.save_answer(s, bid=open_bid, question=open_round.questions[0], text="Open the hall on Tuesdays.")
        bids.save_amount(s, bid=open_bid, amount="300", lines=[bids.BudgetLineInput(item="Heating", cost="300")])
        bid_files.save_attachment(s, bid=open_bid, filename="plan.pdf", data=PDF_BYTES, actor=applicant_a)
        bids.start_bid(s, round_=open_round, group=group_b, actor=applicant_b, now=utcnow())

        # The scoring and voting rounds: A's and B's eligible bids, and the same two panellists.
        scoring = make_round(
            s,
            funder,
            code="SCORE",
            title="Scoring round",
            status=RoundStatus.SCORING,
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=10),
            scoring_closes_at=now + timedelta(days=7),
            voting_closes_at=now + timedelta(days=14),
        )
        scoring_a = _eligible(s, scoring, group_a)
        _eligible(s, scoring, group_b)
        add_attachment(s, scoring_a)
        scoring_seat = _seat(s, scoring, p1)
        _seat(s, scoring, p5, conflict_with=scoring_a.id)
        invitation = panel.invite_panellist(
            s, round_=scoring, email="invited.panellist@example.com", invited_by=staff, now=utcnow()
        )

        voting = make_round(
            s,
            funder,
            code="VOTE",
            title="Voting round",
            status=RoundStatus.VOTING,
            opens_at=now - timedelta(days=40),
            closes_at=now - timedelta(days=30),
            scoring_closes_at=now - timedelta(days=2),
            voting_closes_at=now + timedelta(days=5),
            approval_limit=2,
        )
        voting_a = _eligible(s, voting, group_a)
        _eligible(s, voting, group_b)
        _seat(s, voting, p1)
        _seat(s, voting, p5, conflict_with=voting_a.id)

        member_invitation = invitations.invite(
            s, email="new.member@example.com", role=Role.GROUP_MEMBER, group=group_a, invited_by=applicant_a
        )
        account_services.request_password_reset(s, email="applicant.b@example.com")
        reset_mail = s.scalars(sa.select(OutboxEmail.body_text).where(OutboxEmail.to_address == applicant_b.email))
        reset_token = _token(r"/reset-password/(\S+)", "\n".join(reset_mail))
        account_services.request_registration(
            s, name="New Person", email="new.person@example.com", password="a long new password", now=now
        )
        registration_mail = s.scalars(
            sa.select(OutboxEmail.body_text).where(OutboxEmail.to_address == "new.person@example.com")
        )
        used_registration_token = _token(r"/register/(\S+)", "\n".join(registration_mail))
        account_services.complete_registration(s, token=used_registration_token, now=now)

        return Scenario(
            emails={
                APPLICANT_A: applicant_a.email,
                APPLICANT_B: applicant_b.email,
                PANELLIST: setting.panellist_emails[0],
                RECUSED: setting.panellist_emails[4],
                OTHER_PANELLIST: setting.other_panellist_email,
                STAFF: setting.staff_email,
                CONFLICTED_STAFF: conflicted_staff.email,
                OTHER_STAFF: setting.other_staff_email,
                AUDITOR: setting.auditor_email,
                ADMIN: admin.email,
            },
            funder_id=funder.id,
            funder_slug=funder.slug,
            group_a=group_a.id,
            open_round=open_round.id,
            open_bid_a=open_bid.id,
            scoring_round=scoring.id,
            scoring_bid_a=scoring_a.id,
            scoring_seat=scoring_seat.id,
            panel_invitation=invitation.invitation.id,
            voting_round=voting.id,
            decided_round=decided.id,
            decided_bid_a=bid_a.id,
            decided_bid_b=bid_b.id,
            decided_bid_c=setting.bids["C"],
            departure=departure.id,
            proposal=proposal.id,
            award_a=award.id,
            payment_a=payment.id,
            sent_date=sent_date.id,
            sent_report=sent.id,
            quote=quote.id,
            draft_date=draft_date.id,
            draft_photo=photo.id,
            invitation_token=member_invitation.token,
            reset_token=reset_token,
            used_registration_token=used_registration_token,
        )


def _token(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, text
    return match.group(1)
