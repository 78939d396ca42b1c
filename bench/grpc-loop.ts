/**
 * The reference of bench section 7: a plain grpc-js client loop, unpaced, keeping `CONCURRENCY`
 * `Health/Check` calls in flight over one channel for `SECONDS`, then printing one JSON line
 * (calls completed, failed, per second). What grpc-js itself can do on this machine, with no
 * schedule, no deadline bookkeeping and nothing recorded.
 *
 *   node bench/grpc-loop.ts <host:port> <seconds> <concurrency>
 */
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';

const [target = '127.0.0.1:50051', seconds = '5', concurrency = '16'] = process.argv.slice(2);
const client = new Client(target, credentials.createInsecure());
const path = '/grpc.health.v1.Health/Check';
const empty = Buffer.alloc(0);
let ok = 0;
let failed = 0;
let running = true;
const one = (): void => {
  client.makeUnaryRequest<Buffer, Buffer>(
    path,
    (b) => b,
    (b) => b,
    empty,
    (err: ServiceError | null) => {
      if (err) failed++;
      else ok++;
      if (running) one();
    },
  );
};
await new Promise<void>((r) => client.waitForReady(Date.now() + 5000, () => r()));
const t0 = performance.now();
for (let i = 0; i < Number(concurrency); i++) one();
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
running = false;
const wallS = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ ok, failed, perSecond: Math.round(ok / wallS) })}\n`);
client.close();
process.exit(0);
