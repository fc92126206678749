"""A person downloads everything held about them from their account page: one ZIP, their details in JSON and their
groups' files beside it, and never a secret (password hash, sign-in keys, codes) or someone else's details."""

from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import ConflictDeclaration, ConflictKind, Criterion, GroupMember, Score, SecurityEvent
from tests.support.db import app_session
from tests.support.factories import (
    PDF_BYTES,
    add_attachment,
    make_bid,
    make_funder,
    make_group_with_member,
    make_panellist,
    make_round,
    make_user,
)
from tests.support.signin import sign_in


def test_a_person_downloads_everything_held_about_them_and_nothing_that_is_not_theirs(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app) as s:
        funder = make_funder(s)
        ada = make_user(s, email="ada@example.com", name="Ada Lovelace")
        group = make_group_with_member(s, ada, name="Friends of Elm Park")
        other = make_user(s, email="bo.secret@example.com", name="Bo Other")
        s.add(GroupMember(group_id=group.id, user_id=other.id))
        bid = make_bid(s, make_round(s, funder, code="OPEN1"), group, title="Planting trees")
        add_attachment(s, bid, filename="our plan.pdf")
        scoring = make_round(s, funder, code="SCORE1")
        panellist = make_panellist(s, scoring, email="ada.panel@example.com")
        scored = make_bid(s, scoring, make_group_with_member(s, make_user(s), name="Someone Else's Group"))
        criterion = s.scalars(sa.select(Criterion).where(Criterion.round_id == scoring.id)).first()
        assert criterion is not None
        s.add(Score(round_id=scoring.id, user_id=panellist.id, bid_id=scored.id, criterion_id=criterion.id, value=4))
        s.add(
            ConflictDeclaration(
                round_id=scoring.id, user_id=ada.id, bid_id=scored.id, kind=ConflictKind.PERSONAL, note="My cousin"
            )
        )
    sign_in(client, "ada@example.com")
    page = client.get("/account").text
    assert "Download your data" in page

    response = client.post("/account/your-data")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'attachment; filename="common-pot-your-data-' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document = json.loads(archive.read("your-data.json"))
    assert document["account"]["email"] == "ada@example.com" and document["account"]["name"] == "Ada Lovelace"
    (mine,) = document["groups"]
    assert mine["name"] == "Friends of Elm Park" and sorted(mine["members"]) == ["Ada Lovelace", "Bo Other"]
    (sent,) = mine["bids"]
    assert sent["title"] == "Planting trees"
    assert archive.read(sent["attachment"]["file"]) == PDF_BYTES
    assert [c["note"] for c in document["panel"]["conflicts_declared"]] == ["My cousin"]
    assert document["sessions"] and document["security_log"]
    text = archive.read("your-data.json").decode()
    for secret in ("password_hash", "token_hash", "secret_sealed", "argon2"):
        assert secret not in text
    assert "bo.secret@example.com" not in text  # a fellow member is named, never their address
    assert "Someone Else" not in text and "ada.panel@example.com" not in text  # others' accounts and groups
    with app_session(app) as s:
        assert (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(SecurityEvent)
                .where(SecurityEvent.kind == "account.data_downloaded")
            )
            == 1
        )
