import { describe, expect, it } from 'vitest';
import { makeCedula, makeRucNatural, makeRucPrivate } from '../../domain/ecuador-id.js';
import {
  REQUIRED_COLUMNS,
  mapHeader,
  normaliseHeader,
  parseExportDate,
  validatePortfolioRow,
  type PortfolioColumn,
  type RowResult,
} from '../../domain/portfolio-row.js';

const CEDULA = makeCedula(7, '123456'); // El Oro
const RUC_PRIVATE = makeRucPrivate(7, '100200') ?? makeRucPrivate(7, '100201')!;

type Raw = Partial<Record<PortfolioColumn, string>>;

function rawRow(overrides: Raw = {}): Raw {
  return {
    cuenta: '0701-12345',
    cedula_ruc: CEDULA,
    titular: 'María Pérez Loor',
    direccion: 'Av. 25 de Junio y Sucre',
    sector: 'Centro',
    ruta: 'R-07',
    categoria: 'residencial',
    telefono: '0991234567',
    email: 'maria@example.com',
    factura: 'F-2026-000123',
    emision: '2026-03-01',
    vencimiento: '2026-03-31',
    valor: '25.40',
    saldo: '25.40',
    proteccion: '',
    ...overrides,
  };
}

function valid(result: RowResult) {
  if (!result.ok) throw new Error(`expected a valid row, got ${JSON.stringify(result.errors)}`);
  return result.row;
}

/** The errors reported for one field. */
function errorsFor(result: RowResult, field: PortfolioColumn): string[] {
  if (result.ok) throw new Error('expected the row to be rejected');
  return result.errors.filter((e) => e.field === field).map((e) => e.message);
}

const CANONICAL_HEADER = [...REQUIRED_COLUMNS];

describe('header mapping', () => {
  it('normalises accents, case, spaces, dots and dashes', () => {
    expect(normaliseHeader('  Teléfono ')).toBe('telefono');
    expect(normaliseHeader('CÉDULA / RUC')).toBe('cedula_ruc');
    expect(normaliseHeader('Fecha de Emisión')).toBe('fecha_de_emision');
    expect(normaliseHeader('e-mail.')).toBe('e_mail');
  });

  it('maps the canonical header in any order', () => {
    const reversed = [...CANONICAL_HEADER].reverse();
    expect(mapHeader(reversed)).toEqual({ ok: true, columns: reversed });
  });

  it('maps headers written by people: accents, capitals, spaces', () => {
    const headers = [
      'Cuenta',
      'Cédula/RUC',
      'TITULAR',
      'Dirección',
      'Sector',
      'Ruta',
      'Categoría',
      'Teléfono',
      'Email',
      'Factura',
      'Emisión',
      'Vencimiento',
      'Valor',
      'Saldo',
      'Protección',
    ];
    expect(mapHeader(headers)).toEqual({
      ok: true,
      columns: [...CANONICAL_HEADER, 'proteccion'],
    });
  });

  it.each([
    ['Cédula', 'cedula_ruc'],
    ['RUC', 'cedula_ruc'],
    ['Cédula o RUC', 'cedula_ruc'],
    ['Correo electrónico', 'email'],
    ['E-mail', 'email'],
    ['Fecha emisión', 'emision'],
    ['Fecha de emisión', 'emision'],
    ['Fecha vencimiento', 'vencimiento'],
    ['Fecha de vencimiento', 'vencimiento'],
    ['Planilla', 'factura'],
    ['Número factura', 'factura'],
    ['Protección especial', 'proteccion'],
  ])('maps the alias %j to %s', (alias, column) => {
    const headers = CANONICAL_HEADER.map((c) => (c === column ? alias : c));
    if (column === 'proteccion') headers.push(alias);
    const mapped = mapHeader(headers);
    expect(mapped).toMatchObject({ ok: true });
    if (mapped.ok) expect(mapped.columns[headers.indexOf(alias)]).toBe(column);
  });

  it('ignores extra columns (null) without failing', () => {
    const mapped = mapHeader([...CANONICAL_HEADER, 'Observaciones']);
    expect(mapped).toEqual({ ok: true, columns: [...CANONICAL_HEADER, null] });
  });

  it('reports every missing required column', () => {
    const headers = CANONICAL_HEADER.filter((c) => c !== 'saldo' && c !== 'titular');
    expect(mapHeader(headers)).toEqual({
      ok: false,
      missing: ['titular', 'saldo'],
      duplicated: [],
    });
  });

  it('does not require the optional proteccion column', () => {
    expect(mapHeader(CANONICAL_HEADER).ok).toBe(true);
  });

  it('reports a column given twice, also through an alias', () => {
    expect(mapHeader([...CANONICAL_HEADER, 'Cédula'])).toEqual({
      ok: false,
      missing: [],
      duplicated: ['cedula_ruc'],
    });
  });

  it('reports missing and duplicated columns together', () => {
    const headers = [...CANONICAL_HEADER.filter((c) => c !== 'valor'), 'Saldo'];
    expect(mapHeader(headers)).toEqual({ ok: false, missing: ['valor'], duplicated: ['saldo'] });
  });
});

describe('a valid row', () => {
  it('becomes a PortfolioRow in cents and LocalDates', () => {
    expect(valid(validatePortfolioRow(rawRow()))).toEqual({
      accountNumber: '0701-12345',
      holderId: CEDULA,
      holderName: 'María Pérez Loor',
      address: 'Av. 25 de Junio y Sucre',
      sector: 'Centro',
      route: 'R-07',
      category: 'residencial',
      phone: '0991234567',
      email: 'maria@example.com',
      invoiceNumber: 'F-2026-000123',
      issuedOn: '2026-03-01',
      dueOn: '2026-03-31',
      amountCents: 2_540,
      balanceCents: 2_540,
      protection: 'none',
    });
  });

  it('trims surrounding spaces', () => {
    const row = valid(
      validatePortfolioRow(rawRow({ titular: '  Ana  ', cedula_ruc: ` ${CEDULA} ` })),
    );
    expect(row.holderName).toBe('Ana');
    expect(row.holderId).toBe(CEDULA);
  });
});

describe('field validation', () => {
  describe('cédula / RUC', () => {
    it('rejects a cédula with a wrong check digit, with the reason', () => {
      const last = Number(CEDULA.at(-1));
      const bad = CEDULA.slice(0, 9) + String((last + 1) % 10);
      expect(errorsFor(validatePortfolioRow(rawRow({ cedula_ruc: bad })), 'cedula_ruc')).toEqual([
        'dígito verificador incorrecto',
      ]);
    });

    it('rejects an identification of the wrong length', () => {
      const [message] = errorsFor(
        validatePortfolioRow(rawRow({ cedula_ruc: '12345' })),
        'cedula_ruc',
      );
      expect(message).toMatch(/10 \(cédula\) o 13 \(RUC\)/);
    });

    it('rejects an empty identification', () => {
      expect(errorsFor(validatePortfolioRow(rawRow({ cedula_ruc: '' })), 'cedula_ruc')).toEqual([
        'la identificación está vacía',
      ]);
    });

    it('accepts the RUC of a natural person', () => {
      const ruc = makeRucNatural(CEDULA);
      expect(valid(validatePortfolioRow(rawRow({ cedula_ruc: ruc }))).holderId).toBe(ruc);
    });

    it('accepts the RUC of a private company', () => {
      expect(valid(validatePortfolioRow(rawRow({ cedula_ruc: RUC_PRIVATE }))).holderId).toBe(
        RUC_PRIVATE,
      );
    });

    it('accepts a private company RUC whose check digit does not verify (structure only)', () => {
      const d = Number(RUC_PRIVATE[9]);
      const unverified = `${RUC_PRIVATE.slice(0, 9)}${(d + 1) % 10}${RUC_PRIVATE.slice(10)}`;
      expect(validatePortfolioRow(rawRow({ cedula_ruc: unverified })).ok).toBe(true);
    });
  });

  describe('dates', () => {
    it.each([
      ['2026-03-31', '2026-03-31'],
      ['31/03/2026', '2026-03-31'],
      ['1/3/2026', '2026-03-01'],
      ['31-03-2026', '2026-03-31'],
      ['2026-03-31T00:00:00Z', '2026-03-31'],
      ['29/02/2028', '2028-02-29'],
    ])('reads %j as %s', (text, iso) => {
      expect(parseExportDate(text)).toBe(iso);
    });

    it.each([
      '31/02/2026',
      '29/02/2026',
      '2026-13-01',
      '2026-02-30',
      '03/31/2026',
      'marzo 2026',
      '',
    ])('rejects %j', (text) => {
      expect(parseExportDate(text)).toBeNull();
    });

    it('accepts DD/MM/YYYY in a row', () => {
      const row = valid(
        validatePortfolioRow(rawRow({ emision: '01/03/2026', vencimiento: '31/03/2026' })),
      );
      expect(row.issuedOn).toBe('2026-03-01');
      expect(row.dueOn).toBe('2026-03-31');
    });

    it('rejects 31/02 with the Spanish message', () => {
      expect(
        errorsFor(validatePortfolioRow(rawRow({ vencimiento: '31/02/2026' })), 'vencimiento'),
      ).toEqual(['fecha inválida "31/02/2026" (AAAA-MM-DD o DD/MM/AAAA)']);
    });

    it('rejects a due date before the issue date', () => {
      const r = validatePortfolioRow(rawRow({ emision: '2026-03-10', vencimiento: '2026-03-09' }));
      expect(errorsFor(r, 'vencimiento')).toEqual(['vencimiento anterior a la emisión']);
    });

    it('accepts a due date equal to the issue date', () => {
      expect(
        validatePortfolioRow(rawRow({ emision: '2026-03-10', vencimiento: '2026-03-10' })).ok,
      ).toBe(true);
    });
  });

  describe('money', () => {
    it('reads a comma as the decimal mark', () => {
      const row = valid(validatePortfolioRow(rawRow({ valor: '125,40', saldo: '100,5' })));
      expect(row.amountCents).toBe(12_540);
      expect(row.balanceCents).toBe(10_050);
    });

    it('rejects three decimals', () => {
      expect(errorsFor(validatePortfolioRow(rawRow({ valor: '25.405' })), 'valor')).toEqual([
        'valor inválido "25.405" (p. ej. 125.40)',
      ]);
    });

    it('rejects a negative amount and a negative balance', () => {
      const r = validatePortfolioRow(rawRow({ valor: '-25.40', saldo: '-1' }));
      expect(errorsFor(r, 'valor')).toEqual(['valor inválido "-25.40" (p. ej. 125.40)']);
      expect(errorsFor(r, 'saldo')).toEqual(['saldo inválido "-1" (p. ej. 125.40, no negativo)']);
    });

    it('rejects a balance above the invoice amount', () => {
      expect(
        errorsFor(validatePortfolioRow(rawRow({ valor: '25.40', saldo: '25.41' })), 'saldo'),
      ).toEqual(['saldo mayor que el valor de la factura']);
    });

    it('accepts a partly paid invoice and a zero balance', () => {
      expect(valid(validatePortfolioRow(rawRow({ saldo: '10' }))).balanceCents).toBe(1_000);
      expect(valid(validatePortfolioRow(rawRow({ saldo: '0' }))).balanceCents).toBe(0);
    });
  });

  describe('category', () => {
    it.each([
      ['comercial', 'comercial'],
      ['INDUSTRIAL', 'industrial'],
      ['Pública', 'publica'],
      ['publica', 'publica'],
      [' Residencial ', 'residencial'],
    ])('accepts %j as %s', (text, category) => {
      expect(valid(validatePortfolioRow(rawRow({ categoria: text }))).category).toBe(category);
    });

    it('rejects an unknown category, naming the allowed ones', () => {
      expect(
        errorsFor(validatePortfolioRow(rawRow({ categoria: 'oficial' })), 'categoria'),
      ).toEqual(['categoría desconocida "oficial" (residencial, comercial, industrial, publica)']);
    });
  });

  describe('phone', () => {
    it.each([
      ['0991234567', '0991234567'],
      ['099 123 4567', '0991234567'],
      ['(07) 293-0100', '072930100'],
      ['2930100', '2930100'],
      ['+593 99 123 4567', '0991234567'],
      ['593991234567', '0991234567'],
      ['+593 7 293 0100', '072930100'],
    ])('normalises %j to %s', (text, phone) => {
      expect(valid(validatePortfolioRow(rawRow({ telefono: text }))).phone).toBe(phone);
    });

    it('accepts an empty phone as none', () => {
      expect(valid(validatePortfolioRow(rawRow({ telefono: '' }))).phone).toBeNull();
    });

    it.each(['12345', '09912345678', 'llamar', '+1 555 123 4567'])('rejects %j', (text) => {
      expect(errorsFor(validatePortfolioRow(rawRow({ telefono: text })), 'telefono')).toEqual([
        'teléfono inválido (7 a 10 dígitos)',
      ]);
    });
  });

  describe('email', () => {
    it('lowercases the address', () => {
      expect(valid(validatePortfolioRow(rawRow({ email: 'Maria.Perez@Example.COM' }))).email).toBe(
        'maria.perez@example.com',
      );
    });

    it('accepts an empty email as none', () => {
      expect(valid(validatePortfolioRow(rawRow({ email: ' ' }))).email).toBeNull();
    });

    it('rejects a malformed address', () => {
      expect(errorsFor(validatePortfolioRow(rawRow({ email: 'maria@' })), 'email')).toEqual([
        'correo electrónico inválido',
      ]);
    });
  });

  describe('protection', () => {
    it.each([
      ['', 'none'],
      ['ninguna', 'none'],
      ['No', 'none'],
      ['vulnerable', 'vulnerable'],
      ['Hospital', 'hospital'],
      ['ESCUELA', 'escuela'],
    ])('reads %j as %s', (text, protection) => {
      expect(valid(validatePortfolioRow(rawRow({ proteccion: text }))).protection).toBe(protection);
    });

    it('treats a missing column as not protected', () => {
      const { proteccion: _omit, ...withoutColumn } = rawRow();
      expect(valid(validatePortfolioRow(withoutColumn)).protection).toBe('none');
    });

    it('rejects an unknown protection', () => {
      expect(
        errorsFor(validatePortfolioRow(rawRow({ proteccion: 'iglesia' })), 'proteccion'),
      ).toEqual(['protección desconocida "iglesia" (vulnerable, hospital, escuela o vacío)']);
    });
  });

  describe('text fields', () => {
    it('requires the holder name', () => {
      expect(errorsFor(validatePortfolioRow(rawRow({ titular: '   ' })), 'titular')).toEqual([
        'obligatorio',
      ]);
    });

    it('limits the length of the route', () => {
      expect(errorsFor(validatePortfolioRow(rawRow({ ruta: 'R'.repeat(51) })), 'ruta')).toEqual([
        'máximo 50 caracteres',
      ]);
    });

    it('allows only digits, letters and dashes in the account number', () => {
      expect(errorsFor(validatePortfolioRow(rawRow({ cuenta: '0701 123' })), 'cuenta')).toEqual([
        'solo dígitos, letras y guiones',
      ]);
    });
  });
});

describe('error reporting', () => {
  it('reports every wrong field of a row at once', () => {
    const r = validatePortfolioRow(
      rawRow({
        cuenta: '',
        cedula_ruc: '0000000000',
        categoria: 'x',
        telefono: '1',
        email: 'no-es-correo',
        emision: '2026-02-30',
        valor: 'abc',
        saldo: '-1',
        proteccion: '?',
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.field).sort()).toEqual(
      [
        'categoria',
        'cedula_ruc',
        'cuenta',
        'email',
        'emision',
        'proteccion',
        'saldo',
        'telefono',
        'valor',
      ].sort(),
    );
  });

  it('reports every missing field of an empty row', () => {
    const r = validatePortfolioRow({});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const fields = new Set(r.errors.map((e) => e.field));
    // Everything except the optional ones (telefono, email, proteccion may be empty).
    for (const c of REQUIRED_COLUMNS.filter((c) => c !== 'telefono' && c !== 'email')) {
      expect(fields.has(c), c).toBe(true);
    }
    expect(fields.has('telefono')).toBe(false);
    expect(fields.has('email')).toBe(false);
  });
});
