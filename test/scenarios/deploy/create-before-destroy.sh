#!/usr/bin/env bash
# Create before destroy behind nginx: the new instance is added to the upstream before the old
# one is removed. It listens at once but answers 503 until it has warmed up (READY_AFTER_MS).
# Without a readiness check it gets traffic while still warming up; with `--readiness-check`,
# `zerodown wait` holds the switch until it answers 200.
# Env: OLD_PORT, NEW_PORT, READY_AFTER_MS.
source "$(dirname "$0")/lib.sh"

start_backend new "$NEW_PORT" v2 --ready-after "${READY_AFTER_MS:-1000}"
wait_listening "$NEW_PORT"
if [ "${1:-}" = "--readiness-check" ]; then zd_wait "http://127.0.0.1:$NEW_PORT/healthz"; fi
nginx_upstream "$OLD_PORT" "$NEW_PORT"
nginx_reload
wait_healthy "$NEW_PORT"
nginx_upstream "$NEW_PORT"
nginx_reload
stop_backend old
