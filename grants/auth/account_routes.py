"""The account page: the person's details, their two-step sign-in, the browsers they are signed in on (any of
which, but this one, they can sign out of from here), and the download of everything held about them."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from grants.auth import bp, deletion, my_data, two_factor
from grants.auth.forms import DeleteAccountForm
from grants.auth.permissions import current_person
from grants.auth.sessions import end_other_session, end_other_sessions, is_this_browser, open_sessions
from grants.extensions import db
from grants.forms_fields import ButtonForm
from grants.models import utcnow
from grants.web import act


@bp.get("/account")
@login_required
def account() -> str:
    user = current_person()
    row = two_factor.two_factor_for(db.session, user)
    sessions = open_sessions(db.session, user, now=utcnow())
    return render_template(
        "auth/account.html",
        two_factor_on=row is not None,
        enabled_at=row.enabled_at if row else None,
        codes_left=two_factor.recovery_codes_left(db.session, user) if row else 0,
        required=two_factor.must_use_two_factor(user),
        sessions=[(session, is_this_browser(session, user)) for session in sessions],
        deletion_asked=deletion.open_request(db.session, user),
        form=ButtonForm(),
    )


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int) -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not end_other_session(db.session, current_person(), session_id):
        abort(404)  # not theirs, already ended, or this browser's own (which signs out instead)
    flash("Signed out of that browser.", "success")
    return redirect(url_for("auth.account") + "#sessions")


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions_everywhere() -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400)
    ended = end_other_sessions(db.session, current_person())
    flash(
        f"Signed out of {ended} other browser{'' if ended == 1 else 's'}."
        if ended
        else "You were signed in nowhere else.",
        "success",
    )
    return redirect(url_for("auth.account") + "#sessions")


@bp.post("/account/your-data")
@login_required
def download_your_data() -> Response:
    if not ButtonForm().validate_on_submit():
        abort(400)
    now = utcnow()
    archive = my_data.download(db.session, current_person(), now=now)
    return FlaskResponse(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="common-pot-your-data-{now.date().isoformat()}.zip"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account() -> str | Response:
    form = DeleteAccountForm()
    if form.validate_on_submit() and act(
        form, deletion.ask_for_deletion, password=form.password.data or "", now=utcnow()
    ):
        flash("You have asked for your account to be deleted. The site administrator will do it soon.", "success")
        return redirect(url_for("auth.account") + "#delete")
    return render_template("auth/delete_account.html", form=form)


@bp.post("/account/delete/cancel")
@login_required
def cancel_account_deletion() -> str | Response:
    form = ButtonForm()
    if form.validate_on_submit() and act(form, deletion.cancel_deletion, now=utcnow()):
        flash("Your account will not be deleted.", "success")
    return redirect(url_for("auth.account") + "#delete")
