#!/usr/bin/env bash
# The original design's case: a config push sets the rate limit to zero, so every endpoint
# answers 429 until it is reverted FAULT_MS later.
# Env: APP_URL, FAULT_MS.
source "$(dirname "$0")/lib.sh"

app_fault "$APP_URL" "status=429&ms=${FAULT_MS:-1000}"
sleep "$(awk "BEGIN { print (${FAULT_MS:-1000} + 200) / 1000 }")"
