#!/usr/bin/env bash
# The original design's case: a release renames a handler, so /method1 answers 500 until the
# hotfix lands FAULT_MS later; /method2 is untouched.
# Env: APP_URL, FAULT_MS.
source "$(dirname "$0")/lib.sh"

app_fault "$APP_URL" "path=/method1&status=500&ms=${FAULT_MS:-1000}"
sleep "$(awk "BEGIN { print (${FAULT_MS:-1000} + 200) / 1000 }")"
