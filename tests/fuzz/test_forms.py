"""No input gives a 500, and a refused post changes nothing: every form of the URL map, fuzzed as its right user.

For each rule of the URL map that takes a POST (a route without one fails `test_every_form_in_the_url_map_is_fuzzed`)
the person the access matrix lets in (tests/fuzz/world.py) posts, with a valid CSRF token and a fresh one-use
token: first the form with nothing filled in, which shows which fields the route's forms have (tests/fuzz/fields.py),
then the examples Hypothesis draws from them (tests/fuzz/values.py). Every answer:

- is not a 500 (exceptions propagate, so one shows its traceback);
- is not a refusal of the CSRF token sent (else nothing past it would be tried);
- when it is a refusal (4xx, or the form again with an error summary), leaves every table as it was but those in
  `MAY_CHANGE_ON_REFUSAL`.

Every page (each rule that takes a GET) is asked for with fuzzed addresses, its GET form's fields and what routes
read from the address: never a 500, and nothing written (a GET never writes).

Every example starts from the same database and the same browser cookies (tests/fuzz/database.py), so an example
that worked (a bid saved, a payment recorded, someone signed out) never changes what the next one meets.

How many: each form gets its empty post, then `TRAPS` in every field at once (what broke before), then the `ci`
profile's `CI_EXAMPLES` drawn examples with a fixed seed (`derandomize`), so every run tries the same posts; a page
gets the traps and `GET_EXAMPLES` drawn addresses (`CI_EXAMPLES` if it has a GET form). To look harder:
`FUZZ_PROFILE=deep` (a new seed each run), `FUZZ_EXAMPLES=200`, and `FUZZ_NO_SHRINK=1` to see a failure at once.
"""

from __future__ import annotations

import io
import os
import secrets

import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, Phase, given, settings
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule, UnicodeConverter
from werkzeug.test import TestResponse

from grants.models import User
from tests.access import test_matrix as matrix
from tests.access.scenario import STAFF
from tests.fuzz.database import changed_tables, read_contents, table_rows
from tests.fuzz.fields import FieldSpec, fields_on_page, forms_built, merged, specs_of
from tests.fuzz.values import QUERY_READ, TRAPS, Post, posts, queries, trap_posts, urlencoded
from tests.fuzz.world import Route, World, persona_for, post_rules
from tests.support.db import app_session

# What a refused post may still write, and why that is right:
MAY_CHANGE_ON_REFUSAL = {
    # The security log records failed sign-ins, wrong codes and wrong current passwords: that is what it is for,
    # and what two-step sign-in's throttle counts.
    "security_event",
    # What someone typed is kept when their sign-in ended as they posted it (grants/auth/saved_forms.py), and a
    # kept form that was shown is deleted at that browser's next post, whatever that post's answer.
    "saved_form",
}
# Routes that save a draft even as they say what is wrong with it, on purpose, so nothing typed is lost: a bid's
# answer over its word limit is kept as typed (grants/bids/services.py::save_answer), and a report's story is saved
# with the page saying its link is not one (grants/reports/group_routes.py::_write). Only that route, only that
# table: any other table changing on those pages still fails.
SAVED_ON_REFUSAL = {
    "bids.question": {"answer"},
    "reports.write": {"report"},
    "reports.staff_record": {"report"},
}
# Not excluded, though a refusal might be expected to touch them: the rate limits live in the limiter's storage
# (memory in tests), not in a table; and a one-use form token (used_form_token) is spent in the same transaction
# as the work it allows, so a refused form must leave it unspent, to be sent again once mended.

CI_EXAMPLES = 8
settings.register_profile(
    "ci",
    max_examples=CI_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "deep", max_examples=200, database=None, deadline=None, print_blob=True, suppress_health_check=list(HealthCheck)
)
FUZZ = settings.get_profile(os.environ.get("FUZZ_PROFILE", "ci"))
if os.environ.get("FUZZ_EXAMPLES"):
    FUZZ = settings(FUZZ, max_examples=int(os.environ["FUZZ_EXAMPLES"]))
if os.environ.get("FUZZ_NO_SHRINK"):  # report what failed at once, as found, rather than the smallest example
    FUZZ = settings(FUZZ, phases=[Phase.explicit, Phase.generate])

POSTED = sorted(endpoint for endpoint, methods in matrix.EXPECTED.items() if "POST" in methods)
SHOWN = sorted(endpoint for endpoint, methods in matrix.EXPECTED.items() if "GET" in methods)
# A page with a GET form (a list's filters) gets the examples a POST form does; any other page a few, for what
# routes read from the address (`next`, `page`, ...).
GET_EXAMPLES = 2
CSRF_REFUSED = "This form has expired"  # the 400 page's title when the CSRF token is refused (templates/errors)
ERROR_SUMMARY = "govuk-error-summary"
SIGN_IN = "/sign-in"


def _rule(world: World, endpoint: str, method: str = "POST") -> Rule:
    rules = [rule for rule in world.app.url_map.iter_rules() if rule.endpoint == endpoint and method in rule.methods]
    assert len(rules) == 1, f"{endpoint}: {len(rules)} {method} rules"
    return rules[0]


def test_every_form_in_the_url_map_is_fuzzed(world: World) -> None:
    """Each rule that takes a POST is fuzzed (it has a row in the access matrix, which parametrizes the fuzz test),
    by someone who may post to it, at an address built from the scenario."""
    rules = post_rules(world.app)
    assert len(rules) > 50, "the URL map is not the app's"
    endpoints = {rule.endpoint for rule in rules}
    assert not endpoints - set(POSTED), f"not fuzzed: {sorted(endpoints - set(POSTED))}"
    assert not set(POSTED) - endpoints, f"fuzzed, but not in the URL map: {sorted(set(POSTED) - endpoints)}"
    assert not [r.endpoint for r in rules if persona_for(r.endpoint) is None], "say who posts to these (PERSONA)"
    for rule in rules:
        assert world.route(rule).path.startswith("/")


def test_a_change_is_seen_and_the_database_put_back(world: World) -> None:
    """The check itself: a row changed anywhere (here a member of staff's name, as a refused post must not) shows
    in the table's contents, and the baseline puts it back, on either database."""
    with app_session(world.app) as s:
        s.execute(sa.update(User).where(User.email == world.scenario.emails[STAFF]).values(name="Changed"))
    now = read_contents(world.app)
    assert [name.split()[0] for name in changed_tables(world.baseline.contents, now)] == ["user"]
    assert changed_tables(world.baseline.contents, now, ignoring={"user"}) == []
    world.settle(now)
    assert read_contents(world.app) == world.baseline.contents


def _send(world: World, route: Route, post: Post) -> TestResponse:
    browser = world.browser(route.persona)
    form_token = secrets.token_urlsafe(32) if post.form_token is None else post.form_token
    tokens = [("csrf_token", browser.csrf_token), ("form_token", form_token)]
    query = MultiDict(post.query)
    with world.posting():
        if post.raw is not None:
            body = urlencoded([(name.encode(), value.encode()) for name, value in tokens] + post.raw)
            return browser.client.post(
                route.path, query_string=query, data=body, content_type="application/x-www-form-urlencoded"
            )
        data: MultiDict[str, object] = MultiDict(tokens + post.pairs)
        for name, content, filename in post.files:
            data.add(name, (io.BytesIO(content), filename))
        return browser.client.post(route.path, query_string=query, data=data)


def _check(world: World, route: Route, post: Post) -> TestResponse:
    """Post it, and hold the answer to the rules above; then put the database back."""
    response = _send(world, route, post)
    what = f"POST {route.path} ({route.endpoint}) as {route.persona}, {post.describe()}"
    assert response.status_code != 500, f"500 from {what}"
    page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    assert CSRF_REFUSED not in page, f"the CSRF token was refused: {what}"
    refused = response.status_code >= 400 or (response.status_code == 200 and ERROR_SUMMARY in page)
    now = read_contents(world.app)
    if refused:
        allowed = MAY_CHANGE_ON_REFUSAL | SAVED_ON_REFUSAL.get(route.endpoint, set())
        changed = changed_tables(world.baseline.contents, now, ignoring=allowed)
        rows = {name.split()[0]: table_rows(world.app, name.split()[0])[-3:] for name in changed}
        assert not changed, f"refused ({response.status_code}) but changed {changed}: {what}; last rows now {rows}"
    world.settle(now)
    return response


def _check_get(world: World, route: Route, query: str) -> None:
    """Ask for the page with this query string: never a 500, and nothing written."""
    browser = world.browser(route.persona)
    with world.posting():
        response = browser.client.get(route.path, query_string=query)
    what = f"GET {route.path[:300]}?{query[:300]} ({route.endpoint}) as {route.persona}"
    assert response.status_code != 500, f"500 from {what}"
    now = read_contents(world.app)
    changed = changed_tables(world.baseline.contents, now)
    assert not changed, f"{what} changed {changed}"
    world.settle(now)


def _fields(world: World, route: Route, rule: Rule) -> tuple[list[FieldSpec], TestResponse]:
    """The route's fields: from the forms its view builds for an empty post (which is checked like any example),
    and the inputs of the forms that post to it on its page (or, for a route that only takes a POST, the first of
    the pages that may hold its form that does); with the fields the matrix posts (the colleague invitation's
    funder). What the page's form holds is kept, to send it back with a field or two changed."""
    own = [(route.path, world.page(route.persona, route.path))]
    pages = own if route.has_get else world.pages_showing(route, rule)
    on_page = next((found for at, page in pages if (found := fields_on_page(page, route.path, page_path=at))), [])
    with forms_built() as built:
        response = _check(world, route, Post(pairs=list(route.form.items())))
    known = [FieldSpec(name, shown=[value]) for name, value in route.form.items()]
    return merged(*(specs_of(form) for form in built), on_page, known), response


@pytest.mark.parametrize("endpoint", POSTED)
def test_no_post_gives_a_500_nor_changes_anything_when_refused(world: World, endpoint: str) -> None:
    rule = _rule(world, endpoint)
    route = world.route(rule)
    fields, empty = _fields(world, route, rule)
    reached = empty.status_code not in {403, 404} and not (
        empty.status_code == 302 and empty.headers["Location"].startswith(SIGN_IN + "?")
    )
    assert reached, (
        f"{route.persona} does not reach {endpoint} ({empty.status_code}): fix PERSONA in tests/fuzz/world.py"
    )

    for trap in trap_posts(fields):
        _check(world, route, trap)

    @FUZZ
    @given(post=posts(fields))
    def fuzz(post: Post) -> None:
        _check(world, route, post)

    fuzz()
    assert read_contents(world.app) == world.baseline.contents, "the database was not put back as it was"


@pytest.mark.parametrize("endpoint", SHOWN)
def test_no_address_gives_a_500_nor_writes(world: World, endpoint: str) -> None:
    """Every page, with what its GET form sends (filters) and what routes read from the address, fuzzed: never a
    500, and a GET never writes."""
    route = world.route(_rule(world, endpoint, "GET"), "GET")
    page = world.browser(route.persona).client.get(route.path)
    assert page.status_code not in {403, 404}, f"{route.persona} does not reach {endpoint} ({page.status_code})"
    fields = fields_on_page(page.get_data(as_text=True), route.path, "get") if page.mimetype == "text/html" else []

    names = list(dict.fromkeys([spec.name for spec in fields] + QUERY_READ))
    for trap in TRAPS:
        _check_get(world, route, urlencoded([(name.encode(), trap.encode()) for name in names]).decode("ascii"))

    @settings(FUZZ, max_examples=FUZZ.max_examples if fields else min(FUZZ.max_examples, GET_EXAMPLES))
    @given(query=queries(fields))
    def fuzz(query: str) -> None:
        _check_get(world, route, query)

    fuzz()


WORDS_IN_ADDRESSES = ["\x00", "\u00b2", "x" * 5000, "..", "é\u202e", "<script>", "' OR '1'='1", "%", " ", "a/b"]


def test_no_word_in_an_address_gives_a_500(world: World) -> None:
    """Each part of an address that is a word (a link's token, a funder's slug, the stage a round moves to), as
    each of `WORDS_IN_ADDRESSES`, asked for with each method, by the person the access matrix lets in: never a 500,
    and a refusal (or any GET) changes nothing."""
    rules = [
        rule
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint != "static" and any(isinstance(c, UnicodeConverter) for c in rule._converters.values())
    ]
    assert len(rules) >= 5, "the URL map has fewer words in its addresses than it had: check this test"
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            route = world.route(rule, method)
            words = [name for name, c in rule._converters.items() if isinstance(c, UnicodeConverter)]
            for word in WORDS_IN_ADDRESSES:
                values = {name: word if name in words else value for name, value in route.values.items()}
                with world.app.test_request_context():
                    path = url_for(rule.endpoint, **values)
                asked = Route(rule.endpoint, route.persona, path, route.form, False, values)
                if method == "GET":
                    _check_get(world, asked, "")
                else:
                    _check(world, asked, Post(pairs=list(route.form.items())))
