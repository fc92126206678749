"""python -m verifier EXPORT [--checkpoint EVENT:HASH ...] [--key-fingerprint FINGERPRINT]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from verifier.check import Problem, verify

OK, FAILED, UNREADABLE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verifier",
        description="Check a Common Pot audit export on your own computer: every hash and link of the chain, every"
        " checkpoint's signature, and every tally re-run from its inputs.",
    )
    parser.add_argument("export", type=Path, help="the export file (FUNDER-audit-export.jsonl)")
    parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="EVENT:HASH",
        help="a checkpoint copied from a round's public page; may be given more than once",
    )
    parser.add_argument(
        "--key-fingerprint", metavar="FINGERPRINT", help="the key fingerprint shown on the funder's public page"
    )
    args = parser.parse_args(argv)
    if not args.export.is_file():
        print(f"Cannot read {args.export}: there is no such file.", file=sys.stderr)
        return UNREADABLE
    try:
        said = verify(args.export, published=args.checkpoint, fingerprint=args.key_fingerprint)
    except Problem as problem:
        print(f"NOT VERIFIED: {problem}", file=sys.stderr)
        return FAILED
    for line in said:
        print(line)
    print("VERIFIED: everything in the export holds.")
    return OK


if __name__ == "__main__":
    sys.exit(main())
