"""Backups: a copy of the whole database made while the app runs, restored over it, and the checks that show a
restored copy is the real record (every audit chain verifies against its published checkpoints, and every ratified
tally re-runs to its digest). `flask backup create`, `flask backup restore FILE`, `flask backup check`."""
