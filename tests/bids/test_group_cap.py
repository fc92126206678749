"""One account may start only so many groups (MAX_GROUPS_PER_ACCOUNT): a person acts for a few groups, not twenty."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import Group, GroupMember
from tests.support.db import app_session
from tests.support.factories import GROUP_FORM, make_group_with_member, make_user
from tests.support.signin import sign_in


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"MAX_GROUPS_PER_ACCOUNT": 3}


def _memberships(app: Flask) -> int:
    with app_session(app) as s:
        return int(s.scalar(sa.select(sa.func.count(GroupMember.id))) or 0)


def test_an_account_in_as_many_groups_as_allowed_cannot_start_another(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        maria = make_user(s, email="maria@example.com", name="Maria Okafor")
        make_group_with_member(s, maria, name="Group one")
    sign_in(client, "maria@example.com")
    for n in (2, 3):
        response = client.post("/groups/new", data={**GROUP_FORM, "name": f"Group {n}"})
        assert response.status_code == 302, response.text
    refused = client.post("/groups/new", data={**GROUP_FORM, "name": "Group four"})
    assert refused.status_code == 200
    assert "You already belong to 3 groups, the most one account can start a new group with" in refused.text
    assert 'value="Group four"' in refused.text  # what was typed is kept
    with app_session(app) as s:
        assert s.scalar(sa.select(sa.func.count(Group.id))) == 3
    assert _memberships(app) == 3


def test_the_limit_counts_only_this_account_s_groups(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as s:
        other = make_user(s, email="other@example.com")
        for n in range(5):
            make_group_with_member(s, other, name=f"Other {n}")
        make_user(s, email="maria@example.com", name="Maria Okafor")
    sign_in(client, "maria@example.com")
    assert client.post("/groups/new", data=GROUP_FORM).status_code == 302
