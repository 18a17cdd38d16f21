/**
 * What the HTTP API adds on top of PostgreSQL for the two list routes, with 100,000 open cases.
 *
 *   npm run bench:api -- [--requests 300] [--warmup 30] [--accounts 100000] [--keep-db] [--show-sql]
 *
 * On a throwaway database (on DATABASE_URL's server, else the local 127.0.0.1:5432), migrated
 * with `prisma migrate deploy`, a Machala portfolio is bulk-loaded with INSERT … SELECT
 * generate_series (accounts in the seven parishes, 1–6 invoices each, one open case per account
 * with a plausible stage/priority/balance, ~15% older closed cases, 40 collectors assigned by
 * sector and route, one open task per open case plus the done ones of their history, due dates
 * around now). The real app (`createApp`, production settings: responses not re-validated,
 * pino at info into /dev/null) listens on 127.0.0.1; no Temporal server is involved because
 * neither list route nor sign-in touches it (the client passed in throws if anything does).
 *
 * For each scenario it times N requests over HTTP keep-alive, alternated one to one with the
 * SAME statements Prisma issued for that request (captured once through Prisma's query log,
 * counts for pagination included, session lookup left out) replayed through pg the way Prisma
 * runs them (counts next to the list query, the list's relation loads in parallel after it).
 * It prints p50/p95/p99 and the ratio API p95 / SQL p95 (target ≤ 3, issue 7), EXPLAIN
 * (ANALYZE, BUFFERS) of the slowest statements, then creates the proposed indexes and measures
 * again. Some indexes only help once a route changes shape (one join instead of three, no
 * visibility join on scoped inboxes): those changes are measured as their Prisma calls and SQL,
 * without and with the indexes, next to the route as it is.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { pino } from 'pino';
import { z } from 'zod';
import { ensurePolicy } from '../store/policy.js';
import type { AppDeps } from '../api/deps.js';
import { loadConfig } from '../config/index.js';
import { createPrisma, type Prisma, type PrismaClient } from '../prisma/client.js';
import { dropDatabase, ensureDatabase } from '../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../scripts/system.js';
import {
  SERIES_BUDGET_MS,
  agent,
  capturingPrisma,
  captureReplays,
  label,
  listen,
  login,
  measureScenarios as measureScenarioList,
  pairedSeries,
  percentiles,
  progress,
  replay,
  replayOf,
  statementsOf,
  type BenchRole,
  type Measured,
  type Replay,
  type Scenario,
  type Statement,
} from './http-lists.js';
import { LEGAL, MANAGERS, PASSWORD, SECTORS, loadPortfolio, type BenchUsers } from './portfolio.js';

const DEFAULT_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Connections of the app's Prisma pool and of the raw pool: the start script's default. */
const POOL_SIZE = 10;

const argsSchema = z.object({
  requests: z.coerce.number().int().min(10).default(300),
  warmup: z.coerce.number().int().min(0).default(30),
  accounts: z.coerce.number().int().min(1_000).max(1_000_000).default(100_000),
  keepDb: z.boolean().default(false),
  showSql: z.boolean().default(false),
});
type Args = z.infer<typeof argsSchema>;

// ---------------------------------------------------------------------------------------------
// The indexes this bench proposes (measured without and with).

interface ProposedIndex {
  name: string;
  /** What creates it (an extension first where it needs one). */
  sql: string[];
  /** An index of the current schema it makes redundant, dropped with it. */
  replaces?: string;
  /** Indexes that, if the migrations already create them, make this one unnecessary. */
  equivalents?: string[];
  why: string;
  /** The same index in prisma/schema.prisma, so `migrate dev` keeps it. */
  prisma: string;
}

const PROPOSED_INDEXES: ProposedIndex[] = [
  {
    name: 'Case_status_priority_openedAt_id_idx',
    sql: [
      'CREATE INDEX "Case_status_priority_openedAt_id_idx" ON "Case" ("status", "priority" DESC, "openedAt", "id")',
    ],
    replaces: 'Case_status_priority_idx',
    why: 'the full ORDER BY of the case list (priority, openedAt, id): pages come off the index, no incremental sort',
    prisma:
      'Case: @@index([status, priority(sort: Desc), openedAt, id]) in place of @@index([status, priority(sort: Desc)])',
  },
  {
    name: 'Case_assignedCollectorId_status_priority_openedAt_id_idx',
    sql: [
      'CREATE INDEX "Case_assignedCollectorId_status_priority_openedAt_id_idx" ON "Case" ("assignedCollectorId", "status", "priority" DESC, "openedAt", "id")',
    ],
    replaces: 'Case_assignedCollectorId_status_priority_idx',
    why: "the same for a collector's own cases: the first page straight off the index",
    prisma:
      'Case: @@index([assignedCollectorId, status, priority(sort: Desc), openedAt, id]) in place of @@index([assignedCollectorId, status, priority(sort: Desc)])',
  },
  {
    name: 'Task_status_dueAt_priority_id_idx',
    sql: [
      'CREATE INDEX "Task_status_dueAt_priority_id_idx" ON "Task" ("status", "dueAt", "priority" DESC, "id")',
    ],
    equivalents: ['Task_status_dueAt_priority_idx'],
    why: 'open/overdue tasks of every role (supervision) in inbox order: the page is the first 50 index entries instead of a sort of all overdue tasks',
    prisma: 'Task: @@index([status, dueAt, priority(sort: Desc), id])',
  },
  {
    name: 'Account_search_trgm_idx',
    sql: [
      'CREATE EXTENSION IF NOT EXISTS pg_trgm',
      'CREATE INDEX "Account_search_trgm_idx" ON "Account" USING gin ("number" gin_trgm_ops, "holderId" gin_trgm_ops, "holderName" gin_trgm_ops)',
    ],
    why: 'text search: prefix of account/cédula, part of the holder name; only usable once the route filters ONE account relation (route change 1)',
    prisma:
      'Account: @@index([number(ops: raw("gin_trgm_ops")), holderId(ops: raw("gin_trgm_ops")), holderName(ops: raw("gin_trgm_ops"))], type: Gin, map: "Account_search_trgm_idx"); the migration starts with CREATE EXTENSION IF NOT EXISTS pg_trgm',
  },
  {
    name: 'Task_status_role_assigneeId_dueAt_idx',
    sql: [
      'CREATE INDEX "Task_status_role_assigneeId_dueAt_idx" ON "Task" ("status", "role", "assigneeId", "dueAt")',
    ],
    why: "a role's shared inbox (unassigned): index-only counts; only once the route drops the visibility join for scoped lists (route change 3)",
    prisma: 'Task: @@index([status, role, assigneeId, dueAt])',
  },
];

// ---------------------------------------------------------------------------------------------
// What is measured.

const SCENARIOS: Scenario[] = [
  { name: 'me (session check only)', as: 'manager', path: '/api/me', authOnly: true },
  { name: 'cases default page', as: 'manager', path: '/api/cases' },
  { name: 'cases default page', as: 'collector', path: '/api/cases' },
  { name: 'cases q=zambrano', as: 'manager', path: '/api/cases?q=zambrano' },
  { name: 'cases stage=credit_title', as: 'manager', path: '/api/cases?stage=credit_title' },
  { name: 'cases page=1000 (OFFSET)', as: 'manager', path: '/api/cases?page=1000' },
  { name: 'tasks scope=mine', as: 'collector', path: '/api/tasks?scope=mine' },
  { name: 'tasks (all visible)', as: 'collector', path: '/api/tasks' },
  { name: 'tasks scope=role (inbox)', as: 'collector', path: '/api/tasks?scope=role' },
  { name: 'tasks status=overdue', as: 'manager', path: '/api/tasks?status=overdue' },
];

const caseInclude = {
  account: {
    select: {
      number: true,
      holderName: true,
      holderId: true,
      sector: true,
      route: true,
      category: true,
    },
  },
  assignedCollector: { select: { id: true, displayName: true } },
} satisfies Prisma.CaseInclude;
const caseOrder: Prisma.CaseOrderByWithRelationInput[] = [
  { priority: 'desc' },
  { openedAt: 'asc' },
  { id: 'asc' },
];
const taskInclude = {
  assignee: { select: { id: true, displayName: true } },
  case: {
    select: {
      id: true,
      stage: true,
      balanceCents: true,
      account: { select: { number: true, holderName: true } },
    },
  },
} satisfies Prisma.TaskInclude;
const taskOrder: Prisma.TaskOrderByWithRelationInput[] = [
  { dueAt: 'asc' },
  { priority: 'desc' },
  { id: 'asc' },
];

/** A task page as the route builds it, with the total taken from the matching counter. */
function taskPage(prisma: PrismaClient, base: Prisma.TaskWhereInput, overdueOnly: boolean) {
  const open: Prisma.TaskWhereInput = { AND: [base, { status: 'open' }] };
  const overdue: Prisma.TaskWhereInput = {
    AND: [base, { status: 'open', dueAt: { lt: new Date() } }],
  };
  return Promise.all([
    prisma.task.count({ where: open }),
    prisma.task.count({ where: overdue }),
    prisma.task.findMany({
      where: overdueOnly ? overdue : open,
      include: taskInclude,
      orderBy: taskOrder,
      skip: 0,
      take: 50,
    }),
  ]);
}

/**
 * A change to a list route, measured as its Prisma calls (no HTTP) and their SQL: the data
 * access of the route with the change, for the same page as the matching scenario.
 */
interface RouteChange {
  name: string;
  as: BenchRole;
  change: string;
  run: (prisma: PrismaClient, users: BenchUsers) => Promise<unknown>;
}

const ROUTE_CHANGES: RouteChange[] = [
  {
    name: '1 cases q=zambrano',
    as: 'manager',
    change:
      'one relation filter `account: { OR: [...] }` instead of an OR of three (one join, not three)',
    run: (prisma) => {
      const q = 'zambrano';
      const where: Prisma.CaseWhereInput = {
        AND: [
          { status: 'open' },
          {
            account: {
              OR: [
                { number: { startsWith: q } },
                { holderId: { startsWith: q } },
                { holderName: { contains: q, mode: 'insensitive' } },
              ],
            },
          },
        ],
      };
      return Promise.all([
        prisma.case.count({ where }),
        prisma.case.findMany({
          where,
          include: caseInclude,
          orderBy: caseOrder,
          skip: 0,
          take: 50,
        }),
      ]);
    },
  },
  {
    name: '2 cases default page',
    as: 'manager',
    change: 'no exact count(*): take pageSize + 1 for "has more" (or a cached/estimated total)',
    run: (prisma) =>
      prisma.case.findMany({
        where: { AND: [{ status: 'open' }] },
        include: caseInclude,
        orderBy: caseOrder,
        skip: 0,
        take: 51,
      }),
  },
  {
    name: '3 tasks scope=mine',
    as: 'collector',
    change:
      'scoped lists skip the visibility OR (the scope implies it: no join with Case); 2 counts, not 3',
    run: (prisma, u) => taskPage(prisma, { role: 'collector', assigneeId: u.collector }, false),
  },
  {
    name: '3 tasks scope=role (inbox)',
    as: 'collector',
    change: 'same as above for the shared inbox',
    run: (prisma) => taskPage(prisma, { role: 'collector', assigneeId: null }, false),
  },
  {
    name: '4 tasks status=overdue',
    as: 'manager',
    change: 'total = the overdue counter (the route counts the same rows twice): 2 counts, not 3',
    run: (prisma) => taskPage(prisma, {}, true),
  },
];

// ---------------------------------------------------------------------------------------------
// EXPLAIN summaries.

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  'Subplan Name'?: string;
  'Sort Method'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Actual Total Time': number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

interface Explained {
  ms: number;
  plan: PlanNode;
  indexes: Set<string>;
}

async function explain(pool: pg.Pool, s: Statement, analyze: boolean): Promise<Explained> {
  const opts = analyze ? 'ANALYZE, BUFFERS, FORMAT JSON' : 'FORMAT JSON';
  const r = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time'?: number }] }>(
    `EXPLAIN (${opts}) ${s.sql}`,
    s.params,
  );
  const top = r.rows[0]!['QUERY PLAN'][0];
  const indexes = new Set<string>();
  const walk = (n: PlanNode) => {
    if (n['Index Name']) indexes.add(n['Index Name']);
    n.Plans?.forEach(walk);
  };
  walk(top.Plan);
  return { ms: top['Execution Time'] ?? 0, plan: top.Plan, indexes };
}

function planLines(node: PlanNode, maxLines: number): string[] {
  const out: string[] = [];
  const visit = (n: PlanNode, depth: number) => {
    if (out.length >= maxLines) return;
    const parts = [n['Node Type']];
    if (n['Subplan Name']) parts.unshift(`${n['Subplan Name']}:`);
    if (n['Relation Name'])
      parts.push(
        `on ${n['Relation Name']}${n.Alias && n.Alias !== n['Relation Name'] ? ` ${n.Alias}` : ''}`,
      );
    if (n['Index Name']) parts.push(`using ${n['Index Name']}`);
    if (n['Sort Method']) parts.push(`(${n['Sort Method']})`);
    const loops = n['Actual Loops'] > 1 ? `×${n['Actual Loops']}` : '';
    const removed = n['Rows Removed by Filter'] ? ` filtered=${n['Rows Removed by Filter']}` : '';
    const read = n['Shared Read Blocks'] ? ` read=${n['Shared Read Blocks']}` : '';
    out.push(
      `${'  '.repeat(depth)}${parts.join(' ')}  rows=${n['Actual Rows']}${loops} ` +
        `${n['Actual Total Time'].toFixed(1)} ms${removed} hit=${n['Shared Hit Blocks'] ?? 0}${read}`,
    );
    n.Plans?.forEach((p) => visit(p, depth + 1));
  };
  visit(node, 0);
  return out;
}

/** A statement shortened for print: the select list of the outer query becomes `…`. */
function shortSql(sql: string): string {
  return sql
    .replace(/^SELECT\s+(?!COUNT\().*?\s+FROM\s+/is, 'SELECT … FROM ')
    .replace(/"public"\./g, '')
    .replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// The run.

interface Context {
  port: number;
  pool: pg.Pool;
  prisma: PrismaClient;
  users: BenchUsers;
  tokens: Record<BenchRole, string>;
  replays: Map<string, Replay>;
  args: Args;
}

const measureScenarios = (ctx: Context) =>
  measureScenarioList(SCENARIOS, {
    port: ctx.port,
    pool: ctx.pool,
    tokens: ctx.tokens,
    replays: ctx.replays,
    requests: ctx.args.requests,
    warmup: ctx.args.warmup,
  });

async function measureRouteChanges(ctx: Context): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const c of ROUTE_CHANGES) {
    const r = ctx.replays.get(label(c))!;
    const [appMs, sqlMs] = await pairedSeries(
      ctx.args.requests,
      ctx.args.warmup,
      () => c.run(ctx.prisma, ctx.users),
      () => replay(ctx.pool, r),
    );
    out.push({
      name: label(c),
      app: percentiles(appMs),
      sql: percentiles(sqlMs),
      total: undefined,
    });
    progress(out[out.length - 1]!);
  }
  return out;
}

const f1 = (n: number, w = 7) => n.toFixed(1).padStart(w);

function scenarioTable(before: Measured[], after: Measured[]): string[] {
  const w = Math.max(...before.map((r) => r.name.length)) + 1;
  const head =
    `${''.padEnd(w)}${'total'.padStart(8)} │${'API p50'.padStart(8)}${'p95'.padStart(7)}${'p99'.padStart(7)}` +
    `${'SQL p50'.padStart(8)}${'p95'.padStart(7)}${'ratio'.padStart(7)} │${'API p50'.padStart(8)}${'p95'.padStart(7)}` +
    `${'p99'.padStart(7)}${'SQL p50'.padStart(8)}${'p95'.padStart(7)}${'ratio'.padStart(7)}`;
  const half = (m: Measured) => {
    const ratio = m.app.p95 / m.sql.p95;
    return `${f1(m.app.p50, 8)}${f1(m.app.p95)}${f1(m.app.p99)}${f1(m.sql.p50, 8)}${f1(m.sql.p95)}${ratio.toFixed(2).padStart(6)}${ratio <= 3 ? ' ' : '!'}`;
  };
  return [
    `${''.padEnd(w + 9)}│ ${'without the proposed indexes (ms)'.padEnd(43)}│ with the proposed indexes (ms)`,
    head,
    ...before.map(
      (b, i) =>
        `${b.name.padEnd(w)}${(b.total === undefined ? '' : b.total.toLocaleString('en-US')).padStart(8)} │${half(b)}│${half(after[i]!)}`,
    ),
    `${''.padEnd(w + 9)}  ratio = API p95 / SQL p95, target ≤ 3 (issue 7); ! = missed`,
  ];
}

function changeTable(before: Measured[], after: Measured[], current: Measured[]): string[] {
  const w = Math.max(...before.map((r) => r.name.length)) + 1;
  return [
    `${''.padEnd(w)}│ now (route as is)  │ changed, without idx │ changed, with idx`,
    `${''.padEnd(w)}│${'API p95'.padStart(9)}${'SQL p95'.padStart(9)}  │${'Prisma p95'.padStart(11)}${'SQL p95'.padStart(9)}  │${'Prisma p95'.padStart(11)}${'SQL p95'.padStart(9)}`,
    ...before.map((b, i) => {
      const a = after[i]!;
      const c = current.find((m) => m.name === b.name.slice(2));
      const now = c ? `${f1(c.app.p95, 9)}${f1(c.sql.p95, 9)}` : ''.padStart(18);
      return `${b.name.padEnd(w)}│${now}  │${f1(b.app.p95, 11)}${f1(b.sql.p95, 9)}  │${f1(a.app.p95, 11)}${f1(a.sql.p95, 9)}`;
    }),
  ];
}

/** No Temporal: the list routes and sign-in never reach it; anything that does fails loudly. */
const noTemporal = new Proxy(
  {},
  {
    get: (_t, prop) => {
      if (prop === 'then') return undefined;
      throw new Error(`bench: the routes under test reached Temporal (client.${String(prop)})`);
    },
  },
) as Client;

function parseCli(argv: string[]): Args | string {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        requests: { type: 'string' },
        warmup: { type: 'string' },
        accounts: { type: 'string' },
        'keep-db': { type: 'boolean' },
        'show-sql': { type: 'boolean' },
      },
    });
    const parsed = argsSchema.safeParse({
      requests: values.requests,
      warmup: values.warmup,
      accounts: values.accounts,
      keepDb: values['keep-db'],
      showSql: values['show-sql'],
    });
    if (!parsed.success) return z.prettifyError(parsed.error);
    return parsed.data;
  } catch (err) {
    return (err as Error).message;
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (typeof args === 'string') {
    process.stderr.write(
      `error: ${args}\nusage: npm run bench:api -- [--requests 300] [--warmup 30] [--accounts 100000] [--keep-db] [--show-sql]\n`,
    );
    return 2;
  }
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const config = loadConfig();
  const adminUrl = withDatabase(config.database.url ?? DEFAULT_SERVER, 'postgres');
  const dbName = `cartera_bench_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, dbName);
  const url = withDatabase(adminUrl, dbName);
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  const prisma = createPrisma(url, POOL_SIZE);
  const capture = capturingPrisma(url, POOL_SIZE);
  const closers: (() => Promise<void>)[] = [];
  try {
    await runPrisma(['migrate', 'deploy'], url);
    const serverVersion = (await pool.query<{ server_version: string }>('SHOW server_version'))
      .rows[0]!.server_version;
    const policy = await ensurePolicy(prisma, undefined);

    process.stderr.write(`loading ${args.accounts.toLocaleString('en-US')} accounts…\n`);
    const load = await loadPortfolio(pool, args.accounts);

    const deps: AppDeps = {
      prisma,
      pool,
      temporal: noTemporal,
      taskQueue: 'bench',
      namespace: 'default',
      log: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false })),
      policy: async () => policy,
      uploadDir: os.tmpdir(),
      validateResponses: false,
    };
    const app = await listen(deps);
    closers.push(app.close);
    const capturer = await listen({ ...deps, prisma: capture.prisma });
    closers.push(capturer.close);

    const usernames: Record<BenchRole, string> = {
      manager: 'manager-1',
      collector: 'collector-01',
    };
    const tokens: Record<BenchRole, string> = {
      manager: await login(app.port, usernames.manager, PASSWORD),
      collector: await login(app.port, usernames.collector, PASSWORD),
    };
    const captureTokens: Record<BenchRole, string> = {
      manager: await login(capturer.port, usernames.manager, PASSWORD),
      collector: await login(capturer.port, usernames.collector, PASSWORD),
    };

    // The SQL of each request and of each route change, from Prisma's own query log.
    const replays = await captureReplays(SCENARIOS, capturer.port, captureTokens, capture);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    for (const c of ROUTE_CHANGES) {
      capture.take();
      await c.run(capture.prisma, load);
      await settle();
      replays.set(label(c), replayOf(capture.take()));
    }
    if (args.showSql)
      for (const [name, r] of replays)
        process.stderr.write(
          `\n-- ${name}\n${statementsOf(r)
            .map((s) => `${s.sql};\n-- ${JSON.stringify(s.params)}`)
            .join('\n')}\n`,
        );

    const ctx: Context = { port: app.port, pool, prisma, users: load, tokens, replays, args };
    process.stderr.write('without the proposed indexes:\n');
    const before = await measureScenarios(ctx);
    const changesBefore = await measureRouteChanges(ctx);

    // EXPLAIN every distinct statement of the routes; keep the slowest.
    const distinct = new Map<string, { who: string; statement: Statement; perRequest: number }>();
    for (const s of SCENARIOS) {
      if (s.authOnly) continue;
      for (const statement of statementsOf(replays.get(label(s))!)) {
        const key = `${statement.sql}\u0000${JSON.stringify(statement.params)}`;
        const seen = distinct.get(key);
        if (seen && seen.who === label(s)) seen.perRequest++;
        else if (!seen) distinct.set(key, { who: label(s), statement, perRequest: 1 });
      }
    }
    const explained: {
      who: string;
      statement: Statement;
      perRequest: number;
      before: Explained;
    }[] = [];
    for (const x of distinct.values())
      explained.push({ ...x, before: await explain(pool, x.statement, true) });
    const slowest = explained.sort((a, b) => b.before.ms - a.before.ms).slice(0, 7);

    process.stderr.write('creating the proposed indexes…\n');
    const built = new Map<string, { ms: number; bytes: number; presentAs?: string }>();
    for (const ix of PROPOSED_INDEXES) {
      const exists = async (name: string) =>
        (await pool.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [`"${name}"`]))
          .rows[0]!.r !== null;
      let presentAs: string | undefined;
      for (const name of [ix.name, ...(ix.equivalents ?? [])])
        if (!presentAs && (await exists(name))) presentAs = name;
      const t = performance.now();
      if (!presentAs) for (const sql of ix.sql) await pool.query(sql);
      const ms = performance.now() - t;
      if (!presentAs && ix.replaces && (await exists(ix.replaces)))
        await pool.query(`DROP INDEX "${ix.replaces}"`);
      const size = await pool.query<{ bytes: string }>(
        'SELECT pg_relation_size(to_regclass($1)) AS bytes',
        [`"${presentAs ?? ix.name}"`],
      );
      built.set(ix.name, { ms, bytes: Number(size.rows[0]?.bytes ?? 0), presentAs });
    }
    await pool.query('ANALYZE');
    process.stderr.write('with the proposed indexes:\n');
    const after = await measureScenarios(ctx);
    const changesAfter = await measureRouteChanges(ctx);

    const usedBy = new Map<string, string[]>();
    for (const [who, r] of replays)
      for (const statement of statementsOf(r)) {
        const e = await explain(pool, statement, false);
        for (const used of e.indexes) {
          const name = PROPOSED_INDEXES.find(
            (ix) => ix.name === used || built.get(ix.name)?.presentAs === used,
          )?.name;
          if (!name) continue;
          const list = usedBy.get(name) ?? [];
          if (!list.includes(who)) list.push(who);
          usedBy.set(name, list);
        }
      }
    const slowestAfter: Explained[] = [];
    for (const x of slowest) slowestAfter.push(await explain(pool, x.statement, true));

    // Report.
    const cpus = os.cpus();
    const fmt = (n: number) => n.toLocaleString('en-US');
    const k = load.counts;
    const out: string[] = [
      `machine    ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
        `node ${process.version}, PostgreSQL ${serverVersion}`,
      `portfolio  ${fmt(k.accounts!)} accounts in ${SECTORS.length} sectors, ${fmt(k.invoices!)} invoices, ` +
        `${fmt(k.openCases!)} open + ${fmt(k.closedCases!)} closed cases (${fmt(k.unassignedCases!)} open without collector),`,
      `           ${fmt(k.openTasks!)} open tasks (${fmt(k.overdueTasks!)} overdue) + ${fmt(k.doneTasks!)} done, ` +
        `${k.collectors} collectors, ${MANAGERS} managers, ${LEGAL} legal`,
      `load       ${(load.ms / 1000).toFixed(1)} s (INSERT … SELECT generate_series) + VACUUM ANALYZE ${(load.vacuumMs / 1000).toFixed(1)} s`,
      `users      manager = ${usernames.manager} (sees everything), collector = ${usernames.collector} (${fmt(load.collectorCases)} open cases)`,
      `method     ${args.requests} requests per series after ${args.warmup} warm-up (a series pair stops after ${SERIES_BUDGET_MS / 1000} s, at least 20),`,
      `           one at a time, API and SQL alternated; HTTP/1.1 keep-alive on 127.0.0.1, client in the same process;`,
      `           the app as in production (createApp, responses not re-validated, pino info → /dev/null, Prisma pool ${POOL_SIZE});`,
      `           SQL = the statements Prisma issued for that request (query log), session lookup excluded, replayed`,
      `           through pg (pool ${POOL_SIZE}) as Prisma runs them (counts ‖ list → relation loads in parallel)`,
      '',
      ...scenarioTable(before, after),
      '',
      'route changes (the route\'s Prisma calls with the change, no HTTP; "now" = the route as it is, with the indexes)',
      ...changeTable(changesBefore, changesAfter, after),
      ...ROUTE_CHANGES.filter(
        (c, i, all) => all.findIndex((d) => d.name[0] === c.name[0]) === i,
      ).map((c) => `  ${c.name[0]}: ${c.change}`),
      '',
      'slowest statements of the routes as they are (EXPLAIN ANALYZE, BUFFERS): without → with the proposed indexes',
    ];
    slowest.forEach((x, i) => {
      const a = slowestAfter[i]!;
      out.push(
        '',
        `${i + 1}. ${x.who}${x.perRequest > 1 ? ` (${x.perRequest}× per request)` : ''}: ` +
          `${x.before.ms.toFixed(1)} ms → ${a.ms.toFixed(1)} ms`,
        `   ${shortSql(x.statement.sql).slice(0, 600)}`,
        '   without:',
        ...planLines(x.before.plan, 10).map((l) => `     ${l}`),
        '   with:',
        ...planLines(a.plan, 6).map((l) => `     ${l}`),
      );
    });
    out.push('', 'proposed indexes');
    for (const ix of PROPOSED_INDEXES) {
      const b = built.get(ix.name);
      const usage = `used by: ${usedBy.get(ix.name)?.join('; ') ?? 'nothing'}`;
      out.push(
        ...ix.sql.map((s) => `  ${s};`),
        ...(ix.replaces ? [`  DROP INDEX "${ix.replaces}";`] : []),
        `    -- ${ix.why}`,
        b?.presentAs
          ? `    -- ALREADY IN THE MIGRATIONS as "${b.presentAs}" (nothing created; both phases have it); ${usage}`
          : `    -- ${((b?.bytes ?? 0) / 2 ** 20).toFixed(1)} MiB, built in ${((b?.ms ?? 0) / 1000).toFixed(1)} s; ${usage}`,
        `    -- ${ix.prisma}`,
      );
    }
    out.push(
      '',
      `run ${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ` +
        `${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end (other work on the machine makes p95/p99 noisy); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    for (const close of closers.reverse()) await close();
    agent.destroy();
    await prisma.$disconnect();
    await capture.prisma.$disconnect();
    await pool.end();
    if (args.keepDb) process.stderr.write(`kept database ${url}\n`);
    else await dropDatabase(adminUrl, dbName);
  }
}

process.exitCode = await main(process.argv.slice(2));
