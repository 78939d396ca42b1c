/**
 * Certificates for TLS tests, made with the openssl command line in a temporary folder: a
 * self-signed one, and a small CA with a valid and an expired leaf. The expired leaf is honest:
 * `openssl ca -startdate/-enddate` sign it valid for a day in 2020 (no faked clock). Every
 * certificate is for 127.0.0.1; keys are P-256 (fast to make).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** The certificates of a test, and the CA's certificate file (for NODE_EXTRA_CA_CERTS). */
export interface TestCerts {
  dir: string;
  selfSigned: KeyPair;
  caFile: string;
  valid: KeyPair;
  expired: KeyPair;
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

const CA_CONFIG = `[ca]
default_ca = test
[test]
dir = .
database = db/index.txt
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = any
x509_extensions = leaf
unique_subject = no
[any]
commonName = supplied
[leaf]
subjectAltName = IP:127.0.0.1
`;

/** True when the openssl command line is there. */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Makes the certificates (about 0.1 s), in a folder removed when the process exits. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'zd-certs-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const read = (name: string): KeyPair => ({
    cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
  });
  const self = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
  openssl('req', '-x509', ...KEY, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', ...self);
  const ca = ['-subj', '/CN=zerodown test CA'];
  openssl('req', '-x509', ...KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', ...ca);
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db/index.txt'), '');
  writeFileSync(join(dir, 'db/serial'), '01\n');
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
  const leaf = (name: string, start: string, end: string) => {
    openssl(
      'req',
      ...KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      '/CN=127.0.0.1',
    );
    openssl(
      ...['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key'],
      ...['-in', `${name}.csr`, '-out', `${name}.crt`, '-startdate', start, '-enddate', end],
    );
  };
  leaf('expired', '20200101000000Z', '20200102000000Z');
  const day = 24 * 3600 * 1000;
  leaf('valid', asn1Time(Date.now() - day), asn1Time(Date.now() + day));
  return {
    dir,
    selfSigned: read('self'),
    caFile: join(dir, 'ca.crt'),
    valid: read('valid'),
    expired: read('expired'),
  };
}

/** `YYYYMMDDHHMMSSZ`, as `openssl ca -startdate` takes it. */
function asn1Time(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
