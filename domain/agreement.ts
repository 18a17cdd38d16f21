/**
 * Payment agreements (convenios de pago / facilidades de pago): which terms the policy allows,
 * the instalment schedule with interest, and who must approve or sign. Pure.
 *
 * Interest: simple interest on the declining financed balance (equal principal parts), at the
 * BCE reference rate times the legal route's multiplier (Código Tributario: 1.5 ×).
 */
import { z } from 'zod';
import { deadlineAfter, localDateSchema, localDateToInstant, type LocalDate } from './calendar.js';
import { allocate, percentOf } from './money.js';
import type { Policy } from './policy.js';

/** What a collector proposes. Money in cents. */
export interface AgreementTerms {
  downPaymentCents: number;
  instalments: number;
  /** Due date of the first instalment; omitted: one instalment interval from today. */
  firstDueOn?: LocalDate;
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

type AgreementPolicy = Pick<Policy, 'agreement' | 'legalRoute' | 'bceReferenceAnnualRateBp' | 'calendar'>;

/** The longest wait allowed before the first instalment, in calendar days. */
const MAX_FIRST_DUE_DAYS = 62;

/**
 * Checks proposed terms against the policy and computes the schedule; the reason is in
 * Spanish, for the collector.
 */
export function planAgreement(
  terms: AgreementTerms,
  balanceCents: number,
  policy: AgreementPolicy,
  now: Date,
): AgreementCheck {
  const rules = policy.agreement;
  if (balanceCents <= 0) return { ok: false, reason: 'El caso no tiene saldo pendiente' };
  if (!Number.isInteger(terms.instalments) || terms.instalments < 1) {
    return { ok: false, reason: 'El número de cuotas debe ser al menos 1' };
  }
  if (terms.instalments > rules.maxInstalments) {
    return { ok: false, reason: `El plazo máximo es de ${rules.maxInstalments} cuotas` };
  }
  const minDown = percentOf(balanceCents, rules.minDownPaymentBp);
  if (terms.downPaymentCents < minDown) {
    return {
      ok: false,
      reason: `La entrada mínima es el ${rules.minDownPaymentBp / 100} % de la deuda (${(minDown / 100).toFixed(2)} USD)`,
    };
  }
  if (terms.downPaymentCents >= balanceCents) {
    return { ok: false, reason: 'La entrada cubre toda la deuda: registre un pago, no un convenio' };
  }
  const calendar = policy.calendar;
  let firstDue: Date;
  if (terms.firstDueOn) {
    firstDue = localDateToInstant(terms.firstDueOn, 'end');
    const days = (firstDue.getTime() - now.getTime()) / 86_400_000;
    if (days < 0) return { ok: false, reason: 'La primera cuota no puede vencer en el pasado' };
    if (days > MAX_FIRST_DUE_DAYS) {
      return { ok: false, reason: `La primera cuota debe vencer dentro de ${MAX_FIRST_DUE_DAYS} días` };
    }
  } else {
    firstDue = deadlineAfter(now, rules.instalmentInterval, calendar);
  }

  const financed = balanceCents - terms.downPaymentCents;
  const annualRateBp = Math.round(
    (policy.bceReferenceAnnualRateBp * rules.interestMultiplierBp[policy.legalRoute]) / 10_000,
  );
  const principal = allocate(financed, terms.instalments);
  let outstanding = financed;
  let due = firstDue;
  const schedule: ScheduledInstalment[] = principal.map((p, i) => {
    // Monthly simple interest on what is still owed before this instalment.
    const interest = Math.round((outstanding * annualRateBp) / 10_000 / 12);
    outstanding -= p;
    const item = {
      number: i + 1,
      dueAt: due.toISOString(),
      principalCents: p,
      interestCents: interest,
      amountCents: p + interest,
    };
    due = deadlineAfter(due, rules.instalmentInterval, calendar);
    return item;
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
