/**
 * The collections policy: every threshold, waiting period, fee and rate the unit applies.
 * A policy is versioned in the database (PolicyVersion); cases remember the version they ran
 * under. Defaults come from ../shared/DOMAIN.md; the open legal points there are marked
 * "to confirm" and are exactly the values a manager is expected to change.
 */
import { z } from 'zod';
import { localHolidaySchema, waitingPeriodSchema, type WaitingPeriod } from './calendar.js';

const cents = z.number().int().nonnegative();
/** Basis points: 100 bp = 1 %. */
const basisPoints = z.number().int().min(0).max(100_000);
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'fecha AAAA-MM-DD');
/** Strict like the rest of the policy: a misspelt `amount` must not keep the default's. */
const waitingPeriod = waitingPeriodSchema.strict();

/** COA (non-tax charge) or Código Tributario (tasa): decides interest and procedure wording. */
export const legalRouteSchema = z.enum(['COA', 'CODIGO_TRIBUTARIO']);
export type LegalRoute = z.infer<typeof legalRouteSchema>;

const wait = (amount: number, unit: WaitingPeriod['unit']): WaitingPeriod => ({ amount, unit });

export const policySchema = z
  .object({
    legalRoute: legalRouteSchema,
    /** Annual BCE reference rate used for mora interest (to confirm: current BCE figure). */
    bceReferenceAnnualRateBp: basisPoints,
    calendar: z
      .object({
        /** Holidays decreed for a year beyond the law's fixed list (LocalDate). */
        extraHolidays: z.array(localDate),
        /** Statutory holidays a decree moved away (LocalDate). */
        removedHolidays: z.array(localDate),
        /**
         * The canton's own holidays (e.g. Cantonización de Machala, 25 June), every year, observed
         * under the same moving rule as the national ones. Absent in older documents: none.
         */
        localHolidays: z.array(localHolidaySchema).default([]),
      })
      .strict(),
    caseOpening: z
      .object({
        /** Open when the account has at least this many overdue invoices… */
        minOverdueInvoices: z.number().int().positive(),
        /** …or its oldest overdue invoice is at least this many days past due… */
        minDaysPastDue: z.number().int().nonnegative(),
        /** …or it owes at least this much. */
        minBalanceCents: cents,
        /** Never open below this balance, whatever else holds (noise filter). */
        floorBalanceCents: cents,
      })
      .strict(),
    priority: z
      .object({
        /** Weight of each account category in the priority score. */
        categoryWeight: z
          .object({
            residencial: z.number().positive(),
            comercial: z.number().positive(),
            industrial: z.number().positive(),
            publica: z.number().positive(),
          })
          .strict(),
        /** Extra weight per broken promise or broken agreement in the account's history. */
        brokenCommitmentWeight: z.number().nonnegative(),
      })
      .strict(),
    reminder: z
      .object({
        /** How many escalating reminders before the next stage. */
        notices: z.number().int().min(1).max(10),
        interval: waitingPeriod,
        contactTaskSla: waitingPeriod,
        promiseGrace: waitingPeriod,
        /** A promise to pay may not fall further ahead than this from the day it is made. */
        promiseMaxHorizon: waitingPeriod.default(wait(30, 'calendarDays')),
      })
      .strict(),
    agreement: z
      .object({
        minDownPaymentBp: basisPoints,
        /** Assumption: up to 24 monthly instalments (needs legal confirmation). */
        maxInstalments: z.number().int().min(1).max(120),
        managerApprovalAboveCents: cents,
        notarisedSignatureAboveCents: cents,
        instalmentGrace: waitingPeriod,
        /** Interest as a multiple of the BCE rate, by legal route (CT: 1.5 ×). */
        interestMultiplierBp: z
          .object({ COA: basisPoints, CODIGO_TRIBUTARIO: basisPoints })
          .strict(),
        instalmentInterval: waitingPeriod,
        /** After broken agreements in the account's history: how many are tolerated, and the
         * higher down payment a new agreement then needs. */
        afterBroken: z
          .object({
            /** No new agreement once the account has broken this many. */
            maxBrokenAgreements: z.number().int().min(0).max(100),
            /** Minimum down payment of an agreement proposed after one was broken. */
            minDownPaymentBp: basisPoints,
          })
          .strict()
          .default({ maxBrokenAgreements: 2, minDownPaymentBp: 4_000 }),
      })
      .strict(),
    suspension: z
      .object({
        /** Suspend once the case is at least this old in reminder without agreement. */
        afterReminderFor: waitingPeriod,
        priorNotice: waitingPeriod,
        fieldTaskSla: waitingPeriod,
        reconnectionDeadline: waitingPeriod,
        suspensionFeeCents: cents,
        reconnectionFeeCents: cents,
        irregularReconnectionFineCents: cents,
        /**
         * A moratorium on cuts (emergency decrees have ordered one): while active no new cut is
         * ordered; the rest of the procedure goes on. Read from the policy in force, not the
         * case's, so switching it reaches every running case.
         */
        moratorium: z
          .object({ active: z.boolean(), decree: z.string().trim().max(500) })
          .strict()
          .default({ active: false, decree: '' }),
      })
      .strict(),
    creditTitle: z
      .object({
        /** Issue the título de crédito when still unpaid this long after suspension. */
        afterSuspensionFor: waitingPeriod,
        validationTaskSla: waitingPeriod,
        /** COA art. 271: 10 días hábiles from the day after notification. */
        voluntaryPaymentTerm: waitingPeriod,
      })
      .strict(),
    coactiva: z
      .object({
        /** COA art. 279: orden de pago inmediato, 3 días hábiles. */
        paymentOrderTerm: waitingPeriod,
        /** COA art. 329: excepciones within 20 days (to confirm: días hábiles). */
        exceptionsTerm: waitingPeriod,
        legalTaskSla: waitingPeriod,
      })
      .strict(),
    notices: z
      .object({
        /**
         * How often a case waiting for a notice's delivery checks the outbox itself (the
         * dispatcher also tells it at once; this covers a lost message).
         */
        deliveryCheckInterval: waitingPeriod,
        /** A notice not delivered on any channel after this long becomes a task for a person. */
        deliveryTaskAfter: waitingPeriod,
      })
      .strict()
      .default({
        deliveryCheckInterval: wait(1, 'hours'),
        deliveryTaskAfter: wait(5, 'businessDays'),
      }),
    prescription: z
      .object({
        /**
         * Limitation term per legal route, from exigibility (to confirm: 5 years, civil action
         * and Código Tributario art. 55), interrupted by a notified título or orden de pago, the
         * debtor's acknowledgement or an agreement.
         */
        term: z.object({ COA: waitingPeriod, CODIGO_TRIBUTARIO: waitingPeriod }).strict(),
        /** The legal unit gets a task this long before a debt prescribes. */
        warnBefore: waitingPeriod,
      })
      .strict()
      .default({
        term: { COA: wait(5, 'years'), CODIGO_TRIBUTARIO: wait(5, 'years') },
        warnBefore: wait(60, 'calendarDays'),
      }),
    tasks: z
      .object({
        /** Escalate an open task to the supervisor once it is overdue by this much. */
        escalateOverdueAfter: waitingPeriod,
      })
      .strict(),
  })
  .strict();

/** A complete, validated policy document. */
export type Policy = z.infer<typeof policySchema>;

/** Defaults from DOMAIN.md. Money in cents, rates in basis points. */
export const DEFAULT_POLICY: Policy = {
  legalRoute: 'COA',
  bceReferenceAnnualRateBp: 1_000,
  calendar: {
    // Rest days decreed beyond the law's list (Decretos Ejecutivos): bridges around New Year.
    extraHolidays: ['2025-01-02', '2025-01-03', '2026-01-02'],
    removedHolidays: [],
    localHolidays: [{ month: 6, day: 25, name: 'Cantonización de Machala' }],
  },
  caseOpening: {
    minOverdueInvoices: 2,
    minDaysPastDue: 60,
    minBalanceCents: 5_000,
    floorBalanceCents: 100,
  },
  priority: {
    categoryWeight: { residencial: 1, comercial: 1.4, industrial: 1.6, publica: 0.8 },
    brokenCommitmentWeight: 0.25,
  },
  reminder: {
    notices: 3,
    interval: wait(7, 'calendarDays'),
    contactTaskSla: wait(3, 'businessDays'),
    promiseGrace: wait(2, 'calendarDays'),
    promiseMaxHorizon: wait(30, 'calendarDays'),
  },
  agreement: {
    minDownPaymentBp: 2_000,
    maxInstalments: 24,
    managerApprovalAboveCents: 100_000,
    notarisedSignatureAboveCents: 500_000,
    instalmentGrace: wait(5, 'businessDays'),
    interestMultiplierBp: { COA: 10_000, CODIGO_TRIBUTARIO: 15_000 },
    instalmentInterval: wait(1, 'months'),
    afterBroken: { maxBrokenAgreements: 2, minDownPaymentBp: 4_000 },
  },
  suspension: {
    afterReminderFor: wait(30, 'calendarDays'),
    priorNotice: wait(48, 'hours'),
    fieldTaskSla: wait(2, 'businessDays'),
    reconnectionDeadline: wait(24, 'hours'),
    suspensionFeeCents: 586,
    reconnectionFeeCents: 586,
    irregularReconnectionFineCents: 5_000,
    moratorium: { active: false, decree: '' },
  },
  creditTitle: {
    afterSuspensionFor: wait(30, 'calendarDays'),
    validationTaskSla: wait(5, 'businessDays'),
    voluntaryPaymentTerm: wait(10, 'businessDays'),
  },
  coactiva: {
    paymentOrderTerm: wait(3, 'businessDays'),
    exceptionsTerm: wait(20, 'businessDays'),
    legalTaskSla: wait(5, 'businessDays'),
  },
  notices: { deliveryCheckInterval: wait(1, 'hours'), deliveryTaskAfter: wait(5, 'businessDays') },
  prescription: {
    term: { COA: wait(5, 'years'), CODIGO_TRIBUTARIO: wait(5, 'years') },
    warnBefore: wait(60, 'calendarDays'),
  },
  tasks: { escalateOverdueAfter: wait(1, 'businessDays') },
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
/** A policy file may override only some values; the rest come from the defaults. */
export type PolicyOverrides = DeepPartial<Policy>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; errors: string[] };

/**
 * Validates a (possibly partial) policy document over a base policy. Unknown keys are
 * errors, so a misspelt setting never silently falls back to its default.
 */
export function resolvePolicy(overrides: unknown, base: Policy = DEFAULT_POLICY): PolicyResult {
  if (overrides !== undefined && !isPlainObject(overrides)) {
    return { ok: false, errors: ['la política debe ser un objeto JSON'] };
  }
  // Keys starting with "$" ($comment, $schema) are notes for people, not settings.
  const settings = Object.fromEntries(
    Object.entries(overrides ?? {}).filter(([k]) => !k.startsWith('$')),
  );
  const parsed = policySchema.safeParse(deepMerge(base, settings));
  if (parsed.success) return { ok: true, policy: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(raíz)'}: ${i.message}`),
  };
}

/** Canonical JSON (sorted keys) so that equal policies hash equally. */
export function canonicalPolicyJson(policy: Policy): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isPlainObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(policy));
}

/**
 * A policy as a running case carries it, with the values added since it was recorded filled
 * from their defaults (each new value's default keeps the behaviour from before it existed).
 * Deterministic: safe in workflows, which call it on their input.
 */
export function withPolicyDefaults(policy: Policy): Policy {
  const r = policySchema.safeParse(policy);
  return r.success ? r.data : policy;
}
