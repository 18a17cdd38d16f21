/**
 * Deterministic generator of a synthetic delinquent portfolio for Aguas Machala EP, in the
 * billing-export import format (one row per overdue invoice, Spanish headers).
 *
 * Used for demos and for benchmarking/testing the importer. Same options (and seed) ⇒ same rows,
 * and a byte-identical CSV file.
 *
 * ## Assumptions (synthetic, documented, not measured data)
 * - **Size.** ~80,000 service accounts (DOMAIN.md: 70–90k); only a share of them are delinquent
 *   (default 32 %, clamped to 25–40 %) and only those appear in the export. The delinquent set
 *   is drawn with selection sampling, so exactly `round(accounts × share)` accounts appear (unless
 *   `maxRows` cuts the file short).
 * - **Months overdue** per account (= overdue monthly invoices, consecutive, ending with the
 *   latest invoice already past due on `asOf`): ~34 % one, ~20 % two, ~12 % three, and a
 *   Pareto tail (α = 1.1) from four up to 72 months; ~10 % owe 12 months or more, ~3 % 36 or
 *   more. Mean ≈ 5.7 invoices per delinquent account, so 80,000 accounts give ~147,000 rows.
 * - **Invoices.** Monthly; `emision` on the 1st of the month, `vencimiento` = `emision` + 30
 *   days; only invoices with `vencimiento` < `asOf` are overdue. `factura` is
 *   `F-<year of issue>-<7-digit sequence>`; the sequence follows the billing run
 *   ((month − 1) × accounts + account ordinal), so it is unique within a year.
 * - **Geography.** Sector = parish of the canton Machala. INEC's parish list (DPA) has the urban
 *   parishes La Providencia, Machala, Puerto Bolívar, Nueve de Mayo and El Cambio, and El Retiro
 *   as the only rural parish; the municipality also counts Jambelí (west of the city; not the
 *   Jambelí island parish, which belongs to the canton Santa Rosa) as an urban parish. Barrio and
 *   ciudadela names inside each parish are plausible, not cadastral; El Retiro's sitios are its
 *   real ones. Weights follow rough population: Machala centre largest, El Retiro ~3 %.
 *   `ruta` is `R-<zone>-<route>`: one zone per barrio/ciudadela, 6–18 routes per zone.
 * - **Categories** ~88 % residencial, 9 % comercial, 1 % industrial, 2 % pública. Monthly bills
 *   are lognormal: residential median USD 12 (most between 8 and 20, minimum USD 2.50), commercial
 *   median 42, industrial median 650, public median 160; each month varies ±12 % (lognormal).
 * - **Balances.** `saldo` = `valor`, except that on ~10 % of accounts the oldest invoice was
 *   partially paid (payments apply to the oldest invoice first): 0 < `saldo` < `valor`.
 * - **People.** Titular names as billing/Registro Civil write them: upper case, two surnames then
 *   two given names, accents kept. Cédulas are all valid (módulo 10), unique per person; ~85 %
 *   issued in El Oro (07), the rest in Guayas, Loja, Azuay, Pichincha, Manabí, Los Ríos, Zamora
 *   Chinchipe and Cañar. ~4 % of residential accounts belong to someone who holds another account.
 *   ~3 % of residential accounts are vulnerable households (`proteccion` = `vulnerable`).
 * - **Businesses.** Commercial accounts: 60 % a person's business (RUC natural = cédula + 001),
 *   40 % companies (RUC de sociedad privada, third digit 9, módulo 11); industrial 85 %
 *   companies; ~10 % of company names contain double quotes (exercises CSV quoting).
 * - **Public entities.** Schools (`proteccion` = `escuela`) and health centres (`hospital`) bill
 *   under their district's public RUC (third digit 6, módulo 11), so several accounts share one
 *   RUC; other public premises (markets, fire stations, parks) carry no protection.
 * - **Contact.** Phones: ~70 % mobile `09XXXXXXXX`, ~12 % Machala landline `072XXXXXX`, rest
 *   empty. E-mail for ~50 % of people, ~80 % of companies, ~70 % of public entities.
 * - **Addresses** like "Av. 25 de Junio y Calle Guayas", "Cdla. Las Brisas, Mz. 12 Villa 4",
 *   "Calle Sucre 1204 entre Colón y Junín" (commas, so CSV quoting matters). No field ever
 *   contains a line break, so CSV line number = record number + 1.
 *
 * ## Files
 * CSV: RFC 4180 (CRLF, quoted when needed), UTF-8 without BOM, header row first.
 * XLSX: one sheet "cartera", header in row 1, every cell a string exactly as in the CSV (so
 * leading zeros and deliberately malformed values survive). Cell content is deterministic; the
 * zip container stamps entries with the current time, so XLSX bytes are not reproducible.
 *
 * ## Malformed rows
 * With `malformedEvery: N`, data rows N, 2N, 3N… are corrupted in place, cycling through
 * {@link MALFORMED_DEFECTS}. The other rows are exactly those of the clean file, and a corrupted
 * row keeps its own invoice number, so no malformed row shares a `factura` with a good row.
 * A wrong check digit is only injected into a cédula or a natural person's RUC (importers may
 * leave company RUC check digits unverified); when its turn falls on a company row, that defect
 * moves to the next malformed row.
 */
import { PORTFOLIO_COLUMNS } from '../domain/portfolio-row.js';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import type { AccountCategory } from '../domain/case-opening.js';
import {
  makeCedula,
  makeRucNatural,
  makeRucPrivate,
  makeRucPublic,
  validateIdentification,
} from '../domain/ecuador-id.js';

/** Column headers of the billing export, in the order this generator writes them. */
export { PORTFOLIO_COLUMNS };

export type PortfolioColumn = (typeof PORTFOLIO_COLUMNS)[number];

/** Defects injected into malformed rows, in rotation order. */
export const MALFORMED_DEFECTS = [
  'invalid_id_check_digit',
  'negative_saldo',
  'saldo_exceeds_valor',
  'unparseable_date',
  'vencimiento_before_emision',
  'empty_cuenta',
  'unknown_categoria',
  'amount_three_decimals',
  'email_without_at',
] as const;

export type MalformedDefect = (typeof MALFORMED_DEFECTS)[number];

/** One invoice row: every column as text; `defect` is set only on deliberately malformed rows. */
export type PortfolioRow = Record<PortfolioColumn, string> & { defect?: MalformedDefect };

/** `proteccion` as the export writes it: empty when the account is not protected. */
export type ExportProtection = '' | 'vulnerable' | 'hospital' | 'escuela';

/** Options of the generator; every field is optional. */
export interface PortfolioOptions {
  /** Service accounts in the utility, delinquent or not (1–800,000). @default 80000 */
  accounts?: number;
  /** PRNG seed, unsigned 32-bit. @default 20261128 */
  seed?: number;
  /**
   * Export date (LocalDate, YYYY-MM-DD): invoices due before it are overdue.
   * @default '2026-11-28'
   */
  asOf?: string;
  /** Share of accounts with overdue invoices (0–1), clamped to 0.25–0.40. @default 0.32 */
  delinquentShare?: number;
  /** Stop after this many invoice rows (the last account may then be cut short). */
  maxRows?: number;
  /** Corrupt every Nth data row (N ≥ 1); see {@link MALFORMED_DEFECTS}. */
  malformedEvery?: number;
}

type ResolvedOptions = Required<Omit<PortfolioOptions, 'maxRows' | 'malformedEvery'>> &
  Pick<PortfolioOptions, 'maxRows' | 'malformedEvery'>;

/** Validates {@link PortfolioOptions} and fills the defaults; shared with the CLI. */
export const PortfolioOptionsSchema: z.ZodType<ResolvedOptions, PortfolioOptions> = z.object({
  accounts: z.number().int().min(1).max(800_000).default(80_000),
  seed: z.number().int().min(0).max(0xffff_ffff).default(20_261_128),
  asOf: z.iso.date().default('2026-11-28'),
  delinquentShare: z
    .number()
    .min(0)
    .max(1)
    .default(0.32)
    .transform((share) => Math.min(0.4, Math.max(0.25, share))),
  maxRows: z.number().int().min(1).optional(),
  malformedEvery: z.number().int().min(1).optional(),
});

/** What a writer produced. `line`: CSV line (header = line 1) or sheet row (header = row 1). */
export interface PortfolioFileSummary {
  rows: number;
  /** Distinct delinquent accounts in the file. */
  accounts: number;
  malformed: { line: number; defect: MalformedDefect }[];
}

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32 seeded through splitmix32 (small, fast, good enough for synthetic data).

class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Favours the first items (lists are ordered by how common the value is). */
  pickSkewed<T>(items: readonly T[]): T {
    return items[Math.floor(items.length * this.next() ** 1.7)]!;
  }

  weighted<T>(table: readonly (readonly [T, number])[]): T {
    let u = this.next() * table.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, w] of table) {
      u -= w;
      if (u < 0) return value;
    }
    return table[table.length - 1]![0];
  }

  normal(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Reference data (plausible names; see the module JSDoc).

type AddressStyle = 'centro' | 'barrio' | 'cdla' | 'puerto' | 'rural';

interface Zone {
  parish: string;
  name: string;
  style: AddressStyle;
  routes: number;
  weight: number;
}

const PARISH_ZONES: readonly {
  parish: string;
  weight: number;
  zones: readonly (readonly [string, AddressStyle])[];
}[] = [
  {
    parish: 'Machala',
    weight: 0.3,
    zones: [
      ['Centro', 'centro'],
      ['Barrio Venezuela', 'barrio'],
      ['Barrio 10 de Agosto', 'barrio'],
      ['Barrio Bolívar', 'barrio'],
      ['Las Brisas', 'cdla'],
      ['La Florida', 'cdla'],
      ['Unioro', 'cdla'],
      ['Los Almendros', 'cdla'],
    ],
  },
  {
    parish: 'Nueve de Mayo',
    weight: 0.16,
    zones: [
      ['Barrio Nueve de Mayo', 'barrio'],
      ['Rayito de Luz', 'cdla'],
      ['Las Américas', 'cdla'],
      ['Barrio Miraflores', 'barrio'],
      ['18 de Octubre', 'cdla'],
    ],
  },
  {
    parish: 'La Providencia',
    weight: 0.15,
    zones: [
      ['La Providencia', 'cdla'],
      ['Urseza', 'cdla'],
      ['Barrio Amazonas', 'barrio'],
      ['Los Pinos', 'cdla'],
      ['Virgen del Cisne', 'cdla'],
    ],
  },
  {
    parish: 'Jambelí',
    weight: 0.14,
    zones: [
      ['Pilo', 'cdla'],
      ['Nuevo Pilo', 'cdla'],
      ['Héroes de Paquisha', 'cdla'],
      ['Tierra Prometida', 'cdla'],
      ['Barrio Jubones', 'barrio'],
    ],
  },
  {
    parish: 'Puerto Bolívar',
    weight: 0.12,
    zones: [
      ['Puerto Bolívar Centro', 'puerto'],
      ['Barrio El Porteño', 'barrio'],
      ['Brisas del Mar', 'cdla'],
      ['Venecia del Mar', 'cdla'],
      ['Barrio Miramar', 'barrio'],
    ],
  },
  {
    parish: 'El Cambio',
    weight: 0.1,
    zones: [
      ['El Cambio Centro', 'barrio'],
      ['Barrio San Francisco', 'barrio'],
      ['Ciudad del Sol', 'cdla'],
      ['La Primavera', 'cdla'],
    ],
  },
  {
    parish: 'El Retiro',
    weight: 0.03,
    zones: [
      ['El Retiro', 'rural'],
      ['La María', 'rural'],
      ['Guarumal Uno', 'rural'],
      ['Kilómetro 15', 'rural'],
      ['San Vicente', 'rural'],
      ['Buena Esperanza', 'rural'],
    ],
  },
];

// prettier-ignore
const AVENUES = [
  'Av. 25 de Junio', 'Av. Las Palmeras', 'Av. Rocafuerte', 'Av. Arízaga',
  'Av. Bolívar Madero Vargas', 'Av. Ferroviaria', 'Av. Alejandro Castro Benítez',
  'Av. Circunvalación Norte', 'Av. Marcel Laniado de Wind', 'Av. Edgar Córdova Polo',
] as const;

// prettier-ignore
const STREETS = [
  'Guayas', 'Ayacucho', 'Páez', 'Sucre', 'Olmedo', 'Tarqui', 'Colón', 'Junín', 'Juan Montalvo',
  '9 de Mayo', '9 de Octubre', 'Vela', 'Buenavista', 'Santa Rosa', 'Boyacá', 'Pichincha',
  'Napoleón Mera', 'Simón Bolívar', 'Kléber Franco Cruz', 'Manuel Serrano', 'Guabo', 'Pasaje',
] as const;

const ORDINALS = ['1era', '2da', '3ra', '4ta', '5ta', '6ta', '7ma', '8va', '9na', '10ma'] as const;
const DIRECTIONS = ['Norte', 'Sur', 'Este', 'Oeste'] as const;

// prettier-ignore
const SURNAMES = [
  'ROMERO', 'AGUILAR', 'RAMÍREZ', 'SÁNCHEZ', 'JARAMILLO', 'ESPINOZA', 'CASTILLO', 'TORRES',
  'ARMIJOS', 'ORDÓÑEZ', 'LOAYZA', 'MALDONADO', 'VALAREZO', 'PINEDA', 'OCHOA', 'ENCALADA',
  'ZAMBRANO', 'VERA', 'MORENO', 'MENDOZA', 'VARGAS', 'CEDEÑO', 'RODRÍGUEZ', 'GONZÁLEZ', 'PÉREZ',
  'GARCÍA', 'APOLO', 'FEIJOÓ', 'GRANDA', 'AGUIRRE', 'LAPO', 'CARRIÓN', 'JIMÉNEZ', 'CÓRDOVA',
  'REYES', 'MACAS', 'TINOCO', 'SERRANO', 'RUIZ', 'CORREA', 'SUÁREZ', 'BENÍTEZ', 'GUAMÁN',
  'PEÑA', 'LEÓN', 'QUEZADA', 'CABRERA', 'SARMIENTO', 'ROMÁN', 'CUENCA', 'SOLÓRZANO', 'BRAVO',
  'ASANZA', 'ALVARADO', 'CHAMBA', 'ARÉVALO', 'VELÁSQUEZ', 'NÚÑEZ', 'MUÑOZ', 'HERRERA',
  'CAMPOVERDE', 'POMA', 'SALINAS', 'MOROCHO', 'MATAMOROS', 'CARPIO', 'ORELLANA', 'AMBULUDÍ',
  'ZHUNIO', 'CUN',
] as const;

// prettier-ignore
const MALE_NAMES = [
  'JOSÉ', 'JUAN', 'LUIS', 'CARLOS', 'JORGE', 'MANUEL', 'MIGUEL', 'ÁNGEL', 'FRANCISCO', 'PEDRO',
  'SEGUNDO', 'VÍCTOR', 'WILSON', 'PATRICIO', 'FERNANDO', 'DAVID', 'DIEGO', 'ANDRÉS', 'XAVIER',
  'EDISON', 'FREDDY', 'GUSTAVO', 'HÉCTOR', 'BYRON', 'JHON', 'KLEBER', 'WALTER', 'OSWALDO',
  'RAMIRO', 'MARCO', 'ANTONIO', 'RICARDO', 'CRISTHIAN', 'BRYAN', 'KEVIN', 'JONATHAN', 'STALIN',
  'DARWIN', 'GEOVANNY', 'WELLINGTON',
] as const;

// prettier-ignore
const FEMALE_NAMES = [
  'MARÍA', 'ROSA', 'CARMEN', 'ANA', 'MARTHA', 'GLORIA', 'BLANCA', 'DIANA', 'JESSICA',
  'KATHERINE', 'JOHANNA', 'NANCY', 'SANDRA', 'PATRICIA', 'LORENA', 'GABRIELA', 'ANDREA',
  'MARIUXI', 'NELLY', 'MERCEDES', 'ELIZABETH', 'ALEXANDRA', 'FERNANDA', 'MAYRA', 'VERÓNICA',
  'TERESA', 'LUZ', 'DOLORES', 'ISABEL', 'GRACE', 'KARINA', 'JENNIFER', 'NATHALY', 'MELISSA',
  'VIVIANA', 'CECILIA', 'FANNY', 'YOLANDA', 'ESTHER', 'MAGDALENA',
] as const;

const COMPOUND_SECOND_NAMES = ['DEL CARMEN', 'DE LOS ÁNGELES', 'DEL ROCÍO', 'DEL CISNE'] as const;

// prettier-ignore
const BRAND_WORDS = [
  'EL ORENSE', 'LA BANANERA', 'SAN ANTONIO', 'PACÍFICO', 'EL PORTEÑO', 'LA ECONÓMICA',
  'SANTA MARÍA', 'DEL SUR', 'ORO VERDE', 'EL CISNE', 'LOS ÁNGELES', 'PUERTO REAL', 'EL ÉXITO',
  'LA PALMERA', 'JUBONES', 'LA COSTEÑA', 'SAN JACINTO', 'MIRAMAR',
] as const;

// prettier-ignore
const COMMERCIAL_KINDS = [
  'FARMACIA', 'PANADERÍA', 'FERRETERÍA', 'RESTAURANTE', 'HOTEL', 'LAVADORA Y LUBRICADORA',
  'TIENDA', 'BAZAR', 'CLÍNICA DENTAL', 'SALÓN DE BELLEZA', 'COMERCIAL', 'DISTRIBUIDORA',
  'MINIMARKET', 'CEVICHERÍA', 'LAVANDERÍA', 'HOSTAL', 'GIMNASIO', 'AUTOLAVADO',
] as const;

// prettier-ignore
const INDUSTRIAL_KINDS = [
  'EMPACADORA', 'PROCESADORA DE CAMARÓN', 'FÁBRICA DE HIELO', 'PROCESADORA DE BANANO',
  'PURIFICADORA DE AGUA', 'INDUSTRIA DE PLÁSTICOS', 'CARTONERA', 'BLOQUERA',
  'LAVADORA DE JEANS', 'EMBOTELLADORA',
] as const;

const COMPANY_FORMS = [' S.A.', ' CIA. LTDA.', ' S.A.S.'] as const;

// prettier-ignore
const SCHOOL_PATRONS = [
  'SIMÓN BOLÍVAR', 'JUAN MONTALVO', 'ELOY ALFARO', 'NUEVE DE OCTUBRE', 'REPÚBLICA DEL PERÚ',
  'MARCEL LANIADO DE WIND', 'JUAN HENRÍQUEZ COELLO', 'MANUELA CAÑIZARES', 'DOLORES VEINTIMILLA',
  'ISMAEL PÉREZ PAZMIÑO', 'HÉROES DE PAQUISHA', 'GABRIELA MISTRAL',
] as const;

// prettier-ignore
const OTHER_PUBLIC = [
  'GAD MUNICIPAL DE MACHALA - MERCADO', 'GAD MUNICIPAL DE MACHALA - PARQUE',
  'CUERPO DE BOMBEROS DE MACHALA - ESTACIÓN', 'POLICÍA NACIONAL - UPC',
  'GOBIERNO PROVINCIAL DE EL ORO - BODEGA', 'GAD MUNICIPAL DE MACHALA - CASA COMUNAL',
] as const;

const EMAIL_DOMAINS = [
  ['gmail.com', 55],
  ['hotmail.com', 25],
  ['yahoo.com', 8],
  ['outlook.com', 7],
  ['yahoo.es', 5],
] as const;

/** Province of issue of cédulas; El Oro dominates. */
const PROVINCES = [
  [7, 85],
  [9, 4],
  [11, 4],
  [1, 2],
  [17, 1.5],
  [13, 1],
  [12, 1],
  [19, 1],
  [3, 0.5],
] as const;

const CATEGORY_WEIGHTS = [
  ['residencial', 88],
  ['comercial', 9],
  ['industrial', 1],
  ['publica', 2],
] as const satisfies readonly (readonly [AccountCategory, number])[];

/** Median monthly bill (USD) and lognormal sigma per category. */
const BILL = {
  residencial: { median: 12, sigma: 0.38, min: 2.5 },
  comercial: { median: 42, sigma: 0.7, min: 8 },
  industrial: { median: 650, sigma: 0.9, min: 120 },
  publica: { median: 160, sigma: 0.8, min: 25 },
} as const satisfies Record<AccountCategory, { median: number; sigma: number; min: number }>;

const MAX_MONTHS_OVERDUE = 72;

// ---------------------------------------------------------------------------------------------
// Small pure helpers.

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const formatCents = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100, 2)}`;
};

/** Days since 1970-01-01 of an ISO date (UTC, no time zone involved). */
const toEpochDay = (iso: string): number => {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
};

const fromEpochDay = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

const stripAccents = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

const slug = (s: string): string =>
  stripAccents(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

/** RUC of a public entity (third digit 6), skipping sequences that admit no check digit. */
function rucPublico(province: number, serial: number): string {
  for (let s = serial; ; s++) {
    const ruc = makeRucPublic(province, pad(s % 100_000, 5));
    if (ruc !== null) return ruc;
  }
}

/**
 * Importers may accept company RUCs without checking their módulo-11 digit (the SRI issues some
 * that fail it), so a wrong check digit is only a sure defect on a cédula or a natural person's
 * RUC (third digit below 6), whose módulo-10 digit is always checked.
 */
const LENIENT_ID = { verifyCompanyRucCheckDigit: false } as const;
const hasCedulaCheckDigit = (id: string): boolean => Number(id[2]) < 6;

// ---------------------------------------------------------------------------------------------
// Account synthesis.

interface Person {
  id: string;
  name: string;
  phone: string;
  email: string;
}

interface Account {
  ordinal: number;
  cuenta: string;
  id: string;
  titular: string;
  direccion: string;
  sector: string;
  ruta: string;
  categoria: AccountCategory;
  telefono: string;
  email: string;
  proteccion: ExportProtection;
}

interface PublicPayer {
  ruc: string;
  emailDomain: string;
}

class PortfolioSynth {
  private readonly zones: Zone[] = [];
  private readonly cedulaSerial = new Map<number, number>();
  private readonly cedulaOffset: number;
  private companySerial: number;
  private readonly recentOwners: Person[] = [];
  private readonly education: PublicPayer;
  private readonly health: PublicPayer;
  private readonly municipal: PublicPayer;

  constructor(private readonly rng: Rng) {
    for (const p of PARISH_ZONES) {
      for (const [name, style] of p.zones) {
        this.zones.push({
          parish: p.parish,
          name,
          style,
          routes: style === 'rural' ? rng.int(2, 5) : rng.int(6, 18),
          weight: p.weight / p.zones.length,
        });
      }
    }
    this.cedulaOffset = rng.int(0, 999_999);
    this.companySerial = rng.int(100_000, 400_000);
    this.education = { ruc: rucPublico(7, rng.int(1000, 9000)), emailDomain: 'educacion.gob.ec' };
    this.health = { ruc: rucPublico(7, rng.int(10_000, 19_000)), emailDomain: 'saludzona7.gob.ec' };
    this.municipal = { ruc: rucPublico(7, rng.int(20_000, 29_000)), emailDomain: 'machala.gob.ec' };
  }

  account(ordinal: number, cuenta: string): Account {
    const rng = this.rng;
    const zoneIndex = this.pickZone();
    const zone = this.zones[zoneIndex]!;
    const ruta = `R-${pad(zoneIndex + 1, 2)}-${pad(rng.int(1, zone.routes), 2)}`;
    const direccion = this.address(zone);
    const categoria = rng.weighted(CATEGORY_WEIGHTS);
    const base = {
      ordinal,
      cuenta,
      direccion,
      sector: zone.parish,
      ruta,
      categoria,
    };
    switch (categoria) {
      case 'residencial': {
        const owner = this.owner();
        return {
          ...base,
          id: owner.id,
          titular: owner.name,
          telefono: owner.phone,
          email: owner.email,
          proteccion: rng.chance(0.03) ? 'vulnerable' : '',
        };
      }
      case 'comercial':
      case 'industrial': {
        const companyShare = categoria === 'comercial' ? 0.4 : 0.85;
        if (!rng.chance(companyShare)) {
          const owner = this.owner();
          return {
            ...base,
            id: makeRucNatural(owner.id),
            titular: owner.name,
            telefono: owner.phone,
            email: owner.email,
            proteccion: '',
          };
        }
        const name = this.companyName(categoria);
        const province = rng.chance(0.9) ? 7 : 9;
        return {
          ...base,
          id: this.companyRuc(province),
          titular: name,
          telefono: this.phone(0.95),
          email: rng.chance(0.8) ? this.companyEmail(name) : '',
          proteccion: '',
        };
      }
      case 'publica':
        return { ...base, ...this.publicEntity(zone) };
    }
  }

  /** Next private-company RUC; sequences without a módulo-11 check digit are skipped. */
  private companyRuc(province: number): string {
    for (;;) {
      const ruc = makeRucPrivate(province, pad(this.companySerial++ % 1_000_000, 6));
      if (ruc !== null) return ruc;
    }
  }

  private pickZone(): number {
    let u = this.rng.next();
    for (let i = 0; i < this.zones.length; i++) {
      u -= this.zones[i]!.weight;
      if (u < 0) return i;
    }
    return this.zones.length - 1;
  }

  private address(zone: Zone): string {
    const rng = this.rng;
    const street = (): string => rng.pick(STREETS);
    const numbered = (): string => `${rng.pick(ORDINALS)} ${rng.pick(DIRECTIONS)}`;
    switch (zone.style) {
      case 'centro':
        return rng.chance(0.5) ? `${rng.pick(AVENUES)} y Calle ${street()}` : this.cityBlock();
      case 'barrio':
        return rng.chance(0.6)
          ? `${zone.name}, Calle ${numbered()} y ${numbered()}`
          : `${zone.name}, Calle ${street()} ${rng.int(100, 2999)}`;
      case 'cdla':
        return rng.chance(0.85)
          ? `Cdla. ${zone.name}, Mz. ${rng.int(1, 60)} Villa ${rng.int(1, 24)}`
          : `Cdla. ${zone.name}, ${rng.pick(AVENUES)} y Calle ${numbered()}`;
      case 'puerto':
        return rng.chance(0.4)
          ? `Malecón de Puerto Bolívar y Calle ${street()}`
          : `Calle ${street()} ${rng.int(100, 999)} y ${numbered()}, Puerto Bolívar`;
      case 'rural':
        return rng.chance(0.5)
          ? `Sitio ${zone.name}, Km ${rng.int(8, 22)} vía Santa Rosa`
          : `Sitio ${zone.name}, junto a la escuela, casa ${rng.int(1, 150)}`;
    }
  }

  /** "Calle Sucre 1204 entre Colón y Junín": three different streets. */
  private cityBlock(): string {
    const rng = this.rng;
    const i = rng.int(0, STREETS.length - 1);
    const j = (i + rng.int(1, 3)) % STREETS.length;
    const k = (j + rng.int(1, 3)) % STREETS.length;
    const number = `${rng.int(1, 30)}${pad(rng.int(1, 99), 2)}`;
    return `Calle ${STREETS[i]} ${number} entre ${STREETS[j]} y ${STREETS[k]}`;
  }

  private owner(): Person {
    const rng = this.rng;
    if (this.recentOwners.length > 50 && rng.chance(0.04)) return rng.pick(this.recentOwners);
    const person = this.person();
    if (this.recentOwners.length < 500) this.recentOwners.push(person);
    else this.recentOwners[rng.int(0, 499)] = person;
    return person;
  }

  private person(): Person {
    const rng = this.rng;
    const names: readonly string[] = rng.chance(0.5) ? FEMALE_NAMES : MALE_NAMES;
    const given = rng.pickSkewed(names);
    let second = rng.pickSkewed(names);
    if (names === FEMALE_NAMES && rng.chance(0.08)) second = rng.pick(COMPOUND_SECOND_NAMES);
    while (second === given) second = rng.pick(names);
    const surname = rng.pickSkewed(SURNAMES);
    const surname2 = rng.pickSkewed(SURNAMES);
    const id = this.cedula();
    return {
      id,
      name: `${surname} ${surname2} ${given} ${second}`,
      phone: this.phone(0.82),
      email: rng.chance(0.5) ? this.personEmail(given, second, surname, surname2) : '',
    };
  }

  /** Unique per generated person: serial per province through a bijection of 0..999999. */
  private cedula(): string {
    const rng = this.rng;
    const province = rng.weighted(PROVINCES);
    const serial = this.cedulaSerial.get(province) ?? 0;
    this.cedulaSerial.set(province, serial + 1);
    const body = (serial * 618_033 + this.cedulaOffset + province * 271_829) % 1_000_000;
    const third = rng.weighted([
      [0, 45],
      [1, 35],
      [2, 15],
      [3, 3],
      [4, 1],
      [5, 1],
    ] as const);
    return makeCedula(province, pad(body, 6), third);
  }

  private phone(pHasPhone: number): string {
    const rng = this.rng;
    if (!rng.chance(pHasPhone)) return '';
    if (rng.chance(0.85)) return `09${rng.int(5, 9)}${rng.digits(7)}`;
    return `072${rng.digits(6)}`;
  }

  private personEmail(g1: string, g2: string, s1: string, s2: string): string {
    const rng = this.rng;
    const [a, b, c, d] = [g1, g2, s1, s2].map(slug) as [string, string, string, string];
    const year = rng.chance(0.5) ? String(rng.int(60, 99)) : pad(rng.int(0, 12), 2);
    const local = rng.pick([
      `${a}.${c}`,
      `${a}${c}${year}`,
      `${a[0]}${b[0]}${c}`,
      `${a}_${c}${d[0]}`,
      `${c}.${a}${year}`,
    ]);
    return `${local}@${rng.weighted(EMAIL_DOMAINS)}`;
  }

  private companyName(categoria: 'comercial' | 'industrial'): string {
    const rng = this.rng;
    const kind = rng.pick(categoria === 'comercial' ? COMMERCIAL_KINDS : INDUSTRIAL_KINDS);
    const brand = rng.chance(0.3)
      ? `${rng.pickSkewed(SURNAMES)} & HIJOS`
      : rng.chance(0.12)
        ? `"${rng.pick(BRAND_WORDS)}"`
        : rng.pick(BRAND_WORDS);
    return `${kind} ${brand}${rng.pick(COMPANY_FORMS)}`;
  }

  private companyEmail(name: string): string {
    const words = name
      .replace(/"/g, '')
      .replace(/ (S\.A\.S\.|S\.A\.|CIA\. LTDA\.)$/, '')
      .replace(/ & HIJOS$/, 'HIJOS')
      .split(' ');
    const domain = slug(words.slice(-2).join('')).slice(0, 20);
    return `${this.rng.pick(['info', 'contabilidad', 'gerencia', 'ventas'])}@${domain}.com.ec`;
  }

  private publicEntity(
    zone: Zone,
  ): Omit<Account, 'ordinal' | 'cuenta' | 'direccion' | 'sector' | 'ruta' | 'categoria'> {
    const rng = this.rng;
    const kind = rng.weighted([
      ['escuela', 45],
      ['hospital', 25],
      ['otro', 30],
    ] as const);
    const place = zone.name.toUpperCase();
    if (kind === 'escuela') {
      const name = rng.chance(0.5)
        ? `UNIDAD EDUCATIVA FISCAL ${rng.pick(SCHOOL_PATRONS)}`
        : `ESCUELA FISCAL MIXTA N° ${rng.int(1, 120)} ${rng.pick(SCHOOL_PATRONS)}`;
      return {
        id: this.education.ruc,
        titular: name,
        telefono: this.phone(0.7),
        email: rng.chance(0.7) ? `${slug(name).slice(-16)}@${this.education.emailDomain}` : '',
        proteccion: 'escuela',
      };
    }
    if (kind === 'hospital') {
      const name = rng.chance(0.8)
        ? `CENTRO DE SALUD TIPO ${rng.pick(['A', 'B', 'C'])} ${place}`
        : `HOSPITAL BÁSICO ${place}`;
      return {
        id: this.health.ruc,
        titular: name,
        telefono: this.phone(0.8),
        email: rng.chance(0.7) ? `cs.${slug(place).slice(0, 16)}@${this.health.emailDomain}` : '',
        proteccion: 'hospital',
      };
    }
    const name = `${rng.pick(OTHER_PUBLIC)} ${place}`;
    return {
      id: this.municipal.ruc,
      titular: name,
      telefono: this.phone(0.6),
      email: rng.chance(0.7)
        ? `servicios.${slug(place).slice(0, 12)}@${this.municipal.emailDomain}`
        : '',
      proteccion: '',
    };
  }
}

/** Long-tailed months overdue: many 1–3, Pareto tail from 4 up to {@link MAX_MONTHS_OVERDUE}. */
function monthsOverdue(rng: Rng): number {
  const u = rng.next();
  if (u < 0.34) return 1;
  if (u < 0.54) return 2;
  if (u < 0.66) return 3;
  const tail = Math.floor(4 / (1 - rng.next()) ** (1 / 1.1));
  return Math.min(MAX_MONTHS_OVERDUE, tail);
}

/** Month index (year × 12 + month − 1) of the latest invoice already past due on `asOf`. */
function latestOverdueMonth(asOfDay: number, asOf: string): number {
  const [y, m] = asOf.split('-').map(Number) as [number, number];
  for (let idx = y * 12 + m - 1; ; idx--) {
    const emision = Date.UTC(Math.floor(idx / 12), idx % 12, 1) / 86_400_000;
    if (emision + 30 < asOfDay) return idx;
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed rows.

function corrupt(row: PortfolioRow, defect: MalformedDefect, rng: Rng): PortfolioRow {
  const bad: PortfolioRow = { ...row, defect };
  switch (defect) {
    case 'invalid_id_check_digit': {
      const id = row.cedula_ruc;
      const start = rng.int(1, 9);
      for (let k = 0; k < 9; k++) {
        const digit = (Number(id[9]) + ((start + k - 1) % 9) + 1) % 10;
        bad.cedula_ruc = `${id.slice(0, 9)}${digit}${id.slice(10)}`;
        if (!validateIdentification(bad.cedula_ruc, LENIENT_ID).ok) break;
      }
      break;
    }
    case 'negative_saldo':
      bad.saldo = `-${row.saldo}`;
      break;
    case 'saldo_exceeds_valor': {
      const valor = Math.round(Number(row.valor) * 100);
      bad.saldo = formatCents(valor + rng.int(1, Math.max(1, Math.round(valor / 2))));
      break;
    }
    case 'unparseable_date':
      if (rng.chance(0.5)) bad.emision = `31/02/${row.emision.slice(0, 4)}`;
      else bad.vencimiento = `31/02/${row.vencimiento.slice(0, 4)}`;
      break;
    case 'vencimiento_before_emision':
      bad.vencimiento = fromEpochDay(toEpochDay(row.emision) - rng.int(1, 20));
      break;
    case 'empty_cuenta':
      bad.cuenta = '';
      break;
    case 'unknown_categoria':
      bad.categoria = rng.pick(['domestica', 'mixta', 'social', 'agricola']);
      break;
    case 'amount_three_decimals':
      bad.valor = `${row.valor}${rng.int(1, 9)}`;
      break;
    case 'email_without_at':
      bad.email = row.email
        ? row.email.replace('@', rng.chance(0.5) ? '.' : '')
        : `${slug(row.titular.split(' ').slice(-2).join('.')).slice(0, 20)}gmail.com`;
      break;
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Generation.

interface GeneratedRecord {
  row: PortfolioRow;
  /** 1-based ordinal of the service account among all accounts of the utility. */
  accountOrdinal: number;
}

/** Validates and fills defaults; throws a ZodError on invalid options. */
export function resolvePortfolioOptions(o: PortfolioOptions = {}): ResolvedOptions {
  return PortfolioOptionsSchema.parse(o);
}

function* generateRecords(options: PortfolioOptions = {}): Generator<GeneratedRecord> {
  const o = resolvePortfolioOptions(options);
  const rng = new Rng(o.seed);
  const defectRng = new Rng(o.seed ^ 0x5bd1e995);
  const synth = new PortfolioSynth(rng);
  const asOfDay = toEpochDay(o.asOf);
  const latest = latestOverdueMonth(asOfDay, o.asOf);

  let delinquentLeft = Math.round(o.accounts * o.delinquentShare);
  let cuentaNo = rng.int(1_000, 3_000);
  let rows = 0;
  let malformedCount = 0;
  let deferred: MalformedDefect | undefined;

  for (let ordinal = 1; ordinal <= o.accounts; ordinal++) {
    // Closed or merged accounts leave gaps in the numbering.
    cuentaNo += rng.chance(0.2) ? rng.int(2, 6) : 1;
    // Selection sampling: exactly `delinquentLeft` of the remaining accounts are chosen.
    const remaining = o.accounts - ordinal + 1;
    if (!(rng.next() * remaining < delinquentLeft)) continue;
    delinquentLeft--;

    const account = synth.account(ordinal, pad(cuentaNo, 7));
    const months = monthsOverdue(rng);
    const bill = BILL[account.categoria];
    const baseCents = Math.max(bill.min * 100, rng.lognormal(bill.median * 100, bill.sigma));
    const partialOldest = rng.chance(0.1);

    for (let k = 0; k < months; k++) {
      const monthIdx = latest - (months - 1) + k;
      const year = Math.floor(monthIdx / 12);
      const month = (monthIdx % 12) + 1;
      const emisionDay = Date.UTC(year, month - 1, 1) / 86_400_000;
      const valor = Math.max(100, Math.round(baseCents * Math.exp(0.12 * rng.normal())));
      let saldo = valor;
      if (k === 0 && partialOldest) {
        saldo = Math.min(valor - 1, Math.max(1, Math.round(valor * (0.15 + 0.7 * rng.next()))));
      }
      const seq = (month - 1) * o.accounts + ordinal;
      let row: PortfolioRow = {
        cuenta: account.cuenta,
        cedula_ruc: account.id,
        titular: account.titular,
        direccion: account.direccion,
        sector: account.sector,
        ruta: account.ruta,
        categoria: account.categoria,
        telefono: account.telefono,
        email: account.email,
        factura: `F-${year}-${pad(seq, 7)}`,
        emision: fromEpochDay(emisionDay),
        vencimiento: fromEpochDay(emisionDay + 30),
        valor: formatCents(valor),
        saldo: formatCents(saldo),
        proteccion: account.proteccion,
      };
      rows++;
      if (o.malformedEvery !== undefined && rows % o.malformedEvery === 0) {
        let defect = deferred ?? MALFORMED_DEFECTS[malformedCount++ % MALFORMED_DEFECTS.length]!;
        deferred = undefined;
        if (defect === 'invalid_id_check_digit' && !hasCedulaCheckDigit(row.cedula_ruc)) {
          // Not a sure defect on a company RUC: keep it for the next malformed row.
          deferred = defect;
          defect = MALFORMED_DEFECTS[malformedCount++ % MALFORMED_DEFECTS.length]!;
        }
        row = corrupt(row, defect, defectRng);
      }
      yield { row, accountOrdinal: ordinal };
      if (o.maxRows !== undefined && rows >= o.maxRows) return;
    }
  }
}

/**
 * Rows of the export, in account order and, within an account, oldest invoice first.
 * Deterministic for given options; throws a ZodError on invalid options.
 */
export function* generatePortfolioRows(o: PortfolioOptions = {}): Generator<PortfolioRow> {
  for (const { row } of generateRecords(o)) yield row;
}

/**
 * Rough number of rows a full export will have (for progress bars): delinquent accounts × mean
 * months overdue. Exact when `maxRows` is set and smaller.
 */
export function estimatePortfolioRows(options: PortfolioOptions = {}): number {
  const o = resolvePortfolioOptions(options);
  const estimate = Math.round(o.accounts * o.delinquentShare * MEAN_MONTHS_OVERDUE);
  return o.maxRows === undefined ? estimate : Math.min(o.maxRows, estimate);
}

/** Mean of {@link monthsOverdue}: 0.34 + 2·0.20 + 3·0.12 + 0.34 · Σₖ₌₁..₇₂ min(1, (4/k)^1.1). */
const MEAN_MONTHS_OVERDUE = 5.72;

const csvField = (value: string): string =>
  /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;

const csvLine = (values: readonly string[]): string => values.map(csvField).join(',') + '\r\n';

/** Counts rows/accounts and records malformed lines while passing records through. */
function* tally(
  records: Iterable<GeneratedRecord>,
  summary: PortfolioFileSummary,
  onProgress: ((rows: number) => void) | undefined,
): Generator<PortfolioRow> {
  let lastAccount = -1;
  for (const { row, accountOrdinal } of records) {
    summary.rows++;
    if (accountOrdinal !== lastAccount) {
      summary.accounts++;
      lastAccount = accountOrdinal;
    }
    if (row.defect) summary.malformed.push({ line: summary.rows + 1, defect: row.defect });
    if (onProgress && summary.rows % 1000 === 0) onProgress(summary.rows);
    yield row;
  }
}

/**
 * Writes the export as CSV (RFC 4180, CRLF, UTF-8, header row). Same options ⇒ same bytes.
 * `onProgress` is called every 1,000 rows and once at the end.
 */
export async function writePortfolioCsv(
  path: string,
  o: PortfolioOptions = {},
  onProgress?: (rows: number) => void,
): Promise<PortfolioFileSummary> {
  resolvePortfolioOptions(o); // fail before creating the file
  const records = generateRecords(o);
  const summary: PortfolioFileSummary = { rows: 0, accounts: 0, malformed: [] };
  function* chunks(): Generator<string> {
    let buffer = csvLine(PORTFOLIO_COLUMNS);
    for (const row of tally(records, summary, onProgress)) {
      buffer += csvLine(PORTFOLIO_COLUMNS.map((c) => row[c]));
      if (buffer.length >= 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    yield buffer;
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
  onProgress?.(summary.rows);
  return summary;
}

/**
 * Writes the export as XLSX with exceljs' streaming writer: one sheet "cartera", header in
 * row 1, every cell a string as in the CSV. `onProgress` as for {@link writePortfolioCsv}.
 */
export async function writePortfolioXlsx(
  path: string,
  o: PortfolioOptions = {},
  onProgress?: (rows: number) => void,
): Promise<PortfolioFileSummary> {
  const resolved = resolvePortfolioOptions(o);
  const records = generateRecords(o);
  const summary: PortfolioFileSummary = { rows: 0, accounts: 0, malformed: [] };
  const out = createWriteStream(path);
  let streamError: Error | undefined;
  // exceljs listens for stream errors only once committing; an earlier one (e.g. no such
  // folder) would otherwise be unhandled and leave commit() waiting forever.
  const failed = new Promise<never>((_resolve, reject) =>
    out.on('error', (error) => reject((streamError = error))),
  );
  failed.catch(() => undefined);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: false,
    useSharedStrings: false,
  });
  const asOf = new Date(`${resolved.asOf}T00:00:00Z`);
  workbook.creator = 'Cartera (datos sintéticos)';
  workbook.created = asOf;
  workbook.modified = asOf;
  const sheet = workbook.addWorksheet('cartera');
  sheet.addRow([...PORTFOLIO_COLUMNS]).commit();
  for (const row of tally(records, summary, onProgress)) {
    sheet.addRow(PORTFOLIO_COLUMNS.map((c) => row[c])).commit();
    // Let the zip stream drain instead of buffering the whole sheet in memory.
    if (summary.rows % 2000 === 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (streamError) throw streamError;
    }
  }
  sheet.commit();
  await Promise.race([workbook.commit().then(() => finished(out)), failed]);
  onProgress?.(summary.rows);
  return summary;
}
