"""The bid's task list, and links from each thing still to do to the step of the bid that puts it right.

What stops a bid being sent is the service's (`services.problems`); this module only says where each step is.
"""

from __future__ import annotations

from flask import url_for

from grants.bids import services
from grants.models import Bid

# The page of each step of the task list that a problem can name.
STEP_PAGES = {"group": "bids.group", "title": "bids.title", "question": "bids.question", "amount": "bids.amount"}


def step_url(bid: Bid, problem: services.Problem) -> str:
    """The page of the bid that puts this problem right."""
    if problem.position is not None:
        return url_for(STEP_PAGES[problem.step], bid_id=bid.id, position=problem.position)
    return url_for(STEP_PAGES[problem.step], bid_id=bid.id)


def problem_links(bid: Bid) -> list[dict[str, str]]:
    """Everything that stops the bid being sent, each with a link to the step that puts it right."""
    return [{"text": problem.message, "href": step_url(bid, problem)} for problem in services.problems(bid)]


def _status(text: str, colour: str | None = None) -> dict[str, object]:
    if colour is None:
        return {"text": text}
    return {"tag": {"text": text, "classes": f"govuk-tag--{colour}"}}


def task_sections(bid: Bid) -> list[dict[str, object]]:
    """The task list: each step, where it is, and how far along."""
    done, todo = _status("Completed"), _status("Incomplete", "blue")
    has_recording = bool(bid.recording_url)
    question_items = []
    for q in bid.round.questions:
        text = services.answer_text(bid, q)
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
    amount_ok = not any(p.step == "amount" for p in problems)
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
