"""Properties of the tally that must hold for every round, checked on a few hundred generated rounds each."""

from __future__ import annotations

import copy
import dataclasses
from datetime import datetime
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from grants.decisions import wording
from grants.tally import (
    BallotInput,
    BidResult,
    FundedBy,
    Method,
    Outcome,
    ScoreInput,
    run_tally,
    tally_digest,
)
from grants.tally.figures import compute_figures, weighted_mean_score
from grants.tally.inputs import prepare
from grants.tally.methods import ranked_list, ranking_key, tie_key, tie_order
from tests.tally.strategies import BALLOT_METHODS, PROPERTY, Round, rounds, without_digest


@PROPERTY
@given(round_=rounds())
def test_funded_total_never_exceeds_the_budget(round_: Round) -> None:
    result = round_.tally()
    funded = sum(b.amount_pence for b in result.bids if b.funded)
    assert funded == result.used_pence <= round_.settings.budget_pence
    assert result.left_pence == round_.settings.budget_pence - result.used_pence
    assert sorted(b.bid_id for b in result.bids) == sorted(b.id for b in round_.bids)
    assert [b.rank for b in result.bids] == list(range(1, len(round_.bids) + 1))


@PROPERTY
@given(round_=rounds(min_panellists=1, recusal_percent=30), data=st.data())
def test_a_recused_panellists_inputs_never_change_the_result(round_: Round, data: st.DataObject) -> None:
    recused = round_.recused()
    assume(recused)
    scores = [s for s in round_.scores if (s.panellist_id, s.bid_id) not in recused]
    for panellist, bid_id in sorted(recused):
        for criterion in round_.settings.criteria:
            if data.draw(st.booleans()):
                scores.append(ScoreInput(panellist, bid_id, criterion.id, data.draw(st.integers(1, 5))))
    ballots = []
    for ballot in round_.ballots:
        ranked = round_.method is Method.RANKED
        choices = [
            b for b in (ballot.ranking if ranked else ballot.approvals) if (ballot.panellist_id, b) not in recused
        ]
        for panellist, bid_id in sorted(recused):
            if panellist == ballot.panellist_id and data.draw(st.booleans()):
                choices.insert(data.draw(st.integers(0, len(choices))), bid_id)
        if ranked:
            ballots.append(dataclasses.replace(ballot, ranking=tuple(choices)))
        else:
            ballots.append(dataclasses.replace(ballot, approvals=tuple(choices)))
    changed = dataclasses.replace(round_, scores=tuple(scores), ballots=tuple(ballots))
    assert without_digest(changed.tally()) == without_digest(round_.tally())


@PROPERTY
@given(round_=rounds(), data=st.data())
def test_the_result_does_not_depend_on_the_order_of_the_inputs(round_: Round, data: st.DataObject) -> None:
    def shuffled_approvals(ballot: BallotInput) -> BallotInput:
        return dataclasses.replace(ballot, approvals=tuple(data.draw(st.permutations(ballot.approvals))))

    shuffled = dataclasses.replace(
        round_,
        bids=tuple(data.draw(st.permutations(round_.bids))),
        scores=tuple(data.draw(st.permutations(round_.scores))),
        recusals=tuple(data.draw(st.permutations(round_.recusals))),
        ballots=tuple(shuffled_approvals(b) for b in data.draw(st.permutations(round_.ballots))),
        settings=dataclasses.replace(
            round_.settings, criteria=tuple(data.draw(st.permutations(round_.settings.criteria)))
        ),
    )
    assert shuffled.tally() == round_.tally()


@PROPERTY
@given(round_=rounds())
def test_no_unfunded_bid_would_have_fitted_into_what_was_left_when_the_walk_reached_it(round_: Round) -> None:
    result = round_.tally()
    walk = [b for b in result.bids if b.funded_by is not FundedBy.EQUAL_SHARES]
    bought = [b for b in result.bids if b.funded_by is FundedBy.EQUAL_SHARES]
    assert result.bids[: len(bought)] == tuple(bought)  # equal shares' purchases head the list
    left = round_.settings.budget_pence - sum(b.amount_pence for b in bought)
    for position, bid in enumerate(walk):
        assert bid.left_before_pence == left
        if bid.funded:
            assert bid.amount_pence <= left
            left -= bid.amount_pence
        else:
            assert bid.amount_pence > left
            skipped_over = any(later.funded for later in walk[position + 1 :])
            assert bid.outcome is (Outcome.NOT_FUNDED_DID_NOT_FIT if skipped_over else Outcome.NOT_FUNDED_RANK)
    assert left == result.left_pence


def _independent_key(method: Method, bid: BidResult, submitted: datetime) -> tuple[object, ...]:
    primary = {
        Method.SCORES: 0,
        Method.APPROVAL: -bid.in_favour,
        Method.BUDGET: -bid.in_favour,
        Method.EQUAL_SHARES: -bid.in_favour,
        Method.RANKED: -(bid.points or 0),
    }[method]
    unscored = bid.mean_score is None
    return (primary, unscored, -(bid.mean_score or 0), -bid.in_favour, bid.amount_pence, submitted, bid.bid_id)


@PROPERTY
@given(round_=rounds())
def test_the_walk_goes_down_the_list_in_the_methods_order_with_the_tie_breaks(round_: Round) -> None:
    result = round_.tally()
    submitted = {b.id: datetime.fromisoformat(str(b.submitted_at)) for b in round_.bids}
    walk = [b for b in result.bids if b.funded_by is not FundedBy.EQUAL_SHARES]
    keys = [_independent_key(round_.method, b, submitted[b.bid_id]) for b in walk]
    assert keys == sorted(keys)


def _supported(round_: Round, ballot: BallotInput) -> list[int]:
    recused = round_.recused()
    chosen = ballot.ranking if round_.method is Method.RANKED else ballot.approvals
    return [b for b in chosen if (ballot.panellist_id, b) not in recused]


def _can_add(round_: Round, ballot: BallotInput, bid_id: int) -> bool:
    counted = _supported(round_, ballot)
    if (ballot.panellist_id, bid_id) in round_.recused() or bid_id in counted:
        return False
    settings_ = round_.settings
    if round_.method in (Method.APPROVAL, Method.EQUAL_SHARES):
        return settings_.approval_limit is None or len(counted) < settings_.approval_limit
    if round_.method is Method.RANKED:
        return settings_.ranked_limit is not None and len(counted) < settings_.ranked_limit
    amounts = round_.amounts()
    return sum(amounts[b] for b in counted) + amounts[bid_id] <= settings_.budget_pence


@PROPERTY
@given(round_=rounds(BALLOT_METHODS, min_panellists=1), data=st.data())
def test_adding_an_approval_to_a_bid_never_lowers_its_rank(round_: Round, data: st.DataObject) -> None:
    """Holds for equal shares too, where the rank is the order bought, then the completion's order: until the bid
    is bought every step is the same as before (its new backer has spent nothing on it), its rho can only fall and
    it wins more ties; if equal shares never buys it, it climbs the completion's list by approvals."""
    options = [
        (i, b.id) for i, ballot in enumerate(round_.ballots) for b in round_.bids if _can_add(round_, ballot, b.id)
    ]
    assume(options)
    index, bid_id = data.draw(st.sampled_from(options))
    ballot = round_.ballots[index]
    if round_.method is Method.RANKED:
        ranking = list(ballot.ranking)
        ranking.insert(data.draw(st.integers(0, len(ranking))), bid_id)  # anywhere: the bids below it lose a point
        new_ballot = dataclasses.replace(ballot, ranking=tuple(ranking))
    else:
        new_ballot = dataclasses.replace(ballot, approvals=(*ballot.approvals, bid_id))
    ballots = list(round_.ballots)
    ballots[index] = new_ballot
    more = dataclasses.replace(round_, ballots=tuple(ballots))
    assert more.tally().bid(bid_id).rank <= round_.tally().bid(bid_id).rank


@PROPERTY
@given(round_=rounds(min_panellists=1), data=st.data())
def test_a_better_score_for_a_bid_never_lowers_its_rank(round_: Round, data: st.DataObject) -> None:
    """Scores rank by the mean; every other method has it as the first tie-break, so the bid only wins more ties."""
    recused = round_.recused()
    options = [i for i, s in enumerate(round_.scores) if s.value < 5 and (s.panellist_id, s.bid_id) not in recused]
    assume(options)
    index = data.draw(st.sampled_from(options))
    score = round_.scores[index]
    scores = list(round_.scores)
    scores[index] = dataclasses.replace(score, value=data.draw(st.integers(score.value + 1, 5)))
    better = dataclasses.replace(round_, scores=tuple(scores))
    assert better.tally().bid(score.bid_id).rank <= round_.tally().bid(score.bid_id).rank


@PROPERTY
@given(round_=rounds())
def test_the_same_inputs_always_give_the_same_digest_and_result(round_: Round) -> None:
    first = round_.tally()
    again = run_tally(**copy.deepcopy(round_.kwargs()))
    assert again == first
    assert tally_digest(**round_.kwargs()) == first.digest
    assert len(first.digest) == 64 and int(first.digest, 16) >= 0


@PROPERTY
@given(round_=rounds(BALLOT_METHODS))
def test_flags_say_what_staff_should_look_at(round_: Round) -> None:
    result = round_.tally()
    for bid in result.bids:
        assert (bid.scorers < round_.settings.quorum) == ("under_quorum" in bid.flags)
        assert (bid.in_favour == 0) == ("no_support" in bid.flags)
        notes = wording.flag_notes(bid.flags, method=result.method, quorum=result.quorum)
        assert len(notes) == len(set(notes)) == len(bid.flags)


@PROPERTY
@given(round_=rounds())
def test_the_ranked_list_and_the_tie_order_are_the_order_of_the_ranking_key(round_: Round) -> None:
    """The tally sorts by each bid's place among the distinct means rather than by the Fractions themselves."""
    figures = compute_figures(prepare(**round_.kwargs()))
    by_definition = sorted(figures, key=lambda b: ranking_key(round_.method, figures[b]))
    assert ranked_list(round_.method, figures) == by_definition
    order = tie_order(figures)
    assert sorted(figures, key=order.__getitem__) == sorted(figures, key=lambda b: tie_key(figures[b]))


@PROPERTY
@given(
    scored=st.dictionaries(
        st.integers(1, 50), st.dictionaries(st.sampled_from([1, 2, 3]), st.integers(1, 5), max_size=3), max_size=6
    ),
    weights=st.lists(st.integers(1, 9), min_size=3, max_size=3),
)
def test_the_weighted_mean_is_the_mean_of_each_scorers_weighted_average(
    scored: dict[int, dict[int, int]], weights: list[int]
) -> None:
    weight = dict(zip([1, 2, 3], weights, strict=True))
    averages = [
        Fraction(sum(weight[c] * v for c, v in values.items()), sum(weight[c] for c in values))
        for values in scored.values()
        if values
    ]
    expected = sum(averages, Fraction(0)) / len(averages) if averages else None
    assert weighted_mean_score(scored, weight) == expected
