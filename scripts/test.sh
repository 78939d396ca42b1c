#!/usr/bin/env bash
# Runs every test with node's built-in runner: unit, integration, end-to-end, scenarios (real
# nginx and HAProxy in front of real backends: test/scenarios/README.md).
# Timing-sensitive suites run one file at a time (2-core machines).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh curl jq prometheus chromium libxml2-utils nginx haproxy socat openssl iproute2 postgresql-15 nats-server
mkdir -p test-results
exec node --test --test-concurrency=1 --test-timeout=180000 \
  "test/unit/**/*.test.ts" "test/integration/**/*.test.ts" "test/e2e/**/*.test.ts" \
  "test/scenarios/**/*.test.ts"
