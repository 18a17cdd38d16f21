/**
 * Timing of the list routes next to their SQL, shared by bench/api-lists.ts and
 * bench/open-cases-100k.ts: requests to the real app over HTTP keep-alive, the statements
 * Prisma issued for each request (query log) replayed through pg the way Prisma runs them,
 * the two alternated one to one, and their percentiles.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { z } from 'zod';
import { createApp } from '../api/app.js';
import type { AppDeps } from '../api/deps.js';
import { PrismaClient } from '../prisma/client.js';

/** A pair of series (API and SQL, alternated) stops early once it has run this long. */
export const SERIES_BUDGET_MS = 20_000;
/** Warm-up stops after this long. */
export const WARMUP_BUDGET_MS = 3_000;

export type BenchRole = 'manager' | 'collector';

/** A request to the real app. */
export interface Scenario {
  name: string;
  as: BenchRole;
  path: string;
  /** The route does nothing but check the session: its SQL is the session lookup. */
  authOnly?: boolean;
}

export interface Measured {
  name: string;
  /** HTTP request (scenarios) or the Prisma calls alone (route changes). */
  app: Percentiles;
  sql: Percentiles;
  total: number | undefined;
}

export const label = (s: { name: string; as: BenchRole }) => `${s.name} (${s.as})`;

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * The statements of one request as Prisma runs them: the counts next to the list query
 * (Promise.all in the route), then the list's relation loads in parallel (Prisma's `join`
 * node), a nested one after its parent (a task's account after its case).
 */
export interface Replay {
  counts: Statement[];
  main: Statement | undefined;
  children: Statement[][];
}

const fromTable = (s: Statement) => /^SELECT .*? FROM "public"\."(\w+)"/s.exec(s.sql)?.[1];

export function replayOf(statements: Statement[]): Replay {
  const counts = statements.filter((s) => /^\s*SELECT\s+COUNT\(/i.test(s.sql));
  const [main, ...rest] = statements.filter((s) => !counts.includes(s));
  const children: Statement[][] = [];
  for (const s of rest) {
    const parent = children.find((chain) => fromTable(chain[chain.length - 1]!) === 'Case');
    if (fromTable(s) === 'Account' && parent && fromTable(main!) !== 'Case') parent.push(s);
    else children.push([s]);
  }
  return { counts, main, children };
}

export const statementsOf = (r: Replay) => [
  ...r.counts,
  ...(r.main ? [r.main] : []),
  ...r.children.flat(),
];

export async function replay(pool: pg.Pool, r: Replay): Promise<void> {
  const list = async () => {
    if (!r.main) return;
    await pool.query(r.main.sql, r.main.params);
    await Promise.all(
      r.children.map(async (chain) => {
        for (const s of chain) await pool.query(s.sql, s.params);
      }),
    );
  };
  await Promise.all([...r.counts.map((s) => pool.query(s.sql, s.params)), list()]);
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

export function request(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  opts: { token?: string; json?: unknown } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function login(port: number, username: string, password: string): Promise<string> {
  const r = await request(port, 'POST', '/api/auth/login', {
    json: { username, password },
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.body}`);
  return z.object({ token: z.string() }).parse(JSON.parse(r.body)).token;
}

/**
 * Warm-up, then `n` timed runs of `a` and of `b`, alternated so that both see the same load on
 * the machine (fewer if the series budget runs out). Each run is timed alone, one at a time.
 */
export async function pairedSeries(
  n: number,
  warmup: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number[], number[]]> {
  const warmEnd = performance.now() + WARMUP_BUDGET_MS;
  for (let i = 0; i < warmup && performance.now() < warmEnd; i++) {
    await a();
    await b();
  }
  const timesA: number[] = [];
  const timesB: number[] = [];
  const deadline = performance.now() + SERIES_BUDGET_MS;
  while (timesA.length < n && (timesA.length < 20 || performance.now() < deadline)) {
    let t = performance.now();
    await a();
    timesA.push(performance.now() - t);
    t = performance.now();
    await b();
    timesB.push(performance.now() - t);
  }
  return [timesA, timesB];
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentiles(ms: number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99) };
}

/** Prisma with its query log on: each statement with its parameters, taken per request. */
export function capturingPrisma(
  url: string,
  poolSize: number,
): { prisma: PrismaClient; take: () => Statement[] } {
  const client = new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: poolSize }),
    log: [{ emit: 'event', level: 'query' }],
  });
  let seen: Statement[] = [];
  client.$on('query', (e) => {
    seen.push({ sql: e.query, params: z.array(z.unknown()).parse(JSON.parse(e.params)) });
  });
  return {
    prisma: client as unknown as PrismaClient,
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

/** The session lookup of every authenticated request (Session, then its User). */
export const isSessionLookup = (s: Statement) =>
  /FROM "public"\."Session"/.test(s.sql) || /"public"\."User"\."passwordHash"/.test(s.sql);

export function progress(m: Measured) {
  process.stderr.write(
    `  ${m.name.padEnd(42)} app p95 ${m.app.p95.toFixed(1).padStart(6)} ms (n=${m.app.n}), ` +
      `SQL p95 ${m.sql.p95.toFixed(1).padStart(6)} ms (n=${m.sql.n})\n`,
  );
}

export interface ScenarioContext {
  port: number;
  pool: pg.Pool;
  tokens: Record<BenchRole, string>;
  replays: Map<string, Replay>;
  requests: number;
  warmup: number;
}

/** Each scenario: `requests` HTTP requests alternated with the replay of their SQL. */
export async function measureScenarios(
  scenarios: Scenario[],
  ctx: ScenarioContext,
): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const s of scenarios) {
    const token = ctx.tokens[s.as];
    let last = { status: 0, body: '' };
    const r = ctx.replays.get(label(s))!;
    const [appMs, sqlMs] = await pairedSeries(
      ctx.requests,
      ctx.warmup,
      async () => {
        last = await request(ctx.port, 'GET', s.path, { token });
        if (last.status !== 200) throw new Error(`${s.path}: ${last.status} ${last.body}`);
      },
      () => replay(ctx.pool, r),
    );
    const total = z.object({ total: z.number() }).safeParse(JSON.parse(last.body));
    out.push({
      name: label(s),
      app: percentiles(appMs),
      sql: percentiles(sqlMs),
      total: total.success ? total.data.total : undefined,
    });
    progress(out[out.length - 1]!);
  }
  return out;
}

/**
 * The SQL of each scenario's request, from Prisma's query log on a second app instance
 * (`capturerPort`, built over `capture.prisma`); session lookup left out.
 */
export async function captureReplays(
  scenarios: Scenario[],
  capturerPort: number,
  tokens: Record<BenchRole, string>,
  capture: { take: () => Statement[] },
): Promise<Map<string, Replay>> {
  const replays = new Map<string, Replay>();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  for (const s of scenarios) {
    capture.take();
    const r = await request(capturerPort, 'GET', s.path, { token: tokens[s.as] });
    if (r.status !== 200) throw new Error(`${s.path}: ${r.status} ${r.body}`);
    await settle();
    const seen = capture.take();
    replays.set(label(s), replayOf(s.authOnly ? seen : seen.filter((x) => !isSessionLookup(x))));
  }
  return replays;
}

/** The app on a free loopback port. */
export async function listen(deps: AppDeps): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
