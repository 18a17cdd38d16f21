/**
 * Bounded load test of the whole system on loopback: many simultaneous people and systems for
 * a minute, then a consistency check of what they did.
 *
 *   npm run bench:load -- [--users 50] [--seconds 60] [--warmup 10] [--cases 1000]
 *                         [--think-ms 500] [--mix reads=60,complete=20,payments=10,manager=10]
 *                         [--split] [--policy default|training] [--json] [--keep-db]
 *                         [--keep-logs <folder>]
 *
 * Set-up: a fresh database on DATABASE_URL's server (else the local 127.0.0.1:5432), migrated;
 * a Temporal dev server (in memory, free port); the synthetic Machala export
 * (demo/generate-portfolio.ts) imported through the real importer; collector and manager users
 * with sectors and routes shared among the collectors (one route in four left without a
 * collector, so its cases' tasks land in the shared inbox); then the system under test starts as
 * a child process (bench/load-system.ts: real API and real worker in one process as `npm start`
 * runs them, or two processes with --split), and the cases are opened through the real
 * `openCases` path (one workflow each, each opens a contact task at once).
 *
 * Load: each simulated user signs in with its own session, then runs its loop (bench/load-users.ts)
 * with think time between requests; the first --warmup seconds are not counted. Afterwards,
 * once the worker has drained, the check compares every answered request with the database,
 * the case timelines (through the API) and the workflows' own state.
 *
 * The database and the Temporal server are removed at the end (--keep-db keeps the database).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { z } from 'zod';
import { ensurePolicy } from '../store/policy.js';
import { hashPassword } from '../api/auth.js';
import { ROOT_DIR, loadConfig } from '../config/index.js';
import { toLocalDate } from '../domain/calendar.js';
import { writePortfolioCsv } from '../demo/generate-portfolio.js';
import { importPortfolio } from '../intake/import.js';
import { inPool, openCases } from '../intake/open-cases.js';
import { createPrisma } from '../prisma/client.js';
import { dropDatabase, ensureDatabase } from '../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../scripts/system.js';
import { WORKFLOWS_PATH } from '../temporal/bundle.js';
import { startTemporalDevServer } from '../temporal/dev-server.js';
import { findFreePort } from '../temporal/ports.js';
import { CASE_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { checkConsistency, snapshotInvoiceBalances, type CheckReport } from './load-check.js';
import { Recorder, table, type OpSummary } from './load-stats.js';
import {
  collector,
  login,
  manager,
  paymentSystem,
  type LoadAccount,
  type Mix,
  type Shared,
} from './load-users.js';

const DEFAULT_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';
const PASSWORD = 'clave-de-prueba-de-carga-2026';
const API_KEY = `load-test-key-${randomBytes(12).toString('hex')}`;
/** Roughly the share of generated accounts the default policy opens a case for (measured 0.215). */
const OPENED_PER_ACCOUNT = 0.2;
/** Roughly the share of imported (delinquent) accounts it opens a case for (measured 0.67). */
const ELIGIBLE_PER_IMPORTED = 0.65;

const mixSchema = z
  .string()
  .transform((s, ctx) => {
    const out: Record<string, number> = {};
    for (const part of s.split(',').filter(Boolean)) {
      const [k, v] = part.split('=');
      const n = Number(v);
      if (!k || !Number.isFinite(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `bad mix entry ${part}` });
        return z.NEVER;
      }
      out[k.trim()] = n;
    }
    return out;
  })
  .pipe(
    z.object({
      reads: z.number().min(0),
      complete: z.number().min(0),
      payments: z.number().min(0),
      manager: z.number().min(0),
    }),
  );

const argsSchema = z.object({
  users: z.coerce.number().int().min(3).max(2_000).default(50),
  seconds: z.coerce.number().int().min(5).max(600).default(60),
  warmup: z.coerce.number().int().min(0).max(120).default(10),
  cases: z.coerce.number().int().min(50).max(20_000).default(1_000),
  batch: z.coerce.number().int().min(10).max(5_000).default(250),
  thinkMs: z.coerce.number().int().min(0).max(60_000).default(500),
  timeoutMs: z.coerce.number().int().min(1_000).max(120_000).default(15_000),
  mix: mixSchema.default({ reads: 60, complete: 20, payments: 10, manager: 10 }),
  split: z.boolean().default(false),
  policy: z.enum(['default', 'training']).default('default'),
  seed: z.coerce.number().int().default(20_261_128),
  json: z.boolean().default(false),
  keepDb: z.boolean().default(false),
  /** Folder to copy the system's stderr and logs into before the temporary folder goes. */
  keepLogs: z.string().optional(),
});
type Args = z.infer<typeof argsSchema>;

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      cases: { type: 'string' },
      batch: { type: 'string' },
      'think-ms': { type: 'string' },
      'timeout-ms': { type: 'string' },
      mix: { type: 'string' },
      split: { type: 'boolean' },
      policy: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      'keep-db': { type: 'boolean' },
      'keep-logs': { type: 'string' },
    },
  });
  return argsSchema.parse({
    ...values,
    thinkMs: values['think-ms'],
    timeoutMs: values['timeout-ms'],
    keepDb: values['keep-db'],
    keepLogs: values['keep-logs'],
  });
}

/** A small seeded PRNG (mulberry32), so a run's choices repeat with the same --seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const loadavg = () =>
  os.loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number];

/** How many users of each kind: payments and managers by their share of the mix, the rest collect. */
export function splitUsers(users: number, mix: Mix) {
  const total = mix.reads + mix.complete + mix.payments + mix.manager;
  const payers = mix.payments > 0 ? Math.max(1, Math.round((users * mix.payments) / total)) : 0;
  const managers = mix.manager > 0 ? Math.max(1, Math.round((users * mix.manager) / total)) : 0;
  const collectors = users - payers - managers;
  const collectorShare = mix.reads + mix.complete;
  return {
    collectors,
    payers,
    managers,
    pComplete: collectorShare > 0 ? mix.complete / collectorShare : 0,
  };
}

/** Starts bench/load-system.ts and resolves with its READY line. */
function startSystem(
  part: 'api' | 'worker' | 'both',
  env: Record<string, string>,
  exportFile: string,
  bundle: string,
  logFile: string,
): Promise<{ child: ChildProcess; url: string | null }> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT_DIR, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      path.join(ROOT_DIR, 'bench', 'load-system.ts'),
      exportFile,
      bundle,
      part,
    ],
    {
      cwd: ROOT_DIR,
      // The system under test is configured from its environment, as a deployment is.
      // eslint-disable-next-line no-restricted-properties
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => {
    errors = (errors + d.toString()).slice(-4_000);
    writeFileSync(logFile, d, { flag: 'a' });
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        const { url } = JSON.parse(line.slice(6)) as { url: string | null };
        resolve({ child, url });
      }
    });
    child.on('exit', (code) => reject(new Error(`system (${part}) exited ${code}:\n${errors}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Report {
  startedAt: string;
  machine: { cpus: number; model: string; memGiB: number; node: string };
  loadavg: { start: number[]; beforeLoad: number[]; end: number[] };
  args: Omit<Args, 'json' | 'keepDb' | 'keepLogs'>;
  setup: {
    seconds: number;
    accountsImported: number;
    casesOpened: number;
    openSeconds: number;
    openTasksAtStart: number;
    sharedInboxTasksAtStart: number;
    users: { collectors: number; managers: number; paymentSystems: number };
    logins: OpSummary;
  };
  measuredSeconds: number;
  requests: number;
  throughputPerSecond: number;
  operations: Record<string, OpSummary>;
  errorCodes: Record<string, number>;
  unexpectedExamples: { op: string; status: number; body: string }[];
  shareOfRequests: Record<string, number>;
  check: CheckReport;
  /** Failed activity attempts the worker logged (retried by Temporal), by activity and error. */
  workerActivityFailures: { wholeRun: Record<string, number>; load: Record<string, number> };
  totalSeconds: number;
}

/** Counts the worker's "Activity failed" warnings in the system's stderr, by type and error. */
function activityFailures(files: string[], from: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f)
      .subarray(from.get(f) ?? 0)
      .toString('utf8');
    for (const m of text.matchAll(
      /Activity failed \{[\s\S]*?activityType: '([^']+)'[\s\S]*?error: ([\s\S]*?)\n\s+at /g,
    )) {
      const error = m[2]!.replace(/\s+/g, ' ').replace(/[0-9a-f-]{36}/g, '…');
      const k = `${m[1]}: ${error.length > 200 ? `${error.slice(0, 60)} … ${error.slice(-130)}` : error}`;
      out[k] = (out[k] ?? 0) + 1;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseCli();
  const t0 = performance.now();
  const say = (line: string) => {
    if (!args.json) console.log(`[load ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
    else console.error(`[load ${((performance.now() - t0) / 1000).toFixed(1)}s] ${line}`);
  };
  const startLoad = loadavg();
  say(`os.loadavg() at start: ${startLoad.join(' ')} (${os.cpus().length} cores)`);

  const config = loadConfig();
  const adminUrl = withDatabase(config.database.url ?? DEFAULT_SERVER, 'postgres');
  const dbName = `cartera_load_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbUrl = withDatabase(adminUrl, dbName);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cartera-load-'));
  const stops: (() => Promise<unknown>)[] = [
    async () => {
      if (args.keepLogs)
        cpSync(tmp, args.keepLogs, {
          recursive: true,
          filter: (f) => !/\.(csv|js)$/.test(f) && !f.includes('uploads'),
        });
      rmSync(tmp, { recursive: true, force: true });
    },
  ];
  const runStops = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => console.error(err));
  };
  process.on('SIGINT', () => void runStops().then(() => process.exit(130)));

  try {
    if (!config.temporal.cliPath) throw new Error('Temporal CLI missing: node scripts/ensure.mjs');
    await ensureDatabase(adminUrl, dbName);
    if (!args.keepDb) stops.push(() => dropDatabase(adminUrl, dbName));
    const exportFile = path.join(tmp, 'export.csv');
    const bundleFile = path.join(tmp, 'workflow-bundle.js');
    const accounts = Math.ceil(args.cases / OPENED_PER_ACCOUNT);
    const today = toLocalDate(new Date());

    // Independent set-up steps side by side.
    const [temporal] = await Promise.all([
      (async () =>
        startTemporalDevServer({
          cliPath: config.temporal.cliPath!,
          port: await findFreePort(),
          namespace: 'default',
          searchAttributes: CASE_SEARCH_ATTRIBUTES,
          logFile: path.join(tmp, 'temporal.log'),
        }))(),
      runPrisma(['migrate', 'deploy'], dbUrl),
      bundleWorkflowCode({
        workflowsPath: WORKFLOWS_PATH,
        logger: new DefaultLogger('WARN', (e) => process.stderr.write(`${e.level} ${e.message}\n`)),
      }).then((b) => writeFileSync(bundleFile, b.code)),
      writePortfolioCsv(exportFile, { accounts, seed: args.seed, asOf: today }),
    ]);
    stops.push(() => temporal.stop());
    say(`database ${dbName} migrated; Temporal dev server ${temporal.address}; bundle built`);

    const pool = new pg.Pool({ connectionString: dbUrl, max: 8 });
    const prisma = createPrisma(dbUrl, 4);
    stops.push(async () => {
      await prisma.$disconnect();
      await pool.end();
    });
    const imported = await importPortfolio(
      pool,
      { filePath: exportFile, fileName: 'export.csv', format: 'csv' },
      { createdBy: 'load-test' },
    );
    if (imported.status !== 'succeeded') throw new Error(`import failed: ${imported.failure}`);
    const policy = await ensurePolicy(
      prisma,
      args.policy === 'training' ? path.join(ROOT_DIR, 'policies', 'training.json') : undefined,
    );

    // People: collectors, managers (the first one supervises the collectors).
    const kinds = splitUsers(args.users, args.mix);
    if (kinds.collectors < 1) throw new Error('the mix leaves no collectors');
    const passwordHash = await hashPassword(PASSWORD);
    const managerNames = Array.from(
      { length: Math.max(1, kinds.managers) },
      (_, i) => `load-supervisor-${i + 1}`,
    );
    const collectorNames = Array.from(
      { length: kinds.collectors },
      (_, i) => `load-cobrador-${String(i + 1).padStart(3, '0')}`,
    );
    await prisma.user.createMany({
      data: managerNames.map((username) => ({
        username,
        displayName: username,
        role: 'manager' as const,
        passwordHash,
      })),
    });
    const boss = await prisma.user.findUniqueOrThrow({ where: { username: managerNames[0]! } });
    await prisma.user.createMany({
      data: collectorNames.map((username) => ({
        username,
        displayName: username,
        role: 'collector' as const,
        passwordHash,
        supervisorId: boss.id,
      })),
    });
    const collectorIds = (
      await prisma.user.findMany({ where: { role: 'collector' }, orderBy: { username: 'asc' } })
    ).map((u) => u.id);
    const routes = await pool.query<{ sector: string; route: string }>(
      `SELECT DISTINCT sector, route FROM "Account" ORDER BY sector, route`,
    );
    await prisma.portfolioAssignment.createMany({
      data: routes.rows
        .map((r, i) => ({ ...r, i }))
        .filter(({ i }) => i % 4 !== 3)
        .map(({ sector, route, i }) => ({
          sector,
          route,
          userId: collectorIds[i % collectorIds.length]!,
        })),
    });
    const sectors = [...new Set(routes.rows.map((r) => r.sector))];

    // The system under test.
    const apiPort = await findFreePort();
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'cartera-load',
      CARTERA_API_KEYS: `billing=${API_KEY}`,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      CARTERA_DATA_DIR: tmp,
    };
    const parts: ('api' | 'worker' | 'both')[] = args.split ? ['worker', 'api'] : ['both'];
    let url = '';
    for (const part of parts) {
      const sys = await startSystem(
        part,
        env,
        exportFile,
        bundleFile,
        path.join(tmp, `${part}.stderr`),
      );
      stops.push(() => stopChild(sys.child));
      if (sys.url) url = sys.url;
    }
    say(
      `system under test at ${url} (${args.split ? 'API and worker in two processes' : 'API and worker in one process'})`,
    );

    // Cases, through the real opening path.
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const openStarted = performance.now();
    const accountIds = (
      await pool.query<{ id: string }>(`SELECT id FROM "Account" ORDER BY number`)
    ).rows.map((r) => r.id);
    const tasksOpen = () =>
      pool
        .query<{ open: number; shared: number }>(
          `SELECT count(*)::int AS open, count(*) FILTER (WHERE "assigneeId" IS NULL)::int AS shared FROM "Task" WHERE status = 'open'`,
        )
        .then((r) => r.rows[0]!);
    // In batches the worker's workflow cache holds (CARTERA_WORKER_CACHE, 300 by default):
    // thousands of brand-new workflows at once would be evicted and replayed between steps.
    let opened = 0;
    let offset = 0;
    let atStart = { open: 0, shared: 0 };
    while (opened < args.cases && offset < accountIds.length) {
      const take = Math.ceil(Math.min(args.batch, args.cases - opened) / ELIGIBLE_PER_IMPORTED);
      const r = await openCases(
        { pool, temporal: client, taskQueue: env.TEMPORAL_TASK_QUEUE },
        {
          policy: policy.policy,
          policyVersion: policy.version,
          asOf: today,
          openedBy: 'system',
          accountIds: accountIds.slice(offset, offset + take),
        },
      );
      if (r.failed.length)
        throw new Error(`opening failed: ${JSON.stringify(r.failed.slice(0, 3))}`);
      opened += r.opened;
      offset += take;
      atStart = await until(
        tasksOpen,
        (c) => c.open >= opened,
        Math.max(120_000, r.opened * 1_500),
      );
      if (atStart.open < opened) throw new Error('not every case has its contact task yet');
      say(
        `${opened} cases open with their contact task (${((performance.now() - openStarted) / 1000).toFixed(1)} s)`,
      );
    }
    const openSeconds = (performance.now() - openStarted) / 1000;
    say(
      `${opened} cases opened, ${atStart.open} open tasks (${atStart.shared} in the shared inbox) in ${openSeconds.toFixed(1)} s`,
    );
    if (atStart.open < opened) throw new Error('not every case has its contact task yet');

    const caseAccounts: LoadAccount[] = (
      await pool.query<{ number: string; balance: number }>(
        `SELECT a.number, c."balanceCents" AS balance FROM "Case" c JOIN "Account" a ON a.id = c."accountId" WHERE c.status = 'open'`,
      )
    ).rows.map((r) => ({ number: r.number, balanceCents: r.balance, sentCents: 0 }));
    const invoicesBefore = await snapshotInvoiceBalances(pool);

    // Users sign in, each with its own session.
    let running = true;
    const rec = new Recorder();
    const setupRec = new Recorder();
    setupRec.counting = true;
    const shared: Shared = {
      url,
      apiKey: API_KEY,
      rec,
      thinkMs: args.thinkMs,
      timeoutMs: args.timeoutMs,
      rng: prng(args.seed),
      running: () => running,
      sectors,
      accounts: caseAccounts,
      completions: new Map(),
      uncertainCompletions: new Set(),
      payments: new Map(),
      runId: randomBytes(4).toString('hex'),
      paymentSeq: 0,
    };
    // People sign in a few at a time (bcrypt is meant to be slow), each with a session of its own.
    const names = [...collectorNames, ...managerNames.slice(0, kinds.managers)];
    const sessions: { token: string; id: string }[] = [];
    await inPool(
      names.map((n, i) => [n, i] as const),
      4,
      async ([n, i]) => {
        sessions[i] = await login(shared, n, PASSWORD, setupRec);
      },
    );
    const collectorSessions = sessions.slice(0, kinds.collectors);
    const managerSessions = sessions.slice(kinds.collectors);
    const setupSeconds = (performance.now() - t0) / 1000;
    const beforeLoad = loadavg();
    say(
      `${kinds.collectors} collectors, ${kinds.managers} managers, ${kinds.payers} payment systems signed in; os.loadavg() ${beforeLoad.join(' ')}; warm-up ${args.warmup} s, then ${args.seconds} s measured`,
    );

    const loops = [
      ...collectorSessions.map((s) => collector(shared, s, kinds.pComplete)),
      ...managerSessions.map((s) => manager(shared, s)),
      ...Array.from({ length: kinds.payers }, () => paymentSystem(shared)),
    ];
    await new Promise((r) => setTimeout(r, args.warmup * 1000));
    const stderrFiles = parts.map((p) => path.join(tmp, `${p}.stderr`));
    const stderrAtLoad = new Map(
      stderrFiles.map((f) => [f, existsSync(f) ? statSync(f).size : 0] as const),
    );
    rec.counting = true;
    const measureStart = performance.now();
    await new Promise((r) => setTimeout(r, args.seconds * 1000));
    rec.counting = false;
    const measuredSeconds = (performance.now() - measureStart) / 1000;
    const endLoad = loadavg();
    running = false;
    await Promise.all(loops);
    say(
      `load done: ${rec.count} requests counted in ${measuredSeconds.toFixed(1)} s; os.loadavg() ${endLoad.join(' ')}`,
    );

    const check = await checkConsistency({
      pool,
      client,
      url,
      managerToken: managerSessions[0]!.token,
      shared,
      invoicesBefore,
      say,
    });

    const operations = rec.summary();
    const shareOfRequests: Record<string, number> = {};
    const all = operations.all!.requests;
    const kindOf: Record<string, string> = {
      inbox: 'reads',
      case: 'reads',
      timeline: 'reads',
      complete: 'complete',
      claim: 'complete',
      payment: 'payments',
      payment_again: 'payments',
      cases_list: 'manager',
      dashboard: 'manager',
    };
    for (const [op, s] of Object.entries(operations))
      if (op !== 'all') {
        const k = kindOf[op] ?? op;
        shareOfRequests[k] =
          Math.round(((shareOfRequests[k] ?? 0) + (s.requests / all) * 100) * 10) / 10;
      }

    const { json: _json, keepDb: _keep, keepLogs: _logs, ...shownArgs } = args;
    const report: Report = {
      startedAt: new Date(Date.now() - (performance.now() - t0)).toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model ?? 'unknown',
        memGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      loadavg: { start: startLoad, beforeLoad, end: endLoad },
      args: shownArgs,
      setup: {
        seconds: Math.round(setupSeconds),
        accountsImported: imported.accountsUpserted,
        casesOpened: opened,
        openSeconds: Math.round(openSeconds * 10) / 10,
        openTasksAtStart: atStart.open,
        sharedInboxTasksAtStart: atStart.shared,
        users: {
          collectors: kinds.collectors,
          managers: kinds.managers,
          paymentSystems: kinds.payers,
        },
        logins: setupRec.summary().all!,
      },
      measuredSeconds: Math.round(measuredSeconds * 10) / 10,
      requests: all,
      throughputPerSecond: Math.round((all / measuredSeconds) * 10) / 10,
      operations,
      errorCodes: rec.codes(),
      unexpectedExamples: rec.examples,
      shareOfRequests,
      check,
      workerActivityFailures: {
        wholeRun: activityFailures(stderrFiles, new Map()),
        load: activityFailures(stderrFiles, stderrAtLoad),
      },
      totalSeconds: 0,
    };
    await runStops();
    stops.length = 0;
    report.totalSeconds = Math.round((performance.now() - t0) / 1000);

    if (args.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report);
    if (!check.ok) process.exitCode = 1;
  } catch (err) {
    await runStops();
    throw err;
  }
}

function printReport(r: Report): void {
  const rows: (string | number)[][] = [
    [
      'operation',
      'requests',
      'ok',
      'exp4xx',
      'unexp4xx',
      '5xx',
      'net',
      'timeout',
      'p50',
      'p90',
      'p95',
      'p99',
      'max ms',
    ],
  ];
  for (const [op, s] of Object.entries(r.operations)) {
    const o = s.outcomes;
    const l = s.latencyMs;
    rows.push([
      op,
      s.requests,
      o.ok,
      o.expected4xx,
      o.unexpected4xx,
      o['5xx'],
      o.network,
      o.timeout,
      l.p50,
      l.p90,
      l.p95,
      l.p99,
      l.max,
    ]);
  }
  const u = r.setup.users;
  console.log(`
Load test — ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memGiB} GiB, Node ${r.machine.node}
os.loadavg(): start ${r.loadavg.start.join(' ')} · before load ${r.loadavg.beforeLoad.join(' ')} · end of load ${r.loadavg.end.join(' ')}
Set-up ${r.setup.seconds} s: ${r.setup.accountsImported} accounts imported, ${r.setup.casesOpened} cases opened in ${r.setup.openSeconds} s, ${r.setup.openTasksAtStart} open tasks (${r.setup.sharedInboxTasksAtStart} shared)
Users ${r.args.users}: ${u.collectors} collectors, ${u.managers} managers, ${u.paymentSystems} payment systems; think time mean ${r.args.thinkMs} ms; ${r.args.split ? 'API and worker split' : 'API + worker in one process'}; policy ${r.args.policy}
Sign-ins: ${r.setup.logins.requests}, p50 ${r.setup.logins.latencyMs.p50} ms, max ${r.setup.logins.latencyMs.max} ms
Measured ${r.measuredSeconds} s after ${r.args.warmup} s warm-up: ${r.requests} requests, ${r.throughputPerSecond} req/s
Share of requests (%): ${Object.entries(r.shareOfRequests)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}

${table(rows)}
`);
  if (Object.keys(r.errorCodes).length) {
    console.log('Non-2xx answers (operation status code → count):');
    for (const [k, v] of Object.entries(r.errorCodes)) console.log(`  ${k}: ${v}`);
  }
  if (r.unexpectedExamples.length) {
    console.log('Examples of unexpected answers:');
    for (const e of r.unexpectedExamples.slice(0, 8))
      console.log(`  ${e.op} ${e.status} ${e.body}`);
  }
  for (const phase of ['wholeRun', 'load'] as const) {
    const failures = Object.entries(r.workerActivityFailures[phase]);
    console.log(
      `\nFailed activity attempts the worker logged (Temporal retries them), ${phase === 'wholeRun' ? 'whole run' : 'from the measured window to the end of the check'}: ${failures.reduce((a, [, n]) => a + n, 0)}`,
    );
    for (const [k, n] of failures) console.log(`  ${n} × ${k}`);
  }
  console.log(`\nConsistency check: ${r.check.ok ? 'OK' : 'FAILED'}`);
  for (const line of r.check.lines) console.log(`  ${line}`);
  console.log(`\nTotal run time ${r.totalSeconds} s`);
}

await main();
