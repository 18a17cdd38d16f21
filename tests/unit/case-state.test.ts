import { describe, expect, it } from 'vitest';
import {
  applyBillingBalance,
  applyPayment,
  closeCase,
  openCaseState,
  type CaseState,
  type PaymentFact,
} from '../../domain/case.js';

function openCase(balanceCents = 10_000): CaseState {
  return openCaseState({
    caseId: 'case-1',
    accountId: 'acc-1',
    accountNumber: '0001-23',
    balanceCents,
  });
}

function payment(reference: string, amountCents: number): PaymentFact {
  return { reference, amountCents, paidAt: '2026-06-01T15:00:00.000Z', source: 'tesoreria' };
}

describe('opening', () => {
  it('starts in reminder, open, with the opening balance and nothing paid', () => {
    expect(openCase(12_345)).toEqual({
      caseId: 'case-1',
      accountId: 'acc-1',
      accountNumber: '0001-23',
      stage: 'reminder',
      status: 'open',
      balanceCents: 12_345,
      openingBalanceCents: 12_345,
      paidCents: 0,
      paymentReferences: [],
      closeReason: null,
      closedAt: null,
    });
  });
});

describe('payments', () => {
  it('reduces the balance by a partial payment without settling', () => {
    const { state, outcome } = applyPayment(openCase(10_000), payment('P-1', 2_500));
    expect(state.balanceCents).toBe(7_500);
    expect(state.paidCents).toBe(2_500);
    expect(state.paymentReferences).toEqual(['P-1']);
    expect(outcome).toEqual({ kind: 'applied', balanceBeforeCents: 10_000, settles: false });
    // The opening balance is history, not the current debt.
    expect(state.openingBalanceCents).toBe(10_000);
  });

  it('settles when a payment covers the balance exactly', () => {
    const { state, outcome } = applyPayment(openCase(10_000), payment('P-1', 10_000));
    expect(state.balanceCents).toBe(0);
    expect(outcome).toEqual({ kind: 'applied', balanceBeforeCents: 10_000, settles: true });
  });

  it('settles after several partial payments add up', () => {
    let s = openCase(10_000);
    const first = applyPayment(s, payment('P-1', 4_000));
    s = first.state;
    const second = applyPayment(s, payment('P-2', 6_000));
    expect(first.outcome).toMatchObject({ settles: false });
    expect(second.outcome).toEqual({ kind: 'applied', balanceBeforeCents: 6_000, settles: true });
    expect(second.state.paidCents).toBe(10_000);
    expect(second.state.paymentReferences).toEqual(['P-1', 'P-2']);
  });

  it('keeps the balance at 0 on overpayment and records the whole amount paid', () => {
    const { state, outcome } = applyPayment(openCase(10_000), payment('P-1', 12_000));
    expect(state.balanceCents).toBe(0);
    expect(state.paidCents).toBe(12_000);
    expect(outcome).toMatchObject({ kind: 'applied', settles: true });
  });

  it('applies a reference only once', () => {
    const once = applyPayment(openCase(10_000), payment('P-1', 2_500)).state;
    const twice = applyPayment(once, payment('P-1', 2_500));
    expect(twice.outcome).toEqual({ kind: 'duplicate' });
    expect(twice.state).toBe(once);
    expect(twice.state.balanceCents).toBe(7_500);
    expect(twice.state.paidCents).toBe(2_500);
  });

  it('treats the same reference with another amount as the same payment', () => {
    const once = applyPayment(openCase(10_000), payment('P-1', 2_500)).state;
    const replay = applyPayment(once, payment('P-1', 9_999));
    expect(replay.outcome.kind).toBe('duplicate');
    expect(replay.state.balanceCents).toBe(7_500);
  });

  it('applies different references with the same amount separately', () => {
    const a = applyPayment(openCase(10_000), payment('P-1', 2_500)).state;
    const b = applyPayment(a, payment('P-2', 2_500));
    expect(b.outcome.kind).toBe('applied');
    expect(b.state.balanceCents).toBe(5_000);
  });

  it('does not mutate the state it was given', () => {
    const before = openCase(10_000);
    const snapshot = structuredClone(before);
    applyPayment(before, payment('P-1', 2_500));
    expect(before).toEqual(snapshot);
  });

  it('records a payment after closure but does not settle a closed case', () => {
    const closed = closeCase(openCase(10_000), 'written_off', '2026-06-01T00:00:00.000Z');
    const { state, outcome } = applyPayment(closed, payment('P-9', 10_000));
    expect(outcome).toMatchObject({ kind: 'applied', settles: false });
    expect(state.paidCents).toBe(10_000);
    expect(state.status).toBe('closed');
    expect(state.closeReason).toBe('written_off');
  });
});

describe('balance from a billing export', () => {
  it('reports a change and takes the new balance', () => {
    const r = applyBillingBalance(openCase(10_000), 12_000);
    expect(r.changed).toBe(true);
    expect(r.settles).toBe(false);
    expect(r.state.balanceCents).toBe(12_000);
    expect(r.state.openingBalanceCents).toBe(10_000);
  });

  it('reports no change for the same balance and returns the same state', () => {
    const s = openCase(10_000);
    const r = applyBillingBalance(s, 10_000);
    expect(r).toEqual({ state: s, changed: false, settles: false });
    expect(r.state).toBe(s);
  });

  it('settles an open case when billing says nothing is owed', () => {
    const r = applyBillingBalance(openCase(10_000), 0);
    expect(r).toMatchObject({ changed: true, settles: true });
    expect(r.state.balanceCents).toBe(0);
  });

  it('treats a credit balance as zero', () => {
    const r = applyBillingBalance(openCase(10_000), -300);
    expect(r.state.balanceCents).toBe(0);
    expect(r.settles).toBe(true);
    expect(applyBillingBalance(r.state, -50).changed).toBe(false);
  });

  it('does not settle a closed case', () => {
    const closed = closeCase(openCase(10_000), 'billing_error', '2026-06-01T00:00:00.000Z');
    const r = applyBillingBalance(closed, 0);
    expect(r.changed).toBe(true);
    expect(r.settles).toBe(false);
  });
});

describe('closing', () => {
  const at = '2026-06-01T10:00:00.000Z';

  it('records the reason and time and moves to the closed stage', () => {
    const s = closeCase(openCase(), 'paid', at);
    expect(s).toMatchObject({
      status: 'closed',
      stage: 'closed',
      closeReason: 'paid',
      closedAt: at,
    });
  });

  it('is idempotent: a second close keeps the first reason and time', () => {
    const first = closeCase(openCase(), 'paid', at);
    const second = closeCase(first, 'cancelled', '2026-07-01T00:00:00.000Z');
    expect(second).toBe(first);
    expect(second.closeReason).toBe('paid');
    expect(second.closedAt).toBe(at);
  });

  it('keeps the balance and payments as they were', () => {
    const paid = applyPayment(openCase(10_000), payment('P-1', 4_000)).state;
    const closed = closeCase(paid, 'written_off', at);
    expect(closed.balanceCents).toBe(6_000);
    expect(closed.paidCents).toBe(4_000);
    expect(closed.paymentReferences).toEqual(['P-1']);
  });
});
