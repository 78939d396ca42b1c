#!/usr/bin/env bash
# A schema migration takes a table lock: the backend still accepts connections and requests
# but answers none of them until the lock is released FAULT_MS later.
# Env: APP_URL, FAULT_MS.
source "$(dirname "$0")/lib.sh"

app_fault "$APP_URL" "status=hang&ms=${FAULT_MS:-1000}"
sleep "$(awk "BEGIN { print (${FAULT_MS:-1000} + 200) / 1000 }")"
