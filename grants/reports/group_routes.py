"""The group's report pages: what is due, writing the story, photos, check and send; and staff recording a
story from a phone call or visit on the group's behalf ("tell us another way")."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_edit_report,
    can_read_award_reports,
    can_record_report,
    can_see_report_photo,
    can_write_group_report,
    current_person,
    is_group_member,
    load_or_404,
    role_required,
)
from grants.auth.saved_forms import load_form
from grants.extensions import db
from grants.models import Award, Report, ReportDate, ReportPhoto, ReportStatus, Role, User, utcnow
from grants.reports import bp
from grants.reports import group_services as services
from grants.reports.group_forms import PhotoForm, RemovePhotoForm, ReportForm, SendReportForm
from grants.reports.rules import WRITABLE_AWARDS
from grants.timefmt import today_in_london
from grants.web import act, act_on_upload


def _is_member(report_date: ReportDate) -> bool:
    return is_group_member(current_person(), report_date.award.bid.group_id)


def _write_url(report_date: ReportDate) -> str:
    """The story's page for this person: the group's own, or staff's "record on behalf" page."""
    if _is_member(report_date):
        return url_for("reports.write", report_date_id=report_date.id)
    return url_for("reports.staff_record", report_date_id=report_date.id)


def _context(report_date: ReportDate, report: Report | None) -> dict[str, Any]:
    award = report_date.award
    recorded_by = (
        db.session.get(User, report.recorded_by_staff_id)
        if report is not None and report.recorded_by_staff_id
        else None
    )
    return {
        "report_date": report_date,
        "report": report,
        "award": award,
        "bid": award.bid,
        "status": services.due_status(report_date, report, today=today_in_london(utcnow())),
        "recorded_by": recorded_by,
        "write_url": _write_url(report_date),
        "is_member": _is_member(report_date),
        "writable": award.status in WRITABLE_AWARDS and (report is None or report.status == ReportStatus.DRAFT),
    }


def _writable(report_date_id: int) -> tuple[ReportDate, Report | None, dict[str, Any]]:
    """A report date the person may edit, its report and the page's context; a report that can no longer be
    changed sends them to its page instead."""
    report_date = load_or_404(ReportDate, report_date_id, can_edit_report)
    report = services.report_for(db.session, report_date)
    context = _context(report_date, report)
    if not context["writable"]:
        abort(redirect(context["write_url"]))
    return report_date, report, context


# --- what is due --------------------------------------------------------------------------------------------


@bp.get("/awards/<int:award_id>/reports")
@login_required
def group_reports(award_id: int) -> str:
    award = load_or_404(Award, award_id, can_read_award_reports)
    reports = services.reports_by_date(db.session, award)
    today = today_in_london(utcnow())
    rows = [
        {
            "report_date": rd,
            "report": reports.get(rd.id),
            "status": services.due_status(rd, reports.get(rd.id), today=today),
        }
        for rd in award.report_dates
    ]
    return render_template("reports/group/list.html", award=award, bid=award.bid, rows=rows)


# --- the story ----------------------------------------------------------------------------------------------


def _write(report_date: ReportDate) -> str | Response:
    report = services.report_for(db.session, report_date)
    context = _context(report_date, report)
    if not context["writable"]:
        return render_template("reports/group/view.html", **context)
    prompts = [a["prompt"] for a in services.answers_for(report, services.prompts_for(report_date.award.bid.round))]
    saved = services.answers_for(report, prompts)
    form = load_form(
        ReportForm,
        {"answers": [a["text"] for a in saved], "recording_url": report.recording_url if report else ""},
    )
    # However many fields were posted, show one per prompt.
    while len(form.answers.entries) < len(prompts):
        form.answers.append_entry("")
    if form.validate_on_submit() and (
        saved_draft := act(
            form,
            services.save_draft,
            report_date=report_date,
            texts=[entry.data or "" for entry in form.answers.entries],
            recording_url=form.recording_url.data or "",
        )
    ):
        # The draft is kept even with a bad link (the page commits): a draft never loses what was typed.
        if saved_draft.value:
            form.recording_url.errors = [saved_draft.value]
        elif form.later.data:
            flash("Your report has been saved. You can come back to it at any time before you send it.", "success")
            if _is_member(report_date):
                return redirect(url_for("reports.group_reports", award_id=report_date.award_id))
            return redirect(_write_url(report_date))
        else:
            return redirect(url_for("reports.photos", report_date_id=report_date.id))
        report = services.report_for(db.session, report_date)
        context = _context(report_date, report)
    return render_template(
        "reports/group/write.html",
        form=form,
        prompts=prompts,
        fields=list(zip(prompts, form.answers.entries, strict=False)),
        **context,
    )


@bp.route("/reports/<int:report_date_id>", methods=["GET", "POST"])
@login_required
def write(report_date_id: int) -> str | Response:
    return _write(load_or_404(ReportDate, report_date_id, can_write_group_report))


@bp.route("/staff/reports/<int:report_date_id>/record", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_record(report_date_id: int) -> str | Response:
    """Tell us another way: staff write down a story the group told by phone or on a visit, marked as such."""
    return _write(load_or_404(ReportDate, report_date_id, can_record_report))


# --- photos -------------------------------------------------------------------------------------------------


@bp.route("/reports/<int:report_date_id>/photos", methods=["GET", "POST"])
@login_required
def photos(report_date_id: int) -> str | Response:
    report_date, report, context = _writable(report_date_id)
    form = PhotoForm()
    if form.validate_on_submit():
        saved = act_on_upload(
            form,
            form.photo,
            services.add_photo,
            missing="Choose a photo to upload",
            max_bytes=services.MAX_PHOTO_BYTES,
            report_date=report_date,
            people_agreed=bool(form.people_agreed.data),
            caption=form.caption.data or "",
        )
        if saved:
            flash(f"{saved.filename} has been added to your report.", "success")
            return redirect(url_for("reports.photos", report_date_id=report_date.id))
        report = services.report_for(db.session, report_date)
        context = _context(report_date, report)
    return render_template("reports/group/photos.html", form=form, remove_form=RemovePhotoForm(), **context)


def _photo(report_date_id: int, photo_id: int) -> ReportPhoto:
    photo = load_or_404(ReportPhoto, photo_id, can_see_report_photo)
    if photo.report.report_date_id != report_date_id:
        abort(404)  # a photo of another of the person's reports, under this report's address
    return photo


@bp.post("/reports/<int:report_date_id>/photos/<int:photo_id>/remove")
@login_required
def remove_photo(report_date_id: int, photo_id: int) -> Response:
    photo = _photo(report_date_id, photo_id)
    form = RemovePhotoForm()
    if form.validate_on_submit():
        removed = act(form, services.remove_photo, report=photo.report, photo=photo)
        if removed:
            flash("The photo has been removed.", "success")
        elif removed.error is not None:
            flash(removed.error.message, "info")
    return redirect(url_for("reports.photos", report_date_id=report_date_id))


@bp.get("/reports/<int:report_date_id>/photos/<int:photo_id>")
@login_required
def report_photo(report_date_id: int, photo_id: int) -> Response:
    """A photo, only for the group's members and the funder's staff, never cached or sniffed as anything else."""
    photo = _photo(report_date_id, photo_id)
    response = send_file(
        io.BytesIO(photo.content), mimetype=photo.content_type, as_attachment=False, download_name=photo.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- check and send -----------------------------------------------------------------------------------------


@bp.route("/reports/<int:report_date_id>/check", methods=["GET", "POST"])
@login_required
def check(report_date_id: int) -> str | Response:
    _, report, context = _writable(report_date_id)
    if report is None:
        return redirect(context["write_url"])
    form = load_form(SendReportForm)
    if form.validate_on_submit() and (
        sent := act(form, services.submit_report, report=report, share_publicly=form.share.data == "yes", now=utcnow())
    ):
        if sent.value:
            flash("Thank you. Your report has been sent to the funder.", "success")
        return redirect(context["write_url"])
    # A message for the whole report is shown with a link to the story, not in the form's own summary.
    page_error = form.form_errors.pop(0) if form.form_errors else None
    if page_error is None and not services.has_something(report):
        page_error = services.NOTHING_TOLD
    return render_template("reports/group/check.html", form=form, page_error=page_error, **context)
