"""The group's report pages: what is due, writing the story, photos, check and send; and staff recording a
story from a phone call or visit on the group's behalf ("tell us another way")."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from grants.auth.permissions import is_group_member, is_staff_of, role_required
from grants.auth.saved_forms import load_form
from grants.extensions import db
from grants.models import Award, Report, ReportDate, ReportPhoto, ReportStatus, Role, User
from grants.reports import bp
from grants.reports import group_services as services
from grants.reports.group_forms import PhotoForm, RemovePhotoForm, ReportForm, SendReportForm


def _me() -> User:
    return current_user._get_current_object()


# --- who may see what: group members; staff of the funder where they record on the group's behalf --------------


def _report_date_or_404(report_date_id: int) -> ReportDate:
    report_date = db.session.get(ReportDate, report_date_id)
    if report_date is None or report_date.award.status not in services.READABLE_AWARDS:
        abort(404)
    return report_date


def _is_member(report_date: ReportDate) -> bool:
    return is_group_member(_me(), report_date.award.bid.group_id)


def _is_staff(report_date: ReportDate) -> bool:
    return is_staff_of(_me(), report_date.award.bid.round.funder_id)


def _group_report_date_or_404(report_date_id: int) -> ReportDate:
    """A report date of one of the signed-in person's groups' awards, else 404."""
    report_date = _report_date_or_404(report_date_id)
    if not _is_member(report_date):
        abort(404)
    return report_date


def _editor_report_date_or_404(report_date_id: int) -> ReportDate:
    """A report date the signed-in person may work on: a member of the group, or staff of the funder recording
    the story on the group's behalf. Anyone else gets 404."""
    report_date = _report_date_or_404(report_date_id)
    if not (_is_member(report_date) or _is_staff(report_date)):
        abort(404)
    return report_date


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
        "status": services.due_status(report_date, report),
        "recorded_by": recorded_by,
        "write_url": _write_url(report_date),
        "is_member": _is_member(report_date),
        "writable": award.status in services.WRITABLE_AWARDS
        and (report is None or report.status == ReportStatus.DRAFT),
    }


@bp.app_template_global()
def group_reports_url(award: Award) -> str | None:
    """The link to an award's reports, for the group's view of its bid (awards/_for_group.html)."""
    if award.status not in services.READABLE_AWARDS or not is_group_member(_me(), award.bid.group_id):
        return None
    return url_for("reports.group_reports", award_id=award.id)


# --- what is due --------------------------------------------------------------------------------------------


@bp.get("/awards/<int:award_id>/reports")
@login_required
def group_reports(award_id: int) -> str:
    award = db.session.get(Award, award_id)
    if award is None or award.status not in services.READABLE_AWARDS or not is_group_member(_me(), award.bid.group_id):
        abort(404)
    reports = services.reports_by_date(db.session, award)
    rows = [
        {
            "report_date": rd,
            "report": reports.get(rd.id),
            "status": services.due_status(rd, reports.get(rd.id)),
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
    if form.validate_on_submit():
        problem = services.save_draft(
            db.session,
            report_date=report_date,
            texts=[entry.data or "" for entry in form.answers.entries],
            recording_url=form.recording_url.data or "",
            actor=_me(),
        )
        db.session.commit()  # saved even with a bad link: a draft never loses what was typed
        if problem:
            form.recording_url.errors = [problem]
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
    return _write(_group_report_date_or_404(report_date_id))


@bp.route("/staff/reports/<int:report_date_id>/record", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_record(report_date_id: int) -> str | Response:
    """Tell us another way: staff write down a story the group told by phone or on a visit, marked as such."""
    report_date = _report_date_or_404(report_date_id)
    if not _is_staff(report_date):
        abort(404)
    return _write(report_date)


# --- photos -------------------------------------------------------------------------------------------------


@bp.route("/reports/<int:report_date_id>/photos", methods=["GET", "POST"])
@login_required
def photos(report_date_id: int) -> str | Response:
    report_date = _editor_report_date_or_404(report_date_id)
    report = services.report_for(db.session, report_date)
    context = _context(report_date, report)
    if not context["writable"]:
        return redirect(context["write_url"])
    form = PhotoForm()
    if form.validate_on_submit():
        upload = form.photo.data
        if upload is None or not getattr(upload, "filename", ""):
            form.photo.errors = ["Choose a photo to upload"]
        else:
            data = upload.read(services.MAX_PHOTO_BYTES + 1)
            try:
                services.add_photo(
                    db.session,
                    report_date=report_date,
                    filename=upload.filename,
                    data=data,
                    people_agreed=bool(form.people_agreed.data),
                    caption=form.caption.data or "",
                    actor=_me(),
                )
            except services.ReportError as exc:
                db.session.rollback()
                getattr(form, exc.field or "photo").errors = [exc.message]
            else:
                db.session.commit()
                flash(f"{upload.filename} has been added to your report.", "success")
                return redirect(url_for("reports.photos", report_date_id=report_date.id))
        report = services.report_for(db.session, report_date)
        context = _context(report_date, report)
    return render_template("reports/group/photos.html", form=form, remove_form=RemovePhotoForm(), **context)


def _photo_or_404(report_date: ReportDate, photo_id: int) -> tuple[Report, ReportPhoto]:
    report = services.report_for(db.session, report_date)
    photo = db.session.get(ReportPhoto, photo_id)
    if report is None or photo is None or photo.report_id != report.id:
        abort(404)
    return report, photo


@bp.post("/reports/<int:report_date_id>/photos/<int:photo_id>/remove")
@login_required
def remove_photo(report_date_id: int, photo_id: int) -> Response:
    report_date = _editor_report_date_or_404(report_date_id)
    report, photo = _photo_or_404(report_date, photo_id)
    if RemovePhotoForm().validate_on_submit():
        try:
            services.remove_photo(db.session, report=report, photo=photo, actor=_me())
        except services.ReportError as exc:
            db.session.rollback()
            flash(exc.message, "info")
        else:
            db.session.commit()
            flash("The photo has been removed.", "success")
    return redirect(url_for("reports.photos", report_date_id=report_date.id))


@bp.get("/reports/<int:report_date_id>/photos/<int:photo_id>")
@login_required
def report_photo(report_date_id: int, photo_id: int) -> Response:
    """A photo, only for the group's members and the funder's staff, never cached or sniffed as anything else."""
    report_date = _editor_report_date_or_404(report_date_id)
    _, photo = _photo_or_404(report_date, photo_id)
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
    report_date = _editor_report_date_or_404(report_date_id)
    report = services.report_for(db.session, report_date)
    context = _context(report_date, report)
    if report is None or not context["writable"]:
        return redirect(context["write_url"])
    form = load_form(SendReportForm)
    page_error = None
    if form.validate_on_submit():
        try:
            sent = services.submit_report(
                db.session, report=report, share_publicly=form.share.data == "yes", actor=_me()
            )
        except services.ReportError as exc:
            db.session.rollback()
            if exc.field:
                getattr(form, exc.field).errors = [exc.message]
            else:
                page_error = exc.message
        else:
            db.session.commit()
            if sent:
                flash("Thank you. Your report has been sent to the funder.", "success")
            return redirect(context["write_url"])
    if page_error is None and not services.has_something(report):
        page_error = services.NOTHING_TOLD
    return render_template("reports/group/check.html", form=form, page_error=page_error, **context)
