"""Panel pages for the funder's staff: the panel's members and invitations, and the score summary with its notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_manage_panel_invitation,
    can_manage_panel_member,
    can_manage_round,
    current_person,
    in_round,
    load_or_404,
    role_required,
)
from grants.extensions import db
from grants.models import Invitation, PanelMember, Role, Round, utcnow
from grants.panel import bp, queries
from grants.panel.forms import ConfirmForm, InviteForm, NoteForm
from grants.panel.pages import add_note, summary_page
from grants.panel.services.membership import appoint_chair, invite_panellist, resend_invitation, revoke_invitation
from grants.panel.services.seats import STAFF
from grants.web import Outcome, act, asked_page, attempt, pagination

T = TypeVar("T")


@bp.route("/staff/rounds/<int:round_id>/summary", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_summary(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = NoteForm()
    now = utcnow()
    if request.method == "POST" and (
        done := add_note(round_, form, as_role=STAFF, endpoint="panel.staff_summary", now=now)
    ):
        return done
    return summary_page(round_, staff=True, form=form, hidden=set(), now=now)


# --- the panel's members and invitations ---------------------------------------------------------------------------


@bp.route("/staff/rounds/<int:round_id>/panel", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_panel(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = InviteForm()
    now = utcnow()
    if (
        form.validate_on_submit()
        and (
            done := attempt(
                form,
                invite_panellist,
                db.session,
                round_=round_,
                email=form.email.data or "",
                invited_by=current_person(),
                now=now,
            )
        )
        and done.value is not None
    ):
        days = current_app.config["INVITATION_DAYS"]
        flash(
            f"Invitation sent to {done.value.invitation.email}. The link works once and expires in {days} days.",
            "success",
        )
        return redirect(url_for("panel.staff_panel", round_id=round_id))
    panel = queries.staff_panel(db.session, round_, now=now, page=asked_page())
    return render_template(
        "panel/staff_panel.html",
        round=round_,
        form=form,
        panel=panel,
        pagination=pagination(panel.page, "panel.staff_panel", label="Pages of members", round_id=round_.id),
        withdrawn=queries.withdrawn_conflicts(db.session, round_),
        decided=round_.is_decided,
    )


def _staff_action(service: Callable[..., T], /, **kwargs: Any) -> Outcome[T]:
    """Run one staff button's service; a refusal comes back as a message at the top of the panel page."""
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    done = act(form, service, **kwargs)
    if not done and done.error is not None:
        flash(done.error.message, "info")
    return done


def _back_to_panel(round_: Round) -> Response:
    return redirect(url_for("panel.staff_panel", round_id=round_.id))


def _invitation(round_id: int, invitation_id: int) -> tuple[Round, Invitation]:
    round_ = load_or_404(Round, round_id, can_manage_round)
    return round_, load_or_404(Invitation, invitation_id, in_round(round_, can_manage_panel_invitation))


@bp.post("/staff/rounds/<int:round_id>/panel/invitations/<int:invitation_id>/resend")
@role_required(Role.STAFF)
def staff_resend(round_id: int, invitation_id: int) -> Response:
    round_, invitation = _invitation(round_id, invitation_id)
    if _staff_action(resend_invitation, round_=round_, invitation=invitation, now=utcnow()):
        flash(f"A new invitation has been sent to {invitation.email}. The old link no longer works.", "success")
    return _back_to_panel(round_)


@bp.post("/staff/rounds/<int:round_id>/panel/invitations/<int:invitation_id>/revoke")
@role_required(Role.STAFF)
def staff_revoke(round_id: int, invitation_id: int) -> Response:
    round_, invitation = _invitation(round_id, invitation_id)
    if _staff_action(revoke_invitation, invitation=invitation, now=utcnow()):
        flash(f"The invitation to {invitation.email} has been withdrawn. Its link no longer works.", "success")
    return _back_to_panel(round_)


@bp.post("/staff/rounds/<int:round_id>/panel/members/<int:member_id>/chair")
@role_required(Role.STAFF)
def staff_make_chair(round_id: int, member_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    member = load_or_404(PanelMember, member_id, in_round(round_, can_manage_panel_member))
    if done := _staff_action(appoint_chair, member=member):
        stepped_down = f" {done.value.user.name} is no longer the chair." if done.value is not None else ""
        flash(f"{member.user.name} is now the panel's chair.{stepped_down}", "success")
    return _back_to_panel(round_)
