/**
 * Prometheus metrics of the control server (prom-client): probes by endpoint and outcome, a
 * latency histogram, whether each endpoint is up now, downtime so far, and the run state.
 */
import { decideOutcome } from '../outcome.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ResultDocument } from '../result.ts';
import type { RunController } from './run-controller.ts';

/** Builds the registry for one controller. */
export function createMetrics(controller: RunController): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zerodown_process_' });
  const probes = new Counter({
    name: 'zerodown_probes_total',
    help: 'Probes completed, by endpoint and outcome (an HTTP status or an error code).',
    labelNames: ['endpoint', 'outcome', 'result'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'zerodown_probe_latency_seconds',
    help: 'Probe latency from the scheduled send time, by endpoint.',
    labelNames: ['endpoint'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  controller.onOutcome((o, session) => {
    if (o.skipped) return;
    const endpoint = session.config.endpoints[o.endpoint]!.name;
    probes.inc({ endpoint, outcome: o.code, result: o.ok ? 'ok' : 'fail' });
    latency.observe({ endpoint }, o.latencyMs / 1000);
  });
  new Gauge({
    name: 'zerodown_endpoint_up',
    help: '1 when the latest probe (in send order) of the endpoint succeeded, 0 when it is down.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const st of controller.current?.stats ?? []) {
        this.set({ endpoint: st.config.name }, st.isDown ? 0 : 1);
      }
    },
  });
  new Gauge({
    name: 'zerodown_downtime_seconds',
    help: 'Summed downtime window time of the current or last run, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of controller.stats()?.endpoints ?? []) {
        this.set({ endpoint: e.name }, e.downtime.totalMs / 1000);
      }
    },
  });
  new Gauge({
    name: 'zerodown_learned_budget_seconds',
    help: 'The downtime budget learned from history (budget.learn) of the current or last run, by endpoint.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of controller.stats()?.endpoints ?? []) {
        const b = e.budgetSource;
        if (b?.kind === 'learned' && b.maxDowntimeMs !== null) {
          this.set({ endpoint: e.name }, b.maxDowntimeMs / 1000);
        }
      }
    },
  });
  addAgentMetrics(registry, controller);
  new Gauge({
    name: 'zerodown_run_running',
    help: '1 while a run is going.',
    registers: [registry],
    collect() {
      this.set(controller.current ? 1 : 0);
    },
  });
  new Gauge({
    name: 'zerodown_run_failed',
    help: '1 when the current (so far) or last run does not pass: its exit code is not 0.',
    registers: [registry],
    collect() {
      const doc = controller.stats();
      this.set(doc && decideOutcome(doc).failed ? 1 : 0);
    },
  });
  return registry;
}

/**
 * Merged documents (contract §7): each agent's view, labelled by agent — its downtime and probes
 * per endpoint, and whether its data is complete. Nothing for a single vantage.
 */
export function addAgentMetrics(
  registry: Registry,
  source: { stats(): ResultDocument | undefined },
): void {
  new Gauge({
    name: 'zerodown_agent_downtime_seconds',
    help: 'Merged runs: summed downtime window time as each agent saw it, by endpoint and agent.',
    labelNames: ['endpoint', 'agent'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of source.stats()?.endpoints ?? []) {
        for (const [agent, a] of Object.entries(e.byAgent ?? {})) {
          this.set({ endpoint: e.name, agent }, a.downtime.totalMs / 1000);
        }
      }
    },
  });
  new Gauge({
    name: 'zerodown_agent_probes',
    help: 'Merged runs: probes each agent completed so far, by endpoint, agent and result.',
    labelNames: ['endpoint', 'agent', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of source.stats()?.endpoints ?? []) {
        for (const [agent, a] of Object.entries(e.byAgent ?? {})) {
          this.set({ endpoint: e.name, agent, result: 'ok' }, a.totalRequests - a.totalErrors);
          this.set({ endpoint: e.name, agent, result: 'fail' }, a.totalErrors);
        }
      }
    },
  });
  new Gauge({
    name: 'zerodown_agent_complete',
    help: 'Merged runs: 1 when the agent covered the whole measurement, 0 when missing or stopped early.',
    labelNames: ['agent'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const a of source.stats()?.agents ?? []) this.set({ agent: a.name }, a.complete ? 1 : 0);
    },
  });
}
