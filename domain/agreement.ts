/**
 * Payment agreements (convenios de pago / facilidades de pago): which terms the policy allows,
 * the instalment schedule with interest, and who must approve or sign. Pure.
 *
 * Interest: simple interest on the declining financed balance (equal principal parts), at the
 * BCE reference rate times the legal route's multiplier (Código Tributario: 1.5 ×).
 *
 * Due dates: an instalment interval in months or years is a *plazo* (COA art. 160): every
 * instalment is counted from one anchor, date to date (instalment n = anchor + n intervals,
 * never chained from the previous due date, so 31 January → 28/29 February → 31 March), falls
 * due at the end of that local day, and moves to the next business day when that day is not
 * one. Intervals in other units (the training policy's seconds) are chained, one after another.
 */
import { z } from 'zod';
import {
  addBusinessDays,
  addPlazo,
  deadlineAfter,
  isBusinessDay,
  isLocalDate,
  localDateSchema,
  localDateToInstant,
  toLocalDate,
  type CalendarOverrides,
  type LocalDate,
  type WaitingPeriod,
} from './calendar.js';
import type { PaymentFact } from './case.js';
import { allocate, percentOf } from './money.js';
import type { Policy } from './policy.js';

/** What a collector proposes. Money in cents. */
export interface AgreementTerms {
  downPaymentCents: number;
  instalments: number;
  /**
   * Due date of the first instalment, and the anchor of the later ones (firstDueOn + k months
   * under a monthly policy); omitted: one instalment interval from today.
   */
  firstDueOn?: LocalDate;
}

/** The account's record that {@link planAgreement} weighs (policy `agreement.afterBroken`). */
export interface AgreementHistory {
  /** Agreements of the account (any of its cases, this one included) that were broken. */
  brokenAgreements: number;
}

export const agreementTermsSchema = z.object({
  downPaymentCents: z.number().int().nonnegative(),
  instalments: z.number().int().positive(),
  firstDueOn: localDateSchema.optional(),
});

export interface ScheduledInstalment {
  number: number;
  /** ISO instant the instalment falls due (end of the local day for day-based policies). */
  dueAt: string;
  principalCents: number;
  interestCents: number;
  amountCents: number;
}

export interface AgreementPlan {
  balanceCents: number;
  downPaymentCents: number;
  financedCents: number;
  interestCents: number;
  /** Down payment + instalments. */
  totalCents: number;
  annualRateBp: number;
  schedule: ScheduledInstalment[];
  needsManagerApproval: boolean;
  needsNotarisedSignature: boolean;
}

export type AgreementCheck = { ok: true; plan: AgreementPlan } | { ok: false; reason: string };

type AgreementPolicy = Pick<
  Policy,
  'agreement' | 'legalRoute' | 'bceReferenceAnnualRateBp' | 'calendar'
>;

/** The longest wait allowed before the first instalment, in calendar days. */
const MAX_FIRST_DUE_DAYS = 62;

/** True for a plazo unit: instalments then run date to date from one anchor. */
function isPlazo(period: WaitingPeriod): boolean {
  return period.unit === 'months' || period.unit === 'years';
}

/** `date` itself when it is a business day, else the next business day. */
function onBusinessDay(date: LocalDate, calendar: CalendarOverrides): LocalDate {
  return isBusinessDay(date, calendar) ? date : addBusinessDays(date, 1, calendar);
}

/**
 * The due instants of `count` instalments. With `fixedFirstOn` the first falls on that date;
 * otherwise one interval after `from`. `dateToDate` false: the schedule before the plazo rule
 * (every interval chained from the previous due instant, the collector's date kept as is),
 * which signed agreements keep.
 */
function instalmentDueAts(
  from: Date,
  fixedFirstOn: LocalDate | undefined,
  count: number,
  policy: Pick<Policy, 'agreement' | 'calendar'>,
  dateToDate: boolean,
): Date[] {
  const interval = policy.agreement.instalmentInterval;
  const calendar = policy.calendar;
  const out: Date[] = [];
  if (dateToDate && isPlazo(interval)) {
    const months = interval.unit === 'years' ? interval.amount * 12 : interval.amount;
    // Instalment n of a schedule anchored on today is n intervals ahead; one anchored on the
    // collector's date starts there (n − 1 intervals).
    const anchor = fixedFirstOn ?? toLocalDate(from);
    const offset = fixedFirstOn === undefined ? 1 : 0;
    for (let i = 0; i < count; i++) {
      const on = onBusinessDay(addPlazo(anchor, (i + offset) * months, calendar), calendar);
      out.push(localDateToInstant(on, 'end'));
    }
    return out;
  }
  let due =
    fixedFirstOn !== undefined
      ? localDateToInstant(fixedFirstOn, 'end')
      : deadlineAfter(from, interval, calendar);
  for (let i = 0; i < count; i++) {
    out.push(due);
    due = deadlineAfter(due, interval, calendar);
  }
  return out;
}

/** "1 convenio incumplido", "2 convenios incumplidos". */
function brokenText(n: number): string {
  return n === 1 ? '1 convenio incumplido' : `${n} convenios incumplidos`;
}

/**
 * Checks proposed terms against the policy and computes the schedule; the reason is in
 * Spanish, for the collector.
 *
 * Schedule: see the module comment (date to date for an interval in months or years, from
 * `now`'s local date or from `terms.firstDueOn`; each due date at the end of its local day,
 * moved to the next business day when it is not one).
 *
 * @param balanceCents what the case owes now, in cents.
 * @param now the instant of the proposal (workflow time inside a workflow).
 * @param history the account's broken agreements (policy `agreement.afterBroken`): from
 *   `maxBrokenAgreements` on, no new agreement; from one on, the minimum down payment is the
 *   higher of `minDownPaymentBp` and `afterBroken.minDownPaymentBp`. Omitted: not weighed.
 * @throws RangeError when `history.brokenAgreements` is not a non-negative integer (a counting
 *   bug in the caller, not the collector's mistake).
 */
export function planAgreement(
  terms: AgreementTerms,
  balanceCents: number,
  policy: AgreementPolicy,
  now: Date,
  history?: AgreementHistory,
): AgreementCheck {
  const rules = policy.agreement;
  if (history !== undefined) {
    const n = history.brokenAgreements;
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`brokenAgreements must be a non-negative integer, got ${n}`);
    }
  }
  const broken = history?.brokenAgreements ?? 0;
  if (!Number.isSafeInteger(balanceCents) || balanceCents <= 0) {
    return { ok: false, reason: 'El caso no tiene saldo pendiente' };
  }
  if (history !== undefined && broken >= rules.afterBroken.maxBrokenAgreements) {
    return {
      ok: false,
      reason: `La cuenta tiene ${brokenText(broken)}: la política no admite un nuevo convenio a partir de ${rules.afterBroken.maxBrokenAgreements} incumplidos`,
    };
  }
  if (!Number.isInteger(terms.instalments) || terms.instalments < 1) {
    return { ok: false, reason: 'El número de cuotas debe ser al menos 1' };
  }
  if (!Number.isSafeInteger(terms.downPaymentCents) || terms.downPaymentCents < 0) {
    return { ok: false, reason: 'La entrada debe ser un valor en centavos no negativo' };
  }
  if (terms.instalments > rules.maxInstalments) {
    return { ok: false, reason: `El plazo máximo es de ${rules.maxInstalments} cuotas` };
  }
  const afterBroken = broken >= 1 && rules.afterBroken.minDownPaymentBp > rules.minDownPaymentBp;
  const minDownBp = afterBroken ? rules.afterBroken.minDownPaymentBp : rules.minDownPaymentBp;
  const minDown = percentOf(balanceCents, minDownBp);
  if (terms.downPaymentCents < minDown) {
    return {
      ok: false,
      reason:
        `La entrada mínima es el ${minDownBp / 100} % de la deuda (${(minDown / 100).toFixed(2)} USD)` +
        (afterBroken ? `: la cuenta tiene ${brokenText(broken)}` : ''),
    };
  }
  if (terms.downPaymentCents >= balanceCents) {
    return {
      ok: false,
      reason: 'La entrada cubre toda la deuda: registre un pago, no un convenio',
    };
  }
  // Every instalment must ask for money: billing refuses zero-amount instalments.
  if (balanceCents - terms.downPaymentCents < terms.instalments) {
    return { ok: false, reason: 'El saldo financiado es menor que un centavo por cuota' };
  }
  if (terms.firstDueOn !== undefined) {
    if (!isLocalDate(terms.firstDueOn)) {
      return { ok: false, reason: 'Fecha de la primera cuota inválida: se espera AAAA-MM-DD' };
    }
    const firstDue = localDateToInstant(terms.firstDueOn, 'end');
    const days = (firstDue.getTime() - now.getTime()) / 86_400_000;
    if (days < 0) return { ok: false, reason: 'La primera cuota no puede vencer en el pasado' };
    if (days > MAX_FIRST_DUE_DAYS) {
      return {
        ok: false,
        reason: `La primera cuota debe vencer dentro de ${MAX_FIRST_DUE_DAYS} días`,
      };
    }
  }

  const financed = balanceCents - terms.downPaymentCents;
  const annualRateBp = Math.round(
    (policy.bceReferenceAnnualRateBp * rules.interestMultiplierBp[policy.legalRoute]) / 10_000,
  );
  const principal = allocate(financed, terms.instalments);
  const dueAts = instalmentDueAts(now, terms.firstDueOn, terms.instalments, policy, true);
  let outstanding = financed;
  const schedule: ScheduledInstalment[] = principal.map((p, i) => {
    // Monthly simple interest on what is still owed before this instalment.
    const interest = Math.round((outstanding * annualRateBp) / 10_000 / 12);
    outstanding -= p;
    return {
      number: i + 1,
      dueAt: (dueAts[i] ?? now).toISOString(),
      principalCents: p,
      interestCents: interest,
      amountCents: p + interest,
    };
  });
  const interestCents = schedule.reduce((s, x) => s + x.interestCents, 0);
  return {
    ok: true,
    plan: {
      balanceCents,
      downPaymentCents: terms.downPaymentCents,
      financedCents: financed,
      interestCents,
      totalCents: balanceCents + interestCents,
      annualRateBp,
      schedule,
      needsManagerApproval: balanceCents > rules.managerApprovalAboveCents,
      needsNotarisedSignature: balanceCents > rules.notarisedSignatureAboveCents,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A signed agreement: what is due, what was paid, and when it breaks.

/** Where an agreement stands (the Agreement row's `status`). */
export const AGREEMENT_STATUSES = [
  'proposed',
  'approved',
  'rejected',
  'not_signed',
  'active',
  'broken',
  'paid_off',
  'cancelled',
] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/** Where one due amount stands (the Instalment row's `status`). */
export type DueStatus = 'pending' | 'partial' | 'paid' | 'missed';

/** The down payment (entrada) is due number 0; instalments are numbered from 1. */
export const DOWN_PAYMENT_NUMBER = 0;

/** One amount owed under a signed agreement: the down payment or an instalment. Cents. */
export interface AgreementDue {
  /** {@link DOWN_PAYMENT_NUMBER} for the down payment, 1… for instalments. */
  number: number;
  /** ISO instant it falls due; it is missed once the grace period after it has run out. */
  dueAt: string;
  amountCents: number;
  paidCents: number;
}

/**
 * How long the manager (approval) and the collector (notarised signature) have for their
 * agreement tasks. The policy has no value of its own for them yet: they share the reminder's
 * contact SLA, the collector's standard turnaround.
 */
export function agreementTaskSla(policy: Pick<Policy, 'reminder'>): WaitingPeriod {
  return policy.reminder.contactTaskSla;
}

/**
 * What is due once the agreement is signed at `signedAt`: the down payment at once, then the
 * plan's instalments (amounts are the plan's). Approval and signature may take days, so the
 * schedule starts from the signature: instalment n one interval × n after the signature's local
 * date, unless the collector fixed a first due date (`firstDueOn`) that is still ahead, which
 * then anchors the schedule (instalment k + 1 = firstDueOn + k intervals). Under an interval in
 * months or years every date is counted from that one anchor, date to date (COA art. 160), at
 * the end of its local day, moved to the next business day when it is not one; other units are
 * chained. A zero down payment is omitted.
 *
 * Agreements signed before this rule keep their dates: the agreement workflow calls
 * {@link agreementDuesChained} for them (patch `agreement-dues-date-to-date`).
 */
export function agreementDues(
  plan: AgreementPlan,
  signedAt: Date,
  policy: AgreementPolicy,
  firstDueOn?: LocalDate,
): AgreementDue[] {
  return duesFrom(plan, signedAt, policy, firstDueOn, true);
}

/**
 * The schedule as it was computed before instalments ran date to date: the first instalment one
 * interval after the signature (or on the collector's `firstDueOn` while still ahead, kept as
 * is), every later one chained one interval after the previous due instant (so a monthly
 * schedule from 31 January drifts to the 28th). Kept so that agreements signed before patch
 * `agreement-dues-date-to-date` replay with the dates they were signed with; new code calls
 * {@link agreementDues}.
 */
export function agreementDuesChained(
  plan: AgreementPlan,
  signedAt: Date,
  policy: AgreementPolicy,
  firstDueOn?: LocalDate,
): AgreementDue[] {
  return duesFrom(plan, signedAt, policy, firstDueOn, false);
}

function duesFrom(
  plan: AgreementPlan,
  signedAt: Date,
  policy: AgreementPolicy,
  firstDueOn: LocalDate | undefined,
  dateToDate: boolean,
): AgreementDue[] {
  const dues: AgreementDue[] = [];
  if (plan.downPaymentCents > 0) {
    dues.push({
      number: DOWN_PAYMENT_NUMBER,
      dueAt: signedAt.toISOString(),
      amountCents: plan.downPaymentCents,
      paidCents: 0,
    });
  }
  const keepDate =
    firstDueOn !== undefined &&
    isLocalDate(firstDueOn) &&
    localDateToInstant(firstDueOn, 'end').getTime() >= signedAt.getTime();
  const dueAts = instalmentDueAts(
    signedAt,
    keepDate ? firstDueOn : undefined,
    plan.schedule.length,
    policy,
    dateToDate,
  );
  plan.schedule.forEach((item, i) => {
    dues.push({
      number: item.number,
      dueAt: (dueAts[i] ?? signedAt).toISOString(),
      amountCents: item.amountCents,
      paidCents: 0,
    });
  });
  return dues;
}

/** Pending, partly paid or paid (missed is decided by {@link missedDue}, with the clock). */
export function dueStatus(due: AgreementDue): Exclude<DueStatus, 'missed'> {
  if (due.paidCents >= due.amountCents) return 'paid';
  return due.paidCents > 0 ? 'partial' : 'pending';
}

/** How much of one payment went to one due amount. */
export interface PaymentAllocation {
  number: number;
  appliedCents: number;
  /** Paid on this due amount after the payment. */
  paidCents: number;
  amountCents: number;
  /** True when this payment completed it. */
  settled: boolean;
}

export interface AppliedAgreementPayment {
  dues: AgreementDue[];
  allocations: PaymentAllocation[];
  /** Beyond everything the agreement asks (billing credits it to the account). */
  unappliedCents: number;
}

/**
 * Applies a payment to the oldest unpaid amounts first (down payment, then instalment 1, 2…),
 * the way billing applies payments to invoices. Non-positive amounts change nothing.
 */
export function applyAgreementPayment(
  dues: readonly AgreementDue[],
  amountCents: number,
): AppliedAgreementPayment {
  let left = Math.max(0, Math.trunc(amountCents));
  const allocations: PaymentAllocation[] = [];
  const next = [...dues]
    .sort((a, b) => a.number - b.number)
    .map((due) => {
      const take = Math.min(left, Math.max(0, due.amountCents - due.paidCents));
      if (take === 0) return { ...due };
      left -= take;
      const paidCents = due.paidCents + take;
      allocations.push({
        number: due.number,
        appliedCents: take,
        paidCents,
        amountCents: due.amountCents,
        settled: paidCents >= due.amountCents,
      });
      return { ...due, paidCents };
    });
  return { dues: next, allocations, unappliedCents: left };
}

/** The oldest amount not yet fully paid, or null when the agreement is paid off. */
export function nextUnpaidDue(dues: readonly AgreementDue[]): AgreementDue | null {
  let oldest: AgreementDue | null = null;
  for (const due of dues) {
    if (due.paidCents >= due.amountCents) continue;
    if (!oldest || due.number < oldest.number) oldest = due;
  }
  return oldest;
}

export function isPaidOff(dues: readonly AgreementDue[]): boolean {
  return nextUnpaidDue(dues) === null;
}

/** When an unpaid amount counts as missed: its due time plus the policy's grace period. */
export function graceEndsAt(
  due: Pick<AgreementDue, 'dueAt'>,
  policy: Pick<Policy, 'agreement' | 'calendar'>,
): Date {
  return deadlineAfter(new Date(due.dueAt), policy.agreement.instalmentGrace, policy.calendar);
}

/**
 * The amount that breaks the agreement at `now`: the oldest one still unpaid (even partly)
 * once its grace period has run out. Null while the agreement is current.
 */
export function missedDue(
  dues: readonly AgreementDue[],
  now: Date,
  policy: Pick<Policy, 'agreement' | 'calendar'>,
): AgreementDue | null {
  const due = nextUnpaidDue(dues);
  if (!due) return null;
  return graceEndsAt(due, policy).getTime() <= now.getTime() ? due : null;
}

/**
 * A signed agreement being watched: what the agreement workflow carries across
 * continue-as-new.
 */
export interface AgreementWatch {
  /** ISO instant of the signature. */
  signedAt: string;
  dues: AgreementDue[];
  /** References of the payments already applied: each reference counts once. */
  appliedReferences: string[];
  /** Payments received and not yet applied. */
  pending: PaymentFact[];
}

export type AgreementPaymentResult =
  | { kind: 'duplicate'; watch: AgreementWatch }
  | ({ kind: 'applied'; watch: AgreementWatch } & AppliedAgreementPayment);

/** Applies a forwarded payment once per reference. */
export function receiveAgreementPayment(
  watch: AgreementWatch,
  payment: PaymentFact,
): AgreementPaymentResult {
  if (watch.appliedReferences.includes(payment.reference)) return { kind: 'duplicate', watch };
  const applied = applyAgreementPayment(watch.dues, payment.amountCents);
  return {
    kind: 'applied',
    ...applied,
    watch: {
      ...watch,
      dues: applied.dues,
      appliedReferences: [...watch.appliedReferences, payment.reference],
    },
  };
}
