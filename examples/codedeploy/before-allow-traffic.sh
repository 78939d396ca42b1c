#!/usr/bin/env bash
# AWS CodeDeploy, EC2/On-Premises blue/green: the BeforeAllowTraffic hook script that starts the
# run for this deployment (see after-allow-traffic.sh). Every replacement instance runs it: the
# first call starts the run named after DEPLOYMENT_ID, the others join it ("Already running").
set -euo pipefail
: "${DEPLOYMENT_ID:?set by the CodeDeploy agent}"
zerodown start --name "$DEPLOYMENT_ID"
