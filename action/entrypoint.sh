#!/usr/bin/env bash
# The GitHub Action's step: installs zerodown from the action's own checkout (once), runs the
# requested mode, sets the outputs, and exits with zerodown's code (or 0 on downtime when
# fail-on-downtime is false). Inputs arrive as INPUT_* variables (see action.yml).
set -uo pipefail
here="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
if [ ! -f "$here/dist/cli/main.js" ] || [ ! -x "$here/node_modules/.bin/node" ]; then
  echo "::group::Installing zerodown"
  (cd "$here" && npm ci --no-audit --no-fund) || { echo "::error title=zerodown::npm ci failed"; exit 2; }
  echo "::endgroup::"
fi
zd=("$here/node_modules/.bin/node" "$here/dist/cli/main.js")

mode="${INPUT_MODE:-run}"
result="${INPUT_RESULT:-zerodown-result.json}"
probe=()
[ -n "${INPUT_CONFIG:-}" ] && probe+=(--config "$INPUT_CONFIG")
while IFS= read -r url; do
  url="${url#"${url%%[![:space:]]*}"}"; url="${url%"${url##*[![:space:]]}"}"
  [ -n "$url" ] && probe+=(--url "$url")
done <<< "${INPUT_URLS:-}"
[ -n "${INPUT_RATE:-}" ] && probe+=(--rate "$INPUT_RATE")
[ -n "${INPUT_TIMEOUT:-}" ] && probe+=(--timeout "$INPUT_TIMEOUT")
client=(--server "${INPUT_SERVER:-http://127.0.0.1:8080}")
[ -n "${INPUT_TOKEN:-}" ] && export ZERODOWN_TOKEN="$INPUT_TOKEN"

code=0
case "$mode" in
  run)
    [ -n "${INPUT_COMMAND:-}" ] || { echo "::error title=zerodown::mode run needs a command"; exit 2; }
    [ -n "${INPUT_WARMUP:-}" ] && probe+=(--warmup "$INPUT_WARMUP")
    [ -n "${INPUT_SETTLE:-}" ] && probe+=(--settle "$INPUT_SETTLE")
    "${zd[@]}" run "${probe[@]}" --json "$result" -- sh -c "$INPUT_COMMAND" || code=$?
    ;;
  start)
    if [ "${INPUT_SERVE:-false}" = "true" ]; then
      # RUNNER_TRACKING_ID="" keeps the runner from killing the server when this job ends.
      RUNNER_TRACKING_ID="" "${zd[@]}" serve --detach --port "${INPUT_PORT:-8080}" "${probe[@]}" || exit $?
    fi
    "${zd[@]}" start "${client[@]}" || code=$?
    ;;
  stats | stop)
    "${zd[@]}" "$mode" "${client[@]}" --fail --json "$result" || code=$?
    ;;
  *)
    echo "::error title=zerodown::unknown mode '$mode' (run, start, stats, stop)"
    exit 2
    ;;
esac

verdict=""
if [ "$mode" != "start" ] && [ -f "$result" ]; then
  verdict=$("${zd[0]}" -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).verdict)' "$result" 2>/dev/null || true)
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=$verdict"
    echo "exit-code=$code"
    echo "result=$result"
  } >> "$GITHUB_OUTPUT"
fi
if [ "$code" -eq 1 ] && [ "${INPUT_FAIL_ON_DOWNTIME:-true}" != "true" ]; then
  echo "zerodown: downtime found; not failing the step (fail-on-downtime: false)"
  exit 0
fi
exit "$code"
