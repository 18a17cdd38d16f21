import { describe, expect, it } from 'vitest';
import {
  cedulaCheckDigit,
  identificationSchema,
  isValidCedula,
  isValidProvinceCode,
  isValidRuc,
  makeCedula,
  makeIdentificationSchema,
  makeRucNatural,
  makeRucPrivate,
  makeRucPublic,
  privateRucCheckDigit,
  publicRucCheckDigit,
  validateIdentification,
} from '../../domain/ecuador-id.js';

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

const randomInt = (random: () => number, below: number) => Math.floor(random() * below);
const randomDigits = (random: () => number, count: number) =>
  Array.from({ length: count }, () => String(randomInt(random, 10))).join('');
const provinces = [...Array.from({ length: 24 }, (_, i) => i + 1), 30];

describe('cédula', () => {
  // Hand-checked: 1714307103 → 1·2 + 7 + 1·2 + 4 + 3·2 + 0 + (7·2−9) + 1 + 0·2 = 27 → 10 − 7 = 3
  // (also python-stdnum's doctest example).
  it('accepts a known valid cédula', () => {
    expect(validateIdentification('1714307103')).toEqual({
      ok: true,
      kind: 'cedula',
      value: '1714307103',
    });
    expect(cedulaCheckDigit('171430710')).toBe(3);
  });

  it('computes check digits by hand-checked examples', () => {
    // 070123456: 0 + 7 + 0 + 1 + 4 + 3 + 8 + 5 + (12−9) = 31 → 9
    expect(makeCedula(7, '123456')).toBe('0701234569');
    // 300000001: 6 + 0 … + 2 = 8 → 2 (province 30: registered abroad)
    expect(makeCedula(30, '000001')).toBe('3000000012');
    // a sum that is a multiple of 10 gives 0: 020000004 → 0 + 2 + 0 … + 8 = 10 → 0
    expect(cedulaCheckDigit('020000004')).toBe(0);
    expect(isValidCedula('0200000040')).toBe(true);
  });

  it('trims surrounding whitespace', () => {
    expect(validateIdentification('  0701234569\n')).toMatchObject({
      ok: true,
      value: '0701234569',
    });
  });

  it('accepts a Registro Civil cédula whose third digit is 6 (issued since 2017)', () => {
    // 0962467429: 0 + 9 + 3 + 2 + 8 + 6 + 5 + 4 + 4 = 41 → 9; confirmed valid by the Registro Civil
    // (python-stdnum issue #267).
    expect(validateIdentification('0962467429')).toMatchObject({ ok: true, kind: 'cedula' });
  });

  it.each([
    ['1714307104', 'dígito verificador incorrecto'],
    ['3514307103', 'código de provincia inválido (35)'],
    ['0014307103', 'código de provincia inválido (00)'],
    ['2514307103', 'código de provincia inválido (25)'],
    ['1774307103', 'tercer dígito inválido para una cédula (7)'],
    ['1794307103', 'tercer dígito inválido para una cédula (9)'],
    ['171430710', 'debe tener 10 (cédula) o 13 (RUC) dígitos; tiene 9'],
    ['17143071031', 'debe tener 10 (cédula) o 13 (RUC) dígitos; tiene 11'],
    ['171430710-3', 'solo puede contener dígitos'],
    ['17143071O3', 'solo puede contener dígitos'],
    ['1714 307103', 'solo puede contener dígitos'],
    ['', 'la identificación está vacía'],
    ['   ', 'la identificación está vacía'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(validateIdentification(raw)).toEqual({ ok: false, reason });
  });

  it('province codes are 01–24 and 30', () => {
    expect(provinces.every(isValidProvinceCode)).toBe(true);
    expect([0, 25, 29, 31, 50, 99, 1.5].some(isValidProvinceCode)).toBe(false);
  });

  it('makeCedula rejects bad input', () => {
    expect(() => makeCedula(25, '123456')).toThrow(RangeError);
    expect(() => makeCedula(7, '12345')).toThrow(RangeError);
    expect(() => makeCedula(7, '123456', 6)).toThrow(RangeError);
    expect(() => cedulaCheckDigit('12345678')).toThrow(RangeError);
  });

  it('property: 10,000 random cédulas from makeCedula validate, and any changed digit invalidates', () => {
    const random = prng(1);
    for (let i = 0; i < 10_000; i++) {
      const province = provinces[randomInt(random, provinces.length)]!;
      const cedula = makeCedula(province, randomDigits(random, 6), randomInt(random, 6));
      const flippedLast =
        cedula.slice(0, 9) + String((Number(cedula[9]) + 1 + randomInt(random, 9)) % 10);
      const position = randomInt(random, 10);
      const changed =
        cedula.slice(0, position) +
        String((Number(cedula[position]) + 1 + randomInt(random, 9)) % 10) +
        cedula.slice(position + 1);
      if (!isValidCedula(cedula) || isValidCedula(flippedLast) || isValidCedula(changed)) {
        expect.fail(`${cedula} / ${flippedLast} / ${changed}`);
      }
    }
  });
});

describe('RUC', () => {
  it('natural person: a valid cédula plus establishment 001–999', () => {
    expect(validateIdentification('1714307103001')).toEqual({
      ok: true,
      kind: 'ruc-natural',
      value: '1714307103001',
    });
    expect(makeRucNatural('0701234569')).toBe('0701234569001');
    expect(makeRucNatural('0701234569', 12)).toBe('0701234569012');
    expect(isValidRuc('0701234569999')).toBe(true);
    expect(validateIdentification('1714307103000')).toEqual({
      ok: false,
      reason: 'número de establecimiento inválido (000)',
    });
    expect(validateIdentification('1714307104001')).toEqual({
      ok: false,
      reason: 'dígito verificador incorrecto',
    });
    expect(() => makeRucNatural('1714307104')).toThrow(RangeError);
    expect(() => makeRucNatural('1714307103', 0)).toThrow(RangeError);
  });

  it('natural person whose cédula has third digit 6', () => {
    // 0962467429001 fails the public-entity check (09624674 → 145 mod 11 = 2 → 9 ≠ 2) but its
    // first ten digits are a valid cédula (python-stdnum issue #267, SRI-registered).
    expect(validateIdentification('0962467429001')).toMatchObject({
      ok: true,
      kind: 'ruc-natural',
    });
  });

  it('private company: módulo 11 with 4,3,2,7,6,5,4,3,2, check at position 10', () => {
    // 1792060346001: 4 + 21 + 18 + 14 + 0 + 30 + 0 + 9 + 8 = 104; 104 mod 11 = 5 → 11 − 5 = 6.
    expect(privateRucCheckDigit('179206034')).toBe(6);
    expect(validateIdentification('1792060346001')).toEqual({
      ok: true,
      kind: 'ruc-private',
      value: '1792060346001',
    });
    expect(validateIdentification('1792060345001')).toEqual({
      ok: false,
      reason: 'dígito verificador incorrecto',
    });
    expect(validateIdentification('1792060346000')).toEqual({
      ok: false,
      reason: 'número de establecimiento inválido (000)',
    });
  });

  it('módulo 11 edge cases: remainder 0 → check 0, remainder 1 → no valid number', () => {
    // 179000006: 4 + 21 + 18 + 0 … + 12 = 55 ≡ 0 (mod 11) → 0.
    expect(privateRucCheckDigit('179000006')).toBe(0);
    expect(makeRucPrivate(17, '000006')).toBe('1790000060001');
    expect(isValidRuc('1790000060001')).toBe(true);
    // 179000001: 43 + 2 = 45 ≡ 1 → 11 − 1 = 10, which is not a digit: never issued.
    expect(privateRucCheckDigit('179000001')).toBeNull();
    expect(makeRucPrivate(17, '000001')).toBeNull();
    for (let check = 0; check <= 9; check++) {
      expect(isValidRuc(`17900000${1}${check}001`)).toBe(false);
    }
    // 17600004: 3 + 14 + 42 + 0 + 0 + 0 + 0 + 8 = 67 ≡ 1 → no public check digit either.
    expect(publicRucCheckDigit('17600004')).toBeNull();
    expect(makeRucPublic(17, '00004')).toBeNull();
  });

  it('public entity: módulo 11 with 3,2,7,6,5,4,3,2, check at position 9, establishment 0001+', () => {
    // SRI's own RUC 1760013210001: 3 + 14 + 42 + 0 + 0 + 4 + 9 + 4 = 76; 76 mod 11 = 10 → 1.
    expect(publicRucCheckDigit('17600132')).toBe(1);
    expect(validateIdentification('1760013210001')).toEqual({
      ok: true,
      kind: 'ruc-public',
      value: '1760013210001',
    });
    expect(validateIdentification('1760013210000')).toEqual({
      ok: false,
      reason: 'número de establecimiento inválido (0000)',
    });
    // python-stdnum's invalid example: 17631546 → 126 mod 11 = 5 → 6, not 9; nor a cédula.
    expect(validateIdentification('1763154690001')).toEqual({
      ok: false,
      reason: 'dígito verificador incorrecto',
    });
    // 17600000 → 59 mod 11 = 4 → 7.
    expect(makeRucPublic(17, '00000')).toBe('1760000070001');
    // 07612345 → 0 + 14 + 42 + 6 + 10 + 12 + 12 + 10 = 106; 106 mod 11 = 7 → 4.
    expect(makeRucPublic(7, '12345', 12)).toBe('0761234540012');
  });

  it.each([
    ['3592060346001', 'código de provincia inválido (35)'],
    [
      '1772060346001',
      'tercer dígito inválido (7): 0–5 persona natural, 6 entidad pública, 9 sociedad privada',
    ],
    [
      '1782060346001',
      'tercer dígito inválido (8): 0–5 persona natural, 6 entidad pública, 9 sociedad privada',
    ],
    ['179206034600', 'debe tener 10 (cédula) o 13 (RUC) dígitos; tiene 12'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(validateIdentification(raw)).toEqual({ ok: false, reason });
  });

  it('can accept company RUCs without a valid check digit (SRI registry reality)', () => {
    // PONTEDORA S.A.S., active in the SRI registry (python-stdnum issues #290, #497):
    // 099337002 → 123 mod 11 = 2 → 9, but the RUC carries 6.
    const real = '0993370026001';
    expect(validateIdentification(real)).toEqual({
      ok: false,
      reason: 'dígito verificador incorrecto',
    });
    const relaxed = { verifyCompanyRucCheckDigit: false };
    expect(validateIdentification(real, relaxed)).toEqual({
      ok: true,
      kind: 'ruc-private',
      value: real,
    });
    expect(isValidRuc(real, relaxed)).toBe(true);
    expect(validateIdentification('1763154690001', relaxed)).toMatchObject({
      ok: true,
      kind: 'ruc-public',
    });
    // Structure is still checked, and natural-person RUCs keep their cédula check.
    expect(validateIdentification('0993370026000', relaxed)).toMatchObject({ ok: false });
    expect(validateIdentification('1763154690000', relaxed)).toMatchObject({ ok: false });
    expect(validateIdentification('1714307104001', relaxed)).toMatchObject({ ok: false });
  });

  it('isValidCedula and isValidRuc do not cross over', () => {
    expect(isValidCedula('1714307103001')).toBe(false);
    expect(isValidRuc('1714307103')).toBe(false);
  });

  it('property: generated private and public RUCs validate; a changed check digit does not', () => {
    const random = prng(99);
    let made = 0;
    for (let i = 0; i < 5_000; i++) {
      const province = provinces[randomInt(random, provinces.length)]!;
      const establishment = 1 + randomInt(random, 999);
      const privateRuc = makeRucPrivate(province, randomDigits(random, 6), establishment);
      const publicRuc = makeRucPublic(province, randomDigits(random, 5), establishment);
      for (const [ruc, kind, checkAt] of [
        [privateRuc, 'ruc-private', 9],
        [publicRuc, 'ruc-public', 8],
      ] as const) {
        if (ruc === null) continue;
        made += 1;
        const result = validateIdentification(ruc);
        const tampered =
          ruc.slice(0, checkAt) +
          String((Number(ruc[checkAt]) + 1 + randomInt(random, 9)) % 10) +
          ruc.slice(checkAt + 1);
        // A tampered public RUC could still be a natural-person RUC only if its first ten digits
        // form a valid cédula; it must then not be classified as public.
        const tamperedResult = validateIdentification(tampered);
        if (
          !result.ok ||
          result.kind !== kind ||
          (tamperedResult.ok && tamperedResult.kind === kind)
        ) {
          expect.fail(
            `${ruc} → ${JSON.stringify(result)}; ${tampered} → ${JSON.stringify(tamperedResult)}`,
          );
        }
      }
    }
    expect(made).toBeGreaterThan(8_500); // about 1 in 11 bodies has no check digit
  });
});

describe('identificationSchema', () => {
  it('returns the trimmed number', () => {
    expect(identificationSchema.parse(' 1714307103 ')).toBe('1714307103');
    expect(identificationSchema.parse('1760013210001')).toBe('1760013210001');
  });

  it('uses the Spanish reason as the error message', () => {
    const result = identificationSchema.safeParse('3514307103');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'código de provincia inválido (35)',
    ]);
    expect(identificationSchema.safeParse(1714307103).success).toBe(false);
  });

  it('can be built with relaxed company RUC checking', () => {
    expect(identificationSchema.safeParse('0993370026001').success).toBe(false);
    expect(
      makeIdentificationSchema({ verifyCompanyRucCheckDigit: false }).parse('0993370026001'),
    ).toBe('0993370026001');
  });
});
