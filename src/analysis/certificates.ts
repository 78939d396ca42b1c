/**
 * Which server certificates an endpoint presented, in send order: each distinct certificate
 * (by SHA-256 fingerprint) with when it was first and last seen and how many probes went over a
 * connection that presented it. Two or more mean the certificate changed during the run — a
 * rotation, or a deploy that brought the wrong one; overlapping spans mean old and new were
 * served side by side (keep-alive connections opened before the change, several servers).
 */
import type { CertificateFacts } from '../probe/certificates.ts';
import type { CertificateSeen } from '../result.ts';

/** Tracks certificates in sequence order. */
export class CertificateTracker {
  private readonly seen = new Map<string, CertificateSeen>();

  /** A probe scheduled at `scheduledMs` went over a connection that presented `cert`. */
  add(cert: CertificateFacts, scheduledMs: number): void {
    const c = this.seen.get(cert.fingerprint256);
    if (c) {
      c.lastMs = scheduledMs;
      c.probes++;
      return;
    }
    this.seen.set(cert.fingerprint256, {
      subject: cert.subject,
      issuer: cert.issuer,
      fingerprint256: cert.fingerprint256,
      validTo: cert.validTo,
      firstMs: scheduledMs,
      lastMs: scheduledMs,
      probes: 1,
    });
  }

  get size(): number {
    return this.seen.size;
  }

  /** Certificates in order of first appearance (copies). */
  certificates(): CertificateSeen[] {
    return [...this.seen.values()].map((c) => ({ ...c }));
  }
}

/**
 * The changes of certificate a list (in order of first appearance) shows: each certificate after
 * the first, with the one before it. What reports say; empty when the certificate never changed.
 */
export function certificateChanges(
  certs: readonly CertificateSeen[],
): { atMs: number; from: CertificateSeen; to: CertificateSeen }[] {
  return certs.slice(1).map((to, i) => ({ atMs: to.firstMs, from: certs[i]!, to }));
}
