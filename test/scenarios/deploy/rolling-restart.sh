#!/usr/bin/env bash
# Rolling restart behind a load balancer that is not told: one instance at a time is stopped
# (gracefully), replaced by the new version, and healthy again before the next one goes.
# nginx retries a refused connection on the next upstream (`proxy_next_upstream error`); for
# HAProxy the health checks notice, so the script waits until HAProxy sees the server UP again.
# Between instances it pauses PAUSE_MS (Kubernetes' minReadySeconds): both versions answer then.
# Env: S1_PORT, S2_PORT, BOOT_DELAY_MS, PAUSE_MS; HAPROXY_SOCK when behind HAProxy.
source "$(dirname "$0")/lib.sh"

for s in s1 s2; do
  port_var="${s^^}_PORT"
  port=${!port_var}
  stop_backend "$s"
  start_backend "$s" "$port" v2 --boot-delay "${BOOT_DELAY_MS:-300}"
  wait_healthy "$port"
  if [ -n "${HAPROXY_SOCK:-}" ]; then haproxy_wait_up be "$s"; fi
  if [ "$s" = s1 ]; then sleep "$(awk "BEGIN { print ${PAUSE_MS:-0} / 1000 }")"; fi
done
