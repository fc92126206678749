"""Report pages for staff (the round's stories, one story with its conversation, themes and quotes, the
selection, the learning summary), for panellists (choosing the most significant stories) and the group's side of
the conversation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    any_role_required,
    can_choose_stories,
    can_converse_on_report,
    can_manage_round,
    can_read_round,
    can_remove_quote,
    can_respond_to_report,
    current_person,
    load_or_404,
    role_required,
)
from grants.extensions import db
from grants.models import Report, ReportPhoto, ReportQuote, Role, Round, User, utcnow
from grants.reports import bp, queries
from grants.reports import staff_services as services
from grants.reports.staff_forms import (
    ButtonForm,
    MessageForm,
    QuoteForm,
    ReopenSelectionForm,
    ThemeFilterForm,
    ThemesForm,
    story_choice_form,
)
from grants.web import act, attempt


def _safe(code: str) -> str:
    """A round code as it may appear in a download's file name."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", code).strip("-") or "round"


def _report(report_id: int, can: Callable[[User, Report], bool]) -> Report:
    """A report with everything its page shows loaded in a fixed number of queries, if the person passes `can`."""
    queries.report_with_details(db.session, report_id)  # then found in the session by load_or_404
    return load_or_404(Report, report_id, can)


def _photo_url(report: Report, photo: ReportPhoto) -> str:
    """Where a report's photo is served (the group side's page, which lets the funder's staff see it)."""
    return url_for("reports.report_photo", report_date_id=report.report_date_id, photo_id=photo.id)


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
    return _report_page(_report(report_id, can_respond_to_report))


def _on_report(
    report_id: int, form: FlaskForm, form_name: str, change: Callable[..., Any], done: str, anchor: str, **values: Any
) -> str | Response:
    """A staff member's change to one report: on success a message and back to its section of the page; if a rule
    says no, the page again with the message by the form's field."""
    report = _report(report_id, can_respond_to_report)
    if form.validate() and attempt(form, change, db.session, report=report, **values):
        flash(done, "success")
        return redirect(url_for("reports.staff_report", report_id=report_id, _anchor=anchor))
    return _report_page(_report(report_id, can_respond_to_report), **{form_name: form})


@bp.post("/staff/reports/<int:report_id>/messages")
@role_required(Role.STAFF)
def staff_reply(report_id: int) -> str | Response:
    form = MessageForm()
    return _on_report(
        report_id,
        form,
        "message_form",
        services.send_message,
        "Message sent. We have emailed the group.",
        "conversation",
        author=current_person(),
        side=services.STAFF,
        text=form.text.data or "",
    )


@bp.post("/staff/reports/<int:report_id>/themes")
@role_required(Role.STAFF)
def tag(report_id: int) -> str | Response:
    report = _report(report_id, can_respond_to_report)
    form = ThemesForm().set_choices(queries.funder_themes(db.session, report.award.bid.round.funder_id))
    return _on_report(
        report_id,
        form,
        "themes_form",
        services.tag_report,
        "Themes saved.",
        "report-themes",
        theme_ids=form.themes.data or [],
        new_theme=form.new_theme.data or "",
        actor=current_person(),
    )


@bp.post("/staff/reports/<int:report_id>/quotes")
@role_required(Role.STAFF)
def pick_quote(report_id: int) -> str | Response:
    form = QuoteForm()
    return _on_report(
        report_id,
        form,
        "quote_form",
        services.pick_quote,
        "Quote kept for the learning summary.",
        "quotes",
        text=form.quote.data or "",
        actor=current_person(),
    )


@bp.post("/staff/reports/<int:report_id>/share")
@role_required(Role.STAFF)
def approve_sharing(report_id: int) -> str | Response:
    """Approve a story the group offered to share: only then is it on the public page."""
    return _on_report(
        report_id,
        ButtonForm(),
        "share_form",
        services.approve_sharing,
        "Approved: the story is now on the funder's public page.",
        "main-content",
        actor=current_person(),
        now=utcnow(),
    )


@bp.post("/staff/reports/<int:report_id>/quotes/<int:quote_id>/remove")
@role_required(Role.STAFF)
def remove_quote(report_id: int, quote_id: int) -> Response:
    quote = load_or_404(ReportQuote, quote_id, can_remove_quote)
    if quote.report_id != report_id:
        abort(404)  # a quote of another of the funder's reports, under this report's address
    if ButtonForm().validate():
        services.remove_quote(db.session, quote=quote, actor=current_person())
        flash("Quote removed.", "success")
    return redirect(url_for("reports.staff_report", report_id=report_id, _anchor="quotes"))


# --- the group's side of the conversation -----------------------------------------------------------------------


@bp.route("/reports/<int:report_id>/conversation", methods=["GET", "POST"])
@login_required
def conversation(report_id: int) -> str | Response:
    report = _report(report_id, can_converse_on_report)
    form = MessageForm()
    if form.validate_on_submit():
        if attempt(
            form,
            services.send_message,
            db.session,
            report=report,
            author=current_person(),
            side=services.GROUP,
            text=form.text.data or "",
        ):
            flash(f"Message sent. We have told {report.award.bid.round.funder.name}.", "success")
            return redirect(url_for("reports.conversation", report_id=report_id))
        report = _report(report_id, can_converse_on_report)
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
        button_form=form if isinstance(form, ButtonForm) else ButtonForm(formdata=None),
        reopen_form=form if isinstance(form, ReopenSelectionForm) else ReopenSelectionForm(formdata=None),
        form=form,
    )


@bp.get("/staff/rounds/<int:round_id>/stories")
@role_required(Role.STAFF)
def staff_selection(round_id: int) -> str:
    return _selection_page(load_or_404(Round, round_id, can_manage_round))


def _change_selection(round_id: int, change: Callable[..., Any], done: str, **values: Any) -> str | Response:
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = ButtonForm()
    if form.validate():
        if not act(form, change, round_=round_, **values):
            return _selection_page(load_or_404(Round, round_id, can_manage_round), form)
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
    return _change_selection(round_id, services.close_selection, "The selection is closed.", now=utcnow())


@bp.post("/staff/rounds/<int:round_id>/stories/reopen")
@role_required(Role.STAFF)
def reopen_selection(round_id: int) -> str | Response:
    """Reopen a closed selection: only this way, with a reason that is logged for auditors."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = ReopenSelectionForm()
    if form.validate() and act(
        form, services.reopen_selection, round_=round_, reason=form.reason.data or "", now=utcnow()
    ):
        flash("The selection is open again. We have emailed the panel.", "success")
        return redirect(url_for("reports.staff_selection", round_id=round_id))
    return _selection_page(load_or_404(Round, round_id, can_manage_round), form)


@bp.route("/rounds/<int:round_id>/stories", methods=["GET", "POST"])
@any_role_required(Role.PANELLIST, Role.STAFF)
def stories(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_choose_stories)
    me = current_person()
    reports = queries.sent_reports(db.session, round_.id)
    selection = queries.selection_for_round(db.session, round_.id)
    mine = queries.choices_of(db.session, selection, me.id)
    form = story_choice_form(reports)
    if form.validate_on_submit():
        if attempt(form, services.choose_stories, db.session, round_=round_, user=me, picks=form.picks()):
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
        # Panellists read the stories without the photos, which may show people.
        photo_url=_photo_url if can_manage_round(me, round_) else None,
        max_picks=services.MAX_PICKS,
    )


# --- the learning summary ---------------------------------------------------------------------------------------


@bp.get("/staff/rounds/<int:round_id>/learning")
@any_role_required(Role.STAFF, Role.AUDITOR)
def learning_summary(round_id: int) -> str:
    round_ = load_or_404(Round, round_id, can_read_round)
    summary = queries.learning_summary(db.session, round_.id)
    return render_template(
        "reports/staff/learning.html",
        round=round_,
        summary=summary,
        current_user_is_staff=can_manage_round(current_person(), round_),
    )


@bp.get("/staff/rounds/<int:round_id>/learning.html")
@any_role_required(Role.STAFF, Role.AUDITOR)
def learning_export(round_id: int) -> Response:
    round_ = load_or_404(Round, round_id, can_read_round)
    summary = queries.learning_summary(db.session, round_.id)
    html = render_template("reports/staff/learning_export.html", round=round_, summary=summary, now=utcnow())
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Content-Disposition"] = f'attachment; filename="learning-summary-{_safe(round_.code)}.html"'
    return response
