/**
 * The control server (contract §4) on fastify: start probing in the background of a pipeline,
 * deploy in another job, then ask for the verdict. Targets come only from the server's own
 * config: no request can point it at another host.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ERROR_CODES, ZerodownError, type ErrorCode } from '../errors.ts';
import { decideOutcome } from '../outcome.ts';
import { renderText } from '../report/text.ts';
import type { ResultDocument } from '../result.ts';
import { bearerChecker } from './auth.ts';
import { refuseFromBrowser } from './browser-guard.ts';
import { registerDashboard, ViewAccess } from './dashboard.ts';
import { createMetrics } from './metrics.ts';
import type { RunController } from './run-controller.ts';

/** Options of `buildServer`. */
export interface ServerOptions {
  controller: RunController;
  /** Every route but /healthz needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** The address the server is bound to (a `Host` naming it is accepted without a token). */
  host?: string | undefined;
  /** Renders the HTML report (`/report`); text when not given. */
  renderHtml?: ((doc: ResultDocument) => string) | undefined;
}

const PHASE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Builds the fastify app (not listening yet). */
export function buildServer(options: ServerOptions): FastifyInstance {
  const { controller } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 64 },
    return503OnClosing: true,
  });
  const metrics = createMetrics(controller);
  const authorized = options.token === undefined ? undefined : bearerChecker(options.token);
  // The dashboard's pages also open with a view cookie (see dashboard.ts).
  const views = authorized === undefined ? undefined : new ViewAccess(authorized);

  app.addHook('onRequest', async (req, reply) => {
    if (!authorized) {
      const refused = refuseFromBrowser(req, options.host ?? '127.0.0.1');
      return refused === undefined ? undefined : sendError(reply, 'ZD_FORBIDDEN', refused);
    }
    if (req.url === '/healthz') return;
    if (!authorized(req.headers.authorization)) {
      if (views?.admits(req)) return;
      const traded = views?.trade(req, reply);
      if (traded) return traded;
      reply.header('www-authenticate', 'Bearer realm="zerodown"');
      return sendError(
        reply,
        'ZD_UNAUTHORIZED',
        req.url.split('?')[0] === '/'
          ? 'a valid Authorization: Bearer <token> header is needed (in a browser, open /?token=<token> once)'
          : 'a valid Authorization: Bearer <token> header is needed',
      );
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof ZerodownError) return sendError(reply, err.code, err.message);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return sendError(reply, requestErrorCode(status), err.message);
    const text = controller.config.redactor.text(err.stack ?? String(err));
    process.stderr.write(`zerodown serve: ${text}\n`);
    return sendError(reply, 'ZD_INTERNAL', 'internal error (a bug in zerodown)');
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 'ZD_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`),
  );

  app.get('/healthz', (_req, reply) => reply.type('text/plain').send('ok'));

  app.route({
    method: ['GET', 'POST'],
    url: '/start',
    handler: async (req, reply) => {
      const name = runNameOf(req.query, req.body);
      if (name === undefined) await controller.start();
      else if ((await controller.startNamed(name)).already) {
        return reply.type('text/plain').send(`Run ${name} is already going\n`);
      }
      const config = controller.config;
      const target =
        config.baseUrl === undefined
          ? config.endpoints.map((e) => e.displayUrl).join(', ')
          : config.redactor.url(config.baseUrl);
      return reply
        .type('text/plain')
        .send(`Started load at ${controller.startedAtEpochMs} towards ${target}\n`);
    },
  });

  /** The current or last run; with `?name=`, only if it is that run (a rollout's own verdict). */
  const statsFor = (query: unknown): ResultDocument => {
    const doc = controller.stats();
    if (!doc) throw new ZerodownError('ZD_NO_RUN', 'no run yet: call /start first');
    const name = (query as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && name !== '' && doc.name !== name) {
      throw new ZerodownError(
        'ZD_NO_RUN',
        `no run named ${JSON.stringify(name)} (the last run is ${JSON.stringify(doc.name ?? 'unnamed')})`,
      );
    }
    return doc;
  };

  app.get<{ Querystring: { fail?: string; name?: string } }>('/stats', (req, reply) => {
    const doc = statsFor(req.query);
    const failOn =
      req.query.fail !== undefined && req.query.fail !== '0' && req.query.fail !== 'false';
    return reply.code(failOn && decideOutcome(doc).failed ? 412 : 200).send(doc);
  });

  // GET for people and Argo; POST for Flagger, whose webhooks POST a JSON payload.
  app.route({
    method: ['GET', 'POST'],
    url: '/verdict',
    handler: (req, reply) => {
      const doc = statsFor(req.query);
      const outcome = decideOutcome(doc);
      const detail = doc.endpoints
        .filter((e) => e.verdict === 'fail')
        .map((e) => `${e.name}: ${e.reason}`);
      const line = detail.length > 0 ? detail.join('; ') : outcome.sentence;
      return reply
        .code(outcome.failed ? 412 : 200)
        .type('text/plain')
        .send(`${outcome.verdict}: ${line}\n`);
    },
  });

  app.post('/stop', async (_req, reply) => reply.send(await controller.stop()));

  app.post<{ Params: { name: string } }>('/phase/:name', (req, reply) => {
    if (!PHASE_NAME.test(req.params.name)) {
      return sendError(
        reply,
        'ZD_USAGE',
        'a phase name is lowercase letters, digits and -, up to 32',
      );
    }
    controller.phase(req.params.name);
    return reply.type('text/plain').send(`phase ${req.params.name}\n`);
  });

  app.get('/report', (_req, reply) => {
    const doc = controller.stats();
    if (!doc) throw new ZerodownError('ZD_NO_RUN', 'no run yet: call /start first');
    if (options.renderHtml)
      return reply.type('text/html; charset=utf-8').send(options.renderHtml(doc));
    return reply.type('text/plain; charset=utf-8').send(renderText(doc));
  });

  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );

  registerDashboard(app, controller);

  return app;
}

/**
 * The registered code for fastify's own 4xx errors (a body too large, not JSON, a bad URL…), so
 * that none of its `FST_ERR_…` codes reaches a client.
 */
function requestErrorCode(status: number): ErrorCode {
  if (status === 404) return 'ZD_NOT_FOUND';
  if (status === 413) return 'ZD_PAYLOAD_TOO_LARGE';
  if (status === 415) return 'ZD_UNSUPPORTED_MEDIA_TYPE';
  return 'ZD_BAD_REQUEST';
}

/** An error answer: `{statusCode, code, error, message}`, the status the registry gives `code`. */
/**
 * A run's name from `?name=` or a JSON body: `name`, or Flagger's webhook payload
 * (`{ name, namespace, checksum }`: the canary and its revision) as `namespace/name@checksum`.
 */
function runNameOf(query: unknown, body: unknown): string | undefined {
  const q = (query as { name?: unknown } | undefined)?.name;
  if (typeof q === 'string' && q !== '') return q.slice(0, 200);
  const b = body as { name?: unknown; namespace?: unknown; checksum?: unknown } | undefined;
  if (typeof b?.name !== 'string' || b.name === '') return undefined;
  const ns = typeof b.namespace === 'string' && b.namespace !== '' ? `${b.namespace}/` : '';
  const rev = typeof b.checksum === 'string' && b.checksum !== '' ? `@${b.checksum}` : '';
  return `${ns}${b.name}${rev}`.slice(0, 200);
}

function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  const statusCode = ERROR_CODES[code].httpStatus;
  return reply
    .code(statusCode)
    .type('application/json')
    .send({
      statusCode,
      code,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message,
    });
}
