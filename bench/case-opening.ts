/**
 * Case-opening throughput next to bare Temporal workflow starts, on the same server in the
 * same run.
 *
 *   npm run bench:open -- [--cases 2000] [--rounds 3] [--concurrency <CARTERA_OPEN_CONCURRENCY>]
 *
 * A throwaway database (migrated) gets a generated Machala export through the real importer;
 * a headless Temporal dev server (SQLite file, free port) is started for the run. Each round
 * runs three series of N workflow starts, through the same client and at the same concurrency
 * (the lanes of intake's `inPool`), in alternating order (bare, payload, case; then case,
 * payload, bare; …) so that drift in the machine's load hits all three alike:
 *
 *   bare     `benchBareWorkflow` (bench/bare-workflow.ts: waits for a signal, stays open like a
 *            case), no input, no search attributes, random ids;
 *   payload  the same bare start but with everything a case start sends: the case input (with
 *            its policy), the four search attributes and the case id-reuse/conflict policies;
 *   case     `openCases` as intake runs it, over N accounts not opened yet: the debt query, the
 *            opening decisions and the `caseWorkflow` starts.
 *
 * No worker polls the task queue in any series. A worker would run the case workflows'
 * first tasks and activities (case row, task, notice) on the same two cores while the bench
 * starts more, so the "case" series would be timing the worker, and the later series the
 * backlog of the earlier ones; bench/open-cases-100k.ts measures that end to end, with a
 * worker. Here the figure is the opening path: from the accounts in PostgreSQL to a durable
 * workflow start acknowledged by the server (after which the case opens even if this process
 * dies). Ratio = case starts/s ÷ bare starts/s (median over rounds), target ≥ 0.8 (issue 7).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { z } from 'zod';
import { ensurePolicy } from '../store/policy.js';
import { loadConfig } from '../config/index.js';
import { writePortfolioCsv } from '../demo/generate-portfolio.js';
import { toLocalDate } from '../domain/calendar.js';
import { importPortfolio } from '../intake/import.js';
import {
  caseStartOptions,
  inPool,
  openCases,
  selectCasesToOpen,
  type OpenCasesReport,
} from '../intake/open-cases.js';
import { createPrisma } from '../prisma/client.js';
import { createBenchDatabase, describeMachine, loadAverage, startBenchTemporal } from './stack.js';

const SEED = 20_261_128;
/** Share of generated accounts that end up opened (delinquent × policy), to size the export. */
const OPENED_SHARE_GUESS = 0.18;
const WARMUP = 200;

const argsSchema = z.object({
  cases: z.coerce.number().int().min(100).max(50_000).default(2_000),
  rounds: z.coerce.number().int().min(1).max(20).default(3),
  concurrency: z.coerce.number().int().min(1).max(1_000).optional(),
});

type Kind = 'bare' | 'payload' | 'case';

interface Series {
  round: number;
  kind: Kind;
  ms: number;
  perSecond: number;
  report?: OpenCasesReport;
}

function parseCli(argv: string[]): z.infer<typeof argsSchema> | string {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        cases: { type: 'string' },
        rounds: { type: 'string' },
        concurrency: { type: 'string' },
      },
    });
    const parsed = argsSchema.safeParse(values);
    return parsed.success ? parsed.data : z.prettifyError(parsed.error);
  } catch (err) {
    return (err as Error).message;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (typeof args === 'string') {
    process.stderr.write(
      `error: ${args}\nusage: npm run bench:open -- [--cases 2000] [--rounds 3] [--concurrency 64]\n`,
    );
    return 2;
  }
  const started = performance.now();
  const loadAtStart = loadAverage();
  const config = loadConfig();
  const concurrency = args.concurrency ?? config.openConcurrency;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cartera-bench-open-'));
  const db = await createBenchDatabase(config, 'cartera_bench_open');
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  const prisma = createPrisma(db.url, 4);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const machine = await describeMachine(config, pool, dataDir);
    const policy = await ensurePolicy(prisma, undefined);
    const asOf = toLocalDate(new Date());
    const needed = args.cases * args.rounds + WARMUP;

    // Accounts: the demo generator's export through the real importer.
    const csv = path.join(dataDir, 'portfolio.csv');
    const accounts = Math.min(800_000, Math.ceil(needed / OPENED_SHARE_GUESS));
    process.stderr.write(
      `generating and importing ${accounts.toLocaleString('en-US')} accounts…\n`,
    );
    await writePortfolioCsv(csv, { accounts, seed: SEED, asOf });
    const imported = await importPortfolio(
      pool,
      { filePath: csv, fileName: 'portfolio.csv', format: 'csv' },
      { createdBy: 'bench' },
    );
    if (imported.status !== 'succeeded') throw new Error(`import failed: ${imported.failure}`);
    const selection = await selectCasesToOpen(pool, {
      policy: policy.policy,
      policyVersion: policy.version,
      asOf,
      openedBy: 'bench',
    });
    if (selection.inputs.length < needed)
      throw new Error(
        `only ${selection.inputs.length} accounts to open, ${needed} needed: raise OPENED_SHARE_GUESS`,
      );
    const chunk = (i: number) =>
      selection.inputs.slice(WARMUP + i * args.cases, WARMUP + (i + 1) * args.cases);
    const payloadBytes = median(selection.inputs.map((x) => JSON.stringify(x).length));

    process.stderr.write('starting a Temporal dev server…\n');
    const server = await startBenchTemporal(config, {
      dbFile: path.join(dataDir, 'temporal.db'),
      logFile: path.join(dataDir, 'temporal.log'),
    });
    closers.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    const taskQueue = 'bench-open';
    const deps = { pool, temporal: client, taskQueue };
    const openOpts = {
      policy: policy.policy,
      policyVersion: policy.version,
      asOf,
      openedBy: 'bench',
      concurrency,
    };

    const startBare = (id: string) =>
      client.workflow.start('benchBareWorkflow', { workflowId: id, taskQueue, args: [] });
    const run: Record<Kind, (round: number) => Promise<OpenCasesReport | undefined>> = {
      bare: async (round) => {
        const ids = Array.from({ length: args.cases }, (_, i) => `bare-${round}-${i}`);
        await inPool(ids, concurrency, async (id) => void (await startBare(id)));
        return undefined;
      },
      payload: async (round) => {
        await inPool(chunk(round), concurrency, async (input) => {
          await client.workflow.start('benchBareWorkflow', {
            ...caseStartOptions(input, taskQueue),
            workflowId: `payload-${round}-${input.accountNumber}`,
            args: [input] as unknown as [],
          });
        });
        return undefined;
      },
      case: async (round) => {
        const report = await openCases(deps, {
          ...openOpts,
          accountIds: chunk(round).map((x) => x.accountId),
        });
        if (report.opened !== args.cases)
          throw new Error(
            `round ${round}: opened ${report.opened} of ${args.cases} (${report.alreadyOpen} already open, ${report.failed.length} failed: ${report.failed[0]?.error})`,
          );
        return report;
      },
    };

    // Warm-up: connections, the server's caches and the JIT of both paths.
    process.stderr.write('warm-up…\n');
    await inPool(
      Array.from({ length: WARMUP }, (_, i) => `warm-${i}`),
      concurrency,
      async (id) => void (await startBare(id)),
    );
    await openCases(deps, {
      ...openOpts,
      accountIds: selection.inputs.slice(0, WARMUP).map((x) => x.accountId),
    });

    const series: Series[] = [];
    for (let round = 0; round < args.rounds; round++) {
      const order: Kind[] =
        round % 2 === 0 ? ['bare', 'payload', 'case'] : ['case', 'payload', 'bare'];
      for (const kind of order) {
        const t = performance.now();
        const report = await run[kind](round);
        const ms = performance.now() - t;
        const s: Series = { round, kind, ms, perSecond: args.cases / (ms / 1000), report };
        series.push(s);
        process.stderr.write(
          `  round ${round + 1} ${kind.padEnd(7)} ${s.perSecond.toFixed(0).padStart(5)} starts/s (${(ms / 1000).toFixed(2)} s)\n`,
        );
      }
    }

    const rate = (kind: Kind) =>
      median(series.filter((s) => s.kind === kind).map((s) => s.perSecond));
    const cases = series.filter((s) => s.kind === 'case');
    const selectMs = median(cases.map((s) => s.report!.selectMs));
    const startMs = median(cases.map((s) => s.report!.startMs));
    const caseMs = median(cases.map((s) => s.ms));
    const bareMs = median(series.filter((s) => s.kind === 'bare').map((s) => s.ms));
    const payloadMs = median(series.filter((s) => s.kind === 'payload').map((s) => s.ms));
    const ratio = rate('case') / rate('bare');
    const f0 = (n: number) => n.toFixed(0);
    const out = [
      ...machine,
      `scale      N = ${args.cases.toLocaleString('en-US')} starts per series, ${args.rounds} rounds × (bare, payload, case) in alternating order, ` +
        `concurrency ${concurrency} (CARTERA_OPEN_CONCURRENCY), one client, one dev server (SQLite file), no worker polling`,
      `accounts   ${accounts.toLocaleString('en-US')} generated, ${imported.goodRows.toLocaleString('en-US')} rows imported, ` +
        `${selection.inputs.length.toLocaleString('en-US')} selected by the policy; case input ≈ ${payloadBytes} bytes of JSON (policy included)`,
      '',
      'round  series    starts/s   seconds',
      ...series.map(
        (s) =>
          `${String(s.round + 1).padStart(5)}  ${s.kind.padEnd(8)}${f0(s.perSecond).padStart(10)}${(s.ms / 1000).toFixed(2).padStart(10)}`,
      ),
      '',
      `median     bare ${f0(rate('bare'))}/s, payload ${f0(rate('payload'))}/s, case ${f0(rate('case'))}/s`,
      `ratio      case ÷ bare = ${ratio.toFixed(2)} (target ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'MISSED'}); payload ÷ bare = ${(rate('payload') / rate('bare')).toFixed(2)}`,
      `where the case-opening time goes (medians, ms for ${args.cases} cases):`,
      `           debt query + opening decisions ${f0(selectMs)} ms (${((100 * selectMs) / caseMs).toFixed(0)}%), ` +
        `workflow starts ${f0(startMs)} ms (${((100 * startMs) / caseMs).toFixed(0)}%)`,
      `           of the starts: a bare start's share ${f0(bareMs)} ms, the case input and search attributes ` +
        `+${f0(payloadMs - bareMs)} ms (payload series), the rest ${f0(startMs - payloadMs)} ms (± the machine's noise)`,
      '',
      `run ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadAtStart} at start, ${loadAverage()} at end`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await prisma.$disconnect();
    await pool.end();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
