/**
 * The building pieces of Cartera's processes, shared by `npm start` (everything in one process),
 * `npm run worker` (case worker + notice dispatcher) and `npm run api` (API + web app): outside
 * adapters, mailer, worker, dispatcher, app and process lifecycle, each from the one Config.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { createLogger, errorWithoutData } from '../api/logging.js';
import type { Logger } from 'pino';
import { HttpBanksAdapter } from '../activities/banks.js';
import { HttpBillingAdapter } from '../activities/billing/http.js';
import type { BillingMirror } from '../activities/billing/simulator.js';
import { HttpFieldOpsAdapter } from '../activities/field-ops.js';
import { HttpNotaryAdapter } from '../activities/notaries.js';
import { currentPolicy, type PolicyRecord } from '../store/policy.js';
import { createApp } from '../api/app.js';
import express from 'express';
import { errorMapper } from '../api/errors.js';
import { activityFailureInterceptor, metricsEndpoint, type Metrics } from '../api/metrics.js';
import { ConfigError, loadConfig, ROOT_DIR, type Config } from '../config/index.js';
import { temporalNoticeOutcomeSink } from '../notifications/delivery.js';
import { createNoticeDispatcher, runDispatcherLoop } from '../notifications/dispatcher.js';
import type { Mailer } from '../notifications/mailer.js';
import { createFileSmsSender } from '../notifications/sms.js';
import { createPrisma, type PrismaClient } from '../prisma/client.js';
import { createCaseWorker, type ActivityDeps } from '../temporal/worker.js';

/** The outside systems the activities call (billing, field operations, notaries, banks). */
export type OutsideAdapters = Pick<ActivityDeps, 'billing' | 'fieldOps' | 'notaries' | 'banks'>;

/**
 * HTTP adapters for the outside systems configured by URL. A system without a URL takes the
 * `fallback` adapter (the bundled simulators under `npm start`); without a fallback that is a
 * ConfigError naming every missing variable.
 */
export function outsideAdapters(config: Config, fallback?: OutsideAdapters): OutsideAdapters {
  const apiKey = config.billing.apiKey ? { apiKey: config.billing.apiKey } : {};
  const urls = {
    billing: ['BILLING_URL', config.billing.url],
    fieldOps: ['FIELD_OPS_URL', config.outside.fieldOpsUrl],
    notaries: ['NOTARIES_URL', config.outside.notariesUrl],
    banks: ['BANKS_URL', config.outside.banksUrl],
  } as const;
  if (!fallback) {
    const missing = Object.values(urls)
      .filter(([, url]) => !url)
      .map(([name]) => name);
    if (missing.length > 0) {
      throw new ConfigError(
        `${missing.join(', ')} must be set: this process runs no simulators of the outside systems`,
      );
    }
  }
  const pick = <K extends keyof OutsideAdapters>(
    key: K,
    make: (baseUrl: string) => OutsideAdapters[K],
  ): OutsideAdapters[K] => {
    const url = urls[key][1];
    if (url) return make(url);
    if (!fallback) throw new ConfigError(`${urls[key][0]} must be set`);
    return fallback[key];
  };
  return {
    billing: pick('billing', (baseUrl) => new HttpBillingAdapter({ baseUrl, ...apiKey })),
    fieldOps: pick('fieldOps', (baseUrl) => new HttpFieldOpsAdapter({ baseUrl, ...apiKey })),
    notaries: pick('notaries', (baseUrl) => new HttpNotaryAdapter({ baseUrl, ...apiKey })),
    banks: pick('banks', (baseUrl) => new HttpBanksAdapter({ baseUrl, ...apiKey })),
  };
}

/** A cluster process needs a managed PostgreSQL and a Temporal cluster: both by URL. */
export function requireCluster(
  config: Config,
  processName: string,
): { databaseUrl: string; temporalAddress: string } {
  const missing = [
    config.database.url ? null : 'DATABASE_URL',
    config.temporal.address ? null : 'TEMPORAL_ADDRESS',
  ].filter((x): x is string => x !== null);
  if (missing.length > 0 || !config.database.url || !config.temporal.address) {
    throw new ConfigError(
      `${missing.join(' and ')} must be set: \`${processName}\` embeds neither PostgreSQL nor Temporal (use \`npm start\` for a single machine)`,
    );
  }
  return { databaseUrl: config.database.url, temporalAddress: config.temporal.address };
}

/** JSON logs on stdout, for processes run by a container platform. */
export function stdoutLogger(config: Config, processName: string): Logger {
  return createLogger({ level: config.logLevel, base: { process: processName, pid: process.pid } });
}

/**
 * The configuration and JSON logger of a cluster process; a configuration error is printed
 * (its message names the variable) and exits 1 before anything starts.
 */
export function processPrelude(processName: string): { config: Config; log: Logger } {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  return { config, log: stdoutLogger(config, processName) };
}

/**
 * Prisma (pool CARTERA_DB_POOL) and a small pg pool for raw SQL over `databaseUrl`, closed by
 * `stops`. An idle connection closed by the server (a PostgreSQL restart) is logged, not fatal.
 */
export function openDatabase(
  config: Config,
  databaseUrl: string,
  log: Logger,
  stops: (() => Promise<void>)[],
  rawPoolSize: number,
): { prisma: PrismaClient; pool: pg.Pool } {
  const prisma = createPrisma(databaseUrl, config.database.poolSize);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: rawPoolSize });
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection closed'));
  stops.push(async () => {
    await prisma.$disconnect();
    await pool.end();
  });
  return { prisma, pool };
}

/**
 * Installs the Temporal runtime with the SDK's logs (bundler, worker states, activity and
 * workflow loggers, forwarded core logs) going to `log` as JSON, and no signal handling of
 * its own: the process decides the shutdown order. The workflow id (it carries the account
 * number) is not logged.
 */
export function installRuntime(log: Logger): void {
  const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
  const sdk = log.child({ component: 'temporal-sdk' });
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const fields: Record<string, unknown> = { ...meta };
    delete fields.workflowId;
    sdk[levels[level] as 'info'](fields, message);
  };
  const logger: SdkLogger = {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
  Runtime.install({
    logger,
    shutdownSignals: [],
    telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
  });
}

/** A running case worker and how to stop it (drain, then close the connection). */
export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker stops; rejects on a fatal worker error. */
  running: Promise<void>;
  stop(): Promise<void>;
}

/** Creates the case worker over `connection` and starts polling. */
export async function startCaseWorker(
  config: Config,
  deps: {
    connection: NativeConnection;
    prisma: PrismaClient;
    outside: OutsideAdapters;
    mailer: Mailer;
    metrics: Metrics;
    /** Use dist/workflow-bundle.js when present (npm start writes it just before). */
    preferBundle?: boolean;
  },
): Promise<RunningWorker> {
  const worker = await createCaseWorker({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    prisma: deps.prisma,
    ...deps.outside,
    mailer: deps.mailer,
    mailFrom: config.smtp.from,
    ...(config.workflowBundle ? { bundlePath: config.workflowBundle } : {}),
    preferBundle: deps.preferBundle ?? false,
    drainSeconds: config.workerDrainSeconds,
    maxCachedWorkflows: config.workerCache,
    maxConcurrentActivities: config.workerActivities,
    activityInterceptors: [activityFailureInterceptor(deps.metrics)],
  });
  const running = worker.run();
  return {
    worker,
    running,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await deps.connection.close();
    },
  };
}

/**
 * The worker's HTTP endpoint on 0.0.0.0:`port`: GET /healthz answers 200 while the worker
 * runs (503 otherwise), GET /metrics its Prometheus registry (loopback callers, or anyone with
 * CARTERA_METRICS_TOKEN). Returns its stop function.
 */
export async function serveWorkerHealth(
  config: Config,
  deps: { worker: Worker; metrics: Metrics; log: Logger; port: number },
): Promise<() => Promise<void>> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    const state = deps.worker.getState();
    res.status(state === 'RUNNING' ? 200 : 503).json({ status: state.toLowerCase() });
  });
  app.get('/metrics', metricsEndpoint(deps.metrics, { token: config.metricsToken }));
  app.use(errorMapper(deps.log));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(deps.port, '0.0.0.0', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

/**
 * The notice dispatcher loop, unless CARTERA_NOTICE_INTERVAL=0. Several processes may run one
 * against the same outbox (SKIP LOCKED). With a Temporal `client`, each delivery or final
 * failure is signalled to the workflow that queued the notice (notifications/delivery.ts).
 * Returns its stop function, or null when off.
 */
export function startNoticeDispatcher(
  config: Config,
  deps: { pool: pg.Pool; mailer: Mailer; log: Logger; smsFile: string; client?: Client },
): (() => Promise<void>) | null {
  if (config.notices.intervalSeconds <= 0) return null;
  const log = deps.log;
  const dispatcher = createNoticeDispatcher({
    pool: deps.pool,
    mailer: deps.mailer,
    sms: createFileSmsSender(deps.smsFile),
    from: config.smtp.from,
    log,
    maxAttempts: config.notices.maxAttempts,
    ...(deps.client
      ? {
          onOutcome: temporalNoticeOutcomeSink(deps.client, (err, report) =>
            // Not the workflow id: it carries the account number.
            log.warn(
              { err: errorWithoutData(err), channel: report.channel, outcome: report.outcome },
              'notice outcome not signalled',
            ),
          ),
        }
      : {}),
  });
  return runDispatcherLoop(dispatcher, config.notices.intervalSeconds, log);
}

/** Default SMS outbox file of a process (SMS are written to a file until a gateway exists). */
export const smsFileOf = (config: Config) => path.join(config.dataDir, 'sms', 'sms.jsonl');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The built web app (web/dist). Built here when missing, or when its sources are newer than
 * the build and they are present (a deployment image ships the build without web/src).
 */
export function buildWebIfStale(say: (line: string) => void): string {
  const webDir = path.join(ROOT_DIR, 'web');
  const dist = path.join(webDir, 'dist');
  const index = path.join(dist, 'index.html');
  const sources = path.join(webDir, 'src');
  const sourcesAt = existsSync(sources)
    ? Math.max(newestMtime(sources), statSync(path.join(webDir, 'index.html')).mtimeMs)
    : 0;
  if (!existsSync(index) || statSync(index).mtimeMs < sourcesAt) {
    say('Compilando la aplicación web…');
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT_DIR, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        path.join(webDir, 'vite.config.ts'),
        '--logLevel',
        'warn',
      ],
      { cwd: ROOT_DIR, stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('web build failed (run `npm run build:web`)');
  }
  return dist;
}

/** The API + web app over the given clients, listening on API_HOST:API_PORT. */
export async function startApi(
  config: Config,
  deps: {
    prisma: PrismaClient;
    pool: pg.Pool;
    client: Client;
    log: Logger;
    metrics: Metrics;
    /** Policy to serve when none is stored yet (npm start has just stored one). */
    fallbackPolicy?: PolicyRecord;
    uploadDir: string;
    webDir: string;
    temporalUiUrl: string | undefined;
    /** The bundled billing simulator, told what uploads import (AppDeps.billingMirror). */
    billingMirror?: BillingMirror | undefined;
  },
): Promise<{ server: Server; url: string; stop(): Promise<void> }> {
  const { prisma, pool, client } = deps;
  const app = createApp({
    prisma,
    pool,
    temporal: client,
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    log: deps.log,
    policy: async () => {
      const stored = (await currentPolicy(prisma)) ?? deps.fallbackPolicy;
      if (!stored) throw new Error('no policy stored: run `npm start` once or load one');
      return stored;
    },
    uploadDir: deps.uploadDir,
    ...(deps.temporalUiUrl ? { temporalUiUrl: deps.temporalUiUrl } : {}),
    webDir: deps.webDir,
    ...(deps.billingMirror ? { billingMirror: deps.billingMirror } : {}),
    apiKeys: config.apiKeys,
    trustProxy: config.api.trustProxy,
    metrics: deps.metrics,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    validateResponses: config.env !== 'production',
    readiness: async () => ({
      postgres: await pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      temporal: await client.connection.workflowService.getSystemInfo({}).then(
        () => true,
        () => false,
      ),
    }),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.api.port, config.api.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    );
  });
  return {
    server,
    url: `http://${config.api.host}:${config.api.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold the close open; requests in flight still finish.
        server.closeIdleConnections();
      }),
  };
}

/**
 * Runs a long-lived process: `main` registers stop functions as it builds things; SIGTERM or
 * SIGINT stops them in reverse order and exits 0, a fatal error exits 1. `done` (when returned)
 * is awaited: when it settles on its own the process stops (exit 1: it should not).
 */
export async function runProcess(
  log: Logger,
  main: (stops: (() => Promise<void>)[]) => Promise<{ done?: Promise<void> }>,
): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number, reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping');
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => log.error({ err }, 'error while stopping'));
    }
    log.info({ code }, 'stopped');
    log.flush();
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void shutdown(0, sig));
  try {
    const { done } = await main(stops);
    if (done) {
      await done;
      await shutdown(stopping ? 0 : 1, 'stopped by itself');
    }
  } catch (err) {
    if (stopping) return;
    log.fatal({ err }, err instanceof ConfigError ? 'configuration error' : 'fatal error');
    await shutdown(1, 'fatal error');
  }
}
