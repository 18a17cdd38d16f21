import { describe, expect, it } from 'vitest';
import { checkPromise } from '../../domain/lifecycle.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';

function policyWith(overrides: Parameters<typeof resolvePolicy>[0]): Policy {
  const r = resolvePolicy(overrides);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.policy;
}

/** Monday 2026-03-02, 10:00 in Guayaquil. */
const NOW = new Date('2026-03-02T15:00:00.000Z');
const BALANCE = 12_000;

describe('checkPromise: the date (policy reminder.promiseMaxHorizon)', () => {
  const check = (promisedOn: string, now = NOW, policy = DEFAULT_POLICY) =>
    checkPromise(promisedOn, 5_000, BALANCE, now, policy);

  it('accepts today and every day up to 30 calendar days ahead (the default horizon)', () => {
    expect(check('2026-03-02')).toBeNull();
    expect(check('2026-03-15')).toBeNull();
    expect(check('2026-04-01')).toBeNull();
  });

  it('refuses a day beyond the horizon, naming the last day allowed', () => {
    expect(check('2026-04-02')).toBe(
      'La fecha prometida no puede pasar del 2026-04-01 (30 días calendario desde hoy)',
    );
    expect(check('2027-03-02')).toMatch(/no puede pasar del 2026-04-01/);
  });

  it('refuses a day in the past, judged by the date in Guayaquil', () => {
    expect(check('2026-03-01')).toBe('La fecha prometida no puede estar en el pasado');
    // 3 March 03:00 UTC is still 2 March, 22:00 in Guayaquil.
    const lateEvening = new Date('2026-03-03T03:00:00.000Z');
    expect(check('2026-03-02', lateEvening)).toBeNull();
    expect(check('2026-03-02', new Date('2026-03-03T05:00:00.000Z'))).toBe(
      'La fecha prometida no puede estar en el pasado',
    );
  });

  it('counts a horizon in business days past weekends and holidays', () => {
    const fiveDays = policyWith({
      reminder: { promiseMaxHorizon: { amount: 5, unit: 'businessDays' } },
    });
    // From Mon 30 March 2026: Good Friday (3 April) and the weekend are skipped → Tue 7 April.
    const monday = new Date('2026-03-30T15:00:00.000Z');
    expect(check('2026-04-07', monday, fiveDays)).toBeNull();
    expect(check('2026-04-08', monday, fiveDays)).toBe(
      'La fecha prometida no puede pasar del 2026-04-07 (5 días hábiles desde hoy)',
    );
  });

  it('under a horizon of minutes (training), only today', () => {
    const training = policyWith({
      reminder: { promiseMaxHorizon: { amount: 10, unit: 'minutes' } },
    });
    expect(check('2026-03-02', NOW, training)).toBeNull();
    expect(check('2026-03-03', NOW, training)).toMatch(/no puede pasar del 2026-03-02/);
  });

  it('refuses something that is not a date', () => {
    expect(check('2026-02-30')).toBe('Fecha de la promesa inválida: se espera AAAA-MM-DD');
    expect(check('02/03/2026')).toBe('Fecha de la promesa inválida: se espera AAAA-MM-DD');
  });
});

describe('checkPromise: the amount', () => {
  const check = (amountCents: number) =>
    checkPromise('2026-03-10', amountCents, BALANCE, NOW, DEFAULT_POLICY);

  it('allows a partial amount or the whole balance', () => {
    expect(check(1)).toBeNull();
    expect(check(5_000)).toBeNull();
    expect(check(BALANCE)).toBeNull();
  });

  it('refuses more than the case owes, naming both amounts', () => {
    expect(check(BALANCE + 1)).toBe(
      'El monto prometido ($120,01) supera el saldo del caso ($120,00)',
    );
  });

  it('refuses zero, negative or fractional cents', () => {
    for (const amount of [0, -100, 10.5, Number.NaN]) {
      expect(check(amount)).toBe('El monto prometido debe ser un valor en centavos mayor que cero');
    }
  });
});
