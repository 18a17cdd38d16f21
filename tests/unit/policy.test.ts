import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WaitingPeriod } from '../../domain/calendar.js';
import {
  DEFAULT_POLICY,
  canonicalPolicyJson,
  policySchema,
  resolvePolicy,
  type Policy,
  type PolicyResult,
} from '../../domain/policy.js';
import { ROOT_DIR } from '../../config/index.js';

function resolved(result: PolicyResult): Policy {
  if (!result.ok) throw new Error(`expected a valid policy, got ${result.errors.join('; ')}`);
  return result.policy;
}

function errorsOf(result: PolicyResult): string[] {
  if (result.ok) throw new Error('expected the policy to be rejected');
  return result.errors;
}

/** Every waiting period in a policy, by dotted path. */
function waitingPeriods(value: unknown, at = ''): [string, WaitingPeriod][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  if ('unit' in value && 'amount' in value) return [[at, value as WaitingPeriod]];
  return Object.entries(value).flatMap(([k, v]) => waitingPeriods(v, at ? `${at}.${k}` : k));
}

describe('DEFAULT_POLICY', () => {
  it('satisfies the policy schema', () => {
    expect(policySchema.safeParse(DEFAULT_POLICY).success).toBe(true);
  });

  it('resolves unchanged from an empty or absent override', () => {
    expect(resolved(resolvePolicy(undefined))).toEqual(DEFAULT_POLICY);
    expect(resolved(resolvePolicy({}))).toEqual(DEFAULT_POLICY);
  });

  it('carries the legal terms of DOMAIN.md', () => {
    expect(DEFAULT_POLICY.creditTitle.voluntaryPaymentTerm).toEqual({
      amount: 10,
      unit: 'businessDays',
    });
    expect(DEFAULT_POLICY.coactiva.paymentOrderTerm).toEqual({ amount: 3, unit: 'businessDays' });
  });
});

describe('resolvePolicy', () => {
  it('merges a partial override over the defaults', () => {
    const policy = resolved(
      resolvePolicy({
        legalRoute: 'CODIGO_TRIBUTARIO',
        caseOpening: { minOverdueInvoices: 1 },
        reminder: { interval: { amount: 3, unit: 'businessDays' } },
      }),
    );
    expect(policy.legalRoute).toBe('CODIGO_TRIBUTARIO');
    expect(policy.caseOpening).toEqual({ ...DEFAULT_POLICY.caseOpening, minOverdueInvoices: 1 });
    expect(policy.reminder).toEqual({
      ...DEFAULT_POLICY.reminder,
      interval: { amount: 3, unit: 'businessDays' },
    });
    expect(policy.suspension).toEqual(DEFAULT_POLICY.suspension);
  });

  it('merges over the base it is given, not only the defaults', () => {
    const base = resolved(resolvePolicy({ agreement: { maxInstalments: 12 } }));
    const policy = resolved(resolvePolicy({ agreement: { minDownPaymentBp: 3_000 } }, base));
    expect(policy.agreement.maxInstalments).toBe(12);
    expect(policy.agreement.minDownPaymentBp).toBe(3_000);
  });

  it('replaces arrays instead of merging them', () => {
    const base = resolved(resolvePolicy({ calendar: { extraHolidays: ['2026-12-24'] } }));
    const policy = resolved(resolvePolicy({ calendar: { extraHolidays: ['2026-12-31'] } }, base));
    expect(policy.calendar.extraHolidays).toEqual(['2026-12-31']);
  });

  it('does not modify the defaults', () => {
    const before = structuredClone(DEFAULT_POLICY);
    resolvePolicy({ caseOpening: { minOverdueInvoices: 9 } });
    expect(DEFAULT_POLICY).toEqual(before);
  });

  it('rejects an unknown key, naming where it is', () => {
    const errors = errorsOf(resolvePolicy({ caseOpening: { minBalance: 100 } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^caseOpening: /);
    expect(errors[0]).toContain('minBalance');
  });

  it('rejects an unknown top-level key', () => {
    const errors = errorsOf(resolvePolicy({ caseOpenning: { minOverdueInvoices: 1 } }));
    expect(errors.join('\n')).toContain('caseOpenning');
  });

  it('rejects a misspelt key inside a waiting period instead of keeping the default amount', () => {
    const errors = errorsOf(
      resolvePolicy({ reminder: { interval: { ammount: 5, unit: 'seconds' } } }),
    );
    expect(errors.join('\n')).toMatch(/reminder\.interval.*ammount/);
  });

  it.each([
    ['a negative amount', { amount: -1, unit: 'seconds' }, 'reminder.interval.amount'],
    ['a fractional amount', { amount: 1.5, unit: 'hours' }, 'reminder.interval.amount'],
    ['an unknown unit', { amount: 1, unit: 'weeks' }, 'reminder.interval.unit'],
    ['a string amount', { amount: '7', unit: 'calendarDays' }, 'reminder.interval.amount'],
  ])('rejects a waiting period with %s', (_label, interval, where) => {
    const errors = errorsOf(resolvePolicy({ reminder: { interval } }));
    expect(errors.some((e) => e.startsWith(`${where}: `))).toBe(true);
  });

  it('reports every bad value, each with its path', () => {
    const errors = errorsOf(
      resolvePolicy({
        caseOpening: { minOverdueInvoices: 0 },
        agreement: { maxInstalments: 500 },
        legalRoute: 'OTRA',
      }),
    );
    expect(errors).toHaveLength(3);
    expect(errors.some((e) => e.startsWith('caseOpening.minOverdueInvoices: '))).toBe(true);
    expect(errors.some((e) => e.startsWith('agreement.maxInstalments: '))).toBe(true);
    expect(errors.some((e) => e.startsWith('legalRoute: '))).toBe(true);
  });

  it('rejects a document that is not an object', () => {
    for (const doc of [null, [], 'COA', 42]) {
      expect(errorsOf(resolvePolicy(doc))).toEqual(['la política debe ser un objeto JSON']);
    }
  });

  it('ignores "$comment" and other "$" notes', () => {
    const policy = resolved(
      resolvePolicy({
        $comment: 'why these values',
        $schema: './policy.schema.json',
        caseOpening: { minDaysPastDue: 30 },
      }),
    );
    expect(policy.caseOpening.minDaysPastDue).toBe(30);
    expect(policy).not.toHaveProperty('$comment');
    expect(policy).not.toHaveProperty('$schema');
  });
});

describe('policies/training.json', () => {
  const file = path.join(ROOT_DIR, 'policies', 'training.json');
  const policy = resolved(resolvePolicy(JSON.parse(readFileSync(file, 'utf8')) as unknown));

  it('resolves over the defaults', () => {
    expect(policy.caseOpening).toEqual(DEFAULT_POLICY.caseOpening);
  });

  it('runs every waiting period in seconds or minutes, so a lifecycle takes minutes', () => {
    const periods = waitingPeriods(policy);
    // Guard the walk itself: it must find every period the defaults have.
    expect(periods.map(([p]) => p).sort()).toEqual(
      waitingPeriods(DEFAULT_POLICY)
        .map(([p]) => p)
        .sort(),
    );
    expect(periods.length).toBeGreaterThanOrEqual(15);
    // Prescription counts from the invoices' due dates in the imported data (months or years
    // back), so training keeps the legal term: a term in minutes would prescribe every case at
    // once. Its warning and closure are exercised by the time-skipping tests instead.
    const slow = periods.filter(
      ([p, w]) => w.unit !== 'seconds' && w.unit !== 'minutes' && !p.startsWith('prescription.'),
    );
    expect(slow).toEqual([]);
    const totalSeconds = periods
      .filter(([p]) => !p.startsWith('prescription.'))
      .reduce((s, [, w]) => s + w.amount * (w.unit === 'minutes' ? 60 : 1), 0);
    expect(totalSeconds).toBeLessThan(60 * 60);
  });
});

describe('canonicalPolicyJson', () => {
  /** The same object with its keys inserted in reverse order, at every level. */
  function reverseKeys(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(reverseKeys);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(
      Object.keys(v)
        .reverse()
        .map((k) => [k, reverseKeys((v as Record<string, unknown>)[k])]),
    );
  }

  it('does not depend on key order', () => {
    const reversed = reverseKeys(DEFAULT_POLICY) as Policy;
    expect(JSON.stringify(reversed)).not.toBe(JSON.stringify(DEFAULT_POLICY));
    expect(canonicalPolicyJson(reversed)).toBe(canonicalPolicyJson(DEFAULT_POLICY));
  });

  it('differs when a value differs', () => {
    const changed = resolved(resolvePolicy({ suspension: { suspensionFeeCents: 600 } }));
    expect(canonicalPolicyJson(changed)).not.toBe(canonicalPolicyJson(DEFAULT_POLICY));
  });

  it('keeps array order (holiday lists are data)', () => {
    const a = resolved(
      resolvePolicy({ calendar: { extraHolidays: ['2026-12-24', '2026-12-31'] } }),
    );
    const b = resolved(
      resolvePolicy({ calendar: { extraHolidays: ['2026-12-31', '2026-12-24'] } }),
    );
    expect(canonicalPolicyJson(a)).not.toBe(canonicalPolicyJson(b));
  });

  it('is valid JSON that parses back to the same policy', () => {
    expect(JSON.parse(canonicalPolicyJson(DEFAULT_POLICY))).toEqual(DEFAULT_POLICY);
  });
});
