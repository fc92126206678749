"""The rules of casting a ballot, without HTTP: every method's limits, conflicts, tampering, the voting window,
replacement, replays and receipts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from grants.audit.walk import verify_all_chains
from grants.domain import DomainError
from grants.models import (
    Ballot,
    BallotChoice,
    Bid,
    ConflictDeclaration,
    ConflictKind,
    GroupMember,
    OutboxEmail,
    PanelMember,
    Round,
    RoundStatus,
    User,
    VotingMethod,
    utcnow,
)
from grants.voting import queries, receipts, services
from grants.voting.services import AlreadyRecorded, VotingClosed, cast_ballot, ranking_from_ranks
from tests.support.db import app_session
from tests.support.scenarios import set_round
from tests.voting.helpers import Setting, ballot_events, ballots, declare_conflict, make_voting_round


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_voting_round(app, method=VotingMethod.APPROVAL, approval_limit=2)


def _load(session: Session, setting: Setting, user_id: int | None = None) -> tuple[Round, User]:
    round_ = session.get(Round, setting.round_id)
    voter = session.get(User, user_id or setting.panellist_id)
    assert round_ is not None and voter is not None
    return round_, voter


def _cast(app: Flask, setting: Setting, **kwargs: object) -> services.CastResult:
    with app_session(app) as s:
        round_, voter = _load(s, setting)
        recorded_by = kwargs.pop("recorded_by", None)
        staff = s.get(User, setting.staff_id) if recorded_by == "staff" else None
        result = cast_ballot(s, round_=round_, voter=voter, recorded_by=staff, now=utcnow(), **kwargs)  # type: ignore[arg-type]
        s.flush()
        return result


def _refused(app: Flask, setting: Setting, error: type[DomainError] = DomainError, **kwargs: object) -> DomainError:
    before = ballots(app, setting.round_id)
    events = len(ballot_events(app))
    with pytest.raises(error) as caught:
        _cast(app, setting, **kwargs)
    assert ballots(app, setting.round_id) == before, "a refused ballot must change nothing"
    assert len(ballot_events(app)) == events
    return caught.value


# --- casting and replacing ------------------------------------------------------------------------------------


def test_cast_ballot_stores_choices_receipt_and_audit_event(app: Flask, setting: Setting) -> None:
    a, _, c, _ = setting.bid_ids
    result = _cast(app, setting, bid_ids=[c, a])
    assert ballots(app, setting.round_id) == [(result.ballot.id, True, sorted([a, c]))]
    (event,) = ballot_events(app)
    assert event.action == "ballot.cast"
    assert event.actor_id == setting.panellist_id and event.actor_role == "panellist"
    assert event.facts == {
        "round_id": setting.round_id,
        "ballot_id": result.ballot.id,
        "panellist_id": setting.panellist_id,
        "method": "approval",
        "bids": sorted([a, c]),
        "on_paper": False,
        "replaces": None,
    }


def test_replacing_keeps_the_old_ballot_superseded_and_logs_each_version(app: Flask, setting: Setting) -> None:
    a, b, c, _ = setting.bid_ids
    first = _cast(app, setting, bid_ids=[a])
    second = _cast(app, setting, bid_ids=[b, c])
    third = _cast(app, setting, bid_ids=[])
    assert ballots(app, setting.round_id) == [
        (first.ballot.id, False, [a]),
        (second.ballot.id, False, sorted([b, c])),
        (third.ballot.id, True, []),
    ]
    with app_session(app) as s:
        old = s.get(Ballot, first.ballot.id)
        assert old is not None and old.superseded_at is not None
        assert all(report.ok for report in verify_all_chains(s))
    events = ballot_events(app)
    assert [e.action for e in events] == ["ballot.cast", "ballot.replaced", "ballot.replaced"]
    assert [e.facts["replaces"] for e in events] == [None, first.ballot.id, second.ballot.id]
    assert [e.facts["bids"] for e in events] == [[a], sorted([b, c]), []]
    assert third.replaced_id == second.ballot.id


def test_an_empty_ballot_counts_as_a_ballot_cast(app: Flask, setting: Setting) -> None:
    result = _cast(app, setting, bid_ids=[])
    assert ballots(app, setting.round_id) == [(result.ballot.id, True, [])]


# --- the method's limits --------------------------------------------------------------------------------------


def test_approval_ballot_over_k_is_refused(app: Flask, setting: Setting) -> None:
    error = _refused(app, setting, bid_ids=setting.bid_ids[:3])
    assert "no more than 2 bids" in error.message


def test_equal_shares_ballot_over_k_is_refused(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.EQUAL_SHARES, approval_limit=1)
    error = _refused(app, setting, bid_ids=setting.bid_ids[:2])
    assert "no more than 1 bids" in error.message or "no more than 1 bid" in error.message
    assert _cast(app, setting, bid_ids=setting.bid_ids[:1]).ballot.id


def test_budget_ballot_must_fit_the_budget(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.BUDGET)
    a, b, c, d = setting.bid_ids  # £4,000 + £3,500 + £2,500 + £1,000 against £10,000
    error = _refused(app, setting, bid_ids=[a, b, c, d])
    assert error.message.startswith("The bids chosen add up to £11,000, which is £1,000 over the budget of £10,000")
    result = _cast(app, setting, bid_ids=[a, b, c])  # exactly £10,000 fits
    assert ballots(app, setting.round_id) == [(result.ballot.id, True, sorted([a, b, c]))]


def test_ranked_ballot_keeps_its_order_and_refuses_over_n(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.RANKED, ranked_limit=2)
    a, b, c, _ = setting.bid_ids
    error = _refused(app, setting, ranking=[c, a, b])
    assert "Rank no more than 2 bids" in error.message
    result = _cast(app, setting, ranking=[c, a])
    assert ballots(app, setting.round_id) == [(result.ballot.id, True, [c, a])]
    assert ballot_events(app)[-1].facts["bids"] == [c, a]


def test_ranked_ballot_refuses_the_same_bid_twice(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.RANKED, ranked_limit=3)
    a, b, _, _ = setting.bid_ids
    error = _refused(app, setting, ranking=[a, b, a])
    assert "ranked twice" in error.message


def test_ranks_become_an_order_and_the_same_rank_twice_is_refused() -> None:
    assert ranking_from_ranks({10: 2, 20: 1, 30: 3}, limit=3) == [20, 10, 30]
    assert ranking_from_ranks({}, limit=3) == []
    with pytest.raises(DomainError) as same:
        ranking_from_ranks({10: 1, 20: 1}, limit=3)
    assert "more than one bid your 1st choice" in same.value.message
    assert same.value.fields == ("rank_10", "rank_20")
    with pytest.raises(DomainError) as gap:
        ranking_from_ranks({10: 1, 20: 3}, limit=3)
    assert "3rd choice but no 2nd choice" in gap.value.message and gap.value.field == "rank_20"
    with pytest.raises(DomainError, match="Rank no more than 3"):
        ranking_from_ranks({10: 4}, limit=3)


def test_approval_ballot_refuses_duplicates(app: Flask, setting: Setting) -> None:
    a = setting.bid_ids[0]
    assert "chosen twice" in _refused(app, setting, bid_ids=[a, a]).message


def test_the_wrong_kind_of_ballot_is_a_programming_error(app: Flask, setting: Setting) -> None:
    with pytest.raises(ValueError):
        _cast(app, setting, ranking=[setting.bid_ids[0]])


def test_a_scores_round_has_no_ballot(app: Flask) -> None:
    setting = make_voting_round(app, method=VotingMethod.SCORES)
    assert "scores are the vote" in _refused(app, setting, bid_ids=[]).message


# --- eligibility, conflicts and tampering -------------------------------------------------------------------


def test_a_conflicted_bid_cannot_be_chosen(app: Flask, setting: Setting) -> None:
    a, b, _, _ = setting.bid_ids
    declare_conflict(app, round_id=setting.round_id, user_id=setting.panellist_id, bid_id=a)
    error = _refused(app, setting, bid_ids=[a, b])
    assert error.message == 'You declared a conflict with VOTE1-0001 "Bid A", so you cannot vote for it'
    assert _cast(app, setting, bid_ids=[b]).ballot.id


def test_own_groups_bid_cannot_be_chosen_even_undeclared(app: Flask, setting: Setting) -> None:
    a = setting.bid_ids[0]
    with app_session(app) as s:
        bid = s.get(Bid, a)
        assert bid is not None
        s.add(GroupMember(group_id=bid.group_id, user_id=setting.panellist_id))
    assert "declared a conflict" in _refused(app, setting, bid_ids=[a]).message


def test_casting_a_ballot_records_an_own_groups_recusal(app: Flask, setting: Setting) -> None:
    a, b = setting.bid_ids[:2]
    with app_session(app) as s:
        bid = s.get(Bid, a)
        assert bid is not None
        s.add(GroupMember(group_id=bid.group_id, user_id=setting.panellist_id))
    _cast(app, setting, bid_ids=[b])
    with app_session(app) as s:
        row = s.scalars(
            sa.select(ConflictDeclaration).where(
                ConflictDeclaration.user_id == setting.panellist_id, ConflictDeclaration.bid_id == a
            )
        ).one()
        assert row.by_system and row.kind == ConflictKind.ORGANISATIONAL


@pytest.mark.parametrize("which", ["other_round", "ineligible", "missing"])
def test_a_tampered_bid_id_is_refused(app: Flask, setting: Setting, which: str) -> None:
    bid_id = {"other_round": setting.other_round_bid_id, "ineligible": setting.ineligible_bid_id, "missing": 99999}[
        which
    ]
    error = _refused(app, setting, bid_ids=[setting.bid_ids[0], bid_id])
    assert error.message == services.NOT_ON_BALLOT


# --- who may vote, and when ---------------------------------------------------------------------------------


def test_someone_without_a_seat_cannot_vote(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        stranger = s.scalar(sa.select(User).where(User.email == setting.other_panellist_email))
        assert round_ is not None and stranger is not None
        with pytest.raises(DomainError, match="not on this round's panel"):
            cast_ballot(s, round_=round_, voter=stranger, bid_ids=[], now=utcnow())


def test_code_of_conduct_must_be_accepted_first(app: Flask) -> None:
    setting = make_voting_round(app, conduct=False)
    assert "code of conduct" in _refused(app, setting, bid_ids=[]).message


def test_a_ballot_after_voting_closes_is_refused(app: Flask, setting: Setting) -> None:
    set_round(app, setting.round_id, voting_closes_at=utcnow() - timedelta(seconds=1))
    error = _refused(app, setting, VotingClosed, bid_ids=[setting.bid_ids[0]])
    assert error.message.startswith("Voting closed on ")


def test_a_ballot_once_the_round_is_decided_is_refused(app: Flask, setting: Setting) -> None:
    set_round(app, setting.round_id, status=RoundStatus.DECIDED)
    assert "Voting has closed" in _refused(app, setting, VotingClosed, bid_ids=[]).message


def test_a_ballot_before_voting_opens_is_refused(app: Flask) -> None:
    setting = make_voting_round(app, status=RoundStatus.SCORING)
    assert "not opened yet" in _refused(app, setting, VotingClosed, bid_ids=[]).message


# --- replays and the backstop -------------------------------------------------------------------------------


def test_a_replayed_form_is_refused_and_changes_nothing(app: Flask, setting: Setting) -> None:
    a, b, _, _ = setting.bid_ids
    first = _cast(app, setting, bid_ids=[a], replaces=None)
    # The same form sent again: it was based on "no ballot", but there is one now.
    error = _refused(app, setting, AlreadyRecorded, bid_ids=[a], replaces=None)
    assert error.message.startswith("Your ballot was already recorded")
    second = _cast(app, setting, bid_ids=[b], replaces=first.ballot.id)
    assert _refused(app, setting, AlreadyRecorded, bid_ids=[b], replaces=first.ballot.id)
    assert [current for _, current, _ in ballots(app, setting.round_id)] == [False, True]
    assert second.replaced_id == first.ballot.id


def test_the_unique_index_is_the_backstop_for_two_current_ballots(
    app: Flask, setting: Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _cast(app, setting, bid_ids=[setting.bid_ids[0]])
    # Pretend the lock failed and this writer did not see the ballot just stored.
    monkeypatch.setattr(services, "_current_ballot", lambda *args: None)
    error = _refused(app, setting, AlreadyRecorded, bid_ids=[setting.bid_ids[1]])
    assert error.message.startswith("Your ballot was already recorded")
    assert ballots(app, setting.round_id) == [(first.ballot.id, True, [setting.bid_ids[0]])]


# --- paper ballots --------------------------------------------------------------------------------------------


def test_a_paper_ballot_is_marked_and_logged_as_recorded_by_staff(app: Flask, setting: Setting) -> None:
    online = _cast(app, setting, bid_ids=[setting.bid_ids[0]])
    paper = _cast(app, setting, bid_ids=[setting.bid_ids[1]], recorded_by="staff", voter_receipt=online.receipt_code)
    with app_session(app) as s:
        stored = s.get(Ballot, paper.ballot.id)
        assert stored is not None and stored.recorded_by_staff_id == setting.staff_id and stored.is_current
    event = ballot_events(app)[-1]
    assert event.action == "ballot.recorded_on_paper"
    assert event.actor_id == setting.staff_id and event.actor_role == "staff"
    assert event.facts["on_paper"] is True and event.facts["replaces"] == online.ballot.id
    assert event.facts["panellist_id"] == setting.panellist_id


def test_a_paper_ballot_cannot_replace_a_panellists_ballot_without_its_receipt_code(
    app: Flask, setting: Setting
) -> None:
    online = _cast(app, setting, bid_ids=[setting.bid_ids[0]])

    missing = _refused(app, setting, bid_ids=[setting.bid_ids[1]], recorded_by="staff")
    wrong = _refused(
        app, setting, bid_ids=[setting.bid_ids[1]], recorded_by="staff", voter_receipt="AAAA-BBBB-CCCC-DDDD"
    )

    assert "already has a ballot" in missing.message and missing.field == "voter_receipt"
    assert "not the receipt code" in wrong.message and wrong.field == "voter_receipt"
    assert ballots(app, setting.round_id) == [(online.ballot.id, True, [setting.bid_ids[0]])]


def test_a_paper_ballot_replaces_one_with_the_receipt_code_as_the_panellist_copied_it(
    app: Flask, setting: Setting
) -> None:
    online = _cast(app, setting, bid_ids=[setting.bid_ids[0]])
    copied = online.receipt_code.replace("-", " ").lower()

    paper = _cast(app, setting, bid_ids=[setting.bid_ids[1]], recorded_by="staff", voter_receipt=copied)

    assert paper.replaced_id == online.ballot.id
    assert [current for _, current, _ in ballots(app, setting.round_id)] == [False, True]


def test_the_panellist_is_emailed_about_every_paper_ballot_recorded_for_them(app: Flask, setting: Setting) -> None:
    first = _cast(app, setting, bid_ids=[setting.bid_ids[0]], recorded_by="staff")
    _cast(app, setting, bid_ids=[setting.bid_ids[1]], recorded_by="staff", voter_receipt=first.receipt_code)

    with app_session(app) as s:
        sent = list(s.scalars(sa.select(OutboxEmail).where(OutboxEmail.to_address == setting.panellist_email)))
    assert len(sent) == 2 and all("paper ballot was recorded for you" in e.subject for e in sent)
    assert "It replaces the ballot you had cast before" not in sent[0].body_text
    assert "It replaces the ballot you had cast before" in sent[1].body_text
    assert f"/panel/rounds/{setting.round_id}/vote" in sent[1].body_text


def test_a_paper_ballot_follows_the_same_rules(app: Flask, setting: Setting) -> None:
    a, b, c, _ = setting.bid_ids
    declare_conflict(app, round_id=setting.round_id, user_id=setting.panellist_id, bid_id=a)
    error = _refused(app, setting, bid_ids=[a], recorded_by="staff")
    assert "declared a conflict" in error.message and error.message.startswith("Panellist ")
    assert "no more than 2" in _refused(app, setting, bid_ids=[b, c, setting.bid_ids[3]], recorded_by="staff").message
    set_round(app, setting.round_id, voting_closes_at=utcnow() - timedelta(minutes=1))
    _refused(app, setting, VotingClosed, bid_ids=[b], recorded_by="staff")


def test_only_the_funders_staff_can_record_a_paper_ballot(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        round_, voter = _load(s, setting)
        outsider = s.scalar(sa.select(User).where(User.email == setting.other_staff_email))
        with pytest.raises(DomainError, match="Only the funder's staff"):
            cast_ballot(s, round_=round_, voter=voter, bid_ids=[], recorded_by=outsider, now=utcnow())


# --- receipts -------------------------------------------------------------------------------------------------


def test_receipt_code_is_derived_from_content_and_salt(app: Flask, setting: Setting) -> None:
    a, _, c, _ = setting.bid_ids
    result = _cast(app, setting, bid_ids=[c, a])
    with app_session(app) as s:
        ballot = s.get(Ballot, result.ballot.id)
        assert ballot is not None
        assert len(ballot.receipt_salt) == 32
        expected = receipts.receipt_code(
            salt=ballot.receipt_salt, round_id=setting.round_id, ballot_id=ballot.id, choices=sorted([a, c])
        )
        assert ballot.receipt_code == expected == result.receipt_code
        # Stable: the same stored ballot always gives the same code.
        assert expected == receipts.receipt_code(
            salt=ballot.receipt_salt, round_id=setting.round_id, ballot_id=ballot.id, choices=sorted([a, c])
        )
        # Anything else gives another code.
        assert expected != receipts.receipt_code(
            salt=ballot.receipt_salt, round_id=setting.round_id, ballot_id=ballot.id, choices=[a]
        )
    code = result.receipt_code
    assert len(code) == 19 and code.count("-") == 3
    assert all(ch in receipts.ALPHABET for ch in code.replace("-", ""))


def test_receipt_code_matches_sha256_of_salt_and_canonical_json() -> None:
    import base64
    import hashlib

    salt = "00112233445566778899aabbccddeeff"
    digest = hashlib.sha256(salt.encode() + b'{"ballot_id":7,"choices":[3,1],"round_id":2}').digest()
    # Crockford's alphabet is RFC 4648's base32 with its letters and digits mapped one for one.
    standard = base64.b32encode(digest).decode()[:16]
    crockford = standard.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", receipts.ALPHABET))
    code = receipts.receipt_code(salt=salt, round_id=2, ballot_id=7, choices=[3, 1])
    assert code.replace("-", "") == crockford


def test_typed_codes_are_normalised() -> None:
    assert receipts.normalise_code("k7qf 2mzd-9wxa pv4c") == "K7QF-2MZD-9WXA-PV4C"
    assert receipts.normalise_code("O1IL-0000-0000-0000") == "0111-0000-0000-0000"
    assert receipts.normalise_code("too short") is None
    assert receipts.normalise_code("UUUU-UUUU-UUUU-UUUU") is None


def test_checking_a_receipt(app: Flask, setting: Setting) -> None:
    first = _cast(app, setting, bid_ids=[setting.bid_ids[0]])
    second = _cast(app, setting, bid_ids=[setting.bid_ids[1]])
    with app_session(app) as s:
        check = queries.check_receipt
        assert check(s, setting.round_id, second.receipt_code.lower()) == queries.ReceiptCheck.COUNTED
        assert check(s, setting.round_id, first.receipt_code) == queries.ReceiptCheck.REPLACED
        assert check(s, setting.round_id, "AAAA-BBBB-CCCC-DDDD") == queries.ReceiptCheck.NOT_FOUND
        assert check(s, setting.other_round_id, second.receipt_code) == queries.ReceiptCheck.NOT_FOUND
        assert queries.counted_receipt_codes(s, setting.round_id) == [second.receipt_code]
        # Someone changes what the ballot says behind the system's back: the code no longer proves it.
        s.execute(
            sa.update(BallotChoice).where(BallotChoice.ballot_id == second.ballot.id).values(bid_id=setting.bid_ids[2])
        )
        assert check(s, setting.round_id, second.receipt_code) == queries.ReceiptCheck.ALTERED


def test_a_ballot_of_someone_no_longer_on_the_panel_is_not_counted(app: Flask, setting: Setting) -> None:
    result = _cast(app, setting, bid_ids=[])
    with app_session(app) as s:
        s.execute(sa.delete(PanelMember).where(PanelMember.user_id == setting.panellist_id))
        assert queries.counted_receipt_codes(s, setting.round_id) == []
        assert queries.check_receipt(s, setting.round_id, result.receipt_code) == queries.ReceiptCheck.NOT_FOUND
        assert queries.voting_progress(s, setting.round_id).cast == 0


def test_a_panellist_who_has_not_declared_on_every_bid_cannot_vote(app: Flask) -> None:
    from tests.voting.helpers import add_panellists

    setting = make_voting_round(app)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        (late,) = add_panellists(s, round_, 1, declared=False)
        with pytest.raises(DomainError, match="conflict of interest with each bid before you vote"):
            cast_ballot(s, round_=round_, voter=late, bid_ids=[setting.bid_ids[0]], now=utcnow())
