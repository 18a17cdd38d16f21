/**
 * Prescription (prescripción) of the collection action: when a debt can no longer be collected
 * because the institution let the limitation term run. Pure.
 *
 * - The term is `policy.prescription.term[policy.legalRoute]` (default 5 years under both
 *   routes, to confirm: Código Tributario art. 55, five years from exigibility, for a tasa; the
 *   civil-law term for a non-tax charge under the COA).
 * - It runs from exigibility: the day after the due date of the oldest unpaid invoice
 *   ({@link exigibleOn}).
 * - Each interruption (a notified título de crédito or orden de pago, the debtor's written
 *   acknowledgement, a signed agreement, a payment…; CT art. 56, Código Civil art. 2418) starts
 *   it again from the interruption's date; what had run is lost.
 * - A plazo in years or months runs date to date (COA art. 160, Código Civil art. 33): its last
 *   day is the date with the same number as its first, n years later (the last day of the month
 *   when the month has no such day: from 29 February to 28 February), moved to the next business
 *   day when it is not one (`addPlazo` in calendar.ts). The action prescribes once that last day has
 *   ended: the debt is prescribed **from the day after** the plazo's last day, which is the date
 *   these functions return.
 *
 * A completed prescription is not undone by a later interruption: an interruption on or after
 * the day the debt prescribed is ignored here (whether the debtor renounced the prescription, by
 * paying or acknowledging afterwards, is the legal unit's decision, not a date rule).
 */
import {
  addCalendarDays,
  deadlineAfter,
  isBusinessDay,
  isLocalDate,
  localDateToInstant,
  toLocalDate,
  type CalendarOverrides,
  type LocalDate,
  type WaitingPeriod,
} from './calendar.js';
import type { Policy } from './policy.js';

type PrescriptionPolicy = Pick<Policy, 'prescription' | 'legalRoute' | 'calendar'>;

/** An act that starts the limitation term again from its date. */
export interface PrescriptionInterruption {
  /** The date of the act (notification, acknowledgement, signature, payment). */
  on: LocalDate;
  /** What it was, e.g. `'titulo_notificado'`, `'convenio'`, `'pago'` (kept for the record). */
  ground: string;
}

/** What the limitation term is computed from. */
export interface PrescriptionInput {
  /** The first day the debt could be collected ({@link exigibleOn} of the oldest due date). */
  exigibleOn: LocalDate;
  /** Interruptions in any order; those before exigibility change nothing. */
  interruptions: readonly PrescriptionInterruption[];
}

/** Where the limitation clock stands at an instant. */
export interface PrescriptionStatus {
  /** The first day on which the debt is prescribed (the day after the plazo's last day). */
  prescribesOn: LocalDate;
  /** From this day the legal unit is warned: `policy.prescription.warnBefore` before it. */
  warnFrom: LocalDate;
  /** `running` before `warnFrom`, `warning` from it, `prescribed` from `prescribesOn`. */
  state: 'running' | 'warning' | 'prescribed';
}

function checkDate(date: LocalDate, what: string): void {
  if (!isLocalDate(date)) throw new RangeError(`${what}: invalid LocalDate "${date}"`);
}

/**
 * The day a debt becomes exigible: the day after its due date (`oldestDueOn`, the due date of
 * the oldest unpaid invoice). E.g. due 2026-01-31 → exigible 2026-02-01.
 * @throws RangeError when `oldestDueOn` is not a valid LocalDate.
 */
export function exigibleOn(oldestDueOn: LocalDate): LocalDate {
  return addCalendarDays(oldestDueOn, 1);
}

/**
 * The first day on which the debt is prescribed, for a term running from `from`: the term's
 * last day counted like every waiting period ({@link deadlineAfter} from the start of `from`:
 * years and months date to date, moved off a non-business day; business days from the day
 * after; calendar days), plus one day.
 */
function prescribedFrom(from: LocalDate, term: WaitingPeriod, calendar: CalendarOverrides) {
  const lastDay = toLocalDate(deadlineAfter(localDateToInstant(from, 'start'), term, calendar));
  return addCalendarDays(lastDay, 1);
}

/**
 * The first day on which the debt is prescribed: the term of the case's legal route
 * (`policy.prescription.term[policy.legalRoute]`, default 5 years) counted date to date from
 * exigibility, started again by each interruption before that day, and one day past its last
 * day (see the module comment).
 *
 * Example: exigible 2021-06-01 → last day of the 5-year term Monday 2026-06-01 → prescribed
 * from 2026-06-02. Interrupted on 2024-02-29 → last day 2029-02-28 → prescribed from 2029-03-01.
 * Exigible 2020-03-02 → 2025-03-02 is a Sunday and 3–4 March Carnival → last day Wednesday
 * 2025-03-05 → prescribed from 2025-03-06.
 *
 * @throws RangeError on an invalid date in `input`.
 */
export function prescriptionDate(input: PrescriptionInput, policy: PrescriptionPolicy): LocalDate {
  checkDate(input.exigibleOn, 'exigibleOn');
  for (const i of input.interruptions) checkDate(i.on, 'interruption');
  const term = policy.prescription.term[policy.legalRoute];
  const calendar = policy.calendar;
  let from = input.exigibleOn;
  let prescribesOn = prescribedFrom(from, term, calendar);
  const dates = input.interruptions.map((i) => i.on).sort();
  for (const on of dates) {
    // Before the running term started (or on its first day) it changes nothing; on or after
    // the day the debt prescribed it comes too late.
    if (on <= from || on >= prescribesOn) continue;
    from = on;
    prescribesOn = prescribedFrom(from, term, calendar);
  }
  return prescribesOn;
}

/** `date` minus a waiting period: the latest day from which `period` still reaches `date`. */
function periodBefore(date: LocalDate, period: WaitingPeriod, calendar: CalendarOverrides) {
  const { amount } = period;
  switch (period.unit) {
    case 'calendarDays':
      return addCalendarDays(date, -amount);
    case 'businessDays': {
      let day = date;
      for (let counted = 0; counted < amount;) {
        day = addCalendarDays(day, -1);
        if (isBusinessDay(day, calendar)) counted += 1;
      }
      return day;
    }
    case 'months':
    case 'years': {
      const months = period.unit === 'years' ? amount * 12 : amount;
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      const index = y * 12 + (m - 1) - months;
      const year = Math.floor(index / 12);
      if (year < 1) throw new RangeError('warning date before year 0001');
      const month = String((index % 12) + 1).padStart(2, '0');
      // The same day number, or the month's last day when it has no such day.
      for (let day = d; ; day--) {
        const candidate = `${String(year).padStart(4, '0')}-${month}-${String(day).padStart(2, '0')}`;
        if (isLocalDate(candidate)) return candidate;
      }
    }
    case 'hours':
    case 'minutes':
    case 'seconds': {
      const ms = { hours: 3_600_000, minutes: 60_000, seconds: 1_000 }[period.unit] * amount;
      return toLocalDate(new Date(localDateToInstant(date, 'start').getTime() - ms));
    }
  }
}

/**
 * Where the limitation clock stands at `at`: the day the debt prescribes
 * ({@link prescriptionDate}), the day the legal unit is warned from
 * (`policy.prescription.warnBefore` earlier, default 60 calendar days; a plazo in months or
 * years counted back date to date), and the state on `at`'s Guayaquil date.
 *
 * @param at the instant to judge (workflow time inside a workflow).
 * @throws RangeError on an invalid Date or date in `input`.
 */
export function prescriptionStatus(
  at: Date,
  input: PrescriptionInput,
  policy: PrescriptionPolicy,
): PrescriptionStatus {
  const today = toLocalDate(at);
  const prescribesOn = prescriptionDate(input, policy);
  const warnFrom = periodBefore(prescribesOn, policy.prescription.warnBefore, policy.calendar);
  const state = today >= prescribesOn ? 'prescribed' : today >= warnFrom ? 'warning' : 'running';
  return { prescribesOn, warnFrom, state };
}
