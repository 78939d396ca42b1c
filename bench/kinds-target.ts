/**
 * The targets of bench section 7 (probe cost per kind), in one child process pinned to the
 * server core: an HTTP/1.1 server (3-byte 200), a gRPC server with the standard health service
 * (grpc-health-check), a WebSocket server and a TCP listener, all on 127.0.0.1. Prints one JSON
 * line with their ports, then serves until killed.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const http = createHttpServer((_req, res) => res.end('ok\n'));
http.keepAliveTimeout = 60_000;
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));

const grpc = new Server();
new HealthImplementation({ '': 'SERVING' }).addToServer(grpc);
const grpcPort = await new Promise<number>((resolve, reject) =>
  grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) =>
    err ? reject(err) : resolve(port),
  ),
);

const wsHttp = createHttpServer();
new WebSocketServer({ server: wsHttp, perMessageDeflate: false });
await new Promise<void>((r) => wsHttp.listen(0, '127.0.0.1', r));

const tcp = createTcpServer((s) => s.destroy());
await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', 1024, r));

const port = (s: { address(): unknown }) => (s.address() as AddressInfo).port;
process.stdout.write(
  `${JSON.stringify({ http: port(http), grpc: grpcPort, ws: port(wsHttp), tcp: port(tcp) })}\n`,
);
