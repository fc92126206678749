"""Home pages for staff, auditors, panellists and applicants."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from grants.audit.verification import PAGE_LIMIT, chain_status
from grants.auth import invitations
from grants.auth.permissions import (
    auditor_funder_ids,
    can_change_funder_settings,
    can_invite_colleagues,
    current_person,
    load_or_404,
    role_required,
    staff_funder_ids,
)
from grants.decisions.confirmations import waiting_in_funder
from grants.extensions import db
from grants.forms_fields import posted_id
from grants.home import bp, queries
from grants.home.forms import InviteColleagueForm, RetentionForm
from grants.models import Funder, Role, User
from grants.retention.settings import set_unfunded_bids_kept_days
from grants.web import act


def _staff_page(form: InviteColleagueForm | RetentionForm | None = None, form_funder_id: int | None = None) -> str:
    """The staff home page; `form`, sent for the funder `form_funder_id` and refused, is shown with its errors."""
    funder_ids = staff_funder_ids(current_person())
    sections = []
    for funder in queries.funders(db.session, funder_ids):
        sent = form if form is not None and form_funder_id == funder.id else None
        sections.append(
            {
                "funder": funder,
                "rounds": queries.rounds_with_counts(db.session, {funder.id}),
                "team": queries.funder_team(db.session, funder.id),
                "waiting": waiting_in_funder(db.session, funder.id),
                "invite_form": sent
                if isinstance(sent, InviteColleagueForm)
                else InviteColleagueForm(formdata=None, funder_id=str(funder.id)),
                "retention_form": sent
                if isinstance(sent, RetentionForm)
                else RetentionForm(formdata=None, funder_id=str(funder.id), days=str(funder.unfunded_bids_kept_days)),
            }
        )
    return render_template("home/staff.html", sections=sections, form=form, me=current_person())


def _posted_funder(form: InviteColleagueForm | RetentionForm, can: Callable[[User, Funder], bool]) -> Funder:
    """The funder a staff home page form names in its hidden field: 404 unless it is one `can` allows."""
    funder_id = posted_id(form.funder_id.data)
    if funder_id is None:
        abort(404)  # the hidden field names no funder
    return load_or_404(Funder, funder_id, can)


@bp.get("/staff")
@role_required(Role.STAFF)
def staff() -> str:
    return _staff_page()


@bp.post("/staff/invite")
@role_required(Role.STAFF)
def invite_colleague() -> str | Response:
    form = InviteColleagueForm()
    funder = _posted_funder(form, can_invite_colleagues)
    if not form.validate():
        return _staff_page(form, funder.id)
    invitations.invite(
        db.session,
        email=form.email.data or "",
        role=Role(form.role.data),
        funder=funder,
        invited_by=current_person(),
    )
    days = current_app.config["INVITATION_DAYS"]
    expires = f"{days} day{'s' if days != 1 else ''}"
    flash(f"Invitation sent to {form.email.data}. The link works once and expires in {expires}.", "success")
    return redirect(url_for("home.staff"))


@bp.get("/audit")
@role_required(Role.AUDITOR)
def auditor() -> str:
    funder_ids = auditor_funder_ids(current_person())
    sections = [
        {"funder": f, "rounds": queries.rounds_with_counts(db.session, {f.id})}
        for f in queries.funders(db.session, funder_ids)
    ]
    return render_template("home/auditor.html", sections=sections)


@bp.get("/audit/chain")
@role_required(Role.AUDITOR)
def audit_chain() -> str:
    funders = queries.funders(db.session, auditor_funder_ids(current_person()))
    # Each chain as far as it was verified, and its events since (never a walk of a whole chain on a page).
    checks = [(funder, chain_status(db.session, funder.id)) for funder in funders]
    return render_template("home/audit_chain.html", checks=checks, page_limit=PAGE_LIMIT)


@bp.get("/panel")
@role_required(Role.PANELLIST)
def panellist() -> str:
    return render_template("home/panellist.html", seats=queries.panel_seats(db.session, current_person()))


@bp.get("/applicant")
@login_required
def applicant() -> str:
    return render_template("home/applicant.html", groups=queries.groups_with_bids(db.session, current_person()))


@bp.post("/staff/retention")
@role_required(Role.STAFF)
def set_retention() -> str | Response:
    form = RetentionForm()
    funder = _posted_funder(form, can_change_funder_settings)
    done = form.validate() and act(form, set_unfunded_bids_kept_days, funder=funder, days=form.days.data or "")
    if not done:
        return _staff_page(form, funder.id)
    flash(f"Bids that were not funded now keep their details for {done.value} days.", "success")
    return redirect(url_for("home.staff") + "#retention")
