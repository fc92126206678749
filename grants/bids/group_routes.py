"""The group's own pages: describe the group once, change its details, invite its members; and staff entering a
group and its bid for a group that applies by phone or in person."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from grants.auth import invitations, throttle
from grants.auth.permissions import can_manage_group, can_manage_round, current_person, load_or_404, role_required
from grants.auth.saved_forms import load_form
from grants.bids import bp, groups, queries, services
from grants.bids.forms import GroupForm, InviteMemberForm
from grants.extensions import db, limiter
from grants.models import Group, Role, Round, utcnow
from grants.web import act, attempt


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def group_new() -> str | Response:
    round_id = request.args.get("round_id", type=int)
    me = current_person()
    form = load_form(GroupForm, {"contact_name": me.name, "contact_email": me.email})
    if form.validate_on_submit() and (
        group := attempt(form, groups.create_group, db.session, details=form.details(), creator=me).value
    ):
        flash(f"{group.name} has been saved.", "success")
        if round_id is not None:
            return redirect(url_for("bids.start", round_id=round_id))
        return redirect(url_for("home.applicant"))
    return render_template("bids/group_form.html", form=form, group=None, bid=None)


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@login_required
def group_edit(group_id: int) -> str | Response:
    group = load_or_404(Group, group_id, can_manage_group)
    form = load_form(GroupForm, GroupForm.data_for(group))
    if form.validate_on_submit() and act(form, groups.update_group, group=group, details=form.details()):
        flash("Your group's details have been saved.", "success")
        return redirect(url_for("home.applicant"))
    return render_template("bids/group_form.html", form=form, group=group, bid=None)


@bp.route("/groups/<int:group_id>/members", methods=["GET", "POST"])
@login_required
# Each invitation is an email carrying the group's name to any address: only sent ones count.
@limiter.limit(
    throttle.INVITATIONS_PER_MEMBER,
    methods=["POST"],
    key_func=throttle.signed_in_person,
    deduct_when=throttle.redirected,
    scope="inviter",
)
@limiter.limit(throttle.INVITATIONS_TO_ONE_ADDRESS, **throttle.PER_TYPED_EMAIL, deduct_when=throttle.redirected)
def group_members(group_id: int) -> str | Response:
    group = load_or_404(Group, group_id, can_manage_group)
    form = InviteMemberForm()
    if form.validate_on_submit():
        invitations.invite(
            db.session, email=form.email.data or "", role=Role.GROUP_MEMBER, group=group, invited_by=current_person()
        )
        flash(f"Invitation sent to {form.email.data}. When they accept, they can see and change your bids.", "success")
        return redirect(url_for("bids.group_members", group_id=group.id))
    members = queries.members_of(db.session, group.id)
    return render_template("bids/group_members.html", group=group, members=members, form=form)


@bp.route("/staff/rounds/<int:round_id>/bids/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_new(round_id: int) -> str | Response:
    """A bid taken by phone or in person: staff enter the group and its bid, marked as entered on its behalf."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = GroupForm()
    if form.validate_on_submit() and (
        bid := act(form, services.enter_bid_on_behalf, round_=round_, details=form.details(), now=utcnow()).value
    ):
        return redirect(url_for("bids.title", bid_id=bid.id))
    return render_template("bids/group_form.html", form=form, group=None, bid=None, on_behalf_round=round_)
