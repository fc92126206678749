"""The security checklist (docs/security.md) names only tests that exist, gives every row a status, and holds no
unfinished markers: so it cannot drift away from the suite it points to."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST = ROOT / "docs" / "security.md"
STATUSES = ("met", "partly", "not applicable")
# A test named in a cell: `tests/area/test_file.py::test_name` (or `::TestClass::test_name`).
TEST_REFERENCE = re.compile(r"`(tests/[\w/.-]+\.py)::([\w:]+(?:\[[^\]`]*\])?)`")
# Any file or folder of the suite named in a cell, with or without a test.
TEST_PATH = re.compile(r"`(tests/[\w/.-]*)(?:::[^`]*)?`")
ROW_ID = re.compile(r"^V\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class Row:
    line: int
    id: str
    status: str
    cell: str


def rows(text: str) -> list[Row]:
    """Every requirement row of the checklist's tables (the rows whose first cell is an ASVS id)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and ROW_ID.match(cells[0]):
            found.append(Row(number, cells[0], cells[2] if len(cells) > 2 else "", " | ".join(cells[3:])))
    return found


def defined_tests(path: Path) -> set[str]:
    """The tests a file defines: its test functions, and `Class::method` for the tests in its classes."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test")
            )
    return names


def missing_tests(text: str, root: Path) -> list[str]:
    """Every `path::test` the text names that is not there (no such file, or the file defines no such test)."""
    missing = [f"{path} (no such file or folder)" for path in TEST_PATH.findall(text) if not (root / path).exists()]
    for path, name in TEST_REFERENCE.findall(text):
        file = root / path
        base = name.split("[", 1)[0]  # a parametrised test may be named with its case
        if file.is_file() and base not in defined_tests(file):
            missing.append(f"{path}::{name} (the file defines no such test)")
    return missing


def problems(text: str, root: Path) -> list[str]:
    """Everything wrong with a checklist; [] for a good one."""
    found = missing_tests(text, root)
    if "TODO-VERIFY" in text:
        found.append("TODO-VERIFY is still in the checklist")
    all_rows = rows(text)
    if not all_rows:
        found.append("no requirement rows found")
    for row in all_rows:
        if not row.status.startswith(STATUSES):
            found.append(f"line {row.line}: {row.id} has no status ({row.status!r})")
        if not row.cell:
            found.append(f"line {row.line}: {row.id} does not say how it is met")
    seen = [row.id for row in all_rows]
    found += sorted(f"{id} has more than one row" for id in set(seen) if seen.count(id) > 1)
    return found


def test_the_checklist_names_only_tests_that_exist_and_every_row_has_a_status() -> None:
    assert problems(CHECKLIST.read_text(), ROOT) == []


def test_the_checklist_names_tests_for_most_of_what_it_meets() -> None:
    """Not a list of words: it points at the suite (a checklist that named no tests would pass the check above)."""
    text = CHECKLIST.read_text()
    assert len(set(TEST_REFERENCE.findall(text))) >= 100
    assert sum(row.status == "met" for row in rows(text)) >= 80


GOOD_ROW = "| V1.1.1 | a requirement | met | `tests/test_security_checklist.py::test_the_check_catches_each_fault` |"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (GOOD_ROW.replace("::test_the_check_catches_each_fault", "::test_that_is_not_there"), "defines no such test"),
        (GOOD_ROW.replace("test_security_checklist.py", "test_no_such_file.py"), "no such file"),
        (GOOD_ROW + " `tests/no_such_folder/`", "no such file or folder"),
        (GOOD_ROW.replace("| met |", "|  |"), "has no status"),
        (GOOD_ROW.replace("| met |", "| done |"), "has no status"),
        (GOOD_ROW + " TODO-VERIFY", "TODO-VERIFY"),
        (GOOD_ROW + "\n" + GOOD_ROW, "more than one row"),
        ("| ID | requirement | status | how |", "no requirement rows"),
    ],
)
def test_the_check_catches_each_fault(text: str, complaint: str) -> None:
    assert any(complaint in problem for problem in problems(text, ROOT)), problems(text, ROOT)


def test_the_check_passes_a_good_row_and_a_parametrised_or_class_test() -> None:
    assert problems(GOOD_ROW, ROOT) == []
    named = "`tests/test_security_checklist.py::test_the_check_catches_each_fault[text0-defines]`"
    in_class = "`tests/test_security_headers.py::TestInProduction::test_every_response_carries_hsts`"
    assert problems(f"{GOOD_ROW} {named} {in_class}", ROOT) == []
