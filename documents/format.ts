/**
 * How documents write dates, amounts, identifications and terms in Spanish (es-EC). Pure and
 * without `Intl`, so the same input always prints the same text whatever the host's locale data.
 */
import {
  describeWaitingPeriod,
  isLocalDate,
  toLocalDate,
  type LocalDate,
  type WaitingPeriod,
} from '../domain/calendar.js';
import { validateIdentification } from '../domain/ecuador-id.js';
import { formatUsd, type Cents } from '../domain/money.js';

const MONTHS = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
] as const;

/** `"2026-03-10"` → `"10 de marzo de 2026"`. */
export function longDate(date: LocalDate): string {
  if (!isLocalDate(date)) throw new RangeError(`invalid LocalDate "${date}"`);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${d} de ${MONTHS[m - 1]} de ${y}`;
}

/** `"2026-03-10"` → `"10/03/2026"` (tables). */
export function shortDate(date: LocalDate): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/** `"2025-09"` → `"septiembre 2025"`. */
export function billingPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${MONTHS[m - 1]} ${y}`;
}

/** Guayaquil is UTC−05:00 all year (see domain/calendar.ts). */
const GUAYAQUIL_OFFSET_MS = -5 * 3_600_000;

/** An ISO instant in Guayaquil time: `"10 de marzo de 2026, 14:30"`. */
export function longDateTime(iso: string): string {
  const at = new Date(iso);
  const local = new Date(at.getTime() + GUAYAQUIL_OFFSET_MS).toISOString();
  return `${longDate(toLocalDate(at))}, ${local.slice(11, 16)}`;
}

/** `"$1.234,50"`. */
export function usd(cents: Cents): string {
  return formatUsd(cents, 'es-EC');
}

/** `"cédula 0102030405"`, `"RUC 0790012345001"`. */
export function identificationLabel(id: string): string {
  const checked = validateIdentification(id, { verifyCompanyRucCheckDigit: false });
  return `${checked.ok && checked.kind === 'cedula' ? 'cédula' : 'RUC'} ${id}`;
}

/** `"Cédula"` or `"RUC"`, for a label next to the number. */
export function identificationKind(id: string): 'Cédula' | 'RUC' {
  const checked = validateIdentification(id, { verifyCompanyRucCheckDigit: false });
  return checked.ok && checked.kind === 'cedula' ? 'Cédula' : 'RUC';
}

/** `"10 días hábiles"`, `"48 horas"`. */
export function term(period: WaitingPeriod): string {
  return describeWaitingPeriod(period, 'es-EC');
}

/** `1000` bp → `"10,00 %"`. */
export function percent(basisPoints: number): string {
  const whole = Math.floor(basisPoints / 100);
  const rest = basisPoints % 100;
  return `${whole},${rest < 10 ? '0' : ''}${rest} %`;
}

const UNITS = [
  '',
  'un',
  'dos',
  'tres',
  'cuatro',
  'cinco',
  'seis',
  'siete',
  'ocho',
  'nueve',
  'diez',
  'once',
  'doce',
  'trece',
  'catorce',
  'quince',
  'dieciséis',
  'diecisiete',
  'dieciocho',
  'diecinueve',
  'veinte',
  'veintiún',
  'veintidós',
  'veintitrés',
  'veinticuatro',
  'veinticinco',
  'veintiséis',
  'veintisiete',
  'veintiocho',
  'veintinueve',
];
const TENS = [
  '',
  '',
  '',
  'treinta',
  'cuarenta',
  'cincuenta',
  'sesenta',
  'setenta',
  'ochenta',
  'noventa',
];
const HUNDREDS = [
  '',
  'ciento',
  'doscientos',
  'trescientos',
  'cuatrocientos',
  'quinientos',
  'seiscientos',
  'setecientos',
  'ochocientos',
  'novecientos',
];

function below1000(n: number): string {
  if (n === 100) return 'cien';
  const h = Math.floor(n / 100);
  const r = n % 100;
  const parts: string[] = [];
  if (h > 0) parts.push(HUNDREDS[h] ?? '');
  if (r > 0 && r < 30) parts.push(UNITS[r] ?? '');
  else if (r >= 30) {
    const t = TENS[Math.floor(r / 10)] ?? '';
    parts.push(r % 10 === 0 ? t : `${t} y ${UNITS[r % 10] ?? ''}`);
  }
  return parts.join(' ');
}

/** Whole number in Spanish words (apocopated before "dólares"): 1_250_031 → "un millón doscientos cincuenta mil treinta y un". */
export function integerInWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid amount ${n}`);
  if (n === 0) return 'cero';
  const millions = Math.floor(n / 1_000_000);
  const thousands = Math.floor((n % 1_000_000) / 1000);
  const rest = n % 1000;
  const parts: string[] = [];
  if (millions > 0)
    parts.push(millions === 1 ? 'un millón' : `${integerInWords(millions)} millones`);
  if (thousands > 0) parts.push(thousands === 1 ? 'mil' : `${below1000(thousands)} mil`);
  if (rest > 0) parts.push(below1000(rest));
  return parts.join(' ');
}

/**
 * The amount in words as legal documents write it:
 * 123456 → `"MIL DOSCIENTOS TREINTA Y CUATRO CON 56/100 DÓLARES DE LOS ESTADOS UNIDOS DE AMÉRICA"`.
 */
export function amountInWords(cents: Cents): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`invalid amount ${cents}`);
  const units = Math.floor(cents / 100);
  const rest = cents % 100;
  const words = integerInWords(units);
  return `${words} con ${rest < 10 ? '0' : ''}${rest}/100 dólares de los Estados Unidos de América`.toUpperCase();
}
