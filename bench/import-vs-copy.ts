/**
 * How much the portfolio import costs over what PostgreSQL needs to ingest the same rows.
 *
 *   npm run bench:import -- [--runs 3]
 *
 * On a throwaway database (on DATABASE_URL's server, else the local 127.0.0.1:5432), times
 * over N runs:
 *   import    importPortfolio into empty tables: parse + validate + COPY to staging + merge
 *   COPY      a bare `COPY … FROM STDIN (FORMAT csv, HEADER)` of the raw file into a plain
 *             table of 15 text columns (the floor any importer of this file stands on)
 *   re-import the same file again into the loaded tables (idempotent path: nothing changes)
 *   read+check the importer's reading and validation alone (no database): the part of the
 *             import that runs in this process, next to PostgreSQL's merge
 * and prints median/min/max, rows/s and the import/COPY ratio (target ≤ 3, issue 7).
 * The 100,000-row export is generated once under <data dir>/bench/ and reused.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import { loadConfig } from '../config/index.js';
import { PORTFOLIO_COLUMNS, writePortfolioCsv } from '../demo/generate-portfolio.js';
import { importPortfolio, type ImportReport } from '../intake/import.js';
import { readExport } from '../intake/read.js';
import { validatePortfolioRow } from '../domain/portfolio-row.js';
import { dropDatabase, ensureDatabase } from '../scripts/embedded-postgres.js';
import { runPrisma, withDatabase } from '../scripts/system.js';

const ROWS = 100_000;
const MALFORMED_EVERY = 997;
const SEED = 20_261_128;
const AS_OF = '2026-11-28';
const DEFAULT_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';

const argsSchema = z.object({
  runs: z
    .string()
    .regex(/^[1-9]\d*$/, '--runs must be a positive whole number')
    .transform(Number)
    .default(3),
});

const summarySchema = z.object({
  rows: z.number(),
  accounts: z.number(),
  malformed: z.array(z.object({ line: z.number(), defect: z.string() })),
});

/** The benchmark export, generated on first use (same seed ⇒ same bytes, so it is reused). */
async function benchExport(dataDir: string): Promise<{ file: string; rows: number }> {
  const dir = path.join(dataDir, 'bench');
  const file = path.join(dir, `portfolio-${ROWS}-m${MALFORMED_EVERY}-s${SEED}.csv`);
  const summaryFile = `${file}.json`;
  if (existsSync(file) && existsSync(summaryFile)) {
    const summary = summarySchema.parse(JSON.parse(await readFile(summaryFile, 'utf8')));
    return { file, rows: summary.rows };
  }
  await mkdir(dir, { recursive: true });
  process.stderr.write(`generating ${file}…\n`);
  const partial = `${file}.partial`;
  const summary = await writePortfolioCsv(partial, {
    seed: SEED,
    asOf: AS_OF,
    maxRows: ROWS,
    malformedEvery: MALFORMED_EVERY,
  });
  await rename(partial, file);
  await writeFile(summaryFile, JSON.stringify(summary));
  return { file, rows: summary.rows };
}

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

const RAW_COLUMNS = PORTFOLIO_COLUMNS.map((c) => `${c} text`).join(', ');

async function bareCopy(pool: pg.Pool, file: string): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('TRUNCATE bench_raw');
    const copy = client.query(
      copyFrom(
        `COPY bench_raw (${PORTFOLIO_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`,
      ),
    );
    await pipeline(createReadStream(file), copy);
    return copy.rowCount;
  } finally {
    client.release();
  }
}

/** What the importer does in this process: read the file and validate every row. */
async function readAndCheck(file: string): Promise<number> {
  let good = 0;
  for await (const raw of readExport(file, 'csv')) if (validatePortfolioRow(raw.values).ok) good++;
  return good;
}

function checkReport(report: ImportReport, what: string): ImportReport {
  if (report.status !== 'succeeded') throw new Error(`${what} failed: ${report.failure}`);
  return report;
}

async function main(argv: string[]): Promise<number> {
  let runs: number;
  try {
    const { values } = parseArgs({ args: argv, options: { runs: { type: 'string' } } });
    const parsed = argsSchema.safeParse(values);
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
    runs = parsed.data.runs;
  } catch (err) {
    process.stderr.write(
      `error: ${(err as Error).message}\nusage: npm run bench:import -- [--runs N]\n`,
    );
    return 2;
  }

  const config = loadConfig();
  const { file, rows } = await benchExport(config.dataDir);
  const { size } = await stat(file);

  const adminUrl = withDatabase(config.database.url ?? DEFAULT_SERVER, 'postgres');
  const dbName = `cartera_bench_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, dbName);
  const url = withDatabase(adminUrl, dbName);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    await runPrisma(['migrate', 'deploy'], url);
    await pool.query(`CREATE TABLE bench_raw (${RAW_COLUMNS})`);
    const serverVersion = (await pool.query<{ server_version: string }>('SHOW server_version'))
      .rows[0]!.server_version;

    const loadAtStart = os.loadavg();
    const times = {
      import: [] as number[],
      copy: [] as number[],
      reimport: [] as number[],
      read: [] as number[],
    };
    let first: ImportReport | undefined;
    let again: ImportReport | undefined;
    for (let run = 1; run <= runs; run++) {
      process.stderr.write(`run ${run}/${runs}…\n`);
      await pool.query('TRUNCATE "Account", "Invoice", "ImportBatch" CASCADE');
      await pool.query('CHECKPOINT'); // each run starts with no dirty pages left by the last one
      const a = await timed(() =>
        importPortfolio(
          pool,
          { filePath: file, fileName: path.basename(file) },
          { createdBy: 'bench' },
        ),
      );
      times.import.push(a.ms);
      first = checkReport(a.value, 'import');

      const c = await timed(() =>
        importPortfolio(
          pool,
          { filePath: file, fileName: path.basename(file) },
          { createdBy: 'bench' },
        ),
      );
      times.reimport.push(c.ms);
      again = checkReport(c.value, 're-import');
      if (again.accountsUpserted !== 0 || again.invoicesChanged !== 0) {
        throw new Error(`re-import changed data: ${JSON.stringify(again)}`);
      }

      await pool.query('CHECKPOINT');
      const b = await timed(() => bareCopy(pool, file));
      if (b.value !== rows) throw new Error(`COPY loaded ${b.value} rows, expected ${rows}`);
      times.copy.push(b.ms);

      const r = await timed(() => readAndCheck(file));
      if (r.value !== first.goodRows + first.duplicateRows) {
        throw new Error(`read+check found ${r.value} good rows, the import ${first.goodRows}`);
      }
      times.read.push(r.ms);
    }

    const imp = stats(times.import);
    const cp = stats(times.copy);
    const re = stats(times.reimport);
    const rd = stats(times.read);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const line = (name: string, s: Stats) =>
      `${name.padEnd(11)}${fmt(s.median).padStart(9)}${fmt(s.min).padStart(9)}${fmt(s.max).padStart(9)}` +
      `${fmt(rows / (s.median / 1000)).padStart(12)}${(s.median / cp.median).toFixed(2).padStart(9)}`;
    const cpus = os.cpus();
    const out = [
      `machine    ${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
        `node ${process.version}, PostgreSQL ${serverVersion}`,
      `file       ${path.relative(process.cwd(), file)}: ${fmt(rows)} rows, ${(size / 2 ** 20).toFixed(1)} MiB; ` +
        `good ${fmt(first!.goodRows)}, bad ${fmt(first!.badRows)}, ` +
        `${fmt(first!.accountsUpserted)} accounts, ${fmt(first!.invoicesChanged)} invoices`,
      `runs       ${runs}`,
      '',
      `${'phase'.padEnd(11)}${'median'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}${'rows/s'.padStart(12)}${'× COPY'.padStart(9)}`,
      `${''.padEnd(11)}${'ms'.padStart(9)}${'ms'.padStart(9)}${'ms'.padStart(9)}`,
      line('import', imp),
      line('COPY', cp),
      line('re-import', re),
      line('read+check', rd),
      '',
      `import/COPY ${(imp.median / cp.median).toFixed(2)} (target ≤ 3)   ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
      `load       1/5/15-minute load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ` +
        `${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')} at end (${cpus.length} cores; other work makes the times noisy)`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await pool.end();
    await dropDatabase(adminUrl, dbName);
  }
}

process.exitCode = await main(process.argv.slice(2));
