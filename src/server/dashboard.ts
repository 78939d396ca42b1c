/**
 * The live dashboard of `zerodown serve`: `GET /` is the HTML report of the current run (or of
 * the last one), and `GET /events` streams server-sent events that keep it current without
 * reloading: every 500 ms, only what changed (new timeline points and windows, the summary,
 * each endpoint up or down now).
 *
 * With a token, a browser cannot put an `Authorization` header on a page load or an
 * EventSource. So `GET /?token=<token>` trades a valid token, once, for a view cookie
 * (HttpOnly, SameSite=Strict, random for this server process) and redirects to `/`, taking the
 * token out of the address bar. The cookie opens only the read-only views (GET `/`, `/events`,
 * `/report`), never `/start`, `/stop`, `/phase` or `/stats`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LiveFeed, type EndpointState } from '../report/html-model.ts';
import { renderDashboard } from '../report/html.ts';
import { renderSummaryHtml, titleOf } from '../report/html-summary.ts';
import { VERSION } from '../version.ts';
import type { RunController } from './run-controller.ts';

/** How often a page gets an update (ms). */
export const EVENTS_INTERVAL_MS = 500;
/** The view cookie's name. */
export const VIEW_COOKIE = 'zerodown_view';
const VIEW_ROUTES = new Set(['/', '/events', '/report']);

/** Each endpoint up or down now (its latest completed probe), while a run goes on. */
export function liveStates(controller: RunController): EndpointState[] {
  const session = controller.current;
  if (!session) return [];
  return session.stats.map((s) => {
    const last = s.lastCompleted;
    return last === undefined ? null : last.ok ? 'up' : 'down';
  });
}

/** The dashboard's side of authentication: the view cookie and the token-for-cookie trade. */
export class ViewAccess {
  private readonly secret = randomBytes(32).toString('base64url');
  private readonly authorized: (header: string | undefined) => boolean;

  constructor(authorized: (header: string | undefined) => boolean) {
    this.authorized = authorized;
  }

  /** True for a read-only view request that carries the view cookie. */
  admits(req: FastifyRequest): boolean {
    if (req.method !== 'GET' || !VIEW_ROUTES.has(pathOf(req.url))) return false;
    const got = cookie(req.headers.cookie, VIEW_COOKIE);
    if (got === undefined) return false;
    const a = Buffer.from(got);
    const b = Buffer.from(this.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** For `GET /?token=<valid token>`: sets the view cookie and redirects to `/`. */
  trade(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    if (req.method !== 'GET' || pathOf(req.url) !== '/') return undefined;
    const token = new URLSearchParams(req.url.split('?')[1] ?? '').get('token');
    if (token === null || !this.authorized(`Bearer ${token}`)) return undefined;
    return reply
      .code(303)
      .header('location', '/')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        `${VIEW_COOKIE}=${this.secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400`,
      )
      .send();
  }
}

/** Adds `GET /` and `GET /events` to the app. */
export function registerDashboard(app: FastifyInstance, controller: RunController): void {
  const streams = new Set<ServerResponse>();

  app.get('/', (_req, reply) => {
    const doc = controller.stats();
    const html = renderDashboard(doc, liveStates(controller), 'events', VERSION);
    return reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  app.get('/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      // The stream is the connection's last response: ending it (server closing) frees the socket.
      connection: 'close',
    });
    res.write('retry: 1000\n\n');
    const feed = new LiveFeed();
    let quiet = 0;
    const tick = () => {
      if (res.writableNeedDrain) return; // a slow page: skip, the next update catches it up
      const doc = controller.stats();
      const states = liveStates(controller);
      const update = feed.next(doc, states, () => ({
        title: titleOf(doc),
        summaryHtml: renderSummaryHtml(doc, states),
      }));
      if (update) {
        quiet = 0;
        res.write(`event: update\ndata: ${JSON.stringify(update)}\n\n`);
      } else if (++quiet % 30 === 0) {
        res.write(': keep-alive\n\n');
      }
    };
    tick();
    const timer = setInterval(tick, EVENTS_INTERVAL_MS);
    streams.add(res);
    req.raw.on('close', () => {
      clearInterval(timer);
      streams.delete(res);
    });
  });

  // Open event streams would keep the server from closing.
  app.addHook('preClose', (done) => {
    for (const res of streams) res.end();
    done();
  });
}

function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
