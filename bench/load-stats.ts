/**
 * What the load test records: one sample per request (operation, outcome, latency), and the
 * summary it prints. Percentiles are exact (nearest rank over every sample kept), which is
 * cheap at the tens of thousands of requests a one-minute run makes.
 */

/** How a request ended. */
export type Outcome =
  /** 2xx. */
  | 'ok'
  /** A 4xx the scenario expects under concurrency (see `expected` in load-users.ts). */
  | 'expected4xx'
  | 'unexpected4xx'
  | '5xx'
  /** Connection refused/reset, or no answer within the request timeout. */
  | 'network'
  | 'timeout';

export const OUTCOMES: Outcome[] = [
  'ok',
  'expected4xx',
  'unexpected4xx',
  '5xx',
  'network',
  'timeout',
];

export interface OpSummary {
  requests: number;
  outcomes: Record<Outcome, number>;
  /** Status code → count, for every non-2xx answer. */
  statuses: Record<string, number>;
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function summarise(latencies: number[], outcomes: Outcome[], statuses: number[]): OpSummary {
  const sorted = Float64Array.from(latencies).sort();
  const arr = Array.from(sorted);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const o of outcomes) counts[o]++;
  const byStatus: Record<string, number> = {};
  for (const s of statuses) if (s < 200 || s >= 300) byStatus[s] = (byStatus[s] ?? 0) + 1;
  return {
    requests: latencies.length,
    outcomes: counts,
    statuses: byStatus,
    latencyMs: {
      p50: round(percentile(arr, 50)),
      p90: round(percentile(arr, 90)),
      p95: round(percentile(arr, 95)),
      p99: round(percentile(arr, 99)),
      max: round(arr.at(-1) ?? 0),
      mean: round(arr.reduce((a, b) => a + b, 0) / Math.max(1, arr.length)),
    },
  };
}

interface Sample {
  op: string;
  ms: number;
  outcome: Outcome;
  /** HTTP status; 0 for network errors and timeouts. */
  status: number;
  /** The error code of the body (4xx/5xx), if any. */
  code?: string;
}

export class Recorder {
  private samples: Sample[] = [];
  /** Off during warm-up: requests run but are not counted. */
  counting = false;
  /** A few unexpected answers, verbatim, for the report. */
  readonly examples: { op: string; status: number; body: string }[] = [];

  record(s: Sample, body?: string): void {
    if (!this.counting) return;
    this.samples.push(s);
    if (s.outcome !== 'ok' && s.outcome !== 'expected4xx' && this.examples.length < 20)
      this.examples.push({ op: s.op, status: s.status, body: (body ?? '').slice(0, 300) });
  }

  get count(): number {
    return this.samples.length;
  }

  /** Per operation and overall (key `all`). */
  summary(): Record<string, OpSummary> {
    const byOp = new Map<string, Sample[]>();
    for (const s of this.samples) {
      let list = byOp.get(s.op);
      if (!list) byOp.set(s.op, (list = []));
      list.push(s);
    }
    const out: Record<string, OpSummary> = {};
    for (const [op, list] of [...byOp.entries()].sort(([a], [b]) => a.localeCompare(b)))
      out[op] = summarise(
        list.map((s) => s.ms),
        list.map((s) => s.outcome),
        list.map((s) => s.status),
      );
    out.all = summarise(
      this.samples.map((s) => s.ms),
      this.samples.map((s) => s.outcome),
      this.samples.map((s) => s.status),
    );
    return out;
  }

  /** Error codes of the non-2xx answers per operation (`op status code` → count). */
  codes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.samples)
      if (s.outcome !== 'ok') {
        const k = `${s.op} ${s.status || s.outcome} ${s.code ?? ''}`.trim();
        out[k] = (out[k] ?? 0) + 1;
      }
    return out;
  }
}

/** A fixed-width table for the console. */
export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!)))
        .join('  '),
    )
    .join('\n');
}
