/**
 * Título de crédito: what the title must say, how its number is written, who may be notified how,
 * and the voluntary-payment term that runs after notification. Pure.
 *
 * - Contents: COA art. 268 and Código Tributario art. 150 (issuing body; debtor's name and
 *   cédula/RUC; place and date of issue and the title's number; concept and origin of the debt;
 *   amount; date from which interest accrues; signature). CT art. 151: a title lacking one of
 *   them (except the interest date) is void, so {@link creditTitleDefects} lists what is missing
 *   and an approval is refused while the list is not empty.
 * - Voluntary payment: COA art. 271, `policy.creditTitle.voluntaryPaymentTerm` (default
 *   10 días hábiles) counted from the day after notification (arts. 158–159). A pending request
 *   for payment facilities stops the procedure; the remaining term resumes when it is resolved.
 */
import {
  businessDaysBetween,
  calendarDaysBetween,
  deadlineAfter,
  isLocalDate,
  toLocalDate,
  type LocalDate,
} from './calendar.js';
import { validateIdentification } from './ecuador-id.js';
import { formatUsd } from './money.js';
import type { LegalRoute, Policy } from './policy.js';

// ---------------------------------------------------------------------------------------------
// Fixed facts of the issuer (not policy: they do not change with the collections rules)

/**
 * The issuing body. The RUC comes from a public listing of SRI contributors
 * ("EMPRESA PUBLICA DE AGUA POTABLE AGUAS MACHALA EP", 0760000300001) — to confirm against the
 * SRI registry before printing titles. It fails the módulo-11 check of public-entity RUCs, which
 * the SRI no longer guarantees (see domain/ecuador-id.ts), so it is checked with
 * `verifyCompanyRucCheckDigit: false`.
 */
export const ISSUING_BODY = {
  name: 'Aguas Machala EP',
  legalName: 'Empresa Pública de Agua Potable Aguas Machala EP',
  ruc: '0760000300001',
} as const;

/** Where titles are issued (the canton of the issuing body). */
export const CREDIT_TITLE_PLACE = 'Machala';

/** Numbering series of títulos de crédito in the institution-wide document sequence. */
export const CREDIT_TITLE_SERIES = 'TC';

/**
 * Who signs the title: the official with coactiva jurisdiction (LOEP; COA art. 268). The name
 * is filled in when the title is signed.
 */
export const CREDIT_TITLE_SIGNATORY = 'Funcionario/a Ejecutor/a de Coactiva de Aguas Machala EP';

const LEGAL_BASIS: Record<LegalRoute, string> = {
  COA: 'Código Orgánico Administrativo, arts. 267 y 268',
  CODIGO_TRIBUTARIO: 'Código Tributario, arts. 149 y 150',
};

// ---------------------------------------------------------------------------------------------
// Numbers

/**
 * The printed number of a document: `TC-2026-000123` (series, year, number zero-padded to six
 * digits; longer numbers print in full).
 * @throws RangeError when `year` or `number` is not a positive integer, or `series` is empty.
 */
export function formatTitleNumber(series: string, year: number, number: number): string {
  if (!/^[A-Z][A-Z0-9]*$/.test(series)) throw new RangeError(`invalid series "${series}"`);
  if (!Number.isInteger(year) || year < 1 || year > 9999)
    throw new RangeError(`invalid year ${year}`);
  if (!Number.isSafeInteger(number) || number < 1) throw new RangeError(`invalid number ${number}`);
  return `${series}-${String(year).padStart(4, '0')}-${String(number).padStart(6, '0')}`;
}

/** Reads `TC-2026-000123` back; null when it is not such a number. */
export function parseTitleNumber(
  text: string,
): { series: string; year: number; number: number } | null {
  const m = /^([A-Z][A-Z0-9]*)-(\d{4})-(\d{6,})$/.exec(text);
  if (!m) return null;
  const year = Number(m[2]);
  const number = Number(m[3]);
  if (year < 1 || number < 1 || !Number.isSafeInteger(number)) return null;
  return { series: m[1] ?? '', year, number };
}

// ---------------------------------------------------------------------------------------------
// Contents

/** The debtor as the title names them. */
export interface CreditTitleDebtor {
  name: string;
  /** Cédula (10 digits) or RUC (13 digits). */
  id: string;
  idKind: 'cedula' | 'ruc' | 'invalid';
  address: string;
}

/** A título de crédito: every element the law requires, as issued (one version). */
export interface CreditTitle {
  /** Printed number, e.g. `TC-2026-000123`; kept by every corrected version. */
  number: string;
  series: string;
  year: number;
  sequence: number;
  /** 1 for the first issue; a returned title is reissued with the same number, version + 1. */
  version: number;
  issuer: { name: string; legalName: string; ruc: string };
  debtor: CreditTitleDebtor;
  place: string;
  /** Date of issue (of this version), America/Guayaquil. */
  issuedOn: LocalDate;
  /** What is owed. */
  concept: string;
  /** Where the obligation comes from. */
  origin: string;
  accountNumber: string;
  amountCents: number;
  /** The amount as printed, es-EC (`$1.234,50`). */
  amount: string;
  /** Date from which interest accrues. */
  interestFrom: LocalDate;
  legalRoute: LegalRoute;
  legalBasis: string;
  signature: { title: string; name: string | null };
  /** Corrections the specialist asked for, oldest first (empty on the first version). */
  corrections: string[];
}

/** Case facts a title is built from. */
export interface CreditTitleFacts {
  holderName: string;
  holderId: string;
  address: string;
  accountNumber: string;
  balanceCents: number;
  /** LocalDate from which interest accrues (the oldest due date). */
  interestFrom: LocalDate;
}

/** The number a title gets from the sequence. */
export interface CreditTitleNumber {
  series: string;
  year: number;
  sequence: number;
}

function debtorOf(facts: CreditTitleFacts): CreditTitleDebtor {
  const checked = validateIdentification(facts.holderId, { verifyCompanyRucCheckDigit: false });
  return {
    name: facts.holderName.trim(),
    id: facts.holderId.trim(),
    idKind: !checked.ok ? 'invalid' : checked.kind === 'cedula' ? 'cedula' : 'ruc',
    address: facts.address.trim(),
  };
}

/**
 * The first version of a title.
 * @param issuedOn the local date of issue.
 */
export function buildCreditTitle(
  facts: CreditTitleFacts,
  number: CreditTitleNumber,
  issuedOn: LocalDate,
  policy: Pick<Policy, 'legalRoute'>,
): CreditTitle {
  return {
    number: formatTitleNumber(number.series, number.year, number.sequence),
    series: number.series,
    year: number.year,
    sequence: number.sequence,
    version: 1,
    issuer: { ...ISSUING_BODY },
    debtor: debtorOf(facts),
    place: CREDIT_TITLE_PLACE,
    issuedOn,
    concept: `Servicio de agua potable y alcantarillado: planillas vencidas y no pagadas de la cuenta ${facts.accountNumber}`,
    origin: `Planillas de consumo emitidas por ${ISSUING_BODY.name} a la cuenta ${facts.accountNumber} (${facts.address.trim()}), vencidas desde el ${facts.interestFrom}`,
    accountNumber: facts.accountNumber,
    amountCents: facts.balanceCents,
    amount: formatUsd(facts.balanceCents, 'es-EC'),
    interestFrom: facts.interestFrom,
    legalRoute: policy.legalRoute,
    legalBasis: LEGAL_BASIS[policy.legalRoute],
    signature: { title: CREDIT_TITLE_SIGNATORY, name: null },
    corrections: [],
  };
}

/**
 * The corrected title after the specialist returned it: the same number, version + 1, the
 * debtor and amounts rebuilt from the (possibly fixed) case facts, the correction recorded.
 */
export function correctCreditTitle(
  previous: CreditTitle,
  facts: CreditTitleFacts,
  corrections: string,
  issuedOn: LocalDate,
): CreditTitle {
  const rebuilt = buildCreditTitle(
    facts,
    { series: previous.series, year: previous.year, sequence: previous.sequence },
    issuedOn,
    previous,
  );
  return {
    ...rebuilt,
    version: previous.version + 1,
    corrections: [...previous.corrections, corrections.trim()],
  };
}

/**
 * What makes the title void or unfit to notify, in Spanish; empty when every legal element is
 * present and well formed.
 */
export function creditTitleDefects(title: CreditTitle): string[] {
  const defects: string[] = [];
  if (!title.issuer.name.trim() || !title.issuer.ruc.trim()) defects.push('falta el órgano emisor');
  if (!title.debtor.name) defects.push('falta el nombre del deudor');
  const id = validateIdentification(title.debtor.id, { verifyCompanyRucCheckDigit: false });
  if (!id.ok) defects.push(`identificación del deudor inválida: ${id.reason}`);
  if (!title.place.trim()) defects.push('falta el lugar de emisión');
  if (!isLocalDate(title.issuedOn)) defects.push('falta la fecha de emisión');
  if (parseTitleNumber(title.number) === null) defects.push('número de título inválido');
  if (!title.concept.trim() || !title.origin.trim())
    defects.push('falta el concepto u origen de la deuda');
  if (!Number.isSafeInteger(title.amountCents) || title.amountCents <= 0)
    defects.push('el valor adeudado debe ser mayor que cero');
  if (!isLocalDate(title.interestFrom))
    defects.push('falta la fecha desde la que corren intereses');
  else if (isLocalDate(title.issuedOn) && title.interestFrom > title.issuedOn)
    defects.push('los intereses no pueden correr desde una fecha posterior a la emisión');
  if (!title.signature.title.trim()) defects.push('falta la firma (cargo del funcionario)');
  return defects;
}

// ---------------------------------------------------------------------------------------------
// Notification

export const NOTIFICATION_METHODS = ['in_person', 'boleta', 'publication'] as const;
export type NotificationMethod = (typeof NOTIFICATION_METHODS)[number];

/** Attempts to notify before the title is left not notified. */
export const MAX_NOTIFICATION_ATTEMPTS = 3;
/** After this many attempts where the debtor was not found, only publication is accepted. */
export const PUBLICATION_AFTER_NOT_FOUND = 2;
/** How far in the future (clock skew) a recorded attempt may be, in ms. */
export const NOTIFICATION_CLOCK_SKEW_MS = 5 * 60_000;

/** One recorded attempt to notify. */
export interface NotificationAttempt {
  method: NotificationMethod;
  result: 'notified' | 'not_found';
  /** ISO instant of the attempt (for `notified`: the legal notification moment). */
  at: string;
}

export type NotificationStatus =
  | { status: 'notified'; at: string; method: NotificationMethod }
  | { status: 'pending'; attempt: number; allowedMethods: NotificationMethod[] }
  | { status: 'exhausted'; attempts: number };

/** Where the notification stands after `attempts`, and what the next attempt may use. */
export function notificationStatus(attempts: readonly NotificationAttempt[]): NotificationStatus {
  const notified = attempts.find((a) => a.result === 'notified');
  if (notified) return { status: 'notified', at: notified.at, method: notified.method };
  if (attempts.length >= MAX_NOTIFICATION_ATTEMPTS)
    return { status: 'exhausted', attempts: attempts.length };
  const notFound = attempts.filter((a) => a.result === 'not_found').length;
  return {
    status: 'pending',
    attempt: attempts.length + 1,
    allowedMethods:
      notFound >= PUBLICATION_AFTER_NOT_FOUND ? ['publication'] : [...NOTIFICATION_METHODS],
  };
}

/**
 * Whether a submitted attempt can be accepted: the method must be allowed (publication only
 * after {@link PUBLICATION_AFTER_NOT_FOUND} not-found attempts), the moment must not be in the
 * future nor before the previous attempt. The reason is Spanish, for the collector.
 */
export function checkNotificationAttempt(
  attempts: readonly NotificationAttempt[],
  attempt: Pick<NotificationAttempt, 'method' | 'at'>,
  now: Date,
): { ok: true } | { ok: false; reason: string } {
  const status = notificationStatus(attempts);
  if (status.status !== 'pending')
    return { ok: false, reason: 'la notificación ya no admite intentos' };
  if (!status.allowedMethods.includes(attempt.method)) {
    return {
      ok: false,
      reason: `tras ${PUBLICATION_AFTER_NOT_FOUND} intentos sin encontrar al deudor solo se admite la notificación por publicación`,
    };
  }
  const at = Date.parse(attempt.at);
  if (Number.isNaN(at)) return { ok: false, reason: 'fecha del intento inválida' };
  if (at > now.getTime() + NOTIFICATION_CLOCK_SKEW_MS)
    return { ok: false, reason: 'la fecha del intento no puede ser futura' };
  const last = attempts[attempts.length - 1];
  if (last && at < Date.parse(last.at))
    return { ok: false, reason: 'la fecha del intento es anterior al intento previo' };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// Voluntary payment term

/**
 * When the voluntary payment term of a title notified at `notifiedAt` runs out: the end of the
 * `voluntaryPaymentTerm`-th business day counted from the day after notification (default 10
 * días hábiles, COA art. 271), holidays and `policy.calendar` overrides excluded.
 */
export function voluntaryPaymentDeadline(
  notifiedAt: Date,
  policy: Pick<Policy, 'creditTitle' | 'calendar'>,
): Date {
  return deadlineAfter(notifiedAt, policy.creditTitle.voluntaryPaymentTerm, policy.calendar);
}

/** What is left of a paused term: whole days for day-based terms, else milliseconds. */
export type RemainingTerm =
  { unit: 'businessDays' | 'calendarDays'; days: number } | { unit: 'ms'; ms: number };

/** The voluntary payment term as a small state machine (the workflow holds one). */
export type VoluntaryTerm =
  | { status: 'running'; notifiedAt: string; deadline: string }
  | {
      status: 'paused';
      notifiedAt: string;
      pausedAt: string;
      /** The deadline the term had when it was paused. */
      deadlineWhenPaused: string;
      remaining: RemainingTerm;
    };

/** A term that is counting. */
export type RunningTerm = Extract<VoluntaryTerm, { status: 'running' }>;

/** The term starting at notification. */
export function startVoluntaryTerm(
  notifiedAt: Date,
  policy: Pick<Policy, 'creditTitle' | 'calendar'>,
): RunningTerm {
  return {
    status: 'running',
    notifiedAt: notifiedAt.toISOString(),
    deadline: voluntaryPaymentDeadline(notifiedAt, policy).toISOString(),
  };
}

/**
 * Pauses a running term at `at` (a payment-facilities request was filed). Day-based terms keep
 * the days still to count after `at`'s local date: the day of the request is spent. Time-based
 * terms (training policies) keep the exact time left. Never negative.
 */
export function pauseVoluntaryTerm(
  term: VoluntaryTerm,
  at: Date,
  policy: Pick<Policy, 'creditTitle' | 'calendar'>,
): VoluntaryTerm {
  if (term.status !== 'running') return term;
  const deadline = new Date(term.deadline);
  const unit = policy.creditTitle.voluntaryPaymentTerm.unit;
  let remaining: RemainingTerm;
  if (unit === 'businessDays') {
    const days = businessDaysBetween(toLocalDate(at), toLocalDate(deadline), policy.calendar);
    remaining = { unit, days: Math.max(0, days) };
  } else if (unit === 'calendarDays') {
    remaining = {
      unit,
      days: Math.max(0, calendarDaysBetween(toLocalDate(at), toLocalDate(deadline))),
    };
  } else {
    remaining = { unit: 'ms', ms: Math.max(0, deadline.getTime() - at.getTime()) };
  }
  return {
    status: 'paused',
    notifiedAt: term.notifiedAt,
    pausedAt: at.toISOString(),
    deadlineWhenPaused: term.deadline,
    remaining,
  };
}

/**
 * Resumes a paused term at `at` (the request was resolved): the remaining days count again from
 * the day after `at`, like a new notification; time-based terms resume with the time left.
 */
export function resumeVoluntaryTerm(
  term: VoluntaryTerm,
  at: Date,
  policy: Pick<Policy, 'calendar'>,
): VoluntaryTerm {
  if (term.status !== 'paused') return term;
  const r = term.remaining;
  let deadline: Date;
  if (r.unit === 'ms') deadline = new Date(at.getTime() + r.ms);
  else deadline = deadlineAfter(at, { amount: r.days, unit: r.unit }, policy.calendar);
  // Resuming never brings the deadline forward (guards clock or rounding surprises).
  const before = Date.parse(term.deadlineWhenPaused);
  if (deadline.getTime() < before) deadline = new Date(before);
  return { status: 'running', notifiedAt: term.notifiedAt, deadline: deadline.toISOString() };
}

/** The business days of a term that fall in (notification, deadline], for display. */
export function termBusinessDays(
  term: { notifiedAt: string; deadline: string },
  policy: Pick<Policy, 'calendar'>,
): number {
  return businessDaysBetween(
    toLocalDate(new Date(term.notifiedAt)),
    toLocalDate(new Date(term.deadline)),
    policy.calendar,
  );
}
