import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generatePortfolioRows,
  MALFORMED_DEFECTS,
  PORTFOLIO_COLUMNS,
  writePortfolioCsv,
  writePortfolioXlsx,
  type PortfolioOptions,
  type PortfolioRow,
} from '../../demo/generate-portfolio.js';
import { validateIdentification } from '../../domain/ecuador-id.js';
import {
  OPTIONAL_COLUMNS,
  REQUIRED_COLUMNS,
  validatePortfolioRow,
} from '../../domain/portfolio-row.js';

const SMALL: PortfolioOptions = { accounts: 1500, seed: 42 };
const rowsOf = (o: PortfolioOptions): PortfolioRow[] => [...generatePortfolioRows(o)];
const epochDay = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const distinctAccounts = (rows: PortfolioRow[]): number => new Set(rows.map((r) => r.cuenta)).size;
const columnsOf = (row: PortfolioRow): string[] => PORTFOLIO_COLUMNS.map((c) => row[c]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartera-portfolio-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('format', () => {
  it('writes exactly the import columns the importer knows', () => {
    expect([...PORTFOLIO_COLUMNS].sort()).toEqual(
      [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS].sort(),
    );
  });

  it('fills every column with text in the expected shape', () => {
    for (const r of rowsOf(SMALL)) {
      expect(r.cuenta).toMatch(/^\d{7}$/);
      expect(r.factura).toMatch(/^F-\d{4}-\d{7}$/);
      expect(r.factura.slice(2, 6)).toBe(r.emision.slice(0, 4));
      expect(r.ruta).toMatch(/^R-\d{2}-\d{2}$/);
      expect(['residencial', 'comercial', 'industrial', 'publica']).toContain(r.categoria);
      expect(['', 'vulnerable', 'hospital', 'escuela']).toContain(r.proteccion);
      expect(r.telefono).toMatch(/^(09\d{8}|07\d{7})?$/);
      expect(r.valor).toMatch(/^\d+\.\d{2}$/);
      expect(r.saldo).toMatch(/^\d+\.\d{2}$/);
      if (r.email) expect(r.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/);
      for (const value of columnsOf(r)) expect(value).not.toMatch(/[\r\n]/);
    }
  });
});

describe('determinism', () => {
  it('gives the same rows for the same seed and different rows for another seed', () => {
    const a = rowsOf(SMALL);
    expect(rowsOf(SMALL)).toEqual(a);
    expect(rowsOf({ ...SMALL, seed: 43 })).not.toEqual(a);
  });

  it('writes a byte-identical CSV for the same options', async () => {
    const o = { ...SMALL, malformedEvery: 11 };
    await writePortfolioCsv(join(dir, 'a.csv'), o);
    await writePortfolioCsv(join(dir, 'b.csv'), o);
    const [a, b] = await Promise.all([readFile(join(dir, 'a.csv')), readFile(join(dir, 'b.csv'))]);
    expect(a.length).toBeGreaterThan(10_000);
    expect(a.equals(b)).toBe(true);
  });

  it('stops after maxRows with a prefix of the full export', () => {
    const full = rowsOf(SMALL);
    expect(full.length).toBeGreaterThan(500);
    expect(rowsOf({ ...SMALL, maxRows: 500 })).toEqual(full.slice(0, 500));
  });

  it('rejects invalid options', () => {
    expect(() => rowsOf({ accounts: 0 })).toThrow();
    expect(() => rowsOf({ asOf: '2026-02-31' })).toThrow();
    expect(() => rowsOf({ malformedEvery: 0 })).toThrow();
  });
});

describe('good rows', () => {
  it('carry valid cédulas and RUCs', () => {
    const kinds = new Set<string>();
    for (const r of rowsOf({ accounts: 4000, seed: 7 })) {
      const id = validateIdentification(r.cedula_ruc);
      expect(id, r.cedula_ruc).toMatchObject({ ok: true });
      if (id.ok) kinds.add(id.kind);
    }
    expect([...kinds].sort()).toEqual(['cedula', 'ruc-natural', 'ruc-private', 'ruc-public']);
  });

  it('pass the importer row validation', () => {
    for (const r of rowsOf(SMALL)) {
      const result = validatePortfolioRow(r);
      expect(result.ok ? [] : result.errors, JSON.stringify(r)).toEqual([]);
    }
  });

  it('have unique invoice numbers', () => {
    const rows = rowsOf({ accounts: 4000, seed: 3, malformedEvery: 5 });
    expect(new Set(rows.map((r) => r.factura)).size).toBe(rows.length);
  });

  it('have consistent dates and balances', () => {
    const asOf = '2026-11-28';
    const byAccount = new Map<string, PortfolioRow[]>();
    for (const r of rowsOf({ ...SMALL, asOf })) {
      expect(r.emision.slice(8)).toBe('01');
      expect(epochDay(r.vencimiento) - epochDay(r.emision)).toBe(30);
      expect(r.vencimiento < asOf).toBe(true);
      const valor = Math.round(Number(r.valor) * 100);
      const saldo = Math.round(Number(r.saldo) * 100);
      expect(saldo).toBeGreaterThan(0);
      expect(saldo).toBeLessThanOrEqual(valor);
      byAccount.set(r.cuenta, [...(byAccount.get(r.cuenta) ?? []), r]);
    }
    // Each account owes consecutive months, ending with October (due 31 Oct < 28 Nov).
    for (const invoices of byAccount.values()) {
      expect(invoices.at(-1)!.emision).toBe('2026-10-01');
      const months = invoices.map(
        (r) => Number(r.emision.slice(0, 4)) * 12 + Number(r.emision.slice(5, 7)),
      );
      months.forEach((m, i) => i > 0 && expect(m - months[i - 1]!).toBe(1));
      // The titular does not change between an account's rows.
      expect(new Set(invoices.map((r) => `${r.cedula_ruc}|${r.titular}|${r.ruta}`)).size).toBe(1);
    }
  });
});

describe('realism', () => {
  const accounts = 20_000;
  const share = (n: number, of: number) => n / of;
  let rows: PortfolioRow[] = [];
  let firstRows: PortfolioRow[] = [];
  let monthsOwed: number[] = [];
  beforeAll(() => {
    rows = rowsOf({ accounts, seed: 11 });
    const owed = new Map<string, number>();
    for (const r of rows) owed.set(r.cuenta, (owed.get(r.cuenta) ?? 0) + 1);
    firstRows = [...new Map(rows.map((r) => [r.cuenta, r])).values()];
    monthsOwed = [...owed.values()];
  });

  it('has exactly the delinquent share of accounts, clamped to 25–40 %', () => {
    expect(distinctAccounts(rows)).toBe(accounts * 0.32);
    expect(distinctAccounts(rowsOf({ accounts: 2000, delinquentShare: 0.9 }))).toBe(800);
    expect(distinctAccounts(rowsOf({ accounts: 2000, delinquentShare: 0.1 }))).toBe(500);
  });

  it('is mostly residential, with long-tailed arrears', () => {
    const cat = (c: string) =>
      share(firstRows.filter((r) => r.categoria === c).length, firstRows.length);
    expect(cat('residencial')).toBeGreaterThan(0.85);
    expect(cat('residencial')).toBeLessThan(0.91);
    expect(cat('comercial')).toBeGreaterThan(0.07);
    expect(cat('publica')).toBeGreaterThan(0.01);
    const owing = (f: (m: number) => boolean) =>
      share(monthsOwed.filter(f).length, monthsOwed.length);
    expect(owing((m) => m <= 3)).toBeGreaterThan(0.6);
    expect(owing((m) => m >= 36)).toBeGreaterThan(0.01);
    const vulnerable = firstRows.filter((r) => r.proteccion === 'vulnerable').length;
    expect(share(vulnerable, firstRows.length)).toBeGreaterThan(0.02);
    expect(share(vulnerable, firstRows.length)).toBeLessThan(0.04);
  });

  it('bills residential accounts mostly between USD 8 and 20', () => {
    const bills = rows.filter((r) => r.categoria === 'residencial').map((r) => Number(r.valor));
    const median = bills.sort((a, b) => a - b)[Math.floor(bills.length / 2)]!;
    expect(median).toBeGreaterThan(9);
    expect(median).toBeLessThan(16);
  });
});

/** What a defective row must show, given the clean row it replaced. */
function expectDefect(bad: Record<string, string>, clean: PortfolioRow, defect: string): void {
  switch (defect) {
    case 'invalid_id_check_digit':
      expect(bad.cedula_ruc).not.toBe(clean.cedula_ruc);
      expect(validateIdentification(bad.cedula_ruc!).ok).toBe(false);
      break;
    case 'negative_saldo':
      expect(Number(bad.saldo)).toBeLessThan(0);
      break;
    case 'saldo_exceeds_valor':
      expect(Number(bad.saldo)).toBeGreaterThan(Number(bad.valor));
      break;
    case 'unparseable_date':
      expect(`${bad.emision} ${bad.vencimiento}`).toMatch(/31\/02\/\d{4}/);
      break;
    case 'vencimiento_before_emision':
      expect(bad.vencimiento! < bad.emision!).toBe(true);
      break;
    case 'empty_cuenta':
      expect(bad.cuenta).toBe('');
      break;
    case 'unknown_categoria':
      expect(['residencial', 'comercial', 'industrial', 'publica']).not.toContain(bad.categoria);
      break;
    case 'amount_three_decimals':
      expect(bad.valor).toMatch(/^\d+\.\d{3}$/);
      break;
    case 'email_without_at':
      expect(bad.email).not.toBe('');
      expect(bad.email).not.toContain('@');
      break;
    default:
      throw new Error(`unexpected defect ${defect}`);
  }
}

describe('malformed rows', () => {
  const every = 7;
  const o: PortfolioOptions = { ...SMALL, malformedEvery: every };

  it('are reported by CSV line and hold the defect on that line', async () => {
    const path = join(dir, 'malformed.csv');
    const summary = await writePortfolioCsv(path, o);
    const clean = rowsOf(SMALL);
    const text = await readFile(path, 'utf8');
    const records = parse(text, { info: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    const [header, ...data] = records;
    expect(header!.record).toEqual([...PORTFOLIO_COLUMNS]);
    expect(data).toHaveLength(summary.rows);
    expect(summary.rows).toBe(clean.length);
    expect(summary.accounts).toBe(distinctAccounts(clean));
    expect(summary.malformed).toHaveLength(Math.floor(summary.rows / every));
    expect(new Set(summary.malformed.map((m) => m.defect))).toEqual(new Set(MALFORMED_DEFECTS));

    const malformedLines = new Map(summary.malformed.map((m) => [m.line, m.defect]));
    const goodInvoices = new Set<string>();
    for (const [i, { record, info }] of data.entries()) {
      expect(info.lines).toBe(i + 2); // header is line 1; no field spans lines
      const row = Object.fromEntries(PORTFOLIO_COLUMNS.map((c, k) => [c, record[k]!]));
      const defect = malformedLines.get(info.lines);
      const verdict = validatePortfolioRow(row);
      if (defect) {
        expect(verdict.ok, `line ${info.lines} (${defect}) should be rejected`).toBe(false);
        expectDefect(row, clean[i]!, defect);
      } else {
        expect(verdict.ok, `line ${info.lines} should be accepted`).toBe(true);
        expect(record).toEqual(columnsOf(clean[i]!));
        goodInvoices.add(row.factura!);
      }
    }
    for (const line of malformedLines.keys()) {
      expect(goodInvoices.has(data[line - 2]!.record[PORTFOLIO_COLUMNS.indexOf('factura')]!)).toBe(
        false,
      );
    }
  });

  it('mark the defect on the generated row', () => {
    const rows = rowsOf(o);
    rows.forEach((r, i) => {
      expect(r.defect !== undefined).toBe((i + 1) % every === 0);
    });
  });
});

describe('XLSX', () => {
  it('writes sheet "cartera" that reads back with exceljs, row for row', async () => {
    const path = join(dir, 'cartera.xlsx');
    const o: PortfolioOptions = { accounts: 800, seed: 5, malformedEvery: 13 };
    const summary = await writePortfolioXlsx(path, o);
    const expected = rowsOf(o);
    expect(summary.rows).toBe(expected.length);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const sheet = workbook.getWorksheet('cartera');
    expect(sheet).toBeDefined();
    const values = (n: number): string[] =>
      PORTFOLIO_COLUMNS.map((_c, k) => {
        const v = sheet!.getRow(n).getCell(k + 1).value;
        return v === null || v === undefined ? '' : String(v);
      });
    expect(values(1)).toEqual([...PORTFOLIO_COLUMNS]);
    expect(sheet!.actualRowCount).toBe(expected.length + 1);
    expected.forEach((r, i) => expect(values(i + 2)).toEqual(columnsOf(r)));
    for (const { line, defect } of summary.malformed) {
      expect(expected[line - 2]!.defect).toBe(defect);
      const row = Object.fromEntries(PORTFOLIO_COLUMNS.map((c, k) => [c, values(line)[k]!]));
      expect(validatePortfolioRow(row).ok).toBe(false);
    }
  });
});
