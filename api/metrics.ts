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
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Request, RequestHandler } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CASE_STAGES } from '../domain/case.js';
import { ROLES, bearerToken } from './auth.js';
import { ApiError } from './errors.js';

export interface MetricsOptions {
  /** Also export Node.js process metrics (CPU, memory, event loop, GC). @default false */
  defaultMetrics?: boolean;
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
}

/** Seconds; from a fast cached read to a slow update that waits on a workflow. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'cartera_' });
  let source: { pool: pg.Pool; log: Logger } | undefined;

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
  };
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
