/**
 * Imports a billing export from the command line and opens the cases it calls for.
 *
 *   npm run import -- <file.csv|file.xlsx> [--as-of YYYY-MM-DD] [--no-open] [--errors-out errors.csv]
 *
 * The database is the configured one (DATABASE_URL), else the embedded server of `npm start`
 * (used as is when it is running, otherwise started here and stopped at the end). Cases are
 * opened on the configured Temporal (TEMPORAL_ADDRESS), else on the local dev server that
 * `npm start` runs; a worker must be running for the cases to make progress.
 *
 * When the bundled billing simulator plays billing (BILLING_URL unset, or pointing at `npm run
 * simulators`), it is told every imported account and invoice: over HTTP when it runs, else in
 * the ledger file `npm start` reads on its next start. A real billing system is left alone.
 *
 * Progress bars go to stderr (only on a terminal), the summary to stdout. Exit code 0 when the
 * import succeeded (bad rows are reported, not fatal) and every eligible case was opened, 1 when
 * the import or the case opening failed, 2 for bad arguments.
 */
import { randomUUID } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import cliProgress from 'cli-progress';
import pg from 'pg';
import { z } from 'zod';
import { currentPolicy, ensurePolicy } from '../store/policy.js';
import { billingMirrorFor } from '../activities/simulators.js';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { localDateSchema, toLocalDate } from '../domain/calendar.js';
import { createPrisma, type PrismaClient } from '../prisma/client.js';
import { runPrisma, startDatabase, type Stoppable } from '../scripts/system.js';
import { connectClient } from '../temporal/connection.js';
import { isPortOpen } from '../temporal/ports.js';
import {
  importPortfolio,
  type ImportProgress,
  type ImportReport,
  type LineError,
} from './import.js';
import { runIntake } from './intake.js';
import type { OpenCasesReport } from './open-cases.js';

const USAGE = `Uso: npm run import -- <archivo.csv|archivo.xlsx> [opciones]

Importa una exportación de facturación (planillas vencidas) y abre los casos que la
política de apertura indique.

  --as-of <AAAA-MM-DD>     fecha a la que se cuentan los días vencidos
                           (por defecto: hoy en America/Guayaquil)
  --no-open                solo importar; no abrir casos en Temporal
  --errors-out <archivo>   escribir todos los errores por línea en CSV (line, field, message)
  -h, --help               esta ayuda

Si la facturación es el simulador incluido (sin BILLING_URL, o BILLING_URL apuntando a
\`npm run simulators\`), el simulador recibe las cuentas y planillas importadas.

Salida: 0 importación correcta (aunque haya filas con errores), 1 falló la importación, la
carga en el simulador de facturación o la apertura de casos, 2 argumentos inválidos.`;

/** Errors shown in the summary; the rest go to --errors-out. */
const ERRORS_SHOWN = 20;
/** Who the import batch and the case openings are recorded as. */
const CREATED_BY = 'cli';

/** Flags as parseArgs returns them, plus the one positional. */
const CliArgsSchema = z.object({
  file: z.string().min(1, 'falta el archivo a importar'),
  'as-of': localDateSchema.optional(),
  'no-open': z.boolean().default(false),
  'errors-out': z.string().min(1, 'falta el nombre del archivo').optional(),
});

interface CliCommand {
  file: string;
  asOf: string | undefined;
  open: boolean;
  errorsOut: string | undefined;
}

class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure whose message already tells the user what to do. */
class CliError extends Error {
  override name = 'CliError';
}

const OPTIONS = {
  'as-of': { type: 'string' },
  'no-open': { type: 'boolean' },
  'errors-out': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readArgv(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function parseCommand(argv: string[]): Promise<CliCommand | 'help'> {
  const parsed = readArgv(argv);
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 1) {
    throw new UsageError(`se importa un archivo a la vez (recibidos: ${positionals.join(', ')})`);
  }
  const { help: _help, ...flags } = values;
  const args = CliArgsSchema.safeParse({ ...flags, file: positionals[0] ?? '' });
  if (!args.success) {
    throw new UsageError(
      args.error.issues
        .map((i) => (i.path[0] === 'file' ? i.message : `--${String(i.path[0])}: ${i.message}`))
        .join('\n'),
    );
  }
  const a = args.data;
  const info = await stat(a.file).catch(() => null);
  if (!info) throw new UsageError(`no existe el archivo ${a.file}`);
  if (!info.isFile()) throw new UsageError(`${a.file} no es un archivo`);
  return { file: a.file, asOf: a['as-of'], open: !a['no-open'], errorsOut: a['errors-out'] };
}

const say = (line: string) => process.stderr.write(`[cartera] ${line}\n`);

/**
 * The database to import into. The embedded server that `npm start` runs is used as is when it
 * answers: starting it here would shut down the running one (startEmbeddedPostgres stops a live
 * server found on its data folder).
 */
async function openDatabase(config: Config): Promise<{ url: string; embedded: Stoppable | null }> {
  if (config.database.url) return { url: config.database.url, embedded: null };
  const port = config.database.embeddedPort;
  if (await isPortOpen(port)) {
    // Credentials and database name as scripts/embedded-postgres.ts and startDatabase set them.
    return { url: `postgresql://postgres:postgres@127.0.0.1:${port}/cartera`, embedded: null };
  }
  const db = await startDatabase(config, say);
  if (db.embedded) {
    // A server started just for this import: bring its schema up to date as `npm start` would.
    await runPrisma(['migrate', 'deploy'], db.url);
  }
  return db;
}

/** host:port/database, without credentials. */
function describeDatabase(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

async function checkSchema(pool: pg.Pool, url: string): Promise<void> {
  const { rows } = await pool
    .query<{ ok: boolean }>(`SELECT to_regclass('"ImportBatch"') IS NOT NULL AS ok`)
    .catch((err: unknown) => {
      throw new CliError(
        `No se pudo conectar a PostgreSQL en ${describeDatabase(url)}: ${(err as Error).message}`,
      );
    });
  if (!rows[0]?.ok) {
    throw new CliError(
      'La base de datos no tiene las tablas de Cartera: aplique las migraciones con ' +
        '`npm run db:deploy` (o inicie el sistema una vez con `npm start`).',
    );
  }
}

/** Connects before anything is imported, so a missing server costs nothing. */
async function connectTemporal(config: Config): Promise<Client> {
  const configured = config.temporal.address;
  const address = configured ?? `127.0.0.1:${config.temporal.devPort}`;
  const hint =
    'Para abrir casos, Temporal debe estar en marcha: inicie el sistema con `npm start` ' +
    '(en otra terminal) o importe sin abrir casos con --no-open.';
  if (!configured && !(await isPortOpen(config.temporal.devPort))) {
    throw new CliError(`No hay un servidor Temporal en ${address}. ${hint}`);
  }
  try {
    return await connectClient(config, address);
  } catch (err) {
    throw new CliError(`Temporal no responde en ${address} (${(err as Error).message}). ${hint}`);
  }
}

const number = (n: number) => n.toLocaleString('es-EC');
const seconds = (ms: number) =>
  `${(ms / 1000).toLocaleString('es-EC', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** RFC 4180 field. */
const csvField = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** UTF-8 with BOM and CRLF, so Excel shows the accents right. */
async function writeErrorsCsv(file: string, errors: LineError[]): Promise<void> {
  const lines = [
    'line,field,message',
    ...errors.map((e) => [e.line, e.field, e.message].map(csvField).join(',')),
  ];
  await writeFile(file, `\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

function summary(
  report: ImportReport,
  cases: { report: OpenCasesReport; balanceUpdates: number; asOf: string } | null,
  totalMs: number,
): string {
  const succeeded = report.status === 'succeeded';
  const rows: [label: string, value: string, note?: string][] = [
    ['Filas leídas', number(report.rowsRead)],
  ];
  if (succeeded) {
    rows.push(
      ['Correctas', number(report.goodRows)],
      ['Con errores', number(report.badRows)],
      ['Repetidas (omitidas)', number(report.duplicateRows)],
      ['Cuentas nuevas o cambiadas', number(report.accountsUpserted)],
      ['Facturas nuevas o cambiadas', number(report.invoicesChanged)],
    );
  }
  if (cases) {
    const c = cases.report;
    const notes = [`de ${number(c.eligible)} elegibles al ${cases.asOf}`];
    if (c.alreadyOpen) notes.push(`${number(c.alreadyOpen)} ya abiertos`);
    if (c.failed.length) notes.push(`${number(c.failed.length)} fallidos`);
    rows.push(['Casos abiertos', number(c.opened), notes.join('; ')]);
    rows.push(['Casos con saldo actualizado', number(cases.balanceUpdates)]);
  } else if (succeeded) {
    rows.push(['Casos abiertos', '-', 'no se abren con --no-open']);
  }
  const mirror = report.billingMirror;
  if (mirror) {
    rows.push([
      'Simulador de facturación',
      mirror.failure ? 'sin cargar' : number(mirror.rows),
      `${mirror.failure ? 'falló' : 'planillas cargadas'}: ${mirror.target}`,
    ]);
  }
  const phases = [`importación ${seconds(report.durationMs)}`];
  if (cases) phases.push(`casos ${seconds(cases.report.durationMs)}`);
  rows.push(['Duración', seconds(totalMs), phases.join(', ')]);
  const labelWidth = Math.max(...rows.map(([label]) => label.length)) + 2;
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const head = succeeded
    ? `Importación correcta: ${report.fileName} (${report.format}), lote ${report.id}`
    : `Importación fallida: ${report.fileName} (${report.format}), lote ${report.id}; no se guardó nada`;
  return [
    head,
    ...rows.map(
      ([label, value, note]) =>
        `  ${label.padEnd(labelWidth)}${value.padStart(valueWidth)}${note ? `  (${note})` : ''}`,
    ),
  ].join('\n');
}

function errorList(report: ImportReport, errorsOut: string | undefined): string {
  if (report.errors.length === 0) return '';
  const shown = report.errors.slice(0, ERRORS_SHOWN);
  const more = report.errors.length > shown.length || report.errorsTruncated;
  const where = errorsOut
    ? `; todos en ${errorsOut}`
    : more
      ? '; use --errors-out para verlos todos'
      : '';
  const total = `${number(report.errors.length)}${report.errorsTruncated ? ' o más' : ''}`;
  const title = more
    ? `Errores por línea (primeros ${shown.length} de ${total}${where}):`
    : `Errores por línea${where}:`;
  const lineWidth = Math.max(...shown.map((e) => String(e.line).length));
  const fieldWidth = Math.max(...shown.map((e) => e.field.length));
  return [
    title,
    ...shown.map(
      (e) =>
        `  línea ${String(e.line).padStart(lineWidth)}  ${e.field.padEnd(fieldWidth)}  ${e.message}`,
    ),
  ].join('\n');
}

function progressBar(format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    // The cursor stays visible: a hidden one would stay hidden after Ctrl-C.
    { stream: process.stderr, format, hideCursor: false, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
}

async function main(argv: string[]): Promise<number> {
  // `npm run import … | head` closes stdout early: stop writing instead of crashing.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
  let command: CliCommand | 'help';
  try {
    command = await parseCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`error: ${err.message.replaceAll('\n', '\nerror: ')}\n\n${USAGE}\n`);
    return 2;
  }
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { file, open, errorsOut } = command;

  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }

  const started = performance.now();
  const cleanup: (() => Promise<unknown>)[] = [];
  const bars: cliProgress.SingleBar[] = [];
  const batchId = randomUUID();
  let pool: pg.Pool | undefined;
  try {
    const temporal = open ? await connectTemporal(config) : null;
    if (temporal) cleanup.push(() => temporal.connection.close());

    const db = await openDatabase(config);
    if (db.embedded) cleanup.push(() => (db.embedded as Stoppable).stop());
    const dbPool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool = dbPool;
    // An idle connection dropped by the server must not crash the process.
    dbPool.on('error', () => undefined);
    cleanup.push(() => dbPool.end());
    await checkSchema(dbPool, db.url);

    let prisma: PrismaClient | undefined;
    if (temporal) {
      prisma = createPrisma(db.url, 2);
      const p = prisma;
      cleanup.push(() => p.$disconnect());
    }

    // Asked before importing, so a simulator that is not there costs nothing later.
    const billingMirror = await billingMirrorFor({
      billingUrl: config.billing.url,
      apiKey: config.billing.apiKey,
      localPort: config.billing.simulatorPort,
      ledgerFile: path.join(config.dataDir, 'billing-simulator.json'),
    });

    const { size } = await stat(file);
    const importBar = progressBar(
      'Importando     |{bar}| {percentage}% | {read}/{size} MiB | {rows} filas | ETA {eta_formatted}',
    );
    bars.push(importBar);
    importBar.start(Math.max(size, 1), 0, { read: mib(0), size: mib(size), rows: 0 });
    const onProgress = (p: ImportProgress) =>
      importBar.update(Math.min(p.bytesRead, size), {
        read: mib(p.bytesRead),
        rows: number(p.rowsRead),
      });
    let casesBar: cliProgress.SingleBar | undefined;
    const onCasesProgress = (done: number, total: number) => {
      if (!casesBar) {
        importBar.stop();
        casesBar = progressBar(
          'Abriendo casos |{bar}| {percentage}% | {value}/{total} casos | ETA {eta_formatted}',
        );
        bars.push(casesBar);
        casesBar.start(total, 0);
      }
      casesBar.update(done);
    };

    const source = { filePath: file, fileName: path.basename(file) };
    const importOptions = {
      createdBy: CREATED_BY,
      batchId,
      onProgress,
      billingMirror: billingMirror ?? undefined,
      // Keep every error for the CSV; without it the report keeps the first 10,000.
      ...(errorsOut ? { maxErrors: Number.MAX_SAFE_INTEGER } : {}),
    };
    let report: ImportReport;
    let cases: { report: OpenCasesReport; balanceUpdates: number; asOf: string } | null = null;
    if (temporal && prisma) {
      const policy =
        (await currentPolicy(prisma)) ?? (await ensurePolicy(prisma, config.policyFile));
      const asOf = command.asOf ?? toLocalDate(new Date());
      const intake = await runIntake(
        { pool: dbPool, temporal, taskQueue: config.temporal.taskQueue },
        source,
        {
          ...importOptions,
          policy,
          asOf,
          openConcurrency: config.openConcurrency,
          onCasesProgress,
        },
      );
      report = intake.import;
      if (intake.cases)
        cases = { report: intake.cases, balanceUpdates: intake.balanceUpdates, asOf };
    } else {
      report = await importPortfolio(dbPool, source, importOptions);
    }
    for (const bar of bars) bar.stop();

    if (errorsOut) await writeErrorsCsv(errorsOut, report.errors);
    process.stdout.write(`${summary(report, cases, performance.now() - started)}\n`);
    const errors = errorList(report, errorsOut);
    if (errors) process.stdout.write(`\n${errors}\n`);

    if (report.status !== 'succeeded') {
      process.stderr.write(`\nerror: ${report.failure ?? 'la importación falló'}\n`);
      return 1;
    }
    if (report.billingMirror?.failure) {
      process.stderr.write(
        `\nerror: ${report.billingMirror.failure}\n` +
          'La importación quedó guardada; vuelva a ejecutar el mismo comando para cargar las cuentas ' +
          'en el simulador (reimportar el mismo archivo no cambia nada en Cartera).\n',
      );
      return 1;
    }
    if (cases && cases.report.failed.length > 0) {
      const shown = cases.report.failed.slice(0, ERRORS_SHOWN);
      process.stderr.write(
        `\nerror: no se pudieron abrir ${number(cases.report.failed.length)} casos:\n` +
          shown.map((f) => `  cuenta ${f.accountNumber}: ${f.error}\n`).join('') +
          'La importación quedó guardada; vuelva a ejecutar el mismo comando para abrir los casos ' +
          'que faltan (reimportar el mismo archivo no cambia nada).\n',
      );
      return 1;
    }
    return 0;
  } catch (err) {
    for (const bar of bars) bar.stop();
    const message = (err as Error).message;
    // Tell apart "nothing was saved" from "saved, but the cases did not open".
    const saved = pool
      ? await pool
          .query<{ status: string }>(`SELECT status FROM "ImportBatch" WHERE id = $1`, [batchId])
          .then((r) => r.rows[0]?.status === 'succeeded')
          .catch(() => false)
      : false;
    process.stderr.write(
      saved
        ? `error: la importación se guardó (lote ${batchId}), pero la apertura de casos falló: ${message}\n` +
            'Vuelva a ejecutar el mismo comando para abrir los casos que faltan.\n'
        : `error: ${message}\n`,
    );
    return 1;
  } finally {
    for (const stop of cleanup.reverse()) {
      await stop().catch((err: unknown) =>
        process.stderr.write(`aviso: al cerrar: ${(err as Error).message}\n`),
      );
    }
  }
}

process.exitCode = await main(process.argv.slice(2));
