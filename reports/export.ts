/**
 * The dashboard's reports as files managers keep and forward: XLSX (formatted, money as dollars
 * with two decimals, a totals row, the filter used and when it was generated) and CSV (UTF-8
 * with BOM so Excel reads the accents, a header row, the totals row last).
 *
 * The figures are the same SQL as GET /api/dashboard (reports/kpis.ts) over the same
 * {@link KpiScope}; only the recovery by sector and by collector are grouped here.
 */
import ExcelJS from 'exceljs';
import { Prisma, type PrismaClient } from '../prisma/client.js';
import { addCalendarDays, localDateToInstant } from '../domain/calendar.js';
import {
  aging,
  commitments,
  funnel,
  morosidad,
  legalFigures,
  productivity,
  reconnection,
  recovery,
  rollCure,
  suspensions,
  type KpiScope,
} from './kpis.js';

/** How a column is written: money is integer cents in the rows, dollars in the files. */
export type ColumnKind = 'text' | 'int' | 'money' | 'rate' | 'hours';

export interface ReportColumn {
  key: string;
  header: string;
  kind: ColumnKind;
  /** Summed in the totals row (counts and money only). */
  total?: boolean;
  /** A rate column whose totals-row cell is total(part) ÷ total(whole) (both summed columns). */
  ratio?: { part: string; whole: string };
}

export type ReportCell = string | number | null;

/** One table: a sheet of the workbook, or the whole CSV. */
export interface ReportTable {
  /** Sheet name (≤ 31 characters, Excel's limit). */
  sheet: string;
  title: string;
  columns: ReportColumn[];
  rows: Record<string, ReportCell>[];
}

export interface Report {
  name: ReportName;
  title: string;
  tables: ReportTable[];
}

/** The filter a report was computed with, as printed on it. */
export interface ReportFilter {
  scope: KpiScope;
  /** The collector's name when `scope.collectorId` is set. */
  collectorName?: string | null;
}

export const REPORT_NAMES = [
  'cartera',
  'morosidad',
  'antiguedad',
  'embudo',
  'recuperacion',
  'recuperacion-sectores',
  'recuperacion-gestores',
  'productividad',
  'compromisos',
  'rodamiento',
  'suspensiones',
  'titulos-coactivas',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export const REPORT_TITLES: Record<ReportName, string> = {
  cartera: 'Informe de cartera',
  morosidad: 'Índice de morosidad',
  antiguedad: 'Antigüedad de la cartera',
  embudo: 'Casos abiertos por etapa',
  recuperacion: 'Recuperación por mes',
  'recuperacion-sectores': 'Recuperación por sector',
  'recuperacion-gestores': 'Recuperación por gestor',
  productividad: 'Productividad de los gestores',
  compromisos: 'Convenios, promesas y reconexiones',
  rodamiento: 'Rodamiento y cura de la cartera',
  suspensiones: 'Suspensiones y reconexiones',
  'titulos-coactivas': 'Títulos de crédito y coactivas',
};

const BUCKET_LABELS: Record<string, string> = {
  '0-30': '1 a 30 días',
  '31-60': '31 a 60 días',
  '61-90': '61 a 90 días',
  '91-180': '91 a 180 días',
  '181-360': '181 a 360 días',
  '361+': 'Más de 360 días',
};

const STAGE_LABELS: Record<string, string> = {
  reminder: 'Recordatorio',
  agreement: 'Convenio',
  suspension: 'Suspensión',
  credit_title: 'Título de crédito',
  coactiva: 'Coactiva',
};

function periodBounds(s: KpiScope): { start: Date; end: Date } {
  return { start: localDateToInstant(s.from), end: localDateToInstant(addCalendarDays(s.to, 1)) };
}

/** Payments applied to cases in the period, grouped by the account's sector or the case's collector. */
async function recoveryBy(
  db: PrismaClient,
  s: KpiScope,
  by: 'sector' | 'collector',
): Promise<{ label: string; payments: number; cents: number }[]> {
  const { start, end } = periodBounds(s);
  const sector = s.sector ?? null;
  const collector = s.collectorId ?? null;
  const group =
    by === 'sector'
      ? Prisma.sql`a.sector`
      : Prisma.sql`coalesce(u."displayName", 'Sin gestor asignado')`;
  const rows = await db.$queryRaw<{ label: string; payments: number; cents: bigint }[]>`
    SELECT ${group} AS label, count(*)::int AS payments, sum(p."amountCents")::bigint AS cents
    FROM "Payment" p
    JOIN "Case" c ON c.id = p."caseId"
    JOIN "Account" a ON a.id = c."accountId"
    LEFT JOIN "User" u ON u.id = c."assignedCollectorId"
    WHERE p."paidAt" >= ${start} AND p."paidAt" < ${end}
      AND (${sector}::text IS NULL OR a.sector = ${sector}::text)
      AND (${collector}::uuid IS NULL OR c."assignedCollectorId" = ${collector}::uuid)
    GROUP BY 1 ORDER BY 3 DESC, 1`;
  return rows.map((r) => ({ label: r.label, payments: r.payments, cents: Number(r.cents) }));
}

type Builder = (db: PrismaClient, s: KpiScope) => Promise<ReportTable>;

const TABLES: Record<Exclude<ReportName, 'cartera'>, Builder> = {
  async morosidad(db, s) {
    const m = await morosidad(db, s);
    return {
      sheet: 'Morosidad',
      title: `${REPORT_TITLES.morosidad} al ${s.today}`,
      columns: [
        { key: 'overdue', header: 'Saldo vencido', kind: 'money' },
        { key: 'portfolio', header: 'Saldo total de la cartera', kind: 'money' },
        { key: 'index', header: 'Índice de morosidad', kind: 'rate' },
      ],
      rows: [{ overdue: m.overdueCents, portfolio: m.portfolioCents, index: m.index }],
    };
  },
  async antiguedad(db, s) {
    const rows = await aging(db, s);
    return {
      sheet: 'Antigüedad',
      title: `${REPORT_TITLES.antiguedad} al ${s.today} (casos abiertos)`,
      columns: [
        { key: 'bucket', header: 'Días de mora', kind: 'text' },
        { key: 'cases', header: 'Casos', kind: 'int', total: true },
        { key: 'balance', header: 'Saldo', kind: 'money', total: true },
      ],
      rows: rows.map((r) => ({ bucket: r.bucket, cases: r.cases, balance: r.balanceCents })),
    };
  },
  async embudo(db, s) {
    const rows = await funnel(db, s);
    return {
      sheet: 'Etapas',
      title: `${REPORT_TITLES.embudo} al ${s.today}`,
      columns: [
        { key: 'stage', header: 'Etapa', kind: 'text' },
        { key: 'cases', header: 'Casos', kind: 'int', total: true },
        { key: 'balance', header: 'Saldo', kind: 'money', total: true },
      ],
      rows: rows.map((r) => ({
        stage: STAGE_LABELS[r.stage] ?? r.stage,
        cases: r.cases,
        balance: r.balanceCents,
      })),
    };
  },
  async recuperacion(db, s) {
    const r = await recovery(db, s);
    return {
      sheet: 'Recuperación',
      title: REPORT_TITLES.recuperacion,
      columns: [
        { key: 'month', header: 'Mes', kind: 'text' },
        { key: 'payments', header: 'Pagos', kind: 'int', total: true },
        { key: 'amount', header: 'Recuperado', kind: 'money', total: true },
      ],
      rows: r.byMonth.map((m) => ({ month: m.month, payments: m.payments, amount: m.cents })),
    };
  },
  async 'recuperacion-sectores'(db, s) {
    const rows = await recoveryBy(db, s, 'sector');
    return {
      sheet: 'Recuperación por sector',
      title: REPORT_TITLES['recuperacion-sectores'],
      columns: [
        { key: 'sector', header: 'Sector', kind: 'text' },
        { key: 'payments', header: 'Pagos', kind: 'int', total: true },
        { key: 'amount', header: 'Recuperado', kind: 'money', total: true },
      ],
      rows: rows.map((r) => ({ sector: r.label, payments: r.payments, amount: r.cents })),
    };
  },
  async 'recuperacion-gestores'(db, s) {
    const rows = await recoveryBy(db, s, 'collector');
    return {
      sheet: 'Recuperación por gestor',
      title: `${REPORT_TITLES['recuperacion-gestores']} (gestor asignado hoy)`,
      columns: [
        { key: 'collector', header: 'Gestor', kind: 'text' },
        { key: 'payments', header: 'Pagos', kind: 'int', total: true },
        { key: 'amount', header: 'Recuperado', kind: 'money', total: true },
      ],
      rows: rows.map((r) => ({ collector: r.label, payments: r.payments, amount: r.cents })),
    };
  },
  async productividad(db, s) {
    const rows = await productivity(db, s);
    return {
      sheet: 'Productividad',
      title: REPORT_TITLES.productividad,
      columns: [
        { key: 'collector', header: 'Gestor', kind: 'text' },
        { key: 'openCases', header: 'Casos abiertos', kind: 'int', total: true },
        { key: 'tasksDone', header: 'Tareas hechas', kind: 'int', total: true },
        { key: 'contacts', header: 'Contactos', kind: 'int', total: true },
        { key: 'promises', header: 'Promesas de pago', kind: 'int', total: true },
        { key: 'recovered', header: 'Recuperado', kind: 'money', total: true },
      ],
      rows: rows.map((p) => ({
        collector: p.collector.displayName,
        openCases: p.openCases,
        tasksDone: p.tasksDone,
        contacts: p.contacts,
        promises: p.promises,
        recovered: p.recoveredCents,
      })),
    };
  },
  async compromisos(db, s) {
    const [c, r] = await Promise.all([commitments(db, s), reconnection(db, s)]);
    return {
      sheet: 'Compromisos',
      title: REPORT_TITLES.compromisos,
      columns: [
        { key: 'measure', header: 'Indicador', kind: 'text' },
        { key: 'count', header: 'Cantidad', kind: 'int' },
        { key: 'rate', header: 'Tasa', kind: 'rate' },
        { key: 'hours', header: 'Horas', kind: 'hours' },
      ],
      rows: [
        { measure: 'Convenios vigentes (hoy)', count: c.activeAgreements, rate: null, hours: null },
        { measure: 'Convenios pagados', count: c.agreementsPaidOff, rate: null, hours: null },
        { measure: 'Convenios incumplidos', count: c.agreementsBroken, rate: null, hours: null },
        {
          measure: 'Cumplimiento de convenios',
          count: null,
          rate: c.agreementCompliance,
          hours: null,
        },
        { measure: 'Promesas cumplidas', count: c.promisesKept, rate: null, hours: null },
        { measure: 'Promesas incumplidas', count: c.promisesBroken, rate: null, hours: null },
        {
          measure: 'Cumplimiento de promesas',
          count: null,
          rate: c.promiseKeptRate,
          hours: null,
        },
        { measure: 'Reconexiones', count: r.count, rate: null, hours: null },
        {
          measure: 'Horas hasta la reconexión (promedio)',
          count: null,
          rate: null,
          hours: r.avgHours,
        },
        {
          measure: 'Horas hasta la reconexión (máximo)',
          count: null,
          rate: null,
          hours: r.maxHours,
        },
      ],
    };
  },
  async rodamiento(db, s) {
    const r = await rollCure(db, s);
    return {
      sheet: 'Rodamiento',
      title: `${REPORT_TITLES.rodamiento}: casos en mora al ${s.from}, por tramo de antigüedad, y dónde estaban al ${s.to}`,
      columns: [
        { key: 'bucket', header: 'Días de mora al inicio', kind: 'text' },
        { key: 'cases', header: 'Casos en mora al inicio', kind: 'int', total: true },
        { key: 'rolled', header: 'Pasaron a un tramo peor', kind: 'int', total: true },
        { key: 'cured', header: 'Curados', kind: 'int', total: true },
        { key: 'closedOther', header: 'Cerrados sin pago', kind: 'int', total: true },
        {
          key: 'rollRate',
          header: 'Tasa de rodamiento',
          kind: 'rate',
          ratio: { part: 'rolled', whole: 'cases' },
        },
        {
          key: 'cureRate',
          header: 'Tasa de cura',
          kind: 'rate',
          ratio: { part: 'cured', whole: 'cases' },
        },
      ],
      rows: r.byBucket.map((b) => ({
        bucket: BUCKET_LABELS[b.bucket] ?? b.bucket,
        cases: b.cases,
        rolled: b.rolled,
        cured: b.cured,
        closedOther: b.closedOther,
        rollRate: b.rollRate,
        cureRate: b.cureRate,
      })),
    };
  },
  async suspensiones(db, s) {
    const [c, r] = await Promise.all([suspensions(db, s), reconnection(db, s)]);
    const line = (measure: string, count: number | null, hours: number | null = null) => ({
      measure,
      count,
      hours,
    });
    return {
      sheet: 'Suspensiones',
      title: REPORT_TITLES.suspensiones,
      columns: [
        { key: 'measure', header: 'Indicador', kind: 'text' },
        { key: 'count', header: 'Cantidad', kind: 'int' },
        { key: 'hours', header: 'Horas', kind: 'hours' },
      ],
      rows: [
        line('Órdenes de suspensión emitidas', c.ordered),
        line('Suspensiones ejecutadas', c.done),
        line('Suspensiones no ejecutadas', c.notDone),
        line('Horas de la orden al corte (promedio)', null, c.avgHours),
        line('Horas de la orden al corte (máximo)', null, c.maxHours),
        line('Reconexiones ejecutadas', r.count),
        line('Horas del pago o convenio a la reconexión (promedio)', null, r.avgHours),
        line('Horas del pago o convenio a la reconexión (máximo)', null, r.maxHours),
      ],
    };
  },
  async 'titulos-coactivas'(db, s) {
    const { titles: t, coactivas: k } = await legalFigures(db, s);
    const line = (measure: string, count: number, amount: number | null) => ({
      measure,
      count,
      amount,
    });
    return {
      sheet: 'Títulos y coactivas',
      title: REPORT_TITLES['titulos-coactivas'],
      columns: [
        { key: 'measure', header: 'Indicador', kind: 'text' },
        { key: 'count', header: 'Cantidad', kind: 'int' },
        { key: 'amount', header: 'Valor', kind: 'money' },
      ],
      rows: [
        line('Títulos de crédito emitidos', t.issued, t.issuedCents),
        line('Títulos de crédito notificados', t.notified, t.notifiedCents),
        line('Títulos de crédito pagados', t.paid, t.paidCents),
        line('Coactivas abiertas', k.opened, k.openedCents),
        line('Pagos recibidos en coactiva', k.payments, k.recoveredCents),
        line('Coactivas pagadas en su totalidad', k.paidInFull, null),
      ],
    };
  },
};

/** Computes a report: one table, or every table for `cartera` (the monthly portfolio report). */
export async function buildReport(
  db: PrismaClient,
  name: ReportName,
  scope: KpiScope,
): Promise<Report> {
  const names = name === 'cartera' ? (Object.keys(TABLES) as (keyof typeof TABLES)[]) : [name];
  const tables = await Promise.all(names.map((n) => TABLES[n](db, scope)));
  return { name, title: REPORT_TITLES[name], tables };
}

/**
 * The totals of a table's summed columns, exact (integer cents and counts), and of its ratio
 * columns (part ÷ whole of those totals).
 */
export function totalsOf(table: ReportTable): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of table.columns.filter((c) => c.total)) {
    out[c.key] = table.rows.reduce(
      (t, r) => t + (typeof r[c.key] === 'number' ? (r[c.key] as number) : 0),
      0,
    );
  }
  // Rates of the whole table: ratio of the sums, not a sum of rates; none over an empty whole.
  for (const c of table.columns) {
    if (!c.ratio) continue;
    const whole = out[c.ratio.whole] ?? 0;
    if (whole > 0) out[c.key] = (out[c.ratio.part] ?? 0) / whole;
  }
  return out;
}

/** "Periodo: … · Sector: … · Gestor: …", as printed on the files. */
export function describeFilter(f: ReportFilter): string {
  const s = f.scope;
  return [
    `Periodo: ${s.from} a ${s.to}`,
    `Saldos al ${s.today}`,
    `Sector: ${s.sector ?? 'todos'}`,
    `Gestor: ${s.collectorId ? (f.collectorName ?? s.collectorId) : 'todos'}`,
  ].join(' · ');
}

/** `2026-03-10 15:30` in Guayaquil (UTC−05:00, no daylight saving). */
function guayaquilTime(at: Date): string {
  return new Date(at.getTime() - 5 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

const MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00';
const FORMATS: Record<ColumnKind, string | undefined> = {
  text: undefined,
  int: '#,##0',
  money: MONEY_FORMAT,
  rate: '0.0%',
  hours: '#,##0.0',
};

/** The value as written in the workbook: money in dollars. */
function cellValue(kind: ColumnKind, v: ReportCell): ReportCell {
  if (v === null) return null;
  return kind === 'money' && typeof v === 'number' ? v / 100 : v;
}

/** Rows above the header: title, filter, generated-at, blank. */
export const XLSX_HEADER_ROW = 5;

/** The report as an XLSX workbook, one sheet per table. */
export async function reportToXlsx(
  report: Report,
  filter: ReportFilter,
  generatedAt: Date,
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Cartera — Aguas Machala EP';
  wb.created = generatedAt;
  const filterLine = `Filtro: ${describeFilter(filter)}`;
  const generatedLine = `Generado: ${guayaquilTime(generatedAt)} (hora de Guayaquil)`;
  for (const table of report.tables) {
    const ws = wb.addWorksheet(table.sheet.slice(0, 31), {
      views: [{ state: 'frozen', ySplit: XLSX_HEADER_ROW }],
    });
    const width = table.columns.length;
    ws.getCell(1, 1).value = table.title;
    ws.getCell(1, 1).font = { bold: true, size: 14 };
    ws.getCell(2, 1).value = filterLine;
    ws.getCell(3, 1).value = generatedLine;
    for (const r of [2, 3]) ws.getCell(r, 1).font = { italic: true, color: { argb: 'FF555555' } };

    const header = ws.getRow(XLSX_HEADER_ROW);
    table.columns.forEach((c, i) => {
      const cell = header.getCell(i + 1);
      cell.value = c.header;
      cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E79' } };
      cell.alignment = { vertical: 'middle', horizontal: c.kind === 'text' ? 'left' : 'right' };
      cell.border = { bottom: { style: 'thin' } };
      ws.getColumn(i + 1).width = Math.max(12, c.header.length + 4, c.kind === 'text' ? 28 : 14);
      const fmt = FORMATS[c.kind];
      if (fmt) ws.getColumn(i + 1).numFmt = fmt;
    });

    const first = XLSX_HEADER_ROW + 1;
    // Text goes in as string cells, which Excel never evaluates (formula-like text included);
    // the only formulas in the workbook are the totals row's own.
    table.rows.forEach((row, r) => {
      const line = ws.getRow(first + r);
      table.columns.forEach((c, i) => {
        line.getCell(i + 1).value = cellValue(c.kind, row[c.key] ?? null);
      });
    });
    const last = first + table.rows.length - 1;

    if (table.columns.some((c) => c.total)) {
      const totals = totalsOf(table);
      const line = ws.getRow(last + 1);
      line.getCell(1).value = 'Total';
      const letterOf = (key: string) =>
        ws.getColumn(table.columns.findIndex((c) => c.key === key) + 1).letter;
      table.columns.forEach((c, i) => {
        if (c.ratio) {
          const result = totals[c.key];
          // Left blank when the whole is zero, as the rows leave an undefined rate.
          if (result !== undefined)
            line.getCell(i + 1).value = {
              formula: `${letterOf(c.ratio.part)}${last + 1}/${letterOf(c.ratio.whole)}${last + 1}`,
              result,
            };
          return;
        }
        if (!c.total) return;
        const col = ws.getColumn(i + 1).letter;
        const result = cellValue(c.kind, totals[c.key] ?? 0) as number;
        line.getCell(i + 1).value =
          table.rows.length > 0 ? { formula: `SUM(${col}${first}:${col}${last})`, result } : result;
      });
      for (let i = 1; i <= width; i++) {
        const cell = line.getCell(i);
        cell.font = { bold: true };
        cell.border = { top: { style: 'thin' }, bottom: { style: 'double' } };
      }
    }
    if (table.rows.length > 0)
      ws.autoFilter = {
        from: { row: XLSX_HEADER_ROW, column: 1 },
        to: { row: last, column: width },
      };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** What a spreadsheet reads as the start of a formula (or DDE call) when it opens a CSV. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Text that Excel or LibreOffice would run as a formula when opening a CSV (a sector or a name
 * imported as `=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`): prefixed with an apostrophe so it shows as
 * the text it is (OWASP, "CSV injection"). Plain numbers such as `-12.50` are left alone.
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/**
 * One CSV field: formula-like text neutralised, then quoted when it holds a separator, a quote
 * or a line break.
 */
export function csvField(v: ReportCell): string {
  if (v === null) return '';
  const s = typeof v === 'string' ? neutraliseFormula(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Money as `1234.56` (no thousands separator), rates as fractions, hours with one decimal. */
function csvValue(kind: ColumnKind, v: ReportCell): ReportCell {
  if (v === null || typeof v !== 'number') return v;
  if (kind === 'money') return (v / 100).toFixed(2);
  if (kind === 'rate') return v.toFixed(4);
  if (kind === 'hours') return v.toFixed(1);
  return v;
}

/**
 * A one-table report as CSV: UTF-8 with BOM, CRLF, a header row, the rows, and a `Total` row
 * when the table has summed columns. The filter goes in the file name, not in the rows, so any
 * CSV reader gets a plain table.
 */
export function reportToCsv(report: Report): Buffer {
  const table = report.tables[0];
  if (!table || report.tables.length !== 1)
    throw new Error(`el informe ${report.name} tiene varias tablas: expórtelo en XLSX`);
  const lines = [table.columns.map((c) => csvField(c.header)).join(',')];
  for (const row of table.rows)
    lines.push(table.columns.map((c) => csvField(csvValue(c.kind, row[c.key] ?? null))).join(','));
  if (table.columns.some((c) => c.total)) {
    const totals = totalsOf(table);
    lines.push(
      table.columns
        .map((c, i) =>
          c.total
            ? csvField(csvValue(c.kind, totals[c.key] ?? 0))
            : c.ratio
              ? csvField(csvValue(c.kind, totals[c.key] ?? null))
              : i === 0
                ? 'Total'
                : '',
        )
        .join(','),
    );
  }
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}
