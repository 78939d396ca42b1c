/**
 * `zerodown serve`: the control server (contract §4), in the foreground or `--detach`ed.
 */
import { openRunHistory, recordResult } from './run-history.ts';
import type { RunHistory } from '../history/run-history.ts';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ZerodownError } from '../errors.ts';
import { sendNotifications } from '../notify/dispatch.ts';
import { renderHtml } from '../report/html.ts';
import { isLoopback } from '../server/auth.ts';
import { sleep } from '../util/sleep.ts';
import { writeFileAtomic } from '../util/files.ts';
import { addSharedOptions, configFromFlags, hubFlags, type SharedFlags } from './options.ts';
import type { HubSetup } from '../server/hub-run.ts';
import { writeReports } from './outputs.ts';
import { claimPidFile, refuseIfRunning } from './pid-file.ts';
import { ProbeStreamWriter } from '../stream/writer.ts';

interface ServeFlags extends SharedFlags {
  port: string;
  host: string;
  token?: string;
  dataDir: string;
  detach?: boolean;
  pidFile?: string;
  logFile?: string;
}

/** Registers `serve`. */
export function registerServe(program: Command, exit: (code: number) => void): void {
  const cmd = program
    .command('serve')
    .description(
      'control server: /start, /stats, /stop… for pipelines whose deploy runs in another job',
    );
  addSharedOptions(cmd, false)
    .option('--port <n>', 'port to listen on', '8080')
    .option('--host <host>', 'address to bind (any other than loopback needs --token)', '127.0.0.1')
    .option('--token <token>', 'bearer token every route but /healthz needs (or ZERODOWN_TOKEN)')
    .option(
      '--max-run <dur>',
      'a run nobody stops ends after this long, marked interrupted (default 1h; 0: never)',
    )
    .option('--data-dir <dir>', 'where the current run is saved every second', '.zerodown')
    .option('--detach', 'start in the background, wait until it answers, and return')
    .option(
      '--pid-file <file>',
      'where the pid goes while it runs (with --detach: default <data-dir>/serve.pid)',
    )
    .option(
      '--log-file <file>',
      'with --detach: where its output goes (default <data-dir>/serve.log)',
    )
    .action(async (flags: ServeFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ZerodownError(
          'ZD_USAGE',
          `--port: expected a port number, got ${JSON.stringify(flags.port)}`,
        );
      }
      const token = flags.token ?? (process.env.ZERODOWN_TOKEN || undefined);
      if (!isLoopback(flags.host) && token === undefined) {
        throw new ZerodownError(
          'ZD_USAGE',
          `--host ${flags.host}: refusing to listen beyond this machine without a token (give --token or ZERODOWN_TOKEN)`,
        );
      }
      const config = configFromFlags(flags);
      if (flags.detach && config.report.out === '-') {
        throw new ZerodownError(
          'ZD_USAGE',
          '--out -: a detached server has no stdout (it goes to the log file); give --out a file',
        );
      }
      if (flags.detach) {
        exit(await detach(flags, token));
        return;
      }
      if (flags.pidFile) claimPidFile(resolve(flags.pidFile));
      // Loaded here, not at the top: the server's dependencies (fastify, prom-client) would
      // cost every other command tens of MB of memory.
      const [{ buildServer }, { RunController }] = await Promise.all([
        import('../server/app.ts'),
        import('../server/run-controller.ts'),
      ]);
      // Each run reads its learned budgets as it starts, and is recorded when it ends.
      let history: RunHistory | undefined;
      // `--out`: every run's probes, one run after another, in one stream.
      const out = config.report.out ? new ProbeStreamWriter(config.report.out, config) : undefined;
      const controller = new RunController(config, flags.dataDir, {
        prepare: async () => (history = await openRunHistory(config))?.session,
        out,
        hub: hubSetup(flags),
      });
      // Each run's end: the other report files (the controller writes the JSON) and notifications.
      const delivering = new Set<Promise<unknown>>();
      controller.onStop((doc) => {
        const recording = recordResult(history, doc, config, 'zerodown serve').finally(() =>
          delivering.delete(recording),
        );
        delivering.add(recording);
        try {
          writeReports(doc, { ...config.report, json: undefined });
        } catch (err) {
          process.stderr.write(`zerodown serve: ${(err as Error).message}\n`);
        }
        const sending = sendNotifications(doc, config.notify).finally(() =>
          delivering.delete(sending),
        );
        delivering.add(sending);
      });
      const app = buildServer({ controller, token, renderHtml, host: flags.host });
      try {
        await app.listen({ port, host: flags.host });
      } catch (err) {
        throw new ZerodownError(
          'ZD_USAGE',
          `cannot listen on ${flags.host}:${port}: ${(err as Error).message}`,
        );
      }
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      process.stderr.write(
        `zerodown serve: listening on http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${actualPort}` +
          ` (${config.endpoints.length} endpoint${config.endpoints.length === 1 ? '' : 's'}, data in ${flags.dataDir})\n`,
      );
      const sig = await new Promise<NodeJS.Signals>((done) => {
        process.once('SIGTERM', () => done('SIGTERM'));
        process.once('SIGINT', () => done('SIGINT'));
      });
      process.stderr.write(`zerodown serve: ${sig}, ending the run and saving it\n`);
      await controller.end();
      await out?.close();
      await Promise.allSettled(delivering);
      // Browsers keep (and pre-open) connections that would hold close() for minutes.
      setTimeout(() => app.server.closeAllConnections(), 1000).unref();
      await app.close();
      exit(0);
    });
}

/** Starts this same command in the background and waits until /healthz answers. */
async function detach(flags: ServeFlags, token: string | undefined): Promise<number> {
  const pidFile = resolve(flags.pidFile ?? join(flags.dataDir, 'serve.pid'));
  const logFile = resolve(flags.logFile ?? join(flags.dataDir, 'serve.log'));
  refuseIfRunning(pidFile);
  writeFileAtomic(logFile, '');
  // The server writes its pid file itself, and removes it when it exits.
  const args = [...process.argv.slice(1).filter((a) => a !== '--detach'), '--pid-file', pidFile];
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...(token === undefined ? {} : { ZERODOWN_TOKEN: token }) },
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  // The server says where it listens (port 0 picks a free one): read that from its log.
  const until = performance.now() + 15_000;
  while (performance.now() < until && exited === undefined) {
    const listening = /listening on (\S+) /.exec(readFileSync(logFile, 'utf8'))?.[1];
    if (listening) {
      const local = listening.replace(/\/\/(0\.0\.0\.0|\[::\])/, '//127.0.0.1');
      try {
        const res = await fetch(`${local}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) {
          process.stdout.write(`${listening}\n`);
          process.stderr.write(
            `zerodown serve: started in the background (pid ${child.pid}) on ${listening}; log ${logFile}; pid file ${pidFile}\n`,
          );
          return 0;
        }
      } catch {
        // not answering yet
      }
    }
    await sleep(100);
  }
  const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
  process.stderr.write(
    `zerodown serve: the background server did not come up${exited !== undefined ? ` (exit ${exited})` : ''}:\n${tail}\n`,
  );
  if (exited === undefined) child.kill('SIGTERM');
  return exited ?? 2;
}

/** `--hub` with `--agents`: the control server coordinates agents (server/hub-run.ts). */
function hubSetup(flags: ServeFlags): HubSetup | undefined {
  const hub = hubFlags(flags);
  return hub && { hub: hub.hub, agents: hub.agents, timeoutMs: hub.timeoutMs };
}
