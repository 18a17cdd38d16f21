/**
 * The case's escalation path as a pure state machine: where a case stands, what it does next,
 * and how each fact moves it. The case workflow only orchestrates these decisions.
 *
 *   reminder → suspension (or a manager review for protected accounts) → título de crédito
 *   → coactiva → closed, with a payment agreement able to suspend the path at any point, and
 *   hold / dispute pausing it.
 */
import {
  deadlineAfter,
  describeWaitingPeriod,
  isLocalDate,
  toLocalDate,
  type LocalDate,
} from './calendar.js';
import type { CaseStage } from './case.js';
import { formatUsd } from './money.js';
import type { Policy } from './policy.js';

/** The escalation steps, in order. `coactiva_done`: enforcement recorded, waiting for payment. */
export const ESCALATION = [
  'reminder',
  'suspension',
  'credit_title',
  'coactiva',
  'coactiva_done',
] as const;
export type Escalation = (typeof ESCALATION)[number];

/** How a court may rule on excepciones: the debt falls, is reduced, or stands. */
export const EXCEPTIONS_OUTCOMES = ['upheld', 'partially_upheld', 'rejected'] as const;
/** Excepciones pending before the court, or its ruling. */
export const EXCEPTIONS_STATUSES = ['pending', ...EXCEPTIONS_OUTCOMES] as const;

/** Excepciones filed before a court against the coactiva (COA art. 329). */
export interface Exceptions {
  /** LocalDate the debtor filed them. */
  filedOn: string;
  court: string;
  processNumber: string;
  grounds: string;
  status: (typeof EXCEPTIONS_STATUSES)[number];
  /** LocalDate of the ruling, once ruled. */
  ruledOn?: string;
}

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
  /** Agreements broken in this case (promises are in `brokenCommitments` only). @default 0 */
  brokenAgreements?: number;
  /** The orden de pago inmediato once notified (its terms run from the day after). */
  paymentOrder?: { number: string; notifiedAt: string } | null;
  /** Excepciones before a court (COA art. 329): the coactiva waits while they are pending. */
  exceptions?: Exceptions | null;
  /**
   * The limitation clock: the debt prescribes counting from exigibility, restarted by each
   * interruption (notified título or orden de pago, agreement, acknowledgement, payment).
   */
  prescription?: {
    /** LocalDate the oldest debt still owed became exigible (after older ones were declared
     * prescribed); absent: the day after the case's oldest due date. */
    exigibleOn?: string;
    interruptions: { on: string; ground: string }[];
    /** True once the legal unit was warned; 'prescribed' stops collection until it decides. */
    warned: boolean;
    prescribed: boolean;
  };
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
  | { kind: 'paused'; why: 'hold' | 'dispute' | 'prescribed' }
  | { kind: 'agreement' }
  | { kind: 'escalate'; step: Escalation };

export function nextStep(life: Lifecycle): NextStep {
  // A prescribed debt is never collected: only the legal unit's decision moves the case.
  if (life.prescription?.prescribed) return { kind: 'paused', why: 'prescribed' };
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

/**
 * Checks a promise to pay before it is recorded; the reason (Spanish, for the collector) or
 * null when it may be recorded. A promise is refused when its date is not a date, is before
 * `now`'s Guayaquil date, or falls after the day `policy.reminder.promiseMaxHorizon` (default
 * 30 calendar days) from `now` runs out, so that a promise cannot freeze a case; and when its
 * amount is not a positive number of cents or exceeds what the case owes. A partial amount is
 * allowed (the promise is then kept once payments reach it).
 *
 * @param promisedOn the day the debtor promises to pay.
 * @param amountCents what they promise, in cents.
 * @param balanceCents what the case owes now, in cents.
 * @param now the instant the promise is recorded (workflow time inside a workflow).
 */
export function checkPromise(
  promisedOn: LocalDate,
  amountCents: number,
  balanceCents: number,
  now: Date,
  policy: Pick<Policy, 'reminder' | 'calendar'>,
): string | null {
  if (!isLocalDate(promisedOn)) return 'Fecha de la promesa inválida: se espera AAAA-MM-DD';
  const today = toLocalDate(now);
  if (promisedOn < today) return 'La fecha prometida no puede estar en el pasado';
  const horizon = policy.reminder.promiseMaxHorizon;
  const lastDay = toLocalDate(deadlineAfter(now, horizon, policy.calendar));
  if (promisedOn > lastDay) {
    return `La fecha prometida no puede pasar del ${lastDay} (${describeWaitingPeriod(horizon, 'es-EC')} desde hoy)`;
  }
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
    return 'El monto prometido debe ser un valor en centavos mayor que cero';
  }
  if (amountCents > balanceCents) {
    return `El monto prometido (${formatUsd(amountCents, 'es-EC')}) supera el saldo del caso (${formatUsd(Math.max(0, balanceCents), 'es-EC')})`;
  }
  return null;
}
