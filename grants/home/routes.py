"""Home pages for staff, auditors, panellists and applicants."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from grants.audit.chain import verify_chain
from grants.auth import invitations
from grants.auth.permissions import (
    auditor_funder_ids,
    can_invite_colleagues,
    current_person,
    load_or_404,
    role_required,
    staff_funder_ids,
)
from grants.extensions import db
from grants.forms_fields import posted_id
from grants.home import bp, queries
from grants.home.forms import InviteColleagueForm
from grants.models import Funder, Role


def _staff_page(form: InviteColleagueForm | None = None, form_funder_id: int | None = None) -> str:
    funder_ids = staff_funder_ids(current_person())
    sections = []
    for funder in queries.funders(db.session, funder_ids):
        invite_form = (
            form
            if form is not None and form_funder_id == funder.id
            else InviteColleagueForm(formdata=None, funder_id=str(funder.id))
        )
        sections.append(
            {
                "funder": funder,
                "rounds": queries.rounds_with_counts(db.session, {funder.id}),
                "team": queries.funder_team(db.session, funder.id),
                "invite_form": invite_form,
            }
        )
    return render_template("home/staff.html", sections=sections, form=form)


@bp.get("/staff")
@role_required(Role.STAFF)
def staff() -> str:
    return _staff_page()


@bp.post("/staff/invite")
@role_required(Role.STAFF)
def invite_colleague() -> str | Response:
    form = InviteColleagueForm()
    funder_id = posted_id(form.funder_id.data)
    if funder_id is None:
        abort(404)  # the hidden field names no funder
    funder = load_or_404(Funder, funder_id, can_invite_colleagues)
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
    checks = [(funder, verify_chain(db.session, funder.id)) for funder in funders]
    return render_template("home/audit_chain.html", checks=checks)


@bp.get("/panel")
@role_required(Role.PANELLIST)
def panellist() -> str:
    return render_template("home/panellist.html", seats=queries.panel_seats(db.session, current_person()))


@bp.get("/applicant")
@login_required
def applicant() -> str:
    return render_template("home/applicant.html", groups=queries.groups_with_bids(db.session, current_person()))
