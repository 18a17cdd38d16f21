/**
 * `npm run worker`: one worker process of a cluster deployment (run as many as needed). It
 * runs the case worker on TEMPORAL_TASK_QUEUE and, unless CARTERA_NOTICE_INTERVAL=0, the notice
 * dispatcher (SKIP LOCKED lets several run). Needs DATABASE_URL, TEMPORAL_ADDRESS and the
 * outside systems' URLs (BILLING_URL, FIELD_OPS_URL, NOTARIES_URL, BANKS_URL); mail goes to
 * CARTERA_SMTP_HOST. It runs no migrations and no embedded servers. Logs are JSON on stdout;
 * SIGTERM/SIGINT drain the worker (CARTERA_WORKER_DRAIN_SECONDS) and exit 0; a fatal error
 * exits 1. See docs/deployment.md.
 */
import path from 'node:path';
import { createMetrics } from '../api/metrics.js';
import { createSmtpMailer } from '../notifications/mailer.js';
import { connectClient, connectWorker } from '../temporal/connection.js';
import {
  installRuntime,
  outsideAdapters,
  requireCluster,
  runProcess,
  serveWorkerHealth,
  smsFileOf,
  startCaseWorker,
  startNoticeDispatcher,
  openDatabase,
  processPrelude,
} from './components.js';

const { config, log } = processPrelude('worker');

await runProcess(log, async (stops) => {
  const { databaseUrl, temporalAddress } = requireCluster(config, 'npm run worker');
  const outside = outsideAdapters(config);
  if (!config.smtp.host) {
    log.warn(
      { port: config.smtp.port },
      'CARTERA_SMTP_HOST is not set: mail goes to 127.0.0.1 (a local catcher)',
    );
  }
  installRuntime(log);

  const { prisma, pool } = openDatabase(config, databaseUrl, log, stops, 5);
  const mailer = createSmtpMailer(config.smtp);
  stops.push(async () => mailer.close());

  const connection = await connectWorker(config, temporalAddress);
  const metrics = createMetrics({ defaultMetrics: true });
  const w = await startCaseWorker(config, { connection, prisma, outside, mailer, metrics });
  stops.push(() => w.stop());
  if (config.workerHealthPort) {
    stops.push(
      await serveWorkerHealth(config, {
        worker: w.worker,
        metrics,
        log,
        port: config.workerHealthPort,
      }),
    );
  }
  // The dispatcher signals each notice's outcome to the workflow that queued it.
  const client = await connectClient(config, temporalAddress);
  stops.push(() => client.connection.close());
  const stopDispatcher = startNoticeDispatcher(config, {
    pool,
    mailer,
    log,
    smsFile: smsFileOf(config),
    client,
  });
  if (stopDispatcher) stops.push(stopDispatcher);
  log.info(
    {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      temporal: temporalAddress,
      bundle: config.workflowBundle ? path.relative(process.cwd(), config.workflowBundle) : null,
      cache: config.workerCache,
      dispatcher: stopDispatcher ? config.notices.intervalSeconds : 'off',
      health: config.workerHealthPort ?? null,
    },
    'worker running',
  );
  return { done: w.running };
});
