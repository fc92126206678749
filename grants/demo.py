"""Demo data: a funder, its staff and auditor, an open round and a round being screened, groups with bids in
every state (draft, sent, entered by staff on a group's behalf, eligible, ineligible, withdrawn), and a panel.

`load_demo` is idempotent: run twice, it creates nothing the second time and prints the same logins.
Every change is recorded in the audit chain as real use would record it.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

import sqlalchemy as sa

from grants.admin.services import create_funder
from grants.audit.chain import record_event
from grants.auth.services import find_user_by_email, grant_role, register_user
from grants.database import DbSession
from grants.models import (
    Answer,
    Award,
    Bid,
    BidStatus,
    BudgetLine,
    ConflictDeclaration,
    ConflictKind,
    Criterion,
    Funder,
    Group,
    GroupKind,
    GroupMember,
    PanelMember,
    Question,
    Report,
    Role,
    Round,
    RoundStatus,
    Score,
    Theme,
    User,
    VotingMethod,
    utcnow,
)

DEMO_PASSWORD = "community-panel-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_FUNDER = "Riverside Community Fund"

QUESTIONS = [
    ("What do you want to do?", "Tell us about your idea in your own words. Bullet points are fine.", 250),
    ("Who will take part or benefit?", "Who are the people, roughly how many, and how will they hear about it?", 150),
    ("Why does it matter to your area?", "What difference will it make locally? What have people told you?", 150),
    ("How will you make it happen?", "Who will do what, and when. Keep it simple.", 150),
]
CRITERIA = [
    ("Local need", "Does the idea answer something people nearby have said they need?", 3),
    ("Community involvement", "Are local people leading it or closely involved?", 2),
    ("Doable", "Can the group realistically do this with the money asked for?", 1),
]
# The groups: three with an applicant's account, one that applies by phone through staff.
GROUPS: list[dict[str, Any]] = [
    {
        "key": "elm",
        "email": "elm.park@example.org",
        "person": "Maria Okafor",
        "name": "Friends of Elm Park",
        "area": "Elm Park, RV3",
        "kind": GroupKind.INFORMAL,
        "registration_number": None,
    },
    {
        "key": "football",
        "email": "youth.football@example.org",
        "person": "Dan Whitfield",
        "name": "Riverside Youth Football",
        "area": "Riverside, RV1",
        "kind": GroupKind.UNINCORPORATED,
        "registration_number": None,
    },
    {
        "key": "food",
        "email": "food.share@example.org",
        "person": "Sam Patel",
        "name": "Northside Food Share",
        "area": "Northside, RV5",
        "kind": GroupKind.CIO,
        "registration_number": "1187654",
    },
    {
        "key": "lunch",
        "email": None,
        "person": "Joyce Bennett",
        "name": "St Mark's Tuesday Lunch Club",
        "area": "Riverside, RV2",
        "kind": GroupKind.INFORMAL,
        "registration_number": None,
        "contact_email": "tuesday.lunch@example.org",
    },
]

OPEN_ROUND_BIDS: list[dict[str, Any]] = [
    {
        "group": "elm",
        "title": "Saturday growing club for families",
        "status": BidStatus.SUBMITTED,
        "lines": [("Raised beds and compost", 900_00), ("Tools and gloves", 350_00), ("Seeds and plants", 200_00)],
        "answers": [
            "Start a Saturday morning growing club in the old bowling green beds, with tools, seeds and "
            "raised beds that children and older neighbours can reach.",
            "About 30 families from the estates around the park; we will put flyers through doors and ask "
            "the school to share it.",
            "There is nowhere free for families to meet on Saturdays and people have said they feel lonely.",
            "Three of us will run it every week from March; the council has agreed we can use the beds.",
        ],
    },
    {
        "group": "football",
        "title": "Kit and pitch hire for a girls' team",
        "status": BidStatus.SUBMITTED,
        "lines": [
            ("Kit for 20 players", 700_00),
            ("Balls, bibs and cones", 200_00),
            ("12 weeks of pitch hire", 1_000_00),
        ],
        "answers": [
            "Set up an under-14 girls' team: kit, balls and twelve weeks of pitch hire.",
            "Twenty girls aged 10 to 14 who have asked for a team of their own.",
            "The nearest girls' team is two bus rides away, so most girls stop playing at 11.",
            "Two qualified volunteer coaches; training on Tuesday evenings at the leisure centre.",
        ],
    },
    {
        "group": "food",
        "title": "Community fridge and cooking sessions",
        "status": BidStatus.DRAFT,
        "lines": [("Community fridge", 600_00), ("Ingredients for six sessions", 200_00)],
        "answers": ["Buy a community fridge for surplus food and run monthly cook-and-eat sessions.", "", "", ""],
    },
    {
        "group": "lunch",
        "title": "Hot lunches and a minibus for the Tuesday club",
        "status": BidStatus.SUBMITTED,
        "on_behalf": True,
        "lines": [("Minibus hire, 20 weeks", 800_00), ("Food", 400_00)],
        "answers": [
            "Keep our Tuesday lunch club going through the winter and hire a minibus to bring people in.",
            "About 25 older people, many living alone; most are not online, so this bid was taken by phone.",
            "For some members it is the only hot meal and conversation they have all week.",
            "Joyce and four volunteers cook; the church lends the hall for free.",
        ],
    },
]

SCREENING_ROUND_BIDS: list[dict[str, Any]] = [
    {
        "group": "elm",
        "title": "Warm space in the park pavilion",
        "status": BidStatus.ELIGIBLE,
        "lines": [("Heaters and electricity", 600_00), ("Tea, coffee and soup", 400_00)],
        "answers": [
            "Open the pavilion as a warm space two afternoons a week.",
            "Neighbours who cannot heat their homes all day.",
            "Energy bills have doubled for many on the estate.",
            "Volunteer rota.",
        ],
    },
    {
        "group": "football",
        "title": "Winter floodlights",
        "status": BidStatus.INELIGIBLE,
        "reason": "This round funds warm spaces and help with heating for local people. Floodlights for training "
        "are not something it can pay for, but the Small Sparks round, open now, could.",
        "lines": [("Floodlight hire", 1_500_00)],
        "answers": [
            "Hire floodlights so training can continue in winter evenings.",
            "Forty young players.",
            "Training stops in November without lights.",
            "The club committee.",
        ],
    },
    {
        "group": "food",
        "title": "Soup and a warm room on Fridays",
        "status": BidStatus.SUBMITTED,
        "lines": [("Ingredients, 16 weeks", 640_00), ("Room hire", 360_00)],
        "answers": [
            "Friday soup lunches in a heated room.",
            "Families using the food share.",
            "Several families told us they skip meals to pay for heating.",
            "Our regular volunteers.",
        ],
    },
    {
        "group": "lunch",
        "title": "Blankets and heaters for members",
        "status": BidStatus.WITHDRAWN,
        "on_behalf": True,
        "withdrawal_reason": "The church has paid for this.",
        "lines": [("Blankets and small heaters", 500_00)],
        "answers": [
            "Blankets and heaters for members who are cold at home.",
            "Lunch club members.",
            "Members have told us they sit in coats at home.",
            "Volunteers will deliver them.",
        ],
    },
]

# Rounds further along, so the demo shows the whole journey: a panel part-way through scoring, a vote under way,
# and a decided round with awards in several states.
PANEL_ROUND_BIDS: list[dict[str, Any]] = [
    {"group": "elm", "title": "Pond clean-up and wildlife days", "lines": [("Waders, nets and skips", 1_200_00)]},
    {"group": "football", "title": "Community pitch-side garden", "lines": [("Planters and soil", 800_00)]},
    {"group": "food", "title": "Grow-your-own veg boxes", "lines": [("Boxes, seed and compost", 1_500_00)]},
    {
        "group": "lunch",
        "title": "Garden tea afternoons",
        "lines": [("Tea, cake and chairs", 600_00)],
        "on_behalf": True,
    },
]
PANEL_ANSWERS = [
    "What we will do, in a few lines.",
    "Who will take part: neighbours of all ages.",
    "Why it matters: people here asked for it.",
    "How: our volunteers, over the spring and summer.",
]

PANELLISTS = [
    ("panel1@example.org", "Aisha Rahman"),
    ("panel2@example.org", "George Evans"),
    ("panel3@example.org", "Bronwen Hughes"),
    ("panel4@example.org", "Tomasz Nowak"),
    ("panel5@example.org", "Grace Mensah"),
]


def _user(session: DbSession, email: str, name: str) -> User:
    return find_user_by_email(session, email) or register_user(session, name=name, email=email, password=DEMO_PASSWORD)


def _event(
    session: DbSession, action: str, actor: User, role: str, object_type: str, object_id: int, **facts: Any
) -> None:
    record_event(
        session, action, actor_id=actor.id, actor_role=role, object_type=object_type, object_id=object_id, facts=facts
    )


def _round(
    session: DbSession,
    funder: Funder,
    staff: User,
    *,
    code: str,
    title: str,
    summary: str,
    opens_in_days: int,
    closes_in_days: int,
    budget_pence: int,
    status: RoundStatus,
    method: VotingMethod,
    approval_limit: int | None,
) -> Round:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    round_ = Round(
        funder_id=funder.id,
        code=code,
        title=title,
        summary=summary,
        who_can_apply=(
            "Any group of at least three local people, registered or not. You do not need a bank account in "
            "the group's name to apply, but you will need one (or a partner group's) to receive a grant."
        ),
        budget_pence=budget_pence,
        min_grant_pence=250_00,
        max_grant_pence=2_000_00,
        opens_at=now + timedelta(days=opens_in_days),
        closes_at=now + timedelta(days=closes_in_days),
        status=RoundStatus.DRAFT,
        voting_method=method,
        approval_limit=approval_limit,
        quorum=3,
        scoring_closes_at=now + timedelta(days=closes_in_days + 21),
        voting_closes_at=now + timedelta(days=closes_in_days + 35),
        questions=[
            Question(position=i, prompt=p, help_text=h, word_limit=w, required=True)
            for i, (p, h, w) in enumerate(QUESTIONS, start=1)
        ],
        criteria=[Criterion(position=i, name=n, guidance=g, weight=w) for i, (n, g, w) in enumerate(CRITERIA, start=1)],
    )
    session.add(round_)
    session.flush()
    _event(
        session,
        "round.created",
        staff,
        "staff",
        "round",
        round_.id,
        code=code,
        budget_pence=budget_pence,
        method=method.value,
    )
    order = list(RoundStatus)
    for previous, following in pairwise(order):
        if following.stage > status.stage:
            break
        round_.status = following
        _event(
            session,
            "round.status_changed",
            staff,
            "staff",
            "round",
            round_.id,
            **{"from": previous.value, "to": following.value},
        )
    return round_


def _bid(
    session: DbSession, round_: Round, group: Group, member: User | None, staff: User, spec: dict[str, Any]
) -> Bid:
    round_.bid_counter += 1
    on_behalf = bool(spec.get("on_behalf"))
    actor, role = (staff, "staff") if on_behalf or member is None else (member, "applicant")
    bid = Bid(
        round_id=round_.id,
        group_id=group.id,
        number=round_.bid_counter,
        title=spec["title"],
        amount_pence=sum(cost for _, cost in spec["lines"]),
        entered_by_staff_id=staff.id if on_behalf else None,
    )
    bid.answers = [Answer(question_id=q.id, text=t) for q, t in zip(round_.questions, spec["answers"], strict=True)]
    bid.budget_lines = [
        BudgetLine(position=i, item=item, cost_pence=cost) for i, (item, cost) in enumerate(spec["lines"])
    ]
    session.add(bid)
    session.flush()
    facts = {"round_id": round_.id, "group_id": group.id, **({"on_behalf": True} if on_behalf else {})}
    _event(session, "bid.created", actor, role, "bid", bid.id, number=bid.number, **facts)
    if spec["status"] == BidStatus.DRAFT:
        return bid
    bid.status = BidStatus.SUBMITTED
    bid.submitted_at = round_.opens_at + timedelta(days=3, hours=bid.number)
    bid.declaration_name = group.contact_name
    _event(session, "bid.submitted", actor, role, "bid", bid.id, amount_pence=bid.amount_pence, **facts)
    if spec["status"] == BidStatus.WITHDRAWN:
        bid.status = BidStatus.WITHDRAWN
        bid.withdrawn_at = bid.submitted_at + timedelta(days=2)
        bid.withdrawal_reason = spec.get("withdrawal_reason", "")
        _event(session, "bid.withdrawn", actor, role, "bid", bid.id, **facts)
    elif spec["status"] in (BidStatus.ELIGIBLE, BidStatus.INELIGIBLE):
        bid.status = spec["status"]
        bid.screening_reason = spec.get("reason", "")
        bid.screened_at = round_.closes_at + timedelta(days=1)
        bid.screened_by_id = staff.id
        _event(
            session,
            "bid.screened",
            staff,
            "staff",
            "bid",
            bid.id,
            round_id=round_.id,
            outcome=spec["status"].value,
            previous="submitted",
        )
    return bid


def _eligible_bids(
    session: DbSession, round_: Round, groups: dict[str, tuple[Group, User | None]], staff: User
) -> list[Bid]:
    bids = []
    for spec in PANEL_ROUND_BIDS:
        group, member = groups[spec["group"]]
        full = {**spec, "answers": PANEL_ANSWERS, "status": BidStatus.ELIGIBLE}
        bids.append(_bid(session, round_, group, member, staff, full))
    return bids


def _seat(session: DbSession, round_: Round, panellist: User, staff: User, *, chair: bool, conduct: bool) -> None:
    seat = PanelMember(
        round_id=round_.id,
        user_id=panellist.id,
        is_chair=chair,
        conduct_accepted_at=utcnow() - timedelta(days=20) if conduct else None,
    )
    session.add(seat)
    session.flush()
    _event(session, "panel.member_added", staff, "staff", "panel_member", seat.id, round_id=round_.id)
    if conduct:
        _event(session, "panel.conduct_accepted", panellist, "panellist", "panel_member", seat.id, round_id=round_.id)


def _declare(session: DbSession, round_: Round, panellist: User, bids: list[Bid], conflict_with: Bid | None) -> None:
    for bid in bids:
        kind = ConflictKind.PERSONAL if bid is conflict_with else ConflictKind.NONE
        declaration = ConflictDeclaration(
            round_id=round_.id,
            user_id=panellist.id,
            bid_id=bid.id,
            kind=kind,
            note="My sister runs this group." if kind != ConflictKind.NONE else "",
        )
        session.add(declaration)
        session.flush()
        _event(
            session,
            "conflict.declared",
            panellist,
            "panellist",
            "conflict_declaration",
            declaration.id,
            round_id=round_.id,
            bid_id=bid.id,
            kind=kind.value,
            by_system=False,
        )


def _score(session: DbSession, round_: Round, panellist: User, bid: Bid, values: list[int], comment: str) -> None:
    for criterion, value in zip(round_.criteria, values, strict=True):
        score = Score(
            round_id=round_.id,
            user_id=panellist.id,
            bid_id=bid.id,
            criterion_id=criterion.id,
            value=value,
            comment=comment if criterion.position == 1 else "",
        )
        session.add(score)
        session.flush()
        _event(
            session,
            "score.given",
            panellist,
            "panellist",
            "score",
            score.id,
            round_id=round_.id,
            bid_id=bid.id,
            criterion_id=criterion.id,
            value=value,
        )


COMMENTS = [
    "Clear idea and real local need.",
    "Good, but who will keep it going after the grant?",
    "Lovely plan; I have heard neighbours ask for this.",
    "Not sure the costs add up.",
]


def _panel_rounds(
    session: DbSession,
    funder: Funder,
    staff: User,
    groups: dict[str, tuple[Group, User | None]],
    panellists: list[User],
) -> None:
    """A round in scoring (part-way), one in voting (part-way), and a decided round with awards."""
    from grants.awards.services import accept_offer, decline_offer, make_offer, record_payment, send_feedback
    from grants.decisions.services import ratify
    from grants.voting.services import cast_ballot

    scoring = _round(
        session,
        funder,
        staff,
        code="GS26",
        title="Green Spaces 2026",
        summary="Small grants to make shared outdoor spaces greener and more welcoming.",
        opens_in_days=-90,
        closes_in_days=-30,
        budget_pence=3_000_00,
        status=RoundStatus.SCORING,
        method=VotingMethod.APPROVAL,
        approval_limit=2,
    )
    bids = _eligible_bids(session, scoring, groups, staff)
    for i, panellist in enumerate(panellists):
        _seat(session, scoring, panellist, staff, chair=i == 0, conduct=i < 4)
    for i, panellist in enumerate(panellists[:3]):
        _declare(session, scoring, panellist, bids, conflict_with=bids[1] if i == 1 else None)
    for bid_index, bid in enumerate(bids):  # the chair has scored everything, the second panellist half
        _score(session, scoring, panellists[0], bid, [4, 3, 4 - bid_index % 2], COMMENTS[bid_index])
    _score(session, scoring, panellists[1], bids[0], [5, 4, 4], "Strong local support.")

    voting = _round(
        session,
        funder,
        staff,
        code="YV26",
        title="Youth Voice 2026",
        summary="Grants for projects young people design and run themselves.",
        opens_in_days=-120,
        closes_in_days=-60,
        budget_pence=2_500_00,
        status=RoundStatus.SCORING,
        method=VotingMethod.APPROVAL,
        approval_limit=2,
    )
    voting.scoring_closes_at = utcnow() - timedelta(days=10)
    voting.voting_closes_at = utcnow() + timedelta(days=7)
    vote_bids = _eligible_bids(session, voting, groups, staff)
    _seat_declare_score(session, voting, vote_bids, panellists, staff)
    _move(session, voting, staff, RoundStatus.VOTING)
    cast_ballot(session, round_=voting, voter=panellists[0], bid_ids=[vote_bids[0].id, vote_bids[2].id])
    cast_ballot(session, round_=voting, voter=panellists[1], bid_ids=[vote_bids[0].id])
    cast_ballot(
        session, round_=voting, voter=panellists[2], bid_ids=[vote_bids[3].id, vote_bids[2].id], recorded_by=staff
    )

    decided = _round(
        session,
        funder,
        staff,
        code="ST26",
        title="Spring Together 2026",
        summary="Grants for spring events that bring neighbours together.",
        opens_in_days=-200,
        closes_in_days=-150,
        budget_pence=3_000_00,
        status=RoundStatus.SCORING,
        method=VotingMethod.APPROVAL,
        approval_limit=2,
    )
    decided.scoring_closes_at = utcnow() - timedelta(days=120)
    decided.voting_closes_at = utcnow() + timedelta(days=1)
    won = _eligible_bids(session, decided, groups, staff)
    _seat_declare_score(session, decided, won, panellists, staff)
    _move(session, decided, staff, RoundStatus.VOTING)
    for panellist, choice in zip(panellists, ([0, 1], [0, 3], [1, 3], [0, 2], [3]), strict=True):
        cast_ballot(session, round_=decided, voter=panellist, bid_ids=[won[i].id for i in choice])
    decided.voting_closes_at = utcnow() - timedelta(days=100)  # the vote closed long ago
    session.flush()
    ratify(session, round_=decided, actor=staff, note="Ratified at the panel meeting in the church hall.")
    from grants.decisions.queries import funded_bid_ids

    funded = [b for b in won if b.id in funded_bid_ids(session, decided.id)]
    today = utcnow().date()
    awards = [
        make_offer(
            session,
            bid=bid,
            amount_pence=bid.amount_pence,
            reduced_reason="",
            conditions="Spend the grant within a year and tell us how it went.",
            report_dates=[today + timedelta(days=90), today + timedelta(days=270)],
            withhold_name=False,
            actor=staff,
        )
        for bid in funded
    ]
    for award, bid in zip(awards, funded, strict=True):
        group, member = next(v for v in groups.values() if v[0].id == bid.group_id)
        who = member or staff
        if award is awards[0]:
            accept_offer(session, award=award, name=group.contact_name, conditions_accepted=True, actor=who)
            record_payment(
                session,
                award=award,
                amount_pence=award.amount_pence,
                paid_on=today - timedelta(days=30),
                reference="BACS 100231",
                actor=staff,
            )
        elif award is awards[-1] and len(awards) > 2:
            decline_offer(session, award=award, reason="We could not find enough volunteers in time.", actor=who)
        else:
            accept_offer(session, award=award, name=group.contact_name, conditions_accepted=True, actor=who)
            record_payment(
                session,
                award=award,
                amount_pence=award.amount_pence // 2,
                paid_on=today - timedelta(days=10),
                reference="BACS 100245",
                actor=staff,
            )
    _stories(session, decided, awards[0], groups, staff, panellists)
    for bid in won:
        if bid not in funded:
            send_feedback(
                session,
                bid=bid,
                actor=staff,
                text=(
                    "The panel liked your idea and said it answered a real need. Other bids had more panellists "
                    "in favour this time. Panellists asked how it would carry on after the grant: say more about that "
                    "if you apply again."
                ),
            )


STORY = [
    "We cleared the pond over six Saturdays with 40 neighbours, and the children ran two wildlife days.",
    "Older people who had never spoken to each other now meet at the pond every week. A dad told us his son "
    "talks about newts all the time. The council now mows around the pond instead of over it.",
    "Start earlier in the year: the first two Saturdays were rained off. Ask the school sooner.",
    "Thank you for trusting us with this.",
]


def _stories(
    session: DbSession,
    round_: Round,
    award: Award,
    groups: dict[str, tuple[Group, User | None]],
    staff: User,
    panellists: list[User],
) -> None:
    """A sent report for the first award, a conversation about it, themes, a quote and the panel's picks."""
    from grants.reports.group_services import save_draft, submit_report
    from grants.reports.staff_services import choose_stories, open_selection, pick_quote, send_message, tag_report

    member = next(m for g, m in groups.values() if g.id == award.bid.group_id)
    writer = member or staff
    report_date = award.report_dates[0]
    save_draft(session, report_date=report_date, texts=STORY, recording_url="", actor=writer)
    report = session.scalars(sa.select(Report).where(Report.report_date_id == report_date.id)).one()
    submit_report(session, report=report, share_publicly=True, actor=writer)
    send_message(
        session,
        report=report,
        author=staff,
        side="staff",
        text="What a story. Could we share the newt drawings at our trustees' meeting?",
    )
    if member is not None:
        send_message(session, report=report, author=member, side="group", text="Yes, of course. We'll bring them.")
    tag_report(session, report=report, theme_ids=[], new_theme="Loneliness and connection", actor=staff)
    tag_report(
        session, report=report, theme_ids=[t.id for t in _themes(session, round_)], new_theme="Nature", actor=staff
    )
    pick_quote(
        session,
        report=report,
        actor=staff,
        text="Older people who had never spoken to each other now meet at the pond every week.",
    )
    open_selection(session, round_=round_, actor=staff)
    choose_stories(
        session,
        round_=round_,
        user=panellists[0],
        picks={report.id: ("It changed how neighbours see each other, not just the pond.")},
    )
    choose_stories(
        session,
        round_=round_,
        user=panellists[2],
        picks={report.id: ("The council changed how it looks after the pond because of them.")},
    )


def _themes(session: DbSession, round_: Round) -> list[Theme]:
    return list(session.scalars(sa.select(Theme).where(Theme.funder_id == round_.funder_id)))


def _move(session: DbSession, round_: Round, staff: User, to: RoundStatus) -> None:
    previous = round_.status
    round_.status = to
    _event(
        session, "round.status_changed", staff, "staff", "round", round_.id, **{"from": previous.value, "to": to.value}
    )


def _seat_declare_score(
    session: DbSession, round_: Round, bids: list[Bid], panellists: list[User], staff: User
) -> None:
    for i, panellist in enumerate(panellists):
        _seat(session, round_, panellist, staff, chair=i == 0, conduct=True)
        _declare(session, round_, panellist, bids, conflict_with=None)
        for bid_index, bid in enumerate(bids):
            _score(session, round_, panellist, bid, [3 + (i + bid_index) % 3, 3, 4], COMMENTS[(i + bid_index) % 4])


def load_demo(session: DbSession) -> list[tuple[str, str]]:
    """Create the demo once; return (role, email) for each demo login."""
    logins = [
        ("Site admin", "admin@example.org"),
        ("Funder staff", "staff@example.org"),
        ("Auditor", "auditor@example.org"),
        *[(f"Applicant ({g['name']})", g["email"]) for g in GROUPS if g["email"]],
        *[("Panellist", email) for email, _ in PANELLISTS],
    ]
    if session.scalar(sa.select(Funder.id).where(Funder.name == DEMO_FUNDER)) is not None:
        return logins

    admin = _user(session, "admin@example.org", "Sian Roberts")
    grant_role(session, user=admin, role=Role.SITE_ADMIN)
    funder = create_funder(session, name=DEMO_FUNDER, created_by=admin)
    funder.grant_id_prefix = "360G-riversidecf"
    staff = _user(session, "staff@example.org", "Priya Shah")
    grant_role(session, user=staff, role=Role.STAFF, funder=funder, granted_by=admin)
    auditor = _user(session, "auditor@example.org", "Martin Doyle")
    grant_role(session, user=auditor, role=Role.AUDITOR, funder=funder, granted_by=staff)

    groups: dict[str, tuple[Group, User | None]] = {}
    for spec in GROUPS:
        member = _user(session, spec["email"], spec["person"]) if spec["email"] else None
        group = Group(
            name=spec["name"],
            area=spec["area"],
            kind=spec["kind"],
            registration_number=spec["registration_number"],
            contact_name=spec["person"],
            contact_email=spec.get("contact_email") or spec["email"],
        )
        session.add(group)
        session.flush()
        if member is not None:
            session.add(GroupMember(group_id=group.id, user_id=member.id))
        _event(
            session,
            "group.created",
            member or staff,
            "applicant" if member else "staff",
            "group",
            group.id,
            kind=group.kind.value,
            on_behalf=member is None,
        )
        groups[spec["key"]] = (group, member)

    open_round = _round(
        session,
        funder,
        staff,
        code="RSS27",
        title="Small Sparks 2027",
        summary=(
            "Grants of £250 to £2,000 for local groups with an idea that brings neighbours together in "
            "Riverside, Northside and Elm Park. A panel of local residents decides who is funded."
        ),
        opens_in_days=-14,
        closes_in_days=21,
        budget_pence=10_000_00,
        status=RoundStatus.OPEN,
        method=VotingMethod.APPROVAL,
        approval_limit=3,
    )
    winter_round = _round(
        session,
        funder,
        staff,
        code="WW26",
        title="Winter Warmth 2026",
        summary=(
            "Small grants for warm spaces, hot food and help with heating this winter. Decided by a panel "
            "of residents from the areas the fund serves."
        ),
        opens_in_days=-60,
        closes_in_days=-7,
        budget_pence=5_000_00,
        status=RoundStatus.SCREENING,
        method=VotingMethod.SCORES,
        approval_limit=None,
    )
    for round_, specs in ((open_round, OPEN_ROUND_BIDS), (winter_round, SCREENING_ROUND_BIDS)):
        for spec in specs:
            group, member = groups[spec["group"]]
            _bid(session, round_, group, member, staff, spec)

    panellists = [_user(session, email, name) for email, name in PANELLISTS]
    _panel_rounds(session, funder, staff, groups, panellists)
    return logins
