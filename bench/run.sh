#!/usr/bin/env bash
# The whole load benchmark at a large funder's scale (issue 13), one command:
#
#   bash bench/run.sh            the full size (5,000 bids, 1.2 million audit events), on SQLite then PostgreSQL
#   bash bench/run.sh --small    the small preset: seeds in seconds, for checking the benchmark itself
#   bash bench/run.sh --sqlite   only SQLite (or --postgresql: only PostgreSQL)
#
# For each database: seed it (bench/seed.py, emptying it first), count each page's SQL statements with one request
# through the test client (bench/load.py --count-statements), then measure each page under load with gunicorn and
# wrk on 127.0.0.1 (bench/load.py). Results go to bench/out/ (JSON, and the tables printed here).
#
# Settings (environment): BENCH_SQLITE (default bench/out/bench_scale.sqlite, or bench_small.sqlite with --small),
# BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/bench_scale, or bench_small; the database is
# created if missing and emptied), BENCH_DURATION (seconds of wrk per page, 10), BENCH_CONNECTIONS (16),
# BENCH_REDIS_URL (the rate limits' Redis, redis://127.0.0.1:6379/11). Never the dev database.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZE=""
DATABASES=(sqlite postgresql)
for arg in "$@"; do
    case "$arg" in
        --small) SIZE="--small" ;;
        --sqlite) DATABASES=(sqlite) ;;
        --postgresql) DATABASES=(postgresql) ;;
        *) echo "usage: bash bench/run.sh [--small] [--sqlite | --postgresql]" >&2; exit 2 ;;
    esac
done
NAME="bench_scale"
[[ -n "$SIZE" ]] && NAME="bench_small"
SQLITE_URL="sqlite:///${BENCH_SQLITE:-$PWD/bench/out/$NAME.sqlite}"
PG_URL="${BENCH_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/$NAME}"
DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"

if [[ ! -x .venv/bin/python ]]; then
    echo "Creating .venv ..."
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi
PY=.venv/bin/python

if ! command -v wrk >/dev/null; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "Installing wrk (Debian's package) ..."
        apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
    else
        echo "bench: wrk is needed: sudo apt-get install wrk" >&2
        exit 1
    fi
fi
mkdir -p bench/out

# Succeeds when PostgreSQL at $1 takes connections, creating the database if the server has none by that name.
pg_ready() {
    "$PY" - "$1" <<'PY'
import sys

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

url = sys.argv[1]
try:
    psycopg.connect(url, connect_timeout=3).close()
except psycopg.OperationalError as exc:
    if "does not exist" not in str(exc):
        sys.exit(1)
    params = conninfo_to_dict(url)
    name = params.pop("dbname")
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PY
}

for database in "${DATABASES[@]}"; do
    url="$SQLITE_URL"
    if [[ "$database" == postgresql ]]; then
        url="$PG_URL"
        if ! pg_ready "$url"; then
            echo "== PostgreSQL at $url does not answer: skipped"
            continue
        fi
    fi
    echo "== $database: seeding"
    "$PY" bench/seed.py --database-url "$url" --reset $SIZE
    echo "== $database: SQL statements of one request per page"
    "$PY" bench/load.py --database-url "$url" --count-statements
    echo "== $database: under load (gunicorn, 4 workers; wrk, $CONNECTIONS connections, $DURATION s per page)"
    "$PY" bench/load.py --database-url "$url" --duration "$DURATION" --connections "$CONNECTIONS"
done
