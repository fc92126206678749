"""The applicant's pages: group profile, the bid task list, check answers, submit, and after."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from grants.auth import services as account_services
from grants.auth.permissions import (
    can_manage_round,
    can_work_on_bid,
    current_person,
    group_ids,
    is_group_member,
    is_own_group_bid,
    load_or_404,
    role_required,
)
from grants.auth.saved_forms import load_form
from grants.awards.queries import group_view_of_award
from grants.bids import bp, services
from grants.bids.forms import (
    AmountForm,
    AnswerForm,
    AttachmentForm,
    ChooseGroupForm,
    ConfirmForm,
    GroupForm,
    InviteMemberForm,
    RecordingForm,
    RemoveForm,
    StartForm,
    SubmitBidForm,
    TitleForm,
    WithdrawForm,
)
from grants.extensions import db
from grants.models import Bid, BidStatus, Group, GroupKind, GroupMember, Role, Round, RoundStatus, User


def _me() -> User:
    return current_user._get_current_object()


def _open_round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or round_.status == RoundStatus.DRAFT:
        abort(404)
    return round_


def _my_groups() -> list[Group]:
    ids = group_ids(_me())
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Group).where(Group.id.in_(ids)).order_by(Group.name)))


def _group_details(form: GroupForm) -> services.GroupDetails:
    return services.GroupDetails(
        name=form.name.data or "",
        area=form.area.data or "",
        kind=GroupKind(form.kind.data),
        registration_number=form.registration_number.data or "",
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
    )


def _after_save(bid: Bid, form: object, next_url: str) -> Response:
    """'Save and come back later' goes to the list of bids; 'Save and continue' to the next step."""
    if getattr(getattr(form, "later", None), "data", False):
        flash("Your answers have been saved. You can come back to this bid at any time.", "success")
        if bid.entered_by_staff_id is not None and not is_group_member(_me(), bid.group_id):
            return redirect(url_for("bids.view", bid_id=bid.id))
        return redirect(url_for("home.applicant"))
    return redirect(next_url)


def _task_list_url(bid: Bid) -> str:
    return url_for("bids.view", bid_id=bid.id)


def _not_draft(bid: Bid) -> Response | None:
    if bid.status != BidStatus.DRAFT:
        flash("This bid has been sent. Return it to draft to change it.", "info")
        return redirect(url_for("bids.view", bid_id=bid.id))
    return None


# --- starting -----------------------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@login_required
def start(round_id: int) -> str | Response:
    round_ = _open_round_or_404(round_id)
    groups = _my_groups()
    if not groups:
        return redirect(url_for("bids.group_new", round_id=round_.id))
    existing = {
        b.group_id: b
        for b in db.session.scalars(
            sa.select(Bid).where(Bid.round_id == round_.id, Bid.group_id.in_([g.id for g in groups]))
        )
    }
    if len(groups) == 1 and groups[0].id in existing:
        return redirect(url_for("bids.view", bid_id=existing[groups[0].id].id))
    accepting = services.accepting_bids(round_)
    form: ChooseGroupForm | StartForm
    if len(groups) == 1:
        form = StartForm()
        group = groups[0]
        if form.validate_on_submit():
            return _start_for(round_, group)
    else:
        form = ChooseGroupForm()
        form.group_id.choices = [(g.id, g.name) for g in groups]
        if form.validate_on_submit():
            chosen = next(g for g in groups if g.id == form.group_id.data)
            if chosen.id in existing:
                return redirect(url_for("bids.view", bid_id=existing[chosen.id].id))
            return _start_for(round_, chosen)
    return render_template(
        "bids/start.html", round=round_, groups=groups, existing=existing, form=form, accepting=accepting
    )


def _start_for(round_: Round, group: Group) -> str | Response:
    try:
        bid = services.start_bid(db.session, round_=round_, group=group, actor=_me())
    except services.BidError as exc:
        db.session.rollback()
        flash(exc.message, "info")
        return redirect(url_for("rounds.public_round", round_id=round_.id))
    db.session.commit()
    return redirect(url_for("bids.view", bid_id=bid.id))


# --- groups -------------------------------------------------------------------------------------------------


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def group_new() -> str | Response:
    round_id = request.args.get("round_id", type=int)
    form = load_form(GroupForm, {"contact_name": _me().name, "contact_email": _me().email})
    if form.validate_on_submit():
        try:
            group = services.create_group(db.session, details=_group_details(form), creator=_me())
        except services.BidError as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(exc.message)
        else:
            db.session.commit()
            flash(f"{group.name} has been saved.", "success")
            if round_id is not None:
                return redirect(url_for("bids.start", round_id=round_id))
            return redirect(url_for("home.applicant"))
    return render_template("bids/group_form.html", form=form, group=None, bid=None)


def _group_data(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "area": group.area,
        "kind": group.kind.value,
        "registration_number": group.registration_number or "",
        "contact_name": group.contact_name,
        "contact_email": group.contact_email,
        "contact_phone": group.contact_phone,
    }


def _my_group_or_404(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or not is_group_member(_me(), group.id):
        abort(404)
    return group


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@login_required
def group_edit(group_id: int) -> str | Response:
    group = _my_group_or_404(group_id)
    form = load_form(GroupForm, _group_data(group))
    if form.validate_on_submit():
        try:
            services.update_group(db.session, group=group, details=_group_details(form), actor=_me())
        except services.BidError as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(exc.message)
        else:
            db.session.commit()
            flash("Your group's details have been saved.", "success")
            return redirect(url_for("home.applicant"))
    return render_template("bids/group_form.html", form=form, group=group, bid=None)


@bp.route("/groups/<int:group_id>/members", methods=["GET", "POST"])
@login_required
def group_members(group_id: int) -> str | Response:
    group = _my_group_or_404(group_id)
    form = InviteMemberForm()
    if form.validate_on_submit():
        account_services.invite(
            db.session, email=form.email.data or "", role=Role.GROUP_MEMBER, group=group, invited_by=_me()
        )
        db.session.commit()
        flash(f"Invitation sent to {form.email.data}. When they accept, they can see and change your bids.", "success")
        return redirect(url_for("bids.group_members", group_id=group.id))
    members = list(
        db.session.scalars(
            sa.select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group.id)
            .order_by(User.name)
        )
    )
    return render_template("bids/group_members.html", group=group, members=members, form=form)


# --- the task list and its pages ----------------------------------------------------------------------------


@bp.get("/bids/<int:bid_id>")
@login_required
def view(bid_id: int) -> str:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    accepting = services.accepting_bids(bid.round)
    if bid.status == BidStatus.DRAFT:
        return render_template(
            "bids/task_list.html",
            bid=bid,
            problems=services.problems(bid),
            accepting=accepting,
            sections=_task_sections(bid),
        )
    group_award = group_view_of_award(db.session, bid, reader_in_group=is_own_group_bid(current_person(), bid))
    return render_template("bids/sent.html", bid=bid, accepting=accepting, form=ConfirmForm(), group_award=group_award)


def _status(text: str, colour: str | None = None) -> dict[str, object]:
    if colour is None:
        return {"text": text}
    return {"tag": {"text": text, "classes": f"govuk-tag--{colour}"}}


def _task_sections(bid: Bid) -> list[dict[str, object]]:
    """The task list: each step, where it is, and how far along."""
    done, todo = _status("Completed"), _status("Incomplete", "blue")
    has_recording = bool(bid.recording_url)
    question_items = []
    for q in bid.round.questions:
        text = services.answer_for(bid, q).text
        words = services.word_count(text)
        if words > q.word_limit:
            status = _status("Too long", "red")
        elif words:
            status = done
        elif not q.required:
            status = _status("Optional", "grey")
        elif has_recording:
            status = _status("Recording sent instead", "grey")
        else:
            status = todo
        question_items.append(
            {
                "title": {"text": q.prompt},
                "href": url_for("bids.question", bid_id=bid.id, position=q.position),
                "hint": {"text": f"Up to {q.word_limit} words"},
                "status": status,
            }
        )
    problems = services.problems(bid)
    amount_ok = not any(p.endpoint == "bids.amount" for p in problems)
    extras = [x for x in ("a recording link" if has_recording else "", "a file" if bid.attachment else "") if x]
    return [
        {
            "heading": "About your group",
            "items": [
                {
                    "title": {"text": "Check your group's details"},
                    "href": url_for("bids.group", bid_id=bid.id),
                    "status": done if services.group_complete(bid.group) else todo,
                },
            ],
        },
        {
            "heading": "Your idea",
            "items": [
                {
                    "title": {"text": "Give your idea a short name"},
                    "href": url_for("bids.title", bid_id=bid.id),
                    "status": done if bid.title.strip() else todo,
                },
                *question_items,
            ],
        },
        {
            "heading": "Money",
            "items": [
                {
                    "title": {"text": "How much you are asking for"},
                    "href": url_for("bids.amount", bid_id=bid.id),
                    "status": done if amount_ok else todo,
                },
            ],
        },
        {
            "heading": "Extras (optional)",
            "items": [
                {
                    "title": {"text": "Add a recording or a file"},
                    "href": url_for("bids.extras", bid_id=bid.id),
                    "hint": {
                        "text": "A short video or audio instead of writing, or a leaflet, photo or letter of support"
                    },
                    "status": _status("Added: " + " and ".join(extras)) if extras else _status("Optional", "grey"),
                },
            ],
        },
        {
            "heading": "Send",
            "items": [
                {
                    "title": {"text": "Check your answers and send"},
                    "href": url_for("bids.check", bid_id=bid.id) if not problems else None,
                    "status": _status("Ready to send", "green") if not problems else _status("Cannot start yet"),
                },
            ],
        },
    ]


@bp.route("/bids/<int:bid_id>/group", methods=["GET", "POST"])
@login_required
def group(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    form = load_form(GroupForm, _group_data(bid.group))
    if form.validate_on_submit():
        try:
            services.update_group(db.session, group=bid.group, details=_group_details(form), actor=_me())
        except services.BidError as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(exc.message)
        else:
            db.session.commit()
            return _after_save(bid, form, url_for("bids.title", bid_id=bid.id))
    return render_template("bids/group_form.html", form=form, group=bid.group, bid=bid)


@bp.route("/bids/<int:bid_id>/title", methods=["GET", "POST"])
@login_required
def title(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    form = load_form(TitleForm, {"title": bid.title})
    if form.validate_on_submit():
        services.save_title(db.session, bid=bid, title=form.title.data or "")
        db.session.commit()
        first = bid.round.questions[0].position if bid.round.questions else None
        next_url = url_for("bids.question", bid_id=bid.id, position=first) if first else _task_list_url(bid)
        return _after_save(bid, form, next_url)
    return render_template("bids/title.html", bid=bid, form=form)


@bp.route("/bids/<int:bid_id>/questions/<int:position>", methods=["GET", "POST"])
@login_required
def question(bid_id: int, position: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    questions = bid.round.questions
    index = next((i for i, q in enumerate(questions) if q.position == position), None)
    if index is None:
        abort(404)
    q = questions[index]
    saved = services.answer_for(bid, q).text
    form = load_form(AnswerForm, {"answer": saved})
    problem = None
    if form.validate_on_submit():
        problem = services.save_answer(db.session, bid=bid, question=q, text=form.answer.data or "")
        db.session.commit()  # saved even when over the limit: a draft never loses what was typed
        if problem and "Cut it" in problem:
            form.answer.errors = [problem]
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


@bp.route("/bids/<int:bid_id>/amount", methods=["GET", "POST"])
@login_required
def amount(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    data = None
    if request.method == "GET":
        data = {
            "amount": f"{bid.amount_pence / 100:.2f}".removesuffix(".00") if bid.amount_pence else "",
            "lines": [
                {"item": line.item, "cost": f"{line.cost_pence / 100:.2f}".removesuffix(".00")}
                for line in bid.budget_lines
            ],
        }
    form = load_form(AmountForm, data)
    if form.validate_on_submit():
        lines = [services.BudgetLineInput(item=e.item.data or "", cost=e.cost.data or "") for e in form.lines]
        try:
            services.save_amount(db.session, bid=bid, amount=form.amount.data or "", lines=lines)
        except services.AmountErrors as exc:
            db.session.rollback()
            for key, message in exc.errors.items():
                if key == "amount":
                    form.amount.errors = [message]
                else:
                    _, i, name = key.split("-")
                    getattr(form.lines[int(i)].form, name).errors = [message]
        else:
            db.session.commit()
            return _after_save(bid, form, url_for("bids.extras", bid_id=bid.id))
    return render_template("bids/amount.html", bid=bid, form=form)


@bp.get("/bids/<int:bid_id>/extras")
@login_required
def extras(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    return render_template("bids/extras.html", bid=bid)


@bp.route("/bids/<int:bid_id>/recording", methods=["GET", "POST"])
@login_required
def recording(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    form = load_form(RecordingForm, {"url": bid.recording_url})
    if form.validate_on_submit():
        try:
            services.save_recording(db.session, bid=bid, url=form.url.data or "")
        except services.BidError as exc:
            db.session.rollback()
            form.url.errors = [exc.message]
        else:
            db.session.commit()
            return _after_save(bid, form, url_for("bids.extras", bid_id=bid.id))
    return render_template("bids/recording.html", bid=bid, form=form)


@bp.route("/bids/<int:bid_id>/attachment", methods=["GET", "POST"])
@login_required
def attachment(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choose a file to upload"]
        else:
            data = upload.read(services.MAX_ATTACHMENT_BYTES + 1)
            try:
                services.save_attachment(db.session, bid=bid, filename=upload.filename, data=data, actor=_me())
            except services.BidError as exc:
                db.session.rollback()
                form.file.errors = [exc.message]
            else:
                db.session.commit()
                flash(f"{upload.filename} has been uploaded.", "success")
                return redirect(url_for("bids.extras", bid_id=bid.id))
    return render_template("bids/attachment.html", bid=bid, form=form, remove_form=RemoveForm())


@bp.post("/bids/<int:bid_id>/attachment/remove")
@login_required
def remove_attachment(bid_id: int) -> Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if (redirect_to := _not_draft(bid)) is not None:
        return redirect_to
    if RemoveForm().validate_on_submit():
        services.remove_attachment(db.session, bid=bid, actor=_me())
        db.session.commit()
        flash("The file has been removed.", "success")
    return redirect(url_for("bids.extras", bid_id=bid.id))


@bp.get("/bids/<int:bid_id>/attachment/file")
@login_required
def attachment_file(bid_id: int) -> Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if bid.attachment is None:
        abort(404)
    response = send_file(
        io.BytesIO(bid.attachment.content),
        mimetype=bid.attachment.content_type,
        as_attachment=True,
        download_name=bid.attachment.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- check, send, and after ---------------------------------------------------------------------------------


@bp.route("/bids/<int:bid_id>/check", methods=["GET", "POST"])
@login_required
def check(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if bid.status == BidStatus.SUBMITTED:
        return redirect(url_for("bids.confirmation", bid_id=bid.id))
    signer = _me().name if is_group_member(_me(), bid.group_id) else bid.group.contact_name
    form = load_form(SubmitBidForm, {"declaration_name": signer})
    page_error = None
    if form.validate_on_submit():
        try:
            services.submit_bid(
                db.session,
                bid=bid,
                declaration_name=form.declaration_name.data or "",
                confirmed=bool(form.confirm.data),
                actor=_me(),
            )
        except services.BidError as exc:
            db.session.rollback()
            if exc.field:
                getattr(form, exc.field).errors = [exc.message]
            else:
                page_error = exc.message
        else:
            db.session.commit()
            return redirect(url_for("bids.confirmation", bid_id=bid.id))
    return render_template(
        "bids/check.html",
        bid=bid,
        form=form,
        problems=services.problems(bid),
        page_error=page_error,
        accepting=services.accepting_bids(bid.round),
    )


@bp.get("/bids/<int:bid_id>/sent")
@login_required
def confirmation(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if bid.status == BidStatus.DRAFT:
        return redirect(url_for("bids.view", bid_id=bid.id))
    return render_template("bids/confirmation.html", bid=bid)


@bp.post("/bids/<int:bid_id>/return-to-draft")
@login_required
def return_to_draft(bid_id: int) -> Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    if ConfirmForm().validate_on_submit():
        try:
            services.return_to_draft(db.session, bid=bid, actor=_me())
        except services.BidError as exc:
            db.session.rollback()
            flash(exc.message, "info")
        else:
            db.session.commit()
            flash("Your bid is back in draft. Send it again before the deadline.", "success")
    return redirect(url_for("bids.view", bid_id=bid.id))


@bp.route("/bids/<int:bid_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(bid_id: int) -> str | Response:
    bid = load_or_404(Bid, bid_id, can_work_on_bid)
    form = load_form(WithdrawForm)
    if form.validate_on_submit():
        try:
            services.withdraw_bid(db.session, bid=bid, reason=form.reason.data or "", actor=_me())
        except services.BidError as exc:
            db.session.rollback()
            if exc.field:
                form.reason.errors = [exc.message]
            else:
                flash(exc.message, "info")
                return redirect(url_for("bids.view", bid_id=bid.id))
        else:
            db.session.commit()
            flash("Your bid has been withdrawn.", "success")
            return redirect(url_for("bids.view", bid_id=bid.id))
    return render_template("bids/withdraw.html", bid=bid, form=form)


# --- staff entering a bid on a group's behalf ---------------------------------------------------------------


@bp.route("/staff/rounds/<int:round_id>/bids/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def staff_new(round_id: int) -> str | Response:
    """A bid taken by phone or in person: staff enter the group and its bid, marked as entered on its behalf."""
    round_ = load_or_404(Round, round_id, can_manage_round)
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(db.session, details=_group_details(form), creator=_me(), on_behalf=True)
            bid = services.start_bid(db.session, round_=round_, group=group, actor=_me(), on_behalf=True)
        except services.BidError as exc:
            db.session.rollback()
            if exc.field:
                getattr(form, exc.field).errors.append(exc.message)
            else:
                flash(exc.message, "info")
        else:
            db.session.commit()
            return redirect(url_for("bids.title", bid_id=bid.id))
    return render_template("bids/group_form.html", form=form, group=None, bid=None, on_behalf_round=round_)
