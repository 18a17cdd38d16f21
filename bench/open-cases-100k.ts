/**
 * 100,000 open cases on one machine: how long opening them takes, what the worker and the
 * Temporal server hold in memory, how large the database grows, and the list routes' p50/p95
 * next to their SQL once they are all open.
 *
 *   npm run bench:scale -- [--cases 100000] [--data-dir /tmp/cartera-scale] [--resume]
 *                          [--max-open-minutes M] [--open-until 2026-11-28T22:50:00Z]
 *                          [--settle-minutes 60] [--requests 200] [--keep]
 *
 * 1. A database on DATABASE_URL's server (else 127.0.0.1:5432), migrated; the demo generator's
 *    export (enough accounts that the policy selects `--cases` of them) through the real
 *    importer; the demo users and their sector assignments.
 * 2. A headless Temporal dev server (SQLite file under the data folder in WAL mode, free port)
 *    and the real case worker (bench/scale-worker.ts) in a child process, cache
 *    CARTERA_WORKER_CACHE, loading the prebuilt workflow bundle as a deployed worker does.
 * 3. `openCases` as intake runs it, in chunks of 5,000 accounts, CARTERA_OPEN_CONCURRENCY starts
 *    in flight, with progress. "Open" = the workflow start acknowledged; "settled" = every case
 *    row written by its workflow and the worker's backlog drained (case, task and notice counts
 *    unchanged for 15 s).
 * 4. Worker and server memory from /proc/<pid>/status (VmRSS now = steady, 30 s after settling;
 *    VmHWM = peak), database size, Temporal's SQLite file size.
 * 5. GET /api/cases and GET /api/tasks through the real app next to the SQL Prisma issued for
 *    the same page (bench/http-lists.ts, as bench:api), p50/p95, ratio of p95s (target ≤ 3).
 *
 * On a busy machine opening 100,000 may take hours: --max-open-minutes / --open-until stop
 * starting new chunks (the run then reports how many it reached and exits 1).
 * Resumable: the data folder keeps state.json (database name) and Temporal's SQLite file;
 * `--resume` reuses both and opens only the accounts still without a case.
 * Results are also written to <data dir>/result.txt.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { pino } from 'pino';
import { z } from 'zod';
import { ensurePolicy } from '../store/policy.js';
import type { AppDeps } from '../api/deps.js';
import { ROOT_DIR, loadConfig } from '../config/index.js';
import { writePortfolioCsv } from '../demo/generate-portfolio.js';
import { toLocalDate } from '../domain/calendar.js';
import { importPortfolio } from '../intake/import.js';
import { openCases, selectCasesToOpen } from '../intake/open-cases.js';
import { createPrisma } from '../prisma/client.js';
import { writeWorkflowBundle } from '../temporal/bundle.js';
import { DEMO_PASSWORD, assignUnownedSectors, seedDemoUsers } from '../prisma/seed.js';
import {
  agent,
  captureReplays,
  capturingPrisma,
  listen,
  login,
  measureScenarios,
  type BenchRole,
  type Measured,
  type Scenario,
} from './http-lists.js';
import {
  benchDatabaseByName,
  createBenchDatabase,
  describeMachine,
  loadAverage,
  processMemory,
  startBenchTemporal,
  type BenchDatabase,
} from './stack.js';

const SEED = 20_261_128;
/** Share of generated accounts the default policy opens a case for (measured: ~0.21). */
const OPENED_SHARE_GUESS = 0.19;
const CHUNK = 5_000;
const POOL_SIZE = 10;
const TASK_QUEUE = 'bench-scale';

const SCENARIOS: Scenario[] = [
  { name: 'GET /api/cases', as: 'manager', path: '/api/cases' },
  { name: 'GET /api/cases', as: 'collector', path: '/api/cases' },
  { name: 'GET /api/tasks', as: 'manager', path: '/api/tasks' },
  { name: 'GET /api/tasks', as: 'collector', path: '/api/tasks' },
  { name: 'GET /api/tasks?scope=mine', as: 'collector', path: '/api/tasks?scope=mine' },
];
const USERS: Record<BenchRole, string> = { manager: 'supervisora', collector: 'cobrador1' };

const argsSchema = z.object({
  cases: z.coerce.number().int().min(100).max(500_000).default(100_000),
  dataDir: z.string().default(path.join(os.tmpdir(), 'cartera-scale')),
  resume: z.boolean().default(false),
  maxOpenMinutes: z.coerce.number().positive().optional(),
  openUntil: z.iso.datetime().optional(),
  settleMinutes: z.coerce.number().positive().default(60),
  requests: z.coerce.number().int().min(10).default(200),
  warmup: z.coerce.number().int().min(0).default(20),
  keep: z.boolean().default(false),
});
type Args = z.infer<typeof argsSchema>;

const stateSchema = z.object({ database: z.string(), imported: z.boolean(), asOf: z.string() });

function parseCli(argv: string[]): Args | string {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        cases: { type: 'string' },
        'data-dir': { type: 'string' },
        resume: { type: 'boolean' },
        'max-open-minutes': { type: 'string' },
        'open-until': { type: 'string' },
        'settle-minutes': { type: 'string' },
        requests: { type: 'string' },
        warmup: { type: 'string' },
        keep: { type: 'boolean' },
      },
    });
    const parsed = argsSchema.safeParse({
      cases: values.cases,
      dataDir: values['data-dir'],
      resume: values.resume,
      maxOpenMinutes: values['max-open-minutes'],
      openUntil: values['open-until'],
      settleMinutes: values['settle-minutes'],
      requests: values.requests,
      warmup: values.warmup,
      keep: values.keep,
    });
    return parsed.success ? parsed.data : z.prettifyError(parsed.error);
  } catch (err) {
    return (err as Error).message;
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (m: { rssMiB: number; peakMiB: number } | null) =>
  m ? `${fmt(m.rssMiB)} MiB (peak ${fmt(m.peakMiB)})` : 'gone';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The worker child process; resolves once it polls. */
async function startWorker(
  address: string,
  databaseUrl: string,
  cache: number,
  bundlePath: string,
  logFile: string,
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT_DIR, 'bench', 'scale-worker.ts'),
      JSON.stringify({ address, taskQueue: TASK_QUEUE, databaseUrl, cache, bundlePath }),
    ],
    { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (d: Buffer) => void appendFile(logFile, d);
  child.stderr!.on('data', log);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      void log(d);
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}; see ${logFile}`)));
  });
  return {
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (typeof args === 'string') {
    process.stderr.write(
      `error: ${args}\nusage: npm run bench:scale -- [--cases 100000] [--data-dir DIR] [--resume] [--max-open-minutes M] [--open-until ISO] [--settle-minutes 60] [--requests 200] [--keep]\n`,
    );
    return 2;
  }
  const runStarted = performance.now();
  const loadAtStart = loadAverage();
  const config = loadConfig();
  mkdirSync(args.dataDir, { recursive: true });
  const resultFile = path.join(args.dataDir, 'result.txt');
  const say = (line: string) => {
    process.stderr.write(`${line}\n`);
    void appendFile(
      path.join(args.dataDir, 'progress.log'),
      `${new Date().toISOString()} ${line}\n`,
    );
  };
  say(`start ${new Date().toISOString()}, load average ${loadAtStart}`);

  const stateFile = path.join(args.dataDir, 'state.json');
  let state: z.infer<typeof stateSchema>;
  let db: BenchDatabase;
  if (args.resume && existsSync(stateFile)) {
    state = stateSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8')));
    db = benchDatabaseByName(config, state.database);
    say(`resuming with database ${state.database}`);
  } else {
    if (existsSync(path.join(args.dataDir, 'temporal.db')))
      throw new Error(`${args.dataDir} holds an earlier run: pass --resume or another --data-dir`);
    db = await createBenchDatabase(config, 'cartera_scale');
    state = { database: db.name, imported: false, asOf: toLocalDate(new Date()) };
    writeFileSync(stateFile, JSON.stringify(state));
  }
  const pool = new pg.Pool({ connectionString: db.url, max: POOL_SIZE });
  // The database is dropped at the end (WITH FORCE): an idle client's error then is expected.
  pool.on('error', () => undefined);
  const prisma = createPrisma(db.url, POOL_SIZE);
  const capture = capturingPrisma(db.url, POOL_SIZE);
  const closers: (() => Promise<unknown>)[] = [];
  let finished = false;
  // Ctrl-C / kill: stop the worker and the server, keep the database for --resume.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      say(`${signal}: stopping; kept database ${db.name} and ${args.dataDir} (--resume continues)`);
      void Promise.allSettled(closers.reverse().map((close) => close())).then(() =>
        process.exit(130),
      );
    });
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]!.n);
  try {
    const machine = await describeMachine(config, pool, args.dataDir);
    const policy = await ensurePolicy(prisma, undefined);
    const asOf = state.asOf;

    // 1. Accounts through the real importer.
    let importLine = 'import     done in an earlier run (resumed)';
    if (!state.imported) {
      const accounts = Math.min(800_000, Math.ceil(args.cases / OPENED_SHARE_GUESS));
      const csv = path.join(args.dataDir, 'portfolio.csv');
      say(`generating ${fmt(accounts)} accounts…`);
      const g = performance.now();
      const summary = await writePortfolioCsv(csv, { accounts, seed: SEED, asOf });
      const generatedMs = performance.now() - g;
      say(`importing ${fmt(summary.rows)} rows…`);
      const report = await importPortfolio(
        pool,
        { filePath: csv, fileName: 'portfolio.csv', format: 'csv' },
        { createdBy: 'bench' },
      );
      if (report.status !== 'succeeded') throw new Error(`import failed: ${report.failure}`);
      await seedDemoUsers(prisma);
      await assignUnownedSectors(prisma);
      importLine =
        `import     ${fmt(accounts)} accounts generated (${fmt(summary.accounts)} delinquent, ${fmt(summary.rows)} invoice rows) in ${(generatedMs / 1000).toFixed(1)} s, ` +
        `imported in ${(report.durationMs / 1000).toFixed(1)} s`;
      state = { ...state, imported: true };
      writeFileSync(stateFile, JSON.stringify(state));
    }
    say(importLine);

    // 2. Temporal and the worker.
    const server = await startBenchTemporal(config, {
      dbFile: path.join(args.dataDir, 'temporal.db'),
      logFile: path.join(args.dataDir, 'temporal.log'),
    });
    closers.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    // As deployed (CARTERA_WORKFLOW_BUNDLE): the worker loads a prebuilt bundle and does not
    // hold webpack's memory.
    const worker = await startWorker(
      server.address,
      db.url,
      config.workerCache,
      await writeWorkflowBundle(),
      path.join(args.dataDir, 'worker.log'),
    );
    closers.push(worker.stop);
    const workerPid = worker.child.pid!;
    say(`Temporal dev server pid ${server.pid} at ${server.address}, worker pid ${workerPid}`);
    const memoryLine = () =>
      `worker ${mib(processMemory(workerPid))}, server ${mib(processMemory(server.pid))}, load ${loadAverage()}`;

    // 3. Open.
    const existing = await count('SELECT count(*) AS n FROM "Case"');
    const selection = await selectCasesToOpen(pool, {
      policy: policy.policy,
      policyVersion: policy.version,
      asOf,
      openedBy: 'bench',
    });
    const ids = selection.inputs
      .map((x) => ({ id: x.accountId, number: x.accountNumber }))
      .sort((a, b) => a.number.localeCompare(b.number))
      .slice(0, Math.max(0, args.cases - existing))
      .map((x) => x.id);
    if (existing + ids.length < args.cases)
      say(`only ${fmt(existing + ids.length)} accounts to open: raise OPENED_SHARE_GUESS`);
    say(`opening ${fmt(ids.length)} cases (${fmt(existing)} already open)…`);
    const openStart = performance.now();
    // Stop starting new chunks at the earlier of --max-open-minutes and --open-until.
    const deadline = Math.min(
      args.maxOpenMinutes === undefined ? Infinity : openStart + args.maxOpenMinutes * 60_000,
      args.openUntil === undefined
        ? Infinity
        : openStart + (Date.parse(args.openUntil) - Date.now()),
    );
    let started = 0;
    let already = 0;
    const failures: string[] = [];
    let lastProgress = openStart;
    for (let i = 0; i < ids.length && performance.now() < deadline; i += CHUNK) {
      const report = await openCases(
        { pool, temporal: client, taskQueue: TASK_QUEUE },
        {
          policy: policy.policy,
          policyVersion: policy.version,
          asOf,
          openedBy: 'bench',
          concurrency: config.openConcurrency,
          accountIds: ids.slice(i, i + CHUNK),
          onProgress: (done) => {
            if (performance.now() - lastProgress < 30_000) return;
            lastProgress = performance.now();
            const n = started + done;
            const s = (performance.now() - openStart) / 1000;
            say(
              `  ${fmt(n)} started in ${s.toFixed(0)} s (${(n / s).toFixed(1)}/s); ${memoryLine()}`,
            );
          },
        },
      );
      started += report.opened;
      already += report.alreadyOpen;
      failures.push(...report.failed.map((f) => `${f.accountNumber}: ${f.error}`));
    }
    const openedMs = performance.now() - openStart;
    const target = existing + started + already;
    say(
      `starts done: ${fmt(started)} in ${(openedMs / 1000).toFixed(0)} s; waiting for the worker…`,
    );

    // Settled: every case row written, then case/task/notice counts still for 15 s.
    let last = '';
    let stillSince = performance.now();
    let settledMs = NaN;
    const settleDeadline = performance.now() + args.settleMinutes * 60_000;
    while (performance.now() < settleDeadline) {
      const counts = await pool.query<{ cases: string; tasks: string; notices: string }>(
        `SELECT (SELECT count(*) FROM "Case" WHERE status = 'open') AS cases,
                (SELECT count(*) FROM "Task") AS tasks,
                (SELECT count(*) FROM "Notice") AS notices`,
      );
      const c = counts.rows[0]!;
      const now = `${c.cases}/${c.tasks}/${c.notices}`;
      if (now !== last) {
        last = now;
        stillSince = performance.now();
      }
      if (Number(c.cases) >= target && performance.now() - stillSince >= 15_000) {
        settledMs = stillSince - openStart;
        break;
      }
      if (performance.now() - lastProgress >= 30_000) {
        lastProgress = performance.now();
        say(
          `  case rows ${fmt(Number(c.cases))} of ${fmt(target)}, tasks ${c.tasks}, notices ${c.notices}; ${memoryLine()}`,
        );
      }
      await sleep(2_000);
    }

    // 4. Memory and sizes.
    say('settled; 30 s for steady memory…');
    await sleep(30_000);
    const workerMem = processMemory(workerPid);
    const serverMem = processMemory(server.pid);
    const dbBytes = await count('SELECT pg_database_size(current_database()) AS n');
    const sqliteBytes = ['temporal.db', 'temporal.db-wal']
      .map((f) => path.join(args.dataDir, f))
      .filter((f) => existsSync(f))
      .reduce((sum, f) => sum + statSync(f).size, 0);
    const rows = {
      cases: await count(`SELECT count(*) AS n FROM "Case" WHERE status = 'open'`),
      tasks: await count(`SELECT count(*) AS n FROM "Task" WHERE status = 'open'`),
      events: await count('SELECT count(*) AS n FROM "CaseEvent"'),
      notices: await count('SELECT count(*) AS n FROM "Notice"'),
      accounts: await count('SELECT count(*) AS n FROM "Account"'),
    };

    // 5. The list routes next to their SQL.
    say('timing the list routes…');
    await pool.query('ANALYZE');
    const deps: AppDeps = {
      prisma,
      pool,
      temporal: client,
      taskQueue: TASK_QUEUE,
      namespace: server.namespace,
      log: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })),
      policy: async () => policy,
      uploadDir: os.tmpdir(),
      validateResponses: false,
    };
    const app = await listen(deps);
    closers.push(app.close);
    const capturer = await listen({ ...deps, prisma: capture.prisma });
    closers.push(capturer.close);
    const tokens = async (port: number): Promise<Record<BenchRole, string>> => ({
      manager: await login(port, USERS.manager, DEMO_PASSWORD),
      collector: await login(port, USERS.collector, DEMO_PASSWORD),
    });
    const replays = await captureReplays(
      SCENARIOS,
      capturer.port,
      await tokens(capturer.port),
      capture,
    );
    const measured: Measured[] = await measureScenarios(SCENARIOS, {
      port: app.port,
      pool,
      tokens: await tokens(app.port),
      replays,
      requests: args.requests,
      warmup: args.warmup,
    });

    // Report.
    const total = existing + started + already;
    const all = total >= args.cases;
    const f1 = (n: number, w = 8) => n.toFixed(1).padStart(w);
    const w = Math.max(...measured.map((m) => m.name.length)) + 1;
    const out = [
      ...machine,
      `scale      ${fmt(total)} open case workflows (target ${fmt(args.cases)}${all ? '' : ', NOT REACHED'}); ` +
        `${fmt(rows.accounts)} accounts, ${fmt(rows.cases)} open case rows, ${fmt(rows.tasks)} open tasks, ${fmt(rows.events)} case events, ${fmt(rows.notices)} notices`,
      importLine,
      `open       ${fmt(started)} started in ${(openedMs / 1000).toFixed(0)} s = ${(started / (openedMs / 1000)).toFixed(1)}/s ` +
        `(openCases in chunks of ${fmt(CHUNK)}, concurrency ${config.openConcurrency}, worker polling throughout)` +
        (already ? `; ${fmt(already)} were already started (resume)` : '') +
        (failures.length ? `; ${failures.length} FAILED, first: ${failures[0]}` : ''),
      `settled    ${Number.isNaN(settledMs) ? `NOT within ${args.settleMinutes} min` : `${(settledMs / 1000).toFixed(0)} s after the first start = ${(started / (settledMs / 1000)).toFixed(1)} cases/s (case row, first task and notice written)`}`,
      `memory     worker ${mib(workerMem)} (cache ${config.workerCache} workflows); Temporal dev server ${mib(serverMem)}; steady = 30 s after ${Number.isNaN(settledMs) ? 'the settle wait ended (worker still busy)' : 'settling'}`,
      `storage    PostgreSQL database ${fmt(dbBytes / 2 ** 20)} MiB; Temporal SQLite ${fmt(sqliteBytes / 2 ** 20)} MiB`,
      '',
      `list routes through the real app (${args.requests} requests each, alternated one to one with the same SQL replayed through pg)`,
      `${''.padEnd(w)}${'total'.padStart(9)}${'API p50'.padStart(9)}${'p95'.padStart(8)}${'SQL p50'.padStart(9)}${'p95'.padStart(8)}   ratio p95 (≤ 3)`,
      ...measured.map((m) => {
        const ratio = m.app.p95 / m.sql.p95;
        return `${m.name.padEnd(w)}${(m.total === undefined ? '' : fmt(m.total)).padStart(9)}${f1(m.app.p50, 9)}${f1(m.app.p95)}${f1(m.sql.p50, 9)}${f1(m.sql.p95)}   ${ratio.toFixed(2)} ${ratio <= 3 ? 'met' : 'MISSED'}`;
      }),
      '',
      `run ${((performance.now() - runStarted) / 1000).toFixed(0)} s; load average ${loadAtStart} at start, ${loadAverage()} at end`,
    ];
    const text = `${out.join('\n')}\n`;
    writeFileSync(resultFile, text);
    process.stdout.write(text);
    finished = true;
    // Reached = every case started *and* opened by the worker (its row written), the worker alive.
    const workerAlive = worker.child.exitCode === null && worker.child.signalCode === null;
    return all && !Number.isNaN(settledMs) && rows.cases >= args.cases && workerAlive ? 0 : 1;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    agent.destroy();
    await prisma.$disconnect();
    await capture.prisma.$disconnect();
    await pool.end();
    if (finished && !args.keep) {
      await db.drop();
      for (const f of [
        'temporal.db',
        'temporal.db-wal',
        'temporal.db-shm',
        'state.json',
        'portfolio.csv',
      ])
        rmSync(path.join(args.dataDir, f), { force: true });
    } else say(`kept database ${db.name} and ${args.dataDir} (--resume continues)`);
  }
}

process.exitCode = await main(process.argv.slice(2));
