/**
 * The monthly portfolio report over 100,000 cases, next to the bare SQL aggregate.
 *
 *   npm run bench:report -- [--runs 20] [--accounts 100000] [--keep-db]
 *
 * On a throwaway database (DATABASE_URL's server, else the local 127.0.0.1:5432), migrated with
 * `prisma migrate deploy`, the bench portfolio is bulk-loaded (bench/portfolio.ts), then last
 * month's activity: payments on about a third of the open cases and a contact by the collector on
 * half of them (a fifth of those promises to pay).
 *
 * Three series, alternated run by run so that load on the machine hits them alike:
 *   - report: every KPI query of the month (reports/kpis.ts through reports/export.ts
 *     `buildReport('cartera')`, what GET /api/reports/cartera.xlsx runs) and the XLSX build;
 *   - queries: the same KPI queries without the XLSX;
 *   - bare SQL: one aggregate statement through pg (open cases and balance by stage, last
 *     month's payments), the floor any report over these tables pays.
 * Prints p50/p95 of each and the ratios to the bare aggregate.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { ensurePolicy } from '../store/policy.js';
import { loadConfig } from '../config/index.js';
import { addCalendarDays, toLocalDate } from '../domain/calendar.js';
import { createPrisma } from '../prisma/client.js';
import { buildReport, reportToXlsx } from '../reports/export.js';
import type { KpiScope } from '../reports/kpis.js';
import { dropDatabase, ensureDatabase } from '../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../scripts/system.js';
import { loadPortfolio } from './portfolio.js';

const DEFAULT_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';
const POOL_SIZE = 10;
const WARMUP = 3;

const argsSchema = z.object({
  runs: z.coerce.number().int().min(5).max(1_000).default(20),
  accounts: z.coerce.number().int().min(1_000).max(1_000_000).default(100_000),
  keepDb: z.boolean().default(false),
});
type Args = z.infer<typeof argsSchema>;

function parseCli(argv: string[]): Args | string {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        runs: { type: 'string' },
        accounts: { type: 'string' },
        'keep-db': { type: 'boolean' },
      },
    });
    const parsed = argsSchema.safeParse({
      runs: values.runs,
      accounts: values.accounts,
      keepDb: values['keep-db'],
    });
    return parsed.success ? parsed.data : z.prettifyError(parsed.error);
  } catch (err) {
    return (err as Error).message;
  }
}

/** Last month as a scope (Guayaquil dates), balances as of today. */
function lastMonth(today: string): KpiScope {
  const [y, m] = today.split('-').map(Number) as [number, number];
  const months = y * 12 + (m - 1) - 1;
  const from = `${Math.floor(months / 12)}-${String((months % 12) + 1).padStart(2, '0')}-01`;
  const to = addCalendarDays(`${today.slice(0, 7)}-01`, -1);
  return { from, to, today };
}

/** Payments and contacts of the month, in SQL like the rest of the portfolio. */
async function loadMonth(
  pool: pg.Pool,
  s: KpiScope,
): Promise<{ payments: number; contacts: number }> {
  const start = `${s.from}T05:00:00Z`; // 00:00 in Guayaquil
  const days = Number(s.to.slice(8, 10));
  const payments = await pool.query(
    `INSERT INTO "Payment" (id, reference, "accountId", "caseId", "amountCents", "paidAt", source)
     SELECT gen_random_uuid(), 'BENCH-' || c.id || '-' || k, c."accountId", c.id,
            greatest(100, (c."balanceCents" * (0.2 + 0.8 * random()) / k)::int),
            $1::timestamptz + random() * ($2::int * interval '1 day'), 'treasury'
     FROM (SELECT * FROM "Case" WHERE status = 'open' AND random() < 0.33) c
     CROSS JOIN LATERAL generate_series(1, 1 + (random() < 0.3)::int) AS k`,
    [start, days],
  );
  const contacts = await pool.query(
    `INSERT INTO "CaseEvent" ("eventKey", "caseId", type, stage, "occurredAt", actor, data)
     SELECT 'bench-contact-' || c.id, c.id, 'contact_recorded', c.stage,
            $1::timestamptz + random() * ($2::int * interval '1 day'), c."assignedCollectorId"::text,
            jsonb_build_object('outcome', CASE WHEN random() < 0.2 THEN 'promise_to_pay' ELSE 'unreachable' END)
     FROM "Case" c WHERE c.status = 'open' AND c."assignedCollectorId" IS NOT NULL AND random() < 0.5`,
    [start, days],
  );
  await pool.query('VACUUM (ANALYZE)');
  return { payments: payments.rowCount ?? 0, contacts: contacts.rowCount ?? 0 };
}

interface Percentiles {
  n: number;
  p50: number;
  p95: number;
}

function percentiles(ms: number[]): Percentiles {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { n: s.length, p50: at(50), p95: at(95) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (typeof args === 'string') {
    process.stderr.write(
      `error: ${args}\nusage: npm run bench:report -- [--runs 20] [--accounts 100000] [--keep-db]\n`,
    );
    return 2;
  }
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const config = loadConfig();
  const adminUrl = withDatabase(config.database.url ?? DEFAULT_SERVER, 'postgres');
  const dbName = `cartera_bench_report_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, dbName);
  const url = withDatabase(adminUrl, dbName);
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  const prisma = createPrisma(url, POOL_SIZE);
  try {
    await runPrisma(['migrate', 'deploy'], url);
    await ensurePolicy(prisma, undefined);
    process.stderr.write(`loading ${args.accounts.toLocaleString('en-US')} accounts…\n`);
    const load = await loadPortfolio(pool, args.accounts);
    const scope = lastMonth(toLocalDate(new Date()));
    const month = await loadMonth(pool, scope);

    const monthStart = `${scope.from}T05:00:00Z`;
    const monthEnd = `${addCalendarDays(scope.to, 1)}T05:00:00Z`;
    const bare = () =>
      pool.query(
        `SELECT c.stage::text AS stage, count(*)::int AS cases, sum(c."balanceCents")::bigint AS cents,
                (SELECT sum("amountCents") FROM "Payment" WHERE "paidAt" >= $1 AND "paidAt" < $2) AS recovered
         FROM "Case" c WHERE c.status = 'open' GROUP BY c.stage`,
        [monthStart, monthEnd],
      );
    let xlsxBytes = 0;
    let sheets = 0;
    const report = async () => {
      const r = await buildReport(prisma, 'cartera', scope);
      const bytes = await reportToXlsx(r, { scope }, new Date());
      xlsxBytes = bytes.length;
      sheets = r.tables.length;
    };
    const queries = () => buildReport(prisma, 'cartera', scope);

    for (let i = 0; i < WARMUP; i++) {
      await bare();
      await queries();
      await report();
    }
    const series = { report: [] as number[], queries: [] as number[], bare: [] as number[] };
    for (let i = 0; i < args.runs; i++) {
      series.bare.push(await timed(bare));
      series.queries.push(await timed(queries));
      series.report.push(await timed(report));
    }
    const p = {
      report: percentiles(series.report),
      queries: percentiles(series.queries),
      bare: percentiles(series.bare),
    };
    const ms = (v: number) => `${v.toFixed(1).padStart(8)} ms`;
    const fmt = (n: number) => n.toLocaleString('en-US');
    const k = load.counts;
    const out = [
      `monthly portfolio report, ${scope.from} … ${scope.to} (balances as of ${scope.today})`,
      `portfolio  ${fmt(k.accounts!)} accounts, ${fmt(k.invoices!)} invoices, ${fmt(k.openCases!)} open and ${fmt(k.closedCases!)} closed cases, ${fmt(month.payments)} payments and ${fmt(month.contacts)} contacts in the month; loaded in ${(load.ms / 1000).toFixed(1)} s`,
      `workbook   ${sheets} sheets, ${(xlsxBytes / 1024).toFixed(1)} KiB`,
      '',
      `series (${args.runs} runs each, alternated, after ${WARMUP} warm-up)      p50          p95`,
      `  report: KPI queries + XLSX             ${ms(p.report.p50)}  ${ms(p.report.p95)}`,
      `  KPI queries only                       ${ms(p.queries.p50)}  ${ms(p.queries.p95)}`,
      `  bare SQL aggregate (one statement)     ${ms(p.bare.p50)}  ${ms(p.bare.p95)}`,
      '',
      `ratio report / bare SQL   p50 ${(p.report.p50 / p.bare.p50).toFixed(1)}×   p95 ${(p.report.p95 / p.bare.p95).toFixed(1)}×`,
      `ratio queries / bare SQL  p50 ${(p.queries.p50 / p.bare.p50).toFixed(1)}×   p95 ${(p.queries.p95 / p.bare.p95).toFixed(1)}×`,
      `XLSX build (report − queries, p50) ≈ ${(p.report.p50 - p.queries.p50).toFixed(1)} ms`,
      '',
      `run ${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end; ${os.cpus().length} CPUs`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await prisma.$disconnect();
    await pool.end();
    if (args.keepDb) process.stderr.write(`kept database ${url}\n`);
    else await dropDatabase(adminUrl, dbName);
  }
}

process.exitCode = await main(process.argv.slice(2));
