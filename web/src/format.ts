import type { Locale } from './i18n/index.js';

export const TIME_ZONE = 'America/Guayaquil';

const money = new Intl.NumberFormat('es-EC', { style: 'currency', currency: 'USD' });
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = cache.get(key);
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f as T;
}

/** Money arrives as a decimal string ("125.40"); always shown as USD for es-EC. */
export function formatMoney(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? money.format(n) : String(value);
}

export function formatNumber(
  value: number | string | null | undefined,
  locale: Locale,
  maxFractionDigits = 0,
): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  return cached(
    `n:${locale}:${maxFractionDigits}`,
    () => new Intl.NumberFormat(locale, { maximumFractionDigits: maxFractionDigits }),
  ).format(n);
}

/**
 * Calendar dates ("2024-03-15", e.g. invoice due dates) are shown as that same day;
 * instants (ISO timestamps) are shown in America/Guayaquil.
 */
export function formatDate(value: string | null | undefined, locale: Locale): string {
  if (!value) return '—';
  if (DATE_ONLY.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(d.getTime())) return value;
    return cached(
      `d:${locale}:utc`,
      () =>
        new Intl.DateTimeFormat(locale, {
          timeZone: 'UTC',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
        }),
    ).format(d);
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return cached(
    `d:${locale}:gye`,
    () =>
      new Intl.DateTimeFormat(locale, {
        timeZone: TIME_ZONE,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }),
  ).format(d);
}

export function formatDateTime(value: string | null | undefined, locale: Locale): string {
  if (!value) return '—';
  if (DATE_ONLY.test(value)) return formatDate(value, locale);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return cached(
    `dt:${locale}`,
    () =>
      new Intl.DateTimeFormat(locale, {
        timeZone: TIME_ZONE,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }),
  ).format(d);
}
