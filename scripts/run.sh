#!/usr/bin/env bash
# Run Common Pot locally with demo data, from a fresh clone: one command.
#
#   bash scripts/run.sh              serves http://127.0.0.1:5000
#   PORT=8000 bash scripts/run.sh    another port
#
# Creates .venv if missing, installs requirements.txt when it has changed, migrates the database
# (SQLite at instance/grants.sqlite unless DATABASE_URL is set), loads the demo data (safe to repeat;
# it prints the demo logins) and serves the app. GRANTS_ENV defaults to development, which needs no SECRET_KEY.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT="${PORT:-5000}"

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

ensure_venv requirements.txt
export VIRTUAL_ENV="$PWD/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
export GRANTS_ENV="${GRANTS_ENV:-development}"

mkdir -p instance
flask --app wsgi db upgrade
flask --app wsgi demo load

echo
echo "Open http://127.0.0.1:${PORT} and sign in with a demo login above (Ctrl-C stops the server)."
echo "Site admin, staff and auditor then need a code: in another terminal, from this folder, run"
echo "  GRANTS_ENV=development .venv/bin/flask --app wsgi demo code staff@example.org"
echo
exec flask --app wsgi run --host 127.0.0.1 --port "$PORT"
