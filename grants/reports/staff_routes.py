"""Report pages for staff (the round's stories, one story with its conversation, themes and quotes, the
selection, the learning summary), for panellists (choosing the most significant stories) and the group's side of
the conversation."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_manage_round,
    can_read_round,
    has_role,
    is_group_member,
    is_staff_of,
    load_or_404,
    panel_round_ids,
    role_required,
)
from grants.extensions import db
from grants.models import Report, ReportPhoto, ReportQuote, ReportStatus, Role, Round, User, utcnow
from grants.reports import bp, queries
from grants.reports import staff_services as services
from grants.reports.staff_forms import (
    ButtonForm,
    MessageForm,
    QuoteForm,
    ThemeFilterForm,
    ThemesForm,
    story_choice_form,
)
from grants.reports.staff_services import ReportError

P = ParamSpec("P")
R = TypeVar("R")


def _safe(code: str) -> str:
    """A round code as it may appear in a download's file name."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", code).strip("-") or "round"


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _put_error(form: FlaskForm, exc: ReportError) -> None:
    field = getattr(form, exc.field, None)
    if field is None:
        form.form_errors.append(exc.message)
    else:
        field.errors = [*field.errors, exc.message]


def _any_role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Signed-out visitors go to sign in; signed-in people with none of the roles get 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not any(has_role(current_user, role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _staff_report_or_404(report_id: int) -> Report:
    """A sent report in a round of the signed-in staff member's funder, else 404."""
    report = queries.report_with_details(db.session, report_id)
    if (
        report is None
        or report.status != ReportStatus.SUBMITTED
        or not is_staff_of(current_user, report.award.bid.round.funder_id)
    ):
        abort(404)
    return report


def _group_report_or_404(report_id: int) -> Report:
    """A sent report of one of the signed-in person's groups, else 404."""
    report = queries.report_with_details(db.session, report_id)
    if (
        report is None
        or report.status != ReportStatus.SUBMITTED
        or not is_group_member(current_user, report.award.bid.group_id)
    ):
        abort(404)
    return report


def _story_round_or_404(round_id: int) -> Round:
    """A round whose stories the signed-in person may read and choose from: on its panel, or staff of its funder."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not (is_staff_of(current_user, round_.funder_id) or round_id in panel_round_ids(current_user)):
        abort(404)
    return round_


def _photo_url(report: Report, photo: ReportPhoto) -> str | None:
    """Where a report's photo is served by the group side's pages, if that page exists yet."""
    views = current_app.view_functions
    if "reports.photo" in views:
        return url_for("reports.photo", report_id=report.id, photo_id=photo.id)
    if "reports.report_photo" in views:
        return url_for("reports.report_photo", report_date_id=report.report_date_id, photo_id=photo.id)
    return None


# --- staff: the round's reports ---------------------------------------------------------------------------------


@bp.get("/staff/rounds/<int:round_id>/reports")
@role_required(Role.STAFF)
def staff_list(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_manage_round)
    themes = queries.funder_themes(db.session, round_.funder_id)
    form = ThemeFilterForm(formdata=request.args).set_choices(themes)
    theme_id = form.theme_id()
    chosen = next((t for t in themes if t.id == theme_id), None)
    reports = queries.sent_reports(db.session, round_.id, theme_id=chosen.id if chosen else None)
    return render_template(
        "reports/staff/list.html",
        round=round_,
        reports=reports,
        themes_of=queries.themes_by_report(db.session, [r.id for r in reports]),
        filter_form=form,
        chosen_theme=chosen,
        has_themes=bool(themes),
    )


# --- staff: one report ------------------------------------------------------------------------------------------


def _report_page(report: Report, **forms: FlaskForm) -> str:
    themes = queries.funder_themes(db.session, report.award.bid.round.funder_id)
    tagged = queries.themes_by_report(db.session, [report.id]).get(report.id, [])
    themes_form = forms.get("themes_form")
    if themes_form is None:
        themes_form = ThemesForm(formdata=None).set_choices(themes)
        themes_form.themes.data = [t.id for t in tagged]
    failed = next((f for f in forms.values() if f.errors), None)
    return render_template(
        "reports/staff/report.html",
        report=report,
        bid=report.award.bid,
        round=report.award.bid.round,
        tagged=tagged,
        quotes=queries.report_quotes(db.session, report.id),
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        themes_form=themes_form,
        quote_form=forms.get("quote_form") or QuoteForm(formdata=None),
        button_form=ButtonForm(formdata=None),
        photo_url=_photo_url,
        form=failed,
    )


@bp.get("/staff/reports/<int:report_id>")
@role_required(Role.STAFF)
def staff_report(report_id: int) -> str:
    return _report_page(_staff_report_or_404(report_id))


@bp.post("/staff/reports/<int:report_id>/messages")
@role_required(Role.STAFF)
def staff_reply(report_id: int) -> str | Response:
    report = _staff_report_or_404(report_id)
    form = MessageForm()
    if form.validate():
        try:
            services.send_message(
                db.session, report=report, author=_me(), side=services.STAFF, text=form.text.data or ""
            )
        except ReportError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash("Message sent. We have emailed the group.", "success")
            return redirect(url_for("reports.staff_report", report_id=report_id, _anchor="conversation"))
    return _report_page(_staff_report_or_404(report_id), message_form=form)


@bp.post("/staff/reports/<int:report_id>/themes")
@role_required(Role.STAFF)
def tag(report_id: int) -> str | Response:
    report = _staff_report_or_404(report_id)
    form = ThemesForm().set_choices(queries.funder_themes(db.session, report.award.bid.round.funder_id))
    if form.validate():
        try:
            services.tag_report(
                db.session,
                report=report,
                theme_ids=form.themes.data or [],
                new_theme=form.new_theme.data or "",
                actor=_me(),
            )
        except ReportError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash("Themes saved.", "success")
            return redirect(url_for("reports.staff_report", report_id=report_id, _anchor="report-themes"))
    return _report_page(_staff_report_or_404(report_id), themes_form=form)


@bp.post("/staff/reports/<int:report_id>/quotes")
@role_required(Role.STAFF)
def pick_quote(report_id: int) -> str | Response:
    report = _staff_report_or_404(report_id)
    form = QuoteForm()
    if form.validate():
        try:
            services.pick_quote(db.session, report=report, text=form.quote.data or "", actor=_me())
        except ReportError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash("Quote kept for the learning summary.", "success")
            return redirect(url_for("reports.staff_report", report_id=report_id, _anchor="quotes"))
    return _report_page(_staff_report_or_404(report_id), quote_form=form)


@bp.post("/staff/reports/<int:report_id>/quotes/<int:quote_id>/remove")
@role_required(Role.STAFF)
def remove_quote(report_id: int, quote_id: int) -> Response:
    report = _staff_report_or_404(report_id)
    quote = db.session.get(ReportQuote, quote_id)
    if quote is None or quote.report_id != report.id:
        abort(404)
    if ButtonForm().validate():
        services.remove_quote(db.session, quote=quote, actor=_me())
        db.session.commit()
        flash("Quote removed.", "success")
    return redirect(url_for("reports.staff_report", report_id=report_id, _anchor="quotes"))


# --- the group's side of the conversation -----------------------------------------------------------------------


@bp.route("/reports/<int:report_id>/conversation", methods=["GET", "POST"])
@login_required
def conversation(report_id: int) -> str | Response:
    report = _group_report_or_404(report_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.send_message(
                db.session, report=report, author=_me(), side=services.GROUP, text=form.text.data or ""
            )
        except ReportError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash(f"Message sent. We have told {report.award.bid.round.funder.name}.", "success")
            return redirect(url_for("reports.conversation", report_id=report_id))
        report = _group_report_or_404(report_id)
    return render_template(
        "reports/staff/conversation.html",
        report=report,
        bid=report.award.bid,
        round=report.award.bid.round,
        form=form,
    )


# --- the most significant change --------------------------------------------------------------------------------


def _selection_page(round_: Round, form: FlaskForm | None = None) -> str:
    selection = queries.selection_for_round(db.session, round_.id)
    return render_template(
        "reports/staff/selection.html",
        round=round_,
        selection=selection,
        story_count=len(queries.sent_report_ids(db.session, round_.id)),
        choosers=queries.choosers_count(db.session, selection),
        button_form=form or ButtonForm(formdata=None),
        form=form,
    )


@bp.get("/staff/rounds/<int:round_id>/stories")
@role_required(Role.STAFF)
def staff_selection(round_id: int) -> str:
    return _selection_page(load_or_404(Round, round_id, can_manage_round))


def _change_selection(round_id: int, change: Callable[..., Any], done: str) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = ButtonForm()
    if form.validate():
        try:
            change(db.session, round_=round_, actor=_me())
        except ReportError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return _selection_page(load_or_404(Round, round_id, can_manage_round), form)
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("reports.staff_selection", round_id=round_id))


@bp.post("/staff/rounds/<int:round_id>/stories")
@role_required(Role.STAFF)
def open_selection(round_id: int) -> str | Response:
    return _change_selection(
        round_id, services.open_selection, "The selection is open. We have emailed the panel to invite their choices."
    )


@bp.post("/staff/rounds/<int:round_id>/stories/close")
@role_required(Role.STAFF)
def close_selection(round_id: int) -> str | Response:
    return _change_selection(round_id, services.close_selection, "The selection is closed.")


@bp.route("/rounds/<int:round_id>/stories", methods=["GET", "POST"])
@_any_role_required(Role.PANELLIST, Role.STAFF)
def stories(round_id: int) -> str | Response:
    round_ = _story_round_or_404(round_id)
    reports = queries.sent_reports(db.session, round_.id)
    selection = queries.selection_for_round(db.session, round_.id)
    mine = queries.choices_of(db.session, selection, _me().id)
    form = story_choice_form(reports)
    if form.validate_on_submit():
        try:
            services.choose_stories(db.session, round_=round_, user=_me(), picks=form.picks())
        except ReportError as exc:
            db.session.rollback()
            _put_error(form, exc)
        else:
            db.session.commit()
            flash("Your choices are saved. You can change them until the selection closes.", "success")
            return redirect(url_for("reports.stories", round_id=round_id))
    elif not form.is_submitted():
        form = story_choice_form(reports, formdata=None)
        form.story.data = list(mine)
        for report_id, choice in mine.items():
            form[f"reason_{report_id}"].data = choice.reason
    return render_template(
        "reports/staff/stories.html",
        round=round_,
        reports=reports,
        selection=selection,
        form=form,
        ticked=set(form.story.data or []),
        photo_url=_photo_url if is_staff_of(current_user, round_.funder_id) else None,
        max_picks=services.MAX_PICKS,
    )


# --- the learning summary ---------------------------------------------------------------------------------------


@bp.get("/staff/rounds/<int:round_id>/learning")
@_any_role_required(Role.STAFF, Role.AUDITOR)
def learning_summary(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_read_round)
    summary = queries.learning_summary(db.session, round_.id)
    return render_template(
        "reports/staff/learning.html",
        round=round_,
        summary=summary,
        current_user_is_staff=is_staff_of(current_user, round_.funder_id),
    )


@bp.get("/staff/rounds/<int:round_id>/learning.html")
@_any_role_required(Role.STAFF, Role.AUDITOR)
def learning_export(round_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_read_round)
    summary = queries.learning_summary(db.session, round_.id)
    html = render_template("reports/staff/learning_export.html", round=round_, summary=summary, now=utcnow())
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Content-Disposition"] = f'attachment; filename="learning-summary-{_safe(round_.code)}.html"'
    return response
