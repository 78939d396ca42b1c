/**
 * The demo's deploy command, a script of its own that `zerodown demo` runs under `runDeploy`
 * exactly as `zerodown run -- <cmd>` runs yours:
 *
 *     node deploy-script.js <naive|rolling> <admin URL> [version]
 *
 * It prints a line per step and exits 0 when the deploy went through, 1 when a step failed,
 * 2 on a usage error.
 */
import { DEPLOY_MODES, runDeploySteps, type DeployMode } from './deploy-steps.ts';

const [mode, adminUrl, version = 'v2'] = process.argv.slice(2);
const started = performance.now();
const log = (line: string) => {
  const at = ((performance.now() - started) / 1000).toFixed(2);
  process.stdout.write(`deploy +${at} s: ${line}\n`);
};

if (!DEPLOY_MODES.includes(mode as DeployMode) || adminUrl === undefined) {
  process.stderr.write(`usage: deploy-script <${DEPLOY_MODES.join('|')}> <admin URL> [version]\n`);
  process.exitCode = 2;
} else {
  try {
    log(`${mode} deploy of ${version} starting`);
    await runDeploySteps({ mode: mode as DeployMode, adminUrl, version, log });
    log(`${mode} deploy of ${version} done`);
  } catch (err) {
    process.stderr.write(`deploy: failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
