"""The 360Giving export: valid against the standard's schemas, our own extra checks, the CSV titles, no personal
data, withheld names, and the `flask export 360giving` command."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from grants.models import Bid, ConflictDeclaration, ConflictKind, Group, Role, RoleGrant
from grants.transparency.threesixty import (
    WITHHELD_NAME,
    ExportError,
    FunderData,
    GrantData,
    build_package,
    check_package,
    csv_chunks,
    grant_id_prefix,
    json_chunks,
    recipient_identifiers,
    to_csv,
    to_json,
)
from tests.support.db import app_session
from tests.transparency.helpers import (
    HIDDEN_STORY_TEXT,
    PREFIX,
    Published,
    codelists,
    make_published,
    package_validator,
    personal_strings,
    standard_titles,
)


def _download(client: FlaskClient, published: Published, fmt: str) -> str:
    response = client.get(f"/funders/{published.funder_slug}/360giving.{fmt}")
    assert response.status_code == 200, response.text
    return response.get_data(as_text=True)


def _json(client: FlaskClient, published: Published) -> dict[str, Any]:
    return json.loads(_download(client, published, "json"))


def _valid(package: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in package_validator().iter_errors(package)]
    assert errors == []
    assert check_package(package, codelists()) == []


@pytest.fixture
def published(app: Flask) -> Published:
    return make_published(app)


def test_the_reference_sample_is_valid_so_the_validator_is_set_up_right() -> None:
    from tests.transparency.helpers import REFERENCE

    sample = json.loads((REFERENCE / "samples" / "validfile.json").read_text(encoding="utf-8"))
    assert list(package_validator().iter_errors(sample)) == []


def test_validator_checks_formats() -> None:
    bad = {"grants": [{"id": "x", "dateModified": "2026-01-01"}], "license": "not a uri"}
    messages = {e.message for e in package_validator().iter_errors(bad)}
    assert "'2026-01-01' is not a 'date-time'" in messages
    assert "'not a uri' is not a 'uri'" in messages


def test_json_export_is_valid_360giving(client: FlaskClient, published: Published) -> None:
    package = _json(client, published)
    _valid(package)
    assert package["version"] == "1.4"
    ids = {g["id"] for g in package["grants"]}
    assert ids == {f"{PREFIX}-{published.charity_award_id}", f"{PREFIX}-{published.informal_award_id}"}


def test_grant_fields(client: FlaskClient, published: Published) -> None:
    grants = {g["id"]: g for g in _json(client, published)["grants"]}
    charity = grants[f"{PREFIX}-{published.charity_award_id}"]
    assert charity["title"] == "Planting trees in Elm Park"
    assert charity["currency"] == "GBP"
    assert charity["amountAwarded"] == 500
    assert charity["amountDisbursed"] == 200
    assert charity["recipientOrganization"] == [
        {"id": "GB-CHC-1164883", "charityNumber": "1164883", "name": "Friends of Elm Park"}
    ]
    assert charity["fundingOrganization"] == [{"id": PREFIX, "name": "Riverside Fund"}]
    assert charity["grantProgramme"][0]["code"] == published.round_code
    assert charity["beneficiaryLocation"] == [{"name": "Elm Park", "countryCode": "GB"}]
    assert charity["plannedDates"][0]["endDate"] > charity["plannedDates"][0]["startDate"]
    assert charity["fromOpenCall"] == "Yes"
    assert charity["dateModified"].endswith("Z")
    informal = grants[f"{PREFIX}-{published.informal_award_id}"]
    assert informal["recipientOrganization"][0]["id"] == f"{PREFIX}-group-{published.informal_group_id}"
    # A full postcode is cut to its outward part.
    assert informal["beneficiaryLocation"] == [{"name": "NE1", "countryCode": "GB"}]


def test_csv_uses_the_standard_titles_and_matches_the_json(client: FlaskClient, published: Published) -> None:
    package = _json(client, published)
    text = _download(client, published, "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == standard_titles()
    records = list(csv.DictReader(io.StringIO(text)))
    assert len(records) == len(package["grants"])
    for row, grant in zip(records, package["grants"], strict=True):
        assert row["Identifier"] == grant["id"]
        assert row["Title"] == grant["title"]
        assert row["Currency"] == "GBP"
        assert float(row["Amount Awarded"]) == grant["amountAwarded"]
        assert row["Award Date"] == grant["awardDate"]
        assert row["Recipient Org:Identifier"] == grant["recipientOrganization"][0]["id"]
        assert row["Recipient Org:Name"] == grant["recipientOrganization"][0]["name"]
        assert row["Funding Org:Identifier"] == PREFIX
        assert row["Grant Programme:Code"] == published.round_code
        assert row["From An Open Call?"] == "Yes"
        assert row["Last Modified"] == grant["dateModified"]
        assert row["Recipient Org:Street Address"] == row["Recipient Org:Postal Code"] == ""


def test_no_personal_data_in_the_export_or_the_page(app: Flask, client: FlaskClient, published: Published) -> None:
    texts = {
        "json": _download(client, published, "json"),
        "csv": _download(client, published, "csv"),
        "page": client.get(f"/funders/{published.funder_slug}").get_data(as_text=True),
    }
    people = personal_strings(app)
    assert "Maria Okafor" in people and "gwen.tarrant@example.org" in people
    for where, text in texts.items():
        for value in people:
            assert value not in text, f"{value!r} appears in the {where}"
        assert "NE1 4XY" not in text


def test_withheld_name_follows_the_guidance(app: Flask, client: FlaskClient) -> None:
    published = make_published(app, withhold_second=True)
    package = _json(client, published)
    _valid(package)
    grant = next(g for g in package["grants"] if g["id"] == f"{PREFIX}-{published.informal_award_id}")
    assert grant["recipientOrganization"] == [
        {"id": f"{PREFIX}-withheld-{published.informal_award_id}", "name": WITHHELD_NAME}
    ]
    assert "beneficiaryLocation" not in grant
    assert grant["amountAwarded"] == 400  # the money is still accounted for
    text = json.dumps(package) + _download(client, published, "csv")
    page = client.get(f"/funders/{published.funder_slug}").get_data(as_text=True)
    for where in (text, page):
        assert "Youth Football" not in where
        assert "Saturday football" not in where
        assert f"group-{published.informal_group_id}" not in where
    assert "A group that asked not to be named" in page


def test_offered_awards_are_not_published(app: Flask, client: FlaskClient, published: Published) -> None:
    from grants.models import Award, AwardStatus
    from tests.support.db import app_session

    with app_session(app) as s:
        award = s.get(Award, published.informal_award_id)
        assert award is not None
        award.status = AwardStatus.OFFERED
    ids = [g["id"] for g in _json(client, published)["grants"]]
    assert ids == [f"{PREFIX}-{published.charity_award_id}"]


def test_funder_without_a_prefix_has_no_downloads(app: Flask, client: FlaskClient, published: Published) -> None:
    import sqlalchemy as sa

    from grants.models import Funder
    from tests.support.db import app_session

    with app_session(app) as s:
        s.execute(sa.update(Funder).where(Funder.slug == published.funder_slug).values(grant_id_prefix=None))
    assert client.get(f"/funders/{published.funder_slug}/360giving.json").status_code == 404
    assert "360giving.json" not in client.get(f"/funders/{published.funder_slug}").get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_cli_writes_the_file(app: Flask, published: Published, tmp_path: Path, fmt: str) -> None:
    output = tmp_path / f"grants.{fmt}"
    result = app.test_cli_runner().invoke(
        args=[
            "export",
            "360giving",
            "--funder",
            published.funder_slug,
            "--round",
            published.round_code,
            "--format",
            fmt,
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    if fmt == "json":
        package = json.loads(text)
        _valid(package)
        assert len(package["grants"]) == 2
        assert package["identifier"] == f"{PREFIX}-grants-{published.round_code}"
    else:
        assert text.splitlines()[0].split(",")[0] == "Identifier"
        assert len(text.strip().splitlines()) == 3


def test_cli_reports_an_unknown_round(app: Flask, published: Published, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "export",
            "360giving",
            "--funder",
            published.funder_slug,
            "--round",
            "NOPE",
            "--format",
            "json",
            "--output",
            str(tmp_path / "x.json"),
        ]
    )
    assert result.exit_code != 0
    assert "no round" in result.output


def test_shared_stories_only_on_the_page(client: FlaskClient, published: Published) -> None:
    page = client.get(f"/funders/{published.funder_slug}").get_data(as_text=True)
    assert "We planted forty trees" in page
    assert HIDDEN_STORY_TEXT not in page


# --- the pure builder -----------------------------------------------------------------------------------------


def _grant(**overrides: Any) -> GrantData:
    values: dict[str, Any] = {
        "award_id": 7,
        "bid_title": "Community lunch club",
        "amount_awarded_pence": 125_50,
        "amount_applied_pence": 150_00,
        "amount_disbursed_pence": 0,
        "award_date": date(2026, 3, 1),
        "planned_start": None,
        "planned_end": None,
        "group_id": 3,
        "group_name": "Lunch Club",
        "group_kind": "informal",
        "registration_number": None,
        "area": "Riverside",
        "withhold_name": False,
        "round_code": "R1",
        "round_title": "Spring round",
        "round_url": None,
        "modified_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    }
    values.update(overrides)
    return GrantData(**values)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("360G-riversidecf", "360G-riversidecf"),
        ("riversidecf", "360G-riversidecf"),
        (" 360g-River Side ", "360G-River_Side"),
    ],
)
def test_prefix_is_never_doubled(raw: str, expected: str) -> None:
    assert grant_id_prefix(raw) == expected


def test_no_prefix_is_an_export_error() -> None:
    with pytest.raises(ExportError):
        grant_id_prefix(None)


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("charity", "1164883", {"id": "GB-CHC-1164883", "charityNumber": "1164883"}),
        ("cio", "SC012345", {"id": "GB-SC-SC012345", "charityNumber": "SC012345"}),
        ("charity", "NIC100002", {"id": "GB-NIC-100002", "charityNumber": "NIC100002"}),
        ("company", "1234567", {"id": "GB-COH-01234567", "companyNumber": "01234567"}),
        ("cic", "sc123456", {"id": "GB-COH-SC123456", "companyNumber": "SC123456"}),
        ("charity", "not a number", {"id": "360G-f-group-3"}),
        ("informal", None, {"id": "360G-f-group-3"}),
    ],
)
def test_recipient_org_ids(kind: str, number: str | None, expected: dict[str, str]) -> None:
    assert recipient_identifiers(_grant(group_kind=kind, registration_number=number), "360G-f") == expected


def test_pure_package_is_valid_and_pence_become_pounds() -> None:
    package = build_package(FunderData(name="F", prefix="360G-f"), [_grant()], issued=datetime(2026, 3, 3, tzinfo=UTC))
    _valid(package)
    assert package["grants"][0]["amountAwarded"] == 125.5


def test_contact_details_in_a_title_are_removed() -> None:
    grant = _grant(bid_title="Call Jo on 07700 900123 or jo@example.org, SW1A 1AA")
    package = build_package(FunderData(name="F", prefix="360G-f"), [grant], issued=datetime(2026, 3, 3, tzinfo=UTC))
    title = package["grants"][0]["title"]
    assert "07700" not in title and "jo@example.org" not in title and "1AA" not in title


def test_extra_checks_catch_what_the_schema_lets_through() -> None:
    package = build_package(
        FunderData(name="F", prefix="360G-f"), [_grant(), _grant(award_id=8)], issued=datetime(2026, 3, 3, tzinfo=UTC)
    )
    assert list(package_validator().iter_errors(package)) == []
    package["grants"][1]["id"] = package["grants"][0]["id"]
    package["grants"][0]["recipientOrganization"][0]["id"] = "GB-XYZ-1"
    package["grants"][0]["dateModified"] = "2026-03-02"
    package["grants"][0]["fromOpenCall"] = "yes"
    package["grants"][0]["beneficiaryLocation"][0]["geoCodeType"] = "POSTCODE"
    problems = " | ".join(check_package(package, codelists()))
    for expected in ("used twice", "not a well-formed org id", "full date-time", "Yes or No", "geoCodeType"):
        assert expected in problems


def test_an_empty_export_is_an_error() -> None:
    with pytest.raises(ExportError):
        build_package(FunderData(name="F", prefix="360G-f"), [], issued=datetime(2026, 3, 3, tzinfo=UTC))


def test_a_group_named_like_a_spreadsheet_formula_goes_out_as_text_in_the_public_csv(
    app: Flask, client: FlaskClient, published: Published
) -> None:
    name = '=HYPERLINK("http://x","y")'
    with app_session(app) as s:
        group = s.get(Group, published.informal_group_id)
        assert group is not None
        group.name = name
        bid = s.scalars(sa.select(Bid).where(Bid.group_id == group.id)).one()
        bid.title = "+ trips to the coast"
    records = list(csv.DictReader(io.StringIO(_download(client, published, "csv"))))
    row = next(r for r in records if r["Recipient Org:Name"].endswith(name))
    assert row["Recipient Org:Name"] == "'" + name
    for record in records:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in record.values())
    # The JSON keeps the name exactly: only a spreadsheet needs the apostrophe.
    names = [g["recipientOrganization"][0]["name"] for g in _json(client, published)["grants"]]
    assert name in names


def test_csv_has_one_row_per_grant() -> None:
    package = build_package(FunderData(name="F", prefix="360G-f"), [_grant()], issued=datetime(2026, 3, 3, tzinfo=UTC))
    rows = list(csv.reader(io.StringIO(to_csv(package))))
    assert rows[0] == standard_titles()
    assert len(rows) == 2


def test_the_funder_page_counts_the_panels_conflicts_apart_from_staffs(
    app: Flask, client: FlaskClient, published: Published
) -> None:
    # The page says each panellist with a conflict took no part in deciding that bid: a conflict a member of staff
    # declared is about who acted on the bid instead, so it is counted on a line of its own.
    with app_session(app) as s:
        bid = s.scalars(sa.select(Bid).where(Bid.round_id == published.round_id).order_by(Bid.id.desc())).first()
        assert bid is not None
        staff_id = s.scalars(sa.select(RoleGrant.user_id).where(RoleGrant.role == Role.STAFF)).first()
        s.add(
            ConflictDeclaration(
                round_id=published.round_id, user_id=staff_id, bid_id=bid.id, kind=ConflictKind.PERSONAL, note="Friend"
            )
        )
    page = " ".join(client.get(f"/funders/{published.funder_slug}").get_data(as_text=True).split())
    assert 'Conflicts of interest declared by the panel </dt> <dd class="govuk-summary-list__value"> 1 (each' in page
    assert 'declared by the funder&#39;s staff </dt> <dd class="govuk-summary-list__value"> 1 (another member' in page


def test_the_downloads_stream_a_piece_at_a_time(client: FlaskClient, published: Published) -> None:
    for fmt in ("json", "csv"):
        response = client.get(f"/funders/{published.funder_slug}/360giving.{fmt}")
        assert response.status_code == 200 and response.is_streamed
        assert response.headers["Content-Disposition"].endswith(f'360giving.{fmt}"')
    _valid(_json(client, published))


def test_the_pieces_make_exactly_the_whole_file() -> None:
    grants = [_grant(award_id=n, group_id=n, bid_title=f"Lunch club {n} é") for n in range(1, 1201)]
    package = build_package(FunderData(name="F", prefix="360G-f"), grants, issued=datetime(2026, 3, 3, tzinfo=UTC))
    pieces = list(json_chunks(package, chunk_chars=4096))
    assert len(pieces) > 10 and "".join(pieces) == to_json(package)
    assert to_json(package) == json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    rows = list(csv_chunks(package, rows_per_chunk=100))
    assert len(rows) == 13 and "".join(rows) == to_csv(package)
    assert len(list(csv.reader(io.StringIO(to_csv(package))))) == 1201
