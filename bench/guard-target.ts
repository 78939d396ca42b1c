/**
 * The guard benchmark's target: answers 200 until GET /break, then 503 until GET /fix. It
 * prints `BROKEN <epoch ms>` and `FIXED <epoch ms>` so the benchmark knows the real times.
 */
import http from 'node:http';

let broken = false;
const server = http.createServer((req, res) => {
  if (req.url === '/break') {
    broken = true;
    process.stdout.write(`BROKEN ${Date.now()}\n`);
    res.end('broken');
  } else if (req.url === '/fix') {
    broken = false;
    process.stdout.write(`FIXED ${Date.now()}\n`);
    res.end('fixed');
  } else {
    res.statusCode = broken ? 503 : 200;
    res.end(broken ? 'down' : 'ok');
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
