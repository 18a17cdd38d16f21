/**
 * Builds document inputs from what the domain already computed, so that a caller never retypes
 * an amount or a date: the instalment table comes from `planAgreement`, the título from
 * `buildCreditTitle`.
 */
import type { AgreementPlan } from '../domain/agreement.js';
import { toLocalDate, type LocalDate } from '../domain/calendar.js';
import type { InstalmentRow, PaymentAgreementInput } from './types.js';

/** The instalment table of a plan (`dueAt` instants become Guayaquil dates). */
export function instalmentRows(plan: AgreementPlan): InstalmentRow[] {
  return plan.schedule.map((item) => ({
    number: item.number,
    dueOn: toLocalDate(new Date(item.dueAt)),
    principalCents: item.principalCents,
    interestCents: item.interestCents,
    amountCents: item.amountCents,
  }));
}

/** The money fields of a convenio, taken from the plan. */
export function agreementFigures(
  plan: AgreementPlan,
  downPaymentDueOn: LocalDate,
): Pick<
  PaymentAgreementInput,
  | 'balanceCents'
  | 'downPaymentCents'
  | 'downPaymentDueOn'
  | 'financedCents'
  | 'interestCents'
  | 'totalCents'
  | 'annualRateBp'
  | 'schedule'
  | 'needsNotarisedSignature'
> {
  return {
    balanceCents: plan.balanceCents,
    downPaymentCents: plan.downPaymentCents,
    downPaymentDueOn,
    financedCents: plan.financedCents,
    interestCents: plan.interestCents,
    totalCents: plan.totalCents,
    annualRateBp: plan.annualRateBp,
    schedule: instalmentRows(plan),
    needsNotarisedSignature: plan.needsNotarisedSignature,
  };
}
