"""Worked examples, checked by hand: each method, each tie-break, the reasons and the flags.

The tally gives numbers and steps; the reasons, notes and explanations asserted here are those words as
`grants.decisions.wording` writes them (naming bids by id, as the stored result does).
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from grants.decisions import wording
from grants.money import format_pounds
from grants.tally import (
    BallotInput,
    BidInput,
    BidResult,
    Criterion,
    Flag,
    FundedBy,
    Method,
    Outcome,
    Recusal,
    RoundSettings,
    ScoreInput,
    TallyResult,
    format_score,
    run_tally,
)

MORNING = "2026-03-01T09:00:00Z"


def bid(bid_id: int, pounds: int, submitted_at: str = MORNING) -> BidInput:
    return BidInput(id=bid_id, amount_pence=pounds * 100, submitted_at=submitted_at)


def order(result: TallyResult) -> list[int]:
    return [b.bid_id for b in result.bids]


def reason(bid: BidResult) -> str:
    return wording.reason(bid.outcome, bid.funded_by, bid.left_before_pence)


def notes(result: TallyResult, bid: BidResult) -> tuple[str, ...]:
    return tuple(wording.flag_notes(bid.flags, method=result.method, quorum=result.quorum))


def explanation(result: TallyResult) -> tuple[str, ...]:
    return tuple(wording.explanation(result.steps))


# Scores ------------------------------------------------------------------------------------------------------------


def test_scores_rank_by_weighted_mean_and_the_walk_skips_a_bid_that_does_not_fit() -> None:
    # Criteria: impact (weight 3) and reach (weight 1).
    #   Bid 1: panellist 10 gives 5 and 1 -> (15 + 1) / 4 = 4; panellist 11 gives 3 and 3 -> 3. Mean 3.5.
    #   Bid 2: panellist 10 gives 4 and 4 -> 4; panellist 11 scores impact only, 4 -> 4. Mean 4.
    #          Panellist 12 gave it 1 and 1 but is recused from it: dropped.
    #   Bid 3: panellist 10 gives 2 and 5 -> (6 + 5) / 4 = 2.75, the only scorer.
    # Budget £100: bid 2 (£50) funded, £50 left; bid 1 (£60) does not fit; bid 3 (£30) funded, £20 left.
    settings = RoundSettings(
        budget_pence=10_000, method="scores", criteria=(Criterion(1, 3), Criterion(2, 1)), quorum=2
    )
    scores = [
        ScoreInput(10, 1, 1, 5),
        ScoreInput(10, 1, 2, 1),
        ScoreInput(11, 1, 1, 3),
        ScoreInput(11, 1, 2, 3),
        ScoreInput(10, 2, 1, 4),
        ScoreInput(10, 2, 2, 4),
        ScoreInput(11, 2, 1, 4),
        ScoreInput(12, 2, 1, 1),
        ScoreInput(12, 2, 2, 1),
        ScoreInput(10, 3, 1, 2),
        ScoreInput(10, 3, 2, 5),
    ]
    result = run_tally(
        settings=settings,
        bids=[bid(1, 60), bid(2, 50), bid(3, 30)],
        scores=scores,
        recusals=[Recusal(12, 2)],
    )

    assert order(result) == [2, 1, 3]
    first, second, third = result.bids
    assert (first.mean_score, first.scorers, first.in_favour) == (Fraction(4), 2, 2)
    assert (second.mean_score, second.scorers) == (Fraction(7, 2), 2)
    assert (third.mean_score, third.scorers) == (Fraction(11, 4), 1)
    assert [b.outcome for b in result.bids] == [Outcome.FUNDED, Outcome.NOT_FUNDED_DID_NOT_FIT, Outcome.FUNDED]
    assert reason(first) == "Funded"
    assert reason(second) == "Not funded: did not fit the remaining £50 when its turn came"
    assert second.left_before_pence == 5_000
    assert third.flags == (Flag.UNDER_QUORUM,)
    assert notes(result, third) == ("Fewer than 2 panellists scored it",)
    assert first.flags == second.flags == ()
    assert (result.used_pence, result.left_pence) == (8_000, 2_000)
    assert result.funded_ids == (2, 3)
    assert explanation(result) == (
        "The walk goes down the ranked list (by weighted mean score) with the budget of £100, "
        "funding each bid that fits what is left.",
        "Bid 2 (£50) funded, £50 left.",
        "Bid 1 (£60) not funded: it did not fit the £50 left.",
        "Bid 3 (£30) funded, £20 left.",
        "£80 of the £100 budget used, £20 left.",
    )
    assert format_score(second.mean_score) == "3.50"
    assert format_score(third.mean_score) == "2.75"


def test_a_bid_below_the_last_funded_one_is_not_funded_on_rank() -> None:
    settings = RoundSettings(budget_pence=10_000, method="scores", criteria=(Criterion(1, 1),), quorum=1)
    scores = [ScoreInput(10, 1, 1, 5), ScoreInput(10, 2, 1, 4), ScoreInput(10, 3, 1, 3)]
    result = run_tally(settings=settings, bids=[bid(1, 70), bid(2, 40), bid(3, 40)], scores=scores)

    assert order(result) == [1, 2, 3]
    assert [b.outcome for b in result.bids] == [Outcome.FUNDED, Outcome.NOT_FUNDED_RANK, Outcome.NOT_FUNDED_RANK]
    assert reason(result.bids[1]) == "Not funded: ranked below the bids that used the budget"
    assert result.bids[2].left_before_pence == 3_000


def test_an_unscored_bid_ranks_below_every_scored_one_and_is_flagged() -> None:
    settings = RoundSettings(budget_pence=100_000, method="scores", criteria=(Criterion(1, 1),), quorum=1)
    result = run_tally(settings=settings, bids=[bid(1, 10), bid(2, 10)], scores=[ScoreInput(10, 2, 1, 1)])

    assert order(result) == [2, 1]
    assert result.bids[1].mean_score is None
    assert notes(result, result.bids[1]) == ("No panellist scored it",)
    assert format_score(None) == "not scored"


# Approval ----------------------------------------------------------------------------------------------------------


def test_approval_ranks_by_approvals() -> None:
    # K = 2. Bid 1 approved by 10, 11, 12; bid 2 by 10, 13; bid 3 by 11 only. Panellist 12 also ticked bid 3 but
    # is recused from it. Budget £100: bid 1 (£40) and bid 2 (£40) funded, bid 3 (£30) does not fit the £20 left.
    settings = RoundSettings(budget_pence=10_000, method="approval", approval_limit=2, quorum=0)
    ballots = [
        BallotInput(10, approvals=(1, 2)),
        BallotInput(11, approvals=(3, 1)),
        BallotInput(12, approvals=(1, 3)),
        BallotInput(13, approvals=(2,)),
        BallotInput(14),  # an empty ballot counts for nothing here
    ]
    result = run_tally(
        settings=settings,
        bids=[bid(1, 40), bid(2, 40), bid(3, 30)],
        recusals=[Recusal(12, 3)],
        ballots=ballots,
    )

    assert order(result) == [1, 2, 3]
    assert [b.in_favour for b in result.bids] == [3, 2, 1]
    assert [b.points for b in result.bids] == [None, None, None]
    assert result.funded_ids == (1, 2)
    assert result.bids[2].outcome is Outcome.NOT_FUNDED_RANK
    assert all(b.funded_by is FundedBy.WALK for b in result.bids[:2])


def test_a_bid_no_panellist_backed_is_flagged_and_may_still_take_budget_left_over() -> None:
    settings = RoundSettings(budget_pence=10_000, method="approval", quorum=0)
    result = run_tally(settings=settings, bids=[bid(1, 40), bid(2, 40)], ballots=[BallotInput(10, approvals=(1,))])

    assert result.funded_ids == (1, 2)
    assert result.bid(2).flags == (Flag.NO_SUPPORT,)
    assert notes(result, result.bid(2)) == ("No panellist approved it",)


# Budget ------------------------------------------------------------------------------------------------------------


def test_budget_vote_ranks_by_ballots_including_the_bid() -> None:
    # Budget £100; each ballot's bids fit it. Bid 3 is on 3 ballots, bid 1 on 2, bid 2 on 1.
    settings = RoundSettings(budget_pence=10_000, method="budget", quorum=0)
    ballots = [
        BallotInput(10, approvals=(1, 3)),  # £90
        BallotInput(11, approvals=(3,)),
        BallotInput(12, approvals=(2, 3)),  # £80
        BallotInput(13, approvals=(1,)),
    ]
    result = run_tally(settings=settings, bids=[bid(1, 60), bid(2, 50), bid(3, 30)], ballots=ballots)

    assert order(result) == [3, 1, 2]
    assert [b.in_favour for b in result.bids] == [3, 2, 1]
    assert result.funded_ids == (3, 1)
    assert reason(result.bid(2)) == "Not funded: ranked below the bids that used the budget"
    assert result.bid(2).flags == ()


# Ranked ------------------------------------------------------------------------------------------------------------


def test_ranked_vote_counts_borda_points_from_n_down() -> None:
    # N = 3: first place 3 points, second 2, third 1.
    #   10 ranks 1, 2, 3 -> 1: 3, 2: 2, 3: 1
    #   11 ranks 3, 1    -> 3: 3, 1: 2
    #   12 ranks 3       -> 3: 3
    # Bid 3: 7 points (3 ballots), bid 1: 5 (2 ballots), bid 2: 2 (1 ballot).
    settings = RoundSettings(budget_pence=7_000, method="ranked", ranked_limit=3, quorum=0)
    ballots = [
        BallotInput(10, ranking=(1, 2, 3)),
        BallotInput(11, ranking=(3, 1)),
        BallotInput(12, ranking=(3,)),
    ]
    result = run_tally(settings=settings, bids=[bid(1, 50), bid(2, 20), bid(3, 30)], ballots=ballots)

    assert order(result) == [3, 1, 2]
    assert [b.points for b in result.bids] == [7, 5, 2]
    assert [b.in_favour for b in result.bids] == [3, 2, 1]
    # £70: bid 3 (£30) funded, £40 left; bid 1 (£50) skipped; bid 2 (£20) funded.
    assert result.funded_ids == (3, 2)
    assert result.bid(1).outcome is Outcome.NOT_FUNDED_DID_NOT_FIT


def test_a_recused_bid_drops_out_of_a_ranking_and_the_ranking_closes_up() -> None:
    # Panellist 10 ranked 1, 2, 3 but is recused from 1: the ballot counts as 2, 3 (3 and 2 points).
    settings = RoundSettings(budget_pence=100_000, method="ranked", ranked_limit=3, quorum=0)
    result = run_tally(
        settings=settings,
        bids=[bid(1, 10), bid(2, 10), bid(3, 10)],
        recusals=[Recusal(10, 1)],
        ballots=[BallotInput(10, ranking=(1, 2, 3))],
    )
    assert [(b.bid_id, b.points) for b in result.bids] == [(2, 3), (3, 2), (1, 0)]


# Equal shares ------------------------------------------------------------------------------------------------------


def _majority_and_minority() -> tuple[list[BidInput], list[BallotInput]]:
    # Budget £100, ten panellists. Six back bids 1, 2, 3; four back bids 4, 5. Every bid costs £30.
    bids = [bid(i, 30) for i in range(1, 6)]
    ballots = [BallotInput(p, approvals=(1, 2, 3)) for p in range(10, 16)]
    ballots += [BallotInput(p, approvals=(4, 5)) for p in range(16, 20)]
    return bids, ballots


def test_plain_approval_lets_the_majority_take_the_whole_budget() -> None:
    settings = RoundSettings(budget_pence=10_000, method="approval", quorum=0)
    bids, ballots = _majority_and_minority()
    result = run_tally(settings=settings, bids=bids, ballots=ballots)
    assert result.funded_ids == (1, 2, 3)


def test_equal_shares_gives_the_minority_its_fair_part() -> None:
    # Each panellist holds £10. Bid 1: six backers pay £5 each (rho = 5/30 = 1/6); bids 4 and 5 would cost their
    # four backers £7.50 each (rho = 1/4). Bid 1 is bought (ties with 2 and 3 go to the lower id), then bid 2 (the six
    # pay their last £5). Bid 3's backers have nothing left. Bid 4 is bought at £7.50 each; bid 5's backers then hold
    # £2.50 each, £10 in all: not enough. Completion with £10 left: nothing costs £10 or less.
    settings = RoundSettings(budget_pence=10_000, method="equal_shares", quorum=0)
    bids, ballots = _majority_and_minority()
    result = run_tally(settings=settings, bids=bids, ballots=ballots)

    assert result.funded_ids == (1, 2, 4)
    assert order(result) == [1, 2, 4, 3, 5]
    assert [b.funded_by for b in result.bids[:3]] == [FundedBy.EQUAL_SHARES] * 3
    assert [b.equal_shares_payment for b in result.bids[:3]] == [Fraction(500), Fraction(500), Fraction(750)]
    assert reason(result.bid(1)) == "Funded by equal shares"
    assert reason(result.bid(3)) == "Not funded: ranked below the bids that used the budget"
    assert result.bid(3).left_before_pence == 1_000
    assert explanation(result) == (
        "Equal shares: the 10 panellists who cast a ballot each hold an equal share of the £100 budget, £10 each.",
        "Bid 1 (£30) funded by equal shares: the 6 panellists who approved it paid up to £5 each, £70 left.",
        "Bid 2 (£30) funded by equal shares: the 6 panellists who approved it paid up to £5 each, £40 left.",
        "Bid 4 (£30) funded by equal shares: the 4 panellists who approved it paid up to £7.50 each, £10 left.",
        "Completion: the £10 left goes down the remaining bids by approvals.",
        "Bid 3 (£30) not funded: it did not fit the £10 left.",
        "Bid 5 (£30) not funded: it did not fit the £10 left.",
        "£90 of the £100 budget used, £10 left.",
    )


def test_equal_shares_counts_empty_ballots_and_completes_by_approvals() -> None:
    # An eleventh panellist casts an empty ballot: everyone now holds £100 / 11. Bid 1: six backers pay £5 each,
    # leaving them £4.09 each, too little for bid 2 or 3 (£24.55 < £30). Bid 4: four backers pay £7.50 each.
    # Completion with £40 left, by approvals: bid 2 (6 approvals, beats bid 3 on id) fits; then £10 is left.
    settings = RoundSettings(budget_pence=10_000, method="equal_shares", quorum=0)
    bids, ballots = _majority_and_minority()
    result = run_tally(settings=settings, bids=bids, ballots=[*ballots, BallotInput(99)])

    assert [(b.bid_id, b.funded_by) for b in result.bids if b.funded] == [
        (1, FundedBy.EQUAL_SHARES),
        (4, FundedBy.EQUAL_SHARES),
        (2, FundedBy.COMPLETION),
    ]
    assert reason(result.bid(2)) == "Funded in the completion step"
    assert explanation(result)[0].endswith("an equal share of the £100 budget, £9.09 each.")
    assert "Bid 2 (£30) funded in the completion step, £10 left." in explanation(result)


def test_equal_shares_with_no_ballots_goes_straight_to_the_completion() -> None:
    settings = RoundSettings(budget_pence=5_000, method="equal_shares", quorum=0)
    result = run_tally(settings=settings, bids=[bid(1, 30), bid(2, 20)])
    assert explanation(result)[0] == "Equal shares: no ballots were cast, so equal shares buys nothing."
    assert [(b.bid_id, b.funded_by) for b in result.bids] == [(2, FundedBy.COMPLETION), (1, FundedBy.COMPLETION)]


def test_equal_shares_breaks_a_tie_in_rho_by_the_tie_break_order() -> None:
    # Two bids with the same backers and the same cost have the same rho; the cheaper-first rule cannot split them,
    # so the higher mean score does: bid 8 is bought first.
    settings = RoundSettings(budget_pence=6_000, method="equal_shares", criteria=(Criterion(1, 1),), quorum=0)
    result = run_tally(
        settings=settings,
        bids=[bid(7, 30), bid(8, 30)],
        scores=[ScoreInput(10, 7, 1, 3), ScoreInput(10, 8, 1, 4)],
        ballots=[BallotInput(10, approvals=(7, 8)), BallotInput(11, approvals=(7, 8))],
    )
    assert order(result) == [8, 7]
    assert result.funded_ids == (8, 7)


# The tie-breaks, in order ------------------------------------------------------------------------------------------


def test_tie_break_1_higher_weighted_mean_score() -> None:
    # Same approvals (one each); bid 2 has the higher mean, though it is dearer and later.
    settings = RoundSettings(budget_pence=100_000, method="approval", criteria=(Criterion(1, 1),), quorum=0)
    result = run_tally(
        settings=settings,
        bids=[bid(1, 10, "2026-03-01T09:00:00Z"), bid(2, 20, "2026-03-02T09:00:00Z")],
        scores=[ScoreInput(10, 1, 1, 3), ScoreInput(10, 2, 1, 4)],
        ballots=[BallotInput(10, approvals=(1,)), BallotInput(11, approvals=(2,))],
    )
    assert order(result) == [2, 1]


def test_tie_break_2_more_panellists_in_favour() -> None:
    # Scores: both means are 4; bid 2 has three scorers, bid 1 two.
    settings = RoundSettings(budget_pence=100_000, method="scores", criteria=(Criterion(1, 1),), quorum=0)
    scores = [ScoreInput(p, 1, 1, 4) for p in (10, 11)] + [ScoreInput(p, 2, 1, 4) for p in (10, 11, 12)]
    result = run_tally(settings=settings, bids=[bid(1, 10), bid(2, 20)], scores=scores)
    assert order(result) == [2, 1]
    # Ranked: both have 3 points; bid 2 is ranked on two ballots (2 + 1), bid 1 on one (3).
    ranked = RoundSettings(budget_pence=100_000, method="ranked", ranked_limit=3, quorum=0)
    ballots = [BallotInput(10, ranking=(1,)), BallotInput(11, ranking=(3, 2)), BallotInput(12, ranking=(3, 4, 2))]
    result = run_tally(settings=ranked, bids=[bid(1, 10), bid(2, 20), bid(3, 10), bid(4, 10)], ballots=ballots)
    assert [(b.bid_id, b.points, b.in_favour) for b in result.bids][1:3] == [(2, 3, 2), (1, 3, 1)]


def test_tie_break_3_smaller_amount() -> None:
    settings = RoundSettings(budget_pence=100_000, method="approval", quorum=0)
    result = run_tally(
        settings=settings,
        bids=[bid(1, 20, "2026-03-01T09:00:00Z"), bid(2, 10, "2026-03-02T09:00:00Z")],
        ballots=[BallotInput(10, approvals=(1, 2))],
    )
    assert order(result) == [2, 1]


def test_tie_break_4_earlier_submission_compared_in_utc() -> None:
    # 10:00 in Paris (09:00 UTC) is earlier than 09:30 UTC; a datetime and text mean the same.
    settings = RoundSettings(budget_pence=100_000, method="approval", quorum=0)
    result = run_tally(
        settings=settings,
        bids=[
            bid(1, 10, "2026-03-01T09:30:00Z"),
            bid(2, 10, "2026-03-01T10:00:00+01:00"),
            BidInput(3, 1_000, datetime(2026, 3, 1, 9, 15, tzinfo=UTC)),
        ],
        ballots=[BallotInput(10, approvals=(1, 2, 3))],
    )
    assert order(result) == [2, 3, 1]


def test_tie_break_5_lower_bid_id_last_of_all() -> None:
    settings = RoundSettings(budget_pence=100_000, method="approval", quorum=0)
    result = run_tally(
        settings=settings,
        bids=[bid(9, 10), bid(4, 10), bid(6, 10)],
        ballots=[BallotInput(10, approvals=(9, 4, 6))],
    )
    assert order(result) == [4, 6, 9]


def test_each_method_is_named_in_the_result() -> None:
    for method in Method:
        settings = RoundSettings(budget_pence=1_000, method=method, ranked_limit=1)
        assert run_tally(settings=settings, bids=[bid(1, 5)]).method is method


def test_money_is_shown_as_pounds() -> None:
    assert format_pounds(145_000) == "£1,450"
    assert format_pounds(12_550) == "£125.50"
    assert format_pounds(Fraction(1_000_000, 11)) == "£909.09"
    assert format_pounds(Fraction(1, 2)) == "£0.01"
