"""The applicant's pages for a bid: start it, the task list and its steps, check answers, send, and after."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from grants.auth.permissions import (
    can_see_published_round,
    current_person,
    is_own_group_bid,
    load_bid_to_work_on,
    load_or_404,
    works_on_behalf_of_group,
)
from grants.auth.saved_forms import load_form
from grants.awards.queries import group_view_of_award
from grants.bids import attachments, bp, groups, queries, services
from grants.bids.downloads import send_attachment
from grants.bids.forms import (
    AmountForm,
    AnswerForm,
    AttachmentForm,
    ChooseGroupForm,
    ConfirmForm,
    GroupForm,
    RecordingForm,
    RemoveForm,
    StartForm,
    SubmitBidForm,
    TitleForm,
    WithdrawForm,
)
from grants.bids.lifecycle import accepting_bids
from grants.bids.task_list import problem_links, task_sections
from grants.domain import DomainError
from grants.extensions import db
from grants.models import Bid, BidStatus, Group, Round, utcnow
from grants.money import pounds_as_typed
from grants.web import act, act_on_upload, attempt


def _after_save(bid: Bid, form: FlaskForm, next_url: str) -> Response:
    """'Save and come back later' goes to the list of bids; 'Save and continue' to the next step."""
    if getattr(getattr(form, "later", None), "data", False):
        flash("Your answers have been saved. You can come back to this bid at any time.", "success")
        if works_on_behalf_of_group(current_person(), bid):
            return redirect(url_for("bids.view", bid_id=bid.id))
        return redirect(url_for("home.applicant"))
    return redirect(next_url)


def _task_list_url(bid: Bid) -> str:
    return url_for("bids.view", bid_id=bid.id)


def _draft_bid(bid_id: int) -> Bid:
    """The bid a step of the task list changes: one the person works on, still a draft (a sent bid's steps send
    them to the bid's page, to return it to draft first)."""
    bid = load_bid_to_work_on(bid_id)
    if bid.status != BidStatus.DRAFT:
        flash("This bid has been sent. Return it to draft to change it.", "info")
        abort(redirect(url_for("bids.view", bid_id=bid.id)))
    return bid


# --- starting -----------------------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@login_required
def start(round_id: int) -> str | Response:
    round_ = load_or_404(Round, round_id, can_see_published_round)
    my_groups = queries.groups_of(db.session, current_person())
    if not my_groups:
        return redirect(url_for("bids.group_new", round_id=round_.id))
    existing = queries.bids_by_group(db.session, round_.id, [g.id for g in my_groups])
    if len(my_groups) == 1 and my_groups[0].id in existing:
        return redirect(url_for("bids.view", bid_id=existing[my_groups[0].id].id))
    accepting = accepting_bids(round_, now=utcnow())
    form: ChooseGroupForm | StartForm
    if len(my_groups) == 1:
        form = StartForm()
        if form.validate_on_submit():
            return _start_for(form, round_, my_groups[0])
    else:
        form = ChooseGroupForm()
        form.group_id.choices = [(g.id, g.name) for g in my_groups]
        if form.validate_on_submit():
            chosen = next(g for g in my_groups if g.id == form.group_id.data)
            if chosen.id in existing:
                return redirect(url_for("bids.view", bid_id=existing[chosen.id].id))
            return _start_for(form, round_, chosen)
    return render_template(
        "bids/start.html", round=round_, groups=my_groups, existing=existing, form=form, accepting=accepting
    )


def _start_for(form: FlaskForm, round_: Round, group: Group) -> Response:
    done = act(form, services.start_bid, round_=round_, group=group, now=utcnow())
    if done.value is None:
        flash(str(done.error), "info")
        return redirect(url_for("rounds.public_round", round_id=round_.id))
    return redirect(url_for("bids.view", bid_id=done.value.id))


# --- the task list and its pages ----------------------------------------------------------------------------


@bp.get("/bids/<int:bid_id>")
@login_required
def view(bid_id: int) -> str:
    bid = load_bid_to_work_on(bid_id)
    accepting = accepting_bids(bid.round, now=utcnow())
    if bid.status == BidStatus.DRAFT:
        return render_template(
            "bids/task_list.html",
            bid=bid,
            problems=services.problems(bid),
            accepting=accepting,
            sections=task_sections(bid),
        )
    group_award = group_view_of_award(db.session, bid, reader_in_group=is_own_group_bid(current_person(), bid))
    return render_template("bids/sent.html", bid=bid, accepting=accepting, form=ConfirmForm(), group_award=group_award)


@bp.route("/bids/<int:bid_id>/group", methods=["GET", "POST"])
@login_required
def group(bid_id: int) -> str | Response:
    bid = _draft_bid(bid_id)
    form = load_form(GroupForm, GroupForm.data_for(bid.group))
    if form.validate_on_submit() and act(form, groups.update_group, group=bid.group, details=form.details()):
        return _after_save(bid, form, url_for("bids.title", bid_id=bid.id))
    return render_template("bids/group_form.html", form=form, group=bid.group, bid=bid)


@bp.route("/bids/<int:bid_id>/title", methods=["GET", "POST"])
@login_required
def title(bid_id: int) -> str | Response:
    bid = _draft_bid(bid_id)
    form = load_form(TitleForm, {"title": bid.title})
    if form.validate_on_submit() and attempt(
        form, services.save_title, db.session, bid=bid, title=form.title.data or ""
    ):
        first = bid.round.questions[0].position if bid.round.questions else None
        next_url = url_for("bids.question", bid_id=bid.id, position=first) if first else _task_list_url(bid)
        return _after_save(bid, form, next_url)
    return render_template("bids/title.html", bid=bid, form=form)


@bp.route("/bids/<int:bid_id>/questions/<int:position>", methods=["GET", "POST"])
@login_required
def question(bid_id: int, position: int) -> str | Response:
    bid = _draft_bid(bid_id)
    questions = bid.round.questions
    index = next((i for i, q in enumerate(questions) if q.position == position), None)
    if index is None:
        abort(404)
    q = questions[index]
    form = load_form(AnswerForm, {"answer": services.answer_text(bid, q)})
    if form.validate_on_submit() and (
        done := attempt(form, services.save_answer, db.session, bid=bid, question=q, text=form.answer.data or "")
    ):
        if done.value is not None:
            # Kept as typed (a draft never loses what was typed), and said at once: it cannot be sent like this.
            form.answer.errors = [done.value]
        else:
            nxt = questions[index + 1] if index + 1 < len(questions) else None
            next_url = (
                url_for("bids.question", bid_id=bid.id, position=nxt.position)
                if nxt
                else url_for("bids.amount", bid_id=bid.id)
            )
            return _after_save(bid, form, next_url)
    words = services.word_count(form.answer.data or "")
    return render_template(
        "bids/question.html", bid=bid, question=q, form=form, words=words, number=index + 1, total=len(questions)
    )


def _show_amount_problems(form: AmountForm, error: DomainError | None) -> None:
    """Put each message of the amount page by its box (`attempt` has put the first by the amount or the lines)."""
    if not isinstance(error, services.AmountProblems):
        return
    for key, message in error.errors.items():
        if key == "amount":
            form.amount.errors = [message]
        else:
            _, i, name = key.split("-")
            form.lines[int(i)].form[name].errors = [message]
    # A FieldList works out its errors when validated; recount them from its rows.
    form.lines.errors = [row.errors for row in form.lines] if any(row.errors for row in form.lines) else []


@bp.route("/bids/<int:bid_id>/amount", methods=["GET", "POST"])
@login_required
def amount(bid_id: int) -> str | Response:
    bid = _draft_bid(bid_id)
    data = None
    if request.method == "GET":
        data = {
            "amount": pounds_as_typed(bid.amount_pence) if bid.amount_pence else "",
            "lines": [{"item": line.item, "cost": pounds_as_typed(line.cost_pence)} for line in bid.budget_lines],
        }
    form = load_form(AmountForm, data)
    if form.validate_on_submit():
        lines = [services.BudgetLineInput(item=e.item.data or "", cost=e.cost.data or "") for e in form.lines]
        if done := attempt(form, services.save_amount, db.session, bid=bid, amount=form.amount.data or "", lines=lines):
            return _after_save(bid, form, url_for("bids.extras", bid_id=bid.id))
        _show_amount_problems(form, done.error)
    return render_template("bids/amount.html", bid=bid, form=form)


@bp.get("/bids/<int:bid_id>/extras")
@login_required
def extras(bid_id: int) -> str | Response:
    bid = _draft_bid(bid_id)
    return render_template("bids/extras.html", bid=bid)


@bp.route("/bids/<int:bid_id>/recording", methods=["GET", "POST"])
@login_required
def recording(bid_id: int) -> str | Response:
    bid = _draft_bid(bid_id)
    form = load_form(RecordingForm, {"url": bid.recording_url})
    if form.validate_on_submit() and attempt(
        form, services.save_recording, db.session, bid=bid, url=form.url.data or ""
    ):
        return _after_save(bid, form, url_for("bids.extras", bid_id=bid.id))
    return render_template("bids/recording.html", bid=bid, form=form)


@bp.route("/bids/<int:bid_id>/attachment", methods=["GET", "POST"])
@login_required
def attachment(bid_id: int) -> str | Response:
    bid = _draft_bid(bid_id)
    form = AttachmentForm()
    if form.validate_on_submit() and (
        saved := act_on_upload(
            form,
            form.file,
            attachments.save_attachment,
            missing="Choose a file to upload",
            max_bytes=attachments.MAX_ATTACHMENT_BYTES,
            bid=bid,
        )
    ):
        flash(f"{saved.filename} has been uploaded.", "success")
        return redirect(url_for("bids.extras", bid_id=bid.id))
    return render_template("bids/attachment.html", bid=bid, form=form, remove_form=RemoveForm())


@bp.post("/bids/<int:bid_id>/attachment/remove")
@login_required
def remove_attachment(bid_id: int) -> Response:
    bid = _draft_bid(bid_id)
    form = RemoveForm()
    if form.validate_on_submit() and act(form, attachments.remove_attachment, bid=bid):
        flash("The file has been removed.", "success")
    return redirect(url_for("bids.extras", bid_id=bid.id))


@bp.get("/bids/<int:bid_id>/attachment/file")
@login_required
def attachment_file(bid_id: int) -> Response:
    bid = load_bid_to_work_on(bid_id)
    if bid.attachment is None:
        abort(404)
    return send_attachment(bid.attachment)


# --- check, send, and after ---------------------------------------------------------------------------------


@bp.route("/bids/<int:bid_id>/check", methods=["GET", "POST"])
@login_required
def check(bid_id: int) -> str | Response:
    bid = load_bid_to_work_on(bid_id)
    if bid.status == BidStatus.SUBMITTED:
        return redirect(url_for("bids.confirmation", bid_id=bid.id))
    me = current_person()
    signer = bid.group.contact_name if works_on_behalf_of_group(me, bid) else me.name
    form = load_form(SubmitBidForm, {"declaration_name": signer})
    now = utcnow()
    if form.validate_on_submit() and attempt(
        form,
        services.submit_bid,
        db.session,
        bid=bid,
        declaration_name=form.declaration_name.data or "",
        confirmed=bool(form.confirm.data),
        actor=me,
        now=now,
    ):
        return redirect(url_for("bids.confirmation", bid_id=bid.id))
    return render_template(
        "bids/check.html", bid=bid, form=form, problems=problem_links(bid), accepting=accepting_bids(bid.round, now=now)
    )


@bp.get("/bids/<int:bid_id>/sent")
@login_required
def confirmation(bid_id: int) -> str | Response:
    bid = load_bid_to_work_on(bid_id)
    if bid.status == BidStatus.DRAFT:
        return redirect(url_for("bids.view", bid_id=bid.id))
    return render_template("bids/confirmation.html", bid=bid)


@bp.post("/bids/<int:bid_id>/return-to-draft")
@login_required
def return_to_draft(bid_id: int) -> Response:
    bid = load_bid_to_work_on(bid_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if done := act(form, services.return_to_draft, bid=bid, now=utcnow()):
            flash("Your bid is back in draft. Send it again before the deadline.", "success")
        else:
            flash(str(done.error), "info")
    return redirect(url_for("bids.view", bid_id=bid.id))


@bp.route("/bids/<int:bid_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(bid_id: int) -> str | Response:
    bid = load_bid_to_work_on(bid_id)
    form = load_form(WithdrawForm)
    if form.validate_on_submit():
        done = act(form, services.withdraw_bid, bid=bid, reason=form.reason.data or "", now=utcnow())
        if done:
            flash("Your bid has been withdrawn.", "success")
            return redirect(url_for("bids.view", bid_id=bid.id))
        if done.error is not None and done.error.field is None:
            flash(done.error.message, "info")  # refused as a whole: the bid's page says where it stands
            return redirect(url_for("bids.view", bid_id=bid.id))
    return render_template("bids/withdraw.html", bid=bid, form=form)
