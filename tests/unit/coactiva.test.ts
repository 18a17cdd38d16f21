import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BanksRejectedError,
  BanksSimulator,
  HttpBanksAdapter,
  mountBanksSimulator,
  SIMULATED_INSTITUTIONS,
  type RetentionRequest,
} from '../../activities/banks.js';
import { localDateToInstant } from '../../domain/calendar.js';
import {
  assessRetention,
  assessRetentions,
  checkExceptionsFiling,
  coactivaHandler,
  coactivaStep,
  EXEMPT_FUND_KINDS,
  exceptionsDeadline,
  FUND_KINDS,
  isExemptFund,
  nextDecisionAt,
  ordersExemptFundsRespected,
  paymentOrderTerm,
  retentionOrder,
  type RetentionResponse,
} from '../../domain/coactiva.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';
import training from '../../policies/training.json' with { type: 'json' };

/** 10:00 in Guayaquil on a local date. */
const at10 = (date: string) => new Date(localDateToInstant(date).getTime() + 10 * 3_600_000);
const endOf = (date: string) => localDateToInstant(date, 'end');

function trainingPolicy(): Policy {
  const r = resolvePolicy(training);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.policy;
}

describe('orden de pago inmediato: término (COA art. 279)', () => {
  it('runs 3 business days from the day after notification, skipping the weekend', () => {
    // Thursday → Friday, Monday, Tuesday.
    const term = paymentOrderTerm(at10('2026-12-03'), DEFAULT_POLICY);
    expect(term.deadlineOn).toBe('2026-12-08');
    expect(term.deadline).toEqual(endOf('2026-12-08'));
    expect(term.termText).toBe('3 días hábiles');
  });

  it('skips holidays too (9 October, Independencia de Guayaquil)', () => {
    expect(paymentOrderTerm(at10('2026-10-08'), DEFAULT_POLICY).deadlineOn).toBe('2026-10-14');
  });

  it('starts counting the next business day when notified on a weekend', () => {
    expect(paymentOrderTerm(at10('2026-12-05'), DEFAULT_POLICY).deadlineOn).toBe('2026-12-09');
  });

  it('uses the Guayaquil date of a late-night notification', () => {
    // 23:30 Thursday in Guayaquil is already Friday in UTC.
    const lateThursday = new Date(localDateToInstant('2026-12-03').getTime() + 23.5 * 3_600_000);
    expect(paymentOrderTerm(lateThursday, DEFAULT_POLICY).deadlineOn).toBe('2026-12-08');
  });

  it('follows a decreed holiday in the policy calendar', () => {
    const policy = {
      ...DEFAULT_POLICY,
      calendar: { ...DEFAULT_POLICY.calendar, extraHolidays: ['2026-12-07'], removedHolidays: [] },
    };
    expect(paymentOrderTerm(at10('2026-12-03'), policy).deadlineOn).toBe('2026-12-09');
  });

  it('is whatever the policy says (training: 20 seconds)', () => {
    const from = at10('2026-12-03');
    const term = paymentOrderTerm(from, trainingPolicy());
    expect(term.deadline.getTime() - from.getTime()).toBe(20_000);
    expect(term.termText).toBe('20 segundos');
  });

  it('asks again after the legal task SLA when the executor waits', () => {
    expect(nextDecisionAt(at10('2026-12-03'), DEFAULT_POLICY)).toEqual(endOf('2026-12-10'));
  });
});

describe('excepciones: término (COA art. 329)', () => {
  it('runs 20 business days from the day after the orden was notified, skipping holidays', () => {
    // Thu 3 December 2026: 25 December and 1 January are holidays → Monday 4 January 2027.
    const term = exceptionsDeadline(at10('2026-12-03'), DEFAULT_POLICY);
    expect(term).toEqual({
      deadline: endOf('2027-01-04'),
      deadlineOn: '2027-01-04',
      termText: '20 días hábiles',
    });
  });

  it('uses the Guayaquil date of a late-night notification, and the policy term', () => {
    const lateThursday = new Date(localDateToInstant('2026-12-03').getTime() + 23.5 * 3_600_000);
    expect(exceptionsDeadline(lateThursday, DEFAULT_POLICY).deadlineOn).toBe('2027-01-04');
    const calendarDays = {
      ...DEFAULT_POLICY,
      coactiva: {
        ...DEFAULT_POLICY.coactiva,
        exceptionsTerm: { amount: 20, unit: 'calendarDays' as const },
      },
    };
    expect(exceptionsDeadline(at10('2026-12-03'), calendarDays)).toMatchObject({
      deadlineOn: '2026-12-23',
      termText: '20 días calendario',
    });
    const from = at10('2026-12-03');
    const training = exceptionsDeadline(from, trainingPolicy());
    expect(training.deadline.getTime() - from.getTime()).toBe(60_000);
  });
});

describe('excepciones: the filing date', () => {
  const notified = at10('2026-12-03');

  it('records a filing from the day of notification to the last day of the term, on time', () => {
    for (const filedOn of ['2026-12-03', '2026-12-04', '2026-12-24', '2027-01-04']) {
      expect(checkExceptionsFiling(filedOn, notified, DEFAULT_POLICY)).toEqual({
        ok: true,
        late: false,
      });
    }
  });

  it('records a filing after the term too, flagged late: the court decides admissibility', () => {
    for (const filedOn of ['2027-01-05', '2027-06-30']) {
      expect(checkExceptionsFiling(filedOn, notified, DEFAULT_POLICY)).toEqual({
        ok: true,
        late: true,
      });
    }
  });

  it('refuses a filing before the orden was notified, or when it has not been', () => {
    expect(checkExceptionsFiling('2026-12-02', notified, DEFAULT_POLICY)).toEqual({
      ok: false,
      reason:
        'Las excepciones no pueden ser anteriores a la notificación de la orden de pago (2026-12-03)',
    });
    expect(checkExceptionsFiling('2026-12-10', null, DEFAULT_POLICY)).toEqual({
      ok: false,
      reason: 'La orden de pago inmediato aún no ha sido notificada: no caben excepciones',
    });
  });

  it('refuses a date that is not a date', () => {
    expect(checkExceptionsFiling('2026-12-32', notified, DEFAULT_POLICY)).toMatchObject({
      ok: false,
      reason: 'Fecha de presentación inválida: se espera AAAA-MM-DD',
    });
  });
});

describe('medidas cautelares: exempt funds', () => {
  it('wages, pensions and alimony are exempt; savings, checking and investments are not', () => {
    expect(FUND_KINDS.filter(isExemptFund)).toEqual(['wages', 'pensions', 'alimony']);
  });

  it('every retention order names all exempt funds and the whole debt', () => {
    const order = retentionOrder({ holderId: '0701234567', holderName: 'X', debtCents: 12_000 });
    expect(order).toEqual({
      holderId: '0701234567',
      holderName: 'X',
      amountCents: 12_000,
      exemptFundKinds: ['wages', 'pensions', 'alimony'],
    });
    expect(ordersExemptFundsRespected(order.exemptFundKinds)).toBe(true);
    expect(ordersExemptFundsRespected(['wages', 'pensions'])).toBe(false);
    expect(() => retentionOrder({ holderId: '1', holderName: 'X', debtCents: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('medidas cautelares: assessing bank answers', () => {
  const r = (over: Partial<RetentionResponse>): RetentionResponse => ({
    institution: 'Banco de Machala',
    status: 'retained',
    retainedCents: 0,
    exemptCents: 0,
    ...over,
  });

  it('counts a valid retention', () => {
    const a = assessRetention(r({ retainedCents: 4_000, retainedFrom: ['savings'] }));
    expect(a).toMatchObject({ countedCents: 4_000, anomaly: null });
  });

  it('never counts money retained from exempt funds, whatever the status says', () => {
    for (const bad of [
      r({ status: 'exempt_funds', retainedCents: 3_000, exemptCents: 3_000 }),
      r({ status: 'retained', retainedCents: 2_500, retainedFrom: ['wages'] }),
      r({ status: 'retained', retainedCents: 2_500, retainedFrom: ['savings', 'alimony'] }),
    ]) {
      const a = assessRetention(bad);
      expect(a.countedCents).toBe(0);
      expect(a.anomaly).toMatch(/inembargables/);
    }
  });

  it('flags answers that contradict themselves', () => {
    expect(assessRetention(r({ status: 'no_funds', retainedCents: 100 })).anomaly).toMatch(
      /no_funds/,
    );
    expect(assessRetention(r({ status: 'retained', retainedCents: 0 })).anomaly).toMatch(
      /sin valor/,
    );
    expect(assessRetention(r({ retainedCents: -5 })).anomaly).toMatch(/inválido/);
    expect(assessRetention(r({ status: 'no_funds', exemptCents: -1 })).anomaly).toMatch(/inválido/);
  });

  it('accepts exempt funds left untouched, without counting them', () => {
    expect(assessRetention(r({ status: 'exempt_funds', exemptCents: 45_000 }))).toMatchObject({
      countedCents: 0,
      anomaly: null,
    });
  });

  it('sums valid retentions only, and reports the excess over the debt', () => {
    const s = assessRetentions(
      [
        r({ institution: 'A', retainedCents: 7_000, retainedFrom: ['savings'] }),
        r({ institution: 'B', status: 'exempt_funds', retainedCents: 9_000, exemptCents: 9_000 }),
        r({ institution: 'C', status: 'exempt_funds', exemptCents: 30_000 }),
        r({ institution: 'D', retainedCents: 8_000, retainedFrom: ['checking'] }),
        r({ institution: 'E', status: 'no_account' }),
      ],
      12_000,
    );
    expect(s.retainedCents).toBe(15_000);
    expect(s.excessCents).toBe(3_000);
    expect(s.exemptCents).toBe(30_000);
    expect(s.anomalies).toBe(1);
    expect(s.coversDebt).toBe(true);
    expect(assessRetentions([r({ status: 'no_funds' })], 12_000)).toMatchObject({
      retainedCents: 0,
      coversDebt: false,
    });
  });
});

describe('legal unit steps', () => {
  it('an external lawyer must be named; in-house needs no name', () => {
    expect(coactivaHandler({ handledBy: 'in_house' })).toEqual({
      ok: true,
      handledBy: 'in_house',
      lawyerName: null,
    });
    expect(
      coactivaHandler({ handledBy: 'external_lawyer', lawyerName: 'Ab. María Loayza' }),
    ).toEqual({
      ok: true,
      handledBy: 'external_lawyer',
      lawyerName: 'Ab. María Loayza',
    });
    expect(coactivaHandler({ handledBy: 'external_lawyer' }).ok).toBe(false);
  });

  it('decisions: uncollectible ends, embargo continues, remate needs an embargo, wait waits', () => {
    const none = { embargoRecorded: false };
    const seized = { embargoRecorded: true };
    expect(coactivaStep(none, { decision: 'uncollectible', reason: 'sin bienes' })).toEqual({
      kind: 'uncollectible',
      reason: 'sin bienes',
    });
    expect(coactivaStep(none, { decision: 'embargo', assets: 'Vehículo placa OAB-1234' })).toEqual({
      kind: 'embargo',
      assets: 'Vehículo placa OAB-1234',
    });
    expect(coactivaStep(none, { decision: 'remate' }).kind).toBe('refused');
    expect(coactivaStep(seized, { decision: 'remate' })).toEqual({ kind: 'remate' });
    expect(coactivaStep(seized, { decision: 'wait' })).toEqual({ kind: 'wait' });
  });
});

describe('banks simulator', () => {
  const order = (holderId: string, key = `k-${holderId}`): RetentionRequest => ({
    key,
    ...retentionOrder({ holderId, holderName: 'TITULAR', debtCents: 20_000 }),
  });
  const holders = Array.from({ length: 400 }, (_, i) => `07${String(i).padStart(8, '0')}`);

  it('answers the same for the same holder, and once per key', async () => {
    const a = new BanksSimulator();
    const b = new BanksSimulator();
    const first = await a.requestRetention(order('0701234567'));
    expect(first.created).toBe(true);
    expect(first.responses.map((x) => x.institution)).toEqual([...SIMULATED_INSTITUTIONS]);
    expect((await b.requestRetention(order('0701234567'))).responses).toEqual(first.responses);
    const again = await a.requestRetention(order('0701234567'));
    expect(again).toEqual({ ...first, created: false });
    expect(a.effects()).toHaveLength(1);
    expect(a.requestCount).toBe(2);
  });

  it('mostly finds nothing to retain, and never retains exempt funds', async () => {
    const sim = new BanksSimulator();
    let holdersWithRetention = 0;
    const statuses = new Set<string>();
    for (const h of holders) {
      const { responses } = await sim.requestRetention(order(h));
      for (const x of responses) {
        statuses.add(x.status);
        expect(assessRetention(x).anomaly).toBeNull();
        if (x.status !== 'retained') expect(x.retainedCents).toBe(0);
        for (const kind of x.retainedFrom ?? []) expect(EXEMPT_FUND_KINDS).not.toContain(kind);
        expect(x.retainedCents).toBeLessThanOrEqual(20_000);
      }
      if (responses.some((x) => x.status === 'retained')) holdersWithRetention += 1;
    }
    expect([...statuses].sort()).toEqual(['exempt_funds', 'no_account', 'no_funds', 'retained']);
    expect(holdersWithRetention / holders.length).toBeLessThan(0.5);
    expect(holdersWithRetention).toBeGreaterThan(0);
  });

  it('refuses an order that does not exclude wages, pensions and alimony', async () => {
    const sim = new BanksSimulator();
    const bad = { ...order('0701234567'), exemptFundKinds: ['wages'] } as RetentionRequest;
    await expect(sim.requestRetention(bad)).rejects.toBeInstanceOf(BanksRejectedError);
    expect(sim.effects()).toHaveLength(0);
  });

  it('a lost answer still took effect once; the retry gets the same answer', async () => {
    const sim = new BanksSimulator();
    sim.loseNextAnswers(1);
    await expect(sim.requestRetention(order('0701234567'))).rejects.toThrow(/connection lost/);
    const retry = await sim.requestRetention(order('0701234567'));
    expect(retry.created).toBe(false);
    expect(sim.effects()).toHaveLength(1);
    expect(retry.responses).toEqual(sim.effects()[0]?.responses);
  });

  it('plays scripted answers for a holder', async () => {
    const sim = new BanksSimulator();
    const scripted: RetentionResponse[] = [
      { institution: 'Banco X', status: 'exempt_funds', retainedCents: 500, exemptCents: 500 },
    ];
    sim.script('0701234567', scripted);
    expect((await sim.requestRetention(order('0701234567'))).responses).toEqual(scripted);
  });
});

describe('banks over HTTP (simulator router + adapter)', () => {
  const sim = new BanksSimulator();
  let server: Server;
  let baseUrl = '';
  let fail = false;

  beforeAll(async () => {
    const app = express();
    app.use((_req, res, next) => {
      if (fail) res.status(503).json({ error: 'down' });
      else next();
    });
    app.get('/broken/banks/retentions', (_req, res) => void res.json({ nope: true }));
    app.post('/broken/banks/retentions', (_req, res) => void res.json({ nope: true }));
    app.use(mountBanksSimulator(express.Router(), sim));
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const order: RetentionRequest = {
    key: 'http-1',
    ...retentionOrder({ holderId: '0709876543', holderName: 'TITULAR', debtCents: 5_000 }),
  };

  it('orders once per key and validates the answer', async () => {
    const banks = new HttpBanksAdapter({ baseUrl });
    const first = await banks.requestRetention(order);
    const second = await banks.requestRetention(order);
    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    expect(sim.effects().filter((e) => e.key === 'http-1')).toHaveLength(1);
    const effects = (await (await fetch(`${baseUrl}/banks/effects`)).json()) as unknown[];
    expect(effects).toHaveLength(1);
  });

  it('maps a refusal to BanksRejectedError, an outage and a bad answer to plain errors', async () => {
    const banks = new HttpBanksAdapter({ baseUrl });
    const bad = { ...order, key: 'http-2', exemptFundKinds: [] } as RetentionRequest;
    await expect(banks.requestRetention(bad)).rejects.toMatchObject({
      name: 'BanksRejectedError',
      status: 400,
    });
    fail = true;
    try {
      const err = await banks.requestRetention(order).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(BanksRejectedError);
    } finally {
      fail = false;
    }
    const broken = new HttpBanksAdapter({ baseUrl: `${baseUrl}/broken` });
    await expect(broken.requestRetention(order)).rejects.toThrow(/unexpected shape/);
  });
});
