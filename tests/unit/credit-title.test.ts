import { describe, expect, it } from 'vitest';
import { validateIdentification, makeCedula } from '../../domain/ecuador-id.js';
import {
  buildCreditTitle,
  checkNotificationAttempt,
  correctCreditTitle,
  creditTitleDefects,
  CREDIT_TITLE_PLACE,
  CREDIT_TITLE_SIGNATORY,
  formatTitleNumber,
  ISSUING_BODY,
  notificationStatus,
  parseTitleNumber,
  pauseVoluntaryTerm,
  resumeVoluntaryTerm,
  startVoluntaryTerm,
  voluntaryPaymentDeadline,
  type CreditTitleFacts,
  type NotificationAttempt,
} from '../../domain/credit-title.js';
import { DEFAULT_POLICY, type Policy } from '../../domain/policy.js';

const facts: CreditTitleFacts = {
  holderName: 'ROMERO AGUILAR JUAN CARLOS',
  holderId: makeCedula(7, '123456'),
  address: 'Av. 25 de Junio y Guayas',
  accountNumber: 'A-000123',
  balanceCents: 123_450,
  interestFrom: '2026-07-01',
};
const number = { series: 'TC', year: 2026, sequence: 123 };

function withTerm(
  term: Policy['creditTitle']['voluntaryPaymentTerm'],
  calendar = DEFAULT_POLICY.calendar,
): Policy {
  return {
    ...DEFAULT_POLICY,
    calendar,
    creditTitle: { ...DEFAULT_POLICY.creditTitle, voluntaryPaymentTerm: term },
  };
}

describe('title numbers', () => {
  it('prints series, year and a six-digit number', () => {
    expect(formatTitleNumber('TC', 2026, 123)).toBe('TC-2026-000123');
    expect(formatTitleNumber('TC', 2026, 1)).toBe('TC-2026-000001');
    expect(formatTitleNumber('TC', 2026, 1_234_567)).toBe('TC-2026-1234567');
  });

  it('refuses numbers that cannot be printed', () => {
    expect(() => formatTitleNumber('TC', 2026, 0)).toThrow(RangeError);
    expect(() => formatTitleNumber('TC', 2026, 1.5)).toThrow(RangeError);
    expect(() => formatTitleNumber('', 2026, 1)).toThrow(RangeError);
    expect(() => formatTitleNumber('TC', 0, 1)).toThrow(RangeError);
  });

  it('reads a printed number back', () => {
    expect(parseTitleNumber('TC-2026-000123')).toEqual({ series: 'TC', year: 2026, number: 123 });
    expect(parseTitleNumber('TC-2026-123')).toBeNull();
    expect(parseTitleNumber('TC-2026-000000')).toBeNull();
  });
});

describe('title contents', () => {
  const title = buildCreditTitle(facts, number, '2026-11-28', DEFAULT_POLICY);

  it('carries every element the law requires (COA art. 268, CT art. 150)', () => {
    expect(title).toMatchObject({
      number: 'TC-2026-000123',
      version: 1,
      issuer: { name: 'Aguas Machala EP', ruc: ISSUING_BODY.ruc },
      debtor: { name: facts.holderName, id: facts.holderId, idKind: 'cedula' },
      place: CREDIT_TITLE_PLACE,
      issuedOn: '2026-11-28',
      amountCents: 123_450,
      amount: '$1.234,50',
      interestFrom: '2026-07-01',
      legalBasis: 'Código Orgánico Administrativo, arts. 267 y 268',
      signature: { title: CREDIT_TITLE_SIGNATORY, name: null },
      corrections: [],
    });
    expect(title.concept).toContain('A-000123');
    expect(title.origin).toContain('2026-07-01');
    expect(creditTitleDefects(title)).toEqual([]);
  });

  it("the issuer's RUC is a public-entity RUC of El Oro (check digit not enforced by the SRI)", () => {
    expect(validateIdentification(ISSUING_BODY.ruc, { verifyCompanyRucCheckDigit: false })).toEqual(
      {
        ok: true,
        kind: 'ruc-public',
        value: ISSUING_BODY.ruc,
      },
    );
  });

  it('names the Código Tributario under that legal route', () => {
    const ct = buildCreditTitle(facts, number, '2026-11-28', { legalRoute: 'CODIGO_TRIBUTARIO' });
    expect(ct.legalBasis).toBe('Código Tributario, arts. 149 y 150');
  });

  it('accepts a RUC as the debtor id', () => {
    const t = buildCreditTitle(
      { ...facts, holderId: `${facts.holderId}001` },
      number,
      '2026-11-28',
      DEFAULT_POLICY,
    );
    expect(t.debtor.idKind).toBe('ruc');
    expect(creditTitleDefects(t)).toEqual([]);
  });

  it('lists what makes a title void', () => {
    const bad = buildCreditTitle(
      {
        ...facts,
        holderName: '  ',
        holderId: '0700000000',
        balanceCents: 0,
        interestFrom: '2026-12-01',
      },
      number,
      '2026-11-28',
      DEFAULT_POLICY,
    );
    expect(bad.debtor.idKind).toBe('invalid');
    const defects = creditTitleDefects(bad);
    expect(defects).toContain('falta el nombre del deudor');
    expect(defects.some((d) => d.startsWith('identificación del deudor inválida'))).toBe(true);
    expect(defects).toContain('el valor adeudado debe ser mayor que cero');
    expect(defects).toContain(
      'los intereses no pueden correr desde una fecha posterior a la emisión',
    );
    expect(defects).toHaveLength(4);
  });

  it('a corrected title keeps its number, takes the next version and records the correction', () => {
    const fixed = correctCreditTitle(
      title,
      { ...facts, holderName: 'ROMERO AGUILAR JUAN CARLOS JR' },
      ' nombre incompleto ',
      '2026-11-30',
    );
    expect(fixed).toMatchObject({
      number: 'TC-2026-000123',
      version: 2,
      issuedOn: '2026-11-30',
      debtor: { name: 'ROMERO AGUILAR JUAN CARLOS JR' },
      corrections: ['nombre incompleto'],
    });
    expect(correctCreditTitle(fixed, facts, 'otra', '2026-12-01')).toMatchObject({
      version: 3,
      corrections: ['nombre incompleto', 'otra'],
    });
  });
});

describe('notification attempts', () => {
  const now = new Date('2026-10-30T20:00:00Z');
  const nf = (method: NotificationAttempt['method'], at: string): NotificationAttempt => ({
    method,
    result: 'not_found',
    at,
  });

  it('allows every method until the debtor was not found twice, then only publication', () => {
    expect(notificationStatus([])).toEqual({
      status: 'pending',
      attempt: 1,
      allowedMethods: ['in_person', 'boleta', 'publication'],
    });
    const two = [nf('in_person', '2026-10-20T15:00:00Z'), nf('boleta', '2026-10-22T15:00:00Z')];
    expect(notificationStatus(two)).toEqual({
      status: 'pending',
      attempt: 3,
      allowedMethods: ['publication'],
    });
    const refused = checkNotificationAttempt(
      two,
      { method: 'in_person', at: '2026-10-30T15:00:00Z' },
      now,
    );
    expect(refused).toEqual({
      ok: false,
      reason:
        'tras 2 intentos sin encontrar al deudor solo se admite la notificación por publicación',
    });
    expect(
      checkNotificationAttempt(two, { method: 'publication', at: '2026-10-30T15:00:00Z' }, now),
    ).toEqual({ ok: true });
  });

  it('gives up after three attempts and stops at the first notification', () => {
    const three = [
      nf('in_person', '2026-10-20T15:00:00Z'),
      nf('boleta', '2026-10-22T15:00:00Z'),
      nf('publication', '2026-10-29T15:00:00Z'),
    ];
    expect(notificationStatus(three)).toEqual({ status: 'exhausted', attempts: 3 });
    expect(
      checkNotificationAttempt(three, { method: 'publication', at: '2026-10-30T15:00:00Z' }, now)
        .ok,
    ).toBe(false);
    const notified: NotificationAttempt[] = [
      nf('in_person', '2026-10-20T15:00:00Z'),
      { method: 'boleta', result: 'notified', at: '2026-10-21T15:00:00Z' },
    ];
    expect(notificationStatus(notified)).toEqual({
      status: 'notified',
      at: '2026-10-21T15:00:00Z',
      method: 'boleta',
    });
  });

  it('refuses attempts in the future or before the previous one', () => {
    expect(
      checkNotificationAttempt([], { method: 'in_person', at: '2026-10-31T20:00:00Z' }, now),
    ).toEqual({
      ok: false,
      reason: 'la fecha del intento no puede ser futura',
    });
    expect(
      checkNotificationAttempt([], { method: 'in_person', at: '2026-10-30T20:04:00Z' }, now).ok,
    ).toBe(true);
    expect(
      checkNotificationAttempt(
        [nf('in_person', '2026-10-22T15:00:00Z')],
        { method: 'boleta', at: '2026-10-21T15:00:00Z' },
        now,
      ),
    ).toEqual({ ok: false, reason: 'la fecha del intento es anterior al intento previo' });
  });
});

describe('voluntary payment term (COA art. 271)', () => {
  // Friday 30 October 2026; Monday 2 and Tuesday 3 November are Difuntos and Cuenca.
  const notifiedAt = new Date('2026-10-30T10:00:00-05:00');
  const endOf = (date: string) => new Date(`${date}T23:59:59.999-05:00`).toISOString();

  it('ends on the 10th business day after notification, skipping the November holidays', () => {
    expect(voluntaryPaymentDeadline(notifiedAt, DEFAULT_POLICY).toISOString()).toBe(
      endOf('2026-11-17'),
    );
    // Late on the same local day (04:00 UTC next day) still counts from 31 October.
    expect(
      voluntaryPaymentDeadline(new Date('2026-10-31T04:00:00Z'), DEFAULT_POLICY).toISOString(),
    ).toBe(endOf('2026-11-17'));
  });

  it('follows the calendar overrides of the policy', () => {
    const worked = {
      extraHolidays: [],
      removedHolidays: ['2026-11-02', '2026-11-03'],
      localHolidays: [],
    };
    expect(
      voluntaryPaymentDeadline(notifiedAt, { ...DEFAULT_POLICY, calendar: worked }).toISOString(),
    ).toBe(endOf('2026-11-13'));
    const decreed = { extraHolidays: ['2026-11-16'], removedHolidays: [], localHolidays: [] };
    expect(
      voluntaryPaymentDeadline(notifiedAt, { ...DEFAULT_POLICY, calendar: decreed }).toISOString(),
    ).toBe(endOf('2026-11-18'));
  });

  it('a payment-facilities request pauses the term; the remaining business days resume after it', () => {
    const started = startVoluntaryTerm(notifiedAt, DEFAULT_POLICY);
    expect(started).toEqual({
      status: 'running',
      notifiedAt: notifiedAt.toISOString(),
      deadline: endOf('2026-11-17'),
    });
    // Paused Thursday 5 Nov: 8 business days left (6, 9–13, 16, 17 Nov).
    const paused = pauseVoluntaryTerm(
      started,
      new Date('2026-11-05T10:00:00-05:00'),
      DEFAULT_POLICY,
    );
    expect(paused).toMatchObject({
      status: 'paused',
      remaining: { unit: 'businessDays', days: 8 },
      deadlineWhenPaused: endOf('2026-11-17'),
    });
    // Resumed Thursday 12 Nov: 8 business days from Friday 13 → Tuesday 24 (5 business days later).
    const resumed = resumeVoluntaryTerm(
      paused,
      new Date('2026-11-12T16:00:00-05:00'),
      DEFAULT_POLICY,
    );
    expect(resumed).toEqual({
      status: 'running',
      notifiedAt: notifiedAt.toISOString(),
      deadline: endOf('2026-11-24'),
    });
  });

  it('a pause within one day, or before the count starts, changes nothing', () => {
    const started = startVoluntaryTerm(notifiedAt, DEFAULT_POLICY);
    const sameDay = resumeVoluntaryTerm(
      pauseVoluntaryTerm(started, new Date('2026-11-05T09:00:00-05:00'), DEFAULT_POLICY),
      new Date('2026-11-05T17:00:00-05:00'),
      DEFAULT_POLICY,
    );
    expect(sameDay).toEqual(started);
    // Filed on the notification day and resolved on the holiday: all 10 days remain.
    const early = resumeVoluntaryTerm(
      pauseVoluntaryTerm(started, new Date('2026-10-30T15:00:00-05:00'), DEFAULT_POLICY),
      new Date('2026-11-02T12:00:00-05:00'),
      DEFAULT_POLICY,
    );
    expect(early).toEqual(started);
  });

  it('pausing or resuming twice is harmless', () => {
    const started = startVoluntaryTerm(notifiedAt, DEFAULT_POLICY);
    expect(resumeVoluntaryTerm(started, new Date(), DEFAULT_POLICY)).toBe(started);
    const paused = pauseVoluntaryTerm(
      started,
      new Date('2026-11-05T10:00:00-05:00'),
      DEFAULT_POLICY,
    );
    expect(pauseVoluntaryTerm(paused, new Date('2026-11-06T10:00:00-05:00'), DEFAULT_POLICY)).toBe(
      paused,
    );
  });

  it('time-based terms (training policy) resume with the exact time left', () => {
    const policy = withTerm({ amount: 1, unit: 'hours' });
    const t0 = new Date('2026-11-28T12:00:00Z');
    const started = startVoluntaryTerm(t0, policy);
    expect(started.deadline).toBe('2026-11-28T13:00:00.000Z');
    const paused = pauseVoluntaryTerm(started, new Date('2026-11-28T12:20:00Z'), policy);
    expect(paused).toMatchObject({ remaining: { unit: 'ms', ms: 40 * 60_000 } });
    expect(resumeVoluntaryTerm(paused, new Date('2026-11-28T12:50:00Z'), policy)).toMatchObject({
      deadline: '2026-11-28T13:30:00.000Z',
    });
  });

  it('calendar-day terms keep the calendar days left', () => {
    const policy = withTerm({ amount: 15, unit: 'calendarDays' });
    const started = startVoluntaryTerm(notifiedAt, policy);
    expect(started.deadline).toBe(endOf('2026-11-14'));
    const paused = pauseVoluntaryTerm(started, new Date('2026-11-05T10:00:00-05:00'), policy);
    expect(paused).toMatchObject({ remaining: { unit: 'calendarDays', days: 9 } });
    expect(
      resumeVoluntaryTerm(paused, new Date('2026-11-10T10:00:00-05:00'), policy),
    ).toMatchObject({
      deadline: endOf('2026-11-19'),
    });
  });
});
