"""The panellist's round hub: the task list (declare conflicts, score, deliberate, vote, see the decision) with where
each task stands at a moment, and what the panel can do now, in one sentence. Drawn for the hub's route."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from grants.models import Round, RoundStatus, StorySelection, VotingMethod
from grants.panel import rules
from grants.panel.queries.progress import Progress
from grants.panel.services.declarations import DeclarationWindow, declaration_window
from grants.timefmt import london_time


def plural(count: int, word: str) -> str:
    """'1 bid', '2 bids'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _status(text: str, colour: str | None = None) -> dict[str, Any]:
    if colour is None:
        return {"text": text}
    return {"tag": {"text": text, "classes": f"govuk-tag--{colour}"}}


DONE, TODO, WAITING = _status("Completed"), _status("Incomplete", "blue"), _status("Cannot start yet")
CLOSED, OPEN = _status("Closed", "grey"), _status("Open", "green")


def _declare_task(round_: Round, progress: Progress, now: datetime) -> dict[str, Any]:
    title = {"text": "Say if you have a conflict with any bid"}
    if progress.bids == 0:
        hint = "The funder's staff are still checking which bids go to the panel."
        return {"title": title, "hint": {"text": hint}, "status": WAITING}
    hint = f"You have answered for {progress.declared} of {plural(progress.bids, 'bid')}."
    if progress.recused:
        hint += f" You are not scoring {progress.recused} of them."
    if progress.declarations_done:
        status = DONE
    else:
        status = CLOSED if declaration_window(round_, now) is DeclarationWindow.FROZEN else TODO
    return {
        "title": title,
        "href": url_for("panel.declarations", round_id=round_.id),
        "hint": {"text": hint},
        "status": status,
    }


def _score_task(round_: Round, progress: Progress, now: datetime) -> dict[str, Any]:
    task: dict[str, Any] = {"title": {"text": "Read and score the bids"}}
    closes = f" Scoring closes on {london_time(round_.scoring_closes_at)}." if round_.scoring_closes_at else ""
    scored = f"You have scored {progress.scored} of {plural(progress.may_score, 'bid')}."
    if not rules.scoring_started(round_):
        hint = "Scoring opens once the funder's staff have checked every bid."
        return task | {"hint": {"text": hint}, "status": WAITING}
    if not progress.declarations_done and progress.bids:
        hint = "Answer the conflict question for every bid first." + closes
        return task | {"hint": {"text": hint}, "status": WAITING}
    href = url_for("panel.bid_list", round_id=round_.id)
    if rules.scoring_open(round_, now):
        complete = progress.scored >= progress.may_score
        return task | {"href": href, "hint": {"text": scored + closes}, "status": DONE if complete else TODO}
    return task | {"href": href, "hint": {"text": scored}, "status": CLOSED}


def _deliberate_task(round_: Round, now: datetime) -> dict[str, Any]:
    task: dict[str, Any] = {"title": {"text": "Read the score summary and deliberate"}}
    if rules.scoring_closed(round_, now):
        return task | {
            "href": url_for("panel.summary", round_id=round_.id),
            "hint": {
                "text": "See how the panel scored each bid, with everyone's comments, and the notes of the discussion."
            },
            "status": OPEN if not round_.is_decided else CLOSED,
        }
    when = f", on {london_time(round_.scoring_closes_at)}" if round_.scoring_closes_at else ""
    return task | {"hint": {"text": f"The score summary is ready when scoring closes{when}."}, "status": WAITING}


def _vote_task(round_: Round, progress: Progress, now: datetime) -> dict[str, Any]:
    task: dict[str, Any] = {"title": {"text": "Vote"}}
    closes = f" Voting closes on {london_time(round_.voting_closes_at)}." if round_.voting_closes_at else ""
    if round_.voting_method == VotingMethod.SCORES:
        return task | {
            "hint": {"text": "In this round the panel's scores decide: there is no separate vote."},
            "status": _status("Not needed", "grey"),
        }
    if rules.voting_open(round_, now):
        voted = "You have voted. You can change your vote." if progress.ballot_cast else ""
        return task | {
            "href": url_for("voting.ballot", round_id=round_.id),
            "hint": {"text": voted + closes},
            "status": DONE if progress.ballot_cast else TODO,
        }
    if round_.status.at_least(RoundStatus.VOTING):
        hint = "You voted." if progress.ballot_cast else "You did not vote."
        return task | {"hint": {"text": hint}, "status": CLOSED}
    return task | {"hint": {"text": "Voting opens after the panel has deliberated." + closes}, "status": WAITING}


def _decision_task(round_: Round) -> dict[str, Any]:
    task: dict[str, Any] = {"title": {"text": "See the decision and check your vote was counted"}}
    if round_.is_decided:
        return task | {
            "href": url_for("decisions.decision", round_id=round_.id),
            "hint": {
                "text": "The result as ratified, any change the funder made to the panel's result and why, "
                "and the list of counted ballots to check your receipt against."
            },
            "status": OPEN,
        }
    return task | {"hint": {"text": "Ready once the funder has ratified the panel's result."}, "status": WAITING}


def _stories_task(round_: Round, selection: StorySelection) -> dict[str, Any]:
    return {
        "title": {"text": "Choose the most significant stories of change"},
        "href": url_for("reports.stories", round_id=round_.id),
        "hint": {"text": "Read what funded groups told us and pick up to two stories, saying why."},
        "status": OPEN if selection.closed_at is None else CLOSED,
    }


def hub_tasks(
    round_: Round, progress: Progress, *, stories: StorySelection | None, now: datetime
) -> list[dict[str, Any]]:
    """The panellist's task list at `now`, as items for the GOV.UK task list (and the stories task, once the
    funder asks the panel to choose stories of change)."""
    tasks = [
        _declare_task(round_, progress, now),
        _score_task(round_, progress, now),
        _deliberate_task(round_, now),
        _vote_task(round_, progress, now),
        _decision_task(round_),
    ]
    if stories is not None:
        tasks.append(_stories_task(round_, stories))
    return tasks


def open_now(round_: Round, now: datetime) -> str:
    """What the panel can do at `now`, in one sentence."""
    if rules.scoring_open(round_, now):
        if round_.scoring_closes_at:
            return f"Scoring is open until {london_time(round_.scoring_closes_at)}."
        return "Scoring is open."
    if rules.voting_open(round_, now):
        if round_.voting_closes_at:
            return f"Voting is open until {london_time(round_.voting_closes_at)}."
        return "Voting is open."
    if round_.is_decided:
        return "This round has been decided. Thank you for taking part."
    if rules.scoring_closed(round_, now):
        return "Scoring has closed. The panel is deliberating."
    return "The funder's staff are checking which bids go to the panel. You can answer the conflict question now."
