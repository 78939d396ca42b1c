#!/usr/bin/env bash
# Naive restart of the only instance behind nginx: stop it, start the new version in its place.
# Nothing serves while the new one boots, so nginx answers 502 meanwhile.
# Env: APP_PORT, BOOT_DELAY_MS (how long v2 takes to boot).
source "$(dirname "$0")/lib.sh"

stop_backend app
start_backend app "$APP_PORT" v2 --boot-delay "${BOOT_DELAY_MS:-700}"
wait_healthy "$APP_PORT"
