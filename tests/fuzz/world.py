"""What the fuzz tests post into: the access matrix's scenario, everyone signed in, and the way back after each post.

`World.build` makes, once a module, the scenario of tests/access/scenario.py plus what a few forms need to be
reached at all (an open link to finish registering; a member of staff half-way through signing in at each step;
an applicant with two-step sign-in on, who may renew its codes or turn it off), signs every persona in (each in a
browser of its own), turns CSRF on and reads each browser's token from a page, as a browser would. Then it
remembers the database (`Baseline`) and each browser's cookies, so every example starts from the same place.

`ROUTES` says, for each POST rule of the URL map, who posts to it and at which address: by default the first
persona of `PREFERENCE` whose answer in the access matrix (tests/access/test_matrix.py) is "ok", at the
matrix's own address; `PERSONA` and `URL_VALUES` name the few that need someone else or another object.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from grants.auth import services as account_services
from grants.auth.invitations import grant_role
from grants.auth.tokens import new_token
from grants.extensions import limiter
from grants.models import (
    AccountDeletion,
    Funder,
    LoginSession,
    OutboxEmail,
    Role,
    RoleGrant,
    Round,
    User,
    VotingMethod,
    utcnow,
)
from tests.access import test_matrix as matrix
from tests.access.scenario import (
    ADMIN,
    ANONYMOUS,
    APPLICANT_A,
    APPLICANT_B,
    AUDITOR,
    PANELLIST,
    STAFF,
    Scenario,
    build,
)
from tests.fuzz.database import Baseline, Contents, read_contents
from tests.support.db import app_session
from tests.support.factories import make_user, set_up_two_factor
from tests.support.signin import post_password, set_up_from_page, sign_in

# Besides the matrix's personas: someone past their password and waiting for the code from their app; someone
# who must set the app up and has not; someone who has and has just been shown their recovery codes; the
# colleague who confirms what staff propose.
SIGNING_IN = "signing_in"
SETTING_UP = "setting_up"
CODES_SHOWN = "codes_shown"
COLLEAGUE = "colleague"
PREFERENCE = [ANONYMOUS, APPLICANT_A, PANELLIST, STAFF, ADMIN, AUDITOR]
PERSONA = {
    "auth.sign_in_code": SIGNING_IN,
    "auth.sign_in_recovery_code": SIGNING_IN,
    "auth.sign_in_set_up": SETTING_UP,
    "auth.sign_in_finish": CODES_SHOWN,
    "auth.confirm_registration": ANONYMOUS,  # with an open link (URL_VALUES): every persona is refused a used one
    "auth.two_factor_recovery_codes": APPLICANT_B,  # has two-step sign-in on, and may turn it off
    "auth.two_factor_turn_off": APPLICANT_B,
    "decisions.confirm_proposal": COLLEAGUE,  # staff proposed the reopening; only a colleague may confirm it
    "auth.end_session": APPLICANT_A,  # signed in on another browser too (URL_VALUES)
    "admin.delete_account": ADMIN,  # someone asked for their account to be deleted (URL_VALUES)
    "admin.refuse_deletion": ADMIN,
}
# A URL variable that names something else than the matrix's object: World.extra's names, or Scenario's fields.
URL_VALUES: dict[str, dict[str, str]] = {
    "auth.confirm_registration": {"token": "open_registration_token"},
    "auth.end_session": {"session_id": "other_session_id"},
    "admin.delete_account": {"deletion_id": "deletion_id"},
    "admin.refuse_deletion": {"deletion_id": "deletion_id"},
}
SIGNED_OUT = {ANONYMOUS, SIGNING_IN, SETTING_UP, CODES_SHOWN}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def post_rules(app: Flask) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())), key=str)


def persona_for(endpoint: str, method: str = "POST") -> str | None:
    """Who posts to (or asks for) this route: named in PERSONA, or the first of PREFERENCE the access matrix lets
    in."""
    if endpoint in PERSONA:
        return PERSONA[endpoint]
    answers = matrix.EXPECTED.get(endpoint, {}).get(method, {})
    return next((persona for persona in PREFERENCE if answers.get(persona) == matrix.OK), None)


@dataclass
class Route:
    endpoint: str
    persona: str
    path: str
    form: dict[str, str]  # fields the matrix posts too (the colleague invitation's funder)
    has_get: bool
    values: dict[str, Any] = field(default_factory=dict)  # what the address was built from


@dataclass
class Browser:
    client: FlaskClient
    csrf_token: str
    cookies: dict[Any, Any] = field(default_factory=dict)

    def keep(self) -> None:
        self.cookies = copy.copy(self.client._cookies)

    def reset(self) -> None:
        self.client._cookies.clear()
        self.client._cookies.update(self.cookies)


@dataclass
class World:
    app: Flask
    scenario: Scenario
    extra: dict[str, Any]
    browsers: dict[str, Browser]
    baseline: Baseline
    dirty: bool = False
    pages: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def build(cls, app: Flask) -> World:
        scenario = build(app)
        extra = _more_people(app, scenario)
        emails = {**scenario.emails, COLLEAGUE: extra["colleague_email"]}
        clients: dict[str, FlaskClient] = {}
        for persona in {*PREFERENCE, *PERSONA.values()} - SIGNED_OUT:
            clients[persona] = app.test_client()
            assert sign_in(clients[persona], emails[persona]).status_code == 302, f"{persona} could not sign in"
        clients[ANONYMOUS] = app.test_client()
        clients[SIGNING_IN] = app.test_client()
        assert post_password(clients[SIGNING_IN], scenario.emails[STAFF]).headers["Location"] == "/sign-in/code"
        clients[SETTING_UP] = app.test_client()
        assert post_password(clients[SETTING_UP], extra["setting_up_email"]).headers["Location"] == "/sign-in/set-up"
        clients[CODES_SHOWN] = app.test_client()
        post_password(clients[CODES_SHOWN], extra["codes_shown_email"])
        set_up_from_page(clients[CODES_SHOWN], "/sign-in/set-up")

        app.config["WTF_CSRF_ENABLED"] = True
        browsers = {}
        for persona, client in clients.items():
            page = client.get("/sign-in" if persona in SIGNED_OUT else "/account/password")
            found = CSRF.search(page.text)
            assert page.status_code == 200 and found, f"no CSRF token on the page for {persona}"
            browsers[persona] = Browser(client, found.group(1) or found.group(2))
            browsers[persona].keep()
        return cls(app, scenario, extra, browsers, Baseline.take(app))

    def route(self, rule: Rule, method: str = "POST") -> Route:
        persona = persona_for(rule.endpoint, method)
        assert persona is not None, f"nobody may post to {rule.endpoint}: name who in tests/fuzz/world.py PERSONA"
        values = {}
        for name in rule.arguments:
            key = URL_VALUES.get(rule.endpoint, {}).get(name) or matrix._object_name(rule.endpoint, name)
            if key is None:
                values[name] = matrix.LITERALS[name]
            else:
                values[name] = self.extra[key] if key in self.extra else getattr(self.scenario, key)
        with self.app.test_request_context():
            path = url_for(rule.endpoint, **values)
        form = {
            name: str(getattr(self.scenario, key)) for name, key in matrix.FORM_FIELDS.get(rule.endpoint, {}).items()
        }
        return Route(rule.endpoint, persona, path, form, "GET" in (rule.methods or ()), values)

    def page(self, persona: str, path: str) -> str:
        """The page at `path` as `persona` sees it at the start (read once), or "" if it is not theirs to see."""
        if (persona, path) not in self.pages:
            response = self.browser(persona).client.get(path)
            self.pages[(persona, path)] = response.get_data(as_text=True) if response.status_code == 200 else ""
        return self.pages[(persona, path)]

    def pages_showing(self, route: Route, rule: Rule) -> Iterator[tuple[str, str]]:
        """The pages that may hold the form of a route that only takes a POST (a payment's form is on the award's
        page): the persona's pages whose addresses name nothing the route's does not, of the same area first, each
        with its address."""
        area = rule.endpoint.split(".")[0]
        candidates = [
            other
            for other in self.app.url_map.iter_rules()
            if "GET" in (other.methods or ())
            and other.arguments <= rule.arguments
            and matrix.EXPECTED.get(other.endpoint, {}).get("GET", {}).get(route.persona) == matrix.OK
        ]
        for other in sorted(candidates, key=lambda r: (r.endpoint.split(".")[0] != area, r.endpoint)):
            path = self.route(other, "GET").path
            yield path, self.page(route.persona, path)

    def browser(self, persona: str) -> Browser:
        """The persona's browser as it was at the start, on the database as it was (after any earlier example)."""
        if self.dirty:
            self.baseline.restore(read_contents(self.app))
            self.dirty = False
        limiter.reset()  # every example starts with no rate limit used
        browser = self.browsers[persona]
        browser.reset()
        return browser

    @contextmanager
    def posting(self) -> Iterator[None]:
        """Around a request that may change the database: until it has been checked, the next example restores."""
        self.dirty = True
        yield

    def settle(self, now: Contents) -> None:
        """After an example has been checked: back to the baseline if it changed anything."""
        self.baseline.restore(now)
        self.dirty = False


def _more_people(app: Flask, scenario: Scenario) -> dict[str, Any]:
    """What the matrix's scenario lacks for a few forms to be reached as someone would reach them."""
    with app_session(app) as s:
        funder = s.get(Funder, scenario.funder_id)
        assert funder is not None
        staff = []
        for name in ("setting.up", "codes.shown"):
            user = make_user(s, email=f"{name}@example.com", name=name.replace(".", " ").title())
            grant_role(s, user=user, role=Role.STAFF, funder=funder)
            staff.append(user.email)
        # The voting round takes ballots (the matrix's scores them), so its ballot pages have a form to post.
        voting = s.get(Round, scenario.voting_round)
        assert voting is not None
        voting.voting_method = VotingMethod.APPROVAL
        applicant_b = s.scalars(sa.select(User).where(User.email == scenario.emails[APPLICANT_B])).one()
        set_up_two_factor(s, applicant_b)
        known = set(scenario.emails.values())
        colleague = s.scalars(
            sa.select(User.email)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.STAFF, RoleGrant.funder_id == funder.id)
        ).all()
        account_services.request_registration(
            s, name="Fuzz Person", email="fuzz.person@example.com", password="a long new password", now=utcnow()
        )
        # Applicant A is signed in on another browser too, and someone has asked for their account to be deleted.
        applicant_a = s.scalars(sa.select(User).where(User.email == scenario.emails[APPLICANT_A])).one()
        elsewhere = LoginSession(user_id=applicant_a.id, token_hash=new_token()[1], device="Firefox on Windows")
        leaving = make_user(s, email="leaving@example.com", name="Leaving Soon")
        deletion = AccountDeletion(user_id=leaving.id)
        s.add_all([elsewhere, deletion])
        s.flush()
        mail = s.scalars(sa.select(OutboxEmail.body_text).where(OutboxEmail.to_address == "fuzz.person@example.com"))
        token = re.search(r"/register/(\S+)", "\n".join(mail))
        assert token
        return {
            "setting_up_email": staff[0],
            "codes_shown_email": staff[1],
            "colleague_email": next(email for email in colleague if email not in known and email not in staff),
            "open_registration_token": token.group(1),
            "other_session_id": elsewhere.id,
            "deletion_id": deletion.id,
        }
