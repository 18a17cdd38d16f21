import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addCalendarDays,
  addPlazo,
  businessDaysBetween,
  calendarOverridesSchema,
  dayOfWeek,
  DECREED_HOLIDAY_NAME,
  deadlineAfter,
  describeWaitingPeriod,
  easterSunday,
  isBusinessDay,
  isLocalDate,
  localDateSchema,
  localHolidaySchema,
  localDateToInstant,
  nationalHolidays,
  observedHolidayDate,
  toLocalDate,
  waitingPeriodSchema,
  type CalendarOverrides,
} from '../../domain/calendar.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const datesOf = (year: number, overrides?: CalendarOverrides) =>
  nationalHolidays(year, overrides).map((holiday) => holiday.date);

describe('local dates', () => {
  it('validates YYYY-MM-DD calendar dates', () => {
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2025-02-29')).toBe(false);
    expect(isLocalDate('1900-02-29')).toBe(false);
    expect(isLocalDate('2000-02-29')).toBe(true);
    expect(isLocalDate('2025-2-01')).toBe(false);
    expect(isLocalDate('2025-13-01')).toBe(false);
    expect(isLocalDate('2025-04-31')).toBe(false);
    expect(isLocalDate('2025-04-30T00:00')).toBe(false);
    expect(isLocalDate(20250430)).toBe(false);
    expect(localDateSchema.safeParse('2025-04-31').success).toBe(false);
    expect(localDateSchema.parse('2025-04-30')).toBe('2025-04-30');
  });

  it('day arithmetic agrees with Date.UTC for random dates', () => {
    const random = prng(3);
    for (let i = 0; i < 2_000; i++) {
      const ms = Date.UTC(1600, 0, 1) + Math.floor(random() * 800 * 365.2425) * 86_400_000;
      const utc = new Date(ms);
      const date = utc.toISOString().slice(0, 10);
      const n = Math.floor(random() * 2_000) - 1_000;
      const expected = new Date(ms + n * 86_400_000).toISOString().slice(0, 10);
      if (dayOfWeek(date) !== utc.getUTCDay() || addCalendarDays(date, n) !== expected) {
        expect.fail(`${date} + ${n}`);
      }
    }
    expect(addCalendarDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addCalendarDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(() => addCalendarDays('2025-02-30', 1)).toThrow(RangeError);
  });
});

describe('easterSunday', () => {
  it.each([
    [1818, '1818-03-22'], // earliest possible
    [1943, '1943-04-25'], // latest possible
    [2000, '2000-04-23'],
    [2008, '2008-03-23'],
    [2019, '2019-04-21'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('%d → %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it('is always a Sunday between 22 March and 25 April', () => {
    for (let year = 1583; year <= 3000; year++) {
      const easter = easterSunday(year);
      const monthDay = easter.slice(5);
      if (dayOfWeek(easter) !== 0 || monthDay < '03-22' || monthDay > '04-25') expect.fail(easter);
    }
  });
});

describe('nationalHolidays: official lists', () => {
  // Ministerio de Turismo's 2024 calendar, as published by Qué Noticias ("Febrero tiene cuatro
  // días de descanso: mira el calendario de feriados en Ecuador de 2024") and elyex.com
  // ("Calendario de feriados ya está definido").
  it('2024', () => {
    expect(datesOf(2024)).toEqual([
      '2024-01-01', // Año Nuevo (Mon)
      '2024-02-12', // Carnaval
      '2024-02-13',
      '2024-03-29', // Viernes Santo
      '2024-05-03', // 1 May, Wed → Fri
      '2024-05-24', // Fri
      '2024-08-09', // 10 Aug, Sat → Fri
      '2024-10-11', // 9 Oct, Wed → Fri
      '2024-11-01', // 2 Nov, Sat → Fri
      '2024-11-04', // 3 Nov, Sun → Mon
      '2024-12-25', // Wed, never moved
    ]);
  });

  // Ministerio de Turismo's 2025 calendar, as reported by El Comercio ("¿Cuántos feriados habrá en
  // Ecuador en 2025?", Jan 2025) and Notiamazonía ("Listo calendario de feriados en Ecuador para
  // 2025"). The decree of President Noboa added 2 and 3 January 2025 as rest days.
  it('2025', () => {
    expect(datesOf(2025)).toEqual([
      '2025-01-01', // Wed, never moved
      '2025-03-03', // Carnaval
      '2025-03-04',
      '2025-04-18', // Viernes Santo
      '2025-05-02', // 1 May, Thu → Fri
      '2025-05-23', // 24 May, Sat → Fri
      '2025-08-11', // 10 Aug, Sun → Mon
      '2025-10-10', // 9 Oct, Thu → Fri
      '2025-11-03', // Independencia de Cuenca (Mon)
      '2025-11-04', // Día de los Difuntos, Sun 2 Nov → Tue
      '2025-12-25', // Thu, never moved
    ]);
    expect(datesOf(2025, { extraHolidays: ['2025-01-02', '2025-01-03'] }).slice(0, 4)).toEqual([
      '2025-01-01',
      '2025-01-02',
      '2025-01-03',
      '2025-03-03',
    ]);
  });

  // Viceministerio de Turismo's 2026–2030 calendar (published 1 Sep 2025), as reported by Ecuavisa
  // ("Estos son los feriados obligatorios para el 2026", 24 Dec 2025) and Teleamazonas (12 Jan
  // 2026). Executive decree (Ecuavisa, 24 Dec 2025) also suspended work on Friday 2 January 2026.
  it('2026', () => {
    expect(nationalHolidays(2026)).toEqual([
      { date: '2026-01-01', name: 'Año Nuevo', officialDate: '2026-01-01' },
      { date: '2026-02-16', name: 'Carnaval (lunes)', officialDate: '2026-02-16' },
      { date: '2026-02-17', name: 'Carnaval (martes)', officialDate: '2026-02-17' },
      { date: '2026-04-03', name: 'Viernes Santo', officialDate: '2026-04-03' },
      { date: '2026-05-01', name: 'Día del Trabajo', officialDate: '2026-05-01' },
      { date: '2026-05-25', name: 'Batalla de Pichincha', officialDate: '2026-05-24' },
      { date: '2026-08-10', name: 'Primer Grito de Independencia', officialDate: '2026-08-10' },
      { date: '2026-10-09', name: 'Independencia de Guayaquil', officialDate: '2026-10-09' },
      { date: '2026-11-02', name: 'Día de los Difuntos', officialDate: '2026-11-02' },
      { date: '2026-11-03', name: 'Independencia de Cuenca', officialDate: '2026-11-03' },
      { date: '2026-12-25', name: 'Navidad', officialDate: '2026-12-25' },
    ]);
    expect(nationalHolidays(2026, { extraHolidays: ['2026-01-02'] })[1]).toEqual({
      date: '2026-01-02',
      name: DECREED_HOLIDAY_NAME,
      officialDate: '2026-01-02',
    });
  });

  // 2017: the first calendar under the 2016 law, as announced by President Correa (Expectativa:
  // "Presidente ratifica que feriados de 25 de diciembre y 1 de enero pasarán a lunes").
  it('2017', () => {
    expect(datesOf(2017)).toEqual([
      '2017-01-02',
      '2017-02-27',
      '2017-02-28',
      '2017-04-14',
      '2017-05-01',
      '2017-05-26',
      '2017-08-11',
      '2017-10-09',
      '2017-11-02',
      '2017-11-03',
      '2017-12-25',
    ]);
  });

  it('1 January and 25 December move only off a weekend, across the year boundary', () => {
    // 25 Dec 2021 and 1 Jan 2022 were Saturdays: observed Fri 24 and Fri 31 Dec 2021 (Qué Noticias,
    // "Conoce cómo será el feriado de Navidad y Año Nuevo en Ecuador").
    const h2021 = nationalHolidays(2021);
    expect(h2021.slice(-2)).toEqual([
      { date: '2021-12-24', name: 'Navidad', officialDate: '2021-12-25' },
      { date: '2021-12-31', name: 'Año Nuevo', officialDate: '2022-01-01' },
    ]);
    expect(nationalHolidays(2022).some((h) => h.name === 'Año Nuevo')).toBe(false);
    // Sunday 25 Dec 2022 → Mon 26; Sunday 1 Jan 2023 → Mon 2 (El Universo, Dec 2022).
    expect(datesOf(2022)).toContain('2022-12-26');
    expect(datesOf(2023)[0]).toBe('2023-01-02');
    // Wednesday: never moved.
    expect(datesOf(2024)).toContain('2024-12-25');
    expect(datesOf(2025)[0]).toBe('2025-01-01');
  });
});

describe('holiday moving rule', () => {
  it.each([
    ['2025-06-01', '2025-06-02'], // Sun → Mon after
    ['2025-06-02', '2025-06-02'], // Mon stays
    ['2025-06-03', '2025-06-02'], // Tue → Mon before
    ['2025-06-04', '2025-06-06'], // Wed → Fri
    ['2025-06-05', '2025-06-06'], // Thu → Fri
    ['2025-06-06', '2025-06-06'], // Fri stays
    ['2025-06-07', '2025-06-06'], // Sat → Fri before
  ])('observedHolidayDate(%s) = %s', (official, observed) => {
    expect(observedHolidayDate(official)).toBe(observed);
  });

  // 2 and 3 November move as a pair, for every weekday of 2 November.
  it.each([
    [2025, 'Sun+Mon → Sunday to Tuesday', ['2025-11-03', '2025-11-04']],
    [2026, 'Mon+Tue stay', ['2026-11-02', '2026-11-03']],
    [2021, 'Tue+Wed → Wednesday to Monday', ['2021-11-01', '2021-11-02']],
    [2022, 'Wed+Thu → Wednesday to Friday', ['2022-11-03', '2022-11-04']],
    [2023, 'Thu+Fri stay', ['2023-11-02', '2023-11-03']],
    [2018, 'Fri+Sat → Saturday to Thursday', ['2018-11-01', '2018-11-02']],
    [2024, 'Sat+Sun → Friday and Monday', ['2024-11-01', '2024-11-04']],
  ])('%d: %s', (year, _rule, dates) => {
    expect(datesOf(year).filter((date) => date.slice(5, 7) === '11')).toEqual(dates);
  });

  it('Carnival is the Monday and Tuesday before Ash Wednesday (Easter − 48/47), never moved', () => {
    expect(datesOf(2024).slice(1, 3)).toEqual(['2024-02-12', '2024-02-13']);
    expect(datesOf(2025).slice(1, 3)).toEqual(['2025-03-03', '2025-03-04']);
    expect(datesOf(2026).slice(1, 3)).toEqual(['2026-02-16', '2026-02-17']);
    for (let year = 2017; year <= 2100; year++) {
      const easter = easterSunday(year);
      const holidays = nationalHolidays(year);
      const monday = holidays.find((h) => h.name === 'Carnaval (lunes)')!.date;
      const tuesday = holidays.find((h) => h.name === 'Carnaval (martes)')!.date;
      const goodFriday = holidays.find((h) => h.name === 'Viernes Santo')!.date;
      const ashWednesday = addCalendarDays(easter, -46);
      if (
        addCalendarDays(ashWednesday, -2) !== monday ||
        addCalendarDays(ashWednesday, -1) !== tuesday ||
        addCalendarDays(easter, -2) !== goodFriday ||
        dayOfWeek(monday) !== 1
      ) {
        expect.fail(String(year));
      }
    }
  });

  it('every year: 11 holidays by law, all on weekdays, mid-week only where the law allows', () => {
    const midWeekAllowed = new Set([
      'Año Nuevo',
      'Navidad',
      'Carnaval (martes)',
      'Día de los Difuntos',
      'Independencia de Cuenca',
    ]);
    const byOfficialYear = new Map<number, number>();
    for (let year = 2017; year <= 2200; year++) {
      for (const holiday of nationalHolidays(year)) {
        const weekday = dayOfWeek(holiday.date);
        const officialYear = Number(holiday.officialDate.slice(0, 4));
        byOfficialYear.set(officialYear, (byOfficialYear.get(officialYear) ?? 0) + 1);
        const midWeek = weekday >= 2 && weekday <= 4;
        // No move is longer than two days (Wednesday → Friday, or within the November pair).
        const near = [-2, -1, 0, 1, 2].some(
          (k) => addCalendarDays(holiday.officialDate, k) === holiday.date,
        );
        if (
          weekday === 0 ||
          weekday === 6 ||
          (midWeek && !midWeekAllowed.has(holiday.name)) ||
          !near
        ) {
          expect.fail(JSON.stringify(holiday));
        }
      }
    }
    for (let year = 2018; year <= 2199; year++) expect(byOfficialYear.get(year)).toBe(11);
  });

  it('overrides add decreed days and remove holidays', () => {
    const overrides = { extraHolidays: ['2025-04-17'], removedHolidays: ['2025-10-10'] };
    expect(calendarOverridesSchema.parse(overrides)).toEqual(overrides);
    const dates = datesOf(2025, overrides);
    expect(dates).toContain('2025-04-17');
    expect(dates).not.toContain('2025-10-10');
    expect(isBusinessDay('2025-04-17', overrides)).toBe(false);
    expect(isBusinessDay('2025-10-10', overrides)).toBe(true);
    // Overrides of another year do not leak in.
    expect(datesOf(2024, overrides)).toEqual(datesOf(2024));
    expect(calendarOverridesSchema.safeParse({ extraHolidays: ['2025-02-30'] }).success).toBe(
      false,
    );
  });

  it('rejects years outside the Gregorian range', () => {
    expect(() => nationalHolidays(1582)).toThrow(RangeError);
    expect(() => nationalHolidays(2025.5)).toThrow(RangeError);
  });
});

describe('business days', () => {
  it('weekends and holidays are not business days; a moved-away date is', () => {
    expect(isBusinessDay('2025-06-06')).toBe(true); // Friday
    expect(isBusinessDay('2025-06-07')).toBe(false); // Saturday
    expect(isBusinessDay('2025-06-08')).toBe(false); // Sunday
    expect(isBusinessDay('2025-04-18')).toBe(false); // Viernes Santo
    expect(isBusinessDay('2025-05-01')).toBe(true); // 1 May 2025 (Thu) is observed on Fri 2 May
    expect(isBusinessDay('2025-05-02')).toBe(false);
    expect(isBusinessDay('2021-12-31')).toBe(false); // Año Nuevo 2022, moved back a year
    expect(isBusinessDay('2025-06-07', { removedHolidays: ['2025-06-07'] })).toBe(false);
  });

  it('10 días hábiles across the November holidays and two weekends', () => {
    // Notified Friday 31 Oct 2025: Sat 1, Sun 2, Mon 3 and Tue 4 (holidays) do not count;
    // Wed 5 is day 1 … Tue 18 is day 10.
    expect(addBusinessDays('2025-10-31', 10)).toBe('2025-11-18');
  });

  it('10 días hábiles across Good Friday, and with a decreed rest day', () => {
    // Notified Tue 15 Apr 2025: 16, 17, (18 Viernes Santo), 21, 22, 23, 24, 25, 28, 29, 30.
    expect(addBusinessDays('2025-04-15', 10)).toBe('2025-04-30');
    // The government also gave Thu 17 Apr 2025 off (El Universo); 1 May (Thu) is then day 10
    // because that holiday was observed on Fri 2 May.
    expect(addBusinessDays('2025-04-15', 10, { extraHolidays: ['2025-04-17'] })).toBe('2025-05-01');
  });

  it('counts across Carnival and the new year', () => {
    expect(addBusinessDays('2026-02-13', 10)).toBe('2026-03-03');
    // 3 días hábiles (orden de pago inmediato) notified on Christmas Eve 2025.
    expect(addBusinessDays('2025-12-24', 3)).toBe('2025-12-30');
    expect(addBusinessDays('2025-12-30', 3)).toBe('2026-01-05');
    expect(addBusinessDays('2025-12-30', 3, { extraHolidays: ['2026-01-02'] })).toBe('2026-01-06');
  });

  it('starts counting the day after, even when notified on a weekend or holiday', () => {
    expect(addBusinessDays('2025-05-24', 10)).toBe('2025-06-06'); // Saturday
    expect(addBusinessDays('2025-05-23', 1)).toBe('2025-05-26'); // observed holiday, Friday
    expect(addBusinessDays('2025-06-07', 0)).toBe('2025-06-07'); // n = 0: the date itself
  });

  it('rejects a negative or fractional count and invalid dates', () => {
    expect(() => addBusinessDays('2025-06-02', -1)).toThrow(RangeError);
    expect(() => addBusinessDays('2025-06-02', 1.5)).toThrow(RangeError);
    expect(() => addBusinessDays('2025-06-31', 1)).toThrow(RangeError);
    expect(() => isBusinessDay('02/06/2025')).toThrow(RangeError);
  });

  it('businessDaysBetween counts (from, to] and inverts addBusinessDays', () => {
    expect(businessDaysBetween('2025-10-31', '2025-11-18')).toBe(10);
    expect(businessDaysBetween('2025-11-18', '2025-10-31')).toBe(-10);
    expect(businessDaysBetween('2025-06-02', '2025-06-02')).toBe(0);
    expect(businessDaysBetween('2025-06-06', '2025-06-08')).toBe(0); // Fri → Sun
    const random = prng(11);
    const overrides = { extraHolidays: ['2026-01-02'], removedHolidays: ['2025-10-10'] };
    for (let i = 0; i < 2_000; i++) {
      const start = addCalendarDays('2017-01-01', Math.floor(random() * 365 * 14));
      const n = Math.floor(random() * 60);
      const end = addBusinessDays(start, n, overrides);
      if (
        businessDaysBetween(start, end, overrides) !== n ||
        (n > 0 && !isBusinessDay(end, overrides))
      ) {
        expect.fail(`${start} + ${n} = ${end}`);
      }
    }
  });
});

describe('instants in America/Guayaquil (UTC−05:00)', () => {
  it('maps instants to local dates', () => {
    expect(toLocalDate(new Date('2025-11-01T03:00:00Z'))).toBe('2025-10-31');
    expect(toLocalDate(new Date('2025-11-01T04:59:59.999Z'))).toBe('2025-10-31');
    expect(toLocalDate(new Date('2025-11-01T05:00:00Z'))).toBe('2025-11-01');
    expect(() => toLocalDate(new Date('nope'))).toThrow(RangeError);
  });

  it('gives the start and end of a local day', () => {
    expect(localDateToInstant('2025-10-31').toISOString()).toBe('2025-10-31T05:00:00.000Z');
    expect(localDateToInstant('2025-10-31', 'end').toISOString()).toBe('2025-11-01T04:59:59.999Z');
    expect(toLocalDate(localDateToInstant('2025-10-31', 'end'))).toBe('2025-10-31');
  });

  it('agrees with the IANA zone (via Intl, test only) for random instants since 1994', () => {
    const zone = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/Guayaquil',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    const random = prng(5);
    const from = Date.UTC(1994, 0, 1);
    const to = Date.UTC(2040, 0, 1);
    for (let i = 0; i < 3_000; i++) {
      const instant = new Date(from + Math.floor(random() * (to - from)));
      const date = toLocalDate(instant);
      if (date !== zone.format(instant)) expect.fail(instant.toISOString());
      const start = localDateToInstant(date).getTime();
      if (
        instant.getTime() < start ||
        instant.getTime() > localDateToInstant(date, 'end').getTime()
      ) {
        expect.fail(instant.toISOString());
      }
    }
  });
});

describe('deadlineAfter', () => {
  // 22:00 on Friday 31 Oct 2025 in Guayaquil is already 1 November in UTC.
  const lateFriday = new Date('2025-11-01T03:00:00Z');

  it('businessDays: end of the Nth business day after the local date', () => {
    expect(deadlineAfter(lateFriday, { amount: 10, unit: 'businessDays' }).toISOString()).toBe(
      '2025-11-19T04:59:59.999Z', // 18 Nov 23:59:59.999 local
    );
    expect(deadlineAfter(lateFriday, { amount: 0, unit: 'businessDays' }).toISOString()).toBe(
      '2025-11-01T04:59:59.999Z', // end of 31 Oct local
    );
    const overrides: CalendarOverrides = { extraHolidays: ['2025-11-05'] };
    expect(
      deadlineAfter(lateFriday, { amount: 1, unit: 'businessDays' }, overrides).toISOString(),
    ).toBe(
      '2025-11-07T04:59:59.999Z', // Thu 6 Nov local
    );
  });

  it('calendarDays: end of the local day N days later', () => {
    expect(deadlineAfter(lateFriday, { amount: 1, unit: 'calendarDays' }).toISOString()).toBe(
      '2025-11-02T04:59:59.999Z',
    );
    expect(deadlineAfter(lateFriday, { amount: 30, unit: 'calendarDays' }).toISOString()).toBe(
      '2025-12-01T04:59:59.999Z',
    );
  });

  it('hours, minutes and seconds are exact', () => {
    const from = new Date('2025-06-06T15:30:00.250Z');
    expect(deadlineAfter(from, { amount: 48, unit: 'hours' }).toISOString()).toBe(
      '2025-06-08T15:30:00.250Z',
    );
    expect(deadlineAfter(from, { amount: 90, unit: 'minutes' }).toISOString()).toBe(
      '2025-06-06T17:00:00.250Z',
    );
    expect(deadlineAfter(from, { amount: 5, unit: 'seconds' }).toISOString()).toBe(
      '2025-06-06T15:30:05.250Z',
    );
    expect(deadlineAfter(from, { amount: 0, unit: 'hours' }).getTime()).toBe(from.getTime());
  });

  it('rejects bad input', () => {
    expect(() => deadlineAfter(lateFriday, { amount: -1, unit: 'hours' })).toThrow(RangeError);
    expect(() => deadlineAfter(lateFriday, { amount: 1.5, unit: 'businessDays' })).toThrow(
      RangeError,
    );
    expect(() => deadlineAfter(new Date(Number.NaN), { amount: 1, unit: 'hours' })).toThrow(
      RangeError,
    );
  });
});

describe('plazos date to date: addPlazo (COA art. 160)', () => {
  it('falls on the same day of the month, or the last day of the month when it has none', () => {
    expect(addPlazo('2026-03-10', 1)).toBe('2026-04-10');
    expect(addPlazo('2025-01-31', 1)).toBe('2025-02-28');
    expect(addPlazo('2024-01-31', 1)).toBe('2024-02-29'); // leap year
    expect(addPlazo('2025-01-31', 2)).toBe('2025-03-31');
    expect(addPlazo('2025-11-30', 2)).toBe('2026-01-30'); // across the year
    expect(addPlazo('2024-02-29', 12)).toBe('2025-02-28');
  });

  it('counts every month from the start, not from the previous plazo', () => {
    expect(addPlazo(addPlazo('2025-01-31', 1), 1)).toBe('2025-03-28');
    expect(addPlazo('2025-01-31', 2)).toBe('2025-03-31');
  });

  it('runs to the next business day when the last day is not one', () => {
    // 15 February 2026 is a Sunday, 16 and 17 February Carnival.
    expect(addPlazo('2026-01-15', 1)).toBe('2026-02-18');
    // 29 February 2028 is Carnival Tuesday.
    expect(addPlazo('2024-02-29', 48)).toBe('2028-03-01');
    // A decreed rest day in the overrides: Friday 2 January 2026.
    expect(addPlazo('2025-12-02', 1)).toBe('2026-01-02');
    expect(addPlazo('2025-12-02', 1, { extraHolidays: ['2026-01-02'] })).toBe('2026-01-05');
  });

  it('a plazo of zero months is the day itself, business day or not', () => {
    expect(addPlazo('2026-03-15', 0)).toBe('2026-03-15'); // a Sunday
  });

  it('rejects a negative or fractional count, an invalid date, and years after 9999', () => {
    expect(() => addPlazo('2026-03-10', -1)).toThrow(RangeError);
    expect(() => addPlazo('2026-03-10', 1.5)).toThrow(RangeError);
    expect(() => addPlazo('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addPlazo('9999-06-01', 12)).toThrow(RangeError);
  });
});

describe("local holidays (the canton's, policy calendar.localHolidays)", () => {
  const machala = DEFAULT_POLICY.calendar;

  it('Cantonización de Machala (25 June) is observed under the moving rule', () => {
    // 2026: Thursday → Friday 26; 2027: Friday, stays; 2028: Sunday → Monday 26;
    // 2029: Monday, stays; 2030: Tuesday → Monday 24.
    const observed = (year: number) =>
      nationalHolidays(year, machala).filter((h) => h.name === 'Cantonización de Machala');
    expect(observed(2026)).toEqual([
      { date: '2026-06-26', name: 'Cantonización de Machala', officialDate: '2026-06-25' },
    ]);
    expect(observed(2027).map((h) => h.date)).toEqual(['2027-06-25']);
    expect(observed(2028).map((h) => h.date)).toEqual(['2028-06-26']);
    expect(observed(2029).map((h) => h.date)).toEqual(['2029-06-25']);
    expect(observed(2030).map((h) => h.date)).toEqual(['2030-06-24']);
    expect(observedHolidayDate('2030-06-25')).toBe('2030-06-24');
  });

  it('the observed day is not a business day, the official one is when it moved', () => {
    expect(isBusinessDay('2026-06-26', machala)).toBe(false);
    expect(isBusinessDay('2026-06-25', machala)).toBe(true);
    expect(isBusinessDay('2026-06-26')).toBe(true); // without the canton's holiday
    expect(addBusinessDays('2026-06-24', 2, machala)).toBe('2026-06-29');
    expect(addBusinessDays('2026-06-24', 2)).toBe('2026-06-26');
    expect(businessDaysBetween('2026-06-24', '2026-06-29', machala)).toBe(2);
  });

  it('a decree can move it away like a national holiday', () => {
    const removed = { ...machala, removedHolidays: ['2026-06-26'] };
    expect(isBusinessDay('2026-06-26', removed)).toBe(true);
  });

  it('the schema refuses days that do not exist every year', () => {
    const holiday = (month: number, day: number) =>
      localHolidaySchema.safeParse({ month, day, name: 'Fiesta' }).success;
    expect(holiday(6, 25)).toBe(true);
    expect(holiday(2, 29)).toBe(false);
    expect(holiday(4, 31)).toBe(false);
    expect(holiday(13, 1)).toBe(false);
    expect(
      calendarOverridesSchema.safeParse({ localHolidays: [{ month: 6, day: 25 }] }).success,
    ).toBe(false);
  });
});

describe('deadlineAfter: months and years (plazos)', () => {
  // 22:00 on Friday 31 Oct 2025 in Guayaquil is already 1 November in UTC.
  const lateFriday = new Date('2025-11-01T03:00:00Z');
  const machala = DEFAULT_POLICY.calendar;

  it('months: the end of the same-numbered (or last) day, moved off a non-business day', () => {
    // 30 November 2025 is a Sunday → Monday 1 December.
    expect(deadlineAfter(lateFriday, { amount: 1, unit: 'months' }, machala).toISOString()).toBe(
      '2025-12-02T04:59:59.999Z',
    );
    // 28 February 2026 (no 31st) is a Saturday → Monday 2 March.
    expect(deadlineAfter(lateFriday, { amount: 4, unit: 'months' }, machala).toISOString()).toBe(
      '2026-03-03T04:59:59.999Z',
    );
    expect(deadlineAfter(lateFriday, { amount: 0, unit: 'months' }).toISOString()).toBe(
      '2025-11-01T04:59:59.999Z', // end of 31 Oct local
    );
  });

  it('years: 12 months each; Saturday 31 October 2026, then 2 and 3 November, move it to the 4th', () => {
    expect(deadlineAfter(lateFriday, { amount: 1, unit: 'years' }, machala).toISOString()).toBe(
      '2026-11-05T04:59:59.999Z',
    );
    expect(
      deadlineAfter(new Date('2024-02-29T15:00:00Z'), { amount: 1, unit: 'years' }).toISOString(),
    ).toBe('2025-03-01T04:59:59.999Z'); // Friday 28 February 2025
    expect(
      deadlineAfter(new Date('2024-02-29T15:00:00Z'), { amount: 5, unit: 'years' }).toISOString(),
    ).toBe(
      deadlineAfter(new Date('2024-02-29T15:00:00Z'), { amount: 60, unit: 'months' }).toISOString(),
    );
  });
});

describe('waiting periods', () => {
  it('schema accepts non-negative integer amounts of known units', () => {
    expect(waitingPeriodSchema.parse({ amount: 10, unit: 'businessDays' })).toEqual({
      amount: 10,
      unit: 'businessDays',
    });
    expect(waitingPeriodSchema.safeParse({ amount: -1, unit: 'hours' }).success).toBe(false);
    expect(waitingPeriodSchema.safeParse({ amount: 1.5, unit: 'hours' }).success).toBe(false);
    expect(waitingPeriodSchema.safeParse({ amount: 1, unit: 'weeks' }).success).toBe(false);
    expect(waitingPeriodSchema.safeParse({ amount: 1, unit: 'months' }).success).toBe(true);
  });

  it.each([
    [{ amount: 10, unit: 'businessDays' }, '10 días hábiles', '10 business days'],
    [{ amount: 1, unit: 'businessDays' }, '1 día hábil', '1 business day'],
    [{ amount: 0, unit: 'businessDays' }, '0 días hábiles', '0 business days'],
    [{ amount: 30, unit: 'calendarDays' }, '30 días calendario', '30 calendar days'],
    [{ amount: 48, unit: 'hours' }, '48 horas', '48 hours'],
    [{ amount: 1, unit: 'hours' }, '1 hora', '1 hour'],
    [{ amount: 15, unit: 'minutes' }, '15 minutos', '15 minutes'],
    [{ amount: 1, unit: 'seconds' }, '1 segundo', '1 second'],
    [{ amount: 1, unit: 'months' }, '1 mes', '1 month'],
    [{ amount: 6, unit: 'months' }, '6 meses', '6 months'],
    [{ amount: 5, unit: 'years' }, '5 años', '5 years'],
  ] as const)('describes %j', (period, es, en) => {
    expect(describeWaitingPeriod(period, 'es-EC')).toBe(es);
    expect(describeWaitingPeriod(period, 'en')).toBe(en);
  });
});
