"""Creating funders: the site admin's one job, from the web page or the CLI."""

from __future__ import annotations

import re

import sqlalchemy as sa

from grants.audit.chain import record_event
from grants.database import DbSession
from grants.domain import DomainError
from grants.models import Funder, User


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "funder"


def create_funder(session: DbSession, *, name: str, created_by: User | None = None) -> Funder:
    """Create a funder with a unique name and a web-safe slug."""
    name = name.strip()
    if not name:
        raise DomainError("Enter the funder's name", "name")
    if session.scalar(sa.select(Funder.id).where(sa.func.lower(Funder.name) == name.lower())) is not None:
        raise DomainError("A funder with this name already exists", "name")
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(sa.select(Funder.id).where(Funder.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    funder = Funder(name=name, slug=slug)
    session.add(funder)
    session.flush()
    record_event(session, "funder.created", by=created_by, about=funder, facts={"slug": slug})
    return funder


def set_two_person_decisions(session: DbSession, *, funder: Funder, on: bool, actor: User) -> None:
    """Whether the funder's decisions that move money (ratifying, departing, reopening) need a second member of
    staff to confirm them. The site admin's to change, not the funder's staff, whom the rule binds."""
    session.refresh(funder, with_for_update=True)
    if funder.two_person_decisions == on:
        raise DomainError(f"{funder.name} already {'asks' if on else 'does not ask'} for two people")
    funder.two_person_decisions = on
    record_event(session, "funder.two_person_changed", by=actor, about=funder, facts={"two_person_decisions": on})
