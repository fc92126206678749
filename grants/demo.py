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
    Bid,
    BidStatus,
    BudgetLine,
    Criterion,
    Funder,
    Group,
    GroupKind,
    GroupMember,
    PanelMember,
    Question,
    Role,
    Round,
    RoundStatus,
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
        if order.index(following) > order.index(status):
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

    for email, name in PANELLISTS:
        panellist = _user(session, email, name)
        seat = PanelMember(round_id=open_round.id, user_id=panellist.id, is_chair=email == "panel1@example.org")
        session.add(seat)
        session.flush()
        _event(session, "panel.member_added", staff, "staff", "panel_member", seat.id, round_id=open_round.id)
    return logins
