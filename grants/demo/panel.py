"""The demo's panels, votes, decision, awards and story, made by the services the pages call.

Panellists join by invitation and agree to the code of conduct before they declare and score; staff move the
round on to voting, then to decided (closing the vote early), and one proposes ratifying, which a colleague
confirms; the awards, feedback and the first
award's report follow through the awards and reports services, each at its moment of the round's timeline.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from grants.awards.services import accept_offer, decline_offer, make_offer, record_payment, send_feedback
from grants.database import DbSession
from grants.decisions.confirmations import Asked, confirm, propose
from grants.decisions.queries import funded_bid_ids
from grants.demo.data import DEMO, Spec
from grants.demo.journey import accepts, move_on
from grants.demo.timeline import AWARDS, DECIDED, PANEL, SCORING, STORY, VOTING, Timeline
from grants.models import Award, Bid, ConflictKind, Group, PanelMember, ProposalKind, Round, RoundStatus, Theme, User
from grants.panel.services import (
    DeclarationChoice,
    ScoreEntry,
    accept_code_of_conduct,
    appoint_chair,
    invite_panellist,
    save_declarations,
    save_scores,
)
from grants.reports.group_services import report_for, save_draft, submit_report
from grants.reports.staff_services import (
    GROUP,
    STAFF,
    approve_sharing,
    choose_stories,
    open_selection,
    pick_quote,
    send_message,
    tag_report,
)
from grants.timefmt import today_in_london
from grants.voting.services import cast_ballot

Groups = dict[str, tuple[Group, User | None]]


def seat_panel(session: DbSession, round_: Round, staff: User, panel: Spec, clock: Timeline) -> list[User]:
    """Staff invite each resident onto the round's panel, each accepts, and staff appoint the chair."""
    clock.at(PANEL)
    panellists = []
    for person in DEMO["panellists"]:
        issued = invite_panellist(session, round_=round_, email=person["email"], invited_by=staff, now=clock.tick())
        panellists.append(accepts(session, person, issued.token))
    chair = panellists[panel["chair"] - 1]
    seat = session.scalars(
        sa.select(PanelMember).where(PanelMember.round_id == round_.id, PanelMember.user_id == chair.id)
    ).one()
    appoint_chair(session, member=seat, actor=staff)
    return panellists


def declare_and_score(
    session: DbSession,
    round_: Round,
    bids: list[Bid],
    panellists: list[User],
    staff: User,
    panel: Spec,
    clock: Timeline,
) -> None:
    """Staff open scoring; the code of conduct, a declaration for every bid (a conflict where the spec says), then
    the scores."""
    clock.at(SCORING)
    move_on(session, round_, staff, clock, RoundStatus.SCORING)
    for number in panel["conduct"]:
        accept_code_of_conduct(session, round_=round_, user=panellists[number - 1], now=clock.tick())
    conflicts = {(c["by"], c["bid"]): c for c in panel["conflicts"]}
    for number in panel["declared"]:
        choices = []
        for position, declared in enumerate(bids, start=1):
            conflict = conflicts.get((number, position))
            kind = ConflictKind(conflict["kind"]) if conflict else ConflictKind.NONE
            choices.append(DeclarationChoice(declared.id, kind, conflict["note"] if conflict else ""))
        save_declarations(session, round_=round_, user=panellists[number - 1], choices=choices, now=clock.tick())
    for score in panel["scores"]:
        entries = {
            criterion.id: ScoreEntry(value, score["comment"] if criterion.position == 1 else "")
            for criterion, value in zip(round_.criteria, score["values"], strict=True)
        }
        scored = bids[score["bid"] - 1]
        voter = panellists[score["by"] - 1]
        save_scores(session, round_=round_, bid=scored, user=voter, entries=entries, now=clock.tick())


def vote(
    session: DbSession,
    round_: Round,
    bids: list[Bid],
    panellists: list[User],
    staff: User,
    ballots: list[Spec],
    clock: Timeline,
) -> None:
    """Staff open voting; panellists vote online, and staff record a paper ballot cast at the meeting."""
    clock.at(VOTING)
    move_on(session, round_, staff, clock, RoundStatus.VOTING)
    for ballot in ballots:
        cast_ballot(
            session,
            round_=round_,
            voter=panellists[ballot["by"] - 1],
            bid_ids=[bids[number - 1].id for number in ballot["bids"]],
            recorded_by=staff if ballot.get("on_paper") else None,
            now=clock.tick(),
        )


def decide(session: DbSession, round_: Round, team: tuple[User, User], note: str, clock: Timeline) -> None:
    """Staff close the vote by moving the round to decided, then propose ratifying the panel's result, which their
    colleague confirms (two people for the decisions that move money)."""
    staff, colleague = team
    clock.at(DECIDED)
    move_on(session, round_, staff, clock, RoundStatus.DECIDED)
    ratifying = Asked(ProposalKind.RATIFY, note)
    proposal = propose(session, round_=round_, asked=ratifying, actor=staff, now=clock.tick())
    confirm(session, proposal=proposal, actor=colleague, now=clock.tick())


def award(
    session: DbSession, round_: Round, bids: list[Bid], groups: Groups, staff: User, clock: Timeline
) -> list[Award]:
    """Offers to the funded bids and the groups' answers (and payments); feedback to the bids not funded."""
    spec = DEMO["awards"]
    today = today_in_london(clock.at(AWARDS))
    funded_ids = funded_bid_ids(session, round_.id)
    funded = [b for b in bids if b.id in funded_ids]
    awards = [
        make_offer(
            session,
            bid=offered,
            amount_pence=offered.amount_pence,
            reduced_reason="",
            conditions=spec["conditions"],
            report_dates=[today + timedelta(days=days) for days in spec["report_in_days"]],
            withhold_name=False,
            actor=staff,
            now=clock.tick(),
        )
        for offered in funded
    ]
    for position, (offer, offered) in enumerate(zip(awards, funded, strict=True)):
        group, member = next(pair for pair in groups.values() if pair[0].id == offered.group_id)
        who = member or staff  # a group with no account answers by phone, and staff record its answer
        if position == 0:
            answer = spec["first"]
        elif position == len(awards) - 1 and len(awards) > 2:
            answer = spec["last"]
        else:
            answer = spec["middle"]
        if answer["answer"] == "decline":
            decline_offer(session, award=offer, reason=answer["reason"], actor=who, now=clock.tick())
            continue
        accept_offer(
            session, award=offer, name=group.contact_name, conditions_accepted=True, actor=who, now=clock.tick()
        )
        amount = offer.amount_pence if answer["paid"] == "all" else offer.amount_pence // 2
        paid = clock.tick()
        record_payment(
            session,
            award=offer,
            amount_pence=amount,
            paid_on=today_in_london(paid),
            reference=answer["reference"],
            actor=staff,
            now=paid,
        )
    for unfunded in bids:
        if unfunded.id not in funded_ids:
            send_feedback(session, bid=unfunded, text=spec["feedback"], actor=staff, now=clock.tick())
    return awards


def story(
    session: DbSession,
    round_: Round,
    award: Award,
    groups: Groups,
    staff: User,
    panellists: list[User],
    clock: Timeline,
) -> None:
    """The first award's first report, sent; a conversation about it; its themes and a quote; the panel's picks."""
    spec = DEMO["story"]
    member = next(m for g, m in groups.values() if g.id == award.bid.group_id)
    writer = member or staff
    report_date = min(award.report_dates, key=lambda rd: rd.due_on)
    save_draft(session, report_date=report_date, texts=spec["answers"], recording_url="", actor=writer)
    report = report_for(session, report_date)
    if report is None:
        raise RuntimeError("the demo's report was not saved")
    submit_report(session, report=report, share_publicly=spec["share_publicly"], actor=writer, now=clock.at(STORY))
    if spec["share_publicly"]:
        approve_sharing(session, report=report, actor=staff, now=clock.at(STORY))
    send_message(session, report=report, author=staff, side=STAFF, text=spec["staff_message"])
    if member is not None:
        send_message(session, report=report, author=member, side=GROUP, text=spec["group_reply"])
    for name in spec["themes"]:
        ticked = [t.id for t in session.scalars(sa.select(Theme).where(Theme.funder_id == round_.funder_id))]
        tag_report(session, report=report, theme_ids=ticked, new_theme=name, actor=staff)
    pick_quote(session, report=report, text=spec["quote"], actor=staff)
    open_selection(session, round_=round_, actor=staff)
    for pick in spec["picks"]:
        choose_stories(session, round_=round_, user=panellists[pick["by"] - 1], picks={report.id: pick["reason"]})
