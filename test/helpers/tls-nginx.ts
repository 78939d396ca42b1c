/**
 * A private nginx serving HTTPS with HTTP/2 on a free loopback port, with a certificate the test
 * gives (tls-certs.ts), and a certificate swap by a graceful reload (`nginx -s reload`), as a
 * deploy that rotates certificates does. Its own prefix folder; killed when the process exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { findBinary, freePort } from '../scenarios/harness/net.ts';
import type { KeyPair } from './tls-certs.ts';

/** True when nginx is there and built with HTTP/2 and TLS. */
export function haveNginxH2(): boolean {
  try {
    const bin = findBinary(['/usr/sbin/nginx', '/usr/local/sbin/nginx', 'nginx'], 'nginx');
    const v = spawnSync(bin, ['-V'], { encoding: 'utf8' }).stderr;
    return v.includes('http_v2_module') && v.includes('http_ssl_module');
  } catch {
    return false;
  }
}

/** A running nginx with TLS and HTTP/2. */
export class TlsNginx {
  readonly port: number;
  private readonly prefix: string;
  private readonly bin: string;
  private readonly child: ChildProcess;

  private constructor(port: number, prefix: string, bin: string, child: ChildProcess) {
    this.port = port;
    this.prefix = prefix;
    this.bin = bin;
    this.child = child;
  }

  /** Starts nginx with `pair` and waits until it completes a TLS handshake. */
  static async start(pair: KeyPair): Promise<TlsNginx> {
    const bin = findBinary(['/usr/sbin/nginx', '/usr/local/sbin/nginx', 'nginx'], 'nginx');
    const prefix = mkdtempSync(join(tmpdir(), 'zd-nginx-tls-'));
    mkdirSync(join(prefix, 'tmp'));
    const port = await freePort();
    writeFileSync(join(prefix, 'nginx.conf'), conf(port));
    writeCert(prefix, pair);
    const child = spawn(bin, [...args(prefix), '-g', 'daemon off;'], { stdio: 'ignore' });
    const kill = () => child.kill('SIGKILL');
    process.on('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    const nginx = new TlsNginx(port, prefix, bin, child);
    await nginx.waitForHandshake();
    return nginx;
  }

  /** `https://127.0.0.1:<port><path>`. */
  url(path = '/'): string {
    return `https://127.0.0.1:${this.port}${path}`;
  }

  /**
   * Swaps the certificate: writes the new files and reloads nginx, which starts new workers with
   * it and lets the old ones finish (sending GOAWAY on their HTTP/2 connections). Resolves once
   * a new handshake presents the new certificate.
   */
  async swapCertificate(pair: KeyPair, fingerprint256: string): Promise<void> {
    writeCert(this.prefix, pair);
    const r = spawnSync(this.bin, [...args(this.prefix), '-s', 'reload'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`nginx reload failed: ${r.stderr}`);
    await this.waitForHandshake(fingerprint256);
  }

  /** Stops nginx (SIGQUIT: graceful) and removes its folder. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.prefix, { recursive: true, force: true });
  }

  /** Polls until a TLS handshake succeeds (and presents `fingerprint256`, when given). */
  private async waitForHandshake(fingerprint256?: string): Promise<void> {
    const until = Date.now() + 10_000;
    let last = 'no handshake';
    while (Date.now() < until) {
      const fp = await new Promise<string | Error>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: this.port, rejectUnauthorized: false });
        s.once('secureConnect', () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.destroy();
        });
        s.once('error', resolve);
      });
      if (typeof fp === 'string' && (fingerprint256 === undefined || fp === fingerprint256)) {
        return;
      }
      last = String(fp);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`nginx (TLS) not ready: ${last}`);
  }
}

function args(prefix: string): string[] {
  return ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')];
}

function writeCert(prefix: string, pair: KeyPair): void {
  writeFileSync(join(prefix, 'server.crt'), pair.cert);
  writeFileSync(join(prefix, 'server.key'), pair.key);
}

function conf(port: number): string {
  return `# A test's nginx with TLS and HTTP/2 (test/helpers/tls-nginx.ts)
worker_processes 1;
pid nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path tmp;
  proxy_temp_path tmp;
  fastcgi_temp_path tmp;
  uwsgi_temp_path tmp;
  scgi_temp_path tmp;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate server.crt;
    ssl_certificate_key server.key;
    location / {
      return 200 "ok\\n";
    }
  }
}
`;
}
