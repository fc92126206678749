"""The integrity page lists, for a funder's auditors and staff, every event the audit registry flags for auditors:
built from the registry (an action opts in with `flag_for_auditors`), never from a list kept in the page."""

from __future__ import annotations

import pytest
from flask import Flask

from grants.audit import chain
from grants.audit.chain import record_event
from grants.audit.events import FLAGGABLE, REGISTRY
from tests.support.db import app_session
from tests.support.factories import make_auditor, make_funder, make_round, make_staff
from tests.support.signin import signed_in

# Facts that meet every flag's condition: a changed screening, a reopening, an offer below the ask.
FLAGGING_FACTS = {"previous": "eligible", "reason": "Why", "asked_pence": 500_00, "amount_pence": 400_00}


def test_every_flagged_action_of_the_funder_is_listed_and_nothing_else(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_session(app) as s:
        funder = make_funder(s, name="Riverside Fund")
        staff = make_staff(s, funder, name="Priya Shah")
        auditor = make_auditor(s, funder)
        round_ = make_round(s, funder, code="FLAG1")
        other_round = make_round(s, make_funder(s), code="ELSE1")
        # The events name objects by id only (this test is about which ones are flagged, not about their
        # objects): each goes in the chain of the funder whose round its facts name.
        funder_of_round = {round_.id: funder.id, other_round.id: other_round.funder_id}
        monkeypatch.setattr(
            chain, "owning_funder", lambda session, object_type, object_id, facts: funder_of_round[facts["round_id"]]
        )
        for action in sorted(FLAGGABLE):
            facts = {"round_id": round_.id, **FLAGGING_FACTS}
            record_event(s, action, by=staff, role="staff", about=1, facts=facts)
        # Not flagged: an ordinary event, an offer of the whole ask, and another funder's departure.
        record_event(s, "round.updated", by=staff, about=round_, facts={"round_id": round_.id})
        record_event(
            s,
            "award.offered",
            by=staff,
            about=1,
            facts={"round_id": round_.id, "asked_pence": 500_00, "amount_pence": 500_00},
        )
        record_event(s, "decision.departed", about=1, facts={"round_id": other_round.id})
        funder_id, auditor_email = funder.id, auditor.email

    page = signed_in(app.test_client(), auditor_email).get(f"/audit/funders/{funder_id}/integrity").text

    assert f"{len(FLAGGABLE)} events to look at" in page
    for action in FLAGGABLE:
        assert REGISTRY[action].why.replace("'", "&#39;") in page, action
    assert "Round updated" not in page and "ELSE1" not in page


def test_the_registry_flags_what_auditors_must_see() -> None:
    for action in (
        "decision.departed",
        "decision.undone",
        "ballot.recorded_on_paper",
        "conflict.withdrawn",
        "payment.reversed",
        "story.selection_reopened",
    ):
        assert REGISTRY[action].flag_for_auditors is True, action
    assert all(REGISTRY[a].why for a in FLAGGABLE)
