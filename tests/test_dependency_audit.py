"""The dependency audit says 'not audited' when it could check nothing, and fails on a known vulnerability."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "audit_dependencies.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_known_vulnerability_fails_the_audit_and_names_the_fix() -> None:
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {"name": "jinja2", "version": "3.1.2", "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}]},
        ]
    }
    code, lines = _script().verdict(report, "pypi")
    assert code == 1
    assert lines == ["VULNERABLE jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"]


def test_a_mirror_that_knows_no_package_is_reported_as_not_audited_not_as_clean() -> None:
    report = {"dependencies": [{"name": "flask", "skip_reason": "Dependency not found on PyPI"}]}
    code, lines = _script().verdict(report, "pypi")
    assert code == 3
    assert "NOT audited" in lines[0]


def test_a_clean_audit_passes_and_lists_what_it_could_not_check() -> None:
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {"name": "ourlocal", "skip_reason": "not on PyPI"},
        ]
    }
    code, lines = _script().verdict(report, "pypi")
    assert code == 0
    assert lines == ["1 packages audited against pypi: no known vulnerabilities.", "Not audited (1): ourlocal"]
