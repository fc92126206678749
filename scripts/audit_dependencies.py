"""Audit the installed dependencies for known vulnerabilities with pip-audit, and say plainly when it cannot.

    python scripts/audit_dependencies.py

Exit 0: every package was checked and none has a known vulnerability.
Exit 1: a known vulnerability was found (listed with its fix version).
Exit 3: the check could not be made (no vulnerability database reachable, or it knew none of our packages):
        nothing was audited, which is not the same as "no vulnerabilities".
pip-audit asks PyPI's JSON API (or OSV with AUDIT_SERVICE=osv). A mirror that serves packages but not that
API makes every package "not found"; we count that as not audited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

NOT_AUDITED = 3


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    service = os.environ.get("AUDIT_SERVICE", "pypi")
    command = [str(pip_audit), "--local", "--format", "json", "--progress-spinner", "off"]
    command += ["--vulnerability-service", service]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"Dependencies NOT audited: pip-audit could not run ({exc}).")
        return NOT_AUDITED
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"Dependencies NOT audited: the vulnerability database ({service}) could not be reached: {last}")
        return NOT_AUDITED
    code, lines = verdict(report, service)
    print("\n".join(lines))
    return code


def verdict(report: dict[str, Any], service: str) -> tuple[int, list[str]]:
    """The exit code and the lines to print for one pip-audit JSON report."""
    lines = []
    packages = report.get("dependencies", [])
    checked = [p for p in packages if "skip_reason" not in p]
    skipped = [p for p in packages if "skip_reason" in p]
    vulnerable = [p for p in checked if p.get("vulns")]
    for package in vulnerable:
        for vuln in package["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            lines.append(f"VULNERABLE {package['name']} {package['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        return 1, lines
    if not checked:
        lines.append(
            f"Dependencies NOT audited: the vulnerability database ({service}) knew none of our {len(skipped)} "
            "packages, so this mirror does not serve it. Run this where pypi.org or api.osv.dev is reachable."
        )
        return NOT_AUDITED, lines
    lines.append(f"{len(checked)} packages audited against {service}: no known vulnerabilities.")
    if skipped:
        lines.append(f"Not audited ({len(skipped)}): " + ", ".join(p["name"] for p in skipped))
    return 0, lines


if __name__ == "__main__":
    sys.exit(main())
