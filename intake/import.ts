/**
 * Portfolio intake, step 1: load a billing export into accounts and invoices.
 *
 * Good rows stream through COPY into a temporary table and are merged in ONE transaction, so
 * an import is all-or-nothing for its good rows; bad rows are reported by line and field and
 * never block the good ones. The merge only touches rows whose values changed, so importing
 * the same file twice changes nothing and a newer file updates balances.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { validatePortfolioRow, type PortfolioRow } from '../domain/portfolio-row.js';
import { BALANCE_LOCK_KEY } from '../activities/case-store.js';
import { detectFormat, readExport, ExportFormatError, type ExportFormat } from './read.js';

/** One problem with one line of the file. */
export interface LineError {
  line: number;
  field: string;
  message: string;
}

export interface ImportProgress {
  rowsRead: number;
  bytesRead: number;
  totalBytes: number;
}

export interface ImportReport {
  id: string;
  status: 'succeeded' | 'failed';
  fileName: string;
  fileHash: string;
  format: ExportFormat;
  rowsRead: number;
  goodRows: number;
  badRows: number;
  /** Exact repeats of an earlier line (same invoice, same values): skipped, not errors. */
  duplicateRows: number;
  accountsUpserted: number;
  invoicesChanged: number;
  errors: LineError[];
  /** True when more errors happened than are kept in `errors`. */
  errorsTruncated: boolean;
  failure: string | null;
  durationMs: number;
}

export interface ImportSource {
  filePath: string;
  /** The name the user gave the file (for the report and format detection). */
  fileName: string;
  format?: ExportFormat;
}

export interface ImportOptions {
  createdBy: string;
  /** Use this id for the ImportBatch (an API caller creates it first to poll progress). */
  batchId?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Errors kept in the report (all are counted). @default 10000 */
  maxErrors?: number;
}

const STAGING_COLUMNS = [
  'line',
  'account_number',
  'holder_id',
  'holder_name',
  'address',
  'sector',
  'route',
  'category',
  'phone',
  'email',
  'invoice_number',
  'issued_on',
  'due_on',
  'amount_cents',
  'balance_cents',
  'protection',
] as const;

const COPY_SPECIAL = /[\\\t\n\r]/;

/** Escapes a value for COPY's text format. */
function copyText(v: string | number | null): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  if (!COPY_SPECIAL.test(v)) return v; // nearly every value: skip the four replaces
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * The row's staging columns after `line`, in COPY text format. Also the row's signature for
 * spotting exact repeats: fixed columns, each escaped, so equal text means equal rows.
 */
function copyFields(r: PortfolioRow): string {
  return [
    r.accountNumber,
    r.holderId,
    r.holderName,
    r.address,
    r.sector,
    r.route,
    r.category,
    r.phone,
    r.email,
    r.invoiceNumber,
    r.issuedOn,
    r.dueOn,
    r.amountCents,
    r.balanceCents,
    r.protection,
  ]
    .map(copyText)
    .join('\t');
}

/** Staging lines per COPY write, in characters. */
const COPY_BATCH_CHARS = 1 << 16;

async function hashFile(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(filePath), hash);
  return hash.digest('hex');
}

const MERGE_ACCOUNTS = `
  WITH src AS (
    SELECT DISTINCT ON (account_number) * FROM import_rows ORDER BY account_number, line DESC
  )
  INSERT INTO "Account" AS a (id, number, "holderName", "holderId", address, sector, route, category,
                              phone, email, protection, "lastImportId", "createdAt", "updatedAt")
  SELECT gen_random_uuid(), account_number, holder_name, holder_id, address, sector, route,
         category::"AccountCategory", phone, email, protection::"Protection", $1::uuid, now(), now()
  FROM src
  ON CONFLICT (number) DO UPDATE SET
    "holderName" = EXCLUDED."holderName", "holderId" = EXCLUDED."holderId",
    address = EXCLUDED.address, sector = EXCLUDED.sector, route = EXCLUDED.route,
    category = EXCLUDED.category, phone = EXCLUDED.phone, email = EXCLUDED.email,
    protection = EXCLUDED.protection, "lastImportId" = EXCLUDED."lastImportId", "updatedAt" = now()
  WHERE (a."holderName", a."holderId", a.address, a.sector, a.route, a.category, a.phone, a.email, a.protection)
        IS DISTINCT FROM
        (EXCLUDED."holderName", EXCLUDED."holderId", EXCLUDED.address, EXCLUDED.sector, EXCLUDED.route,
         EXCLUDED.category, EXCLUDED.phone, EXCLUDED.email, EXCLUDED.protection)`;

const MERGE_INVOICES = `
  INSERT INTO "Invoice" AS i (id, number, "accountId", "issuedOn", "dueOn", "amountCents", "balanceCents",
                              "lastImportId", "updatedAt")
  SELECT gen_random_uuid(), r.invoice_number, a.id, r.issued_on, r.due_on, r.amount_cents, r.balance_cents,
         $1::uuid, now()
  FROM import_rows r JOIN "Account" a ON a.number = r.account_number
  ON CONFLICT (number) DO UPDATE SET
    "accountId" = EXCLUDED."accountId", "issuedOn" = EXCLUDED."issuedOn", "dueOn" = EXCLUDED."dueOn",
    "amountCents" = EXCLUDED."amountCents", "balanceCents" = EXCLUDED."balanceCents",
    "lastImportId" = EXCLUDED."lastImportId", "updatedAt" = now()
  WHERE (i."accountId", i."issuedOn", i."dueOn", i."amountCents", i."balanceCents")
        IS DISTINCT FROM
        (EXCLUDED."accountId", EXCLUDED."issuedOn", EXCLUDED."dueOn", EXCLUDED."amountCents", EXCLUDED."balanceCents")`;

/** Creates the ImportBatch row up front, so its progress can be polled. */
export async function createImportBatch(
  pool: pg.Pool,
  batch: { id: string; fileName: string; format: string; createdBy: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO "ImportBatch" (id, "fileName", "fileHash", format, "createdBy") VALUES ($1, $2, '', $3, $4)
     ON CONFLICT (id) DO NOTHING`,
    [batch.id, batch.fileName, batch.format, batch.createdBy],
  );
}

/** Loads an export; never throws for bad content (the report says what failed). */
export async function importPortfolio(
  pool: pg.Pool,
  source: ImportSource,
  opts: ImportOptions,
): Promise<ImportReport> {
  const started = performance.now();
  const id = opts.batchId ?? randomUUID();
  const maxErrors = opts.maxErrors ?? 10_000;
  const format = source.format ?? (await detectFormat(source.filePath, source.fileName));
  await createImportBatch(pool, {
    id,
    fileName: source.fileName,
    format,
    createdBy: opts.createdBy,
  });
  const [fileHash, { size: totalBytes }] = await Promise.all([
    hashFile(source.filePath),
    stat(source.filePath),
  ]);

  const report: ImportReport = {
    id,
    status: 'failed',
    fileName: source.fileName,
    fileHash,
    format,
    rowsRead: 0,
    goodRows: 0,
    badRows: 0,
    duplicateRows: 0,
    accountsUpserted: 0,
    invoicesChanged: 0,
    errors: [],
    errorsTruncated: false,
    failure: null,
    durationMs: 0,
  };
  const addError = (e: LineError) => {
    if (report.errors.length < maxErrors) report.errors.push(e);
    else report.errorsTruncated = true;
  };

  const counter = { bytesRead: 0 };
  let lastProgressAt = 0;
  const progress = (force = false) => {
    const now = performance.now();
    if (!force && now - lastProgressAt < 250) return;
    lastProgressAt = now;
    opts.onProgress?.({ rowsRead: report.rowsRead, bytesRead: counter.bytesRead, totalBytes });
    void pool
      .query(`UPDATE "ImportBatch" SET "rowsRead" = $2 WHERE id = $1 AND status = 'running'`, [
        id,
        report.rowsRead,
      ])
      .catch(() => undefined); // progress is best effort; the final update is not
  };

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`CREATE TEMP TABLE import_rows (
      line int, account_number text, holder_id text, holder_name text, address text, sector text,
      route text, category text, phone text, email text, invoice_number text, issued_on date,
      due_on date, amount_cents int, balance_cents int, protection text) ON COMMIT DROP`);

    const seen = new Map<string, { line: number; signature: string }>();
    // Lines go to COPY in ~64 KiB batches: one write (two syscalls) per row costs more than
    // parsing it.
    async function* goodRows(): AsyncGenerator<string> {
      let batch = '';
      for await (const raw of readExport(source.filePath, format, counter)) {
        report.rowsRead++;
        progress();
        const result = validatePortfolioRow(raw.values);
        if (!result.ok) {
          report.badRows++;
          for (const e of result.errors)
            addError({ line: raw.line, field: e.field, message: e.message });
          continue;
        }
        const signature = copyFields(result.row);
        const earlier = seen.get(result.row.invoiceNumber);
        if (earlier) {
          if (earlier.signature === signature) {
            report.duplicateRows++;
          } else {
            report.badRows++;
            addError({
              line: raw.line,
              field: 'factura',
              message: `factura ${result.row.invoiceNumber} repetida con otros datos (línea ${earlier.line})`,
            });
          }
          continue;
        }
        seen.set(result.row.invoiceNumber, { line: raw.line, signature });
        report.goodRows++;
        batch += `${raw.line}\t${signature}\n`;
        if (batch.length >= COPY_BATCH_CHARS) {
          yield batch;
          batch = '';
        }
      }
      if (batch) yield batch;
    }
    const copy = client.query(
      copyFrom(`COPY import_rows (${STAGING_COLUMNS.join(', ')}) FROM STDIN`),
    );
    await pipeline(Readable.from(goodRows()), copy);

    await client.query('SELECT pg_advisory_xact_lock($1)', [BALANCE_LOCK_KEY]);
    // The account merge sorts every staged row; with the default 4 MB it spills to disk.
    await client.query(`SET LOCAL work_mem = '64MB'`);
    const accounts = await client.query(MERGE_ACCOUNTS, [id]);
    const invoices = await client.query(MERGE_INVOICES, [id]);
    report.accountsUpserted = accounts.rowCount ?? 0;
    report.invoicesChanged = invoices.rowCount ?? 0;
    await client.query('COMMIT');
    report.status = 'succeeded';
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    report.failure =
      err instanceof ExportFormatError
        ? err.message
        : `Error al importar: ${(err as Error).message}`;
  } finally {
    client.release();
  }
  progress(true);
  report.durationMs = Math.round(performance.now() - started);
  await pool.query(
    `UPDATE "ImportBatch" SET status = $2::"ImportStatus", "fileHash" = $3, "rowsRead" = $4, "goodRows" = $5,
       "badRows" = $6, "accountsUpserted" = $7, "invoicesChanged" = $8, errors = $9::jsonb,
       failure = $10, "finishedAt" = now()
     WHERE id = $1`,
    [
      id,
      report.status,
      fileHash,
      report.rowsRead,
      report.goodRows,
      report.badRows,
      report.accountsUpserted,
      report.invoicesChanged,
      JSON.stringify({
        items: report.errors,
        truncated: report.errorsTruncated,
        duplicateRows: report.duplicateRows,
      }),
      report.failure,
    ],
  );
  return report;
}
