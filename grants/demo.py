"""Demo data: a funder, its staff and auditor, an open round, three groups with bids, and a panel of five.

`load_demo` is idempotent: run twice, it creates nothing the second time and prints the same logins.
Everything goes through the same services as real use, so the audit chain records it all.
"""

from __future__ import annotations

from datetime import timedelta
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
GROUPS: list[dict[str, Any]] = [
    {
        "email": "elm.park@example.org",
        "person": "Maria Okafor",
        "name": "Friends of Elm Park",
        "area": "Elm Park, RV3",
        "kind": GroupKind.INFORMAL,
        "registration_number": None,
        "bid": {
            "title": "Saturday growing club for families",
            "amount": 1_450_00,
            "status": BidStatus.SUBMITTED,
            "answers": [
                "Start a Saturday morning growing club in the old bowling green beds, with tools, seeds and "
                "raised beds that children and older neighbours can reach.",
                "About 30 families from the estates around the park; we will put flyers through doors and ask "
                "the school to share it.",
                "There is nowhere free for families to meet on Saturdays and people have said they feel lonely.",
                "Three of us will run it every week from March; the council has agreed we can use the beds.",
            ],
        },
    },
    {
        "email": "youth.football@example.org",
        "person": "Dan Whitfield",
        "name": "Riverside Youth Football",
        "area": "Riverside, RV1",
        "kind": GroupKind.UNINCORPORATED,
        "registration_number": None,
        "bid": {
            "title": "Kit and pitch hire for a girls' team",
            "amount": 1_900_00,
            "status": BidStatus.SUBMITTED,
            "answers": [
                "Set up an under-14 girls' team: kit, balls and twelve weeks of pitch hire.",
                "Twenty girls aged 10 to 14 who have asked for a team of their own.",
                "The nearest girls' team is two bus rides away, so most girls stop playing at 11.",
                "Two qualified volunteer coaches; training on Tuesday evenings at the leisure centre.",
            ],
        },
    },
    {
        "email": "food.share@example.org",
        "person": "Sam Patel",
        "name": "Northside Food Share",
        "area": "Northside, RV5",
        "kind": GroupKind.CIO,
        "registration_number": "1187654",
        "bid": {
            "title": "Community fridge and cooking sessions",
            "amount": 800_00,
            "status": BidStatus.DRAFT,
            "answers": [
                "Buy a community fridge for surplus food and run monthly cook-and-eat sessions.",
                "",
                "",
                "",
            ],
        },
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


def _open_round(session: DbSession, funder: Funder, staff: User) -> Round:
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    round_ = Round(
        funder_id=funder.id,
        code="RSS27",
        title="Small Sparks 2027",
        summary=(
            "Grants of £250 to £2,000 for local groups with an idea that brings neighbours together in "
            "Riverside, Northside and Elm Park. A panel of local residents decides who is funded."
        ),
        who_can_apply=(
            "Any group of at least three local people, registered or not. You do not need a bank account in "
            "the group's name to apply, but you will need one (or a partner group's) to receive a grant."
        ),
        budget_pence=10_000_00,
        min_grant_pence=250_00,
        max_grant_pence=2_000_00,
        opens_at=now - timedelta(days=14),
        closes_at=now + timedelta(days=21),
        status=RoundStatus.DRAFT,
        voting_method=VotingMethod.APPROVAL,
        approval_limit=3,
        quorum=3,
        scoring_closes_at=now + timedelta(days=42),
        voting_closes_at=now + timedelta(days=56),
        questions=[
            Question(position=i, prompt=p, help_text=h, word_limit=w, required=True)
            for i, (p, h, w) in enumerate(QUESTIONS, start=1)
        ],
        criteria=[Criterion(position=i, name=n, guidance=g, weight=w) for i, (n, g, w) in enumerate(CRITERIA, start=1)],
    )
    session.add(round_)
    session.flush()
    record_event(
        session,
        "round.created",
        actor_id=staff.id,
        actor_role=Role.STAFF.value,
        object_type="round",
        object_id=round_.id,
        facts={"code": round_.code, "budget_pence": round_.budget_pence, "method": round_.voting_method.value},
    )
    round_.status = RoundStatus.OPEN
    record_event(
        session,
        "round.status_changed",
        actor_id=staff.id,
        actor_role=Role.STAFF.value,
        object_type="round",
        object_id=round_.id,
        facts={"from": RoundStatus.DRAFT.value, "to": RoundStatus.OPEN.value},
    )
    return round_


def _group_with_bid(session: DbSession, round_: Round, spec: dict[str, Any], number: int) -> None:
    person = _user(session, spec["email"], spec["person"])
    group = Group(
        name=spec["name"], area=spec["area"], kind=spec["kind"], registration_number=spec["registration_number"]
    )
    session.add(group)
    session.flush()
    session.add(GroupMember(group_id=group.id, user_id=person.id))
    b = spec["bid"]
    bid = Bid(round_id=round_.id, group_id=group.id, number=number, title=b["title"], amount_pence=b["amount"])
    bid.answers = [Answer(question_id=q.id, text=text) for q, text in zip(round_.questions, b["answers"], strict=True)]
    session.add(bid)
    session.flush()
    record_event(
        session,
        "bid.created",
        actor_id=person.id,
        object_type="bid",
        object_id=bid.id,
        facts={"round_id": round_.id, "group_id": group.id},
    )
    if b["status"] == BidStatus.SUBMITTED:
        bid.status = BidStatus.SUBMITTED
        bid.submitted_at = utcnow()
        record_event(
            session,
            "bid.submitted",
            actor_id=person.id,
            object_type="bid",
            object_id=bid.id,
            facts={"round_id": round_.id, "amount_pence": bid.amount_pence},
        )


def load_demo(session: DbSession) -> list[tuple[str, str]]:
    """Create the demo once; return (role, email) for each demo login."""
    logins = [
        ("Site admin", "admin@example.org"),
        ("Funder staff", "staff@example.org"),
        ("Auditor", "auditor@example.org"),
        *[(f"Applicant ({g['name']})", g["email"]) for g in GROUPS],
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

    round_ = _open_round(session, funder, staff)
    for number, spec in enumerate(GROUPS, start=1):
        _group_with_bid(session, round_, spec, number)

    for email, name in PANELLISTS:
        panellist = _user(session, email, name)
        seat = PanelMember(round_id=round_.id, user_id=panellist.id, is_chair=email == "panel1@example.org")
        session.add(seat)
        session.flush()
        record_event(
            session,
            "panel.member_added",
            actor_id=staff.id,
            actor_role=Role.STAFF.value,
            object_type="panel_member",
            object_id=seat.id,
            facts={"round_id": round_.id},
        )
    return logins
