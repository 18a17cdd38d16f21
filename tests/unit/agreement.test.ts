import { describe, expect, it } from 'vitest';
import {
  agreementDues,
  agreementDuesChained,
  applyAgreementPayment,
  dueStatus,
  graceEndsAt,
  isPaidOff,
  missedDue,
  nextUnpaidDue,
  planAgreement,
  receiveAgreementPayment,
  type AgreementDue,
  type AgreementPlan,
  type AgreementWatch,
} from '../../domain/agreement.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';

/** Monday 2026-03-02, 10:00 in Guayaquil. */
const NOW = new Date('2026-03-02T15:00:00.000Z');

function policyWith(overrides: Parameters<typeof resolvePolicy>[0]): Policy {
  const r = resolvePolicy(overrides);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.policy;
}

function planOf(...args: Parameters<typeof planAgreement>): AgreementPlan {
  const r = planAgreement(...args);
  if (!r.ok) throw new Error(r.reason);
  return r.plan;
}

function refusal(...args: Parameters<typeof planAgreement>): string {
  const r = planAgreement(...args);
  if (r.ok) throw new Error('expected the terms to be refused');
  return r.reason;
}

describe('planAgreement: the schedule', () => {
  it('splits the financed balance in equal parts with monthly interest on what is still owed', () => {
    const plan = planOf({ downPaymentCents: 24_000, instalments: 4 }, 120_000, DEFAULT_POLICY, NOW);
    expect(plan).toMatchObject({
      balanceCents: 120_000,
      downPaymentCents: 24_000,
      financedCents: 96_000,
      annualRateBp: 1_000,
      interestCents: 800 + 600 + 400 + 200,
      totalCents: 122_000,
    });
    expect(
      plan.schedule.map((i) => [i.number, i.principalCents, i.interestCents, i.amountCents]),
    ).toEqual([
      [1, 24_000, 800, 24_800],
      [2, 24_000, 600, 24_600],
      [3, 24_000, 400, 24_400],
      [4, 24_000, 200, 24_200],
    ]);
    expect(plan.downPaymentCents + plan.schedule.reduce((s, i) => s + i.amountCents, 0)).toBe(
      plan.totalCents,
    );
  });

  it('falls due 1, 2, 3 months after today, date to date (the 2nd), at the end of the local day, a Saturday moved to Monday', () => {
    const plan = planOf({ downPaymentCents: 24_000, instalments: 3 }, 120_000, DEFAULT_POLICY, NOW);
    expect(plan.schedule.map((i) => i.dueAt)).toEqual([
      '2026-04-03T04:59:59.999Z', // Thu 2 April, 23:59:59.999 in Guayaquil
      '2026-05-05T04:59:59.999Z', // Sat 2 May → Mon 4 May
      '2026-06-03T04:59:59.999Z', // Tue 2 June (from the anchor, not from 4 May)
    ]);
  });

  it('anchors on the first due date the collector fixed (Sunday 15 March → Monday 16), then the 15th of each month', () => {
    const plan = planOf(
      { downPaymentCents: 24_000, instalments: 2, firstDueOn: '2026-03-15' },
      120_000,
      DEFAULT_POLICY,
      NOW,
    );
    expect(plan.schedule.map((i) => i.dueAt)).toEqual([
      '2026-03-17T04:59:59.999Z', // Mon 16 March
      '2026-04-16T04:59:59.999Z', // Wed 15 April
    ]);
  });

  it('gives the leftover cents to the first instalments, so the parts add up exactly', () => {
    const plan = planOf({ downPaymentCents: 2_000, instalments: 3 }, 10_000, DEFAULT_POLICY, NOW);
    expect(plan.schedule.map((i) => i.principalCents)).toEqual([2_667, 2_667, 2_666]);
    expect(plan.schedule.reduce((s, i) => s + i.principalCents, 0)).toBe(plan.financedCents);
  });

  it('charges 1.5 × the BCE rate under the Código Tributario', () => {
    const ct = { ...DEFAULT_POLICY, legalRoute: 'CODIGO_TRIBUTARIO' as const };
    const plan = planOf({ downPaymentCents: 24_000, instalments: 1 }, 120_000, ct, NOW);
    expect(plan.annualRateBp).toBe(1_500);
    expect(plan.schedule[0]?.interestCents).toBe(1_200); // 96 000 × 15 % / 12
  });

  it('asks for a manager above the collector limit and a notary above the signature limit', () => {
    const at = (balance: number) =>
      planOf({ downPaymentCents: balance / 4, instalments: 6 }, balance, DEFAULT_POLICY, NOW);
    expect(at(100_000)).toMatchObject({
      needsManagerApproval: false,
      needsNotarisedSignature: false,
    });
    expect(at(100_004)).toMatchObject({
      needsManagerApproval: true,
      needsNotarisedSignature: false,
    });
    expect(at(500_000)).toMatchObject({
      needsManagerApproval: true,
      needsNotarisedSignature: false,
    });
    expect(at(500_004)).toMatchObject({
      needsManagerApproval: true,
      needsNotarisedSignature: true,
    });
  });
});

describe('planAgreement: terms the policy refuses (reasons in Spanish)', () => {
  it('a down payment below the minimum share, naming the amount', () => {
    expect(
      refusal({ downPaymentCents: 23_999, instalments: 4 }, 120_000, DEFAULT_POLICY, NOW),
    ).toBe('La entrada mínima es el 20 % de la deuda (240.00 USD)');
  });

  it('more instalments than the policy allows', () => {
    expect(
      refusal({ downPaymentCents: 24_000, instalments: 25 }, 120_000, DEFAULT_POLICY, NOW),
    ).toBe('El plazo máximo es de 24 cuotas');
  });

  it('no instalments, or a fractional count', () => {
    for (const instalments of [0, -1, 1.5]) {
      expect(refusal({ downPaymentCents: 24_000, instalments }, 120_000, DEFAULT_POLICY, NOW)).toBe(
        'El número de cuotas debe ser al menos 1',
      );
    }
  });

  it('a down payment that is negative, fractional or not a number', () => {
    const free = policyWith({ agreement: { minDownPaymentBp: 0 } });
    for (const downPaymentCents of [-100, 2_400.5, Number.NaN]) {
      expect(refusal({ downPaymentCents, instalments: 4 }, 120_000, free, NOW)).toBe(
        'La entrada debe ser un valor en centavos no negativo',
      );
    }
  });

  it('a down payment that already covers the debt', () => {
    expect(
      refusal({ downPaymentCents: 120_000, instalments: 4 }, 120_000, DEFAULT_POLICY, NOW),
    ).toMatch(/registre un pago/);
  });

  it('a case with nothing owed', () => {
    expect(refusal({ downPaymentCents: 0, instalments: 1 }, 0, DEFAULT_POLICY, NOW)).toBe(
      'El caso no tiene saldo pendiente',
    );
  });

  it('instalments that would be zero cents', () => {
    const free = policyWith({ agreement: { minDownPaymentBp: 0 } });
    expect(refusal({ downPaymentCents: 98, instalments: 3 }, 100, free, NOW)).toBe(
      'El saldo financiado es menor que un centavo por cuota',
    );
    expect(planAgreement({ downPaymentCents: 97, instalments: 3 }, 100, free, NOW).ok).toBe(true);
  });

  it('a first due date in the past, too far ahead, or not a date', () => {
    const terms = (firstDueOn: string) => ({
      downPaymentCents: 24_000,
      instalments: 4,
      firstDueOn,
    });
    expect(refusal(terms('2026-03-01'), 120_000, DEFAULT_POLICY, NOW)).toBe(
      'La primera cuota no puede vencer en el pasado',
    );
    expect(planAgreement(terms('2026-03-02'), 120_000, DEFAULT_POLICY, NOW).ok).toBe(true);
    expect(refusal(terms('2026-05-04'), 120_000, DEFAULT_POLICY, NOW)).toMatch(/dentro de 62 días/);
    expect(refusal(terms('2026-02-30'), 120_000, DEFAULT_POLICY, NOW)).toMatch(/inválida/);
  });
});

describe('agreementDues: what is owed once signed', () => {
  const plan = planOf({ downPaymentCents: 24_000, instalments: 2 }, 120_000, DEFAULT_POLICY, NOW);

  it('asks for the down payment at the signature and the instalments on the 9th of each month from the signature (Sat 9 May → Mon 11)', () => {
    const signedAt = new Date('2026-03-09T16:00:00.000Z'); // approval took a week
    expect(agreementDues(plan, signedAt, DEFAULT_POLICY)).toEqual([
      { number: 0, dueAt: signedAt.toISOString(), amountCents: 24_000, paidCents: 0 },
      { number: 1, dueAt: '2026-04-10T04:59:59.999Z', amountCents: 48_800, paidCents: 0 },
      { number: 2, dueAt: '2026-05-12T04:59:59.999Z', amountCents: 48_400, paidCents: 0 },
    ]);
  });

  it('keeps a first due date the collector fixed while it is still ahead; once passed, the 25th from the signature (Sat 25 April → Mon 27)', () => {
    const fixed = planOf(
      { downPaymentCents: 24_000, instalments: 2, firstDueOn: '2026-03-20' },
      120_000,
      DEFAULT_POLICY,
      NOW,
    );
    const early = agreementDues(
      fixed,
      new Date('2026-03-05T15:00:00Z'),
      DEFAULT_POLICY,
      '2026-03-20',
    );
    expect(early.map((d) => d.dueAt).slice(1)).toEqual(fixed.schedule.map((i) => i.dueAt));
    expect(early.map((d) => d.dueAt).slice(1)).toEqual([
      '2026-03-21T04:59:59.999Z', // Fri 20 March
      '2026-04-21T04:59:59.999Z', // Mon 20 April
    ]);
    const late = agreementDues(
      fixed,
      new Date('2026-03-25T15:00:00Z'),
      DEFAULT_POLICY,
      '2026-03-20',
    );
    expect(late.slice(1).map((d) => d.dueAt)).toEqual([
      '2026-04-28T04:59:59.999Z', // Sat 25 April → Mon 27 April
      '2026-05-27T04:59:59.999Z', // Mon 25 May is Pichincha's holiday (24 May, a Sunday) → Tue 26
    ]);
  });

  it('omits a zero down payment', () => {
    const free = policyWith({ agreement: { minDownPaymentBp: 0 } });
    const noDown = planOf({ downPaymentCents: 0, instalments: 2 }, 10_000, free, NOW);
    expect(agreementDues(noDown, NOW, free).map((d) => d.number)).toEqual([1, 2]);
  });

  it('follows a training policy in seconds', () => {
    const training = policyWith({
      agreement: {
        instalmentInterval: { amount: 30, unit: 'seconds' },
        instalmentGrace: { amount: 15, unit: 'seconds' },
      },
    });
    const p = planOf({ downPaymentCents: 24_000, instalments: 2 }, 120_000, training, NOW);
    const dues = agreementDues(p, NOW, training);
    expect(dues.map((d) => d.dueAt)).toEqual([
      '2026-03-02T15:00:00.000Z',
      '2026-03-02T15:00:30.000Z',
      '2026-03-02T15:01:00.000Z',
    ]);
    expect(graceEndsAt(dues[1]!, training).toISOString()).toBe('2026-03-02T15:00:45.000Z');
  });
});

/** The due dates (local) of a plan made at `now`, e.g. `['2025-02-28', …]`. */
function dueDates(
  now: string,
  instalments: number,
  policy: Policy = DEFAULT_POLICY,
  firstDueOn?: string,
): string[] {
  const plan = planOf(
    { downPaymentCents: 24_000, instalments, ...(firstDueOn ? { firstDueOn } : {}) },
    120_000,
    policy,
    new Date(now),
  );
  return plan.schedule.map((i) => {
    // End of the local day: 04:59:59.999 UTC the next day.
    expect(i.dueAt.slice(10)).toBe('T04:59:59.999Z');
    const day = new Date(Date.parse(i.dueAt) - 5 * 3_600_000);
    return day.toISOString().slice(0, 10);
  });
}

describe('instalments date to date (plazos, COA art. 160)', () => {
  it('from 31 January in a non-leap year: 28 February, then 31 March (not 28 March), a Saturday moved', () => {
    // 2025-01-31 is a Friday, 10:00 in Guayaquil.
    expect(dueDates('2025-01-31T15:00:00Z', 4)).toEqual([
      '2025-02-28',
      '2025-03-31',
      '2025-04-30',
      '2025-06-02', // Sat 31 May → Mon 2 June
    ]);
  });

  it('from 31 January in a leap year: 29 February, then Easter Sunday 31 March → Monday 1 April', () => {
    expect(dueDates('2024-01-31T15:00:00Z', 3)).toEqual(['2024-02-29', '2024-04-01', '2024-04-30']);
  });

  it('from the 29th and the 30th: the end of February, then the same day again', () => {
    // Non-leap 2025: 29 March is a Saturday, 30 March a Sunday.
    expect(dueDates('2025-01-29T15:00:00Z', 3)).toEqual(['2025-02-28', '2025-03-31', '2025-04-29']);
    expect(dueDates('2025-01-30T15:00:00Z', 3)).toEqual(['2025-02-28', '2025-03-31', '2025-04-30']);
    // Leap 2024: 29 March is Good Friday, 30 March a Saturday.
    expect(dueDates('2024-01-29T15:00:00Z', 3)).toEqual(['2024-02-29', '2024-04-01', '2024-04-29']);
    expect(dueDates('2024-01-30T15:00:00Z', 3)).toEqual(['2024-02-29', '2024-04-01', '2024-04-30']);
  });

  it('a due day that is a holiday moves to the next business day: national, local and decreed', () => {
    // Pichincha (Sun 24 May 2026) is observed Mon 25 May: from Fri 24 April, due Tue 26 May.
    expect(dueDates('2026-04-24T15:00:00Z', 2)).toEqual(['2026-05-26', '2026-06-24']);
    // Cantonización de Machala (Thu 25 June 2026) is observed Fri 26 June: due Mon 29 June.
    expect(dueDates('2026-05-26T15:00:00Z', 2)).toEqual(['2026-06-29', '2026-07-27']);
    // Fri 2 January 2026 is a decreed rest day in the default policy: due Mon 5 January.
    expect(dueDates('2025-12-02T15:00:00Z', 2)).toEqual(['2026-01-05', '2026-02-02']);
    // Without Machala's holiday in the policy, 26 June 2026 is a business day.
    const noLocal = policyWith({ calendar: { localHolidays: [] } });
    expect(dueDates('2026-05-26T15:00:00Z', 1, noLocal)).toEqual(['2026-06-26']);
  });

  it('from the 31st the collector fixed: the 31st or the last day of the month, never drifting', () => {
    expect(dueDates(NOW.toISOString(), 4, DEFAULT_POLICY, '2026-03-31')).toEqual([
      '2026-03-31',
      '2026-04-30',
      '2026-06-01', // Sun 31 May → Mon 1 June
      '2026-06-30',
    ]);
  });

  it('an interval of several months or of a year counts from the anchor too', () => {
    const quarterly = policyWith({
      agreement: { instalmentInterval: { amount: 3, unit: 'months' } },
    });
    expect(dueDates('2025-11-28T15:00:00Z', 3, quarterly)).toEqual([
      '2026-03-02', // Sat 28 February → Mon 2 March
      '2026-05-28',
      '2026-08-28',
    ]);
    const yearly = policyWith({ agreement: { instalmentInterval: { amount: 1, unit: 'years' } } });
    const signedAt = new Date('2024-02-29T15:00:00Z'); // a Thursday
    const plan = planOf({ downPaymentCents: 24_000, instalments: 4 }, 120_000, yearly, signedAt);
    expect(agreementDues(plan, signedAt, yearly).map((d) => d.dueAt)).toEqual([
      '2024-02-29T15:00:00.000Z', // the down payment, at the signature
      '2025-03-01T04:59:59.999Z', // Fri 28 February 2025
      '2026-03-03T04:59:59.999Z', // Sat 28 February 2026 → Mon 2 March
      '2027-03-02T04:59:59.999Z', // Sun 28 February 2027 → Mon 1 March
      '2028-03-02T04:59:59.999Z', // Tue 29 February 2028 is Carnival → Wed 1 March
    ]);
  });

  it('an interval in days is chained one after another, as before', () => {
    const thirtyDays = policyWith({
      agreement: { instalmentInterval: { amount: 30, unit: 'calendarDays' } },
    });
    expect(dueDates(NOW.toISOString(), 3, thirtyDays)).toEqual([
      '2026-04-01',
      '2026-05-01', // no move: a days interval is not a plazo
      '2026-05-31',
    ]);
  });
});

describe('agreementDuesChained: the schedule signed agreements keep (before the plazo rule)', () => {
  it('chains each instalment from the previous one: 31 January → 28 February → 28 March', () => {
    const signedAt = new Date('2025-01-31T15:00:00Z');
    const plan = planOf(
      { downPaymentCents: 24_000, instalments: 3 },
      120_000,
      DEFAULT_POLICY,
      signedAt,
    );
    expect(agreementDuesChained(plan, signedAt, DEFAULT_POLICY).map((d) => d.dueAt)).toEqual([
      '2025-01-31T15:00:00.000Z',
      '2025-03-01T04:59:59.999Z', // 28 February
      '2025-03-29T04:59:59.999Z', // 28 March
      '2025-04-29T04:59:59.999Z', // 28 April
    ]);
    expect(
      agreementDues(plan, signedAt, DEFAULT_POLICY)
        .map((d) => d.dueAt)
        .slice(2),
    ).toEqual([
      '2025-04-01T04:59:59.999Z', // 31 March
      '2025-05-01T04:59:59.999Z', // 30 April
    ]);
  });

  it('keeps the first date the collector fixed as it was, even on a Sunday', () => {
    const fixed = planOf(
      { downPaymentCents: 24_000, instalments: 2, firstDueOn: '2026-03-15' },
      120_000,
      DEFAULT_POLICY,
      NOW,
    );
    const chained = agreementDuesChained(fixed, NOW, DEFAULT_POLICY, '2026-03-15');
    expect(chained.slice(1).map((d) => d.dueAt)).toEqual([
      '2026-03-16T04:59:59.999Z', // Sun 15 March
      '2026-04-16T04:59:59.999Z', // Wed 15 April
    ]);
  });

  it('gives the same dates as agreementDues under a policy in days or seconds', () => {
    const thirtyDays = policyWith({
      agreement: { instalmentInterval: { amount: 30, unit: 'calendarDays' } },
    });
    const plan = planOf({ downPaymentCents: 24_000, instalments: 5 }, 120_000, thirtyDays, NOW);
    const signedAt = new Date('2026-03-06T20:00:00Z');
    expect(agreementDuesChained(plan, signedAt, thirtyDays)).toEqual(
      agreementDues(plan, signedAt, thirtyDays),
    );
    expect(agreementDuesChained(plan, signedAt, thirtyDays, '2026-03-20')).toEqual(
      agreementDues(plan, signedAt, thirtyDays, '2026-03-20'),
    );
  });
});

describe('planAgreement: after broken agreements (policy agreement.afterBroken)', () => {
  const terms = (downPaymentCents: number) => ({ downPaymentCents, instalments: 4 });

  it('refuses a new agreement once the account has broken maxBrokenAgreements (default 2)', () => {
    for (const brokenAgreements of [2, 3]) {
      expect(refusal(terms(60_000), 120_000, DEFAULT_POLICY, NOW, { brokenAgreements })).toBe(
        `La cuenta tiene ${brokenAgreements} convenios incumplidos: la política no admite un nuevo convenio a partir de 2 incumplidos`,
      );
    }
    const lenient = policyWith({ agreement: { afterBroken: { maxBrokenAgreements: 3 } } });
    expect(planAgreement(terms(48_000), 120_000, lenient, NOW, { brokenAgreements: 2 }).ok).toBe(
      true,
    );
  });

  it('asks for the higher down payment (default 40 %) after one broken agreement', () => {
    expect(refusal(terms(47_999), 120_000, DEFAULT_POLICY, NOW, { brokenAgreements: 1 })).toBe(
      'La entrada mínima es el 40 % de la deuda (480.00 USD): la cuenta tiene 1 convenio incumplido',
    );
    expect(
      planAgreement(terms(48_000), 120_000, DEFAULT_POLICY, NOW, { brokenAgreements: 1 }).ok,
    ).toBe(true);
  });

  it('keeps the ordinary minimum with no broken agreement, or when no history is given', () => {
    expect(
      planAgreement(terms(24_000), 120_000, DEFAULT_POLICY, NOW, { brokenAgreements: 0 }).ok,
    ).toBe(true);
    expect(planAgreement(terms(24_000), 120_000, DEFAULT_POLICY, NOW).ok).toBe(true);
  });

  it('never lowers the ordinary minimum: the higher of the two applies', () => {
    const strict = policyWith({ agreement: { minDownPaymentBp: 5_000 } });
    expect(refusal(terms(59_999), 120_000, strict, NOW, { brokenAgreements: 1 })).toBe(
      'La entrada mínima es el 50 % de la deuda (600.00 USD)',
    );
  });

  it('throws on a history that is not a count (a bug in the caller)', () => {
    for (const brokenAgreements of [-1, 1.5, Number.NaN]) {
      expect(() =>
        planAgreement(terms(60_000), 120_000, DEFAULT_POLICY, NOW, { brokenAgreements }),
      ).toThrow(RangeError);
    }
  });
});

const dues = (): AgreementDue[] => [
  { number: 0, dueAt: '2026-03-02T15:00:00.000Z', amountCents: 1_000, paidCents: 0 },
  { number: 1, dueAt: '2026-04-02T04:59:59.999Z', amountCents: 2_000, paidCents: 0 },
  { number: 2, dueAt: '2026-05-02T04:59:59.999Z', amountCents: 2_000, paidCents: 0 },
];

describe('applyAgreementPayment: oldest first', () => {
  it('pays the down payment, then the instalments in order', () => {
    const r = applyAgreementPayment(dues(), 2_500);
    expect(r.dues.map((d) => d.paidCents)).toEqual([1_000, 1_500, 0]);
    expect(r.allocations).toEqual([
      { number: 0, appliedCents: 1_000, paidCents: 1_000, amountCents: 1_000, settled: true },
      { number: 1, appliedCents: 1_500, paidCents: 1_500, amountCents: 2_000, settled: false },
    ]);
    expect(r.unappliedCents).toBe(0);
    expect(r.dues.map(dueStatus)).toEqual(['paid', 'partial', 'pending']);
  });

  it('completes a partly paid instalment before the next one', () => {
    const once = applyAgreementPayment(dues(), 1_500).dues;
    const twice = applyAgreementPayment(once, 1_600);
    expect(twice.dues.map((d) => d.paidCents)).toEqual([1_000, 2_000, 100]);
    expect(twice.allocations.map((a) => [a.number, a.appliedCents, a.settled])).toEqual([
      [1, 1_500, true],
      [2, 100, false],
    ]);
  });

  it('keeps what exceeds the whole agreement as unapplied', () => {
    const r = applyAgreementPayment(dues(), 6_000);
    expect(isPaidOff(r.dues)).toBe(true);
    expect(r.unappliedCents).toBe(1_000);
  });

  it('changes nothing for a zero or negative amount, and leaves its input alone', () => {
    const before = dues();
    expect(applyAgreementPayment(before, -5).allocations).toEqual([]);
    expect(applyAgreementPayment(before, 0).dues).toEqual(before);
    applyAgreementPayment(before, 3_000);
    expect(before.every((d) => d.paidCents === 0)).toBe(true);
  });
});

describe('missedDue: when the agreement breaks', () => {
  it('is the oldest unpaid amount once its grace period has run out', () => {
    const paidDown = applyAgreementPayment(dues(), 1_000).dues;
    expect(nextUnpaidDue(paidDown)?.number).toBe(1);
    // Due Wed 1 April; 5 business days of grace skip Good Friday (3 April 2026) and the weekend.
    expect(graceEndsAt(paidDown[1]!, DEFAULT_POLICY).toISOString()).toBe(
      '2026-04-10T04:59:59.999Z',
    );
    expect(missedDue(paidDown, new Date('2026-04-10T04:59:59.998Z'), DEFAULT_POLICY)).toBeNull();
    expect(missedDue(paidDown, new Date('2026-04-10T04:59:59.999Z'), DEFAULT_POLICY)?.number).toBe(
      1,
    );
  });

  it('counts a partly paid amount as missed, and the down payment too', () => {
    const partial = applyAgreementPayment(dues(), 999).dues;
    const graceOfDown = graceEndsAt(partial[0]!, DEFAULT_POLICY);
    expect(graceOfDown.toISOString()).toBe('2026-03-10T04:59:59.999Z'); // 5 business days
    expect(missedDue(partial, graceOfDown, DEFAULT_POLICY)?.number).toBe(0);
  });

  it('never breaks a paid-off agreement', () => {
    const all = applyAgreementPayment(dues(), 5_000).dues;
    expect(nextUnpaidDue(all)).toBeNull();
    expect(missedDue(all, new Date('2030-01-01T00:00:00Z'), DEFAULT_POLICY)).toBeNull();
  });
});

describe('receiveAgreementPayment', () => {
  const watch: AgreementWatch = {
    signedAt: '2026-03-02T15:00:00.000Z',
    dues: dues(),
    appliedReferences: [],
    pending: [],
  };
  const payment = {
    reference: 'PAG-1',
    amountCents: 1_000,
    paidAt: '2026-03-02T16:00:00.000Z',
    source: 'billing',
  };

  it('applies a payment once per reference', () => {
    const first = receiveAgreementPayment(watch, payment);
    expect(first.kind).toBe('applied');
    expect(first.watch.appliedReferences).toEqual(['PAG-1']);
    const again = receiveAgreementPayment(first.watch, payment);
    expect(again.kind).toBe('duplicate');
    expect(again.watch).toBe(first.watch);
    expect(again.watch.dues.map((d) => d.paidCents)).toEqual([1_000, 0, 0]);
  });
});
