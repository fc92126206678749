#!/usr/bin/env bash
# Refresh the vendored 360Giving Data Standard in grants/transparency/standard/ (see its README).
#
#   bash scripts/refresh_360giving.sh [STANDARD_COMMIT] [DATAGETTER_COMMIT]
#
# Needs access to GitHub and PyPI (flattentool rebuilds the column-title CSVs). Review `git diff` afterwards,
# run the tests, and record the new commits in the README.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

STANDARD_COMMIT="${1:-9387abcf8fa3db035b1ae9584c1ec68ae561af70}"
DATAGETTER_COMMIT="${2:-1e72237b63ede75082627873606abb6c338d91e7}"
STANDARD="https://raw.githubusercontent.com/ThreeSixtyGiving/standard/${STANDARD_COMMIT}"
DATAGETTER="https://raw.githubusercontent.com/ThreeSixtyGiving/datagetter/${DATAGETTER_COMMIT}"
DEST=grants/transparency/standard
CODELISTS=(countryCode currency geoCodeType grantToIndividualsPurpose grantToIndividualsReason locationScope regrantType)

fetch() { curl --fail --silent --show-error --location "$1" -o "$2"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/codelists" "$work/samples"
fetch "$STANDARD/schema/360-giving-schema.json" "$work/360-giving-schema.json"
fetch "$STANDARD/schema/360-giving-package-schema.json" "$work/360-giving-package-schema.json"
for name in "${CODELISTS[@]}"; do
    fetch "$STANDARD/codelists/${name}.csv" "$work/codelists/${name}.csv"
done
fetch "$DATAGETTER/tests/data/expected_output/json_valid/validfile.json" "$work/samples/validfile.json"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet flattentool
"$work/venv/bin/flatten-tool" create-template -s "$work/360-giving-schema.json" -f csv -m grants -r '' \
    --rollup --use-titles -o "$work/360-giving-schema-titles"
mv "$work/360-giving-schema-titles" "$work/360-giving-schema-titles.csv"

for item in 360-giving-schema.json 360-giving-package-schema.json codelists samples 360-giving-schema-titles.csv; do
    rm -rf "${DEST:?}/$item"
    cp -r "$work/$item" "$DEST/$item"
done
git status --short "$DEST"
echo "Refreshed from standard@${STANDARD_COMMIT} and datagetter@${DATAGETTER_COMMIT}: review git diff, run the tests."
