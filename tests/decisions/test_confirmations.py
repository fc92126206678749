"""Two people for the decisions that move money: ratifying, each departure and reopening a decided round are
proposed by one member of staff and confirmed by another, where the funder asks for two (the default)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.decisions import confirmations
from grants.domain import DomainError
from grants.models import (
    AuditEvent,
    DecisionProposal,
    Departure,
    Funder,
    GroupMember,
    ProposalKind,
    Ratification,
    RoleGrant,
    Round,
    RoundStatus,
    User,
    utcnow,
)
from grants.rounds.services import change_status
from tests.decisions.helpers import Setting, make_setting, two_step
from tests.support.db import app_session
from tests.support.factories import make_admin, make_staff
from tests.support.forms import once
from tests.support.signin import sign_in

RATIFY = confirmations.Asked(ProposalKind.RATIFY)
REASON = "The group could not show a bank account in its name: failed due diligence."


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _tally(setting: Setting) -> str:
    return f"/staff/rounds/{setting.round_id}/tally"


def _status(app: Flask, setting: Setting) -> RoundStatus:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        return round_.status


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app_session(app) as s:
        return list(s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def _pending(app: Flask, setting: Setting) -> list[DecisionProposal]:
    with app_session(app) as s:
        return confirmations.pending_proposals(s, setting.round_id)


def test_funders_ask_for_two_people_by_default(app: Flask) -> None:
    with app_session(app) as s:
        funder = Funder(name="New funder", slug="new-funder")
        s.add(funder)
        s.flush()
        assert funder.two_person_decisions is True


def test_ratifying_is_proposed_by_one_member_of_staff_and_confirmed_by_another(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    proposed = client.post(f"{_tally(setting)}/ratify", data=once({"note": "As the panel decided."}))
    assert proposed.status_code == 302
    # Nothing is decided yet: the round is still in voting and nothing is ratified.
    assert _status(app, setting) == RoundStatus.VOTING
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Ratification)) == 0
    mine = client.get(_tally(setting)).text
    assert "Priya Shah proposes to ratify the result" in mine
    assert "You proposed this, so a colleague must confirm it" in mine
    assert "Daniel Okafor can do it" in mine
    (proposal,) = _pending(app, setting)

    # The proposer cannot confirm their own proposal.
    own = client.post(f"{_tally(setting)}/proposals/{proposal.id}/confirm", follow_redirects=True)
    assert "You proposed this, so a colleague must confirm it" in own.text
    assert _status(app, setting) == RoundStatus.VOTING

    client.post("/sign-out")
    sign_in(client, setting.colleague_email)
    theirs = client.get(_tally(setting)).text
    assert "Priya Shah proposes to ratify the result" in theirs and "As the panel decided." in theirs
    confirmed = client.post(f"{_tally(setting)}/proposals/{proposal.id}/confirm", follow_redirects=True)
    assert "Confirmed and ratified" in confirmed.text
    assert _status(app, setting) == RoundStatus.DECIDED
    assert _pending(app, setting) == []

    (proposed_event,) = _events(app, "decision.proposed")
    (confirmed_event,) = _events(app, "decision.confirmed")
    (ratified,) = _events(app, "decision.ratified")
    assert proposed_event.actor_id == setting.staff_id
    assert confirmed_event.actor_id == ratified.actor_id == setting.colleague_id
    assert proposed_event.facts["kind"] == "ratify" and confirmed_event.facts["proposal_id"] == proposal.id
    assert ratified.facts["proposed_by_id"] == setting.staff_id


def test_nobody_confirms_their_own_proposal_in_the_service_or_the_database(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        round_, staff = s.get(Round, setting.round_id), s.get(User, setting.staff_id)
        assert round_ is not None and staff is not None
        proposal = confirmations.propose(s, round_=round_, asked=RATIFY, actor=staff, now=utcnow())
        with pytest.raises(DomainError, match="a colleague must confirm it"):
            confirmations.confirm(s, proposal=proposal, actor=staff, now=utcnow())
    with app_session(app) as s, pytest.raises(sa.exc.IntegrityError):
        s.execute(
            sa.update(DecisionProposal).values(confirmed_by_id=DecisionProposal.proposed_by_id, confirmed_at=utcnow())
        )
        s.flush()


def test_the_one_step_services_refuse_where_the_funder_asks_for_two(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        round_, staff = s.get(Round, setting.round_id), s.get(User, setting.staff_id)
        assert round_ is not None and staff is not None
        from grants.decisions import services

        with pytest.raises(DomainError, match="a colleague must confirm this decision"):
            services.ratify(s, round_=round_, actor=staff, now=utcnow())
        with pytest.raises(DomainError, match="a colleague must confirm this decision"):
            services.depart(s, round_=round_, bid_id=setting.bids["B"], actor=staff, reason=REASON, now=utcnow())


def test_a_departure_takes_effect_only_once_a_colleague_confirms_it(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    response = client.post(
        f"{_tally(setting)}/departures", data=once({"bid": str(setting.bids["B"]), "reason": REASON})
    )
    assert response.status_code == 302
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Departure)) == 0
    again = client.post(f"{_tally(setting)}/departures", data=once({"bid": str(setting.bids["B"]), "reason": REASON}))
    assert again.status_code == 200 and "Priya Shah has already proposed this" in again.text
    (proposal,) = _pending(app, setting)
    client.post("/sign-out")
    sign_in(client, setting.colleague_email)
    assert "proposes to depart from the panel&#39;s result for" in client.get(_tally(setting)).text
    client.post(f"{_tally(setting)}/proposals/{proposal.id}/confirm")
    with app_session(app) as s:
        departure = s.scalars(sa.select(Departure)).one()
        assert departure.bid_id == setting.bids["B"] and departure.created_by_id == setting.staff_id
    (departed,) = _events(app, "decision.departed")
    assert departed.actor_id == setting.colleague_id and departed.facts["proposal_id"] == proposal.id


def test_a_ratification_proposed_before_a_departure_is_not_confirmed_after_it(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        staff, colleague = s.get(User, setting.staff_id), s.get(User, setting.colleague_id)
        assert round_ is not None and staff is not None and colleague is not None
        ratifying = confirmations.propose(s, round_=round_, asked=RATIFY, actor=staff, now=utcnow())
        two_step(s, setting, ProposalKind.DEPART, bid="B", text=REASON)
        with pytest.raises(DomainError, match="The result has changed since this ratification was proposed"):
            confirmations.confirm(s, proposal=ratifying, actor=colleague, now=utcnow())


def test_reopening_a_decided_round_needs_a_second_person_on_the_tally_page_and_the_rounds_page(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        two_step(s, setting, ProposalKind.RATIFY)
    with app_session(app) as s:
        round_, staff = s.get(Round, setting.round_id), s.get(User, setting.staff_id)
        assert round_ is not None and staff is not None
        with pytest.raises(DomainError, match="Reopening a decided round needs a second member of staff"):
            change_status(s, round=round_, to=RoundStatus.VOTING, actor=staff, reason="Recount", now=utcnow())
    sign_in(client, setting.staff_email)
    rounds_page = client.post(
        f"/staff/rounds/{setting.round_id}/move/voting", data={"seen_status": "decided", "reason": "Recount"}
    )
    assert "Reopening a decided round needs a second member of staff" in rounds_page.text
    client.post(f"{_tally(setting)}/reopen", data=once({"reopen_reason": "A paper ballot was missed"}))
    assert _status(app, setting) == RoundStatus.DECIDED
    (proposal,) = _pending(app, setting)
    client.post("/sign-out")
    sign_in(client, setting.colleague_email)
    client.post(f"{_tally(setting)}/proposals/{proposal.id}/confirm")
    assert _status(app, setting) == RoundStatus.VOTING
    with app_session(app) as s:
        assert s.scalars(sa.select(Ratification)).one().undone_at is not None


def test_a_proposal_can_be_withdrawn_and_then_decides_nothing(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    client.post(f"{_tally(setting)}/ratify", data=once({"note": ""}))
    (proposal,) = _pending(app, setting)
    withdrawn = client.post(f"{_tally(setting)}/proposals/{proposal.id}/withdraw", follow_redirects=True)
    assert "The proposal is withdrawn" in withdrawn.text
    client.post("/sign-out")
    sign_in(client, setting.colleague_email)
    late = client.post(f"{_tally(setting)}/proposals/{proposal.id}/confirm", follow_redirects=True)
    assert "already been confirmed or withdrawn" in late.text
    assert _status(app, setting) == RoundStatus.VOTING
    assert [e.actor_id for e in _events(app, "decision.proposal_withdrawn")] == [setting.staff_id]


def test_a_member_of_staff_conflicted_on_a_bid_of_the_round_cannot_confirm(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        funder_id = s.get(Round, setting.round_id).funder_id  # type: ignore[union-attr]
        conflicted = make_staff(s, s.get(Funder, funder_id), email="member.of.a@example.com", name="Ann Member")
        group_id = s.scalar(sa.text("SELECT group_id FROM bid WHERE id = :b"), {"b": setting.bids["A"]})
        s.add(GroupMember(group_id=group_id, user_id=conflicted.id))
    sign_in(client, setting.staff_email)
    client.post(f"{_tally(setting)}/ratify", data=once({"note": ""}))
    (proposal,) = _pending(app, setting)
    client.post("/sign-out")
    sign_in(client, "member.of.a@example.com")
    refused = client.post(f"{_tally(setting)}/proposals/{proposal.id}/confirm")
    assert refused.status_code == 403
    assert "You are a member of Group A, the group that sent this bid." in refused.text
    assert "Daniel Okafor" in refused.text  # who else can
    assert _status(app, setting) == RoundStatus.VOTING


def test_the_only_member_of_staff_is_told_why_a_second_person_is_needed_and_how_to_invite_one(
    app: Flask, client: FlaskClient
) -> None:
    setting = make_setting(app)
    with app_session(app) as s:
        s.execute(sa.delete(RoleGrant).where(RoleGrant.user_id == setting.colleague_id))
    sign_in(client, setting.staff_email)
    before = client.get(_tally(setting)).text
    assert "You are the funder's only member of staff, and this needs a second person" in before
    client.post(f"{_tally(setting)}/ratify", data=once({"note": ""}))
    page = client.get(_tally(setting)).text
    assert "You proposed this, so a colleague must confirm it" in page
    assert "Invite a colleague or an auditor" in page and 'href="/staff"' in page


def test_only_the_site_admin_turns_the_two_person_rule_off_and_then_one_person_decides(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    with app_session(app) as s:
        admin = make_admin(s, email="admin@example.org")
        funder_id = s.get(Round, setting.round_id).funder_id  # type: ignore[union-attr]
        assert admin.id
    sign_in(client, setting.staff_email)
    assert client.post(f"/admin/funders/{funder_id}/two-person", data={"on": "0"}).status_code == 403
    client.post("/sign-out")
    sign_in(client, "admin@example.org")
    assert "Let one person decide" in client.get("/admin/").text
    turned = client.post(f"/admin/funders/{funder_id}/two-person", data={"on": "0"}, follow_redirects=True)
    assert "now lets one member of staff take the decisions that move money" in turned.text
    (changed,) = _events(app, "funder.two_person_changed")
    assert changed.facts == {"two_person_decisions": False}
    client.post("/sign-out")
    sign_in(client, setting.staff_email)
    client.post(f"{_tally(setting)}/ratify", data=once({"note": ""}))
    assert _status(app, setting) == RoundStatus.DECIDED


def test_a_proposal_waiting_for_a_second_person_is_on_every_colleagues_home_page(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    sign_in(client, setting.staff_email)
    assert "Waiting for a second person" not in client.get("/staff").text
    client.post(f"{_tally(setting)}/ratify", data=once({"note": "As the panel decided."}))
    mine = client.get("/staff").text
    assert "you propose to ratify the result (a colleague must confirm it)" in mine
    assert f'href="{_tally(setting)}#proposals"' in mine

    client.post("/sign-out")
    sign_in(client, setting.colleague_email)
    theirs = client.get("/staff").text
    assert "Priya Shah proposes to ratify the result (you or another colleague can confirm it)" in theirs
    (proposal,) = _pending(app, setting)
    client.post(f"{_tally(setting)}/proposals/{proposal.id}/confirm")
    assert "Waiting for a second person" not in client.get("/staff").text

    client.post("/sign-out")
    sign_in(client, setting.other_staff_email)  # another funder's staff see nothing of it
    assert "Waiting for a second person" not in client.get("/staff").text
