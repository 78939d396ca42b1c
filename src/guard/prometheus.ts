/**
 * Prometheus instant queries over its HTTP API, and the conditions applied to their samples
 * (`> 0.05`, `== 0`).
 */
import { request } from '../util/lazy-undici.ts';
import type { PrometheusQuery } from './schema.ts';

/** One sample of an instant query's result. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Runs an instant query; throws with a readable message when Prometheus cannot answer. */
export async function queryPrometheus(
  baseUrl: string,
  query: string,
  timeoutMs = 5000,
): Promise<Sample[]> {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('query', query);
  const res = await request(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.body.text();
  if (res.statusCode !== 200)
    throw new Error(`Prometheus answered ${res.statusCode}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as {
    status: string;
    data: {
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[] | [number, string];
    };
  };
  if (body.data.resultType === 'scalar') {
    return [{ labels: {}, value: Number((body.data.result as [number, string])[1]) }];
  }
  return (body.data.result as { metric: Record<string, string>; value: [number, string] }[]).map(
    (r) => ({
      labels: r.metric,
      value: Number(r.value[1]),
    }),
  );
}

/** Whether `value` meets `condition` (`> 0.05`, `== 0`, …). */
export function meets(value: number, condition: string): boolean {
  const m = /^\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*$/.exec(condition);
  if (!m) return false;
  const limit = Number(m[2]);
  switch (m[1]) {
    case '==':
      return value === limit;
    case '!=':
      return value !== limit;
    case '>=':
      return value >= limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    default:
      return value < limit;
  }
}

/**
 * Evaluates a query with its condition: it holds when any sample meets the condition. An empty
 * result holds only for `== 0` / `<` conditions (no series is read as zero, as `absent` would).
 */
export async function conditionHolds(
  q: PrometheusQuery,
): Promise<{ holds: boolean; detail: string }> {
  const samples = await queryPrometheus(q.url, q.query);
  if (samples.length === 0) {
    const holds = meets(0, q.condition);
    return {
      holds,
      detail: `no samples (read as 0) ${holds ? 'meets' : 'does not meet'} ${q.condition.trim()}`,
    };
  }
  const hit = samples.find((s) => meets(s.value, q.condition));
  const shown = samples
    .slice(0, 3)
    .map((s) => s.value)
    .join(', ');
  return {
    holds: hit !== undefined,
    detail: hit
      ? `value ${hit.value} ${q.condition.trim()}`
      : `values ${shown} do not meet ${q.condition.trim()}`,
  };
}
