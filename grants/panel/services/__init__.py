"""The community panel's rules in action, one module per concern: `membership` (invitations, the chair, the code of
conduct), `declarations` (conflicts and recusal), `scoring`, `deliberation`, and `seats` (the locks every write
takes). Every function changes rows and writes its audit event in the caller's transaction; the request commits.

The names below are the package's public services, for other areas and scripts.
"""

from grants.panel.services.declarations import (
    CONFLICT_NOTE_REQUIRED,
    CONFLICT_NOTE_TOO_LONG,
    MAX_DECLARATION_NOTE,
    SYSTEM_RECUSAL_NOTE,
    DeclarationChoice,
    DeclarationResult,
    DeclarationWindow,
    Declared,
    SystemRecusal,
    declaration_window,
    declare_staff_conflict,
    record_own_group_recusals,
    save_declarations,
)
from grants.panel.services.deliberation import (
    MAX_DELIBERATION_NOTE,
    NOTE_REQUIRED,
    NOTE_TOO_LONG,
    add_deliberation_note,
    notes_not_open_reason,
)
from grants.panel.services.membership import (
    PANEL_DECIDED,
    accept_code_of_conduct,
    appoint_chair,
    invite_panellist,
    pending_invitation,
    resend_invitation,
    revoke_invitation,
)
from grants.panel.services.scoring import (
    COMMENT_TOO_LONG,
    MAX_COMMENT,
    SCORE_LABELS,
    SCORE_REQUIRED,
    ScoreEntry,
    ScoreResult,
    save_scores,
    scoring_not_open_reason,
)
from grants.panel.services.seats import CHAIR, PANELLIST, STAFF

__all__ = [
    "CHAIR",
    "COMMENT_TOO_LONG",
    "CONFLICT_NOTE_REQUIRED",
    "CONFLICT_NOTE_TOO_LONG",
    "MAX_COMMENT",
    "MAX_DECLARATION_NOTE",
    "MAX_DELIBERATION_NOTE",
    "NOTE_REQUIRED",
    "NOTE_TOO_LONG",
    "PANELLIST",
    "PANEL_DECIDED",
    "SCORE_LABELS",
    "SCORE_REQUIRED",
    "STAFF",
    "SYSTEM_RECUSAL_NOTE",
    "DeclarationChoice",
    "DeclarationResult",
    "DeclarationWindow",
    "Declared",
    "ScoreEntry",
    "ScoreResult",
    "SystemRecusal",
    "accept_code_of_conduct",
    "add_deliberation_note",
    "appoint_chair",
    "declaration_window",
    "declare_staff_conflict",
    "invite_panellist",
    "notes_not_open_reason",
    "pending_invitation",
    "record_own_group_recusals",
    "resend_invitation",
    "revoke_invitation",
    "save_declarations",
    "save_scores",
    "scoring_not_open_reason",
]
