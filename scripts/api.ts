/**
 * `npm run api`: one API + web app process of a cluster deployment (run several behind a load
 * balancer). Needs DATABASE_URL and TEMPORAL_ADDRESS; serves the built web app (web/dist, built
 * here when missing and its sources are present), /healthz and /readyz; makes sure the report
 * schedules exist (idempotent). It runs no worker, no dispatcher, no migrations (`npm run
 * setup` does those once). Logs are JSON on stdout; SIGTERM/SIGINT stop accepting connections,
 * let requests in flight finish and exit 0; a fatal error exits 1. See docs/deployment.md.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { currentPolicy } from '../store/policy.js';
import { createMetrics } from '../api/metrics.js';
import { connectClient } from '../temporal/connection.js';
import { ensureReportSchedules } from '../temporal/schedules.js';
import {
  buildWebIfStale,
  requireCluster,
  runProcess,
  startApi,
  openDatabase,
  processPrelude,
} from './components.js';

const { config, log } = processPrelude('api');

await runProcess(log, async (stops) => {
  const { databaseUrl, temporalAddress } = requireCluster(config, 'npm run api');
  const webDir = buildWebIfStale((line) => log.info(line));

  const { prisma, pool } = openDatabase(config, databaseUrl, log, stops, 10);
  if (!(await currentPolicy(prisma))) {
    throw new Error('no policy stored: run `npm run setup` (migrations, policy, first admin)');
  }
  const client = await connectClient(config, temporalAddress);
  stops.push(() => client.connection.close());
  const created = await ensureReportSchedules(client, config.temporal.taskQueue);
  if (created.length) log.info({ schedules: created }, 'report schedules created');

  // Uploads are read back by the intake in this same process, so a local folder is right.
  const uploadDir = path.join(config.dataDir, 'uploads');
  mkdirSync(uploadDir, { recursive: true });
  const api = await startApi(config, {
    prisma,
    pool,
    client,
    log,
    metrics: createMetrics({ defaultMetrics: true }),
    uploadDir,
    webDir,
    temporalUiUrl: config.temporal.uiUrl,
  });
  stops.push(api.stop);
  log.info(
    {
      url: api.url,
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      temporal: temporalAddress,
      trustProxy: config.api.trustProxy,
    },
    'api listening',
  );
  return {};
});
