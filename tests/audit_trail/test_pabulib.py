"""A decided round's approval ballots export as a pabulib file that pabutools reads and counts to our funded set."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from grants.models import Ratification, Round, VotingMethod
from tests.audit_trail.helpers import ratify
from tests.decisions.helpers import make_setting
from tests.support.db import app_session
from tests.support.signin import sign_in


def _decided(app: Flask, method: VotingMethod) -> tuple[Any, dict[str, Any]]:
    setting = make_setting(app)
    with app_session(app) as s:
        s.get(Round, setting.round_id).voting_method = method  # type: ignore[union-attr]
    ratify(app, setting, depart=None)
    with app_session(app) as s:
        run = s.scalars(sa.select(Ratification).where(Ratification.round_id == setting.round_id)).one().ratified_run
        return setting, run.result


@pytest.mark.parametrize("method", [VotingMethod.APPROVAL, VotingMethod.EQUAL_SHARES])
def test_the_pabulib_file_parses_and_counts_to_our_funded_set(app: Flask, method: VotingMethod) -> None:
    setting, result = _decided(app, method)
    auditor = app.test_client()
    sign_in(auditor, setting.auditor_email)
    response = auditor.get(f"/audit/rounds/{setting.round_id}/ballots.pb")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('-ballots.pb"')
    instance, profile = parse_pabulib_from_string(response.text)
    assert instance.budget_limit == result["budget_pence"] and len(profile) == 5  # every current ballot
    assert instance.meta["rule"] == ("equalshares" if method is VotingMethod.EQUAL_SHARES else "greedy")
    assert [ballot.meta.get("voter_id") for ballot in profile] == ["1", "2", "3", "4", "5"]  # numbered, not named
    rank = {str(bid["id"]): bid["rank"] for bid in result["bids"]}  # our tie-break, as our ranking applied it
    ours = TieBreakingRule(lambda _instance, _profile, project: rank[project.name])
    if method is VotingMethod.EQUAL_SHARES:
        funded = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "tie_breaking": ours}, {"sat_class": Cost_Sat, "tie_breaking": ours}],
        )
    else:
        funded = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ours)
    assert sorted(int(p.name) for p in funded) == sorted(result["funded_ids"])
    # the recused panellist's approval of bid A is left out, as the tally leaves it out
    votes_for_a = next(p for p in instance if p.name == str(setting.bids["A"]))
    assert sum(votes_for_a in ballot for ballot in profile) == 3


def test_the_pabulib_file_is_for_staff_and_auditors_of_a_decided_approval_round_only(app: Flask) -> None:
    setting = make_setting(app)
    staff = app.test_client()
    sign_in(staff, setting.staff_email)
    assert staff.get(f"/audit/rounds/{setting.round_id}/ballots.pb").status_code == 404  # not decided yet
    ratify(app, setting)
    assert staff.get(f"/audit/rounds/{setting.round_id}/ballots.pb").status_code == 200
    assert app.test_client().get(f"/audit/rounds/{setting.round_id}/ballots.pb").status_code == 302  # sign in
