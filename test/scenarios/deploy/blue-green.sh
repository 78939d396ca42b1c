#!/usr/bin/env bash
# Blue/green behind nginx: start green (v2) beside blue (v1), wait until it is healthy, point
# the upstream at green, graceful `nginx -s reload`, then stop blue once no worker uses it.
# Env: GREEN_PORT.
source "$(dirname "$0")/lib.sh"

start_backend green "$GREEN_PORT" v2 --boot-delay 200
wait_healthy "$GREEN_PORT"
nginx_upstream "$GREEN_PORT"
nginx_reload
stop_backend blue
