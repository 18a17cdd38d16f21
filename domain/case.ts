/**
 * A collections case as a plain state machine: the workflow holds one of these and only wires
 * handlers, timers and activities around it (the rules live here, unit-tested).
 */

export const CASE_STAGES = [
  'reminder',
  'agreement',
  'suspension',
  'credit_title',
  'coactiva',
  'closed',
] as const;
/** Where a case is in its life (DOMAIN.md §2–8). */
export type CaseStage = (typeof CASE_STAGES)[number];

export const CLOSE_REASONS = [
  'paid',
  'written_off',
  'billing_error',
  'prescribed',
  'dispute_won',
  'cancelled',
  /** The court upheld the debtor's excepciones (COA art. 329). */
  'exceptions_upheld',
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** A payment confirmed by billing or treasury. */
export interface PaymentFact {
  /** External reference; the same reference is never applied twice. */
  reference: string;
  amountCents: number;
  /** ISO instant. */
  paidAt: string;
  source: string;
}

export interface CaseState {
  caseId: string;
  accountId: string;
  accountNumber: string;
  stage: CaseStage;
  status: 'open' | 'closed';
  balanceCents: number;
  openingBalanceCents: number;
  /** Total of the payments applied, in cents (overpayment included). */
  paidCents: number;
  /** References of every payment applied: the idempotency set, carried across continue-as-new. */
  paymentReferences: string[];
  closeReason: CloseReason | null;
  /** ISO instant. */
  closedAt: string | null;
}

export interface OpenCaseFacts {
  caseId: string;
  accountId: string;
  accountNumber: string;
  balanceCents: number;
}

export function openCaseState(facts: OpenCaseFacts): CaseState {
  return {
    ...facts,
    stage: 'reminder',
    status: 'open',
    openingBalanceCents: facts.balanceCents,
    paidCents: 0,
    paymentReferences: [],
    closeReason: null,
    closedAt: null,
  };
}

export type PaymentOutcome =
  { kind: 'duplicate' } | { kind: 'applied'; balanceBeforeCents: number; settles: boolean };

/**
 * Applies a payment once. A payment arriving after closure is still recorded (the money is
 * real) but cannot reopen anything. The balance never goes below zero; overpayment stays in
 * `paidCents` for billing to credit.
 */
export function applyPayment(
  state: CaseState,
  payment: PaymentFact,
): { state: CaseState; outcome: PaymentOutcome } {
  if (state.paymentReferences.includes(payment.reference)) {
    return { state, outcome: { kind: 'duplicate' } };
  }
  const balanceCents = Math.max(0, state.balanceCents - payment.amountCents);
  return {
    state: {
      ...state,
      balanceCents,
      paidCents: state.paidCents + payment.amountCents,
      paymentReferences: [...state.paymentReferences, payment.reference],
    },
    outcome: {
      kind: 'applied',
      balanceBeforeCents: state.balanceCents,
      settles: state.status === 'open' && balanceCents === 0,
    },
  };
}

/** A newer billing export is the authority on what the account owes. */
export function applyBillingBalance(
  state: CaseState,
  balanceCents: number,
): { state: CaseState; changed: boolean; settles: boolean } {
  const next = Math.max(0, balanceCents);
  if (next === state.balanceCents) return { state, changed: false, settles: false };
  return {
    state: { ...state, balanceCents: next },
    changed: true,
    settles: state.status === 'open' && next === 0,
  };
}

export function closeCase(state: CaseState, reason: CloseReason, at: string): CaseState {
  if (state.status === 'closed') return state;
  return { ...state, status: 'closed', stage: 'closed', closeReason: reason, closedAt: at };
}
