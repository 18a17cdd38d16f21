/**
 * Roll and cure rates, suspensions with their lead time, títulos de crédito and coactivas: a
 * small portfolio written straight to the tables with absolute dates, every figure computed by
 * hand in the comments, read through GET /api/dashboard and the XLSX/CSV exports.
 *
 * Period 2025-01-01 … 2025-03-31 (Guayaquil, UTC−05:00): [2025-01-01T05:00Z, 2025-04-01T05:00Z).
 * Days past due count from `oldestDueOn`; 2025-03-31 is 89 days after 2025-01-01.
 *
 * | case | sector | gestor | oldestDueOn | días al 1/1 | días al 31/3 | fin del periodo               |
 * | k1   | Norte  | a      | 2024-12-20  | 12 (0-30)   | 101 (91-180) | abierto → rodó                |
 * | k2   | Norte  | a      | 2024-11-01  | 61 (61-90)  |              | pagado 15/2 → curado          |
 * | k3   | Sur    | b      | 2024-12-01  | 31 (31-60)  | 120          | convenio vigente → curado     |
 * | k4   | Sur    | b      | 2024-06-01  | 214 (181-360) | 303 (181-360) | mismo tramo              |
 * | k5   | Norte  | a      | 2024-10-15  | 78 (61-90)  |              | castigado 1/3 → cerrado otro  |
 * | k6   | Norte  | a      | 2024-11-01  | convenio vigente al inicio: fuera de la cohorte             |
 * | k7   | Sur    | b      | abierto el 1/2: fuera de la cohorte                                          |
 * | k8   | Norte  | a      | cerrado el 20/12/2024: fuera de la cohorte                                   |
 * | k9   | Norte  | a      | 2024-12-25  | 7 (0-30)    | 96 (91-180)  | convenio roto 1/3 → rodó      |
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../../api/routes/dashboard.js';
import { XLSX_HEADER_ROW } from '../../reports/export.js';
import { startTestApi, type TestApi } from './support.js';

const PERIOD = { from: '2025-01-01', to: '2025-03-31' };
type K = 'k1' | 'k2' | 'k3' | 'k4' | 'k5' | 'k6' | 'k7' | 'k8' | 'k9';

describe('roll and cure, suspensions, títulos and coactivas', () => {
  let api: TestApi;
  let a: string;
  let b: string;
  const k = {} as Record<K, { id: string; accountId: string }>;

  let n = 0;
  async function makeCase(
    sector: string,
    collector: string,
    oldestDueOn: string,
    opts: { openedAt?: string; closedAt?: string; closeReason?: 'paid' | 'written_off' } = {},
  ) {
    n += 1;
    const acc = await api.db.prisma.account.create({
      data: {
        number: `L-${n}`,
        holderName: `Titular ${n}`,
        holderId: '0102030405',
        address: 'Calle 1',
        sector,
        route: 'R-1',
        category: 'residencial',
      },
    });
    const id = randomUUID();
    const closed = Boolean(opts.closedAt);
    await api.db.prisma.case.create({
      data: {
        id,
        workflowId: `case-${id}`,
        accountId: acc.id,
        openKey: closed ? null : acc.id,
        status: closed ? 'closed' : 'open',
        stage: closed ? 'closed' : 'reminder',
        priority: 500,
        balanceCents: closed ? 0 : 10_000,
        openingBalanceCents: 10_000,
        overdueInvoices: 1,
        oldestDueOn: new Date(`${oldestDueOn}T00:00:00Z`),
        assignedCollectorId: collector,
        policyVersion: 1,
        openedAt: new Date(opts.openedAt ?? '2024-10-01T12:00:00Z'),
        ...(closed
          ? { closedAt: new Date(opts.closedAt!), closeReason: opts.closeReason ?? 'paid' }
          : {}),
      },
    });
    return { id, accountId: acc.id };
  }
  let ev = 0;
  const event = (c: K, type: string, at: string, data: Record<string, string | number> = {}) => ({
    eventKey: `legal:${(ev += 1)}`,
    caseId: k[c].id,
    type,
    stage: 'reminder' as const,
    occurredAt: new Date(at),
    actor: 'system',
    data,
  });
  const title = (number: string, amountCents: number, version = 1) => ({
    number,
    version,
    amountCents,
  });

  beforeAll(async () => {
    api = await startTestApi();
    const { prisma } = api.db;
    a = api.users.collector.id;
    b = (
      await prisma.user.create({
        data: {
          username: 'bruno',
          displayName: 'Bruno Gestor',
          role: 'collector',
          passwordHash: 'x',
        },
      })
    ).id;
    k.k1 = await makeCase('Norte', a, '2024-12-20');
    k.k2 = await makeCase('Norte', a, '2024-11-01', { closedAt: '2025-02-15T15:00:00Z' });
    k.k3 = await makeCase('Sur', b, '2024-12-01');
    k.k4 = await makeCase('Sur', b, '2024-06-01');
    k.k5 = await makeCase('Norte', a, '2024-10-15', {
      closedAt: '2025-03-01T15:00:00Z',
      closeReason: 'written_off',
    });
    k.k6 = await makeCase('Norte', a, '2024-11-01');
    k.k7 = await makeCase('Sur', b, '2024-12-01', {
      openedAt: '2025-02-01T12:00:00Z',
      closedAt: '2025-03-25T15:00:00Z',
    });
    k.k8 = await makeCase('Norte', a, '2024-09-01', { closedAt: '2024-12-20T15:00:00Z' });
    k.k9 = await makeCase('Norte', a, '2024-12-25');

    await prisma.caseEvent.createMany({
      data: [
        // Agreements: k3 signed in the period and in force at its end; k6 in force at its
        // start; k9 signed then broken.
        event('k3', 'agreement_signed', '2025-02-01T15:00:00Z'),
        event('k6', 'agreement_signed', '2024-12-15T15:00:00Z'),
        event('k9', 'agreement_signed', '2025-01-05T15:00:00Z'),
        event('k9', 'agreement_broken', '2025-03-01T15:00:00Z'),

        // Suspensions: O-1 ordered → cut in 10 h; O-2 ordered before the period, cut in it
        // 70 h later (30 Dec 15:00 → 2 Jan 13:00); O-3 not done; O-4 ordered on 31 Mar at
        // 15:00 local (in the period), not yet cut.
        event('k1', 'suspension_ordered', '2025-02-01T15:00:00Z', { orderId: 'O-1' }),
        event('k1', 'suspension_done', '2025-02-02T03:00:00Z', {
          orderId: 'O-1',
          performedAt: '2025-02-02T01:00:00.000Z',
        }),
        event('k3', 'suspension_ordered', '2024-12-30T15:00:00Z', { orderId: 'O-2' }),
        event('k3', 'suspension_done', '2025-01-02T15:00:00Z', {
          orderId: 'O-2',
          performedAt: '2025-01-02T13:00:00.000Z',
        }),
        event('k9', 'suspension_ordered', '2025-03-10T15:00:00Z', { orderId: 'O-3' }),
        event('k9', 'suspension_not_done', '2025-03-11T15:00:00Z', { orderId: 'O-3' }),
        event('k4', 'suspension_ordered', '2025-03-31T20:00:00Z', { orderId: 'O-4' }),
        // Reconnection 18 h after the agreement was signed.
        event('k3', 'reconnection_done', '2025-02-02T09:00:00Z', {
          triggeredAt: '2025-02-01T15:00:00.000Z',
          performedAt: '2025-02-02T09:00:00.000Z',
        }),

        // Títulos: T-1 issued 10 Jan for 200.00, corrected to 190.00 (same number: one
        // title, its latest amount), notified, case paid 15 Feb. T-2 issued and notified in
        // 2024. T-3 issued, notified and paid in the period (123.45). T-4 issued 31 Mar at
        // 18:00 local (70.00), notified on 1 Apr local (after). T-5 issued and paid in 2024.
        event('k2', 'credit_title_issued', '2025-01-10T15:00:00Z', title('T-1', 20_000)),
        event('k2', 'credit_title_issued', '2025-01-12T15:00:00Z', title('T-1', 19_000, 2)),
        event('k2', 'credit_title_notified', '2025-01-20T15:00:00Z', { number: 'T-1' }),
        event('k4', 'credit_title_issued', '2024-11-01T15:00:00Z', title('T-2', 50_000)),
        event('k4', 'credit_title_notified', '2024-11-20T15:00:00Z', { number: 'T-2' }),
        event('k7', 'credit_title_issued', '2025-02-20T15:00:00Z', title('T-3', 12_345)),
        event('k7', 'credit_title_notified', '2025-03-01T15:00:00Z', { number: 'T-3' }),
        event('k1', 'credit_title_issued', '2025-03-31T23:00:00Z', title('T-4', 7_000)),
        event('k1', 'credit_title_notified', '2025-04-01T06:00:00Z', { number: 'T-4' }),
        event('k8', 'credit_title_issued', '2024-12-01T15:00:00Z', title('T-5', 9_999)),

        // Coactivas: k4 opened 15 Jan for 500.00; k7 opened 20 Mar for 123.45 and paid in
        // full on 25 Mar; k8 opened and paid in 2024.
        event('k4', 'coactiva_opened', '2025-01-15T15:00:00Z', {
          titleNumber: 'T-2',
          balanceCents: 50_000,
        }),
        event('k7', 'coactiva_opened', '2025-03-20T15:00:00Z', {
          titleNumber: 'T-3',
          balanceCents: 12_345,
        }),
        event('k8', 'coactiva_opened', '2024-12-10T15:00:00Z', {
          titleNumber: 'T-5',
          balanceCents: 9_999,
        }),
      ],
    });
    const pay = (c: K, cents: number, at: string) => ({
      reference: `P-${randomUUID()}`,
      accountId: k[c].accountId,
      caseId: k[c].id,
      amountCents: cents,
      paidAt: new Date(at),
      source: 'billing',
    });
    await prisma.payment.createMany({
      data: [
        pay('k4', 1_000, '2025-01-10T15:00:00Z'), // before its coactiva opened
        pay('k4', 5_000, '2025-02-10T15:00:00Z'),
        pay('k4', 2_000, '2025-03-31T23:00:00Z'), // 18:00 on 31 Mar local: in the period
        pay('k4', 3_000, '2025-04-01T06:00:00Z'), // 01:00 on 1 Apr local: after
        pay('k7', 12_345, '2025-03-25T12:00:00Z'),
        pay('k8', 9_999, '2024-12-20T12:00:00Z'),
      ],
    });
  });
  afterAll(() => api?.close());

  const dashboard = async (query: Record<string, string> = {}) => {
    const r = await api.call<Dashboard>('get', '/api/dashboard', {
      token: api.tokens.manager,
      query: { ...PERIOD, ...query },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  it('roll and cure rates, overall and by the bucket at the start', async () => {
    const d = await dashboard();
    // Cohort k1, k2, k3, k4, k5, k9: rolled k1, k9; cured k2 (paid), k3 (agreement in force);
    // closed otherwise k5; k4 stays in 181-360.
    expect(d.rollCure.total).toEqual({
      cases: 6,
      rolled: 2,
      cured: 2,
      closedOther: 1,
      rollRate: 2 / 6,
      cureRate: 2 / 6,
    });
    expect(
      d.rollCure.byBucket.map((x) => [x.bucket, x.cases, x.rolled, x.cured, x.closedOther]),
    ).toEqual([
      ['0-30', 2, 2, 0, 0], // k1, k9
      ['31-60', 1, 0, 1, 0], // k3
      ['61-90', 2, 0, 1, 1], // k2 cured, k5 written off
      ['91-180', 0, 0, 0, 0],
      ['181-360', 1, 0, 0, 0], // k4
      ['361+', 0, 0, 0, 0],
    ]);
    expect(d.rollCure.byBucket.map((x) => [x.rollRate, x.cureRate])).toEqual([
      [1, 0],
      [0, 1],
      [0, 0.5],
      [null, null],
      [0, 0],
      [null, null],
    ]);
  });

  it('suspensions with the lead time from the field order, reconnections from the trigger', async () => {
    const d = await dashboard();
    // Ordered in the period: O-1, O-3, O-4. Done: O-1 (10 h), O-2 (70 h) → avg 40, max 70.
    expect(d.suspensions).toEqual({ ordered: 3, done: 2, notDone: 1, avgHours: 40, maxHours: 70 });
    expect(d.reconnection).toEqual({ count: 1, avgHours: 18, maxHours: 18 });
  });

  it('títulos issued / notified / paid and coactivas opened / recovered', async () => {
    const d = await dashboard();
    // Issued T-1 190.00 + T-3 123.45 + T-4 70.00; notified T-1, T-3; paid T-1, T-3.
    expect(d.creditTitles).toEqual({
      issued: 3,
      issuedAmount: '383.45',
      notified: 2,
      notifiedAmount: '313.45',
      paid: 2,
      paidAmount: '313.45',
    });
    // Opened k4 500.00 + k7 123.45; recovered 50.00 + 20.00 (k4) + 123.45 (k7).
    expect(d.coactivas).toEqual({
      opened: 2,
      openedAmount: '623.45',
      recovered: '193.45',
      payments: 3,
      paidInFull: 1,
    });
  });

  it('applies the sector and collector filters, and answers an empty period', async () => {
    const norte = await dashboard({ sector: 'Norte' });
    // k1, k2, k5, k9.
    expect(norte.rollCure.total).toMatchObject({ cases: 4, rolled: 2, cured: 1, closedOther: 1 });
    // O-1 done in 10 h, O-3 not done.
    expect(norte.suspensions).toEqual({
      ordered: 2,
      done: 1,
      notDone: 1,
      avgHours: 10,
      maxHours: 10,
    });
    // T-1 (190.00) and T-4 (70.00) issued, T-1 notified and paid; no coactiva in Norte.
    expect(norte.creditTitles).toEqual({
      issued: 2,
      issuedAmount: '260.00',
      notified: 1,
      notifiedAmount: '190.00',
      paid: 1,
      paidAmount: '190.00',
    });
    expect(norte.coactivas).toMatchObject({ opened: 0, recovered: '0.00', payments: 0 });

    const bruno = await dashboard({ collectorId: b });
    // k3 (cured), k4.
    expect(bruno.rollCure.total).toMatchObject({ cases: 2, rolled: 0, cured: 1 });
    expect(bruno.suspensions).toEqual({
      ordered: 1,
      done: 1,
      notDone: 0,
      avgHours: 70,
      maxHours: 70,
    });
    expect(bruno.coactivas).toMatchObject({ opened: 2, recovered: '193.45', paidInFull: 1 });

    const quiet = await dashboard({ from: '2020-01-01', to: '2020-01-31' });
    expect(quiet.rollCure.total).toEqual({
      cases: 0,
      rolled: 0,
      cured: 0,
      closedOther: 0,
      rollRate: null,
      cureRate: null,
    });
    expect(quiet.suspensions).toEqual({
      ordered: 0,
      done: 0,
      notDone: 0,
      avgHours: null,
      maxHours: null,
    });
    expect(quiet.creditTitles.issued).toBe(0);
    expect(quiet.coactivas.recovered).toBe('0.00');
  });

  async function xlsx(name: string, sheet?: string) {
    const res = await fetch(
      `${api.url}/api/reports/${name}.xlsx?${new URLSearchParams(PERIOD).toString()}`,
      { headers: { authorization: `Bearer ${api.tokens.manager}` } },
    );
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
    const ws = sheet ? wb.getWorksheet(sheet) : wb.worksheets[0];
    if (!ws) throw new Error(`no sheet ${sheet}`);
    const value = (cell: ExcelJS.Cell): unknown => {
      const v = cell.value;
      return v && typeof v === 'object' && 'result' in v ? v.result : v;
    };
    const row = (r: number, width: number) =>
      Array.from({ length: width }, (_, i) => value(ws.getCell(r, i + 1)));
    return { wb, ws, row };
  }

  it('exports the roll and cure table with a totals row whose rates are ratios of the totals', async () => {
    const { ws, row } = await xlsx('rodamiento');
    const h = XLSX_HEADER_ROW;
    expect(String(ws.getCell(2, 1).value)).toContain('Periodo: 2025-01-01 a 2025-03-31');
    expect(row(h, 7)).toEqual([
      'Días de mora al inicio',
      'Casos en mora al inicio',
      'Pasaron a un tramo peor',
      'Curados',
      'Cerrados sin pago',
      'Tasa de rodamiento',
      'Tasa de cura',
    ]);
    expect([1, 2, 3, 4, 5, 6].map((i) => row(h + i, 7))).toEqual([
      ['1 a 30 días', 2, 2, 0, 0, 1, 0],
      ['31 a 60 días', 1, 0, 1, 0, 0, 1],
      ['61 a 90 días', 2, 0, 1, 1, 0, 0.5],
      ['91 a 180 días', 0, 0, 0, 0, null, null],
      ['181 a 360 días', 1, 0, 0, 0, 0, 0],
      ['Más de 360 días', 0, 0, 0, 0, null, null],
    ]);
    expect(row(h + 7, 7)).toEqual(['Total', 6, 2, 2, 1, 2 / 6, 2 / 6]);
    expect((ws.getCell(h + 7, 6).value as { formula: string }).formula).toBe(`C${h + 7}/B${h + 7}`);
    expect((ws.getCell(h + 7, 2).value as { formula: string }).formula).toBe(
      `SUM(B${h + 1}:B${h + 6})`,
    );
  });

  it('exports suspensions and títulos/coactivas, also as sheets of the portfolio workbook', async () => {
    const s = await xlsx('suspensiones');
    const h = XLSX_HEADER_ROW;
    expect(s.row(h, 3)).toEqual(['Indicador', 'Cantidad', 'Horas']);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((i) => s.row(h + i, 3).slice(1))).toEqual([
      [3, null],
      [2, null],
      [1, null],
      [null, 40],
      [null, 70],
      [1, null],
      [null, 18],
      [null, 18],
    ]);
    const t = await xlsx('titulos-coactivas');
    expect([1, 2, 3, 4, 5, 6].map((i) => t.row(h + i, 3))).toEqual([
      ['Títulos de crédito emitidos', 3, 383.45],
      ['Títulos de crédito notificados', 2, 313.45],
      ['Títulos de crédito pagados', 2, 313.45],
      ['Coactivas abiertas', 2, 623.45],
      ['Pagos recibidos en coactiva', 3, 193.45],
      ['Coactivas pagadas en su totalidad', 1, null],
    ]);

    const { wb } = await xlsx('cartera');
    expect(wb.worksheets.map((w) => w.name).slice(-3)).toEqual([
      'Rodamiento',
      'Suspensiones',
      'Títulos y coactivas',
    ]);
    const roll = wb.getWorksheet('Rodamiento')!;
    expect(roll.getCell(h + 7, 1).value).toBe('Total');
    expect((roll.getCell(h + 7, 2).value as { result: number }).result).toBe(6);
  });

  it('exports roll and cure as CSV with the totals row', async () => {
    const res = await fetch(
      `${api.url}/api/reports/rodamiento.csv?${new URLSearchParams(PERIOD).toString()}`,
      { headers: { authorization: `Bearer ${api.tokens.manager}` } },
    );
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines).toHaveLength(8);
    expect(lines[4]).toBe('91 a 180 días,0,0,0,0,,');
    expect(lines[7]).toBe('Total,6,2,2,1,0.3333,0.3333');
  });
});
