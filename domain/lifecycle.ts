/**
 * The case's escalation path as a pure state machine: where a case stands, what it does next,
 * and how each fact moves it. The case workflow only orchestrates these decisions.
 *
 *   reminder → suspension (or a manager review for protected accounts) → título de crédito
 *   → coactiva → closed, with a payment agreement able to suspend the path at any point, and
 *   hold / dispute pausing it.
 */
import type { CaseStage } from './case.js';

/** The escalation steps, in order. `coactiva_done`: enforcement recorded, waiting for payment. */
export const ESCALATION = [
  'reminder',
  'suspension',
  'credit_title',
  'coactiva',
  'coactiva_done',
] as const;
export type Escalation = (typeof ESCALATION)[number];

export interface Lifecycle {
  escalation: Escalation;
  /** ISO instant the reminder stage started (the suspension clock counts from it). */
  reminderStartedAt: string;
  remindersSent: number;
  onHold: { reason: string; by: string } | null;
  dispute: { reason: string; by: string; since: string } | null;
  agreement: { id: string; status: 'proposed' | 'active' } | null;
  agreementsProposed: number;
  service: 'active' | 'suspended';
  /** A promise to pay being watched. */
  promise: { promisedOn: string; amountCents: number; paidAtPromiseCents: number } | null;
  /** Broken promises and agreements in this case (raise priority of later cases). */
  brokenCommitments: number;
  /** ISO instant the título de crédito may be issued (set when suspension is over). */
  creditTitleDueAt: string | null;
  titleNumber: string | null;
  /** Fees and fines posted to billing during the case, in cents (remission waives part). */
  feesCents: number;
  /** Remission campaigns already applied (each applies once). */
  remissions?: string[];
}

export function startLifecycle(openedAt: string): Lifecycle {
  return {
    escalation: 'reminder',
    reminderStartedAt: openedAt,
    remindersSent: 0,
    onHold: null,
    dispute: null,
    agreement: null,
    agreementsProposed: 0,
    service: 'active',
    promise: null,
    brokenCommitments: 0,
    creditTitleDueAt: null,
    titleNumber: null,
    feesCents: 0,
  };
}

/** The stage people see: a signed agreement shows as such; otherwise the escalation step. */
export function stageOf(life: Lifecycle, closed: boolean): CaseStage {
  if (closed) return 'closed';
  if (life.agreement?.status === 'active') return 'agreement';
  return life.escalation === 'coactiva_done' ? 'coactiva' : life.escalation;
}

/** What the case does now. */
export type NextStep =
  | { kind: 'paused'; why: 'hold' | 'dispute' }
  | { kind: 'agreement' }
  | { kind: 'escalate'; step: Escalation };

export function nextStep(life: Lifecycle): NextStep {
  if (life.onHold) return { kind: 'paused', why: 'hold' };
  if (life.dispute) return { kind: 'paused', why: 'dispute' };
  // A proposed agreement pauses escalation too, except the credit-title term, which the
  // request for payment facilities pauses by itself (COA: a pending request stops the term).
  if (
    life.agreement &&
    (life.agreement.status === 'active' || life.escalation !== 'credit_title')
  ) {
    return { kind: 'agreement' };
  }
  return { kind: 'escalate', step: life.escalation };
}

/** Facts that stop the running escalation step. */
export function interruptsEscalation(life: Lifecycle, step: Escalation): boolean {
  const next = nextStep(life);
  return next.kind !== 'escalate' || next.step !== step;
}

/** Escalation moves forward one step (never backwards). */
export function advance(life: Lifecycle, from: Escalation): Lifecycle {
  const i = ESCALATION.indexOf(from);
  const to = ESCALATION[Math.min(i + 1, ESCALATION.length - 1)]!;
  return life.escalation === from ? { ...life, escalation: to } : life;
}

/** A promise is kept when payments since it reach the promised amount. */
export function promiseKept(
  promise: NonNullable<Lifecycle['promise']>,
  paidCentsNow: number,
): boolean {
  return paidCentsNow - promise.paidAtPromiseCents >= promise.amountCents;
}

/** Remission: the waived part of the fines and fees, in cents (rounded half up). */
export function remissionWaiver(feesCents: number, waiverBp: number): number {
  return Math.round((feesCents * Math.min(10_000, Math.max(0, waiverBp))) / 10_000);
}
