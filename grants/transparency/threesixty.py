"""The 360Giving Data Standard export: plain data in, a JSON package or a CSV out. No Flask, no database.

Identifiers:
- a grant is `<funder prefix>-<award id>`, where the funder's prefix is its registered 360Giving prefix, which
  already starts "360G-" (e.g. "360G-riversidecf-12"); a prefix stored without "360G-" gets it added, never twice;
- a registered group is its org-id.guide identifier (GB-CHC, GB-SC, GB-NIC, GB-COH), with the number also given
  bare as the charity or company number; any other group is `<funder prefix>-group-<group id>`;
- a group that asked for its name to be withheld is `<funder prefix>-withheld-<award id>`: not linkable to its
  other grants or to its register entry, named generically, with no description or location of its own.

Personal data never enters: the builder is never given a person's name, email, phone or a street address; the
only free text is the bid's title, and anything in it that looks like an email, phone number or full postcode is
removed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from grants.csvsafe import csv_text
from grants.domain import DomainError

SCHEMA_VERSION = "1.4"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
WITHHELD_NAME = "A community group that asked not to be named"
WITHHELD_TITLE = "Grant to a community group"
WITHHELD_DESCRIPTION = (
    "A grant to a community group that asked, when it accepted the award, for its name and details to be left "
    "out of public data (for example because it supports people at risk)."
)

# The spreadsheet titles of the main "grants" sheet, exactly as the standard's template has them.
CSV_TITLES: tuple[str, ...] = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Applied For",
    "Amount Awarded",
    "Amount Disbursed",
    "Award Date",
    "URL",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Planned Dates:Duration (months)",
    "Recipient Ind:Identifier",
    "Recipient Ind:Name",
    "To Individuals Details:Primary Grant Reason",
    "To Individuals Details:Secondary Grant Reason",
    "To Individuals Details:Grant Purpose",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Charity Number",
    "Recipient Org:Company Number",
    "Recipient Org:Street Address",
    "Recipient Org:City",
    "Recipient Org:County",
    "Recipient Org:Country",
    "Recipient Org:Postal Code",
    "Recipient Org:Description",
    "Recipient Org:Web Address",
    "Beneficiary Location:Name",
    "Beneficiary Location:Country Code",
    "Beneficiary Location:Latitude",
    "Beneficiary Location:Longitude",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Funding Org:Department",
    "Grant Programme:Code",
    "Grant Programme:Title",
    "Grant Programme:URL",
    "From An Open Call?",
    "Related Activity",
    "Last Modified",
    "Data Source",
    "For Regrant Type",
    "Location Scope",
)

# Well-formed organisation identifiers for the lists we use (org-id.guide).
ORG_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "GB-CHC": re.compile(r"^GB-CHC-\d{6,7}(-\d{1,3})?$"),
    "GB-SC": re.compile(r"^GB-SC-SC\d{6}$"),
    "GB-NIC": re.compile(r"^GB-NIC-\d{5,6}$"),
    "GB-COH": re.compile(r"^GB-COH-[A-Z0-9]{8}$"),
    "360G": re.compile(r"^360G-[A-Za-z0-9_-]+$"),
}

_EMAIL = re.compile(r"\S+@\S+")
_PHONE = re.compile(r"(?:\+44\s?|\b0)(?:\d[\s-]?){9,10}\b")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b", re.IGNORECASE)
_NOT_ID_CHAR = re.compile(r"[^A-Za-z0-9_-]")
_CHARITY_KINDS = {"charity", "cio"}
_COMPANY_KINDS = {"company", "cic"}


@dataclass(frozen=True)
class FunderData:
    """What the export says about the funder. `prefix` is its 360Giving prefix, "360G-" included or not."""

    name: str
    prefix: str
    page_url: str | None = None


@dataclass(frozen=True)
class GrantData:
    """One award, as plain data. Holds nothing personal: no member, contact or address."""

    award_id: int
    bid_title: str
    amount_awarded_pence: int
    amount_applied_pence: int | None
    amount_disbursed_pence: int
    award_date: date
    planned_start: date | None
    planned_end: date | None
    group_id: int
    group_name: str
    group_kind: str
    registration_number: str | None
    area: str
    withhold_name: bool
    round_code: str
    round_title: str
    round_url: str | None
    modified_at: datetime


class ExportError(DomainError):
    """The export cannot be made (for example, the funder has no 360Giving prefix): the download answers 404 and
    the command line says why."""


def grant_id_prefix(raw: str | None) -> str:
    """The funder's 360Giving prefix, "360G-" exactly once, other characters made safe for an identifier."""
    text = (raw or "").strip()
    if not text:
        raise ExportError("Set the funder's 360Giving prefix before publishing its data.")
    if text[:5].upper() == "360G-":
        text = text[5:]
    text = _NOT_ID_CHAR.sub("_", text).strip("-")
    if not text:
        raise ExportError("The funder's 360Giving prefix has nothing after '360G-'.")
    return f"360G-{text}"


def _amount(pence: int) -> int | float:
    pounds = Decimal(pence) / 100
    return int(pounds) if pounds == pounds.to_integral_value() else float(pounds)


def _utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def public_text(text: str) -> str:
    """Free text made safe for open data: emails, phone numbers and full postcodes taken out."""
    text = _EMAIL.sub("[removed]", text)
    text = _PHONE.sub("[removed]", text)
    text = _POSTCODE.sub(lambda m: m[1].upper(), text)
    return " ".join(text.split())


def public_area(area: str) -> str:
    """A group's area for open data: a town or neighbourhood as given, a full postcode cut to its outward part."""
    return public_text(area)


def recipient_identifiers(grant: GrantData, prefix: str) -> dict[str, str]:
    """The recipient's org id and, for a registered group, its bare charity or company number."""
    if grant.withhold_name:
        return {"id": f"{prefix}-withheld-{grant.award_id}"}
    number = re.sub(r"\s+", "", (grant.registration_number or "")).upper()
    kind = grant.group_kind
    if number and kind in _CHARITY_KINDS:
        if re.fullmatch(r"SC\d{6}", number):
            return {"id": f"GB-SC-{number}", "charityNumber": number}
        if match := re.fullmatch(r"NIC(\d{5,6})", number):
            return {"id": f"GB-NIC-{match[1]}", "charityNumber": number}
        if ORG_ID_PATTERNS["GB-CHC"].match(f"GB-CHC-{number}"):
            return {"id": f"GB-CHC-{number}", "charityNumber": number}
    if number and kind in _COMPANY_KINDS:
        padded = number.zfill(8) if number.isdigit() else number
        if ORG_ID_PATTERNS["GB-COH"].match(f"GB-COH-{padded}"):
            return {"id": f"GB-COH-{padded}", "companyNumber": padded}
    # Unregistered, or a number we cannot place on a register: the funder's own reference for the group.
    return {"id": f"{prefix}-group-{grant.group_id}"}


def grant_record(grant: GrantData, funder: FunderData, *, prefix: str) -> dict[str, Any]:
    """One grant as the standard's JSON."""
    recipient: dict[str, Any] = recipient_identifiers(grant, prefix)
    if grant.withhold_name:
        recipient["name"] = WITHHELD_NAME
        title, description = WITHHELD_TITLE, WITHHELD_DESCRIPTION
    else:
        recipient["name"] = grant.group_name
        summary = public_text(grant.bid_title) or f"Grant to {grant.group_name}"
        title, description = summary[:140], summary
    record: dict[str, Any] = {
        "id": f"{prefix}-{grant.award_id}",
        "title": title,
        "description": description,
        "currency": "GBP",
        "amountAwarded": _amount(grant.amount_awarded_pence),
    }
    if grant.amount_applied_pence:
        record["amountAppliedFor"] = _amount(grant.amount_applied_pence)
    record["amountDisbursed"] = _amount(grant.amount_disbursed_pence)
    record["awardDate"] = grant.award_date.isoformat()
    if grant.planned_start or grant.planned_end:
        planned: dict[str, Any] = {}
        if grant.planned_start:
            planned["startDate"] = grant.planned_start.isoformat()
        if grant.planned_end:
            planned["endDate"] = grant.planned_end.isoformat()
        record["plannedDates"] = [planned]
    record["recipientOrganization"] = [recipient]
    area = public_area(grant.area)
    if area and not grant.withhold_name:
        record["beneficiaryLocation"] = [{"name": area, "countryCode": "GB"}]
    record["fundingOrganization"] = [{"id": prefix, "name": funder.name}]
    programme: dict[str, Any] = {"code": grant.round_code, "title": grant.round_title}
    if grant.round_url:
        programme["url"] = grant.round_url
    record["grantProgramme"] = [programme]
    record["fromOpenCall"] = "Yes"  # every round is an open call: any eligible group may bid
    record["dateModified"] = _utc_iso(grant.modified_at)
    if funder.page_url:
        record["dataSource"] = funder.page_url
    return record


def build_package(
    funder: FunderData, grants: Iterable[GrantData], *, issued: datetime, round_code: str | None = None
) -> dict[str, Any]:
    """The 360Giving JSON package of `grants`, in award order. Raises ExportError when there is nothing to publish."""
    prefix = grant_id_prefix(funder.prefix)
    records = [grant_record(g, funder, prefix=prefix) for g in sorted(grants, key=lambda g: g.award_id)]
    if not records:
        raise ExportError("There are no accepted awards to publish yet.")
    scope = f"round {round_code}" if round_code else "all rounds"
    package: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "title": f"Grants awarded by {funder.name} ({scope})",
        "identifier": f"{prefix}-grants" + (f"-{_NOT_ID_CHAR.sub('_', round_code)}" if round_code else ""),
        "issued": _utc_iso(issued),
        "modified": max(r["dateModified"] for r in records),
        "publisher": {"name": funder.name, "identifier": prefix},
        "license": LICENSE_URL,
        "grants": records,
    }
    if funder.page_url:
        package["publisher"]["website"] = funder.page_url
    return package


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def flatten_row(record: Mapping[str, Any]) -> dict[str, str]:
    """One grant as a row of the standard's "grants" sheet (each one-to-many field here holds one item)."""
    recipient = record["recipientOrganization"][0]
    funding = record["fundingOrganization"][0]
    planned = (record.get("plannedDates") or [{}])[0]
    location = (record.get("beneficiaryLocation") or [{}])[0]
    programme = (record.get("grantProgramme") or [{}])[0]
    values = {
        "Identifier": record["id"],
        "Title": record["title"],
        "Description": record["description"],
        "Currency": record["currency"],
        "Amount Applied For": record.get("amountAppliedFor"),
        "Amount Awarded": record["amountAwarded"],
        "Amount Disbursed": record.get("amountDisbursed"),
        "Award Date": record["awardDate"],
        "Planned Dates:Start Date": planned.get("startDate"),
        "Planned Dates:End Date": planned.get("endDate"),
        "Recipient Org:Identifier": recipient["id"],
        "Recipient Org:Name": recipient["name"],
        "Recipient Org:Charity Number": recipient.get("charityNumber"),
        "Recipient Org:Company Number": recipient.get("companyNumber"),
        "Beneficiary Location:Name": location.get("name"),
        "Beneficiary Location:Country Code": location.get("countryCode"),
        "Funding Org:Identifier": funding["id"],
        "Funding Org:Name": funding["name"],
        "Grant Programme:Code": programme.get("code"),
        "Grant Programme:Title": programme.get("title"),
        "Grant Programme:URL": programme.get("url"),
        "From An Open Call?": record.get("fromOpenCall"),
        "Last Modified": record.get("dateModified"),
        "Data Source": record.get("dataSource"),
    }
    return {title: _cell(values.get(title)) for title in CSV_TITLES}


def to_csv(package: Mapping[str, Any]) -> str:
    """The package's grants as the standard's flattened CSV, headed by its column titles (every text cell made
    safe to open in a spreadsheet, like every CSV the app writes)."""
    return "".join(csv_chunks(package))


def csv_chunks(package: Mapping[str, Any], *, rows_per_chunk: int = 500) -> Iterator[str]:
    """`to_csv`, a few hundred rows at a time, for a download that streams."""
    titles = list(CSV_TITLES)
    yield csv_text([titles])
    grants = list(package["grants"])
    for start in range(0, len(grants), rows_per_chunk):
        rows = (flatten_row(record) for record in grants[start : start + rows_per_chunk])
        yield csv_text([row[title] for title in titles] for row in rows)


def to_json(package: Mapping[str, Any]) -> str:
    """The package as the JSON file: indented by two spaces, any character as itself, a newline at the end."""
    return "".join(json_chunks(package))


def json_chunks(package: Mapping[str, Any], *, chunk_chars: int = 64 * 1024) -> Iterator[str]:
    """`to_json` in pieces of about `chunk_chars` characters, as the encoder makes it, for a download that
    streams."""
    pieces: list[str] = []
    size = 0
    for piece in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(package):
        pieces.append(piece)
        size += len(piece)
        if size >= chunk_chars:
            yield "".join(pieces)
            pieces, size = [], 0
    pieces.append("\n")
    yield "".join(pieces)


def check_package(package: Mapping[str, Any], codelists: Mapping[str, set[str]] | None = None) -> list[str]:
    """What the schema does not check: unique grant ids, well-formed org ids, full date-times, Yes/No, codelists.

    `codelists` maps a codelist's name ("currency", "countryCode", "geoCodeType", ...) to its codes. Returns the
    problems found, [] when there are none.
    """
    problems: list[str] = []
    seen: set[str] = set()
    for record in package.get("grants", []):
        grant_id = str(record.get("id", ""))
        if grant_id in seen:
            problems.append(f"{grant_id}: the grant id is used twice")
        seen.add(grant_id)
        if not ORG_ID_PATTERNS["360G"].match(grant_id):
            problems.append(f"{grant_id}: a grant id must start with the funder's 360G- prefix")
        for key in ("recipientOrganization", "fundingOrganization"):
            for org in record.get(key, []):
                org_id = str(org.get("id", ""))
                if not any(p.match(org_id) for p in ORG_ID_PATTERNS.values()):
                    problems.append(f"{grant_id}: {key} id {org_id!r} is not a well-formed org id")
        modified = str(record.get("dateModified", ""))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", modified):
            problems.append(f"{grant_id}: dateModified {modified!r} is not a full date-time")
        if "fromOpenCall" in record and record["fromOpenCall"] not in ("Yes", "No"):
            problems.append(f"{grant_id}: fromOpenCall must be Yes or No")
        if codelists is not None:
            problems.extend(_codelist_problems(grant_id, record, codelists))
    return problems


def _codelist_problems(grant_id: str, record: Mapping[str, Any], codelists: Mapping[str, set[str]]) -> list[str]:
    found: list[str] = []

    def check(name: str, value: Any) -> None:
        if value is not None and name in codelists and value not in codelists[name]:
            found.append(f"{grant_id}: {value!r} is not in the {name} codelist")

    check("currency", record.get("currency"))
    for location in record.get("beneficiaryLocation", []):
        check("countryCode", location.get("countryCode"))
        check("geoCodeType", location.get("geoCodeType"))
    check("regrantType", record.get("regrantType"))
    check("locationScope", record.get("locationScope"))
    details = record.get("toIndividualsDetails") or {}
    check("grantToIndividualsReason", details.get("primaryGrantReason"))
    check("grantToIndividualsReason", details.get("secondaryGrantReason"))
    for purpose in details.get("grantPurpose", []):
        check("grantToIndividualsPurpose", purpose)
    return found
