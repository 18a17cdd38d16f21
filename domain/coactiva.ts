/**
 * Ejecución coactiva (DOMAIN.md §7): the orden de pago inmediato and its term, the medidas
 * cautelares on bank accounts, and the executor's decisions. Pure: the coactiva workflow
 * calls these and only orchestrates.
 *
 * - COA art. 279: the orden de pago inmediato gives the debtor a término (business days, from
 *   the day after notification) to pay or declare assets; `policy.coactiva.paymentOrderTerm`.
 * - COA art. 281: medidas cautelares, e.g. retention of bank and cooperative accounts. Wages,
 *   pensions and alimony can never be retained (inembargables), so every retention order says
 *   so, and a bank answer that retained such funds is an anomaly that is never counted.
 * - COA art. 282 and following: embargo of assets, then remate (auction) of what was seized.
 * - COA art. 329: the debtor may file excepciones within a term counted from the day after the
 *   orden de pago was notified; `policy.coactiva.exceptionsTerm` (default 20 días hábiles).
 */
import { z } from 'zod';
import {
  deadlineAfter,
  describeWaitingPeriod,
  isLocalDate,
  toLocalDate,
  type LocalDate,
} from './calendar.js';
import type { Cents } from './money.js';
import type { Policy } from './policy.js';
import type { TaskForm } from './tasks.js';

type CoactivaPolicy = Pick<Policy, 'coactiva' | 'calendar'>;

// ---------------------------------------------------------------------------------------------
// Orden de pago inmediato

/** When the orden de pago inmediato's term runs out, and how to say it. */
export interface PaymentOrderTerm {
  /** The instant the term ends (end of the last business day for a day-based policy). */
  deadline: Date;
  /** Its Guayaquil calendar date. */
  deadlineOn: LocalDate;
  /** The term as written in the notice, e.g. "3 días hábiles". */
  termText: string;
}

/**
 * The term of an orden de pago inmediato notified at `notifiedAt`: `paymentOrderTerm` counted
 * from the day after notification (COA arts. 158 and 279), skipping weekends and holidays.
 * Example: notified Thursday 2026-12-03, 3 días hábiles end Tuesday 2026-12-08 at 23:59:59.999.
 */
export function paymentOrderTerm(notifiedAt: Date, policy: CoactivaPolicy): PaymentOrderTerm {
  const period = policy.coactiva.paymentOrderTerm;
  const deadline = deadlineAfter(notifiedAt, period, policy.calendar);
  return {
    deadline,
    deadlineOn: toLocalDate(deadline),
    termText: describeWaitingPeriod(period, 'es-EC'),
  };
}

/** When the executor is asked again after deciding to wait: `policy.coactiva.legalTaskSla`. */
export function nextDecisionAt(now: Date, policy: CoactivaPolicy): Date {
  return deadlineAfter(now, policy.coactiva.legalTaskSla, policy.calendar);
}

// ---------------------------------------------------------------------------------------------
// Excepciones (COA art. 329)

/**
 * The term to file excepciones against an orden de pago inmediato notified at
 * `paymentOrderNotifiedAt`: `policy.coactiva.exceptionsTerm` (default 20 días hábiles, to
 * confirm) counted like the orden's own term, from the day after notification, skipping
 * weekends and holidays (COA arts. 158 and 329).
 * Example: notified Thursday 2026-12-03, 20 días hábiles end Monday 2027-01-04 at 23:59:59.999
 * (25 December and 1 January are holidays).
 */
export function exceptionsDeadline(
  paymentOrderNotifiedAt: Date,
  policy: CoactivaPolicy,
): PaymentOrderTerm {
  const period = policy.coactiva.exceptionsTerm;
  const deadline = deadlineAfter(paymentOrderNotifiedAt, period, policy.calendar);
  return {
    deadline,
    deadlineOn: toLocalDate(deadline),
    termText: describeWaitingPeriod(period, 'es-EC'),
  };
}

/** Whether excepciones filed on a day can be recorded. */
export type ExceptionsFiling = { ok: true; late: boolean } | { ok: false; reason: string };

/**
 * Checks the filing date of excepciones before they are recorded. Refused (Spanish reason, for
 * the legal advisor) when the date is not a date, or when the orden de pago has not been
 * notified or was notified after that date: excepciones answer a notified orden.
 *
 * A filing after the term ({@link exceptionsDeadline}: `deadlineOn` passed) is recorded with
 * `late: true` rather than refused: whether late excepciones are admissible is for the court
 * that hears them to decide, and a case must not ignore a proceeding that is in fact pending.
 *
 * @param filedOn the day they were filed with the court (Guayaquil date).
 * @param notifiedAt when the orden de pago inmediato was notified; null: not yet notified.
 */
export function checkExceptionsFiling(
  filedOn: LocalDate,
  notifiedAt: Date | null,
  policy: CoactivaPolicy,
): ExceptionsFiling {
  if (!isLocalDate(filedOn)) {
    return { ok: false, reason: 'Fecha de presentación inválida: se espera AAAA-MM-DD' };
  }
  if (notifiedAt === null) {
    return {
      ok: false,
      reason: 'La orden de pago inmediato aún no ha sido notificada: no caben excepciones',
    };
  }
  const notifiedOn = toLocalDate(notifiedAt);
  if (filedOn < notifiedOn) {
    return {
      ok: false,
      reason: `Las excepciones no pueden ser anteriores a la notificación de la orden de pago (${notifiedOn})`,
    };
  }
  return { ok: true, late: filedOn > exceptionsDeadline(notifiedAt, policy).deadlineOn };
}

// ---------------------------------------------------------------------------------------------
// Medidas cautelares: bank retentions

/** Funds the law protects from retention (inembargables): wages, pensions, alimony. */
export const EXEMPT_FUND_KINDS = ['wages', 'pensions', 'alimony'] as const;
/** What the money in an account comes from, as a bank reports it. */
export const FUND_KINDS = [...EXEMPT_FUND_KINDS, 'savings', 'checking', 'investments'] as const;
export type FundKind = (typeof FUND_KINDS)[number];
export type ExemptFundKind = (typeof EXEMPT_FUND_KINDS)[number];

const EXEMPT = new Set<string>(EXEMPT_FUND_KINDS);

/** True for wages, pensions and alimony: never retained. */
export function isExemptFund(kind: FundKind): kind is ExemptFundKind {
  return EXEMPT.has(kind);
}

export const RETENTION_STATUSES = ['retained', 'no_account', 'no_funds', 'exempt_funds'] as const;
export type RetentionStatus = (typeof RETENTION_STATUSES)[number];

/** One institution's answer to a retention order. Money in cents. */
export const retentionResponseSchema = z.object({
  institution: z.string().trim().min(1).max(200),
  status: z.enum(RETENTION_STATUSES),
  /** What the institution says it retained. */
  retainedCents: z.number().int(),
  /** Exempt funds it found and left untouched. */
  exemptCents: z.number().int(),
  /** Where the retained money came from, when the institution says. */
  retainedFrom: z.array(z.enum(FUND_KINDS)).optional(),
});
export type RetentionResponse = z.infer<typeof retentionResponseSchema>;

/** A retention order as sent to the banks: always names the funds that must not be retained. */
export interface RetentionOrder {
  holderId: string;
  holderName: string;
  /** The amount to secure: what the debtor owes. */
  amountCents: Cents;
  /** Wages, pensions and alimony: the institution must not retain them (COA art. 281). */
  exemptFundKinds: ExemptFundKind[];
}

/** The retention order for a debtor and the amount owed. */
export function retentionOrder(o: {
  holderId: string;
  holderName: string;
  debtCents: Cents;
}): RetentionOrder {
  if (!Number.isSafeInteger(o.debtCents) || o.debtCents <= 0) {
    throw new RangeError(`a retention order needs a positive debt, got ${o.debtCents}`);
  }
  return {
    holderId: o.holderId,
    holderName: o.holderName,
    amountCents: o.debtCents,
    exemptFundKinds: [...EXEMPT_FUND_KINDS],
  };
}

/** True when an order names every exempt kind of funds (a bank must be told all of them). */
export function ordersExemptFundsRespected(kinds: readonly string[]): boolean {
  return EXEMPT_FUND_KINDS.every((k) => kinds.includes(k));
}

/** How one answer counts towards the debt. */
export interface AssessedRetention {
  response: RetentionResponse;
  /** What counts as secured (0 for an anomaly). */
  countedCents: Cents;
  /** Why the answer is not to be trusted (in Spanish, for the legal advisor), or null. */
  anomaly: string | null;
}

/**
 * Checks one institution's answer. Anything retained from wages, pensions or alimony, or an
 * answer that contradicts itself, is an anomaly: it counts for nothing, and the legal advisor
 * must have the institution release or correct it.
 */
export function assessRetention(response: RetentionResponse): AssessedRetention {
  const anomaly = (reason: string): AssessedRetention => ({
    response,
    countedCents: 0,
    anomaly: reason,
  });
  const { status, retainedCents, exemptCents } = response;
  if (!Number.isSafeInteger(retainedCents) || retainedCents < 0) {
    return anomaly('valor retenido inválido');
  }
  if (!Number.isSafeInteger(exemptCents) || exemptCents < 0) {
    return anomaly('valor inembargable inválido');
  }
  const fromExempt = (response.retainedFrom ?? []).filter(isExemptFund);
  if (retainedCents > 0 && (status === 'exempt_funds' || fromExempt.length > 0)) {
    return anomaly(
      'retuvo fondos inembargables (sueldos, pensiones o alimentos): debe liberarse; no se cuenta',
    );
  }
  if (status !== 'retained' && retainedCents > 0) {
    return anomaly(`informa "${status}" pero también un valor retenido`);
  }
  if (status === 'retained' && retainedCents === 0) {
    return anomaly('informa una retención sin valor');
  }
  return { response, countedCents: status === 'retained' ? retainedCents : 0, anomaly: null };
}

/** Every answer to a retention order, weighed against the debt. */
export interface RetentionSummary {
  assessed: AssessedRetention[];
  /** Secured by valid retentions (may exceed the debt: banks retain independently). */
  retainedCents: Cents;
  /** Retained beyond the debt: to be released. */
  excessCents: Cents;
  /** Exempt funds the institutions found and left untouched. */
  exemptCents: Cents;
  anomalies: number;
  /** True when valid retentions secure the whole debt. */
  coversDebt: boolean;
}

/** Assesses each answer; only valid retentions count. */
export function assessRetentions(
  responses: readonly RetentionResponse[],
  debtCents: Cents,
): RetentionSummary {
  const assessed = responses.map(assessRetention);
  let retainedCents = 0;
  let exemptCents = 0;
  for (const a of assessed) {
    retainedCents += a.countedCents;
    if (a.anomaly === null) exemptCents += a.response.exemptCents;
  }
  return {
    assessed,
    retainedCents,
    excessCents: Math.max(0, retainedCents - debtCents),
    exemptCents,
    anomalies: assessed.filter((a) => a.anomaly !== null).length,
    coversDebt: retainedCents >= debtCents,
  };
}

// ---------------------------------------------------------------------------------------------
// The legal unit's steps

/** Who handles the case, from the intake form. */
export type CoactivaHandler =
  | { ok: true; handledBy: 'in_house' | 'external_lawyer'; lawyerName: string | null }
  | { ok: false; reason: string };

/** An external lawyer must be named (they act as secretary of the procedure). */
export function coactivaHandler(form: TaskForm<'coactiva_intake'>): CoactivaHandler {
  const lawyerName = form.lawyerName?.trim() || null;
  if (form.handledBy === 'external_lawyer' && !lawyerName) {
    return { ok: false, reason: 'falta el nombre del abogado externo' };
  }
  return { ok: true, handledBy: form.handledBy, lawyerName };
}

/** Where the procedure stands when the executor decides. */
export interface CoactivaProgress {
  /** An embargo has been recorded (remate needs seized assets). */
  embargoRecorded: boolean;
}

/** What the workflow does with an executor's decision. */
export type CoactivaStep =
  /** Finish: the parent writes the case off. */
  | { kind: 'uncollectible'; reason: string }
  /** Record the embargo and ask again (the next decision may be remate). */
  | { kind: 'embargo'; assets: string }
  /** Record the remate and finish. */
  | { kind: 'remate' }
  /** Ask again after `policy.coactiva.legalTaskSla`. */
  | { kind: 'wait' }
  /** Not possible now; ask again at once. */
  | { kind: 'refused'; reason: string };

/** The outcome rules: remate auctions seized assets, so it needs a recorded embargo first. */
export function coactivaStep(
  progress: CoactivaProgress,
  form: TaskForm<'coactiva_decision'>,
): CoactivaStep {
  switch (form.decision) {
    case 'uncollectible':
      return { kind: 'uncollectible', reason: form.reason };
    case 'embargo':
      return { kind: 'embargo', assets: form.assets };
    case 'remate':
      return progress.embargoRecorded
        ? { kind: 'remate' }
        : {
            kind: 'refused',
            reason: 'no hay bienes embargados para rematar: registre antes el embargo',
          };
    case 'wait':
      return { kind: 'wait' };
  }
}
