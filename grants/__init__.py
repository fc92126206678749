"""Common Pot: participatory grantmaking for community funders.

The factory lives in grants.app and is imported only when asked for, so importing a part of the package that
needs no web framework (the pure tally, which the offline verifier uses) does not import Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grants.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from grants.app import create_app

        return create_app
    raise AttributeError(f"module 'grants' has no attribute {name!r}")
