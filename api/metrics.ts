/**
 * Prometheus metrics (prom-client), served as text at `GET /metrics`:
 *
 * - `cartera_http_request_duration_seconds{method,route,status}` — histogram of every answer;
 *   `route` is the route pattern (`/api/cases/:id`), never the URL, so no personal data and a
 *   bounded number of series. Requests no route matched count as `route="unmatched"`.
 * - `cartera_cases_open{stage}` — open cases by stage, read from PostgreSQL at scrape time.
 * - `cartera_tasks_overdue{role}` — open tasks past their due time, read at scrape time.
 * - `cartera_activity_failures_total{activity,type}` — failed activity attempts (each retry
 *   counts), incremented by the worker through {@link activityFailureInterceptor}.
 * - `cartera_workflows_failed{workflow_type}` — runs of case workflows and their children that
 *   closed Failed, Terminated or TimedOut (Temporal visibility counts, within its retention).
 * - `cartera_cases_stuck` — open case rows minus running case workflows: cases that silently
 *   stopped. The list behind it is `GET /api/dashboard/stuck-cases` (docs/monitoring.md).
 * - `cartera_outside_failure_tasks_open` — open `outside_failure` tasks (an outside system
 *   refused a step; a manager decides).
 *
 * The last three are read through {@link ExecutionHealth} (`metrics.executions`), which caches
 * them for 30 s so that scrapes stay cheap at 100,000 cases. They are exported once the
 * dashboard routes give it the Temporal client (`watch`), i.e. by the API's `/metrics` only.
 *
 * One {@link Metrics} per process: when the worker runs in the same process as the API (the
 * start script), create it once, pass it to `createApp` as `deps.metrics` and to the worker:
 *
 * ```ts
 * const metrics = createMetrics({ defaultMetrics: true });
 * createApp({ ...deps, metrics, metricsToken: config.metricsToken });
 * Worker.create({ ..., interceptors: { activity: [activityFailureInterceptor(metrics)] } });
 * ```
 *
 * A worker in a process of its own needs its own endpoint for its registry
 * (`metrics.registry.metrics()`), since Prometheus counters live in the process that counts.
 *
 * `/metrics` answers only to callers on the loopback interface (not forwarded by a proxy), or
 * to anyone presenting `Authorization: Bearer <deps.metricsToken>` when a token is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Request, RequestHandler } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CASE_STAGES } from '../domain/case.js';
import { ROLES } from '../domain/roles.js';
import { bearerToken } from './auth.js';
import { ApiError } from './errors.js';

export interface MetricsOptions {
  /** Also export Node.js process metrics (CPU, memory, event loop, GC). @default false */
  defaultMetrics?: boolean;
  /** How long the execution counts and lists are reused, in milliseconds. @default 30000 */
  executionCacheMs?: number;
}

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Failed activity attempts by activity type and failure type. */
  activityFailures: Counter<'activity' | 'type'>;
  /**
   * Reads the case and task gauges from this database at each scrape (the last call wins).
   * A failed read is logged and leaves those gauges empty for that scrape.
   */
  readFrom(pool: pg.Pool, log: Logger): void;
  /** Failed and stuck executions (gauges above, and the dashboard's list), cached. */
  executions: ExecutionHealth;
}

/** Seconds; from a fast cached read to a slow update that waits on a workflow. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'cartera_' });
  let source: { pool: pg.Pool; log: Logger } | undefined;
  const health = createExecutionHealth(options.executionCacheMs);
  /** The execution summary for a scrape, or null (not watched yet, or the read failed). */
  const executionSummary = async (): Promise<ExecutionSummary | null> => {
    try {
      return await health.summary();
    } catch (err) {
      health.log()?.warn({ err }, 'metrics: execution health read failed');
      return null;
    }
  };

  const httpRequestDuration = new Histogram({
    name: 'cartera_http_request_duration_seconds',
    help: 'Duración de las solicitudes HTTP por método, patrón de ruta y estado',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const activityFailures = new Counter({
    name: 'cartera_activity_failures_total',
    help: 'Intentos fallidos de actividades, por actividad y tipo de falla',
    labelNames: ['activity', 'type'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'cartera_cases_open',
    help: 'Casos abiertos por etapa',
    labelNames: ['stage'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await read<{ stage: string; n: number }>(
        `SELECT stage::text AS stage, count(*)::int AS n FROM "Case" WHERE status = 'open' GROUP BY stage`,
      );
      if (!rows) return;
      for (const stage of CASE_STAGES.filter((s) => s !== 'closed'))
        this.set({ stage }, rows.find((r) => r.stage === stage)?.n ?? 0);
    },
  });
  new Gauge({
    name: 'cartera_tasks_overdue',
    help: 'Tareas abiertas con el vencimiento pasado, por rol',
    labelNames: ['role'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await read<{ role: string; n: number }>(
        `SELECT role::text AS role, count(*)::int AS n FROM "Task" WHERE status = 'open' AND "dueAt" < now() GROUP BY role`,
      );
      if (!rows) return;
      for (const role of ROLES) this.set({ role }, rows.find((r) => r.role === role)?.n ?? 0);
    },
  });

  // Registered on the first `watch`: a process that cannot see Temporal (a worker's own
  // endpoint) exports none of them rather than zeros. A failed read keeps the last values.
  const executionGauges = [
    new Gauge({
      name: 'cartera_workflows_failed',
      help: 'Ejecuciones de casos y de sus hijos cerradas como Failed, Terminated o TimedOut, por tipo',
      labelNames: ['workflow_type'] as const,
      registers: [],
      async collect() {
        const s = await executionSummary();
        if (!s) return;
        this.reset();
        for (const f of s.failedWorkflows) this.set({ workflow_type: f.workflowType }, f.count);
      },
    }),
    new Gauge({
      name: 'cartera_cases_stuck',
      help: 'Casos abiertos en la base cuyo workflow no está en marcha (casos detenidos)',
      registers: [],
      async collect() {
        const s = await executionSummary();
        if (s) this.set(s.stuckCases);
      },
    }),
    new Gauge({
      name: 'cartera_outside_failure_tasks_open',
      help: 'Tareas abiertas de tipo outside_failure (un sistema externo rechazó un paso)',
      registers: [],
      async collect() {
        const s = await executionSummary();
        if (s) this.set(s.outsideFailureTasksOpen);
      },
    }),
  ];
  let executionsWatched = false;
  const executions: ExecutionHealth = {
    ...health,
    watch: (s) => {
      health.watch(s);
      if (executionsWatched) return;
      executionsWatched = true;
      for (const g of executionGauges) registry.registerMetric(g);
    },
  };

  async function read<T extends pg.QueryResultRow>(sql: string): Promise<T[] | null> {
    if (!source) return null;
    try {
      return (await source.pool.query<T>(sql)).rows;
    } catch (err) {
      source.log.warn({ err }, 'metrics: database read failed');
      return null;
    }
  }

  return {
    registry,
    httpRequestDuration,
    activityFailures,
    readFrom: (pool, log) => {
      source = { pool, log };
    },
    executions,
  };
}

/** Workflow types of a case: the case workflow and its children. */
export const CASE_WORKFLOW_TYPES = [
  'caseWorkflow',
  'agreementWorkflow',
  'suspensionWorkflow',
  'reconnectionWorkflow',
  'creditTitleWorkflow',
  'coactivaWorkflow',
] as const;
export type CaseWorkflowType = (typeof CASE_WORKFLOW_TYPES)[number];

/** How an execution that is not running ended (or that Temporal does not have it). */
export const STOPPED_STATUSES = [
  'failed',
  'terminated',
  'timed_out',
  'cancelled',
  'completed',
  'not_found',
  'unknown',
] as const;
export type StoppedStatus = (typeof STOPPED_STATUSES)[number];

/** Where the execution health is read from. */
export interface ExecutionSource {
  temporal: Client;
  namespace: string;
  /** Task queue of the case workflows: scopes every visibility query to this deployment. */
  taskQueue: string;
  pool: pg.Pool;
  log: Logger;
}

/** Counts behind the execution gauges. */
export interface ExecutionSummary {
  checkedAt: Date;
  /** Runs closed Failed, Terminated or TimedOut, by workflow type (every type listed). */
  failedWorkflows: { workflowType: CaseWorkflowType; count: number }[];
  openCases: number;
  runningCaseWorkflows: number;
  /**
   * Open case rows minus running case workflows, at least 0. Two counts, so it stays cheap at
   * any size; a workflow started a moment ago may not be counted yet (visibility lags ~1 s).
   */
  stuckCases: number;
  outsideFailureTasksOpen: number;
}

/** One open case that needs a person because an execution of it stopped. */
export interface StoppedExecution {
  /** `stuck`: the case workflow is not running; `failed_child`: a child of it ended badly. */
  kind: 'stuck' | 'failed_child';
  caseId: string;
  accountNumber: string;
  stage: string;
  workflowId: string;
  workflowType: string;
  status: StoppedStatus;
  /** When the execution closed (null when Temporal does not have it). */
  since: Date | null;
  /** The failure message or termination reason, when Temporal recorded one. */
  failure: string | null;
}

export interface StoppedExecutions {
  summary: ExecutionSummary;
  items: StoppedExecution[];
  /** Stopped executions found, of which `items` holds the first `limit`. */
  total: number;
}

export interface ExecutionHealth {
  /** Sets where to read from (the last call wins); nothing is read until asked. */
  watch(source: ExecutionSource): void;
  /** The source's logger, once watched. */
  log(): Logger | undefined;
  /** The counts, at most 30 s old; null before `watch`. Throws when a read fails. */
  summary(): Promise<ExecutionSummary | null>;
  /**
   * The open cases whose case workflow is not running and those with a failed child, at most
   * `limit` (oldest case first), each checked with a describe. Lists running case workflows
   * only when the counts say some case is stuck. Cached 30 s per `limit`.
   */
  list(limit: number): Promise<StoppedExecutions | null>;
}

/** How long counts and lists are reused by default, in milliseconds. */
const EXECUTION_CACHE_MS = 30_000;
/** Visibility statuses of a run that ended badly. */
const BROKEN_STATUS_QUERY =
  '(ExecutionStatus="Failed" OR ExecutionStatus="Terminated" OR ExecutionStatus="TimedOut")';
const CHILD_TYPES = CASE_WORKFLOW_TYPES.filter((t) => t !== 'caseWorkflow');
/** Failed child runs looked at per list (the oldest are past the retention anyway). */
const MAX_FAILED_CHILDREN = 1_000;
/** `HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT`: only the event that closed the run. */
const CLOSE_EVENT_ONLY = 2;

const quoted = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const STATUS_OF: Partial<Record<string, StoppedStatus>> = {
  FAILED: 'failed',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CANCELLED: 'cancelled',
  COMPLETED: 'completed',
};

/** A value kept `maxAgeMs`; concurrent callers share the read in flight. */
function cached<T>(maxAgeMs: number, read: () => Promise<T>): () => Promise<T> {
  let entry: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!entry || now - entry.at >= maxAgeMs) {
      const value = read();
      const mine = { at: now, value };
      entry = mine;
      // A failed read is not kept: the next caller tries again.
      value.catch(() => {
        if (entry === mine) entry = undefined;
      });
    }
    return entry.value;
  };
}

/** @param cacheMs how long counts and lists are reused, in milliseconds; @default 30000 */
export function createExecutionHealth(cacheMs = EXECUTION_CACHE_MS): ExecutionHealth {
  let source: ExecutionSource | undefined;
  let summary: (() => Promise<ExecutionSummary>) | undefined;
  const lists = new Map<number, () => Promise<StoppedExecutions>>();

  const watch = (s: ExecutionSource) => {
    source = s;
    summary = cached(cacheMs, () => readSummary(s));
    lists.clear();
  };

  return {
    watch,
    log: () => source?.log,
    summary: async () => (summary ? summary() : null),
    list: async (limit) => {
      if (!source || !summary) return null;
      const s = source;
      const sum = summary;
      let read = lists.get(limit);
      if (!read)
        lists.set(limit, (read = cached(cacheMs, async () => readStopped(s, await sum(), limit))));
      return read();
    },
  };
}

async function readSummary(s: ExecutionSource): Promise<ExecutionSummary> {
  const scope = `TaskQueue=${quoted(s.taskQueue)}`;
  const count = async (query: string) => (await s.temporal.workflow.count(query)).count;
  const [failed, running, db] = await Promise.all([
    Promise.all(
      CASE_WORKFLOW_TYPES.map(async (workflowType) => ({
        workflowType,
        count: await count(
          `${scope} AND WorkflowType="${workflowType}" AND ${BROKEN_STATUS_QUERY}`,
        ),
      })),
    ),
    count(`${scope} AND WorkflowType="caseWorkflow" AND ExecutionStatus="Running"`),
    s.pool.query<{ open_cases: number; outside: number }>(
      `SELECT (SELECT count(*)::int FROM "Case" WHERE status = 'open') AS open_cases,
              (SELECT count(*)::int FROM "Task" WHERE status = 'open' AND type = 'outside_failure') AS outside`,
    ),
  ]);
  const { open_cases: openCases, outside } = db.rows[0]!;
  return {
    checkedAt: new Date(),
    failedWorkflows: failed,
    openCases,
    runningCaseWorkflows: running,
    stuckCases: Math.max(0, openCases - running),
    outsideFailureTasksOpen: outside,
  };
}

interface OpenCaseRow {
  id: string;
  workflow_id: string;
  stage: string;
  account_number: string;
}

const OPEN_CASES = `
  SELECT c.id, c."workflowId" AS workflow_id, c.stage::text AS stage, a.number AS account_number
  FROM "Case" c JOIN "Account" a ON a.id = c."accountId"
  WHERE c.status = 'open'`;

/** The failure message or termination reason of a closed run, if any. */
async function closeReason(s: ExecutionSource, workflowId: string, runId: string) {
  const res = await s.temporal.workflowService.getWorkflowExecutionHistory({
    namespace: s.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: CLOSE_EVENT_ONLY,
  });
  const event = res.history?.events?.[0];
  return (
    event?.workflowExecutionFailedEventAttributes?.failure?.message ??
    event?.workflowExecutionTerminatedEventAttributes?.reason ??
    null
  );
}

const named = (err: unknown, name: string) => (err as { name?: unknown } | null)?.name === name;

async function readStopped(
  s: ExecutionSource,
  summary: ExecutionSummary,
  limit: number,
): Promise<StoppedExecutions> {
  const scope = `TaskQueue=${quoted(s.taskQueue)}`;
  const stopped: StoppedExecution[] = [];
  let total = 0;

  if (summary.stuckCases > 0) {
    // Only now the O(cases) comparison: every running case workflow against every open row.
    const running = new Set<string>();
    for await (const wf of s.temporal.workflow.list({
      query: `${scope} AND WorkflowType="caseWorkflow" AND ExecutionStatus="Running"`,
      pageSize: 1_000,
    }))
      running.add(wf.workflowId);
    const open = await s.pool.query<OpenCaseRow>(`${OPEN_CASES} ORDER BY c."openedAt", c.id`);
    const candidates = open.rows.filter((c) => !running.has(c.workflow_id));
    total += candidates.length;
    // Visibility lags: describe (the source of truth) before calling a case stuck.
    for (const c of candidates) {
      if (stopped.length >= limit) break;
      let item: StoppedExecution;
      try {
        const d = await s.temporal.workflow.getHandle(c.workflow_id).describe();
        if (d.status.name === 'RUNNING' || d.status.name === 'CONTINUED_AS_NEW') {
          total--;
          continue;
        }
        item = {
          kind: 'stuck',
          caseId: c.id,
          accountNumber: c.account_number,
          stage: c.stage,
          workflowId: c.workflow_id,
          workflowType: d.type,
          status: STATUS_OF[d.status.name] ?? 'unknown',
          since: d.closeTime ?? null,
          failure: await closeReason(s, c.workflow_id, d.runId),
        };
      } catch (err) {
        if (!named(err, 'WorkflowNotFoundError')) throw err;
        item = {
          kind: 'stuck',
          caseId: c.id,
          accountNumber: c.account_number,
          stage: c.stage,
          workflowId: c.workflow_id,
          workflowType: 'caseWorkflow',
          status: 'not_found',
          since: null,
          failure: null,
        };
      }
      stopped.push(item);
    }
  }

  if (summary.failedWorkflows.some((f) => f.workflowType !== 'caseWorkflow' && f.count > 0)) {
    const types = CHILD_TYPES.map((t) => `WorkflowType="${t}"`).join(' OR ');
    const children: {
      workflowId: string;
      runId: string;
      type: string;
      parent: string;
      status: string;
      closeTime: Date | undefined;
    }[] = [];
    for await (const wf of s.temporal.workflow.list({
      query: `${scope} AND (${types}) AND ${BROKEN_STATUS_QUERY}`,
      pageSize: 200,
    })) {
      if (wf.parentExecution?.workflowId)
        children.push({
          workflowId: wf.workflowId,
          runId: wf.runId,
          type: wf.type,
          parent: wf.parentExecution.workflowId,
          status: wf.status.name,
          closeTime: wf.closeTime,
        });
      if (children.length >= MAX_FAILED_CHILDREN) break;
    }
    const parents = [...new Set(children.map((c) => c.parent))];
    const cases = new Map<string, OpenCaseRow>();
    if (parents.length > 0) {
      const rows = await s.pool.query<OpenCaseRow>(`${OPEN_CASES} AND c."workflowId" = ANY($1)`, [
        parents,
      ]);
      for (const r of rows.rows) cases.set(r.workflow_id, r);
    }
    // Most recent failure first.
    children.sort((a, b) => (b.closeTime?.getTime() ?? 0) - (a.closeTime?.getTime() ?? 0));
    for (const child of children) {
      const c = cases.get(child.parent);
      if (!c) continue; // the case has closed since: nothing left to do
      total++;
      if (stopped.length >= limit) continue;
      stopped.push({
        kind: 'failed_child',
        caseId: c.id,
        accountNumber: c.account_number,
        stage: c.stage,
        workflowId: child.workflowId,
        workflowType: child.type,
        status: STATUS_OF[child.status] ?? 'unknown',
        since: child.closeTime ?? null,
        failure: await closeReason(s, child.workflowId, child.runId),
      });
    }
  }
  return { summary, items: stopped, total };
}

/** The matched route pattern (`/api/cases/:id`), or `unmatched`; never the raw URL. */
export function routePattern(req: Pick<Request, 'baseUrl' | 'route'>): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}

/** Observes every answer's duration; mount before the routes. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    let done = false;
    const observe = () => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.httpRequestDuration.observe(
        { method: req.method, route: routePattern(req), status: String(res.statusCode) },
        seconds,
      );
    };
    res.once('finish', observe);
    res.once('close', observe);
    next();
  };
}

const LOOPBACK = /^(?:127\.|::ffff:127\.|::1$)/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The `GET /metrics` handler. With `token`, callers must send it as a bearer token (from
 * anywhere); without, only direct loopback callers are served (a request a proxy forwarded,
 * which carries `X-Forwarded-For`, is refused even from 127.0.0.1).
 */
export function metricsEndpoint(
  metrics: Metrics,
  opts: { token?: string | undefined },
): RequestHandler {
  const expected = opts.token ? sha256(opts.token) : null;
  return async (req, res) => {
    if (expected) {
      const given = bearerToken(req);
      if (!given || !timingSafeEqual(sha256(given), expected))
        throw new ApiError(401, 'unauthorised', 'Se requiere el token de métricas');
    } else if (!LOOPBACK.test(req.socket.remoteAddress ?? '') || req.headers['x-forwarded-for']) {
      throw new ApiError(403, 'forbidden', 'Las métricas solo se sirven en la interfaz local');
    }
    const body = await metrics.registry.metrics();
    res.setHeader('content-type', metrics.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(body);
  };
}

/** The failure's `type` (ApplicationFailure) or error name: a bounded label, never a message. */
function failureType(err: unknown): string {
  const e = err as { type?: unknown; name?: unknown } | null;
  if (typeof e?.type === 'string' && e.type) return e.type.slice(0, 64);
  if (typeof e?.name === 'string' && e.name) return e.name.slice(0, 64);
  return 'unknown';
}

/**
 * Worker interceptor counting failed activity attempts in `metrics.activityFailures`:
 * `Worker.create({ …, interceptors: { activity: [activityFailureInterceptor(metrics)] } })`.
 */
export function activityFailureInterceptor(
  metrics: Pick<Metrics, 'activityFailures'>,
): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          metrics.activityFailures.inc({ activity: ctx.info.activityType, type: failureType(err) });
          throw err;
        }
      },
    },
  });
}
