/**
 * Ecuador's business-day calendar, for the deadlines the law counts.
 *
 * COA arts. 158–159: a *término* in days counts business days only, starting the day after the
 * notification and skipping Saturdays, Sundays and holidays. A *plazo* in months or years runs
 * date to date (art. 160): see {@link addPlazo}.
 *
 * Local time is America/Guayaquil, which has been UTC−05:00 all year since 1993 (its only DST
 * trial ran Nov 1992 – Feb 1993). A fixed offset is therefore exact for every date this system
 * handles, and it avoids `Intl`/tz data, which the Temporal workflow sandbox must not depend on.
 *
 * Dates are `LocalDate` strings (`"YYYY-MM-DD"`). Day arithmetic uses day numbers (days since
 * 1970-01-01), not `Date`, so nothing here reads the host clock or time zone.
 */
import { z } from 'zod';

/** A calendar date in America/Guayaquil, `"YYYY-MM-DD"` (zero-padded, years 0001–9999). */
export type LocalDate = string;

const MS_PER_DAY = 86_400_000;
/** America/Guayaquil's offset from UTC: −5 h, constant since 1993 (see the module comment). */
const GUAYAQUIL_OFFSET_MS = -5 * 3_600_000;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Howard Hinnant's days_from_civil / civil_from_days: exact integer Gregorian arithmetic.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z0 = days + 719_468;
  const era = Math.floor(z0 / 146_097);
  const doe = z0 - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const MIN_DAY = daysFromCivil(1, 1, 1);
const MAX_DAY = daysFromCivil(9999, 12, 31);

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function parseLocalDate(date: string): [year: number, month: number, day: number] | null {
  const match = LOCAL_DATE.exec(date);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return [year, month, day];
}

/** True when `value` is a real calendar date written `"YYYY-MM-DD"`. */
export function isLocalDate(value: unknown): value is LocalDate {
  return typeof value === 'string' && parseLocalDate(value) !== null;
}

/** zod schema for a {@link LocalDate}. */
export const localDateSchema = z
  .string()
  .refine(isLocalDate, 'fecha inválida: se espera AAAA-MM-DD');

function toDayNumber(date: LocalDate): number {
  const parts = parseLocalDate(date);
  if (!parts) throw new RangeError(`invalid LocalDate "${date}" (expected YYYY-MM-DD)`);
  return daysFromCivil(...parts);
}

function fromDayNumber(days: number): LocalDate {
  if (days < MIN_DAY || days > MAX_DAY) throw new RangeError('date outside years 0001–9999');
  const [year, month, day] = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** 1970-01-01 was a Thursday. */
function weekdayOfDayNumber(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/**
 * Calendar days from `from` to `to` (negative when `to` is earlier), e.g. days past due.
 * @throws RangeError when either is not a valid LocalDate.
 */
export function calendarDaysBetween(from: LocalDate, to: LocalDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

/**
 * Day of the week, `0` = Sunday … `6` = Saturday (the numbering of `Date#getDay`).
 * @throws RangeError when `date` is not a valid LocalDate.
 */
export function dayOfWeek(date: LocalDate): number {
  return weekdayOfDayNumber(toDayNumber(date));
}

/**
 * `date` plus `n` calendar days (`n` may be negative).
 * @throws RangeError on an invalid date, a non-integer `n`, or a result outside 0001–9999.
 */
export function addCalendarDays(date: LocalDate, n: number): LocalDate {
  if (!Number.isSafeInteger(n)) throw new RangeError(`n must be an integer, got ${n}`);
  return fromDayNumber(toDayNumber(date) + n);
}

// ---------------------------------------------------------------------------------------------
// Holidays
// ---------------------------------------------------------------------------------------------

/**
 * Dates to add to or remove from the national holidays, because a decree differs from the law
 * or adds rest days (e.g. 2 and 3 January 2025, 2 January 2026), or to add the canton's local
 * holiday (compute its date with {@link observedHolidayDate}).
 */
export type CalendarOverrides = {
  /** Days that count as holidays in addition to the national ones. */
  extraHolidays?: LocalDate[];
  /** Observed national holiday dates that are working days after all. */
  removedHolidays?: LocalDate[];
  /** The canton's holidays, every year, observed under the moving rule ({@link observedHolidayDate}). */
  localHolidays?: LocalHoliday[];
};

/** A canton's yearly holiday, e.g. `{ month: 6, day: 25, name: 'Cantonización de Machala' }`. */
export type LocalHoliday = { month: number; day: number; name: string };

/** zod schema for a {@link LocalHoliday} (29 February is refused: it is not yearly). */
export const localHolidaySchema = z
  .object({
    month: z.number().int().min(1).max(12),
    day: z.number().int().min(1).max(31),
    name: z.string().trim().min(1).max(120),
  })
  .strict()
  .refine((h) => h.day <= daysInMonth(2001, h.month), {
    message: 'día inexistente en ese mes',
    path: ['day'],
  });

/** zod schema for {@link CalendarOverrides}. */
export const calendarOverridesSchema = z.object({
  extraHolidays: z.array(localDateSchema).optional(),
  removedHolidays: z.array(localDateSchema).optional(),
  localHolidays: z.array(localHolidaySchema).optional(),
});

/** A day of rest: the date it is observed and the date the law names. */
export type Holiday = {
  /** The day off (after any move). */
  date: LocalDate;
  /** Spanish name, e.g. `"Batalla de Pichincha"`. */
  name: string;
  /** The date the law names (e.g. `2025-05-24` for a holiday observed `2025-05-23`). */
  officialDate: LocalDate;
};

/** Name given to {@link CalendarOverrides.extraHolidays} days. */
export const DECREED_HOLIDAY_NAME = 'Día de descanso decretado';

/**
 * Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
 * @throws RangeError when `year` is not an integer in 1583–9999.
 */
export function easterSunday(year: number): LocalDate {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new RangeError(`year must be an integer in 1583–9999, got ${year}`);
  }
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

// Offsets by weekday (index 0 = Sunday). Ley Orgánica Reformatoria a la LOSEP y al Código del
// Trabajo (Dec 2016), Código del Trabajo art. 65 and LOSEP disposición general cuarta:
// Saturday → the Friday before, Sunday → the Monday after; Tuesday → the Monday before;
// Wednesday or Thursday → the Friday of that week.
const MOVE_ALWAYS = [1, 0, -1, 2, 1, 0, -1] as const;
// 1 January and 25 December are excepted from the Tuesday–Thursday move, not from the weekend
// one: 2021-12-24, 2021-12-31, 2022-12-26 and 2023-01-02 were observed days off.
const MOVE_WEEKEND_ONLY = [1, 0, 0, 0, 0, 0, -1] as const;
// 2 and 3 November are consecutive, and the law moves them as a pair so they stay together:
// Tue+Wed → Wednesday's rest to Monday; Wed+Thu → Wednesday's to Friday; Fri+Sat → Saturday's to
// Thursday; Sun+Mon → Sunday's to Tuesday; Sat+Sun → Friday and Monday; Mon+Tue, Thu+Fri stay.
// Indexed by the weekday of 2 November: [offset for 2 Nov, offset for 3 Nov].
const NOVEMBER_PAIR: readonly (readonly [number, number])[] = [
  [2, 0],
  [0, 0],
  [0, -2],
  [2, 0],
  [0, 0],
  [0, -2],
  [-1, 1],
];

type FixedHoliday = readonly [month: number, day: number, name: string, moves: readonly number[]];

const FIXED_HOLIDAYS: readonly FixedHoliday[] = [
  [1, 1, 'Año Nuevo', MOVE_WEEKEND_ONLY],
  [5, 1, 'Día del Trabajo', MOVE_ALWAYS],
  [5, 24, 'Batalla de Pichincha', MOVE_ALWAYS],
  [8, 10, 'Primer Grito de Independencia', MOVE_ALWAYS],
  [10, 9, 'Independencia de Guayaquil', MOVE_ALWAYS],
  [12, 25, 'Navidad', MOVE_WEEKEND_ONLY],
];

/** The law's holidays of `year`, by official date; observed dates may fall in `year − 1`. */
function holidaysByLaw(year: number): Holiday[] {
  const out: Holiday[] = [];
  const add = (officialDay: number, offset: number, name: string) => {
    out.push({
      date: fromDayNumber(officialDay + offset),
      name,
      officialDate: fromDayNumber(officialDay),
    });
  };
  for (const [month, day, name, moves] of FIXED_HOLIDAYS) {
    const official = daysFromCivil(year, month, day);
    add(official, moves[weekdayOfDayNumber(official)] ?? 0, name);
  }
  // Carnival (Monday and Tuesday before Ash Wednesday) and Good Friday never move.
  const easter = toDayNumber(easterSunday(year));
  add(easter - 48, 0, 'Carnaval (lunes)');
  add(easter - 47, 0, 'Carnaval (martes)');
  add(easter - 2, 0, 'Viernes Santo');
  const difuntos = daysFromCivil(year, 11, 2);
  const [moveDifuntos, moveCuenca] = NOVEMBER_PAIR[weekdayOfDayNumber(difuntos)] ?? [0, 0];
  add(difuntos, moveDifuntos, 'Día de los Difuntos');
  add(difuntos + 1, moveCuenca, 'Independencia de Cuenca');
  return out;
}

// Memo of the law's observed holidays per calendar year. Pure and deterministic, so it is safe
// in the workflow sandbox; it saves recomputing Easter on every day of a long count.
const lawHolidayCache = new Map<number, ReadonlyMap<LocalDate, Holiday>>();

function lawHolidaysObservedIn(year: number): ReadonlyMap<LocalDate, Holiday> {
  let cached = lawHolidayCache.get(year);
  if (!cached) {
    const byDate = new Map<LocalDate, Holiday>();
    const prefix = `${pad(year, 4)}-`;
    // 1 January of next year is observed on 31 December when it falls on a Saturday.
    const candidates =
      year < 9999 ? [...holidaysByLaw(year), ...holidaysByLaw(year + 1)] : holidaysByLaw(year);
    for (const holiday of candidates) {
      if (holiday.date.startsWith(prefix) && !byDate.has(holiday.date))
        byDate.set(holiday.date, holiday);
    }
    cached = byDate;
    lawHolidayCache.set(year, cached);
  }
  return cached;
}

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new RangeError(`year must be an integer in 1583–9999, got ${year}`);
  }
}

/**
 * The date a holiday is observed on under the moving rule for national and local holidays
 * (LOSEP / Código del Trabajo art. 65, 2016 reform): Saturday → Friday before, Sunday → Monday
 * after, Tuesday → Monday before, Wednesday or Thursday → Friday of that week; Monday and Friday
 * stay. Use it for a canton's local holiday (the law applies "igual criterio"); 1 January,
 * Carnival and 25 December follow narrower rules inside {@link nationalHolidays}.
 */
export function observedHolidayDate(officialDate: LocalDate): LocalDate {
  const day = toDayNumber(officialDate);
  return fromDayNumber(day + (MOVE_ALWAYS[weekdayOfDayNumber(day)] ?? 0));
}

/**
 * National days of rest observed in `year` (by observed date, sorted), after applying the
 * moving rule of the Ley Orgánica Reformatoria a la LOSEP y al Código del Trabajo (in force since
 * December 2016) and then `overrides`:
 *
 * | holiday | official date | moves |
 * | --- | --- | --- |
 * | Año Nuevo | 1 Jan | only off a weekend (Sat → Fri 31 Dec of the year before, Sun → Mon) |
 * | Carnaval | Mon and Tue before Ash Wednesday (Easter − 48, − 47) | never |
 * | Viernes Santo | Easter − 2 | never |
 * | Día del Trabajo | 1 May | Sat → Fri, Sun → Mon, Tue → Mon, Wed/Thu → Fri |
 * | Batalla de Pichincha | 24 May | same |
 * | Primer Grito de Independencia | 10 Aug | same |
 * | Independencia de Guayaquil | 9 Oct | same |
 * | Día de los Difuntos, Independencia de Cuenca | 2 and 3 Nov | as a pair, kept together |
 * | Navidad | 25 Dec | only off a weekend |
 *
 * Years before 2017 are computed with the same rule, which is not what was observed then.
 * Extra holidays are named {@link DECREED_HOLIDAY_NAME}.
 *
 * @param year 1583–9999.
 * @throws RangeError on an invalid year.
 */
export function nationalHolidays(year: number, overrides?: CalendarOverrides): Holiday[] {
  checkYear(year);
  const removed = new Set(overrides?.removedHolidays ?? []);
  const byDate = new Map<LocalDate, Holiday>();
  for (const [date, holiday] of lawHolidaysObservedIn(year)) {
    if (!removed.has(date)) byDate.set(date, holiday);
  }
  const prefix = `${pad(year, 4)}-`;
  for (const local of localHolidaysObservedIn(year, overrides?.localHolidays)) {
    if (!removed.has(local.date) && !byDate.has(local.date)) byDate.set(local.date, local);
  }
  for (const date of overrides?.extraHolidays ?? []) {
    if (date.startsWith(prefix) && isLocalDate(date) && !byDate.has(date)) {
      byDate.set(date, { date, name: DECREED_HOLIDAY_NAME, officialDate: date });
    }
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** A canton's holidays observed in `year` (by observed date; the moving rule may cross years). */
function localHolidaysObservedIn(year: number, locals: readonly LocalHoliday[] = []): Holiday[] {
  const out: Holiday[] = [];
  const prefix = `${pad(year, 4)}-`;
  for (const h of locals) {
    for (const y of [year - 1, year, year + 1]) {
      if (y < 1 || y > 9999 || h.day > daysInMonth(y, h.month)) continue;
      const officialDate = `${pad(y, 4)}-${pad(h.month, 2)}-${pad(h.day, 2)}`;
      const date = observedHolidayDate(officialDate);
      if (date.startsWith(prefix)) out.push({ date, name: h.name, officialDate });
    }
  }
  return out;
}

/** Builds a fast "is this day number a business day" test with the overrides resolved once. */
function businessDayTest(overrides?: CalendarOverrides): (day: number) => boolean {
  const extra = new Set(overrides?.extraHolidays ?? []);
  const removed = new Set(overrides?.removedHolidays ?? []);
  const locals = overrides?.localHolidays ?? [];
  const localByYear = new Map<number, Set<LocalDate>>();
  const isLocal = (date: LocalDate) => {
    if (locals.length === 0) return false;
    const year = Number(date.slice(0, 4));
    let dates = localByYear.get(year);
    if (!dates) {
      dates = new Set(localHolidaysObservedIn(year, locals).map((h) => h.date));
      localByYear.set(year, dates);
    }
    return dates.has(date);
  };
  return (day) => {
    const weekday = weekdayOfDayNumber(day);
    if (weekday === 0 || weekday === 6) return false;
    const date = fromDayNumber(day);
    if (extra.has(date)) return false;
    if (removed.has(date)) return true;
    return !lawHolidaysObservedIn(Number(date.slice(0, 4))).has(date) && !isLocal(date);
  };
}

/**
 * True for Monday–Friday dates that are not a national holiday (after `overrides`).
 * `removedHolidays` never turns a Saturday or Sunday into a business day.
 * @throws RangeError when `date` is not a valid LocalDate.
 */
export function isBusinessDay(date: LocalDate, overrides?: CalendarOverrides): boolean {
  return businessDayTest(overrides)(toDayNumber(date));
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  }
}

/**
 * The `n`-th business day after `date`, counting from the day after it (COA art. 158: a término
 * starts the day after notification). `n = 0` returns `date` itself, business day or not.
 *
 * Example: notified Friday 2025-10-31, 10 días hábiles end on 2025-11-18 (3 and 4 November are
 * holidays).
 *
 * @param n non-negative integer.
 * @throws RangeError on an invalid date or `n`.
 */
export function addBusinessDays(
  date: LocalDate,
  n: number,
  overrides?: CalendarOverrides,
): LocalDate {
  checkCount(n, 'n');
  const isBusiness = businessDayTest(overrides);
  let day = toDayNumber(date);
  for (let counted = 0; counted < n;) {
    day += 1;
    if (isBusiness(day)) counted += 1;
  }
  return fromDayNumber(day);
}

/**
 * Business days in the interval (`from`, `to`]: after `from`, up to and including `to`. So
 * `businessDaysBetween(d, addBusinessDays(d, n)) === n`. Negative (the same count, negated) when
 * `to` is before `from`; 0 when they are equal.
 * @throws RangeError on an invalid date.
 */
export function businessDaysBetween(
  from: LocalDate,
  to: LocalDate,
  overrides?: CalendarOverrides,
): number {
  const start = toDayNumber(from);
  const end = toDayNumber(to);
  if (end < start) return -businessDaysBetween(to, from, overrides);
  const isBusiness = businessDayTest(overrides);
  let count = 0;
  for (let day = start + 1; day <= end; day++) if (isBusiness(day)) count += 1;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Instants
// ---------------------------------------------------------------------------------------------

function checkInstant(instant: Date): number {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  return ms;
}

/**
 * The America/Guayaquil calendar date of an instant (fixed UTC−05:00).
 * E.g. `2025-11-01T03:00:00Z` → `"2025-10-31"`.
 * @throws RangeError on an invalid Date.
 */
export function toLocalDate(instant: Date): LocalDate {
  const ms = checkInstant(instant);
  return fromDayNumber(Math.floor((ms + GUAYAQUIL_OFFSET_MS) / MS_PER_DAY));
}

/**
 * The instant a local date starts (`00:00:00.000` in Guayaquil, 05:00 UTC) or ends
 * (`23:59:59.999`, 04:59:59.999 UTC the next day).
 * @param time @default 'start'
 * @throws RangeError when `date` is not a valid LocalDate.
 */
export function localDateToInstant(date: LocalDate, time: 'start' | 'end' = 'start'): Date {
  const startMs = toDayNumber(date) * MS_PER_DAY - GUAYAQUIL_OFFSET_MS;
  return new Date(time === 'start' ? startMs : startMs + MS_PER_DAY - 1);
}

// ---------------------------------------------------------------------------------------------
// Waiting periods
// ---------------------------------------------------------------------------------------------

/** Units a policy waiting period can be written in. */
export const WAITING_PERIOD_UNITS = [
  'businessDays',
  'calendarDays',
  'hours',
  'minutes',
  'seconds',
  'months',
  'years',
] as const;

/** A policy waiting period, e.g. `{ amount: 10, unit: 'businessDays' }` (COA art. 271). */
export type WaitingPeriod = {
  /** Non-negative integer. */
  amount: number;
  unit: (typeof WAITING_PERIOD_UNITS)[number];
};

/** zod schema for a {@link WaitingPeriod}: `amount` is a non-negative integer. */
export const waitingPeriodSchema = z.object({
  amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  unit: z.enum(WAITING_PERIOD_UNITS),
});

const UNIT_MS = { hours: 3_600_000, minutes: 60_000, seconds: 1_000 } as const;

/**
 * A *plazo* of `months` months after `date`, date to date (COA art. 160): the same day of the
 * month, or the month's last day when it has no such day (31 January + 1 month → 28/29
 * February); when that day is not a business day the plazo runs to the next business day.
 * @throws RangeError on an invalid date or a negative / non-integer count.
 */
export function addPlazo(
  date: LocalDate,
  months: number,
  overrides?: CalendarOverrides,
): LocalDate {
  checkCount(months, 'months');
  const day0 = toDayNumber(date);
  const [y, m, d] = civilFromDays(day0);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  if (year > 9999) throw new RangeError(`plazo ends after year 9999`);
  let end = daysFromCivil(year, month, Math.min(d, daysInMonth(year, month)));
  if (months > 0) {
    const isBusiness = businessDayTest(overrides);
    while (!isBusiness(end)) end += 1;
  }
  return fromDayNumber(end);
}

/**
 * When a waiting period that starts at `from` runs out:
 *
 * - `businessDays`: the end (23:59:59.999 Guayaquil) of the `amount`-th business day counted
 *   from the day after `from`'s local date; `amount = 0` → the end of that same day.
 * - `calendarDays`: the end of the local day `amount` days after `from`'s local date.
 * - `months`, `years`: a plazo, date to date ({@link addPlazo}), to the end of its last day.
 * - `hours`, `minutes`, `seconds`: `from` plus exactly that much time.
 *
 * @throws RangeError on an invalid Date or a negative / non-integer amount.
 */
export function deadlineAfter(
  from: Date,
  period: WaitingPeriod,
  overrides?: CalendarOverrides,
): Date {
  const ms = checkInstant(from);
  checkCount(period.amount, 'amount');
  switch (period.unit) {
    case 'businessDays':
      return localDateToInstant(
        addBusinessDays(toLocalDate(from), period.amount, overrides),
        'end',
      );
    case 'calendarDays':
      return localDateToInstant(addCalendarDays(toLocalDate(from), period.amount), 'end');
    case 'months':
    case 'years':
      return localDateToInstant(
        addPlazo(
          toLocalDate(from),
          period.unit === 'years' ? period.amount * 12 : period.amount,
          overrides,
        ),
        'end',
      );
    case 'hours':
    case 'minutes':
    case 'seconds':
      return new Date(ms + period.amount * UNIT_MS[period.unit]);
  }
}

const UNIT_WORDS = {
  'es-EC': {
    businessDays: ['día hábil', 'días hábiles'],
    calendarDays: ['día calendario', 'días calendario'],
    hours: ['hora', 'horas'],
    minutes: ['minuto', 'minutos'],
    seconds: ['segundo', 'segundos'],
    months: ['mes', 'meses'],
    years: ['año', 'años'],
  },
  en: {
    businessDays: ['business day', 'business days'],
    calendarDays: ['calendar day', 'calendar days'],
    hours: ['hour', 'hours'],
    minutes: ['minute', 'minutes'],
    seconds: ['second', 'seconds'],
    months: ['month', 'months'],
    years: ['year', 'years'],
  },
} as const;

/**
 * Human wording of a waiting period: es-EC `"10 días hábiles"`, `"1 día hábil"`, `"48 horas"`,
 * `"5 días calendario"`; en `"10 business days"`, `"1 hour"`.
 */
export function describeWaitingPeriod(period: WaitingPeriod, locale: 'es-EC' | 'en'): string {
  const [singular, plural] = UNIT_WORDS[locale][period.unit];
  return `${period.amount} ${period.amount === 1 ? singular : plural}`;
}

/**
 * A running término recounted under a new calendar (a holiday decreed, or revoked, after the
 * term started). The business days already run up to `now`'s local date stay counted; the days
 * still to count after it are counted again under `next`, so a holiday decreed inside the rest
 * of the term moves its end by one business day. Terms in other units do not depend on holidays
 * and are returned unchanged.
 *
 * @param deadline the term's end under `previous` (the end of a local day).
 * @throws RangeError on an invalid Date.
 */
export function recountDeadline(
  deadline: Date,
  unit: WaitingPeriod['unit'],
  now: Date,
  previous?: CalendarOverrides,
  next?: CalendarOverrides,
): Date {
  if (unit !== 'businessDays' || deadline.getTime() <= now.getTime()) return deadline;
  const today = toLocalDate(now);
  const left = businessDaysBetween(today, toLocalDate(deadline), previous);
  return localDateToInstant(addBusinessDays(today, left, next), 'end');
}

/**
 * The start of the minute an instant falls in (epoch ms). People write times to the minute, so
 * a time they give in the same minute as a system instant is not "before" it.
 */
export function startOfMinute(ms: number): number {
  return ms - (ms % 60_000);
}
