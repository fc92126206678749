"""What a group types into its profile and bid is held to the text rules (grants/text.py): hidden characters are
refused by the field, a name of nothing that shows is no name, answers are capped in characters as well as words,
and amounts are ASCII digits. Each refusal keeps what was typed and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.bids.services import ANSWER_CHAR_CAP
from grants.models import Answer, Bid, Group, Question
from tests.support.db import app_session
from tests.support.factories import GROUP_FORM, make_funder, make_group_with_member, make_round, make_user
from tests.support.signin import sign_in


@pytest.fixture
def applicant(app: Flask, client: FlaskClient) -> FlaskClient:
    with app_session(app) as s:
        make_user(s, email="maria@example.com", name="Maria Okafor")
    sign_in(client, "maria@example.com")
    return client


@pytest.fixture
def bid_id(app: Flask) -> int:
    """A draft bid of maria@example.com's group, in an open round whose question has a 10-word limit."""
    with app_session(app) as s:
        user = make_user(s, email="ada@example.com", name="Ada")
        round_ = make_round(s, make_funder(s), min_grant_pence=100_00, max_grant_pence=2_000_00)
        round_.questions[0].word_limit = 10
        group = make_group_with_member(s, user)
        bid = Bid(round_id=round_.id, group_id=group.id, number=1, title="")
        s.add(bid)
        s.flush()
        return bid.id


@pytest.fixture
def ada(app: Flask, bid_id: int) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "ada@example.com")
    return client


def _groups(app: Flask) -> list[str]:
    with app_session(app) as s:
        return list(s.scalars(sa.select(Group.name)))


@pytest.mark.parametrize("name", ["\u200b\u200b\u200b", "   \u3164 ", "\u2800"])
def test_a_group_name_of_only_invisible_characters_is_refused_as_empty(
    app: Flask, applicant: FlaskClient, name: str
) -> None:
    response = applicant.post("/groups/new", data={**GROUP_FORM, "name": name})
    assert response.status_code == 200
    assert "Enter the name of your group" in response.text
    assert _groups(app) == []


@pytest.mark.parametrize(
    "name", ["Friends of\nElm Park", "Elm\u202ekraP", "Elm Park\x00", "Elm\u200bPark", "Elm\u2066Park\u2069"]
)
def test_a_group_name_with_a_hidden_character_is_refused_with_a_message_by_the_field(
    app: Flask, applicant: FlaskClient, name: str
) -> None:
    response = applicant.post("/groups/new", data={**GROUP_FORM, "name": name})
    assert response.status_code == 200
    assert "Name of your group has a hidden character in it" in response.text
    assert 'value="Elm Park, RV3"' in response.text  # the rest of what was typed is kept
    assert _groups(app) == []


def test_a_group_name_typed_with_a_combining_accent_is_kept_composed(app: Flask, applicant: FlaskClient) -> None:
    response = applicant.post("/groups/new", data={**GROUP_FORM, "name": "Cafe\u0301 Club"})
    assert response.status_code == 302
    assert _groups(app) == ["Caf\u00e9 Club"]


def _answer(app: Flask, bid_id: int) -> str | None:
    with app_session(app) as s:
        return s.scalar(sa.select(Answer.text).where(Answer.bid_id == bid_id))


def test_a_megabyte_answer_with_no_spaces_is_refused_by_the_field_and_not_saved(
    app: Flask, ada: FlaskClient, bid_id: int
) -> None:
    ada.post(f"/bids/{bid_id}/questions/1", data={"answer": "A short first answer"})
    response = ada.post(f"/bids/{bid_id}/questions/1", data={"answer": "x" * 1_000_000})
    assert response.status_code == 200
    assert f"Your answer is too long to save. Cut it to {ANSWER_CHAR_CAP:,} characters or fewer" in response.text
    assert _answer(app, bid_id) == "A short first answer"


def test_an_answer_of_few_words_but_too_many_characters_is_kept_as_a_draft_and_cannot_be_sent(
    app: Flask, ada: FlaskClient, bid_id: int
) -> None:
    long_words = " ".join(["x" * 100] * 5)  # 5 words, 504 characters: over the 120 a 10-word limit allows
    response = ada.post(f"/bids/{bid_id}/questions/1", data={"answer": long_words})
    assert "Your answer is 504 characters long. Cut it to 120 characters or fewer (about 10 words)" in response.text
    assert _answer(app, bid_id) == long_words  # a draft keeps it
    assert "What will you do? your answer is 504 characters long" in ada.get(f"/bids/{bid_id}/check").text


def test_words_joined_by_zero_width_spaces_count_as_words(app: Flask, ada: FlaskClient, bid_id: int) -> None:
    response = ada.post(f"/bids/{bid_id}/questions/1", data={"answer": "\u200b".join(["word"] * 20)})
    assert "Your answer is 20 words. Cut it to 10 words or fewer" in response.text


def test_an_answer_with_a_nul_character_is_refused_and_nothing_is_saved(
    app: Flask, ada: FlaskClient, bid_id: int
) -> None:
    response = ada.post(f"/bids/{bid_id}/questions/1", data={"answer": "We will\x00 plant trees"})
    assert response.status_code == 200
    assert "Your answer has a hidden character in it" in response.text
    assert _answer(app, bid_id) is None


@pytest.mark.parametrize(
    "amount", ["9" * 5000, "\u00b2", "\u0663\u0660\u0660", "\uff15\uff10\uff10", "1,2" + "0" * 5000]
)
def test_an_amount_in_anything_but_ascii_digits_is_refused_with_a_message_never_a_500(
    app: Flask, ada: FlaskClient, bid_id: int, amount: str
) -> None:
    response = ada.post(
        f"/bids/{bid_id}/amount", data={"amount": amount, "lines-0-item": "Seeds", "lines-0-cost": amount}
    )
    assert response.status_code == 200
    assert "Enter how much you are asking for as an amount in pounds, like 1250" in response.text
    assert "Enter the cost as an amount in pounds, like 120" in response.text
    with app_session(app) as s:
        bid = s.get(Bid, bid_id)
        assert bid is not None and bid.amount_pence is None
        assert bid.budget_lines == []


def test_the_question_fixture_has_the_word_limit_it_says(app: Flask, bid_id: int) -> None:
    with app_session(app) as s:
        assert s.scalar(sa.select(Question.word_limit)) == 10
