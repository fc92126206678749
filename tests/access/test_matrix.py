"""The access matrix: every route in the app's own URL map, requested as each persona, against a table of answers.

The rules (grants/auth/permissions.py): a signed-out visitor is sent to sign in (public pages excepted); a
signed-in person without the role gets 403; another's object is 404, so its existence is not revealed. Applicants
see only their own group's bids; panellists only the rounds they sit on, and never the scoring form or the file
of a bid they are recused from; staff only their funder's rounds, and never act on a bid of a group they belong
to (nor decide a round it is in: 403); auditors read only their funder's and change nothing.

Each persona's test builds the scenario (tests/access/scenario.py) once and requests every rule of the URL map
(but `static`) with each method it allows (but HEAD and OPTIONS). POSTs send an empty form: the point is who gets
past the permission check (a permitted persona gets the form back with its errors, or the page's redirect), not
what the form does. A route with no row in EXPECTED fails the suite, and so does a row for a route that is gone.

Every answer is also checked for the security headers (tests/support/security.py: the Content-Security-Policy,
framing, referrer, permissions, cross-origin, nosniff, and no-store for someone signed in or a page with a form),
and every HTML page for anything that policy would block (a style attribute, an inline script or style without
the response's nonce, an event-handler attribute).
"""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from tests.access.scenario import ANONYMOUS, PERSONAS, Scenario, build
from tests.support.security import header_problems, inline_code_problems
from tests.support.signin import post_password, sign_in

# --- the answers --------------------------------------------------------------------------------------------------

LOGIN = "sign in"  # 302 to /sign-in?next=<the path asked for>
OK = "ok"  # 2xx, or a redirect that is the page's normal answer (never one to sign in)
FORBIDDEN = "403"  # signed in, without the role
NOT_FOUND = "404"  # another's object
BAD_REQUEST = "400"  # past the permission check, but the request is refused (a link meant for someone else)
SIGN_IN_FIRST = "sign in first"  # 302 to /sign-in with no next: a later step of signing in, with no sign-in begun


def expect(signed_in: str, **named: str) -> dict[str, str]:
    """Every persona's answer: `signed_in` for each signed-in persona not named, and LOGIN for the anonymous
    visitor unless named."""
    unknown = set(named) - set(PERSONAS)
    assert not unknown, f"not personas: {sorted(unknown)}"
    row = dict.fromkeys(PERSONAS, signed_in)
    row[ANONYMOUS] = LOGIN
    row.update(named)
    return row


EVERYONE = expect(OK, anonymous=OK)
SIGNED_IN = expect(OK)
SITE_ADMIN = expect(FORBIDDEN, admin=OK)
# The group's own pages: anyone else signed in, staff of the funder included, gets 404.
# (The conflicted member of staff belongs to group A, so its pages are theirs too.)
GROUP_A = expect(NOT_FOUND, applicant_a=OK, conflicted_staff=OK)
# The group's report pages that staff of the funder also use when recording a story on the group's behalf.
GROUP_A_OR_STAFF = expect(NOT_FOUND, applicant_a=OK, staff=OK, conflicted_staff=OK)
STAFF = expect(FORBIDDEN, staff=OK, conflicted_staff=OK, other_staff=NOT_FOUND)
# Separation of duties: acting on group A's bid (screening it, paying its award) or deciding a round it is in. The
# member of staff who belongs to group A gets 403, with a page saying who else can (grants/auth/permissions/duties.py).
STAFF_NOT_CONFLICTED = expect(FORBIDDEN, staff=OK, other_staff=NOT_FOUND)
STAFF_HOME = expect(FORBIDDEN, staff=OK, conflicted_staff=OK, other_staff=OK)
AUDITOR_HOME = expect(FORBIDDEN, auditor=OK)
# Staff and auditors of the funder read a round's audit and a bid's trail.
AUDIT_READERS = expect(FORBIDDEN, staff=OK, conflicted_staff=OK, other_staff=NOT_FOUND, auditor=OK)
# The exports name panellists: auditors only, so the funder's own staff get 403 too.
AUDITOR_EXPORTS = expect(FORBIDDEN, other_staff=NOT_FOUND, auditor=OK)
PANEL_HOME = expect(FORBIDDEN, panellist=OK, recused_panellist=OK, other_panellist=OK)
PANEL_ROUND = expect(FORBIDDEN, panellist=OK, recused_panellist=OK, other_panellist=NOT_FOUND)
# Group A's bid on the panel: the panellist recused from it must not reach its scoring form or its file.
PANEL_BID_A = expect(FORBIDDEN, panellist=OK, recused_panellist=NOT_FOUND, other_panellist=NOT_FOUND)
# Only the chair (the panellist) records the panel's notes; another member of the panel lacks the right.
PANEL_CHAIR = expect(FORBIDDEN, panellist=OK, other_panellist=NOT_FOUND)
# The decision and the receipts: the round's panellists, and staff and auditors of its funder.
DECISION_READERS = expect(
    FORBIDDEN,
    panellist=OK,
    recused_panellist=OK,
    other_panellist=NOT_FOUND,
    staff=OK,
    conflicted_staff=OK,
    other_staff=NOT_FOUND,
    auditor=OK,
)
STORY_CHOOSERS = expect(
    FORBIDDEN,
    panellist=OK,
    recused_panellist=OK,
    other_panellist=NOT_FOUND,
    staff=OK,
    conflicted_staff=OK,
    other_staff=NOT_FOUND,
)
LEARNING_READERS = expect(FORBIDDEN, staff=OK, conflicted_staff=OK, other_staff=NOT_FOUND, auditor=OK)
# The second step of signing in (a code, or setting up the app): only after a password; signed in, go home.
SIGN_IN_STEP = expect(OK, anonymous=SIGN_IN_FIRST)
# An invitation link for someone else's address: the page says so (400) to anyone signed in.
INVITATION_FOR_SOMEONE_ELSE = expect(BAD_REQUEST, anonymous=OK)


def both(row: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"GET": row, "POST": row}


# endpoint -> method -> persona -> answer. Every rule of the URL map has a row; see test_every_route_has_a_row.
EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    # public pages
    "public.index": {"GET": EVERYONE},
    "public.accessibility": {"GET": EVERYONE},
    "public.privacy": {"GET": EVERYONE},
    "public.healthz": {"GET": EVERYONE},
    "public.readyz": {"GET": EVERYONE},
    "rounds.open_rounds": {"GET": EVERYONE},
    "rounds.public_round": {"GET": EVERYONE},
    "transparency.funder": {"GET": EVERYONE},
    "transparency.download": {"GET": EVERYONE},
    "transparency.audit_key": {"GET": EVERYONE},
    # accounts: signed in, register and sign-in redirect to the person's home page
    "auth.register": both(EVERYONE),
    # an open link is the key to make its account, whoever holds it (tests/auth/test_routes.py): here, a used one
    "auth.confirm_registration": both(expect(BAD_REQUEST, anonymous=BAD_REQUEST)),
    "auth.sign_in": both(EVERYONE),
    "auth.sign_out": {"POST": SIGNED_IN},
    "auth.forgotten_password": both(EVERYONE),
    "auth.reset_password": both(EVERYONE),  # the link is the key, whoever holds it
    "auth.invitation": {"GET": EVERYONE, "POST": INVITATION_FOR_SOMEONE_ELSE},
    "auth.change_password": both(SIGNED_IN),
    "auth.sign_in_code": both(SIGN_IN_STEP),
    "auth.sign_in_recovery_code": both(SIGN_IN_STEP),
    "auth.sign_in_set_up": both(SIGN_IN_STEP),
    "auth.sign_in_finish": {"POST": SIGN_IN_STEP},
    "auth.account": {"GET": SIGNED_IN},
    # signing out of another browser from the account page: only one's own sessions (another's, or none, is 404)
    "auth.end_session": {"POST": expect(NOT_FOUND)},
    "auth.end_other_sessions_everywhere": {"POST": SIGNED_IN},
    "auth.download_your_data": {"POST": SIGNED_IN},  # only ever one's own
    "auth.delete_account": both(SIGNED_IN),  # asking for one's own account to be deleted (a wrong password: 200)
    "auth.cancel_account_deletion": {"POST": SIGNED_IN},  # nothing asked: back to the account page
    # two-step sign-in from the account page: anyone signed in (without it on, renewing or turning off goes back)
    "auth.two_factor_set_up": both(SIGNED_IN),
    "auth.two_factor_recovery_codes": both(SIGNED_IN),
    "auth.two_factor_turn_off": both(SIGNED_IN),
    # home pages
    "home.applicant": {"GET": SIGNED_IN},  # everyone signed in may apply
    "home.staff": {"GET": STAFF_HOME},
    "home.invite_colleague": {"POST": STAFF},  # sent with the funder's id: another funder's is 404
    "home.set_retention": {"POST": STAFF},  # likewise
    "home.auditor": {"GET": AUDITOR_HOME},
    "home.audit_chain": {"GET": AUDITOR_HOME},
    "home.panellist": {"GET": PANEL_HOME},
    # site admin
    "admin.index": {"GET": SITE_ADMIN},
    # a deletion request nobody made (a made one is tests/auth/test_account_deletion.py)
    "admin.delete_account": {"POST": expect(FORBIDDEN, admin=NOT_FOUND)},
    "admin.refuse_deletion": both(expect(FORBIDDEN, admin=NOT_FOUND)),
    "admin.create": {"POST": SITE_ADMIN},
    "admin.invite_staff": {"POST": SITE_ADMIN},
    "admin.two_person": {"POST": SITE_ADMIN},  # the funder's staff, whom the rule binds, cannot turn it off
    # rounds, for staff
    "rounds.new": both(STAFF),
    "rounds.overview": {"GET": STAFF},
    "rounds.edit_details": both(STAFF),
    "rounds.edit_questions": both(STAFF),
    "rounds.edit_criteria": both(STAFF),
    "rounds.edit_voting": both(STAFF),
    "rounds.preview": {"GET": STAFF},
    "rounds.change_status": both(STAFF),
    # groups and bids
    "bids.start": both(SIGNED_IN),  # anyone may apply: without a group they are sent to make one
    "bids.group_new": both(SIGNED_IN),
    "bids.group_edit": both(GROUP_A),
    "bids.group_members": both(GROUP_A),
    "bids.view": {"GET": GROUP_A},
    "bids.group": both(GROUP_A),
    "bids.title": both(GROUP_A),
    "bids.question": both(GROUP_A),
    "bids.amount": both(GROUP_A),
    "bids.extras": {"GET": GROUP_A},
    "bids.recording": both(GROUP_A),
    "bids.attachment": both(GROUP_A),
    "bids.remove_attachment": {"POST": GROUP_A},
    "bids.attachment_file": {"GET": GROUP_A},
    "bids.check": both(GROUP_A),
    "bids.confirmation": {"GET": GROUP_A},
    "bids.return_to_draft": {"POST": GROUP_A},
    "bids.withdraw": both(GROUP_A),
    "bids.staff_new": both(STAFF),
    # screening
    "screening.bid_list": {"GET": STAFF},
    "screening.bid": {"GET": STAFF},
    "screening.screen": {"POST": STAFF_NOT_CONFLICTED},  # group A's bid
    "screening.declare_conflict": {"POST": STAFF},
    "screening.attachment": {"GET": STAFF},
    # the panel
    "panel.round_home": {"GET": PANEL_ROUND},
    "panel.accept_conduct": {"POST": PANEL_ROUND},
    "panel.declarations": both(PANEL_ROUND),
    "panel.bid_list": {"GET": PANEL_ROUND},
    "panel.score_bid": both(PANEL_BID_A),
    "panel.attachment": {"GET": PANEL_BID_A},
    "panel.summary": {"GET": PANEL_ROUND, "POST": PANEL_CHAIR},
    "panel.staff_summary": both(STAFF),
    "panel.staff_panel": both(STAFF),
    "panel.staff_resend": {"POST": STAFF},
    "panel.staff_revoke": {"POST": STAFF},
    "panel.staff_make_chair": {"POST": STAFF},
    # voting
    "voting.ballot": both(PANEL_ROUND),
    "voting.cast": {"GET": PANEL_ROUND},
    "voting.receipts": both(DECISION_READERS),
    "voting.paper_ballots": both(STAFF),
    "voting.paper_receipt": {"GET": STAFF},
    # decisions
    "decisions.tally": {"GET": STAFF},
    "decisions.ratify": {"POST": STAFF_NOT_CONFLICTED},  # the decided round decides group A's bid
    "decisions.depart": {"POST": STAFF_NOT_CONFLICTED},
    "decisions.withdraw_departure": {"POST": STAFF},
    "decisions.reopen": {"POST": STAFF_NOT_CONFLICTED},
    "decisions.confirm_proposal": {"POST": STAFF_NOT_CONFLICTED},  # staff proposed it: told a colleague must
    "decisions.withdraw_proposal": {"POST": STAFF_NOT_CONFLICTED},
    "decisions.decision": {"GET": DECISION_READERS},
    # awards
    "awards.round_awards": {"GET": STAFF},
    "awards.offer": both(STAFF),
    "awards.award": {"GET": STAFF},
    "awards.pay": {"POST": STAFF_NOT_CONFLICTED},  # group A's award
    "awards.withdraw": {"POST": STAFF_NOT_CONFLICTED},
    "awards.close": {"POST": STAFF_NOT_CONFLICTED},
    "awards.reverse": {"POST": STAFF_NOT_CONFLICTED},
    "awards.republish": {"POST": STAFF},
    "awards.feedback": both(STAFF),
    "awards.respond": {"GET": GROUP_A},
    "awards.accept": {"POST": GROUP_A},
    "awards.decline": {"POST": GROUP_A},
    # reports: the group's side
    "reports.group_reports": {"GET": GROUP_A},
    "reports.write": both(GROUP_A),  # staff record on the group's behalf on their own page, staff_record
    "reports.photos": both(GROUP_A_OR_STAFF),
    "reports.report_photo": {"GET": GROUP_A_OR_STAFF},
    "reports.remove_photo": {"POST": GROUP_A_OR_STAFF},
    "reports.check": both(GROUP_A_OR_STAFF),
    "reports.conversation": both(GROUP_A),
    # reports: staff, the panel's choice of stories, the learning summary
    "reports.staff_record": both(STAFF),
    "reports.staff_list": {"GET": STAFF},
    "reports.staff_report": {"GET": STAFF},
    "reports.staff_reply": {"POST": STAFF},
    "reports.tag": {"POST": STAFF},
    "reports.pick_quote": {"POST": STAFF},
    "reports.remove_quote": {"POST": STAFF},
    "reports.approve_sharing": {"POST": STAFF},
    "reports.staff_selection": {"GET": STAFF},
    "reports.open_selection": {"POST": STAFF},
    "reports.close_selection": {"POST": STAFF},
    "reports.reopen_selection": {"POST": STAFF},
    "reports.stories": both(STORY_CHOOSERS),
    "reports.learning_summary": {"GET": LEARNING_READERS},
    "reports.learning_export": {"GET": LEARNING_READERS},
    # audit
    "audit.round": {"GET": AUDIT_READERS},
    "audit.rerun": {"POST": AUDIT_READERS},  # re-running a tally changes nothing; it logs the check
    "audit.trail": {"GET": AUDIT_READERS},
    "audit.trail_csv": {"GET": AUDITOR_EXPORTS},
    "audit.log_jsonl": {"GET": AUDITOR_EXPORTS},
    "audit.funder_export_jsonl": {"GET": AUDIT_READERS},  # ids, never names: the funder's staff may check too
    "audit.pabulib_ballots": {"GET": AUDIT_READERS},  # not public: a small panel's ballots could be recognised
    # integrity: what an auditor should look at
    "integrity.flags": {"GET": AUDIT_READERS},
    "integrity.paper_ballots": {"GET": AUDIT_READERS},
}

# Access bugs found by this matrix and not fixed yet: (endpoint, method, persona) -> the answer given today.
# EXPECTED holds the right answer; a case listed here is reported as a warning instead of failing, and fails
# once it is fixed, so that it is taken out of this list. Empty: no route breaks the rules today.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}

# --- which object each route is asked about ------------------------------------------------------------------------

# A URL variable names a Scenario field (or takes a literal value); most routes ask about the decided round and
# group A's funded bid in it, and OBJECTS names the others: the stage a route works at.
DEFAULT_OBJECTS: dict[str, str] = {
    "round_id": "decided_round",
    "bid_id": "decided_bid_a",
    "award_id": "award_a",
    "payment_id": "payment_a",
    "report_date_id": "draft_date",
    "report_id": "sent_report",
    "photo_id": "draft_photo",
    "quote_id": "quote",
    "departure_id": "departure",
    "proposal_id": "proposal",
    "invitation_id": "panel_invitation",
    "member_id": "scoring_seat",
    "group_id": "group_a",
    "funder_id": "funder_id",
    "slug": "funder_slug",
    "token": "invitation_token",
}
LITERALS: dict[str, Any] = {
    "position": 1,  # the open round's first question
    "fmt": "json",
    "to": "screening",  # a move back from scoring, which needs a reason, so the empty form moves nothing
    "session_id": 10**9,
    "deletion_id": 10**9,  # nobody's session (another person's is 404 too: tests/auth/test_sessions.py)
}
_OPEN_DRAFT = {"bid_id": "open_bid_a"}
_OPEN_ROUND = {"round_id": "open_round"}
_SENT = {"bid_id": "scoring_bid_a"}
_SCORING = {"round_id": "scoring_round", "bid_id": "scoring_bid_a"}
_VOTING = {"round_id": "voting_round"}
OBJECTS: dict[str, dict[str, str]] = {
    # group A's draft in the open round, where the bid's pages are forms
    **dict.fromkeys(
        [
            "bids.view",
            "bids.group",
            "bids.title",
            "bids.question",
            "bids.amount",
            "bids.extras",
            "bids.recording",
            "bids.attachment",
            "bids.remove_attachment",
            "bids.attachment_file",
            "bids.check",
        ],
        _OPEN_DRAFT,
    ),
    # a sent bid, with a file
    **dict.fromkeys(["bids.confirmation", "bids.return_to_draft", "bids.withdraw"], _SENT),
    **dict.fromkeys(
        [
            "bids.start",
            "bids.staff_new",
            "rounds.public_round",
            "rounds.overview",
            "rounds.edit_details",
            "rounds.edit_questions",
            "rounds.edit_criteria",
            "rounds.edit_voting",
            "rounds.preview",
        ],
        _OPEN_ROUND,
    ),
    # scoring open, with a pending invitation and group A's bid, which the recused panellist declared a conflict with
    **dict.fromkeys(
        [
            "rounds.change_status",
            "screening.bid_list",
            "screening.bid",
            "screening.screen",
            "screening.declare_conflict",
            "screening.attachment",
            "panel.round_home",
            "panel.accept_conduct",
            "panel.declarations",
            "panel.bid_list",
            "panel.score_bid",
            "panel.attachment",
            "panel.staff_panel",
            "panel.staff_resend",
            "panel.staff_revoke",
            "panel.staff_make_chair",
        ],
        _SCORING,
    ),
    **dict.fromkeys(["voting.ballot", "voting.cast", "voting.paper_ballots", "voting.paper_receipt"], _VOTING),
    "awards.offer": {"bid_id": "decided_bid_c"},  # funded, no offer yet
    "awards.feedback": {"bid_id": "decided_bid_b"},  # not funded
    "auth.reset_password": {"token": "reset_token"},
    "auth.confirm_registration": {"token": "used_registration_token"},
}
# Form fields a POST sends besides nothing: the colleague invitation says which funder it is for.
FORM_FIELDS: dict[str, dict[str, str]] = {
    "home.invite_colleague": {"funder_id": "funder_id"},
    "home.set_retention": {"funder_id": "funder_id"},
}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - SKIPPED_METHODS)


def _object_name(endpoint: str, variable: str) -> str | None:
    return OBJECTS.get(endpoint, {}).get(variable) or DEFAULT_OBJECTS.get(variable)


def _requests(app: Flask, scenario: Scenario) -> list[tuple[str, str, str, dict[str, str]]]:
    """(endpoint, method, path, form) for every rule and method. GETs go first, so each reads the scenario as it
    was built; then POSTs, signing out last (an empty form is enough to sign out)."""
    found = []
    for rule in _rules(app):
        values = {
            name: getattr(scenario, key) if (key := _object_name(rule.endpoint, name)) else LITERALS[name]
            for name in rule.arguments
        }
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        form = {field: str(getattr(scenario, key)) for field, key in FORM_FIELDS.get(rule.endpoint, {}).items()}
        found += [(rule.endpoint, method, path, form) for method in _methods(rule)]
    found.sort(key=lambda r: (r[1] != "GET", r[0] == "auth.sign_out", r[0], r[1]))
    return found


def _answer(response: TestResponse, path: str) -> str:
    code = response.status_code
    if 300 <= code < 400:
        where = urlsplit(response.headers.get("Location", ""))
        if where.path == "/sign-in" and not where.query:
            return SIGN_IN_FIRST
        if where.path == "/sign-in":
            return LOGIN if parse_qs(where.query).get("next") == [path] else f"sign in, next={where.query}"
    if 200 <= code < 400:
        return OK
    return str(code)


def _described(response: TestResponse) -> str:
    if 300 <= response.status_code < 400:
        return f"{response.status_code} to {response.headers.get('Location')}"
    return str(response.status_code)


# --- the tests ------------------------------------------------------------------------------------------------------


def test_every_route_has_a_row(app: Flask) -> None:
    """A new route fails here until it has its answers; so does a row for a route that is gone."""
    routes = {(rule.endpoint, method) for rule in _rules(app) for method in _methods(rule)}
    rows = {(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods}
    missing = sorted(f"{endpoint} {method}" for endpoint, method in routes - rows)
    gone = sorted(f"{endpoint} {method}" for endpoint, method in rows - routes)
    assert not missing, f"add expectations for these endpoints: {', '.join(missing)}"
    assert not gone, f"these rows are for routes that no longer exist: {', '.join(gone)}"
    for endpoint, methods in EXPECTED.items():
        for method, row in methods.items():
            assert set(row) == set(PERSONAS), f"{endpoint} {method} does not name every persona"
    unresolved = sorted(
        f"{rule.endpoint} <{name}>"
        for rule in _rules(app)
        for name in rule.arguments
        if _object_name(rule.endpoint, name) is None and name not in LITERALS
    )
    assert not unresolved, f"say which object these URL variables name (OBJECTS or LITERALS): {unresolved}"
    stale = sorted(str(key) for key in KNOWN_GAPS if key[1] not in EXPECTED.get(key[0], {}) or key[2] not in PERSONAS)
    assert not stale, f"KNOWN_GAPS names checks that do not exist: {stale}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(app: Flask, client: FlaskClient, persona: str) -> None:
    """Every route, each method, as this persona: the answer in EXPECTED (or the known gap, reported)."""
    scenario = build(app)
    if persona != ANONYMOUS:
        assert sign_in(client, scenario.emails[persona]).status_code == 302, f"{persona} could not sign in"
    wrong, tolerated, fixed, unsafe = [], [], [], []
    for endpoint, method, path, form in _requests(app, scenario):
        response = client.open(path, method=method, data=form)
        problems = header_problems(response, signed_in=persona != ANONYMOUS) + inline_code_problems(response)
        unsafe += [f"{method} {path} ({endpoint}) as {persona}: {problem}" for problem in problems]
        got = _answer(response, path)
        expected = EXPECTED.get(endpoint, {}).get(method, {}).get(persona, "a row in EXPECTED")
        line = f"{method} {path} ({endpoint}) as {persona}: got {_described(response)}, expected {expected}"
        gap = KNOWN_GAPS.get((endpoint, method, persona))
        if got == expected:
            if gap is not None:
                fixed.append(line)
        elif gap is not None and got == gap:
            tolerated.append(line)
        else:
            wrong.append(line)
    for line in tolerated:
        warnings.warn(f"known access gap: {line}", stacklevel=1)
    assert not fixed, "fixed: take these out of KNOWN_GAPS:\n" + "\n".join(fixed)
    assert not wrong, f"{len(wrong)} answers differ from the access matrix:\n" + "\n".join(wrong)
    assert not unsafe, f"{len(unsafe)} problems with security headers or inline code:\n" + "\n".join(unsafe)


@pytest.mark.parametrize("persona", ["staff", "auditor", "admin"])
def test_a_sign_in_waiting_for_its_code_opens_nothing_behind_sign_in(
    app: Flask, client: FlaskClient, persona: str
) -> None:
    """The password alone, for someone who must use two-step sign-in: every route a signed-out visitor is sent to
    sign in from sends them to sign in too."""
    scenario = build(app)
    assert post_password(client, scenario.emails[persona]).headers["Location"] == "/sign-in/code"
    opened = []
    for endpoint, method, path, form in _requests(app, scenario):
        if EXPECTED[endpoint][method][ANONYMOUS] != LOGIN:
            continue
        response = client.open(path, method=method, data=form)
        if _answer(response, path) != LOGIN:
            opened.append(f"{method} {path} ({endpoint}): got {_described(response)}")
    assert not opened, "opened with only a password:\n" + "\n".join(opened)
