/**
 * The scenario harness's watchdog, a process of its own: `node watchdog.ts <test pid> <root>`.
 * When the test process is gone (crashed, SIGKILLed, timed out), it SIGKILLs every process
 * registered in `<root>/<scenario>/pids/` (nginx, HAProxy, backends) and removes `<root>`.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const parent = Number(process.argv[2]);
const root = process.argv[3]!;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killAll(): void {
  if (!existsSync(root)) return;
  for (const scenario of readdirSync(root)) {
    const pids = join(root, scenario, 'pids');
    if (!existsSync(pids)) continue;
    for (const file of readdirSync(pids)) {
      const pid = Number(file);
      if (!Number.isInteger(pid) || pid <= 1) continue;
      let group: boolean;
      try {
        group = readFileSync(join(pids, file), 'utf8').startsWith('group ');
      } catch {
        continue;
      }
      try {
        process.kill(group ? -pid : pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

setInterval(() => {
  if (alive(parent)) return;
  killAll();
  rmSync(root, { recursive: true, force: true });
  process.exit(0);
}, 300);
