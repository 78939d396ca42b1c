/**
 * Name resolution that fails without a packet leaving the machine. A name under `.invalid`
 * (RFC 6761) is special-cased by some resolvers, not by glibc: looked up as usual it goes to the
 * machine's DNS server. So the probing process runs in a network namespace of its own (only its
 * own loopback: nothing can leave) and a mount namespace whose /etc/nsswitch.conf and
 * /etc/resolv.conf are bind-mounted from a temporary folder, private to that process:
 *
 * - `no-such-name`: `hosts: files`. The name is not in /etc/hosts, and no DNS is asked: getaddrinfo
 *   says EAI_NONAME, which Node reports as ENOTFOUND — what an NXDOMAIN answer also gives.
 * - `resolver-down`: DNS at 127.0.0.1, where nothing listens in that namespace: the query is
 *   refused on the namespace's loopback and getaddrinfo says EAI_AGAIN, as for a resolver that
 *   cannot be reached.
 *
 * Needs root (unshare, mount) and iproute2's `ip`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How resolution fails. */
export type DnsFailure = 'no-such-name' | 'resolver-down';

const SCRIPT =
  'ip link set lo up && mount --bind "$1" /etc/nsswitch.conf && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"';

/** Why isolating is not possible here, or undefined when it is. */
export function cannotIsolateDns(): string | undefined {
  try {
    execFileSync('unshare', ['--net', '--mount', 'sh', '-c', 'ip link set lo up'], {
      stdio: 'pipe',
    });
    return undefined;
  } catch (err) {
    return `cannot make network and mount namespaces: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** A command prefix (see probeProcess's `wrap`) that runs a command with resolution failing so. */
export function isolatedDns(failure: DnsFailure): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'zd-dns-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const nsswitch = join(dir, 'nsswitch.conf');
  const resolv = join(dir, 'resolv.conf');
  writeFileSync(nsswitch, failure === 'no-such-name' ? 'hosts: files\n' : 'hosts: files dns\n');
  writeFileSync(resolv, 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n');
  return ['unshare', '--net', '--mount', 'sh', '-c', SCRIPT, 'sh', nsswitch, resolv];
}
