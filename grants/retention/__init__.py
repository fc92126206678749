"""Keeping only what is needed: what the group wrote in a bid that was not funded is removed once its funder's
keeping time has passed (`flask retention apply`, daily). What the record needs stays (module `apply`)."""
