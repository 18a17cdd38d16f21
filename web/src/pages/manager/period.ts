// Dashboard periods: calendar dates ("YYYY-MM-DD") in America/Guayaquil, where the unit works.
import { TIME_ZONE } from '../../format.js';

export const PRESETS = ['thisMonth', 'last3Months', 'thisYear'] as const;
export type Preset = (typeof PRESETS)[number];

export interface Period {
  from: string;
  to: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isLocalDate(value: string | null | undefined): value is string {
  if (!value || !DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Today's date in Guayaquil (the browser may sit in another zone). */
export function todayInGuayaquil(now: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

function firstOfMonth(year: number, monthIndex: number): string {
  const d = new Date(Date.UTC(year, monthIndex, 1));
  return d.toISOString().slice(0, 10);
}

export function presetPeriod(preset: Preset, today: string = todayInGuayaquil()): Period {
  const year = Number(today.slice(0, 4));
  const month = Number(today.slice(5, 7)) - 1;
  switch (preset) {
    case 'thisMonth':
      return { from: firstOfMonth(year, month), to: today };
    case 'last3Months':
      // The current month and the two before it.
      return { from: firstOfMonth(year, month - 2), to: today };
    case 'thisYear':
      return { from: `${year}-01-01`, to: today };
  }
}

export const DEFAULT_PRESET: Preset = 'last3Months';

export function matchingPreset(period: Period, today: string = todayInGuayaquil()): Preset | null {
  for (const p of PRESETS) {
    const q = presetPeriod(p, today);
    if (q.from === period.from && q.to === period.to) return p;
  }
  return null;
}
