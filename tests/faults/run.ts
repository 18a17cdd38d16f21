/**
 * Fault suite: N cases under the training policy while the worker is killed with SIGKILL
 * again and again, Temporal and PostgreSQL are restarted, SMTP is down for a while and billing
 * fails 30 % of calls and stalls on some; then a bounded drain and the invariants of
 * checks.ts. Exits 1 on any violation. See docs/faults.md.
 *
 *   npm run test:faults                 # 1,000 cases, about 12 minutes
 *   npm run test:faults -- --quick      # 100 cases, about 6 minutes
 *   npm run test:faults -- --cases 300 --fault-seconds 240 --keep
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import pg from 'pg';
import { pino } from 'pino';
import { ensurePolicy } from '../../store/policy.js';
import { createApp } from '../../api/app.js';
import { loadConfig, ROOT_DIR } from '../../config/index.js';
import { writePortfolioCsv } from '../../demo/generate-portfolio.js';
import { toLocalDate } from '../../domain/calendar.js';
import { validatePortfolioRow, type PortfolioRow } from '../../domain/portfolio-row.js';
import { importPortfolio } from '../../intake/import.js';
import { openCases } from '../../intake/open-cases.js';
import { readExport } from '../../intake/read.js';
import { createPrisma, type PrismaClient } from '../../prisma/client.js';
import { assignUnownedSectors, seedDemoUsers } from '../../prisma/seed.js';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../temporal/bundle.js';
import { runChecks, type Interruptions, type Violation } from './checks.js';
import { Driver } from './driver.js';
import {
  findFreePort,
  log,
  MailSink,
  Postgres,
  startOutside,
  Temporal,
  WorkerChild,
} from './infra.js';
import { parseOptions, rng } from './options.js';

const opts = parseOptions(process.argv.slice(2));
const config = loadConfig();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const elapsed = () => `${Math.round((Date.now() - t0) / 1000)} s`;
const random = rng(opts.seed);
const MAIL_FROM = '"Aguas Machala EP - Cartera" <cartera@faults.test>';
const API_KEY = 'faults-treasury-key-0123456789';
const TASK_QUEUE = 'cartera-faults';
const quietLogger = new DefaultLogger('WARN');

// The client library and pg report connection losses as errors on idle objects; while the
// servers restart that is expected, so it is counted, not fatal.
let backgroundErrors = 0;
process.on('uncaughtException', (err) => {
  backgroundErrors++;
  if (backgroundErrors <= 5) log(`background error (counted): ${err.message}`);
});
process.on('unhandledRejection', (err) => {
  backgroundErrors++;
  if (backgroundErrors <= 5) log(`background rejection (counted): ${(err as Error)?.message}`);
});

async function main(): Promise<number> {
  if (!config.temporal.cliPath)
    throw new Error('Temporal CLI missing: run node scripts/ensure.mjs');
  const dir = path.join(os.tmpdir(), `cartera-faults-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`data in ${dir}; options ${JSON.stringify(opts)}`);
  const stops: (() => Promise<void>)[] = [];
  const faults = {
    injected: { workerKills: 0, temporalRestarts: 0, postgresRestarts: 0, smtpOutages: 0 },
    billing: { requests: 0, failed: 0, slowed: 0 },
  };
  const interruptions: Interruptions = { workerKills: [], postgresDown: [] };

  try {
    // ---- infrastructure -------------------------------------------------------------------
    const db = new Postgres(dir, await findFreePort());
    await db.start();
    stops.push(() => db.stop());
    await db.migrate();
    log(`PostgreSQL on ${db.port}, migrated (${elapsed()})`);
    const temporal = new Temporal(config.temporal.cliPath, dir, await findFreePort());
    await temporal.start();
    stops.push(() => temporal.stop());
    log(`Temporal dev server on ${temporal.address} (${elapsed()})`);

    // Billing faults, mutable while running; the random source also counts what it decided.
    const billingRandom = rng(opts.seed + 1);
    let slowDecisionNext = false;
    let slowInFlight = 0;
    const billingFaults = {
      failureRate: opts.billingFailureRate,
      slowRate: opts.billingSlowRate,
      delayMs: opts.billingDelayMs,
      random: () => {
        const r = billingRandom();
        if (!slowDecisionNext) {
          faults.billing.requests++;
          if (r < billingFaults.failureRate) faults.billing.failed++;
          else slowDecisionNext = true;
        } else {
          slowDecisionNext = false;
          if (r < billingFaults.slowRate) {
            faults.billing.slowed++;
            slowInFlight++;
            setTimeout(() => slowInFlight--, billingFaults.delayMs + 2_000);
          }
        }
        return r;
      },
    };
    const outside = await startOutside(await findFreePort(), billingFaults);
    stops.push(() => outside.close());
    const smtp = new MailSink(await findFreePort());
    await smtp.start();
    stops.push(() => smtp.stop());

    const pool = new pg.Pool({ connectionString: db.url, max: 8 });
    pool.on('error', () => backgroundErrors++);
    const prisma: PrismaClient = createPrisma(db.url, 8);
    stops.push(async () => {
      await prisma.$disconnect();
      await pool.end();
    });
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const started = new Set<string>();
    const recordStarts: WorkflowClientInterceptor = {
      async startWithDetails(input, next) {
        const out = await next(input);
        if (input.workflowType === 'caseWorkflow') started.add(input.options.workflowId);
        return out;
      },
    };
    const client = new Client({ connection, namespace: 'default' });
    const opener = new Client({
      connection,
      namespace: 'default',
      interceptors: { workflow: [recordStarts] },
    });

    // API in this process, for treasury's payments.
    const policy = await ensurePolicy(prisma, path.join(ROOT_DIR, 'policies', 'training.json'));
    const app = createApp({
      prisma,
      pool,
      temporal: client,
      taskQueue: TASK_QUEUE,
      namespace: 'default',
      log: pino({ level: 'fatal' }),
      policy: async () => policy,
      uploadDir: path.join(dir, 'uploads'),
      apiKeys: { treasury: API_KEY },
      validateResponses: false,
    });
    const api = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    stops.push(() => new Promise<void>((resolve) => api.close(() => resolve())));
    const apiAddress = api.address();
    const apiUrl = `http://127.0.0.1:${typeof apiAddress === 'object' && apiAddress ? apiAddress.port : 0}`;

    // One bundle for every worker start (a start then takes seconds, not a webpack build).
    const bundleFile = path.join(dir, 'workflow-bundle.js');
    writeFileSync(
      bundleFile,
      (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger })).code,
    );
    const worker = new WorkerChild(
      {
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: TASK_QUEUE,
        BILLING_URL: outside.url,
        FIELD_OPS_URL: outside.url,
        NOTARIES_URL: `${outside.url}/notaries`,
        BANKS_URL: outside.url,
        CARTERA_SMTP_HOST: '127.0.0.1',
        CARTERA_SMTP_PORT: String(smtp.port),
        CARTERA_SMTP_FROM: MAIL_FROM,
        CARTERA_NOTICE_INTERVAL: '2',
        CARTERA_NOTICE_MAX_ATTEMPTS: '20',
        CARTERA_DATA_DIR: dir,
        CARTERA_WORKER_DRAIN_SECONDS: '0',
        CARTERA_WORKFLOW_BUNDLE: bundleFile,
        CARTERA_WORKER_CACHE: String(Math.max(300, opts.cases + 200)),
        LOG_LEVEL: 'warn',
        CARTERA_DEMO: 'false',
        NODE_ENV: 'test',
      },
      path.join(dir, 'logs', 'worker.log'),
      opts.workerEntry,
    );
    stops.push(() => worker.stop());
    worker.start();
    log(`worker child: ${path.relative(ROOT_DIR, worker.entry)} (${elapsed()})`);

    // ---- the portfolio: billing's ledger → export → import → cases -------------------------
    await seedDemoUsers(prisma);
    const today = toLocalDate(new Date());
    const csv = path.join(dir, 'portfolio.csv');
    await writePortfolioCsv(csv, { accounts: opts.cases * 6 + 100, seed: opts.seed, asOf: today });
    const rows: PortfolioRow[] = [];
    for await (const raw of readExport(csv, 'csv')) {
      const r = validatePortfolioRow(raw.values);
      if (r.ok) rows.push(r.row);
    }
    outside.sims.billing.load(rows);
    const exportFile = path.join(dir, 'export.csv');
    writeFileSync(exportFile, await outside.sims.billing.exportOverdueInvoices());
    const imported = await importPortfolio(
      pool,
      { filePath: exportFile, fileName: 'export.csv', format: 'csv' },
      { createdBy: 'faults' },
    );
    if (imported.status !== 'succeeded') throw new Error(`import failed: ${imported.failure}`);
    await assignUnownedSectors(prisma);
    const { rows: accountIds } = await pool.query<{ id: string }>(
      `SELECT id FROM "Account" ORDER BY number`,
    );
    let next = 0;
    while (started.size < opts.cases && next < accountIds.length) {
      const want = opts.cases - started.size;
      const batch = accountIds.slice(next, next + want).map((a) => a.id);
      next += batch.length;
      await openCases(
        { pool, temporal: opener, taskQueue: TASK_QUEUE },
        {
          policy: policy.policy,
          policyVersion: policy.version,
          asOf: today,
          openedBy: 'system',
          accountIds: batch,
          concurrency: 32,
        },
      );
    }
    log(`imported ${imported.goodRows} rows; opened ${started.size} cases (${elapsed()})`);

    // Users who act, and the driver.
    const { rows: users } = await pool.query<{ id: string; username: string }>(
      `SELECT id, username FROM "User" WHERE username IN ('cobrador1', 'supervisora', 'juridico')`,
    );
    const uid = (name: string) => users.find((u) => u.username === name)!.id;
    const driver = new Driver({
      pool,
      client,
      apiUrl,
      apiKey: API_KEY,
      users: { collector: uid('cobrador1'), manager: uid('supervisora'), legal: uid('juridico') },
      random,
    });
    const startedIds = [...started].sort();
    driver.expect(startedIds);
    driver.start();
    log(`driving the cases as their rows appear (${elapsed()})`);

    // ---- faults ---------------------------------------------------------------------------
    const faultStart = Date.now();
    const at = (s: number) => faultStart + s * 1000;
    const timeline: string[] = [];
    const note = (what: string) => {
      const line = `+${Math.round((Date.now() - faultStart) / 1000)} s ${what}`;
      timeline.push(line);
      log(line);
    };
    let temporalDone = false;
    let postgresDone = false;
    let smtpState: 'before' | 'down' | 'after' = 'before';
    let nextKill = at(opts.killEvery[0] + random() * (opts.killEvery[1] - opts.killEvery[0]));
    while (Date.now() < at(opts.faultSeconds)) {
      const now = Date.now();
      if (smtpState === 'before' && now >= at(opts.smtpDown[0])) {
        await smtp.stop();
        smtpState = 'down';
        faults.injected.smtpOutages++;
        note('SMTP down');
      } else if (smtpState === 'down' && now >= at(opts.smtpDown[1])) {
        await smtp.start();
        smtpState = 'after';
        note('SMTP up');
      }
      if (!temporalDone && now >= at(opts.temporalRestartAt)) {
        temporalDone = true;
        note('Temporal dev server: stop');
        await temporal.stop();
        await sleep(3000);
        await temporal.start();
        faults.injected.temporalRestarts++;
        note('Temporal dev server: up again');
      }
      if (!postgresDone && now >= at(opts.postgresRestartAt)) {
        postgresDone = true;
        note('PostgreSQL: stop');
        const down = Date.now();
        await db.stop();
        await sleep(8000);
        await db.start();
        interruptions.postgresDown.push([down, Date.now()]);
        faults.injected.postgresRestarts++;
        note('PostgreSQL: up again');
      }
      if (now >= nextKill) {
        interruptions.workerKills.push(Date.now());
        await worker.kill9();
        faults.injected.workerKills++;
        const pause = random() < 0.5 ? 0 : Math.round(2 + random() * 8);
        note(
          `worker SIGKILL #${faults.injected.workerKills}${pause ? `, back in ${pause} s` : ', restarted at once'}`,
        );
        if (pause) setTimeout(() => worker.start(), pause * 1000);
        else worker.start();
        nextKill =
          Date.now() +
          (opts.killEvery[0] + random() * (opts.killEvery[1] - opts.killEvery[0])) * 1000;
      }
      await sleep(500);
    }
    if (smtpState === 'down') await smtp.start();
    if (!worker.running) worker.start();
    note('process faults off (billing still failing): drain');

    // ---- drain ----------------------------------------------------------------------------
    // Ends when every case is closed or in a wait that only a person or a payment ends, the
    // outbox has nothing due, and stalled billing calls had time to land; or at the limit.
    const drainStart = Date.now();
    for (;;) {
      await sleep(5000);
      const { rows: s } = await pool
        .query<{ active: number; queued: number; open_tasks: number }>(
          `SELECT
           (SELECT count(*)::int FROM "Case" c WHERE c.status = 'open' AND NOT (c.stage = 'coactiva' AND EXISTS (
              SELECT 1 FROM "Task" t WHERE t."caseId" = c.id AND t.type = 'coactiva_decision' AND t.status = 'done'))) AS active,
           (SELECT count(*)::int FROM "Notice" WHERE status = 'queued' AND channel <> 'letter') AS queued,
           (SELECT count(*)::int FROM "Task" WHERE status = 'open') AS open_tasks`,
        )
        .catch(() => ({ rows: [{ active: -1, queued: -1, open_tasks: -1 }] }));
      const r = s[0]!;
      const waited = Date.now() - drainStart;
      log(
        `drain ${Math.round(waited / 1000)} s: ${r.active} cases still moving, ${r.queued} notices queued, ${r.open_tasks} open tasks`,
      );
      if (r.active === 0 && r.queued === 0) break;
      if (waited >= opts.drainSeconds * 1000) break;
    }
    // Billing heals; stalled calls still land (or not) before anyone looks at the effects.
    billingFaults.failureRate = 0;
    billingFaults.slowRate = 0;
    note(`billing faults off; ${slowInFlight} stalled billing calls still to land`);
    for (let i = 0; slowInFlight > 0 && i < opts.billingDelayMs / 1000 + 5; i++) await sleep(1000);
    await driver.stop();
    // Let in-flight steps of the last completions settle before looking.
    await sleep(5000);
    note('checking');

    // ---- checks ---------------------------------------------------------------------------
    // The system still moves while it is checked (training-policy timers fire every few
    // seconds), and the three sources are read one after the other: a case that moves between
    // the database snapshot and its describe/query can look stuck or out of step for one pass.
    // Look again 20 s later and report only what both passes found (same check, case and
    // detail): a lost effect, a stuck case or a stage disagreement stays; a step caught in
    // flight does not.
    const passes: number[] = [];
    let report = await check();
    async function check() {
      return runChecks({
        pool,
        client,
        sims: outside.sims,
        mail: smtp.received,
        smsFile: path.join(dir, 'sms', 'sms.jsonl'),
        mailFrom: MAIL_FROM,
        started: startedIds,
        interruptions,
      });
    }
    passes.push(report.violations.length);
    while (report.violations.length > 0 && passes.length < 2) {
      log(
        `check pass ${passes.length}: ${report.violations.length} violations; looking again in 20 s`,
      );
      printGroups(report.violations);
      await sleep(20_000);
      const earlier = new Set(report.violations.map(violationKey));
      report = await check();
      passes.push(report.violations.length);
      report = {
        ...report,
        violations: report.violations.filter((x) => earlier.has(violationKey(x))),
      };
      passes.push(report.violations.length);
    }
    const { rows: retries } = await pool.query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM "CaseEvent" WHERE type IN ('task_escalated') GROUP BY type`,
    );
    // Retries the worker saw: its 'Activity failed' warnings, by activity type.
    const activityFailures: Record<string, number> = {};
    for (const line of readFileSync(path.join(dir, 'logs', 'worker.log'), 'utf8').split('\n')) {
      if (!line.includes('"Activity failed"')) continue;
      const m = /"activityType":"([^"]+)"/.exec(line);
      const k = m?.[1] ?? '?';
      activityFailures[k] = (activityFailures[k] ?? 0) + 1;
    }
    const summary = {
      cases: startedIds.length,
      cohorts: Object.fromEntries(
        [...new Set(driver.cases().map((c) => c.cohort))].map((k) => [
          k,
          driver.cases().filter((c) => c.cohort === k).length,
        ]),
      ),
      faults: {
        ...faults.injected,
        workerStarts: worker.starts,
        workerUnexpectedExits: worker.unexpectedExits,
        smtpDownSeconds: opts.smtpDown[1] - opts.smtpDown[0],
        billing: faults.billing,
      },
      driver: driver.stats,
      ...report.figures,
      activityFailuresInWorkerLog: activityFailures,
      escalations: Object.fromEntries(retries.map((r) => [r.type, r.n])),
      backgroundErrors,
      durations: {
        total: elapsed(),
        faultSeconds: opts.faultSeconds,
        drainSeconds: Math.round((Date.now() - drainStart) / 1000),
      },
      timeline,
      // [first pass, second pass, found by both = reported]
      violationsPerCheckPass: passes,
      violations: report.violations.length,
    };
    console.log('\n==== fault suite summary ====');
    console.log(JSON.stringify(summary, null, 2));
    if (report.violations.length > 0) {
      console.log(`\n==== ${report.violations.length} violations ====`);
      const byCheck = new Map<string, number>();
      for (const x of report.violations) byCheck.set(x.check, (byCheck.get(x.check) ?? 0) + 1);
      console.log(Object.fromEntries(byCheck));
      printGroups(report.violations);
      console.log('');
      for (const x of report.violations.slice(0, 40))
        console.log(`${x.check}  ${x.caseId ?? ''}  ${x.detail}`);
      writeFileSync(
        path.join(os.tmpdir(), `cartera-faults-violations-${process.pid}.json`),
        JSON.stringify(report.violations, null, 1),
      );
      return 1;
    }
    console.log(
      '\nall invariants hold: (a) none lost, (b) none stuck, (c) stages agree, (d) effects once, (e) cuts lawful',
    );
    return 0;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

/** What makes two passes' violations the same one (waits in seconds may have grown). */
function violationKey(x: Violation): string {
  return `${x.check}|${x.caseId ?? ''}|${x.detail.replace(/\b\d+ s\b/g, 'N s')}`;
}

/** Prints violations grouped by what went wrong (ids and numbers blanked), most frequent first. */
function printGroups(violations: readonly Violation[]): void {
  const groups = new Map<string, number>();
  for (const x of violations) {
    const k = `${x.check} ${x.detail.replace(/case-\d+/g, 'case-N').replace(/\d+/g, 'N')}`;
    groups.set(k, (groups.get(k) ?? 0) + 1);
  }
  for (const [k, n] of [...groups].sort((a, b) => b[1] - a[1]))
    console.log(`${String(n).padStart(5)}  ${k}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
