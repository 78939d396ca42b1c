#!/usr/bin/env bash
# Restart of a single instance (no load balancer) whose server, on SIGTERM, stops accepting new
# connections but keeps serving the keep-alive connections it has for a drain period, while the
# new process boots on the same port. Clients with a pooled connection see nothing; a new
# client is refused until the new process listens.
# Env: APP_PORT, BOOT_DELAY_MS.
source "$(dirname "$0")/lib.sh"

old=$(backend_pid app)
say "stop app (pid $old), not waiting: it drains"
kill -TERM "$old"
start_backend app "$APP_PORT" v2 --boot-delay "${BOOT_DELAY_MS:-800}"
wait_healthy "$APP_PORT"
wait_exit "$old"
