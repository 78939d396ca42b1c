/* global AbortSignal, console, fetch, process */
/**
 * AWS CodeDeploy, ECS or Lambda compute platform: a lifecycle hook Lambda function. CodeDeploy
 * runs hooks of these platforms only as Lambda functions, and gives the hook execution id a hook
 * must report its status with only to them.
 *
 * Deploy this file twice (runtime nodejs22.x or later: fetch and @aws-sdk/client-codedeploy come
 * with it), as the hooks of the AppSpec:
 *   BeforeAllowTraffic  ZERODOWN_STEP=start    POST /start?name=<deployment id>
 *   AfterAllowTraffic   ZERODOWN_STEP=verdict  POST /stop?name=<deployment id>, then
 *                                              GET /verdict?name=<deployment id>: 200 Succeeded,
 *                                              anything else Failed (CodeDeploy rolls back)
 * with ZERODOWN_SERVER (a zerodown serve the function reaches, e.g. in the VPC) and
 * ZERODOWN_TOKEN (better: read it from Secrets Manager). The role needs
 * codedeploy:PutLifecycleEventHookExecutionStatus.
 */

/**
 * A hook handler. `putStatus` reports to CodeDeploy; `log` can be replaced (tests).
 * Resolves with the status it reported.
 */
export function makeHandler({ server, token, step, putStatus, log = console.log }) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const call = async (method, path) => {
    const res = await fetch(`${server}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    log(`zerodown: ${method} ${path}: ${res.status} ${text.slice(0, 300).trim()}`);
    return res.status;
  };
  return async (event) => {
    const name = encodeURIComponent(event.DeploymentId);
    let status = 'Failed';
    try {
      if (step === 'start') {
        status = (await call('POST', `/start?name=${name}`)) === 200 ? 'Succeeded' : 'Failed';
      } else {
        await call('POST', `/stop?name=${name}`);
        status = (await call('GET', `/verdict?name=${name}`)) === 200 ? 'Succeeded' : 'Failed';
      }
    } catch (err) {
      log(`zerodown: ${err instanceof Error ? err.message : String(err)}`);
    }
    await putStatus({
      deploymentId: event.DeploymentId,
      lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
      status,
    });
    return status;
  };
}

/** The Lambda entry point. */
export const handler = async (event) => {
  const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } =
    await import('@aws-sdk/client-codedeploy');
  const client = new CodeDeployClient({});
  return makeHandler({
    server: process.env.ZERODOWN_SERVER,
    token: process.env.ZERODOWN_TOKEN,
    step: process.env.ZERODOWN_STEP,
    putStatus: (input) => client.send(new PutLifecycleEventHookExecutionStatusCommand(input)),
  })(event);
};
