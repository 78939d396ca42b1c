/**
 * Raw TCP servers speaking just enough (or deliberately broken) HTTP, for what a well-behaved
 * HTTP server library will not do: closing idle keep-alive connections with no hint, dribbling
 * headers, endless bodies, garbage.
 */
import { once } from 'node:events';
import net from 'node:net';

/** A raw server on 127.0.0.1 that hands each connection to `onConnection`. */
export class RawServer {
  readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  connections = 0;

  private constructor(onConnection: (socket: net.Socket) => void) {
    this.server = net.createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      onConnection(socket);
    });
  }

  static async start(onConnection: (socket: net.Socket) => void): Promise<RawServer> {
    const s = new RawServer(onConnection);
    s.server.listen(0, '127.0.0.1');
    await once(s.server, 'listening');
    return s;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}${path}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Calls `onRequest` once per complete request head seen on the socket, with the head (the
 * request line and the headers as sent). Bodies are not read: no request here may have one.
 */
export function onRequests(socket: net.Socket, onRequest: (head: string) => void): void {
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
      const head = buffered.slice(0, end);
      buffered = buffered.slice(end + 4);
      onRequest(head);
    }
  });
}

/** A minimal, valid 200 response that keeps the connection open. */
export const OK_RESPONSE =
  'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok';
