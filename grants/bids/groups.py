"""A group describes itself once: its name, where it works, what kind of group it is, and who to contact.

Every bid of the group uses these details. A group may be entered by staff for a group that applies by phone or
in person; then it has no members until someone of the group creates an account. The caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask import current_app

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Group, GroupKind, GroupMember, User
from grants.text import clean_line, normalise_email

DEFAULT_MAX_GROUPS_PER_ACCOUNT = 5

CHARITY_NUMBER = re.compile(r"^(\d{6,8}|SC\d{6}|NIC\d{6}|NI\d{6})$")
COMPANY_NUMBER = re.compile(r"^([0-9]{8}|(SC|NI|OC|SO|NC|R0)[0-9]{6})$")
KINDS_WITH_CHARITY_NUMBER = {GroupKind.CHARITY, GroupKind.CIO}
KINDS_WITH_COMPANY_NUMBER = {GroupKind.CIC, GroupKind.COMPANY}


@dataclass
class GroupDetails:
    name: str
    area: str
    kind: GroupKind
    registration_number: str
    contact_name: str
    contact_email: str
    contact_phone: str


def normalise_registration_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def clean_group_details(details: GroupDetails) -> GroupDetails:
    """The details as typed, each one line of text (`grants.text.clean_line`): NFC, trimmed, no hidden characters.
    A name of nothing but invisible characters is no name."""
    cleaned = replace(
        details,
        name=clean_line(details.name, what="The name of your group", field="name"),
        area=clean_line(details.area, what="Where your group works", field="area"),
        registration_number=clean_line(details.registration_number, what="The number", field="registration_number"),
        contact_name=clean_line(details.contact_name, what="The contact's name", field="contact_name"),
        contact_email=clean_line(details.contact_email, what="The email address", field="contact_email"),
        contact_phone=clean_line(details.contact_phone, what="The phone number", field="contact_phone"),
    )
    if not cleaned.name:
        raise DomainError("Enter the name of your group", "name")
    return cleaned


def max_groups_per_account() -> int:
    return int(current_app.config.get("MAX_GROUPS_PER_ACCOUNT", DEFAULT_MAX_GROUPS_PER_ACCOUNT))


def check_group_allowance(session: DbSession, user: User) -> None:
    """One account may belong to at most MAX_GROUPS_PER_ACCOUNT groups (config) when it creates another: a person
    acts for a few groups, not twenty. Staff entering groups on their behalf are not counted."""
    limit = max_groups_per_account()
    count = session.scalar(sa.select(sa.func.count(GroupMember.id)).where(GroupMember.user_id == user.id)) or 0
    if count >= limit:
        raise DomainError(
            f"You already belong to {count} groups, the most one account can start a new group with. If another group"
            " needs to apply, one of its own members can create an account and start it, or the funder can enter"
            " its bid for it."
        )


def check_group_details(details: GroupDetails) -> None:
    """Registration numbers only where one exists, in the shape the Charity Commission or Companies House uses."""
    number = normalise_registration_number(details.registration_number)
    if details.kind in KINDS_WITH_CHARITY_NUMBER:
        if number and not CHARITY_NUMBER.match(number):
            raise DomainError(
                "Enter a charity number in the right format, like 1123456, SC012345 or NIC100000",
                "registration_number",
            )
    elif details.kind in KINDS_WITH_COMPANY_NUMBER:
        if number and not COMPANY_NUMBER.match(number):
            raise DomainError(
                "Enter a company number in the right format: 8 characters, like 01234567 or SC123456",
                "registration_number",
            )
    elif number:
        raise DomainError(
            f"{details.kind.label}s do not have a registration number. Leave this empty, or change the kind of group",
            "registration_number",
        )


def _apply_group_details(group: Group, details: GroupDetails) -> None:
    group.name = details.name.strip()
    group.area = details.area.strip()
    group.kind = details.kind
    number = normalise_registration_number(details.registration_number)
    group.registration_number = number or None
    group.contact_name = details.contact_name.strip()
    group.contact_email = normalise_email(details.contact_email)
    group.contact_phone = details.contact_phone.strip()


def create_group(session: DbSession, *, details: GroupDetails, creator: User, on_behalf: bool = False) -> Group:
    """Create a group profile. The creator becomes a member, unless staff are entering it on the group's behalf."""
    if not on_behalf:
        check_group_allowance(session, creator)
    details = clean_group_details(details)
    check_group_details(details)
    group = Group(name="", area="", kind=details.kind)
    _apply_group_details(group, details)
    session.add(group)
    session.flush()
    if not on_behalf:
        session.add(GroupMember(group_id=group.id, user_id=creator.id))
    record_event(
        session,
        "group.created",
        by=creator,
        role="staff" if on_behalf else "applicant",
        about=group,
        facts={"kind": group.kind.value, "on_behalf": on_behalf},
    )
    return group


def update_group(session: DbSession, *, group: Group, details: GroupDetails, actor: User) -> None:
    details = clean_group_details(details)
    check_group_details(details)
    _apply_group_details(group, details)
    record_event(session, "group.updated", by=actor, about=group, facts={"kind": group.kind.value})


def group_complete(group: Group) -> bool:
    return bool(group.name and group.area and group.contact_name and group.contact_email)
