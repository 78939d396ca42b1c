/**
 * The server certificate a TLS connection presented, as the facts a result keeps: subject,
 * issuer, SHA-256 fingerprint and expiry. Read once per new connection (undici's connector for
 * https, the socket for tcp) and shared by every probe that goes over that connection.
 */
import type { PeerCertificate } from 'node:tls';

/** One server certificate as seen on a connection. */
export interface CertificateFacts {
  /** The subject's common name (else the whole subject as `K=V, …`). */
  readonly subject: string;
  /** The issuer's common name (else the whole issuer). */
  readonly issuer: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as openssl prints it). */
  readonly fingerprint256: string;
  /** End of validity, ISO 8601 (UTC). */
  readonly validTo: string;
}

/** The facts of `cert`, or undefined when the connection has none (not TLS, no certificate). */
export function certificateFacts(cert: PeerCertificate | undefined): CertificateFacts | undefined {
  if (!cert || typeof cert.fingerprint256 !== 'string' || cert.fingerprint256 === '') {
    return undefined;
  }
  const validTo = new Date(cert.valid_to);
  return Object.freeze({
    subject: nameOf(cert.subject),
    issuer: nameOf(cert.issuer),
    fingerprint256: cert.fingerprint256,
    validTo: Number.isNaN(validTo.getTime()) ? String(cert.valid_to) : validTo.toISOString(),
  });
}

/** `CN` when there is one, else every field as `K=V, …` (a field may repeat: arrays). */
function nameOf(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const fields = name as unknown as Record<string, string | string[]>;
  const cn = fields.CN;
  if (cn !== undefined) return Array.isArray(cn) ? cn.join(', ') : cn;
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}
