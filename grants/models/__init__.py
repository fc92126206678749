"""All models, imported here so the metadata is complete for migrations."""

from grants.models.audit import AuditEvent, BidEventLink, ChainVerification, Checkpoint, RoundEventLink
from grants.models.awards import Award, AwardStatus, Feedback, Payment, PublishedGrant, ReportDate
from grants.models.base import Base, utcnow
from grants.models.bids import Answer, Attachment, Bid, BidStatus, BudgetLine
from grants.models.decisions import DecisionProposal, Departure, ProposalKind, Ratification, TallyRun
from grants.models.deletions import AccountDeletion, DeletionOutcome
from grants.models.form_tokens import UsedFormToken
from grants.models.funders import Funder
from grants.models.groups import Group, GroupKind, GroupMember
from grants.models.outbox import OutboxEmail
from grants.models.panel import (
    Ballot,
    BallotChoice,
    ConflictDeclaration,
    ConflictKind,
    DeliberationNote,
    PanelMember,
    Score,
)
from grants.models.reports import (
    ReminderKind,
    ReminderSent,
    Report,
    ReportMessage,
    ReportPhoto,
    ReportQuote,
    ReportStatus,
    ReportTheme,
    StoryChoice,
    StorySelection,
    Theme,
)
from grants.models.rounds import Criterion, Question, Round, RoundStatus, VotingMethod
from grants.models.security import SecurityEvent
from grants.models.two_factor import RecoveryCode, TwoFactor
from grants.models.users import (
    Invitation,
    LoginSession,
    PasswordReset,
    PendingRegistration,
    Role,
    RoleGrant,
    SavedForm,
    User,
)

__all__ = [
    "AccountDeletion",
    "Answer",
    "Attachment",
    "AuditEvent",
    "Award",
    "AwardStatus",
    "Ballot",
    "BallotChoice",
    "Base",
    "Bid",
    "BidEventLink",
    "BidStatus",
    "BudgetLine",
    "ChainVerification",
    "Checkpoint",
    "ConflictDeclaration",
    "ConflictKind",
    "Criterion",
    "DecisionProposal",
    "DeletionOutcome",
    "DeliberationNote",
    "Departure",
    "Feedback",
    "Funder",
    "Group",
    "GroupKind",
    "GroupMember",
    "Invitation",
    "LoginSession",
    "OutboxEmail",
    "PanelMember",
    "PasswordReset",
    "Payment",
    "PendingRegistration",
    "ProposalKind",
    "PublishedGrant",
    "Question",
    "Ratification",
    "RecoveryCode",
    "ReminderKind",
    "ReminderSent",
    "Report",
    "ReportDate",
    "ReportMessage",
    "ReportPhoto",
    "ReportQuote",
    "ReportStatus",
    "ReportTheme",
    "Role",
    "RoleGrant",
    "Round",
    "RoundEventLink",
    "RoundStatus",
    "SavedForm",
    "Score",
    "SecurityEvent",
    "StoryChoice",
    "StorySelection",
    "TallyRun",
    "Theme",
    "TwoFactor",
    "UsedFormToken",
    "User",
    "VotingMethod",
    "utcnow",
]
