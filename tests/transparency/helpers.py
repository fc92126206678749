"""A funder with a ratified round and accepted awards, for the 360Giving export and the public page, plus the
schema validator set up offline as the reference README asks."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from grants.models import (
    Bid,
    Funder,
    Group,
    GroupKind,
    Payment,
    Report,
    ReportStatus,
    Round,
    User,
    utcnow,
)
from tests.awards.helpers import make_setting
from tests.support.db import app_session
from tests.support.factories import make_award

REFERENCE = Path(__file__).resolve().parents[2] / "grants" / "transparency" / "standard"
PREFIX = "360G-riversidecf"
CONTACT = {"name": "Gwendolyn Tarrant", "email": "gwen.tarrant@example.org", "phone": "07700 900123"}
ACCEPTED_BY = "Maria Okafor"
STORY_TEXT = "We planted forty trees with the primary school."
HIDDEN_STORY_TEXT = "A story the group chose not to share."


@dataclass(frozen=True)
class Published:
    funder_slug: str
    round_id: int
    round_code: str
    charity_award_id: int
    informal_award_id: int
    informal_group_id: int


def make_published(app: Flask, *, withhold_second: bool = False) -> Published:
    """A decided round with two accepted awards: a registered charity (paid £200 of £500, with a shared and an
    unshared story) and an informal group whose area is a full postcode (optionally asking not to be named)."""
    setting = make_setting(app)
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        funder = s.get(Funder, round_.funder_id)
        assert funder is not None
        funder.grant_id_prefix = PREFIX
        charity_bid = s.get(Bid, setting.funded_id)
        informal_bid = s.get(Bid, setting.funded2_id)
        assert charity_bid is not None and informal_bid is not None
        charity_bid.title = "Planting trees in Elm Park"
        charity_bid.declaration_name = ACCEPTED_BY
        informal_bid.title = "Saturday football for under-12s"
        charity = s.get(Group, charity_bid.group_id)
        informal = s.get(Group, informal_bid.group_id)
        assert charity is not None and informal is not None
        charity.kind, charity.registration_number, charity.area = GroupKind.CHARITY, "1164883", "Elm Park"
        informal.area = "NE1 4XY"
        for group in (charity, informal):
            group.contact_name, group.contact_email, group.contact_phone = (
                CONTACT["name"],
                CONTACT["email"],
                CONTACT["phone"],
            )
        accepted = utcnow() - timedelta(days=3)
        awards = []
        for bid, amount in ((charity_bid, 500_00), (informal_bid, 400_00)):
            award = make_award(
                s,
                bid,
                offered_by_id=setting.staff_id,
                amount_pence=amount,
                due_on=[date.today() + timedelta(days=90), date.today() + timedelta(days=180)],
                responded_at=accepted,
                accepted_name=ACCEPTED_BY,
                withhold_name=withhold_second and bid is informal_bid,
            )
            awards.append(award)
        charity_award = awards[0]
        charity_award.paid_pence = 200_00
        s.add(
            Payment(
                award_id=charity_award.id, amount_pence=200_00, paid_on=date.today(), recorded_by_id=setting.staff_id
            )
        )
        for report_date, text, shared in (
            (charity_award.report_dates[0], STORY_TEXT, True),
            (charity_award.report_dates[1], HIDDEN_STORY_TEXT, False),
        ):
            s.add(
                Report(
                    award_id=charity_award.id,
                    report_date_id=report_date.id,
                    status=ReportStatus.SUBMITTED,
                    answers=[{"prompt": "What did you do?", "text": text}],
                    share_publicly=shared,
                    submitted_at=utcnow(),
                    share_approved_at=utcnow() if shared else None,  # shared by the group, approved by staff
                )
            )
        s.flush()
        return Published(
            funder_slug=funder.slug,
            round_id=round_.id,
            round_code=round_.code,
            charity_award_id=charity_award.id,
            informal_award_id=awards[1].id,
            informal_group_id=informal.id,
        )


def personal_strings(app: Flask) -> list[str]:
    """Every person's name and email in the database, and the groups' contact details."""
    with app_session(app) as s:
        found = {CONTACT["name"], CONTACT["email"], CONTACT["phone"], ACCEPTED_BY}
        for user in s.scalars(sa.select(User)):
            found.update({user.name, user.email})
        for group in s.scalars(sa.select(Group)):
            found.update({group.contact_name, group.contact_email, group.contact_phone})
        found.discard("")
        return sorted(found)


@cache
def package_validator() -> Draft202012Validator:
    """The package schema's validator, built offline: dialect given explicitly (the files say http://, not
    https://), and the grant schema registered under its own 1.4.3 id and the 1.4.2 URL the package refers to."""
    package_schema = json.loads((REFERENCE / "360-giving-package-schema.json").read_text(encoding="utf-8"))
    grant_schema = json.loads((REFERENCE / "360-giving-schema.json").read_text(encoding="utf-8"))
    grant_resource = DRAFT202012.create_resource(grant_schema)
    grant_ref = package_schema["properties"]["grants"]["items"]["$ref"]
    registry: Registry[Any] = Registry().with_resources(
        [
            (grant_schema["$id"], grant_resource),
            (grant_ref, grant_resource),
            (package_schema["$id"], DRAFT202012.create_resource(package_schema)),
        ]
    )
    return Draft202012Validator(package_schema, registry=registry, format_checker=FormatChecker())


def codelists() -> dict[str, set[str]]:
    lists = {}
    for path in (REFERENCE / "codelists").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            lists[path.stem] = {row["Code"] for row in csv.DictReader(handle)}
    return lists


def standard_titles() -> list[str]:
    with (REFERENCE / "360-giving-schema-titles.csv" / "grants.csv").open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))
