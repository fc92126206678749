"""Site admin pages: the funders on this installation, their first staff, and the accounts people asked to delete."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from grants.admin import bp
from grants.admin.forms import FunderForm, InviteStaffForm, RefuseDeletionForm, TwoPersonForm
from grants.admin.services import create_funder, set_two_person_decisions
from grants.auth import deletion, invitations
from grants.auth.permissions import current_person, role_required
from grants.extensions import db
from grants.forms_fields import ButtonForm
from grants.models import AccountDeletion, Funder, Role, RoleGrant, utcnow
from grants.web import act, attempt


def _page(funder_form: FunderForm, invite_form: InviteStaffForm) -> str:
    rows = db.session.execute(
        sa.select(Funder, sa.func.count(RoleGrant.id).label("staff"))
        .outerjoin(RoleGrant, (RoleGrant.funder_id == Funder.id) & (RoleGrant.role == Role.STAFF))
        .group_by(Funder.id)
        .order_by(Funder.name)
    ).all()
    invite_form.funder_id.choices = [(r.Funder.id, r.Funder.name) for r in rows]
    form = funder_form if funder_form.errors else invite_form
    return render_template(
        "admin/index.html",
        rows=rows,
        funder_form=funder_form,
        invite_form=invite_form,
        form=form,
        deletions=deletion.waiting_requests(db.session),
        button=ButtonForm(),
    )


@bp.get("/")
@role_required(Role.SITE_ADMIN)
def index() -> str:
    return _page(FunderForm(formdata=None), InviteStaffForm(formdata=None))


@bp.post("/funders")
@role_required(Role.SITE_ADMIN)
def create() -> str | Response:
    form = FunderForm()
    me = current_person()
    if (
        form.validate()
        and (created := attempt(form, create_funder, db.session, name=form.name.data or "", created_by=me))
        and created.value
    ):
        flash(f"{created.value.name} has been created. Now invite its first staff member.", "success")
        return redirect(url_for("admin.index"))
    return _page(form, InviteStaffForm(formdata=None))


@bp.post("/invite-staff")
@role_required(Role.SITE_ADMIN)
def invite_staff() -> str | Response:
    form = InviteStaffForm()
    form.funder_id.choices = [(f.id, f.name) for f in db.session.scalars(sa.select(Funder))]
    if form.validate():
        funder = db.get_or_404(Funder, form.funder_id.data)
        invitations.invite(
            db.session,
            email=form.email.data or "",
            role=Role.STAFF,
            funder=funder,
            invited_by=current_person(),
        )
        flash(f"Invitation sent to {form.email.data}.", "success")
        return redirect(url_for("admin.index"))
    return _page(FunderForm(formdata=None), form)


@bp.post("/funders/<int:funder_id>/two-person")
@role_required(Role.SITE_ADMIN)
def two_person(funder_id: int) -> Response:
    funder = db.get_or_404(Funder, funder_id)
    form = TwoPersonForm()
    if form.validate():
        on = form.on.data == "1"
        done = act(form, set_two_person_decisions, funder=funder, on=on)
        if done:
            flash(
                f"{funder.name} now {'asks for two people' if on else 'lets one member of staff take'} the decisions"
                " that move money.",
                "success",
            )
        elif done.error is not None:
            flash(done.error.message, "info")
    return redirect(url_for("admin.index"))


# --- accounts their owners asked to delete ------------------------------------------------------------------------


def _waiting(deletion_id: int) -> AccountDeletion:
    request_ = db.get_or_404(AccountDeletion, deletion_id)
    if request_.decided_at is not None:
        abort(404)  # decided already: nothing to do here
    return request_


@bp.post("/deletions/<int:deletion_id>/delete")
@role_required(Role.SITE_ADMIN)
def delete_account(deletion_id: int) -> Response:
    request_ = _waiting(deletion_id)
    form = ButtonForm()
    if form.validate():
        done = act(form, deletion.delete_account, request=request_, now=utcnow())
        flash(
            "The account has been deleted." if done else done.error.message if done.error else "",
            "success" if done else "info",
        )
    return redirect(url_for("admin.index"))


@bp.route("/deletions/<int:deletion_id>/refuse", methods=["GET", "POST"])
@role_required(Role.SITE_ADMIN)
def refuse_deletion(deletion_id: int) -> str | Response:
    request_ = _waiting(deletion_id)
    form = RefuseDeletionForm()
    if form.validate_on_submit() and act(
        form, deletion.refuse_deletion, request=request_, reason=form.reason.data or "", now=utcnow()
    ):
        flash(f"Refused. We have emailed {request_.user.email} the reason.", "success")
        return redirect(url_for("admin.index"))
    return render_template("admin/refuse_deletion.html", request=request_, form=form)
