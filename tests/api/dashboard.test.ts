/**
 * The managers' dashboard over a small portfolio written straight to the tables, with every
 * figure computed by hand below; each drill-down, sent to GET /api/cases, lists as many cases
 * as the figure counts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendarDays, toLocalDate } from '../../domain/calendar.js';
import type { CaseStage } from '../../domain/case.js';
import type { Dashboard } from '../../api/routes/dashboard.js';
import { startTestApi, type TestApi } from './support.js';

const PERIOD = { from: '2025-01-01', to: '2025-03-31' };

describe('dashboard', () => {
  let api: TestApi;
  let a: string; // the API's collector, "Usuario collector"
  let b: string; // "Beatriz Gestora"
  const cases: Record<'c1' | 'c2' | 'c3' | 'c4' | 'c5', string> = {
    c1: '',
    c2: '',
    c3: '',
    c4: '',
    c5: '',
  };
  const today = toLocalDate(new Date());
  const day = (offset: number) => new Date(`${addCalendarDays(today, offset)}T00:00:00Z`);

  let n = 0;
  async function account(sector: string, invoices: { dueIn: number; cents: number }[]) {
    n += 1;
    const acc = await api.db.prisma.account.create({
      data: {
        number: `D-${n}`,
        holderName: `Titular ${n}`,
        holderId: '0102030405',
        address: 'Calle 1',
        sector,
        route: 'R-1',
        category: 'residencial',
        invoices: {
          create: invoices.map((i, k) => ({
            number: `F-D-${n}-${k}`,
            issuedOn: day(i.dueIn - 30),
            dueOn: day(i.dueIn),
            amountCents: i.cents,
            balanceCents: i.cents,
          })),
        },
      },
    });
    return acc.id;
  }
  async function openCase(
    accountId: string,
    opts: {
      stage: CaseStage;
      collector: string;
      overdueDays: number;
      cents: number;
      closed?: boolean;
    },
  ) {
    const id = randomUUID();
    await api.db.prisma.case.create({
      data: {
        id,
        workflowId: `case-${id}`,
        accountId,
        openKey: opts.closed ? null : accountId,
        status: opts.closed ? 'closed' : 'open',
        stage: opts.closed ? 'closed' : opts.stage,
        priority: 500,
        balanceCents: opts.closed ? 0 : opts.cents,
        openingBalanceCents: opts.cents,
        overdueInvoices: 1,
        oldestDueOn: day(-opts.overdueDays),
        assignedCollectorId: opts.collector,
        policyVersion: 1,
        openedAt: new Date('2024-12-01T12:00:00Z'),
        ...(opts.closed ? { closedAt: new Date('2025-03-10T12:00:00Z'), closeReason: 'paid' } : {}),
      },
    });
    return id;
  }
  let ev = 0;
  const event = (caseId: string, type: string, at: string, actor = 'system', data = {}) => ({
    eventKey: `dash:${(ev += 1)}`,
    caseId,
    type,
    stage: 'reminder' as const,
    occurredAt: new Date(at),
    actor,
    data,
  });

  beforeAll(async () => {
    api = await startTestApi();
    const { prisma } = api.db;
    a = api.users.collector.id;
    b = (
      await prisma.user.create({
        data: {
          username: 'beatriz',
          displayName: 'Beatriz Gestora',
          role: 'collector',
          passwordHash: 'x',
        },
      })
    ).id;
    const acc1 = await account('Norte', [
      { dueIn: -10, cents: 10_000 },
      { dueIn: 20, cents: 5_000 },
    ]);
    const acc2 = await account('Norte', [{ dueIn: -45, cents: 20_000 }]);
    const acc3 = await account('Norte', [{ dueIn: -400, cents: 30_000 }]);
    const acc4 = await account('Sur', [{ dueIn: -100, cents: 8_000 }]);
    const acc5 = await account('Sur', []);
    const acc6 = await account('Norte', [{ dueIn: 5, cents: 4_000 }]);
    cases.c1 = await openCase(acc1, {
      stage: 'reminder',
      collector: a,
      overdueDays: 10,
      cents: 10_000,
    });
    cases.c2 = await openCase(acc2, {
      stage: 'agreement',
      collector: a,
      overdueDays: 45,
      cents: 20_000,
    });
    cases.c3 = await openCase(acc3, {
      stage: 'coactiva',
      collector: b,
      overdueDays: 400,
      cents: 30_000,
    });
    cases.c4 = await openCase(acc4, {
      stage: 'suspension',
      collector: b,
      overdueDays: 100,
      cents: 8_000,
    });
    cases.c5 = await openCase(acc5, {
      stage: 'reminder',
      collector: a,
      overdueDays: 70,
      cents: 1_500,
      closed: true,
    });

    const pay = (accountId: string, caseId: string | null, cents: number, at: string) => ({
      reference: `P-${randomUUID()}`,
      accountId,
      caseId,
      amountCents: cents,
      paidAt: new Date(at),
      source: 'billing',
    });
    await prisma.payment.createMany({
      data: [
        pay(acc1, cases.c1, 2_500, '2025-01-15T15:00:00Z'),
        // 22:00 on 31 January in Guayaquil: January.
        pay(acc2, cases.c2, 4_000, '2025-02-01T03:00:00Z'),
        pay(acc4, cases.c4, 1_000, '2025-03-31T23:00:00Z'),
        // 01:00 on 1 April in Guayaquil: after the period.
        pay(acc3, cases.c3, 9_900, '2025-04-01T06:00:00Z'),
        // Not applied to a case: not recovery.
        pay(acc6, null, 7_000, '2025-02-10T15:00:00Z'),
        pay(acc5, cases.c5, 1_500, '2025-03-10T12:00:00Z'),
      ],
    });

    await prisma.caseEvent.createMany({
      data: [
        event(cases.c2, 'agreement_paid_off', '2025-02-10T15:00:00Z'),
        event(cases.c2, 'agreement_paid_off', '2024-12-31T15:00:00Z'), // before the period
        event(cases.c1, 'agreement_broken', '2025-01-20T15:00:00Z'),
        event(cases.c4, 'agreement_broken', '2025-03-01T15:00:00Z'),
        event(cases.c1, 'promise_kept', '2025-01-10T15:00:00Z'),
        event(cases.c1, 'promise_broken', '2025-02-10T15:00:00Z'),
        event(cases.c3, 'promise_kept', '2025-03-05T15:00:00Z'),
        event(cases.c4, 'reconnection_done', '2025-02-15T04:00:00Z', b, {
          triggeredAt: '2025-02-14T10:00:00.000Z',
          performedAt: '2025-02-15T04:00:00.000Z',
        }),
        event(cases.c1, 'reconnection_done', '2025-03-01T18:00:00Z', a, {
          triggeredAt: '2025-02-28T12:00:00.000Z',
          performedAt: '2025-03-01T18:00:00.000Z',
        }),
        event(cases.c1, 'contact_recorded', '2025-01-05T15:00:00Z', a, { outcome: 'contacted' }),
        event(cases.c2, 'contact_recorded', '2025-01-06T15:00:00Z', a, {
          outcome: 'promise_to_pay',
          promisedOn: '2025-01-10',
        }),
        event(cases.c3, 'contact_recorded', '2025-02-02T15:00:00Z', b, {
          outcome: 'promise_to_pay',
        }),
        event(cases.c1, 'contact_recorded', '2024-12-01T15:00:00Z', a, { outcome: 'contacted' }),
      ],
    });
    const task = (caseId: string, by: string | null, completedAt: string | null) => ({
      id: randomUUID(),
      caseId,
      workflowId: `case-${caseId}`,
      type: 'contact_debtor',
      role: 'collector' as const,
      status: completedAt ? ('done' as const) : ('open' as const),
      priority: 500,
      dueAt: new Date('2025-01-31T12:00:00Z'),
      completedAt: completedAt ? new Date(completedAt) : null,
      completedBy: by,
    });
    await prisma.task.createMany({
      data: [
        task(cases.c1, a, '2025-01-05T15:00:00Z'),
        task(cases.c2, a, '2025-01-06T15:00:00Z'),
        task(cases.c4, b, '2025-03-02T15:00:00Z'),
        task(cases.c1, a, '2024-12-01T15:00:00Z'),
        task(cases.c3, null, null),
      ],
    });
    const agreement = (caseId: string, status: string) => ({
      id: randomUUID(),
      caseId,
      status,
      totalCents: 10_000,
      downPaymentCents: 2_000,
      interestCents: 0,
      instalmentsCount: 4,
      proposedBy: a,
    });
    await prisma.agreement.createMany({
      data: [agreement(cases.c2, 'active'), agreement(cases.c1, 'broken')],
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
  const listed = async (drill: Record<string, string>) => {
    const r = await api.call<{ total: number }>('get', '/api/cases', {
      token: api.tokens.manager,
      query: drill,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.total;
  };

  it('computes every figure of the whole portfolio', async () => {
    const d = await dashboard();
    expect(d.period).toEqual(PERIOD);
    expect(d.filters).toEqual({ sector: null, collectorId: null });
    // Overdue: 100 + 200 + 300 + 80; not yet due: 50 + 40.
    expect(d.morosidad).toMatchObject({ overdueBalance: '680.00', portfolioBalance: '770.00' });
    expect(d.morosidad.index).toBeCloseTo(680 / 770, 10);
    expect(d.recovery).toEqual({
      recovered: '90.00',
      payments: 4,
      byMonth: [
        { month: '2025-01', amount: '65.00' },
        { month: '2025-02', amount: '0.00' },
        { month: '2025-03', amount: '25.00' },
      ],
    });
    expect(d.aging.map((x) => [x.bucket, x.cases, x.balance])).toEqual([
      ['0-30', 1, '100.00'],
      ['31-60', 1, '200.00'],
      ['61-90', 0, '0.00'],
      ['91-180', 1, '80.00'],
      ['181-360', 0, '0.00'],
      ['361+', 1, '300.00'],
    ]);
    expect(d.funnel.map((x) => [x.stage, x.cases, x.balance])).toEqual([
      ['reminder', 1, '100.00'],
      ['agreement', 1, '200.00'],
      ['suspension', 1, '80.00'],
      ['credit_title', 0, '0.00'],
      ['coactiva', 1, '300.00'],
    ]);
    expect(d.agreements).toMatchObject({ active: 1, paidOff: 1, broken: 2 });
    expect(d.agreements.complianceRate).toBeCloseTo(1 / 3, 10);
    expect(d.promises.kept).toBe(2);
    expect(d.promises.broken).toBe(1);
    expect(d.promises.keptRate).toBeCloseTo(2 / 3, 10);
    // 18 h and 30 h from trigger to reconnection.
    expect(d.reconnection).toEqual({ count: 2, avgHours: 24, maxHours: 30 });
    expect(
      d.productivity.map((p) => [
        p.collector.displayName,
        p.openCases,
        p.tasksDone,
        p.contacts,
        p.promises,
        p.recovered,
      ]),
    ).toEqual([
      ['Beatriz Gestora', 2, 1, 1, 1, '10.00'],
      ['Usuario collector', 2, 2, 2, 1, '80.00'],
    ]);
  });

  it('drills down to /api/cases listing exactly the cases each figure counts', async () => {
    const d = await dashboard();
    expect(await listed(d.morosidad.drill)).toBe(4);
    for (const x of [
      ...d.aging,
      ...d.funnel,
      ...d.productivity.map((p) => ({ ...p, cases: p.openCases })),
    ])
      expect(await listed(x.drill), JSON.stringify(x.drill)).toBe(x.cases);
    expect(d.aging.find((x) => x.bucket === '361+')!.drill).toEqual({
      status: 'open',
      daysOverdueMin: '361',
      sort: 'daysOverdue',
    });
    expect(await listed(d.agreements.drill)).toBe(d.agreements.active);
  });

  it('filters by sector and by collector, drill-downs included', async () => {
    const norte = await dashboard({ sector: 'Norte' });
    expect(norte.morosidad).toMatchObject({ overdueBalance: '600.00', portfolioBalance: '690.00' });
    expect(norte.aging.map((x) => x.cases)).toEqual([1, 1, 0, 0, 0, 1]);
    expect(norte.recovery.recovered).toBe('65.00');
    expect(norte.promises).toMatchObject({ kept: 2, broken: 1 });
    expect(norte.productivity.map((p) => [p.openCases, p.recovered])).toEqual([
      [1, '0.00'],
      [2, '65.00'],
    ]);
    for (const x of [...norte.aging, ...norte.funnel]) expect(await listed(x.drill)).toBe(x.cases);
    expect(await listed(norte.productivity[0]!.drill)).toBe(1);

    const mine = await dashboard({ collectorId: a });
    expect(mine.filters).toEqual({ sector: null, collectorId: a });
    expect(mine.morosidad).toMatchObject({ overdueBalance: '300.00', portfolioBalance: '350.00' });
    expect(mine.funnel.map((x) => x.cases)).toEqual([1, 1, 0, 0, 0]);
    expect(mine.recovery.recovered).toBe('80.00');
    expect(mine.agreements).toMatchObject({ active: 1, paidOff: 1, broken: 1 });
    expect(mine.reconnection).toMatchObject({ count: 1, avgHours: 30 });
    expect(mine.productivity.map((p) => p.collector.id)).toEqual([a]);
    for (const x of mine.funnel) expect(await listed(x.drill)).toBe(x.cases);
  });

  it('answers empty figures for a period without activity, and refuses bad periods', async () => {
    const quiet = await dashboard({ from: '2020-01-01', to: '2020-01-31' });
    expect(quiet.recovery).toEqual({
      recovered: '0.00',
      payments: 0,
      byMonth: [{ month: '2020-01', amount: '0.00' }],
    });
    expect(quiet.agreements.complianceRate).toBeNull();
    expect(quiet.promises.keptRate).toBeNull();
    expect(quiet.reconnection).toEqual({ count: 0, avgHours: null, maxHours: null });
    const bad = await api.call<{ error: { fields: Record<string, string> } }>(
      'get',
      '/api/dashboard',
      {
        token: api.tokens.manager,
        query: { from: '2025-03-01', to: '2025-01-01', collectorId: 'x' },
      },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['query.collectorId', 'query.to']);
    const collector = await api.call('get', '/api/dashboard', { token: api.tokens.collector });
    expect(collector.status).toBe(403);
  });

  it('defaults to the current month and the five before it', async () => {
    const r = await api.call<Dashboard>('get', '/api/dashboard', { token: api.tokens.admin });
    expect(r.status).toBe(200);
    expect(r.body.period.to).toBe(today);
    expect(r.body.recovery.byMonth).toHaveLength(6);
    expect(r.body.period.from.endsWith('-01')).toBe(true);
  });
});
