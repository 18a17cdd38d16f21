import { describe, expect, it } from 'vitest';
import {
  allocate,
  centsSchema,
  formatUsd,
  isCents,
  MAX_API_CENTS,
  moneyStringSchema,
  nonNegativeMoneyStringSchema,
  parseMoney,
  percentOf,
  sumCents,
  toDecimalString,
} from '../../domain/money.js';

// Deterministic PRNG (mulberry32) so property loops are reproducible.
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

describe('parseMoney', () => {
  it.each([
    ['125.40', 12540],
    ['125.4', 12540],
    ['125', 12500],
    ['125,40', 12540],
    ['125,4', 12540],
    ['0.05', 5],
    ['0', 0],
    ['-3.05', -305],
    ['-0,5', -50],
    ['007.50', 750],
    ['  42.10 ', 4210],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('parses %j as %d cents', (text, cents) => {
    expect(parseMoney(text)).toBe(cents);
  });

  it('never returns negative zero', () => {
    expect(Object.is(parseMoney('-0.00'), 0)).toBe(true);
  });

  it.each([
    '',
    '   ',
    '1.234,50',
    '1,234.50',
    '1 234.50',
    '1234.567',
    '12.',
    '.5',
    ',5',
    '+12.50',
    '--1',
    '- 1',
    '1e3',
    '1E3',
    'NaN',
    'Infinity',
    '0x10',
    '$12.50',
    '12.50 USD',
    '١٢٣', // non-ASCII digits
    '90071992547409.92', // MAX_SAFE_INTEGER + 1 cents
    '99999999999999999999999',
  ])('rejects %j', (text) => {
    expect(parseMoney(text)).toBeNull();
  });
});

describe('toDecimalString', () => {
  it.each([
    [12540, '125.40'],
    [-305, '-3.05'],
    [0, '0.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [100, '1.00'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('formats %d as %j', (cents, text) => {
    expect(toDecimalString(cents)).toBe(text);
  });

  it('rejects non-integer or unsafe cents', () => {
    expect(() => toDecimalString(1.5)).toThrow(RangeError);
    expect(() => toDecimalString(Number.NaN)).toThrow(RangeError);
    expect(() => toDecimalString(2 ** 53)).toThrow(RangeError);
  });

  it('round-trips through parseMoney and the API schema for random amounts', () => {
    const random = prng(42);
    for (let i = 0; i < 10_000; i++) {
      const magnitude = Math.floor(random() * 10 ** Math.floor(random() * 16));
      const cents = random() < 0.3 ? 0 - magnitude || 0 : magnitude; // no -0
      const text = toDecimalString(cents);
      expect(parseMoney(text)).toBe(cents);
      // The API takes what the database's integer cents hold, and refuses the rest.
      if (Math.abs(cents) <= MAX_API_CENTS) expect(moneyStringSchema.parse(text)).toBe(cents);
      else expect(moneyStringSchema.safeParse(text).success).toBe(false);
    }
  });
});

describe('moneyStringSchema', () => {
  it('accepts the API format and yields cents', () => {
    expect(moneyStringSchema.parse('125.40')).toBe(12540);
    expect(moneyStringSchema.parse('-3.05')).toBe(-305);
  });

  it.each(['125.4', '125', '125,40', '1,234.50', ' 1.00', '1e2', ''])(
    'rejects %j (the API wants exactly two decimals after a dot)',
    (text) => {
      expect(moneyStringSchema.safeParse(text).success).toBe(false);
    },
  );

  it('rejects JSON numbers: money travels as strings', () => {
    expect(moneyStringSchema.safeParse(125.4).success).toBe(false);
  });

  it('rejects amounts beyond the safe range with a message', () => {
    const result = moneyStringSchema.safeParse('90071992547409.92');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('monto fuera de rango');
  });

  it('nonNegativeMoneyStringSchema rejects negatives', () => {
    expect(nonNegativeMoneyStringSchema.parse('0.00')).toBe(0);
    expect(nonNegativeMoneyStringSchema.parse('5.86')).toBe(586);
    expect(nonNegativeMoneyStringSchema.safeParse('-0.01').success).toBe(false);
  });

  it('centsSchema accepts only safe integers', () => {
    expect(centsSchema.parse(-305)).toBe(-305);
    expect(centsSchema.safeParse(1.5).success).toBe(false);
    expect(centsSchema.safeParse(2 ** 53).success).toBe(false);
    expect(isCents(586)).toBe(true);
    expect(isCents('586')).toBe(false);
  });
});

describe('formatUsd', () => {
  it.each([
    [123450, '$1.234,50', '$1,234.50'],
    [-123450, '$-1.234,50', '-$1,234.50'],
    [0, '$0,00', '$0.00'],
    [5, '$0,05', '$0.05'],
    [-1, '$-0,01', '-$0.01'],
    [99999, '$999,99', '$999.99'],
    [123456789, '$1.234.567,89', '$1,234,567.89'],
    [586, '$5,86', '$5.86'],
  ])('formats %d cents as %j (es-EC) and %j (en)', (cents, es, en) => {
    expect(formatUsd(cents, 'es-EC')).toBe(es);
    expect(formatUsd(cents, 'en')).toBe(en);
  });

  it('matches Intl.NumberFormat (Node ICU) for random amounts', () => {
    // Intl is the reference here only; the module must not use it.
    const es = new Intl.NumberFormat('es-EC', { style: 'currency', currency: 'USD' });
    const en = new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' });
    const random = prng(7);
    for (let i = 0; i < 5_000; i++) {
      const magnitude = Math.floor(random() * 10 ** Math.floor(random() * 12));
      const cents = random() < 0.3 ? 0 - magnitude || 0 : magnitude; // no -0
      expect(formatUsd(cents, 'es-EC')).toBe(es.format(cents / 100));
      expect(formatUsd(cents, 'en')).toBe(en.format(cents / 100));
    }
  });
});

describe('percentOf', () => {
  it('takes a 20 % down payment', () => {
    expect(percentOf(50_000, 2000)).toBe(10_000);
  });

  it('rounds half up (away from zero)', () => {
    expect(percentOf(1, 5000)).toBe(1); // 0.5 → 1
    expect(percentOf(3, 5000)).toBe(2); // 1.5 → 2
    expect(percentOf(1, 4999)).toBe(0); // 0.4999 → 0
    expect(percentOf(-1, 5000)).toBe(-1); // −0.5 → −1
    expect(percentOf(-3, 4999)).toBe(-1); // −1.4997 → −1
    expect(percentOf(12_345, 1250)).toBe(1543); // 1543.125 → 1543
    expect(percentOf(12_347, 1250)).toBe(1543); // 1543.375 → 1543
    expect(percentOf(12_348, 1250)).toBe(1544); // 1543.5 → 1544
  });

  it('handles 0, 100 % and more than 100 %', () => {
    expect(percentOf(12_345, 0)).toBe(0);
    expect(percentOf(12_345, 10_000)).toBe(12_345);
    expect(percentOf(12_345, 15_000)).toBe(18_518); // 18517.5 → 18518
    expect(Object.is(percentOf(-1, 1), 0)).toBe(true); // −0.0001 → 0, not −0
  });

  it('is exact where float arithmetic is not', () => {
    const big = 9_000_000_000_000_001; // < 2^53
    expect(percentOf(big, 10_000)).toBe(big);
    expect(percentOf(Number.MAX_SAFE_INTEGER, 5000)).toBe(4_503_599_627_370_496); // .5 → up
  });

  it('rejects non-integer basis points and unsafe results', () => {
    expect(() => percentOf(100, 12.5)).toThrow(RangeError);
    expect(() => percentOf(Number.MAX_SAFE_INTEGER, 20_000)).toThrow(RangeError);
  });
});

describe('sumCents', () => {
  it('adds integer cents', () => {
    expect(sumCents([])).toBe(0);
    expect(sumCents([586, 586, -100])).toBe(1072);
  });

  it('rejects floats and overflow', () => {
    expect(() => sumCents([1, 0.5])).toThrow(RangeError);
    expect(() => sumCents([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
  });
});

describe('allocate', () => {
  it('gives the remainder to the first instalments', () => {
    expect(allocate(1000, 3)).toEqual([334, 333, 333]);
    expect(allocate(1001, 4)).toEqual([251, 250, 250, 250]);
    expect(allocate(1003, 4)).toEqual([251, 251, 251, 250]);
    expect(allocate(100, 1)).toEqual([100]);
    expect(allocate(2, 5)).toEqual([1, 1, 0, 0, 0]);
    expect(allocate(0, 3)).toEqual([0, 0, 0]);
    expect(allocate(-1000, 3)).toEqual([-334, -333, -333]);
  });

  it('sums exactly and never differs by more than a cent, for random splits', () => {
    const random = prng(2024);
    for (let i = 0; i < 10_000; i++) {
      const magnitude = Math.floor(random() * 10 ** Math.floor(random() * 15));
      const cents = random() < 0.2 ? 0 - magnitude || 0 : magnitude; // no -0
      const n = 1 + Math.floor(random() * 36);
      const parts = allocate(cents, n);
      const magnitudes = parts.map(Math.abs);
      const nonIncreasing = magnitudes.every((m, k) => k === 0 || m <= magnitudes[k - 1]!);
      const spread = Math.max(...magnitudes) - Math.min(...magnitudes);
      if (parts.length !== n || sumCents(parts) !== cents || !nonIncreasing || spread > 1) {
        expect.fail(`allocate(${cents}, ${n}) = ${JSON.stringify(parts)}`);
      }
    }
  });

  it('is exact near the safe limit', () => {
    const parts = allocate(Number.MAX_SAFE_INTEGER, 7);
    expect(sumCents(parts)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects a non-positive or fractional count', () => {
    expect(() => allocate(100, 0)).toThrow(RangeError);
    expect(() => allocate(100, 2.5)).toThrow(RangeError);
    expect(() => allocate(1.5, 2)).toThrow(RangeError);
  });
});
