"""How a result came about: the tally's structured steps, stored with a run and worded by the pages.

The tally names bids by id and money in pennies; the pages name bids by their reference, with no rewriting of
the tally's words. A run stored before results kept their steps still verifies and shows its words as recorded.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm.attributes import flag_modified

from grants.decisions import wording
from grants.decisions.results import step_document, step_from_document
from grants.decisions.verify import verify_round
from grants.models import Bid, ProposalKind, Ratification, Round
from grants.tally import (
    BallotInput,
    BidInput,
    BoughtByEqualShares,
    BudgetUsed,
    CompletionStarts,
    EqualSharesStarts,
    Funded,
    Method,
    RoundSettings,
    Skipped,
    WalkStarts,
    run_tally,
)
from tests.decisions.helpers import Setting, make_setting, two_step
from tests.support.db import app_session
from tests.support.signin import sign_in


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _references(app: Flask, setting: Setting) -> dict[str, str]:
    with app_session(app) as s:
        return {name: s.get(Bid, bid_id).reference for name, bid_id in setting.bids.items()}  # type: ignore[union-attr]


def _ratify(app: Flask, setting: Setting) -> None:
    with app_session(app) as s:
        two_step(s, setting, ProposalKind.RATIFY)


def test_the_tally_gives_steps_in_numbers_and_names_no_bid() -> None:
    settings = RoundSettings(budget_pence=10_000, method="approval", quorum=0)
    result = run_tally(
        settings=settings,
        bids=[BidInput(7, 6_000, "2026-03-01T09:00:00Z"), BidInput(8, 5_000, "2026-03-01T09:00:00Z")],
        ballots=[BallotInput(1, approvals=(7, 8)), BallotInput(2, approvals=(7,))],
    )
    assert result.steps == (
        WalkStarts(method=Method.APPROVAL, budget_pence=10_000),
        Funded(bid_id=7, amount_pence=6_000, left_pence=4_000),
        Skipped(bid_id=8, amount_pence=5_000, left_pence=4_000),
        BudgetUsed(used_pence=6_000, budget_pence=10_000, left_pence=4_000),
    )
    named = {7: "RSS27-0007", 8: "RSS27-0008"}
    assert wording.explanation(result.steps, named.__getitem__) == [
        "The walk goes down the ranked list (by approvals) with the budget of £100, funding each bid that fits "
        "what is left.",
        "RSS27-0007 (£60) funded, £40 left.",
        "RSS27-0008 (£50) not funded: it did not fit the £40 left.",
        "£60 of the £100 budget used, £40 left.",
    ]


def test_a_name_that_looks_like_the_tallys_words_is_left_alone() -> None:
    # Rewriting "Bid 8" in finished sentences would also rewrite it inside a name; wording the steps cannot.
    step = Funded(bid_id=8, amount_pence=1_000, left_pence=0)
    assert wording.step_words(step, lambda _: "Bid 80's hall") == "Bid 80's hall (£10) funded, £0 left."


@pytest.mark.parametrize(
    "step",
    [
        WalkStarts(method=Method.RANKED, budget_pence=5_000),
        EqualSharesStarts(voters=11, budget_pence=10_000),
        BoughtByEqualShares(
            bid_id=3, amount_pence=3_000, supporters=6, max_payment_pence=Fraction(1000, 3), left_pence=7_000
        ),
        CompletionStarts(left_pence=1_000),
        Funded(bid_id=4, amount_pence=1_000, left_pence=0, in_completion=True),
        Skipped(bid_id=5, amount_pence=2_000, left_pence=1_000),
        BudgetUsed(used_pence=9_000, budget_pence=10_000, left_pence=1_000),
    ],
)
def test_each_kind_of_step_is_stored_as_plain_json_and_read_back(step: object) -> None:
    document = step_document(step)  # type: ignore[arg-type]
    assert all(isinstance(value, str | int | bool) for value in document.values())
    assert step_from_document(document) == step


def test_the_tally_page_names_bids_by_reference_in_how_the_result_came_about(
    app: Flask, client: FlaskClient, setting: Setting
) -> None:
    refs = _references(app, setting)
    sign_in(client, setting.staff_email)
    page = client.get(f"/staff/rounds/{setting.round_id}/tally").text
    assert f"{refs['A']} (£4,000) funded, £6,000 left." in page
    assert f"{refs['D']} (£1,000) not funded: it did not fit the £0 left." in page
    assert f"Bid {setting.bids['A']} " not in page


def test_the_decision_page_words_the_stored_steps(app: Flask, client: FlaskClient, setting: Setting) -> None:
    _ratify(app, setting)
    refs = _references(app, setting)
    with app_session(app) as s:
        run = s.scalars(sa.select(Ratification)).one().ratified_run
        assert run.result["explanation"][1] == f"Bid {setting.bids['A']} (£4,000) funded, £6,000 left."
        assert run.result["steps"][1] == {
            "kind": "funded",
            "bid_id": setting.bids["A"],
            "amount_pence": 4_000_00,
            "left_pence": 6_000_00,
            "in_completion": False,
        }
    sign_in(client, setting.panellist_emails[0])
    page = client.get(f"/rounds/{setting.round_id}/decision").text
    assert f"{refs['A']} (£4,000) funded, £6,000 left." in page


def _as_recorded_before_steps(app: Flask) -> None:
    with app_session(app) as s:
        ratification = s.scalars(sa.select(Ratification)).one()
        for run in (ratification.panel_run, ratification.ratified_run):
            result = dict(run.result)
            del result["steps"]
            run.result = result
            flag_modified(run, "result")


def test_a_run_stored_before_results_kept_their_steps_still_verifies(app: Flask, setting: Setting) -> None:
    _ratify(app, setting)
    _as_recorded_before_steps(app)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        report = verify_round(s, round_)
    assert report.ok, report.problems


def test_an_edited_explanation_of_an_old_run_is_still_found(app: Flask, setting: Setting) -> None:
    _ratify(app, setting)
    _as_recorded_before_steps(app)
    with app_session(app) as s:
        run = s.scalars(sa.select(Ratification)).one().panel_run
        result = dict(run.result)
        result["explanation"] = [*result["explanation"][:-1], "£1 of the £10,000 budget used, £9,999 left."]
        run.result = result
        flag_modified(run, "result")
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        report = verify_round(s, round_)
    assert any("explanation: stored" in problem for problem in report.problems), report.problems


def test_edited_steps_are_found(app: Flask, setting: Setting) -> None:
    _ratify(app, setting)
    with app_session(app) as s:
        run = s.scalars(sa.select(Ratification)).one().panel_run
        result = dict(run.result)
        result["steps"] = result["steps"][:-1]
        run.result = result
        flag_modified(run, "result")
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        report = verify_round(s, round_)
    assert any("steps: stored" in problem for problem in report.problems), report.problems


def test_the_page_shows_an_old_runs_words_as_recorded(app: Flask, client: FlaskClient, setting: Setting) -> None:
    _ratify(app, setting)
    _as_recorded_before_steps(app)
    sign_in(client, setting.auditor_email)
    page = client.get(f"/rounds/{setting.round_id}/decision").text
    assert f"Bid {setting.bids['A']} (£4,000) funded, £6,000 left." in page
