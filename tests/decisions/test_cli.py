"""`flask tally verify` and `flask tally show`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm.attributes import flag_modified

from grants.models import ProposalKind, Ratification, Score
from tests.decisions.helpers import Setting, make_setting, two_step
from tests.support.db import app_session

REASON = "Failed due diligence."


@pytest.fixture
def setting(app: Flask) -> Setting:
    return make_setting(app)


def _ratify(app: Flask, setting: Setting, *, depart: str | None = None) -> None:
    with app_session(app) as s:
        if depart:
            two_step(s, setting, ProposalKind.DEPART, bid=depart, text=REASON)
        two_step(s, setting, ProposalKind.RATIFY)


def _verify(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["tally", "verify", *args])


def test_verify_passes_after_ratification(app: Flask, setting: Setting) -> None:
    _ratify(app, setting, depart="B")
    result = _verify(app, str(setting.round_id))
    assert result.exit_code == 0, result.output + result.stderr
    assert result.output.startswith("Tally verified: digest ") and "matches" in result.output
    by_code = _verify(app, setting.round_code.lower(), "--funder", setting.funder_slug)
    assert by_code.exit_code == 0, by_code.output + by_code.stderr


def test_verify_names_a_score_changed_after_the_decision(app: Flask, setting: Setting) -> None:
    _ratify(app, setting)
    p1, bid_c, reach = setting.panellists[0], setting.bids["C"], setting.criteria[1]
    with app_session(app) as s:
        s.execute(
            sa.text("UPDATE score SET value = 5 WHERE user_id = :u AND bid_id = :b AND criterion_id = :c"),
            {"u": p1, "b": bid_c, "c": reach},
        )
    result = _verify(app, str(setting.round_id))
    assert result.exit_code == 1
    assert "digest differs: inputs changed since the tally was recorded" in result.stderr
    assert f"panellist {p1}'s score for bid {bid_c} on criterion {reach}: value was 3 when recorded, 5 now" in (
        result.stderr
    )
    assert f"bid {bid_c}: stored mean_score" in result.stderr


def test_verify_names_an_edited_result(app: Flask, setting: Setting) -> None:
    _ratify(app, setting)
    bid_d = setting.bids["D"]
    with app_session(app) as s:
        run = s.scalars(sa.select(Ratification)).one().ratified_run
        result = dict(run.result)
        result["bids"] = [{**b, "outcome": "funded"} if b["id"] == bid_d else b for b in result["bids"]]
        result["funded_ids"] = [*result["funded_ids"], bid_d]
        run.result = result
        flag_modified(run, "result")
    outcome = _verify(app, str(setting.round_id))
    assert outcome.exit_code == 1
    assert f"bid {bid_d}: stored funded, recomputed not funded" in outcome.stderr
    assert "stored result differs from re-running its stored inputs" in outcome.stderr


def test_verify_names_an_edited_departure_reason(app: Flask, setting: Setting) -> None:
    _ratify(app, setting, depart="B")
    with app_session(app) as s:
        s.execute(sa.text("UPDATE departure SET reason = 'Something else'"))
    result = _verify(app, str(setting.round_id))
    assert result.exit_code == 1
    assert f"bid {setting.bids['B']}: the departure's reason differs" in result.stderr


def test_verify_without_a_ratification_or_round(app: Flask, setting: Setting) -> None:
    result = _verify(app, str(setting.round_id))
    assert result.exit_code == 1 and "no ratified decision" in result.stderr
    assert _verify(app, "999999").exit_code != 0
    assert _verify(app, setting.round_code).exit_code != 0  # a code needs --funder


def test_show_prints_the_stored_result(app: Flask, setting: Setting) -> None:
    _ratify(app, setting, depart="B")
    result = app.test_cli_runner().invoke(args=["tally", "show", str(setting.round_id)])
    assert result.exit_code == 0, result.output
    assert "The panel's result" in result.output and "The ratified result" in result.output
    assert f"departed from bids: {setting.bids['B']}" in result.output
    assert "Not funded: ranked below the bids that used the budget" in result.output


def test_score_rows_are_untouched_by_verify(app: Flask, setting: Setting) -> None:
    _ratify(app, setting)
    with app_session(app) as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(Score))
    _verify(app, str(setting.round_id))
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Score)) == before
