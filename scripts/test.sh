#!/usr/bin/env bash
# Lint and test Common Pot, from a fresh clone: one command. CI runs exactly this (.ci/run).
#
#   bash scripts/test.sh                 ruff, then the whole suite on SQLite, then on PostgreSQL if one is reachable
#   bash scripts/test.sh -x -k sign_in   extra arguments go to every pytest run
#
# PostgreSQL: TEST_DATABASE_URL if set, else postgresql://postgres@127.0.0.1:5432/test. A local cluster that is
# installed but stopped is started with pg_ctlcluster. With no server the PostgreSQL run is skipped (said so
# plainly, not a failure) unless REQUIRE_POSTGRESQL=1. The tests empty that database: never point it at real data.
#
# The browser tests (tests/e2e, marker e2e) use Debian's /usr/bin/chromium, installed here with apt-get when we
# are root; otherwise they skip with the reason. We never download a browser for Playwright.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEFAULT_PG_URL="postgresql://postgres@127.0.0.1:5432/test"

section() { printf '\n==== %s ====\n' "$*"; }

# Make .venv and install $1 into it, unless the stamp shows these requirements are already installed.
ensure_venv() {
    local requirements="$1" stamp want
    if [[ ! -x .venv/bin/python ]]; then
        echo "Creating .venv ..."
        python3 -m venv .venv
    fi
    stamp=".venv/.installed-${requirements}.sha256"
    # requirements-dev.txt includes requirements.txt, so a change to either means reinstalling.
    want="$(cat "$requirements" requirements.txt | sha256sum | cut -d' ' -f1)"
    if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
        echo "Installing $requirements into .venv (a minute or two the first time) ..."
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
        echo "$want" >"$stamp"
    fi
}

ensure_chromium() {
    [[ -x /usr/bin/chromium ]] && return 0
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "Installing Debian's chromium for the browser tests ..."
        if apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                chromium fonts-liberation >/dev/null; then
            return 0
        fi
        echo "WARNING: could not install chromium: the browser (e2e) tests will be skipped."
    else
        echo "NOTE: /usr/bin/chromium is missing and this script cannot install it (needs root and apt-get):"
        echo "      the browser (e2e) tests will be skipped. Install it with: sudo apt-get install chromium"
    fi
}

redact() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

# Exit 0: can connect. 3: the server answers but the database does not exist. 1: no server.
pg_probe() {
    python - "$1" <<'PY'
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except psycopg.OperationalError as exc:
    sys.exit(3 if "does not exist" in str(exc) else 1)
PY
}

pg_create_database() {
    python - "$1" <<'PY'
import sys

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

params = conninfo_to_dict(sys.argv[1])
name = params.pop("dbname")
with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True, connect_timeout=3) as conn:
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PY
}

# Start installed-but-stopped local clusters listening on the URL's port (Debian's postgresql-common).
pg_start_local_cluster() {
    local url="$1" port version cluster cport status started=1
    command -v pg_lsclusters >/dev/null || return 1
    port="$(python -c 'import sys; from psycopg.conninfo import conninfo_to_dict as c; print(c(sys.argv[1]).get("port") or 5432)' "$url")"
    while read -r version cluster cport status _; do
        [[ "$cport" == "$port" && "$status" == down* ]] || continue
        echo "Starting the stopped PostgreSQL cluster $version/$cluster on port $cport ..."
        if pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start; then
            started=0
        else
            echo "  could not start it"
        fi
    done < <(pg_lsclusters --no-header 2>/dev/null)
    return "$started"
}

# Succeeds when PostgreSQL at $1 takes connections, starting a local cluster or creating the database if need be.
pg_ready() {
    local url="$1" rc=0 attempt
    pg_probe "$url" || rc=$?
    if [[ "$rc" -eq 1 ]] && pg_start_local_cluster "$url"; then
        for attempt in $(seq 1 20); do
            rc=0
            pg_probe "$url" || rc=$?
            [[ "$rc" -eq 1 ]] || break
            sleep 0.5
        done
    fi
    if [[ "$rc" -eq 3 ]]; then
        echo "Creating the database in $(redact "$url") ..."
        pg_create_database "$url" && rc=0
    fi
    return "$rc"
}

RESULTS=()
FAILED=0
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

# run_pytest LABEL ENV-ASSIGNMENT... -- PYTEST-ARGS...
run_pytest() {
    local label="$1" rc=0 counts
    shift
    local -a envs=()
    while [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
    shift
    local -a color=()
    [[ -t 1 ]] && color=(--color=yes)
    section "pytest on $label"
    # Parallel workers (pytest-xdist), one per core; each has its own app and database. PYTEST_WORKERS=0: one process.
    env "${envs[@]}" pytest -n "${PYTEST_WORKERS:-auto}" "${color[@]}" "$@" 2>&1 | tee "$LOG" || rc="${PIPESTATUS[0]}"
    counts="$(sed -E 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -E '^=+ .* in [0-9.]+s' | tail -n 1 | sed -E 's/^=+ (.*) =+$/\1/')"
    case "$rc" in
        0) RESULTS+=("$label: passed (${counts:-no summary})") ;;
        5) RESULTS+=("$label: FAILED, no tests were collected (pytest exit code 5)"); FAILED=1 ;;
        *) RESULTS+=("$label: FAILED (${counts:-pytest exit code $rc})"); FAILED=1 ;;
    esac
}

section "Setting up .venv"
ensure_venv requirements-dev.txt
export VIRTUAL_ENV="$PWD/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
ensure_chromium
mkdir -p test-artifacts
rm -f test-artifacts/*.png

# Each check fails the script, but only at the end: the test results are worth having too.
check() {
    local label="$1" hint="$2"
    shift 2
    section "$label: $*"
    if "$@"; then
        RESULTS+=("$label: passed")
    else
        RESULTS+=("$label: FAILED ($hint)")
        FAILED=1
    fi
}

check "ruff" "ruff check --fix grants tests fixes many problems" ruff check grants verifier tests bench scripts
check "format" "ruff format grants tests bench scripts rewrites them" ruff format --check grants verifier tests bench scripts
check "mypy" "see above" mypy
check "import contracts" "see above; docs/architecture.md explains the layers" lint-imports

section "Dependency audit: pip-audit against the installed packages"
audit_rc=0
python scripts/audit_dependencies.py || audit_rc=$?
case "$audit_rc" in
    0) RESULTS+=("dependency audit: passed, no known vulnerabilities") ;;
    3) RESULTS+=("dependency audit: NOT RUN, the vulnerability database was not reachable (see above); not a failure") ;;
    *) RESULTS+=("dependency audit: FAILED, a dependency has a known vulnerability (see above)"); FAILED=1 ;;
esac

run_pytest "SQLite" -u TEST_DATABASE_URL -- "$@"

PG_URL="${TEST_DATABASE_URL:-$DEFAULT_PG_URL}"
section "Looking for PostgreSQL at $(redact "$PG_URL")"
if pg_ready "$PG_URL"; then
    run_pytest "PostgreSQL ($(redact "$PG_URL"))" TEST_DATABASE_URL="$PG_URL" -- "$@"
elif [[ "${REQUIRE_POSTGRESQL:-0}" == "1" ]]; then
    RESULTS+=("PostgreSQL: FAILED, not available at $(redact "$PG_URL") and REQUIRE_POSTGRESQL=1")
    FAILED=1
else
    echo "PostgreSQL not available: skipping the PostgreSQL run"
    RESULTS+=("PostgreSQL: not available at $(redact "$PG_URL"): skipped the PostgreSQL run")
fi

section "Summary"
printf '%s\n' "${RESULTS[@]}"
[[ -x /usr/bin/chromium ]] || echo "Browser (e2e) tests skipped: /usr/bin/chromium is not installed"
if [[ "$FAILED" -ne 0 ]]; then
    echo "FAILED: see above."
    exit 1
fi
echo "All passed."
