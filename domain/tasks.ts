/**
 * Human steps of a case: which role does each, and the form that completes it. The same zod
 * schemas validate the HTTP body (api/) and the workflow update (workflows/tasks.ts), so a bad
 * form is refused at once with the same message.
 */
import { z } from 'zod';
import { localDateSchema } from './calendar.js';
import { moneyStringSchema } from './money.js';
import type { Role } from './roles.js';

/** The roles a task is for (none is an administrator's). */
export const TASK_ROLES = ['collector', 'legal', 'manager'] as const satisfies readonly Role[];
export type TaskRole = (typeof TASK_ROLES)[number];

const note = z.string().trim().max(2000).optional();
const isoInstant = z.iso.datetime({ offset: true });
const positiveMoney = moneyStringSchema.refine((c) => c > 0, 'debe ser mayor que cero');

/** Reminder stage: the collector calls or visits the user and records what happened. */
export const contactDebtorForm = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('contacted'), note }),
  z.object({
    outcome: z.literal('promise_to_pay'),
    promisedOn: localDateSchema,
    amount: positiveMoney,
    note,
  }),
  z.object({ outcome: z.literal('unreachable'), note }),
  z.object({ outcome: z.literal('wrong_data'), note: z.string().trim().min(1).max(2000) }),
  z.object({ outcome: z.literal('dispute'), reason: z.string().trim().min(1).max(2000) }),
  z.object({ outcome: z.literal('visit_needed'), note }),
]);

/** A manager approves or rejects an agreement above the collector's limit. */
export const approveAgreementForm = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), note }),
  z.object({ decision: z.literal('reject'), reason: z.string().trim().min(1).max(2000) }),
]);

/** The collector confirms the notarised signature of a large agreement. */
export const notariseAgreementForm = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('signed'),
    signedOn: localDateSchema,
    notary: z.string().trim().min(1).max(200),
    note,
  }),
  z.object({ outcome: z.literal('not_signed'), reason: z.string().trim().min(1).max(2000) }),
]);

const gps = z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });

/** The field crew (or collector) reports a suspension order. */
export const suspensionFieldForm = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('done'),
    performedAt: isoInstant,
    sealNumber: z.string().trim().min(1).max(50),
    note,
    photoUrl: z.url().optional(),
    gps: gps.optional(),
  }),
  z.object({
    outcome: z.literal('not_done'),
    reason: z.enum(['address_not_found', 'paid_on_site', 'obstruction', 'other']),
    note,
  }),
]);

/** The field crew reports a reconnection order. */
export const reconnectionFieldForm = z.object({
  outcome: z.literal('done'),
  performedAt: isoInstant,
  note,
  gps: gps.optional(),
});

/** Protected accounts are never cut: a manager decides what to do instead. */
export const protectedAccountForm = z.object({
  decision: z.enum(['skip_suspension', 'hold_case']),
  note: z.string().trim().min(1).max(2000),
});

/** A specialist validates the título de crédito before it is notified. */
export const validateCreditTitleForm = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), note }),
  z.object({ decision: z.literal('return'), corrections: z.string().trim().min(1).max(2000) }),
]);

/** One attempt to notify the título de crédito (in person, boleta, or by publication). */
export const notifyCreditTitleForm = z.object({
  method: z.enum(['in_person', 'boleta', 'publication']),
  result: z.enum(['notified', 'not_found']),
  at: isoInstant,
  note,
});

/** The legal unit takes a coactiva case: who handles it. */
export const coactivaIntakeForm = z.object({
  handledBy: z.enum(['in_house', 'external_lawyer']),
  lawyerName: z.string().trim().min(1).max(200).optional(),
  note,
});

/** The executor's decision once the orden de pago term and the medidas cautelares ran. */
export const coactivaDecisionForm = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('embargo'), assets: z.string().trim().min(1).max(2000), note }),
  z.object({ decision: z.literal('remate'), note }),
  z.object({ decision: z.literal('uncollectible'), reason: z.string().trim().min(1).max(2000) }),
  z.object({ decision: z.literal('wait'), note }),
]);

/** One attempt to notify the orden de pago inmediato: the same modes as the título. */
export const notifyPaymentOrderForm = notifyCreditTitleForm;

/**
 * An outside system (billing, field operations, notaries, banks) refused a step, or did not
 * answer for longer than the retries last: a manager retries it (after fixing the cause, e.g.
 * the account in billing) or skips it with a reason; the case waits meanwhile, it never fails.
 */
export const outsideFailureForm = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('retry'), note }),
  z.object({ decision: z.literal('skip'), reason: z.string().trim().min(1).max(2000) }),
]);

/**
 * A notice that no channel delivered (e-mail and SMS refused or absent, the letter returned or
 * not confirmed): the collector delivers it in person or by boleta, or reports it impossible.
 */
export const deliverNoticeForm = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('delivered'),
    method: z.enum(['in_person', 'boleta']),
    deliveredAt: isoInstant,
    note,
  }),
  z.object({ outcome: z.literal('not_delivered'), reason: z.string().trim().min(1).max(2000) }),
]);

/** Grounds that interrupt prescription besides those the system records itself. */
export const PRESCRIPTION_INTERRUPTIONS = [
  'acknowledgement',
  'payment',
  'judicial_claim',
  'other',
] as const;

/**
 * The legal unit reviews a debt close to prescribing (or prescribed): declare it prescribed
 * (the case closes; nothing more is collected) or record an interruption the system did not see.
 */
export const prescriptionReviewForm = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('declare_prescribed'),
    note: z.string().trim().min(1).max(2000),
  }),
  z.object({
    decision: z.literal('interrupted'),
    interruptedOn: localDateSchema,
    ground: z.enum(PRESCRIPTION_INTERRUPTIONS),
    note: z.string().trim().min(1).max(2000),
  }),
]);

/**
 * The case stopped by itself (a título or orden de pago that could not be notified, a step a
 * manager skipped): a manager resumes it or closes it, with a note. A case never waits on nobody.
 */
export const caseReviewForm = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('resume'), note: z.string().trim().min(1).max(2000) }),
  z.object({
    decision: z.literal('close'),
    reason: z.enum(['written_off', 'billing_error', 'cancelled']),
    note: z.string().trim().min(1).max(2000),
  }),
]);

/** Every task type, its role and its form. */
export const TASKS = {
  contact_debtor: { role: 'collector', form: contactDebtorForm },
  approve_agreement: { role: 'manager', form: approveAgreementForm },
  notarise_agreement: { role: 'collector', form: notariseAgreementForm },
  suspension_field: { role: 'collector', form: suspensionFieldForm },
  reconnection_field: { role: 'collector', form: reconnectionFieldForm },
  protected_account: { role: 'manager', form: protectedAccountForm },
  // The legal unit checks the título's legal contents before notification (a manager may too).
  validate_credit_title: { role: 'legal', form: validateCreditTitleForm },
  notify_credit_title: { role: 'collector', form: notifyCreditTitleForm },
  coactiva_intake: { role: 'legal', form: coactivaIntakeForm },
  coactiva_decision: { role: 'legal', form: coactivaDecisionForm },
  notify_payment_order: { role: 'legal', form: notifyPaymentOrderForm },
  outside_failure: { role: 'manager', form: outsideFailureForm },
  deliver_notice: { role: 'collector', form: deliverNoticeForm },
  prescription_review: { role: 'legal', form: prescriptionReviewForm },
  case_review: { role: 'manager', form: caseReviewForm },
} as const satisfies Record<string, { role: TaskRole; form: z.ZodType }>;

export type TaskType = keyof typeof TASKS;
export const TASK_TYPES = Object.keys(TASKS) as TaskType[];
/** The validated (parsed) form of a task type. */
export type TaskForm<T extends TaskType> = z.output<(typeof TASKS)[T]['form']>;

export type FormResult<T extends TaskType> =
  { ok: true; form: TaskForm<T> } | { ok: false; message: string };

/** Validates a submitted form for a task type; the message names each wrong field. */
export function parseTaskForm<T extends TaskType>(type: T, raw: unknown): FormResult<T> {
  const r = (TASKS[type].form as z.ZodType).safeParse(raw);
  if (r.success) return { ok: true, form: r.data as TaskForm<T> };
  return {
    ok: false,
    message: r.error.issues
      .map((i) => `${i.path.join('.') || 'formulario'}: ${i.message}`)
      .join('; '),
  };
}
