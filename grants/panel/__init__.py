"""The community panel: membership, code of conduct, conflicts and recusal, scoring, deliberation."""

from grants.panel.routes import bp

__all__ = ["bp"]
