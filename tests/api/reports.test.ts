/**
 * Report exports: a fixture portfolio with payments whose sums are known by hand, exported as
 * XLSX (opened back with exceljs: title, filter line, header, rows, totals row) and as CSV
 * (parsed back: BOM, header, rows, totals).
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XLSX_HEADER_ROW } from '../../reports/export.js';
import { seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

const PERIOD = { from: '2026-01-01', to: '2026-03-31' };

async function download(api: TestApi, path: string, query: Record<string, string>) {
  const res = await fetch(`${api.url}${path}?${new URLSearchParams(query).toString()}`, {
    headers: { authorization: `Bearer ${api.tokens.manager}` },
  });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function openSheet(bytes: Buffer, sheet?: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const ws = sheet ? wb.getWorksheet(sheet) : wb.worksheets[0];
  if (!ws) throw new Error(`no sheet ${sheet}`);
  return { wb, ws };
}

/** A cell's value, the cached result for formulas. */
function valueOf(cell: ExcelJS.Cell): unknown {
  const v = cell.value;
  if (v && typeof v === 'object' && 'result' in v) return v.result;
  // ExcelJS's reader drops a cached result of 0 (`<v>0</v>` is read as falsy): a formula
  // cell without one holds 0.
  if (v && typeof v === 'object' && 'formula' in v) return 0;
  return v;
}

function rowValues(ws: ExcelJS.Worksheet, row: number, width: number): unknown[] {
  return Array.from({ length: width }, (_, i) => valueOf(ws.getCell(row, i + 1)));
}

/** Minimal RFC 4180 reader (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (ch !== '\r') field += ch;
  }
  if (field || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

describe('report exports', () => {
  let api: TestApi;
  let north: SeededCase;
  let south: SeededCase;
  let northSector: string;
  let southSector: string;

  beforeAll(async () => {
    api = await startTestApi();
    north = await seedCase(api.db.prisma, { balanceCents: 20_000 });
    south = await seedCase(api.db.prisma, { balanceCents: 5_000 });
    const sectorOf = async (c: SeededCase) =>
      (await api.db.prisma.account.findUniqueOrThrow({ where: { id: c.accountId } })).sector;
    northSector = await sectorOf(north);
    southSector = await sectorOf(south);
    // Hand-computed: Feb 10.00 (north); Mar 25.50 (north) + 4.99 (south); April is outside.
    const pay = (c: SeededCase, ref: string, cents: number, at: string) =>
      api.db.prisma.payment.create({
        data: {
          reference: ref,
          accountId: c.accountId,
          caseId: c.caseId,
          amountCents: cents,
          paidAt: new Date(at),
          source: 'treasury',
        },
      });
    await pay(north, 'R-1', 1_000, '2026-02-10T15:00:00Z');
    await pay(north, 'R-2', 2_550, '2026-03-05T15:00:00Z');
    await pay(south, 'R-3', 499, '2026-03-20T15:00:00Z');
    await pay(south, 'R-4', 7_777, '2026-04-02T15:00:00Z');
    // Hand-computed: south's cut 6.5 h after its field order; a título of 50.00 issued and
    // notified on south; north in coactiva from 1 Mar (opened for 200.00), so its 25.50 of
    // 5 Mar is recovered in coactiva and its 10.00 of February is not.
    const event = (c: SeededCase, key: string, type: string, at: string, data: object) => ({
      eventKey: `reports:${key}`,
      caseId: c.caseId,
      type,
      stage: 'reminder' as const,
      occurredAt: new Date(at),
      actor: 'system',
      data,
    });
    await api.db.prisma.caseEvent.createMany({
      data: [
        event(south, 's1', 'suspension_ordered', '2026-02-01T15:00:00Z', { orderId: 'OS-1' }),
        event(south, 's2', 'suspension_done', '2026-02-01T22:00:00Z', {
          orderId: 'OS-1',
          performedAt: '2026-02-01T21:30:00.000Z',
        }),
        event(south, 't1', 'credit_title_issued', '2026-01-15T15:00:00Z', {
          number: 'TC-1',
          version: 1,
          amountCents: 5_000,
        }),
        event(south, 't2', 'credit_title_notified', '2026-01-20T15:00:00Z', { number: 'TC-1' }),
        event(north, 'c1', 'coactiva_opened', '2026-03-01T15:00:00Z', { balanceCents: 20_000 }),
      ],
    });
  });
  afterAll(() => api?.close());

  it('recovery by month as XLSX: title, filter, header, rows in dollars and a totals row', async () => {
    const { res, bytes } = await download(api, '/api/reports/recuperacion.xlsx', PERIOD);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="recuperacion-2026-01-01_2026-03-31.xlsx"',
    );
    const { ws } = await openSheet(bytes);
    expect(ws.getCell(1, 1).value).toBe('Recuperación por mes');
    expect(String(ws.getCell(2, 1).value)).toContain('Periodo: 2026-01-01 a 2026-03-31');
    expect(String(ws.getCell(2, 1).value)).toContain('Sector: todos');
    expect(String(ws.getCell(3, 1).value)).toMatch(/^Generado: \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);

    const h = XLSX_HEADER_ROW;
    expect(rowValues(ws, h, 3)).toEqual(['Mes', 'Pagos', 'Recuperado']);
    expect(ws.getCell(h, 1).font?.bold).toBe(true);
    const rows = [1, 2, 3].map((i) => rowValues(ws, h + i, 3));
    expect(rows).toEqual([
      ['2026-01', 0, 0],
      ['2026-02', 1, 10],
      ['2026-03', 2, 30.49],
    ]);
    expect(ws.getCell(h + 3, 3).numFmt).toContain('0.00');

    const totals = rowValues(ws, h + 4, 3);
    expect(totals[0]).toBe('Total');
    expect(totals[1]).toBe(rows.reduce((t, r) => t + (r[1] as number), 0));
    expect(Math.round((totals[2] as number) * 100)).toBe(
      rows.reduce((t, r) => t + Math.round((r[2] as number) * 100), 0),
    );
    expect(totals.slice(1)).toEqual([3, 40.49]);
    const formula = ws.getCell(h + 4, 3).value as { formula: string };
    expect(formula.formula).toBe(`SUM(C${h + 1}:C${h + 3})`);
    expect(ws.getRow(h + 5).cellCount).toBe(0);
  });

  it('the sector filter narrows the rows and is printed', async () => {
    const { bytes } = await download(api, '/api/reports/recuperacion-sectores.xlsx', {
      ...PERIOD,
      sector: southSector,
    });
    const { ws } = await openSheet(bytes);
    expect(String(ws.getCell(2, 1).value)).toContain(`Sector: ${southSector}`);
    const h = XLSX_HEADER_ROW;
    expect(rowValues(ws, h + 1, 3)).toEqual([southSector, 1, 4.99]);
    expect(rowValues(ws, h + 2, 3)).toEqual(['Total', 1, 4.99]);
  });

  it('the monthly portfolio workbook has one sheet per report, each with its filter', async () => {
    const { res, bytes } = await download(api, '/api/reports/cartera.xlsx', PERIOD);
    expect(res.status).toBe(200);
    const { wb } = await openSheet(bytes);
    const names = wb.worksheets.map((w) => w.name);
    expect(names).toEqual([
      'Morosidad',
      'Antigüedad',
      'Etapas',
      'Recuperación',
      'Recuperación por sector',
      'Recuperación por gestor',
      'Productividad',
      'Compromisos',
      'Rodamiento',
      'Suspensiones',
      'Títulos y coactivas',
    ]);
    for (const ws of wb.worksheets)
      expect(String(ws.getCell(2, 1).value)).toContain('Periodo: 2026-01-01 a 2026-03-31');
    // Open cases today by age: both seeded cases, 200.00 + 50.00.
    const aging = wb.getWorksheet('Antigüedad')!;
    const last = aging.rowCount;
    expect(rowValues(aging, last, 3)).toEqual(['Total', 2, 250]);
    const bySector = wb.getWorksheet('Recuperación por sector')!;
    expect(rowValues(bySector, XLSX_HEADER_ROW + 1, 3)).toEqual([northSector, 2, 35.5]);
    expect(rowValues(bySector, XLSX_HEADER_ROW + 2, 3)).toEqual([southSector, 1, 4.99]);
  });

  it('the new sheets: suspensions, títulos and coactivas, and an empty roll-rate cohort', async () => {
    const { bytes } = await download(api, '/api/reports/cartera.xlsx', PERIOD);
    const { wb } = await openSheet(bytes);
    const h = XLSX_HEADER_ROW;
    const cuts = wb.getWorksheet('Suspensiones')!;
    expect(rowValues(cuts, h, 3)).toEqual(['Indicador', 'Cantidad', 'Horas']);
    expect(rowValues(cuts, h + 1, 3)).toEqual(['Órdenes de suspensión emitidas', 1, null]);
    expect(rowValues(cuts, h + 2, 3)).toEqual(['Suspensiones ejecutadas', 1, null]);
    expect(rowValues(cuts, h + 4, 3)).toEqual(['Horas de la orden al corte (promedio)', null, 6.5]);
    const legal = wb.getWorksheet('Títulos y coactivas')!;
    expect([1, 2, 3, 4, 5, 6].map((i) => rowValues(legal, h + i, 3))).toEqual([
      ['Títulos de crédito emitidos', 1, 50],
      ['Títulos de crédito notificados', 1, 50],
      ['Títulos de crédito pagados', 0, 0],
      ['Coactivas abiertas', 1, 200],
      ['Pagos recibidos en coactiva', 1, 25.5],
      ['Coactivas pagadas en su totalidad', 0, null],
    ]);
    expect(legal.getCell(h + 1, 3).numFmt).toContain('0.00');
    // Both seeded cases were opened today: none was delinquent on 1 Jan, so every count is 0
    // and the rates, undefined, stay blank, the totals row too.
    const roll = wb.getWorksheet('Rodamiento')!;
    expect(rowValues(roll, h + 7, 7)).toEqual(['Total', 0, 0, 0, 0, null, null]);
    expect(rowValues(roll, h + 1, 7)).toEqual(['1 a 30 días', 0, 0, 0, 0, null, null]);
  });

  it('recovery as CSV: UTF-8 with BOM, header row, rows and totals', async () => {
    const { res, bytes } = await download(api, '/api/reports/recuperacion.csv', PERIOD);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(decodeURIComponent(res.headers.get('x-report-filter') ?? '')).toContain(
      'Periodo: 2026-01-01 a 2026-03-31',
    );
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(rows).toEqual([
      ['Mes', 'Pagos', 'Recuperado'],
      ['2026-01', '0', '0.00'],
      ['2026-02', '1', '10.00'],
      ['2026-03', '2', '30.49'],
      ['Total', '3', '40.49'],
    ]);
  });

  it('productivity as CSV keeps accents and quotes names', async () => {
    const { bytes } = await download(api, '/api/reports/productividad.csv', PERIOD);
    const rows = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(rows[0]).toEqual([
      'Gestor',
      'Casos abiertos',
      'Tareas hechas',
      'Contactos',
      'Promesas de pago',
      'Recuperado',
    ]);
    const body = rows.slice(1, -1);
    const total = rows.at(-1)!;
    expect(total[0]).toBe('Total');
    expect(Number(total[1])).toBe(body.reduce((t, r) => t + Number(r[1]), 0));
    expect(Number(total[5])).toBeCloseTo(
      body.reduce((t, r) => t + Number(r[5]), 0),
      2,
    );
    expect(Number(total[5])).toBeCloseTo(40.49, 2);
  });

  it('the portfolio report has several tables: CSV is refused with a reason', async () => {
    const r = await api.call<{ error: { message: string } }>('get', '/api/reports/cartera.csv', {
      token: api.tokens.manager,
      query: PERIOD,
    });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain('XLSX');
    const unknown = await api.call('get', '/api/reports/no-existe.csv', {
      token: api.tokens.manager,
    });
    expect(unknown.status).toBe(400);
  });
});
