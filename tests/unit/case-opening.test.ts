import { describe, expect, it } from 'vitest';
import {
  decideCaseOpening,
  priorityScore,
  type AccountDebt,
  type CaseOpeningDecision,
} from '../../domain/case-opening.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';

// DEFAULT_POLICY: ≥ 2 overdue invoices, ≥ 60 days past due, ≥ USD 50 owed, floor USD 1.
const policy = DEFAULT_POLICY;
const AS_OF = '2026-06-30';

/** One overdue invoice of USD 10, 10 days late: below every threshold, above the floor. */
function debt(overrides: Partial<AccountDebt> = {}): AccountDebt {
  return {
    category: 'residencial',
    protection: 'none',
    overdueInvoices: 1,
    overdueBalanceCents: 1_000,
    oldestDueOn: '2026-06-20',
    brokenCommitments: 0,
    ...overrides,
  };
}

function opened(decision: CaseOpeningDecision) {
  if (!decision.open) throw new Error(`expected an open decision, got ${decision.why}`);
  return decision;
}

const priorityOf = (d: AccountDebt, asOf = AS_OF) =>
  opened(decideCaseOpening(d, policy, asOf)).priority;

describe('which accounts open a case', () => {
  it('does not open below every threshold', () => {
    expect(decideCaseOpening(debt(), policy, AS_OF)).toEqual({
      open: false,
      why: 'below_thresholds',
      daysPastDue: 10,
    });
  });

  it('opens on the number of overdue invoices alone', () => {
    const d = opened(decideCaseOpening(debt({ overdueInvoices: 2 }), policy, AS_OF));
    expect(d.reasons).toEqual(['overdue_invoices']);
  });

  it('opens on days past due alone, from exactly 60 days', () => {
    // 2026-05-01 → 2026-06-30 is 60 calendar days; one day later is 59.
    const at60 = decideCaseOpening(debt({ oldestDueOn: '2026-05-01' }), policy, AS_OF);
    expect(opened(at60).reasons).toEqual(['days_past_due']);
    expect(at60.daysPastDue).toBe(60);
    const at59 = decideCaseOpening(debt({ oldestDueOn: '2026-05-02' }), policy, AS_OF);
    expect(at59).toMatchObject({ open: false, why: 'below_thresholds', daysPastDue: 59 });
  });

  it('opens on the balance alone, from exactly USD 50', () => {
    const at50 = decideCaseOpening(debt({ overdueBalanceCents: 5_000 }), policy, AS_OF);
    expect(opened(at50).reasons).toEqual(['balance']);
    const below = decideCaseOpening(debt({ overdueBalanceCents: 4_999 }), policy, AS_OF);
    expect(below).toMatchObject({ open: false, why: 'below_thresholds' });
  });

  it('lists every threshold that holds', () => {
    const d = decideCaseOpening(
      debt({ overdueInvoices: 3, overdueBalanceCents: 9_000, oldestDueOn: '2026-01-15' }),
      policy,
      AS_OF,
    );
    expect(opened(d).reasons).toEqual(['overdue_invoices', 'days_past_due', 'balance']);
  });

  it('uses the thresholds of the policy it is given', () => {
    const strict = {
      ...policy,
      caseOpening: { ...policy.caseOpening, minOverdueInvoices: 1 },
    };
    expect(opened(decideCaseOpening(debt(), strict, AS_OF)).reasons).toEqual(['overdue_invoices']);
  });

  it('never opens below the floor balance, even when other thresholds hold', () => {
    const d = decideCaseOpening(
      debt({ overdueInvoices: 5, overdueBalanceCents: 99, oldestDueOn: '2025-01-01' }),
      policy,
      AS_OF,
    );
    expect(d).toMatchObject({ open: false, why: 'below_floor' });
    // Exactly at the floor the other thresholds apply again.
    const atFloor = decideCaseOpening(
      debt({ overdueInvoices: 5, overdueBalanceCents: 100 }),
      policy,
      AS_OF,
    );
    expect(atFloor.open).toBe(true);
  });

  it.each([
    ['no overdue invoices', { overdueInvoices: 0, overdueBalanceCents: 50_000 }],
    ['no overdue balance', { overdueInvoices: 4, overdueBalanceCents: 0 }],
    ['a credit balance', { overdueInvoices: 4, overdueBalanceCents: -500 }],
  ])('does not open with %s', (_label, o) => {
    const d = decideCaseOpening(debt({ ...o, oldestDueOn: '2025-01-01' }), policy, AS_OF);
    expect(d).toMatchObject({ open: false, why: 'nothing_overdue' });
  });
});

describe('protected accounts', () => {
  it('opens a case but flags it protected', () => {
    for (const protection of ['vulnerable', 'hospital', 'escuela'] as const) {
      const d = decideCaseOpening(debt({ overdueInvoices: 3, protection }), policy, AS_OF);
      expect(opened(d).protected).toBe(true);
    }
  });

  it('does not flag unprotected accounts', () => {
    const d = decideCaseOpening(debt({ overdueInvoices: 3 }), policy, AS_OF);
    expect(opened(d).protected).toBe(false);
  });
});

describe('days past due', () => {
  it('counts calendar days from the oldest due date to asOf, weekends included', () => {
    // Friday 2026-06-26 → Monday 2026-06-29: 3 calendar days (1 business day).
    const d = decideCaseOpening(debt({ oldestDueOn: '2026-06-26' }), policy, '2026-06-29');
    expect(d.daysPastDue).toBe(3);
  });

  it('counts across months and leap days', () => {
    // 2028 is a leap year: 2028-02-01 → 2028-03-01 is 29 days.
    const d = decideCaseOpening(debt({ oldestDueOn: '2028-02-01' }), policy, '2028-03-01');
    expect(d.daysPastDue).toBe(29);
  });

  it('is zero on the due date itself and never negative', () => {
    expect(decideCaseOpening(debt({ oldestDueOn: AS_OF }), policy, AS_OF).daysPastDue).toBe(0);
    expect(decideCaseOpening(debt({ oldestDueOn: '2026-07-10' }), policy, AS_OF).daysPastDue).toBe(
      0,
    );
  });
});

describe('priority', () => {
  // Opens on the invoice count, so every variation below still opens.
  const base = debt({ overdueInvoices: 2, overdueBalanceCents: 8_000, oldestDueOn: '2026-04-01' });

  it('is an integer between 0 and 1000', () => {
    const samples: AccountDebt[] = [];
    for (const category of ['residencial', 'comercial', 'industrial', 'publica'] as const)
      for (const cents of [100, 5_000, 200_000, 50_000_000])
        for (const due of ['2026-06-29', '2026-01-01', '2020-01-01'])
          for (const broken of [0, 1, 10])
            samples.push(
              debt({
                category,
                overdueInvoices: 2,
                overdueBalanceCents: cents,
                oldestDueOn: due,
                brokenCommitments: broken,
              }),
            );
    const scores = samples.map((s) => priorityOf(s));
    for (const p of scores) {
      expect(Number.isInteger(p)).toBe(true);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1000);
    }
    // The range is used, not collapsed to a constant.
    expect(Math.min(...scores)).toBeLessThan(200);
    expect(Math.max(...scores)).toBe(1000);
  });

  it('never falls when the debt grows', () => {
    let previous = -1;
    for (const cents of [100, 1_000, 5_000, 20_000, 100_000, 200_000, 1_000_000]) {
      const p = priorityOf({ ...base, overdueBalanceCents: cents });
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    expect(priorityOf({ ...base, overdueBalanceCents: 100_000 })).toBeGreaterThan(
      priorityOf({ ...base, overdueBalanceCents: 1_000 }),
    );
  });

  it('never falls when the debt gets older', () => {
    let previous = -1;
    for (const due of ['2026-06-30', '2026-06-20', '2026-05-01', '2026-01-01', '2025-01-01']) {
      const p = priorityOf({ ...base, oldestDueOn: due });
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
    expect(priorityOf({ ...base, oldestDueOn: '2025-10-01' })).toBeGreaterThan(
      priorityOf({ ...base, oldestDueOn: '2026-06-20' }),
    );
  });

  it('ranks comercial above residencial for the same debt', () => {
    expect(priorityOf({ ...base, category: 'comercial' })).toBeGreaterThan(
      priorityOf({ ...base, category: 'residencial' }),
    );
  });

  it('follows the category weights of the policy', () => {
    const flipped = {
      ...policy,
      priority: {
        ...policy.priority,
        categoryWeight: { residencial: 2, comercial: 1, industrial: 1, publica: 1 },
      },
    };
    const residencial = opened(decideCaseOpening({ ...base }, flipped, AS_OF)).priority;
    const comercial = opened(
      decideCaseOpening({ ...base, category: 'comercial' }, flipped, AS_OF),
    ).priority;
    expect(residencial).toBeGreaterThan(comercial);
  });

  it('rises with broken commitments', () => {
    const none = priorityOf({ ...base, brokenCommitments: 0 });
    const one = priorityOf({ ...base, brokenCommitments: 1 });
    const two = priorityOf({ ...base, brokenCommitments: 2 });
    expect(one).toBeGreaterThan(none);
    expect(two).toBeGreaterThan(one);
    // Missing history counts as none.
    const { brokenCommitments: _omit, ...withoutHistory } = base;
    expect(priorityOf(withoutHistory)).toBe(none);
  });

  it('is what priorityScore computes for the decision', () => {
    const d = opened(decideCaseOpening(base, policy, AS_OF));
    expect(d.priority).toBe(priorityScore(base, d.daysPastDue, policy.priority));
  });
});
