"""What the tests share, so that each exists once: import from here, never from a conftest.

- `app`: the one app of a test session, and `configured` for a test's own settings (tests/conftest.py uses it)
- `db`: the test databases (a migrated template, a clean copy for every test), `app_session`, small queries
- `factories`: one model row at a time
- `scenarios`: the building blocks the areas' scenario builders share (screened bids, scores, awards...)
- `signin`: signing a test client in
- `threads`: running work in threads released together, each in its own app context and transaction
"""
