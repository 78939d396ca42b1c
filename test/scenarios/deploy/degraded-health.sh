#!/usr/bin/env bash
# A release whose dependency is not reachable yet: /health still answers 200, but its JSON says
# {"status":"degraded"} for FAULT_MS. Only a JSON check on the body sees it.
# Env: APP_URL, FAULT_MS.
source "$(dirname "$0")/lib.sh"

app_fault "$APP_URL" "path=/health&ms=${FAULT_MS:-1000}&body=%7B%22status%22%3A%22degraded%22%7D"
sleep "$(awk "BEGIN { print (${FAULT_MS:-1000} + 200) / 1000 }")"
