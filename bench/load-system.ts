/**
 * The system under load, as a child process of bench/load.ts: the real API (`createApp`) and the
 * real case worker in one Node process, as `npm start` runs them, configured from the
 * environment like any deployment (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE,
 * CARTERA_API_KEYS, API_HOST/API_PORT, CARTERA_DATA_DIR, LOG_LEVEL, NODE_ENV). Outside systems
 * are the bundled simulators; the billing simulator learns the accounts of the export file given
 * as the first argument (as the real commercial system knows the accounts it exported).
 *
 *   tsx bench/load-system.ts <export.csv> <workflow-bundle.js> [api|worker|both]
 *
 * Prints one line `READY <json>` on stdout once it serves; stops on SIGTERM.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { Runtime } from '@temporalio/worker';
import { createSimulators } from '../activities/simulators.js';
import { currentPolicy } from '../store/policy.js';
import { createApp } from '../api/app.js';
import { activityFailureInterceptor, createMetrics } from '../api/metrics.js';
import { loadConfig } from '../config/index.js';
import { validatePortfolioRow, type PortfolioRow } from '../domain/portfolio-row.js';
import { readExport } from '../intake/read.js';
import { createPrisma } from '../prisma/client.js';
import { connectClient, connectWorker } from '../temporal/connection.js';
import { createCaseWorker } from '../temporal/worker.js';

const [exportFile, bundlePath, part = 'both'] = process.argv.slice(2);
if (!exportFile || !bundlePath || !['api', 'worker', 'both'].includes(part))
  throw new Error('usage: load-system.ts <export.csv> <workflow-bundle.js> [api|worker|both]');

const config = loadConfig();
if (!config.database.url || !config.temporal.address)
  throw new Error('load-system needs DATABASE_URL and TEMPORAL_ADDRESS');
const log = pino(
  { level: config.logLevel },
  pino.destination({
    dest: path.join(config.dataDir, `system-${part}-${process.pid}.log`),
    mkdir: true,
    sync: false,
  }),
);
const stops: (() => Promise<unknown>)[] = [];
const prisma = createPrisma(config.database.url);
const pool = new pg.Pool({ connectionString: config.database.url, max: 10 });
pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection closed'));
stops.push(
  () => pool.end(),
  () => prisma.$disconnect(),
);
const metrics = createMetrics({ defaultMetrics: true });

if (part !== 'api') {
  const sims = createSimulators();
  const rows: PortfolioRow[] = [];
  for await (const raw of readExport(exportFile, 'csv')) {
    const r = validatePortfolioRow(raw.values);
    if (r.ok) rows.push(r.row);
  }
  sims.billing.load(rows);
  Runtime.install({ shutdownSignals: [] });
  const connection = await connectWorker(config, config.temporal.address);
  const worker = await createCaseWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    prisma,
    ...sims,
    bundlePath,
    maxCachedWorkflows: config.workerCache,
    activityInterceptors: [activityFailureInterceptor(metrics)],
  });
  const running = worker.run();
  stops.unshift(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
  });
}

let url: string | null = null;
if (part !== 'worker') {
  const client = await connectClient(config, config.temporal.address);
  stops.unshift(() => client.connection.close());
  const app = createApp({
    prisma,
    pool,
    temporal: client,
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    log,
    policy: async () => {
      const p = await currentPolicy(prisma);
      if (!p) throw new Error('no policy');
      return p;
    },
    uploadDir: path.join(config.dataDir, 'uploads'),
    apiKeys: config.apiKeys,
    metrics,
    validateResponses: config.env !== 'production',
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.api.port, config.api.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    );
  });
  // Keep-alive connections of the load generator outlive a request; close them on stop.
  stops.unshift(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });
  url = `http://${config.api.host}:${config.api.port}`;
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const s of stops) await s().catch((err: unknown) => log.error({ err }, 'stop failed'));
  log.flush();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
console.log(`READY ${JSON.stringify({ part, url, pid: process.pid })}`);
