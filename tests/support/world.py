"""A funder with a round at every stage that matters to the panel's and the public's pages, at a size you choose: for
the tests that a page sends as many SQL statements with more data as with less (tests/test_query_counts.py).

`make_world(app, label, bids=..., panellists=..., decided_rounds=...)` builds, for a funder of its own:
- an open round, with a draft from each of the applicant's groups;
- a round being screened, its bids sent (one withdrawn);
- a round in scoring, a round whose vote (approval) is open and one whose vote has closed, each with `bids` eligible
  bids, two criteria and a panel of `panellists` who agreed to the code of conduct, declared on every bid and scored
  every bid (with comments), and, in the votes, cast a ballot (the first panellist replaced theirs once);
- `colleagues` more members of staff, the first of them conflicted on a bid of the closed vote;
- `decided_rounds` rounds ratified by the real services, each funded bid with an accepted, published award, a
  payment and a report date; the first funded group sent a story it shares (approved), tagged and quoted.

The first panellist (the one the tests sign in as) is recused from one bid of every panel by declaring a conflict,
and from another because they belong to its group. The applicant belongs to every third bid's group. Everyone's
email starts with `label`, so two worlds live side by side in one database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from grants.auth.invitations import invite
from grants.awards.publication import publish_grant
from grants.decisions import confirmations
from grants.decisions.queries import funded_bid_ids
from grants.models import (
    Ballot,
    BallotChoice,
    Bid,
    BidStatus,
    ConflictDeclaration,
    ConflictKind,
    Criterion,
    DeliberationNote,
    Group,
    GroupKind,
    GroupMember,
    PanelMember,
    Payment,
    ProposalKind,
    Report,
    ReportDate,
    ReportQuote,
    ReportStatus,
    ReportTheme,
    Role,
    Round,
    RoundStatus,
    StorySelection,
    Theme,
    User,
    VotingMethod,
    utcnow,
)
from tests.support.db import app_session
from tests.support.factories import make_award, make_funder, make_round, make_staff, make_user
from tests.support.scenarios import add_scores

STORY = "We opened a warm room twice a week and forty people came."


@dataclass(frozen=True)
class World:
    funder_slug: str
    staff_email: str
    panellist_email: str  # the first panellist: recused from one bid by a conflict and from one as a member
    applicant_email: str
    open_round_id: int
    screening_round_id: int
    scoring_round_id: int
    voting_round_id: int  # the vote has closed: the tally page computes the panel's result
    open_vote_round_id: int  # the vote is open
    decided_round_id: int | None  # the newest of the ratified rounds (None if asked for none)
    bid_to_score_id: int  # a bid of the scoring round the first panellist may score


class _Builder:
    def __init__(self, session: Session, label: str, bids: int, panellists: int, colleagues: int) -> None:
        self.s, self.label, self.size = session, label, bids
        self.now = utcnow()
        self.funder = make_funder(session, name=f"{label.title()} Community Fund")
        self.funder.grant_id_prefix = f"360G-{label}"
        self.funder.two_person_decisions = False
        self.staff = make_staff(session, self.funder, email=f"{label}.staff@example.com", name="Sam Staff")
        self.colleagues = [
            make_staff(session, self.funder, email=f"{label}.colleague{i}@example.com", name=f"Colleague {i}")
            for i in range(colleagues)
        ]
        self.applicant = make_user(session, email=f"{label}.applicant@example.com", name="Alex Applicant")
        self.panel = [
            make_user(session, email=f"{label}.panel{i}@example.com", name=f"Panellist {i}") for i in range(panellists)
        ]
        self.groups = []
        for i in range(bids):
            kind = GroupKind.CHARITY if i % 2 else GroupKind.INFORMAL
            group = Group(name=f"{label} group {i}", area=f"Ward {i % 4}", kind=kind, registration_number="1164883")
            session.add(group)
            self.groups.append(group)
        session.flush()
        for i, group in enumerate(self.groups):
            if i % 3 == 0:
                session.add(GroupMember(group_id=group.id, user_id=self.applicant.id))
        # The first panellist belongs to the last bid's group: the rules recuse them from it.
        session.add(GroupMember(group_id=self.groups[-1].id, user_id=self.panel[0].id))
        session.flush()
        self.rounds = 0

    def round(self, status: RoundStatus, **values: object) -> Round:
        self.rounds += 1
        settings: dict[str, object] = {
            "code": f"{self.label[:6].upper()}{self.rounds}",
            "title": f"Round {self.rounds}",
            "status": status,
            "budget_pence": 500_00 * self.size,
            "max_grant_pence": 1_000_00,
            "opens_at": self.now - timedelta(days=60),
            "closes_at": self.now - timedelta(days=40),
            "quorum": 2,
        }
        settings.update(values)
        round_ = make_round(self.s, self.funder, **settings)
        round_.criteria.append(Criterion(position=2, name="A good plan", weight=2))
        self.s.flush()
        return round_

    def bids(self, round_: Round, status: BidStatus) -> list[Bid]:
        made = []
        for i, group in enumerate(self.groups):
            bid = Bid(
                round_id=round_.id,
                group_id=group.id,
                number=i + 1,
                title=f"Project {i}",
                amount_pence=300_00 + 100_00 * (i % 5),
                status=status,
                submitted_at=None if status == BidStatus.DRAFT else self.now - timedelta(days=45, minutes=-i),
                screened_at=self.now - timedelta(days=38) if status == BidStatus.ELIGIBLE else None,
                withdrawn_at=None,
            )
            self.s.add(bid)
            made.append(bid)
        self.s.flush()
        return made

    def panel_round(self, status: RoundStatus, **values: object) -> tuple[Round, list[Bid]]:
        """A round with the panel's work done: conduct, declarations and scores (comments on every score)."""
        round_ = self.round(status, **values)
        bids = self.bids(round_, BidStatus.ELIGIBLE)
        for user in self.panel:
            self.s.add(PanelMember(round_id=round_.id, user_id=user.id, conduct_accepted_at=self.now))
            for bid in bids:
                kind = ConflictKind.PERSONAL if user is self.panel[0] and bid is bids[-2] else ConflictKind.NONE
                self.s.add(ConflictDeclaration(round_id=round_.id, user_id=user.id, bid_id=bid.id, kind=kind))
        self.s.flush()
        for n, user in enumerate(self.panel):
            for i, bid in enumerate(bids):
                add_scores(self.s, round_, user.id, bid.id, (1 + (n + i) % 5, 1 + (n * i) % 5), comment=f"Note {i}")
        self.s.add(DeliberationNote(round_id=round_.id, author_id=self.staff.id, text="We talked it over."))
        self.s.flush()
        return round_, bids

    def ballots(self, round_: Round, bids: list[Bid]) -> None:
        for n, user in enumerate(self.panel):
            chosen = [bids[n % len(bids)].id, bids[(n + 1) % len(bids)].id]
            if n == 0:
                self._ballot(round_, user, [bids[2].id], current=False)
            self._ballot(round_, user, chosen, current=True)

    def _ballot(self, round_: Round, user: User, bid_ids: list[int], *, current: bool) -> None:
        self.s.add(
            Ballot(
                round_id=round_.id,
                user_id=user.id,
                is_current=current,
                superseded_at=None if current else self.now,
                receipt_salt=f"salt-{round_.id}-{user.id}-{current}",
                receipt_code=f"{round_.id:04d}{user.id:06d}{int(current)}",
                choices=[BallotChoice(bid_id=b, position=i) for i, b in enumerate(bid_ids, start=1)],
            )
        )
        self.s.flush()

    def voting_round(self, *, closed: bool = True) -> tuple[Round, list[Bid]]:
        round_, bids = self.panel_round(
            RoundStatus.VOTING,
            scoring_closes_at=self.now - timedelta(days=20),
            voting_closes_at=self.now + timedelta(hours=-1 if closed else 24),
            voting_method=VotingMethod.APPROVAL,
            approval_limit=2,
        )
        self.ballots(round_, bids)
        return round_, bids

    def decided_round(self, theme: Theme) -> Round:
        round_, bids = self.voting_round()
        confirmations.decide(
            self.s, round_=round_, asked=confirmations.Asked(ProposalKind.RATIFY), actor=self.staff, now=self.now
        )
        self.s.add(StorySelection(round_id=round_.id, opened_by_id=self.staff.id))
        by_id = {bid.id: bid for bid in bids}
        for n, bid_id in enumerate(funded_bid_ids(self.s, round_.id)):
            bid = by_id[bid_id]
            award = make_award(
                self.s,
                bid,
                offered_by_id=self.staff.id,
                due_on=[date.today() + timedelta(days=90)],
                responded_at=self.now,
                accepted_name="Alex Applicant",
            )
            publish_grant(self.s, award=award, now=self.now)
            self.s.add(
                Payment(award_id=award.id, amount_pence=100_00, paid_on=date.today(), recorded_by_id=self.staff.id)
            )
            award.paid_pence = 100_00
            if n == 0:
                self._story(award.id, award.report_dates[0], theme)
        self.s.flush()
        return round_

    def _story(self, award_id: int, report_date: ReportDate, theme: Theme) -> None:
        report = Report(
            award_id=award_id,
            report_date_id=report_date.id,
            status=ReportStatus.SUBMITTED,
            answers=[{"prompt": "What changed?", "text": STORY}],
            submitted_at=self.now,
            share_publicly=True,
            share_approved_at=self.now,
            share_approved_by_id=self.staff.id,
        )
        self.s.add(report)
        self.s.flush()
        self.s.add(ReportTheme(report_id=report.id, theme_id=theme.id))
        self.s.add(ReportQuote(report_id=report.id, text="forty people came", chosen_by_id=self.staff.id))
        self.s.flush()


def make_world(
    app: Flask, label: str, *, bids: int, panellists: int, decided_rounds: int = 1, colleagues: int = 1
) -> World:
    """The funder `label` and its rounds (see the module's docstring). At least 3 bids and 1 panellist."""
    assert bids >= 3 and panellists >= 1
    with app_session(app) as s:
        b = _Builder(s, label, bids, panellists, colleagues)
        theme = Theme(funder_id=b.funder.id, name="Warmth")
        s.add(theme)
        s.flush()
        decided = [b.decided_round(theme) for _ in range(decided_rounds)]
        open_round = b.round(RoundStatus.OPEN, closes_at=b.now + timedelta(days=14))
        for bid in b.bids(open_round, BidStatus.DRAFT):
            if bid.group_id not in {g.id for i, g in enumerate(b.groups) if i % 3 == 0}:
                s.delete(bid)
        screening = b.round(RoundStatus.SCREENING)
        sent = b.bids(screening, BidStatus.SUBMITTED)
        sent[1].status, sent[1].withdrawn_at = BidStatus.WITHDRAWN, b.now
        scoring, scoring_bids = b.panel_round(RoundStatus.SCORING, scoring_closes_at=b.now + timedelta(days=7))
        for i in range(max(1, panellists // 2)):
            invite(s, email=f"{label}.invited{i}@example.com", role=Role.PANELLIST, round=scoring, invited_by=b.staff)
        voting, voting_bids = b.voting_round()
        open_vote, _ = b.voting_round(closed=False)
        # The first colleague declared a conflict with a bid of the closed vote: they take no part in deciding it.
        if b.colleagues:
            s.add(
                ConflictDeclaration(
                    round_id=voting.id, user_id=b.colleagues[0].id, bid_id=voting_bids[0].id, kind=ConflictKind.OTHER
                )
            )
        s.flush()
        return World(
            funder_slug=b.funder.slug,
            staff_email=b.staff.email,
            panellist_email=b.panel[0].email,
            applicant_email=b.applicant.email,
            open_round_id=open_round.id,
            screening_round_id=screening.id,
            scoring_round_id=scoring.id,
            voting_round_id=voting.id,
            open_vote_round_id=open_vote.id,
            decided_round_id=decided[-1].id if decided else None,
            bid_to_score_id=scoring_bids[0].id,
        )
