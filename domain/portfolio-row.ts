/**
 * One row of the billing system's export (one row per overdue invoice, Spanish headers):
 * the columns, how headers are recognised, and the validation of each field.
 */
import { z } from 'zod';
import {
  ACCOUNT_CATEGORIES,
  PROTECTIONS,
  type AccountCategory,
  type Protection,
} from './case-opening.js';
import { isLocalDate, type LocalDate } from './calendar.js';
import { validateIdentification } from './ecuador-id.js';
import { parseMoney } from './money.js';

/** Columns every export must have (order free). */
export const REQUIRED_COLUMNS = [
  'cuenta',
  'cedula_ruc',
  'titular',
  'direccion',
  'sector',
  'ruta',
  'categoria',
  'telefono',
  'email',
  'factura',
  'emision',
  'vencimiento',
  'valor',
  'saldo',
] as const;
/** Columns an export may add. */
export const OPTIONAL_COLUMNS = ['proteccion'] as const;
export type PortfolioColumn = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
/** Every column, in the order exports written by Cartera's tools use. */
export const PORTFOLIO_COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS] as const;

/** Header text → column name: case, accents, spaces, dashes and dots do not matter. */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s.\-/]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const HEADER_ALIASES: Record<string, PortfolioColumn> = {
  cedula: 'cedula_ruc',
  ruc: 'cedula_ruc',
  cedula_o_ruc: 'cedula_ruc',
  correo: 'email',
  correo_electronico: 'email',
  e_mail: 'email',
  fecha_emision: 'emision',
  fecha_de_emision: 'emision',
  fecha_vencimiento: 'vencimiento',
  fecha_de_vencimiento: 'vencimiento',
  planilla: 'factura',
  numero_factura: 'factura',
  proteccion_especial: 'proteccion',
};

export type HeaderMapping =
  | { ok: true; columns: (PortfolioColumn | null)[] }
  | { ok: false; missing: string[]; duplicated: string[] };

/** Maps a header row to known columns (null for extra columns, which are ignored). */
export function mapHeader(headers: readonly string[]): HeaderMapping {
  const known = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);
  const seen = new Set<string>();
  const duplicated: string[] = [];
  const columns = headers.map((h) => {
    const n = normaliseHeader(h);
    const col = (HEADER_ALIASES[n] ?? (known.has(n) ? n : null)) as PortfolioColumn | null;
    if (col && seen.has(col)) duplicated.push(col);
    if (col) seen.add(col);
    return col;
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length || duplicated.length) return { ok: false, missing, duplicated };
  return { ok: true, columns };
}

/** A validated export row. Money in cents, dates as LocalDate. */
export interface PortfolioRow {
  accountNumber: string;
  holderId: string;
  holderName: string;
  address: string;
  sector: string;
  route: string;
  category: AccountCategory;
  phone: string | null;
  email: string | null;
  invoiceNumber: string;
  issuedOn: LocalDate;
  dueOn: LocalDate;
  amountCents: number;
  balanceCents: number;
  protection: Protection;
}

export interface FieldError {
  field: PortfolioColumn;
  message: string;
}

export type RowResult = { ok: true; row: PortfolioRow } | { ok: false; errors: FieldError[] };

const textSchema = (max: number) =>
  z.string().trim().min(1, 'obligatorio').max(max, `máximo ${max} caracteres`);
// Built once per length: building a zod schema costs ~20× more than running it, and an
// import validates 100,000 rows × 6 text fields.
const textSchemas = new Map<number, ReturnType<typeof textSchema>>();
const text = (max: number) => {
  let schema = textSchemas.get(max);
  if (!schema) textSchemas.set(max, (schema = textSchema(max)));
  return schema;
};
const emailSchema = z.email('correo electrónico inválido');

/** Accepts ISO (2026-03-31) and the Ecuadorian day-first form (31/03/2026). */
export function parseExportDate(raw: string): LocalDate | null {
  const s = raw.trim();
  let iso = s;
  const dmy = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(s);
  if (dmy) iso = `${dmy[3]}-${dmy[2]!.padStart(2, '0')}-${dmy[1]!.padStart(2, '0')}`;
  const isoTime = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.000)?)?Z?)?$/.exec(iso);
  if (!isoTime) return null;
  return isLocalDate(isoTime[1]) ? isoTime[1] : null;
}

function normaliseCategory(raw: string): AccountCategory | null {
  const n = normaliseHeader(raw);
  return (ACCOUNT_CATEGORIES as readonly string[]).includes(n) ? (n as AccountCategory) : null;
}

function normaliseProtection(raw: string): Protection | null {
  const n = normaliseHeader(raw);
  if (n === '' || n === 'ninguna' || n === 'no' || n === 'none') return 'none';
  return (PROTECTIONS as readonly string[]).includes(n) ? (n as Protection) : null;
}

/** Phones keep their digits only; 7 (local) to 10 (mobile) digits, or +593 forms. */
function normalisePhone(raw: string): string | null | undefined {
  const digits = raw.replace(/[\s().-]/g, '');
  if (digits === '') return null;
  if (/^\+?593\d{8,9}$/.test(digits)) return `0${digits.replace(/^\+?593/, '')}`;
  return /^\d{7,10}$/.test(digits) ? digits : undefined;
}

/**
 * Characters no export field holds: NUL and the other control characters but tab and line
 * breaks, and U+FFFD, which stands for bytes the file's encoding could not decode.
 */
// eslint-disable-next-line no-control-regex
const UNREADABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;

/**
 * Validates one export row given as column → raw text. Every wrong field is reported, not
 * just the first, so a clerk can fix a line in one go.
 */
export function validatePortfolioRow(raw: Partial<Record<PortfolioColumn, string>>): RowResult {
  const errors: FieldError[] = [];
  for (const [c, v] of Object.entries(raw) as [PortfolioColumn, string | undefined][]) {
    if (v && UNREADABLE.test(v))
      errors.push({
        field: c,
        message: 'caracteres ilegibles o de control (¿el archivo tiene bytes dañados?)',
      });
  }
  const get = (c: PortfolioColumn) => (raw[c] ?? '').trim();
  const textField = (c: PortfolioColumn, max: number): string => {
    const r = text(max).safeParse(get(c));
    if (!r.success) errors.push({ field: c, message: r.error.issues[0]?.message ?? 'inválido' });
    return r.success ? r.data : '';
  };

  const accountNumber = textField('cuenta', 30);
  if (accountNumber && !/^[0-9A-Za-z-]+$/.test(accountNumber)) {
    errors.push({ field: 'cuenta', message: 'solo dígitos, letras y guiones' });
  }
  // Company RUCs are not always módulo-11 valid in the SRI's own registry: check their
  // structure only, so billing data about real companies is not rejected.
  const id = validateIdentification(get('cedula_ruc'), { verifyCompanyRucCheckDigit: false });
  if (!id.ok) errors.push({ field: 'cedula_ruc', message: id.reason });
  const holderName = textField('titular', 200);
  const address = textField('direccion', 300);
  const sector = textField('sector', 100);
  const route = textField('ruta', 50);
  const invoiceNumber = textField('factura', 50);

  const category = normaliseCategory(get('categoria'));
  if (!category) {
    errors.push({
      field: 'categoria',
      message: `categoría desconocida "${get('categoria')}" (residencial, comercial, industrial, publica)`,
    });
  }
  const protection = normaliseProtection(get('proteccion'));
  if (!protection) {
    errors.push({
      field: 'proteccion',
      message: `protección desconocida "${get('proteccion')}" (vulnerable, hospital, escuela o vacío)`,
    });
  }
  const phone = normalisePhone(get('telefono'));
  if (phone === undefined)
    errors.push({ field: 'telefono', message: 'teléfono inválido (7 a 10 dígitos)' });
  const emailRaw = get('email');
  let email: string | null = null;
  if (emailRaw) {
    const r = emailSchema.safeParse(emailRaw);
    if (r.success) email = r.data.toLowerCase();
    else errors.push({ field: 'email', message: 'correo electrónico inválido' });
  }

  const issuedOn = parseExportDate(get('emision'));
  if (!issuedOn)
    errors.push({
      field: 'emision',
      message: `fecha inválida "${get('emision')}" (AAAA-MM-DD o DD/MM/AAAA)`,
    });
  const dueOn = parseExportDate(get('vencimiento'));
  if (!dueOn)
    errors.push({
      field: 'vencimiento',
      message: `fecha inválida "${get('vencimiento')}" (AAAA-MM-DD o DD/MM/AAAA)`,
    });
  if (issuedOn && dueOn && dueOn < issuedOn) {
    errors.push({ field: 'vencimiento', message: 'vencimiento anterior a la emisión' });
  }

  const amountCents = parseMoney(get('valor'));
  if (amountCents === null || amountCents < 0) {
    errors.push({ field: 'valor', message: `valor inválido "${get('valor')}" (p. ej. 125.40)` });
  }
  const balanceCents = parseMoney(get('saldo'));
  if (balanceCents === null || balanceCents < 0) {
    errors.push({
      field: 'saldo',
      message: `saldo inválido "${get('saldo')}" (p. ej. 125.40, no negativo)`,
    });
  } else if (amountCents !== null && amountCents >= 0 && balanceCents > amountCents) {
    errors.push({ field: 'saldo', message: 'saldo mayor que el valor de la factura' });
  }

  if (errors.length > 0 || !id.ok) return { ok: false, errors };
  return {
    ok: true,
    row: {
      accountNumber,
      holderId: id.value,
      holderName,
      address,
      sector,
      route,
      category: category!,
      phone: phone ?? null,
      email,
      invoiceNumber,
      issuedOn: issuedOn!,
      dueOn: dueOn!,
      amountCents: amountCents!,
      balanceCents: balanceCents!,
      protection: protection!,
    },
  };
}
