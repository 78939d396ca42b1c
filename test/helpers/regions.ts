/**
 * "Regions" on one machine: network namespaces whose only way to the target is a routed path that
 * a test can cut, so several vantage points (agents) see the same service from different places
 * and one of them can lose it while the others do not.
 *
 * ```
 *   root namespace                 zd-core-<pid>                    zd-<region>-<pid>
 *   (the test, the target)         (a router: forwarding on)        (an agent)
 *   zdr<pid> 10.X.0.1/30 ───────── uplink 10.X.0.2/30
 *                                  r0 10.X.1.1/30 ──────────────── eth0 10.X.1.2/30  (eu)
 *                                  r1 10.X.2.1/30 ──────────────── eth0 10.X.2.2/30  (us)
 *                                  …                                default via 10.X.n.1
 *   route 10.X.0.0/16 via 10.X.0.2
 * ```
 *
 * A region reaches the target's address, 10.X.0.1 (`targetHost`), two hops away through the core
 * namespace. Forwarding is switched on in the core namespace only: the machine's own
 * `net.ipv4.ip_forward` is never touched (other tests and engineers share it). X is a second
 * octet no address or route of the root namespace uses yet.
 *
 * **Cutting a region** puts a `blackhole` qdisc (iproute2's `tc`: drops every packet it is given)
 * on both ends of that region's link, then deletes them. This is what `netem loss 100%` would do,
 * and netem is not available everywhere (this machine's kernel has no sch_netem): blackhole is
 * a built-in qdisc. A silent drop is a real partition: nothing answers, probes end by timeout.
 * `ip link set down` was not chosen: the kernel deletes the routes through a link that goes down
 * and does not put them back when it comes up (measured: a 1 s down/up of a region's link left it
 * without its default route, a 4.1 s window of ENETUNREACH to the end of the run), and while down
 * connections fail at once with ENETUNREACH, a local error that says nothing about the path.
 *
 * A cut is downtime only if it outlasts the probe timeout: TCP retransmits (a SYN after 1 s, data
 * after ≥200 ms) and a probe still waiting when the path comes back succeeds, late. Measured with
 * a 1 s cut at 50 probes/s: timeout 2 s gives no window at all (max latency 1.5-1.7 s, fresh or
 * kept-alive connections); timeout 500 ms gives one window of 1020 ms (either mode). So tests
 * that want a window cut for longer than their timeout (they use 500 ms and `fresh`).
 *
 * Everything is named with the test process's pid; `dispose()` removes it, and so do an exit hook
 * and SIGINT/SIGTERM handlers when a test fails or is stopped before calling it. `sweepStaleRegions()` removes what a killed test left.
 * Needs root and iproute2 (`bash scripts/system-deps.sh iproute2`).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** One region: its name, its namespace, its own address. */
export interface Region {
  readonly name: string;
  readonly netns: string;
  /** The region's address (the source of its probes, as the target sees them). */
  readonly address: string;
  /** Its link's interface in the core namespace. */
  readonly coreLink: string;
}

/** When a cut was in force, as epoch milliseconds (from its first qdisc to its last). */
export interface Cut {
  region: string;
  /** Before the first qdisc went on. */
  startEpochMs: number;
  /** After the last qdisc came off. */
  endEpochMs: number;
}

const NAME = /^zd-[a-z0-9]+-(\d+)$/;
let made = 0;
const live = new Set<Regions>();

/**
 * SIGINT/SIGTERM end a process without its 'exit' event: remove the regions, then die of the
 * signal as if nothing had listened.
 */
function onSignal(signal: NodeJS.Signals): void {
  for (const r of live) r.dispose();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tc(args: readonly string[]): void {
  execFileSync('tc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why regions cannot be made here (not root, no iproute2, no blackhole qdisc), or undefined. */
export function cannotMakeRegions(): string | undefined {
  const probe = `zd-check-${process.pid}`;
  try {
    ip(['netns', 'add', probe]);
  } catch (err) {
    return `cannot make a network namespace (root and iproute2 needed: bash scripts/system-deps.sh iproute2): ${(err as Error).message.split('\n')[0]}`;
  }
  try {
    ip(['-n', probe, 'link', 'set', 'lo', 'up']);
    tc(['-n', probe, 'qdisc', 'add', 'dev', 'lo', 'root', 'blackhole']);
    return undefined;
  } catch (err) {
    return `tc cannot add a blackhole qdisc: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  }
}

/** Removes namespaces and root links left by test processes that no longer run. */
export function sweepStaleRegions(): string[] {
  const removed: string[] = [];
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = NAME.exec(name);
    if (m && !alive(Number(m[1]))) {
      spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      removed.push(name);
    }
  }
  for (const line of ip(['-o', 'link', 'show']).split('\n')) {
    const m = /^\d+: (zdr(\d+)(?:x\d+)?)[@:]/.exec(line);
    if (m && !alive(Number(m[2]))) {
      spawnSync('ip', ['link', 'del', m[1]!], { stdio: 'ignore' });
      removed.push(m[1]!);
    }
  }
  return removed;
}

/** A second octet no address or route of the root namespace uses (10.X.0.0/16 is ours). */
function freeOctet(): number {
  const used = ip(['-4', '-o', 'addr', 'show']) + ip(['-4', 'route', 'show', 'table', 'all']);
  const start = 200 + (process.pid % 50);
  for (let i = 0; i < 50; i++) {
    const x = 200 + ((start - 200 + i) % 50);
    if (!used.includes(`10.${x}.`)) return x;
  }
  throw new Error('no free 10.X.0.0/16 for regions (10.200-249 all in use)');
}

/** N namespaces routed to the root namespace through a core router namespace (see above). */
export class Regions {
  /** The root namespace's end of the link to the router. */
  readonly rootLink: string;
  /** The router namespace. */
  readonly core: string;
  /** The target's address in the root namespace, reached by every region through the router. */
  readonly targetHost: string;
  readonly regions: readonly Region[];
  private readonly children = new Set<ChildProcess>();
  private disposed = false;
  private readonly onExit = (): void => this.dispose();

  private constructor(names: readonly string[]) {
    const pid = process.pid;
    const x = freeOctet();
    // A second set in the same process gets a number: names stay unique and still end in the pid.
    const k = made++ === 0 ? '' : String(made - 1);
    this.core = `zd-core${k}-${pid}`;
    this.rootLink = k ? `zdr${pid}x${k}` : `zdr${pid}`;
    this.targetHost = `10.${x}.0.1`;
    this.regions = names.map((name, i) => ({
      name,
      netns: `zd-${name}${k}-${pid}`,
      address: `10.${x}.${i + 1}.2`,
      coreLink: `r${i}`,
    }));
    process.on('exit', this.onExit);
    if (live.size === 0) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    live.add(this);
    try {
      this.build(x);
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Makes one namespace per name (lower-case letters and digits: `eu`, `us`, `ap`). */
  static create(names: readonly string[]): Regions {
    for (const n of names) {
      if (!/^[a-z0-9]{1,8}$/.test(n)) throw new Error(`region name ${n}: 1-8 of [a-z0-9]`);
    }
    sweepStaleRegions();
    return new Regions(names);
  }

  private build(x: number): void {
    const core = this.core;
    ip(['netns', 'add', core]);
    ip(['-n', core, 'link', 'set', 'lo', 'up']);
    ip(['netns', 'exec', core, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    ip(['link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', core]);
    ip(['addr', 'add', `10.${x}.0.1/30`, 'dev', this.rootLink]);
    ip(['link', 'set', this.rootLink, 'up']);
    ip(['-n', core, 'addr', 'add', `10.${x}.0.2/30`, 'dev', 'uplink']);
    ip(['-n', core, 'link', 'set', 'uplink', 'up']);
    ip(['-n', core, 'route', 'add', 'default', 'via', `10.${x}.0.1`]);
    ip(['route', 'add', `10.${x}.0.0/16`, 'via', `10.${x}.0.2`, 'dev', this.rootLink]);
    this.regions.forEach((r, i) => {
      ip(['netns', 'add', r.netns]);
      ip(['-n', r.netns, 'link', 'set', 'lo', 'up']);
      ip(['-n', core, 'link', 'add', r.coreLink, 'type', 'veth', 'peer', 'name', 'eth0']);
      ip(['-n', core, 'link', 'set', 'eth0', 'netns', r.netns]);
      ip(['-n', core, 'addr', 'add', `10.${x}.${i + 1}.1/30`, 'dev', r.coreLink]);
      ip(['-n', core, 'link', 'set', r.coreLink, 'up']);
      ip(['-n', r.netns, 'addr', 'add', `${r.address}/30`, 'dev', 'eth0']);
      ip(['-n', r.netns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', r.netns, 'route', 'add', 'default', 'via', `10.${x}.${i + 1}.1`]);
    });
  }

  /** The region of that name. */
  region(name: string): Region {
    const r = this.regions.find((x) => x.name === name);
    if (!r) throw new Error(`no region ${name}`);
    return r;
  }

  /** A command prefix that runs a command inside the region (`ip netns exec <ns>`). */
  wrap(name: string): string[] {
    return ['ip', 'netns', 'exec', this.region(name).netns];
  }

  /** Starts `command args…` inside the region; killed by dispose() if still running. */
  spawn(
    name: string,
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): ChildProcess {
    const [bin, ...pre] = this.wrap(name);
    const child = spawn(bin!, [...pre, command, ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    return child;
  }

  /** Drops every packet on the region's link, both ways, until restore(). Returns when it began. */
  cutStart(name: string): number {
    const r = this.region(name);
    const at = Date.now();
    tc(['-n', r.netns, 'qdisc', 'add', 'dev', 'eth0', 'root', 'blackhole']);
    tc(['-n', this.core, 'qdisc', 'add', 'dev', r.coreLink, 'root', 'blackhole']);
    return at;
  }

  /** Puts the region's link back (removes both blackhole qdiscs). Returns when it was whole. */
  restore(name: string): number {
    const r = this.region(name);
    spawnSync('tc', ['-n', this.core, 'qdisc', 'del', 'dev', r.coreLink, 'root'], {
      stdio: 'ignore',
    });
    spawnSync('tc', ['-n', r.netns, 'qdisc', 'del', 'dev', 'eth0', 'root'], { stdio: 'ignore' });
    return Date.now();
  }

  /**
   * Cuts the region's path for `ms` milliseconds; says when it was cut, from before the first
   * qdisc went on to after the last came off (each `tc` takes a few milliseconds, more on a busy
   * machine, and one direction dropping is already a cut).
   */
  async cut(name: string, ms: number): Promise<Cut> {
    const startEpochMs = this.cutStart(name);
    let endEpochMs: number;
    try {
      const left = Math.max(0, startEpochMs + ms - Date.now());
      await new Promise((resolve) => setTimeout(resolve, left));
    } finally {
      endEpochMs = this.restore(name);
    }
    return { region: name, startEpochMs, endEpochMs };
  }

  /** Kills what runs in the regions and removes every namespace and link made. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    process.off('exit', this.onExit);
    live.delete(this);
    if (live.size === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    for (const c of this.children) c.kill('SIGKILL');
    for (const r of this.regions) {
      // A process started through wrap() (not tracked here) would keep the namespace alive after
      // its name is gone: kill what the namespace itself lists.
      const pids = spawnSync('ip', ['netns', 'pids', r.netns], { encoding: 'utf8' }).stdout ?? '';
      for (const p of pids.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('ip', ['netns', 'del', r.netns], { stdio: 'ignore' });
    }
    spawnSync('ip', ['netns', 'del', this.core], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', this.rootLink], { stdio: 'ignore' });
  }
}
