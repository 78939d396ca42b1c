#!/usr/bin/env bash
# One instance behind a round-robin balancer answers 500 for FAULT_MS while it stays in rotation
# (a release that is broken on one box, or an instance taking traffic before it is ready): every
# other request fails, the balancer does not retry a 500 on the other instance, and users see a
# partial outage: one failed request in two for as long as it lasts.
# Env: BAD_URL (the bad instance), FAULT_MS.
source "$(dirname "$0")/lib.sh"

app_fault "$BAD_URL" "status=500&ms=${FAULT_MS:-2000}"
sleep "$(awk "BEGIN { print (${FAULT_MS:-2000} + 200) / 1000 }")"
