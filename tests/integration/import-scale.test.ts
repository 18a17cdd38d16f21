/**
 * The importer at the size of a real export and with the files clerks actually send: a
 * 100,000-row CSV with a malformed row every 997 (every bad line reported, every good one
 * stored, a re-import changes nothing), an XLSX export, a header without a required column,
 * a Latin-1 file and a cell that looks like a spreadsheet formula. Real PostgreSQL, no Temporal.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generatePortfolioRows,
  writePortfolioCsv,
  writePortfolioXlsx,
  type PortfolioFileSummary,
  type PortfolioOptions,
} from '../../demo/generate-portfolio.js';
import { makeCedula } from '../../domain/ecuador-id.js';
import { parseMoney } from '../../domain/money.js';
import { importPortfolio, type ImportReport } from '../../intake/import.js';
import { freshDatabase, type TestDatabase } from '../support/env.js';

const HEADER =
  'cuenta,cedula_ruc,titular,direccion,sector,ruta,categoria,telefono,email,factura,emision,vencimiento,valor,saldo,proteccion';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cartera-import-scale-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a correct import of a generated file must produce, worked out from the generator. */
function expectedFrom(options: PortfolioOptions) {
  const accounts = new Set<string>();
  const invoices = new Set<string>();
  let balanceCents = 0;
  for (const row of generatePortfolioRows(options)) {
    if (row.defect) continue;
    accounts.add(row.cuenta);
    invoices.add(row.factura);
    balanceCents += parseMoney(row.saldo)!;
  }
  return { accounts: accounts.size, invoices: invoices.size, balanceCents };
}

async function stored(db: TestDatabase) {
  const { rows } = await db.pool.query<{ accounts: number; invoices: number; balance: string }>(
    `SELECT (SELECT count(*)::int FROM "Account") AS accounts,
            (SELECT count(*)::int FROM "Invoice") AS invoices,
            (SELECT COALESCE(sum("balanceCents"), 0)::bigint FROM "Invoice") AS balance`,
  );
  const r = rows[0]!;
  return { accounts: r.accounts, invoices: r.invoices, balanceCents: Number(r.balance) };
}

/** Every malformed line is reported and no other line is. */
function expectErrorsOnExactly(report: ImportReport, summary: PortfolioFileSummary): void {
  expect(report.errorsTruncated).toBe(false);
  const reported = [...new Set(report.errors.map((e) => e.line))].sort((a, b) => a - b);
  const malformed = summary.malformed.map((m) => m.line).sort((a, b) => a - b);
  expect(reported).toEqual(malformed);
}

async function importFile(db: TestDatabase, filePath: string): Promise<ImportReport> {
  return importPortfolio(
    db.pool,
    { filePath, fileName: path.basename(filePath) },
    { createdBy: 'test' },
  );
}

describe('a 100,000-row CSV export with malformed rows', () => {
  const options: PortfolioOptions = { seed: 20_261_128, maxRows: 100_000, malformedEvery: 997 };
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it(
    'reports every malformed line, stores every good row, and a re-import changes nothing',
    {
      timeout: 120_000,
    },
    async () => {
      const file = path.join(dir, 'cartera-100k.csv');
      const summary = await writePortfolioCsv(file, options);
      expect(summary.rows).toBe(100_000);
      expect(summary.malformed).toHaveLength(Math.floor(100_000 / 997));

      const first = await importFile(db, file);
      expect(first).toMatchObject({
        status: 'succeeded',
        failure: null,
        rowsRead: summary.rows,
        goodRows: summary.rows - summary.malformed.length,
        badRows: summary.malformed.length,
        duplicateRows: 0,
      });
      expectErrorsOnExactly(first, summary);

      const expected = expectedFrom(options);
      expect(first.accountsUpserted).toBe(expected.accounts);
      expect(first.invoicesChanged).toBe(expected.invoices);
      expect(await stored(db)).toEqual(expected);

      const again = await importFile(db, file);
      expect(again).toMatchObject({
        status: 'succeeded',
        goodRows: first.goodRows,
        badRows: first.badRows,
        accountsUpserted: 0,
        invoicesChanged: 0,
      });
      expect(await stored(db)).toEqual(expected);
    },
  );
});

describe('an XLSX export', () => {
  const options: PortfolioOptions = {
    seed: 7,
    accounts: 5_000,
    maxRows: 5_000,
    malformedEvery: 499,
  };
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('is read like the CSV: bad rows by sheet row, good rows stored', async () => {
    const file = path.join(dir, 'cartera-5k.xlsx');
    const summary = await writePortfolioXlsx(file, options);
    expect(summary.malformed.length).toBeGreaterThan(0);

    const report = await importFile(db, file);
    expect(report).toMatchObject({
      status: 'succeeded',
      format: 'xlsx',
      rowsRead: summary.rows,
      goodRows: summary.rows - summary.malformed.length,
      badRows: summary.malformed.length,
    });
    expectErrorsOnExactly(report, summary);
    expect(await stored(db)).toEqual(expectedFrom(options));
  });
});

describe('files clerks send', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const line = (n: number, titular: string, direccion = 'Calle Bolívar 1204') =>
    [
      `CS-${n}`,
      makeCedula(7, String(300_000 + n)),
      titular,
      direccion,
      'Machala',
      'R-01-01',
      'residencial',
      '0991234567',
      '',
      `F-CS-${n}`,
      '2026-08-01',
      '2026-08-31',
      '12.50',
      '12.50',
      '',
    ].join(',');

  it('refuses a file without a required column, names the column and writes nothing', async () => {
    const before = await stored(db);
    const withoutSaldo = (text: string) =>
      text
        .split(',')
        .filter((_, i) => i !== 13)
        .join(',');
    const file = path.join(dir, 'sin-saldo.csv');
    await writeFile(file, `${withoutSaldo(HEADER)}\n${withoutSaldo(line(1, 'ANA PÉREZ'))}\n`);

    const report = await importFile(db, file);
    expect(report.status).toBe('failed');
    expect(report.failure).toMatch(/faltan columnas: saldo/);
    expect(report).toMatchObject({
      rowsRead: 0,
      goodRows: 0,
      accountsUpserted: 0,
      invoicesChanged: 0,
    });
    expect(await stored(db)).toEqual(before);
    const batch = await db.prisma.importBatch.findUniqueOrThrow({ where: { id: report.id } });
    expect(batch).toMatchObject({ status: 'failed', failure: report.failure });
  });

  it('reads a Latin-1 (Windows-1252) file with ñ and accents correctly', async () => {
    const names = ['PEÑA ÁLVAREZ JOSÉ MARÍA', 'MUÑOZ CÓRDOVA ÍÑIGO'];
    const text = [
      HEADER,
      line(11, names[0]!, '"Cdla. La Peñita, Mz. 3"'),
      line(12, names[1]!),
    ].join('\r\n');
    const file = path.join(dir, 'latin1.csv');
    await writeFile(file, Buffer.from(`${text}\r\n`, 'latin1'));

    const report = await importFile(db, file);
    expect(report).toMatchObject({ status: 'succeeded', goodRows: 2, badRows: 0 });
    const accounts = await db.prisma.account.findMany({
      where: { number: { in: ['CS-11', 'CS-12'] } },
      orderBy: { number: 'asc' },
    });
    expect(accounts.map((a) => a.holderName)).toEqual(names);
    expect(accounts[0]!.address).toBe('Cdla. La Peñita, Mz. 3');
  });

  it('keeps a formula-looking titular as plain text', async () => {
    const formula = '=HYPERLINK("http://example.com/pago","Pague aquí")';
    const quoted = `"${formula.replace(/"/g, '""')}"`;
    const file = path.join(dir, 'formula.csv');
    await writeFile(file, `${HEADER}\n${line(21, quoted)}\n`);

    const report = await importFile(db, file);
    expect(report).toMatchObject({ status: 'succeeded', goodRows: 1, badRows: 0 });
    const account = await db.prisma.account.findUniqueOrThrow({ where: { number: 'CS-21' } });
    expect(account.holderName).toBe(formula);
  });
});
