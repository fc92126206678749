"""Reads for the panel's pages, each in a fixed number of queries whatever the size of the panel or the round:
`progress` (each panellist's, and the staff's view of the panel), `reading` (what a panellist reads and scores),
`summary` (the score summary and the notes of the discussion). The names below are the package's public reads."""

from grants.panel.queries.progress import (
    MemberRow,
    Progress,
    StaffPanel,
    WithdrawnConflict,
    my_progress,
    progress,
    progress_in_rounds,
    staff_panel,
    story_selection,
    withdrawn_conflicts,
)
from grants.panel.queries.reading import (
    AnsweredQuestion,
    DeclarationRow,
    PanelBid,
    ScoringList,
    ScoringRow,
    attachment_with_content,
    declaration_rows,
    panel_bid,
    scoring_list,
)
from grants.panel.queries.summary import (
    BidSummary,
    CriterionSummary,
    NoteView,
    ScoreSummary,
    deliberation_notes,
    score_summary,
)

__all__ = [
    "AnsweredQuestion",
    "BidSummary",
    "CriterionSummary",
    "DeclarationRow",
    "MemberRow",
    "NoteView",
    "PanelBid",
    "Progress",
    "ScoreSummary",
    "ScoringList",
    "ScoringRow",
    "StaffPanel",
    "WithdrawnConflict",
    "attachment_with_content",
    "declaration_rows",
    "deliberation_notes",
    "my_progress",
    "panel_bid",
    "progress",
    "progress_in_rounds",
    "score_summary",
    "scoring_list",
    "staff_panel",
    "story_selection",
    "withdrawn_conflicts",
]
