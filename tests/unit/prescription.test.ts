import { describe, expect, it } from 'vitest';
import {
  exigibleOn,
  prescriptionDate,
  prescriptionStatus,
  type PrescriptionInput,
} from '../../domain/prescription.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';

function policyWith(overrides: Parameters<typeof resolvePolicy>[0]): Policy {
  const r = resolvePolicy(overrides);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.policy;
}

/** 10:00 in Guayaquil on a local date. */
const at = (date: string) => new Date(`${date}T15:00:00.000Z`);

const plain = (exigible: string, ...on: string[]): PrescriptionInput => ({
  exigibleOn: exigible,
  interruptions: on.map((d) => ({ on: d, ground: 'titulo_notificado' })),
});

describe('exigibleOn: the day after the oldest due date', () => {
  it('crosses month, year and leap-day boundaries', () => {
    expect(exigibleOn('2026-07-01')).toBe('2026-07-02');
    expect(exigibleOn('2026-01-31')).toBe('2026-02-01');
    expect(exigibleOn('2019-12-31')).toBe('2020-01-01');
    expect(exigibleOn('2020-02-28')).toBe('2020-02-29');
    expect(exigibleOn('2021-02-28')).toBe('2021-03-01');
    expect(() => exigibleOn('2021-02-29')).toThrow(RangeError);
  });
});

describe('prescriptionDate: 5 years date to date, the day after the last day', () => {
  it('counts 5 years from exigibility: last day Mon 1 June 2026, prescribed from the 2nd', () => {
    expect(prescriptionDate(plain('2021-06-01'), DEFAULT_POLICY)).toBe('2026-06-02');
  });

  it('a last day that is not a business day runs to the next one (Sunday, then Carnival)', () => {
    // 2 March 2025 is a Sunday, 3 and 4 March Carnival: the term's last day is Wed 5 March.
    expect(prescriptionDate(plain('2020-03-02'), DEFAULT_POLICY)).toBe('2025-03-06');
  });

  it('from 29 February: the last day is 28 February five years later', () => {
    expect(prescriptionDate(plain('2024-02-29'), DEFAULT_POLICY)).toBe('2029-03-01');
  });

  it('interrupted twice: each interruption starts the 5 years again from its date', () => {
    // Título notified 1 Feb 2022, agreement signed 29 Feb 2024 → last day Wed 28 Feb 2029.
    const twice = plain('2021-06-01', '2022-02-01', '2024-02-29');
    expect(prescriptionDate(twice, DEFAULT_POLICY)).toBe('2029-03-01');
    // In any order.
    expect(prescriptionDate(plain('2021-06-01', '2024-02-29', '2022-02-01'), DEFAULT_POLICY)).toBe(
      '2029-03-01',
    );
    // Only the first: 1 Feb 2027 → prescribed from 2 Feb 2027.
    expect(prescriptionDate(plain('2021-06-01', '2022-02-01'), DEFAULT_POLICY)).toBe('2027-02-02');
  });

  it('an interruption before exigibility changes nothing', () => {
    expect(prescriptionDate(plain('2021-06-01', '2021-05-20'), DEFAULT_POLICY)).toBe('2026-06-02');
  });

  it('an interruption on or after the day the debt prescribed does not revive it', () => {
    expect(prescriptionDate(plain('2021-06-01', '2026-06-02'), DEFAULT_POLICY)).toBe('2026-06-02');
    expect(prescriptionDate(plain('2021-06-01', '2027-01-15'), DEFAULT_POLICY)).toBe('2026-06-02');
    // On the last day of the term it still interrupts.
    expect(prescriptionDate(plain('2021-06-01', '2026-06-01'), DEFAULT_POLICY)).toBe(
      '2031-06-03', // Sun 1 June 2031 → Mon 2 June is the last day
    );
  });

  it('uses the term of the legal route the case runs under', () => {
    const terms = {
      prescription: {
        term: {
          COA: { amount: 5, unit: 'years' },
          CODIGO_TRIBUTARIO: { amount: 7, unit: 'years' },
        },
      },
    };
    const coa = policyWith({ ...terms, legalRoute: 'COA' });
    const ct = policyWith({ ...terms, legalRoute: 'CODIGO_TRIBUTARIO' });
    expect(prescriptionDate(plain('2021-06-01'), coa)).toBe('2026-06-02');
    expect(prescriptionDate(plain('2021-06-01'), ct)).toBe('2028-06-02'); // Thu 1 June 2028
  });

  it('refuses dates that are not dates', () => {
    expect(() => prescriptionDate(plain('2021-02-29'), DEFAULT_POLICY)).toThrow(RangeError);
    expect(() => prescriptionDate(plain('2021-06-01', '2022-13-01'), DEFAULT_POLICY)).toThrow(
      RangeError,
    );
  });
});

describe('prescriptionStatus: the warning window (policy prescription.warnBefore)', () => {
  const input = plain('2021-06-01'); // prescribed from 2026-06-02

  it('warns 60 calendar days ahead by default, and is prescribed from the first day', () => {
    const status = (date: string) => prescriptionStatus(at(date), input, DEFAULT_POLICY);
    expect(status('2026-04-02')).toEqual({
      prescribesOn: '2026-06-02',
      warnFrom: '2026-04-03',
      state: 'running',
    });
    expect(status('2026-04-03').state).toBe('warning');
    expect(status('2026-06-01').state).toBe('warning');
    expect(status('2026-06-02').state).toBe('prescribed');
    expect(status('2030-01-01').state).toBe('prescribed');
  });

  it('judges the Guayaquil date of the instant, not the UTC one', () => {
    // 2 June 2026 at 03:00 UTC is still 1 June, 22:00 in Guayaquil.
    expect(prescriptionStatus(new Date('2026-06-02T03:00:00Z'), input, DEFAULT_POLICY).state).toBe(
      'warning',
    );
    expect(prescriptionStatus(new Date('2026-06-02T05:00:00Z'), input, DEFAULT_POLICY).state).toBe(
      'prescribed',
    );
  });

  it('a window in months counts back date to date; one in business days skips holidays', () => {
    const months = policyWith({ prescription: { warnBefore: { amount: 3, unit: 'months' } } });
    expect(prescriptionStatus(at('2026-03-01'), input, months)).toMatchObject({
      warnFrom: '2026-03-02',
      state: 'running',
    });
    const days = policyWith({ prescription: { warnBefore: { amount: 10, unit: 'businessDays' } } });
    // Back from Tue 2 June 2026: 25 May (Pichincha, observed) and the weekends are skipped.
    expect(prescriptionStatus(at('2026-05-18'), input, days)).toMatchObject({
      warnFrom: '2026-05-18',
      state: 'warning',
    });
    // From 31 December, 3 months back is 30 September (no 31st).
    const dec31 = plain('2021-12-30'); // last day Wed 30 December 2026 → prescribed the 31st
    expect(prescriptionStatus(at('2026-01-01'), dec31, months)).toMatchObject({
      prescribesOn: '2026-12-31',
      warnFrom: '2026-09-30',
    });
  });

  it('an interruption moves the warning with the date', () => {
    const interrupted = plain('2021-06-01', '2024-02-29');
    expect(prescriptionStatus(at('2026-05-01'), interrupted, DEFAULT_POLICY)).toEqual({
      prescribesOn: '2029-03-01',
      warnFrom: '2028-12-31',
      state: 'running',
    });
  });
});
