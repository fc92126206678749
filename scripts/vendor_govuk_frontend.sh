#!/usr/bin/env bash
# Refresh static/govuk/ from the govuk-frontend npm package, pinned to one exact version.
#
# We keep GOV.UK Frontend's components but not GOV.UK's identity: no GDS Transport font (it is licensed for
# gov.uk only), no crown or crest, no GOV.UK icons, manifest or OpenGraph image. The result is committed, so
# the app runs without Node; run this only to upgrade, then check the pages and commit static/govuk/.
#
# Usage: scripts/vendor_govuk_frontend.sh        (needs npm and python3)
set -euo pipefail

VERSION="6.3.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/govuk"
SERVED_FROM="/static/govuk/assets"
# Images the CSS or our templates need. Everything in the package's assets/images is GOV.UK-branded
# (crest, crown favicon, GOV.UK icons, OpenGraph image), so today this list is empty.
IMAGES=()

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "Fetching govuk-frontend@$VERSION"
(cd "$WORK" && npm pack --silent "govuk-frontend@$VERSION" >/dev/null && tar -xzf "govuk-frontend-$VERSION.tgz")
DIST="$WORK/package/dist/govuk"
actual="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$WORK/package/package.json")"
if [[ "$actual" != "$VERSION" ]]; then
  echo "Expected govuk-frontend $VERSION but the package says $actual" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$DIST/govuk-frontend.min.js" "$DEST/"
for image in "${IMAGES[@]}"; do
  mkdir -p "$DEST/assets/images"
  cp "$DIST/assets/images/$image" "$DEST/assets/images/"
done

python3 - "$DIST/govuk-frontend.min.css" "$DEST/govuk-frontend.min.css" "$SERVED_FROM" <<'PY'
"""Strip the GDS Transport font and the crest from the CSS and point asset URLs at where we serve them."""

import re
import sys
from pathlib import Path

source, target, served_from = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
css = Path(source).read_text(encoding="utf-8")
stack = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif'

# The font's licence comment and its @font-face rules go; every use of it becomes a system font stack.
css = re.sub(r"/\*![^*]*Margaret Calvert[^*]*\*/", "", css)
css = re.sub(r"@font-face\{[^}]*GDS Transport[^}]*\}", "", css)
css = re.sub(r"font-family:\s*[\"']?GDS Transport[\"']?(,\s*arial)?(,\s*sans-serif)?", "font-family:" + stack, css)
# The crest only decorates the Crown copyright footer logo, which we never show.
css = re.sub(r"url\(/assets/images/govuk-crest\.svg\)", "none", css)
css = css.replace("url(/assets/", f"url({served_from}/")
# We do not ship the source map.
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css).strip() + "\n"

for banned in ("GDS Transport", "govuk-crest", "url(/assets/"):
    if banned in css:
        sys.exit(f"Post-processing left {banned!r} in the CSS")
target.write_text(css, encoding="utf-8")
PY

# Drop the JS source map comment too, then check every asset the CSS asks for is present.
sed -i 's|//# sourceMappingURL=[^ ]*$||' "$DEST/govuk-frontend.min.js"
{ grep -o "url($SERVED_FROM/[^)]*)" "$DEST/govuk-frontend.min.css" || true; } | sed "s|url($SERVED_FROM/||; s|)$||" | sort -u |
  while read -r asset; do
    [[ -f "$DEST/assets/$asset" ]] || { echo "The CSS needs assets/$asset, which is not vendored" >&2; exit 1; }
  done
echo "$VERSION" >"$DEST/VERSION"
echo "Vendored GOV.UK Frontend $VERSION into ${DEST#"$ROOT"/}"
