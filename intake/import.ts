/**
 * Portfolio intake, step 1: load a billing export into accounts and invoices.
 *
 * Good rows go through COPY into temporary tables and are merged in ONE transaction, so an
 * import is all-or-nothing for its good rows; bad rows are reported by line and field and
 * never block the good ones. The merge only touches rows whose values changed, so importing
 * the same file twice changes nothing and a newer file updates balances.
 *
 * The file is merged in steps of a few thousand rows: PostgreSQL merges one step while this
 * process parses and validates the next. Each account is staged once (its first line creates
 * it if new); after the last step every account gets its last line's data where it differs,
 * which is the same result as merging the whole file at once.
 *
 * With a billing mirror (the bundled simulator plays billing), every good row is handed to it
 * after the commit, so the simulator knows each account and invoice the cases will bill.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { validatePortfolioRow, type PortfolioRow } from '../domain/portfolio-row.js';
import type { BillingMirror } from '../activities/billing/simulator.js';
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
  /**
   * The billing simulator's copy of the good rows, when a mirror was given and the import
   * succeeded: rows sent, time taken (within `durationMs`), and why it failed (the import
   * stays committed; importing the same file again sends the rows again).
   */
  billingMirror: {
    target: string;
    rows: number;
    durationMs: number;
    failure: string | null;
  } | null;
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
  /**
   * The bundled billing simulator, told every good row once the import commits. Unset when
   * billing is a real system. @default none
   */
  billingMirror?: BillingMirror | undefined;
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** Escapes a value for COPY's text format. */
function copyText(v: string | number | null): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') return String(v);
  if (!COPY_SPECIAL.test(v)) return v; // nearly every value: skip the four replaces
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The account's columns of `import_accounts`, in COPY text format. */
function accountFields(r: PortfolioRow): string {
  return `${copyText(r.accountNumber)}\t${copyText(r.holderId)}\t${copyText(r.holderName)}\t${copyText(r.address)}\t${copyText(r.sector)}\t${copyText(r.route)}\t${r.category}\t${copyText(r.phone)}\t${copyText(r.email)}\t${r.protection}`;
}

/** The invoice's columns of `import_invoices`, in COPY text format. */
function invoiceFields(r: PortfolioRow): string {
  return `${copyText(r.accountNumber)}\t${copyText(r.invoiceNumber)}\t${r.issuedOn}\t${r.dueOn}\t${r.amountCents}\t${r.balanceCents}`;
}

const ACCOUNT_COLUMNS =
  'account_number, holder_id, holder_name, address, sector, route, category, phone, email, protection';
const INVOICE_COLUMNS =
  'account_number, invoice_number, issued_on, due_on, amount_cents, balance_cents';

const CREATE_STAGING = `
  CREATE TEMP TABLE import_accounts (
    account_number text, holder_id text, holder_name text, address text, sector text,
    route text, category text, phone text, email text, protection text, counted boolean
  ) ON COMMIT DROP;
  CREATE TEMP TABLE import_invoices (
    account_number text, invoice_number text, issued_on date, due_on date,
    amount_cents int, balance_cents int
  ) ON COMMIT DROP`;

/**
 * Good rows per merge step. The file is merged in steps so that PostgreSQL merges one step
 * while this process parses and validates the next (two cores, both busy).
 */
const STEP_ROWS = 8_192;

async function hashFile(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(filePath), hash);
  return hash.digest('hex');
}

/** Accounts first seen in a step: inserted with that line's data (the final step corrects it). */
const INSERT_NEW_ACCOUNTS = `
  INSERT INTO "Account" (id, number, "holderName", "holderId", address, sector, route, category,
                         phone, email, protection, "lastImportId", "createdAt", "updatedAt")
  SELECT gen_random_uuid(), account_number, holder_name, holder_id, address, sector, route,
         category::"AccountCategory", phone, email, protection::"Protection", $1::uuid, now(), now()
  FROM import_accounts
  ON CONFLICT (number) DO NOTHING
  RETURNING number`;

/**
 * Every account gets its last line's data where it differs. `counted` is false for accounts
 * this import created (already counted once when inserted).
 */
const UPDATE_ACCOUNTS = `
  WITH changed AS (
    UPDATE "Account" a SET
      "holderName" = s.holder_name, "holderId" = s.holder_id, address = s.address,
      sector = s.sector, route = s.route, category = s.category::"AccountCategory",
      phone = s.phone, email = s.email, protection = s.protection::"Protection",
      "lastImportId" = $1::uuid, "updatedAt" = now()
    FROM import_accounts s
    WHERE a.number = s.account_number
      AND (a."holderName", a."holderId", a.address, a.sector, a.route, a.category, a.phone, a.email, a.protection)
          IS DISTINCT FROM
          (s.holder_name, s.holder_id, s.address, s.sector, s.route, s.category::"AccountCategory",
           s.phone, s.email, s.protection::"Protection")
    RETURNING s.counted
  )
  SELECT count(*) FILTER (WHERE counted)::int AS n FROM changed`;

const MERGE_INVOICES = `
  INSERT INTO "Invoice" AS i (id, number, "accountId", "issuedOn", "dueOn", "amountCents", "balanceCents",
                              "lastImportId", "updatedAt")
  SELECT gen_random_uuid(), r.invoice_number, a.id, r.issued_on, r.due_on, r.amount_cents, r.balance_cents,
         $1::uuid, now()
  FROM import_invoices r JOIN "Account" a ON a.number = r.account_number
  ON CONFLICT (number) DO UPDATE SET
    "accountId" = EXCLUDED."accountId", "issuedOn" = EXCLUDED."issuedOn", "dueOn" = EXCLUDED."dueOn",
    "amountCents" = EXCLUDED."amountCents", "balanceCents" = EXCLUDED."balanceCents",
    "lastImportId" = EXCLUDED."lastImportId", "updatedAt" = now()
  WHERE (i."accountId", i."issuedOn", i."dueOn", i."amountCents", i."balanceCents")
        IS DISTINCT FROM
        (EXCLUDED."accountId", EXCLUDED."issuedOn", EXCLUDED."dueOn", EXCLUDED."amountCents", EXCLUDED."balanceCents")`;

/** Sends COPY text-format lines into a staging table. */
async function copyLines(client: pg.PoolClient, table: string, columns: string, lines: string) {
  await pipeline(
    Readable.from([lines]),
    client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)),
  );
}

/** Hands the committed rows to the billing simulator; a failure is reported, not thrown. */
async function mirrorToBilling(
  mirror: BillingMirror,
  rows: PortfolioRow[],
): Promise<NonNullable<ImportReport['billingMirror']>> {
  const started = performance.now();
  let failure: string | null = null;
  try {
    await mirror.mirrorRows(rows);
  } catch (err) {
    failure = `El simulador de facturación (${mirror.target}) no recibió las cuentas importadas: ${(err as Error).message}`;
  }
  return {
    target: mirror.target,
    rows: rows.length,
    durationMs: Math.round(performance.now() - started),
    failure,
  };
}

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
  const { size: totalBytes } = await stat(source.filePath);
  // Hashed while the rows are read: the hash only goes into the batch row at the end.
  const hashing = hashFile(source.filePath);
  hashing.catch(() => undefined); // awaited below

  const report: ImportReport = {
    id,
    status: 'failed',
    fileName: source.fileName,
    fileHash: '',
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
    billingMirror: null,
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

  /** Good rows, first line of each invoice, for the billing mirror (kept only for one). */
  const mirrored: PortfolioRow[] | null = opts.billingMirror ? [] : null;
  const client = await pool.connect();
  // The step PostgreSQL is merging while the next one is read; it is always awaited before
  // the connection is used again or released.
  let merging: Promise<void> = Promise.resolve();
  try {
    await client.query('BEGIN');
    await client.query(CREATE_STAGING);
    await client.query('SELECT pg_advisory_xact_lock($1)', [BALANCE_LOCK_KEY]);

    /** Invoice number → its first line and data (to tell exact repeats from conflicts). */
    const seen = new Map<string, { line: number; account: string; invoice: string }>();
    /** Account number → its last line's data, and whether another line said otherwise. */
    const accounts = new Map<string, { fields: string; varies: boolean }>();
    /** Accounts this import created. */
    const created = new Set<string>();

    const mergeStep = async (newAccounts: string, invoices: string): Promise<void> => {
      await client.query('TRUNCATE import_accounts, import_invoices');
      if (newAccounts) {
        await copyLines(client, 'import_accounts', ACCOUNT_COLUMNS, newAccounts);
        const inserted = await client.query<{ number: string }>(INSERT_NEW_ACCOUNTS, [id]);
        for (const { number } of inserted.rows) created.add(number);
        report.accountsUpserted += inserted.rowCount ?? 0;
      }
      await copyLines(client, 'import_invoices', INVOICE_COLUMNS, invoices);
      const merged = await client.query(MERGE_INVOICES, [id]);
      report.invoicesChanged += merged.rowCount ?? 0;
    };

    let stepAccounts = '';
    let stepInvoices = '';
    let stepRows = 0;
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
      const row = result.row;
      const invoice = invoiceFields(row);
      let account = accountFields(row);
      const earlier = seen.get(row.invoiceNumber);
      if (earlier) {
        if (earlier.account === account && earlier.invoice === invoice) {
          report.duplicateRows++;
        } else {
          report.badRows++;
          addError({
            line: raw.line,
            field: 'factura',
            message: `factura ${row.invoiceNumber} repetida con otros datos (línea ${earlier.line})`,
          });
        }
        continue;
      }
      report.goodRows++;
      const known = accounts.get(row.accountNumber);
      if (!known) {
        accounts.set(row.accountNumber, { fields: account, varies: false });
        stepAccounts += `${account}\n`;
      } else if (known.fields === account) {
        account = known.fields; // one string per account, not per line
      } else {
        known.fields = account; // the last line wins
        known.varies = true;
      }
      seen.set(row.invoiceNumber, { line: raw.line, account, invoice });
      mirrored?.push(row);
      stepInvoices += `${invoice}\n`;
      if (++stepRows === STEP_ROWS) {
        await merging;
        merging = mergeStep(stepAccounts, stepInvoices);
        merging.catch(() => undefined); // awaited before the next step, or in the catch below
        stepAccounts = stepInvoices = '';
        stepRows = 0;
      }
    }
    await merging;
    if (stepRows > 0) await mergeStep(stepAccounts, stepInvoices);

    // Accounts that existed, and created ones whose later lines changed them, get their last
    // line's data where it differs.
    let finalAccounts = '';
    for (const [number, { fields, varies }] of accounts) {
      const isNew = created.has(number);
      if (isNew && !varies) continue;
      finalAccounts += `${fields}\t${isNew ? 'f' : 't'}\n`;
    }
    if (finalAccounts) {
      await client.query('TRUNCATE import_accounts');
      await copyLines(client, 'import_accounts', `${ACCOUNT_COLUMNS}, counted`, finalAccounts);
      const updated = await client.query<{ n: number }>(UPDATE_ACCOUNTS, [id]);
      report.accountsUpserted += updated.rows[0]!.n;
    }
    await client.query('COMMIT');
    report.status = 'succeeded';
  } catch (err) {
    await merging.catch(() => undefined);
    await client.query('ROLLBACK').catch(() => undefined);
    report.accountsUpserted = report.invoicesChanged = 0;
    report.failure =
      err instanceof ExportFormatError
        ? err.message
        : `Error al importar: ${(err as Error).message}`;
  } finally {
    client.release();
  }
  // Before the cases open: their first fee must find the account in billing.
  if (report.status === 'succeeded' && opts.billingMirror && mirrored) {
    report.billingMirror = await mirrorToBilling(opts.billingMirror, mirrored);
  }
  report.fileHash = await hashing;
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
      report.fileHash,
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
