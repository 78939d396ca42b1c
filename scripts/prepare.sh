#!/usr/bin/env bash
# npm's `prepare`: runs on `npm ci` / `npm install` here, on `npm pack` / `npm publish`, and when
# npx links this repository into its cache (see below). Builds dist/.
#
# Why the npx step: `npx zerodown` in this repository finds `bin.zerodown` in its package.json and,
# as npm does for a local package's bin, first installs the repository into its npx cache
# (~/.npm/_npx/<hash>: a link, and this script once more). That install checks the package's
# `engines` (node >=22.12) against the Node that runs npm, which is the machine's — often older,
# though zerodown itself then runs on the Node 24 in node_modules/.bin — and npm 11 has no setting
# to check against another Node (`node-version` is gone; `engine-strict` makes it an error). So on
# `npm ci` / `npm install`, where npm scripts have Node 24 first on PATH, this registers the
# repository with npx once, under that Node: every `npx zerodown` after it finds the entry ready
# and prints no EBADENGINE warnings (nor builds again). If it cannot, `npx zerodown` still works
# (with the warnings, as before).
set -euo pipefail
cd "$(dirname "$0")/.."
# The registration below installs this repository into the npx cache, which runs `prepare`
# again: dist/ was built a moment ago.
[ -n "${ZERODOWN_NPX_REGISTER:-}" ] && exit 0
npm run build
case "${npm_command:-}" in
  ci | install)
    ZERODOWN_NPX_REGISTER=1 npx --yes zerodown --version > /dev/null ||
      echo 'zerodown: could not register with npx (npx zerodown still works; it may warn about engines once)' >&2
    ;;
esac
