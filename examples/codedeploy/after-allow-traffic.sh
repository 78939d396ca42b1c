#!/usr/bin/env bash
# AWS CodeDeploy, EC2/On-Premises blue/green: an appspec.yml hook script for AfterAllowTraffic.
# The CodeDeploy agent runs it on each replacement instance once traffic reaches it, and the
# script's exit code is the hook's result: exit 1 on downtime fails the deployment (and rolls it
# back when the deployment group rolls back on failure). No Lambda, no API call.
#
#   hooks:
#     BeforeAllowTraffic: [{ location: scripts/before-allow-traffic.sh, timeout: 60 }]
#     AfterAllowTraffic:  [{ location: scripts/after-allow-traffic.sh, timeout: 120 }]
#
# The run is named after the deployment (DEPLOYMENT_ID, set by the agent), so every instance
# answers for this deployment's run only.
#   ZERODOWN_SERVER, ZERODOWN_TOKEN: the control server (reachable from the instances)
# ECS and Lambda deployments run hooks as Lambda functions instead: see hook-lambda.mjs.
set -euo pipefail
: "${DEPLOYMENT_ID:?set by the CodeDeploy agent}"
zerodown stats --name "$DEPLOYMENT_ID" --fail --json "${ZERODOWN_RESULT:-zerodown-result.json}"
