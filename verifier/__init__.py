"""The offline verifier: checks an auditor's export of a funder's audit chain without the web app or its database.

    python -m verifier riverside-audit-export.jsonl [--checkpoint EVENT:HASH ...] [--key-fingerprint FINGERPRINT]

It depends on nothing of Common Pot but the pure tally (`grants.tally`), plus `rfc8785` and `cryptography`; the
chain's hashing is written out again here on purpose, so a mistake in the app's code cannot hide itself.
See docs/auditors.md.
"""
