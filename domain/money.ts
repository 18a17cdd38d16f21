/**
 * Money in US dollars (Ecuador's currency) as integer cents.
 *
 * Pure: no I/O and no `Intl`, so it runs unchanged inside Temporal's workflow sandbox. Amounts are
 * never floats: every function takes and returns integer cents, and the few places that multiply
 * use `BigInt` so that large portfolios round exactly.
 */
import { z } from 'zod';

/** An amount of money in US cents. Always a safe integer; may be negative (credits, refunds). */
export type Cents = number;

/** True when `value` is a safe integer, i.e. a usable {@link Cents} amount. */
export function isCents(value: unknown): value is Cents {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function assertCents(value: number, what = 'cents'): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${what} must be a safe integer number of cents, got ${String(value)}`);
  }
}

const MAX_CENTS = BigInt(Number.MAX_SAFE_INTEGER);

// Dot or comma as decimal mark, at most two decimals; nothing else (no grouping, no exponent).
const MONEY_TEXT = /^(-?)(\d+)(?:[.,](\d{1,2}))?$/;

/**
 * Parses a money amount as written by people and by billing exports.
 *
 * Accepts `"125.40"`, `"125.4"`, `"125"`, `"125,40"` (comma decimal mark, common in Ecuadorian
 * spreadsheets) and a leading `"-"`. Surrounding whitespace is ignored.
 * Rejects (returns `null`): blanks, thousands separators (`"1.234,50"`, `"1,234.50"`), more than
 * two decimals, a bare decimal mark (`"125."`, `".5"`), `"+"`, exponent notation, `NaN`/`Infinity`,
 * and amounts beyond `Number.MAX_SAFE_INTEGER` cents.
 *
 * @returns the amount in cents, or `null` when the text is not a plain money amount.
 */
export function parseMoney(text: string): Cents | null {
  const match = MONEY_TEXT.exec(text.trim());
  if (!match) return null;
  const [, sign, units = '', decimals = ''] = match;
  // BigInt keeps the range check exact for inputs with many digits.
  const magnitude = BigInt(units) * 100n + BigInt(decimals.padEnd(2, '0'));
  if (magnitude > MAX_CENTS) return null;
  const cents = Number(magnitude);
  return sign === '-' && cents !== 0 ? -cents : cents;
}

/**
 * Formats cents as the API's JSON money string: `"125.40"`, `"-3.05"`, `"0.00"`.
 * Dot decimal mark, exactly two decimals, no grouping. Inverse of {@link moneyStringSchema}.
 *
 * @throws RangeError when `cents` is not a safe integer.
 */
export function toDecimalString(cents: Cents): string {
  assertCents(cents);
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const rest = abs % 100;
  return `${cents < 0 ? '-' : ''}${units}.${rest < 10 ? '0' : ''}${rest}`;
}

/**
 * Largest amount, in cents, an API payload may carry: money columns are PostgreSQL `integer`
 * (USD 21,474,836.47), far above any water bill.
 */
export const MAX_API_CENTS = 2_147_483_647;

const API_MONEY = /^-?\d+\.\d{2}$/;
const API_NON_NEGATIVE_MONEY = /^\d+\.\d{2}$/;

function moneyString(pattern: RegExp, message: string) {
  return z
    .string()
    .regex(pattern, message)
    .transform((text, ctx) => {
      const cents = parseMoney(text);
      if (cents === null || Math.abs(cents) > MAX_API_CENTS) {
        ctx.issues.push({ code: 'custom', message: 'monto fuera de rango', input: text });
        return z.NEVER;
      }
      return cents;
    });
}

/**
 * zod schema for money in API payloads: a string like `"125.40"` or `"-3.05"` (dot, exactly two
 * decimals) parsed to {@link Cents}. Strings, not JSON numbers, so no client ever sends a float.
 */
export const moneyStringSchema = moneyString(
  API_MONEY,
  'monto inválido: se espera un texto como "125.40" (punto decimal, dos decimales)',
);

/** Like {@link moneyStringSchema} but rejects negative amounts (payments, fees, instalments). */
export const nonNegativeMoneyStringSchema = moneyString(
  API_NON_NEGATIVE_MONEY,
  'monto inválido: se espera un texto no negativo como "125.40" (punto decimal, dos decimales)',
);

/** zod schema for an amount already in cents (internal messages, database rows). */
export const centsSchema = z.number().int().refine(Number.isSafeInteger, 'fuera de rango');

/** Locales the product speaks. */
export type MoneyLocale = 'es-EC' | 'en';

function groupThousands(digits: string, separator: string): string {
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) {
    const start = Math.max(0, end - 3);
    out = digits.slice(start, end) + (out === '' ? '' : separator + out);
  }
  return out;
}

/**
 * Formats an amount for people, the way `Intl.NumberFormat(locale, { style: 'currency',
 * currency: 'USD' })` does with the CLDR data shipped in Node 20 (ICU), without using `Intl`
 * (the workflow sandbox must not depend on the host's locale data):
 *
 * - `es-EC`: `"$1.234,50"`, negatives `"$-1.234,50"` (CLDR puts the minus after the symbol and
 *   no space for es-EC, unlike es-ES's `"1.234,50 US$"`).
 * - `en`: `"$1,234.50"`, negatives `"-$1,234.50"`.
 *
 * @throws RangeError when `cents` is not a safe integer.
 */
export function formatUsd(cents: Cents, locale: MoneyLocale): string {
  assertCents(cents);
  const abs = Math.abs(cents);
  const rest = abs % 100;
  const decimals = `${rest < 10 ? '0' : ''}${rest}`;
  const units = String(Math.floor(abs / 100));
  if (locale === 'es-EC') {
    return `$${cents < 0 ? '-' : ''}${groupThousands(units, '.')},${decimals}`;
  }
  return `${cents < 0 ? '-' : ''}$${groupThousands(units, ',')}.${decimals}`;
}

/**
 * `cents × basisPoints / 10 000`, rounded half away from zero to whole cents
 * (1 basis point = 0.01 %; 2000 = 20 %, e.g. a 20 % down payment).
 *
 * Exact for every safe input: the product is computed with `BigInt`.
 *
 * @param basisPoints an integer; may exceed 10 000 (more than 100 %) or be negative.
 * @throws RangeError when an argument is not a safe integer or the result is not.
 */
export function percentOf(cents: Cents, basisPoints: number): Cents {
  assertCents(cents);
  assertCents(basisPoints, 'basisPoints');
  const product = BigInt(cents) * BigInt(basisPoints);
  const negative = product < 0n;
  const abs = negative ? -product : product;
  let quotient = abs / 10_000n;
  if ((abs % 10_000n) * 2n >= 10_000n) quotient += 1n;
  if (quotient > MAX_CENTS) throw new RangeError('percentOf result exceeds the safe range');
  const result = Number(quotient);
  return negative && result !== 0 ? -result : result;
}

/**
 * Adds amounts in cents. `sumCents([])` is 0.
 *
 * @throws RangeError when an item is not a safe integer or the total leaves the safe range.
 */
export function sumCents(values: readonly Cents[]): Cents {
  let total = 0;
  for (const value of values) {
    assertCents(value, 'item');
    total += value;
    // Both operands are safe, so an unsafe total is detected before precision is lost twice.
    if (!Number.isSafeInteger(total)) throw new RangeError('sum exceeds the safe range');
  }
  return total;
}

/**
 * Splits an amount into `n` instalments whose sum is exactly `cents`. Each instalment is the
 * amount divided by `n` (truncated toward zero); the leftover cents go one each to the first
 * instalments, so earlier ones are never smaller in magnitude than later ones:
 * `allocate(1000, 3)` → `[334, 333, 333]`, `allocate(-1000, 3)` → `[-334, -333, -333]`.
 *
 * @param n number of instalments, a positive integer.
 * @throws RangeError when `cents` is not a safe integer or `n` is not a positive integer.
 */
export function allocate(cents: Cents, n: number): Cents[] {
  assertCents(cents);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`n must be a positive integer, got ${String(n)}`);
  }
  // `%` on integers is exact, and so is dividing an exact multiple; `Math.trunc(cents / n)` is not
  // for amounts near 2^53.
  const leftover = cents % n; // |leftover| < n, same sign as cents
  const base = (cents - leftover) / n;
  const step = Math.sign(leftover);
  const count = Math.abs(leftover);
  const parts: Cents[] = new Array<Cents>(n);
  for (let i = 0; i < n; i++) parts[i] = i < count ? base + step : base;
  return parts;
}
