#!/usr/bin/env bash
# Rolling restart behind HAProxy, done right: each server is drained through the runtime API
# (no new requests; those in progress finish), put in maintenance, replaced, and put back
# (`set server be/sN state ready`) once healthy, before the next one.
# Between instances it pauses PAUSE_MS, as rolling-restart.sh does.
# Env: S1_PORT, S2_PORT, BOOT_DELAY_MS, PAUSE_MS, HAPROXY_SOCK.
source "$(dirname "$0")/lib.sh"

for s in s1 s2; do
  port_var="${s^^}_PORT"
  port=${!port_var}
  haproxy_cmd "set server be/$s state drain"
  haproxy_wait_idle be "$s"
  haproxy_cmd "set server be/$s state maint"
  stop_backend "$s"
  start_backend "$s" "$port" v2 --boot-delay "${BOOT_DELAY_MS:-300}"
  wait_healthy "$port"
  haproxy_cmd "set server be/$s state ready"
  haproxy_wait_up be "$s"
  if [ "$s" = s1 ]; then sleep "$(awk "BEGIN { print ${PAUSE_MS:-0} / 1000 }")"; fi
done
