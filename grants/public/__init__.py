"""Public pages: the landing page, accessibility and privacy statements."""

from grants.public.routes import bp

__all__ = ["bp"]
