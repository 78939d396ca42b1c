#!/usr/bin/env bash
# AWS CodeDeploy AfterAllowTraffic hook (a Lambda-less variant run from the pipeline's runner):
# asks zerodown for the verdict of the run started before the deploy and reports it back, so a
# deploy that dropped requests fails and CodeDeploy rolls it back.
#   DEPLOYMENT_ID, LIFECYCLE_EVENT_HOOK_EXECUTION_ID: from the hook's event
#   ZERODOWN_SERVER, ZERODOWN_TOKEN: the control server
set -uo pipefail
: "${DEPLOYMENT_ID:?}" "${LIFECYCLE_EVENT_HOOK_EXECUTION_ID:?}"
if zerodown stats --fail --json "${ZERODOWN_RESULT:-zerodown-result.json}"; then
  status=Succeeded
else
  status=Failed
fi
aws deploy put-lifecycle-event-hook-execution-status \
  --deployment-id "$DEPLOYMENT_ID" \
  --lifecycle-event-hook-execution-id "$LIFECYCLE_EVENT_HOOK_EXECUTION_ID" \
  --status "$status"
echo "zerodown: AfterAllowTraffic $status"
