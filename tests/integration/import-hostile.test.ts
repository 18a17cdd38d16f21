/**
 * Hostile billing exports against the real intake and PostgreSQL: malformed encodings, broken
 * and oversized files, formulas in cells and duplicate rows. Bad rows are reported by line and
 * the good ones kept; a file that cannot be read is refused whole with a clear message and
 * writes nothing. Formula-like text is stored as the text it is and neutralised in CSV exports.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCedula } from '../../domain/ecuador-id.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { importPortfolio, type ImportReport } from '../../intake/import.js';
import { runIntake } from '../../intake/intake.js';
import { MAX_CSV_LINE_CHARS, sniffEncoding } from '../../intake/read.js';
import { csvField, reportToCsv, reportToXlsx, type Report } from '../../reports/export.js';
import { EXPORT_HEADER, csvFile, startTestApi, type TestApi } from '../api/support.js';
import {
  eventually,
  freshDatabase,
  temporalClient,
  uniqueTaskQueue,
  withWorker,
  type TestDatabase,
} from '../support/env.js';

const HEADER = EXPORT_HEADER;
let dir: string;

/** Writes `content` (text as UTF-8) under `name`, in a folder of its own. */
function file(name: string, content: string | Buffer): string {
  const p = path.join(mkdtempSync(path.join(dir, 'f-')), name);
  writeFileSync(p, content);
  return p;
}

/** One valid export line for account `n` (its own invoice `F-<tag>-<n>`). */
function row(tag: string, n: number, over: Partial<Record<string, string>> = {}): string[] {
  const v: Record<string, string> = {
    cuenta: `${tag}${String(n).padStart(5, '0')}`,
    cedula_ruc: makeCedula(7, String(100000 + (n % 899999)).padStart(6, '0')),
    titular: `Titular ${n}`,
    direccion: 'Av. 25 de Junio',
    sector: 'Centro',
    ruta: 'R-01-01',
    categoria: 'residencial',
    telefono: '',
    email: '',
    factura: `F-${tag}-${n}`,
    emision: '2026-10-01',
    vencimiento: '2026-10-31',
    valor: '12.50',
    saldo: '12.50',
    proteccion: '',
    ...over,
  };
  return HEADER.split(',').map((c) => v[c]!);
}
const csvLine = (cells: string[]) =>
  cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
const csvText = (rows: string[][]) => `${[HEADER, ...rows.map(csvLine)].join('\r\n')}\r\n`;

describe('hostile imports', () => {
  let db: TestDatabase;

  const run = (filePath: string, fileName = path.basename(filePath)) =>
    importPortfolio(db.pool, { filePath, fileName }, { createdBy: 'test' });
  const holders = async (tag: string) =>
    (
      await db.prisma.account.findMany({
        where: { number: { startsWith: tag } },
        orderBy: { number: 'asc' },
        select: { number: true, holderName: true, address: true },
      })
    ).map((a) => a.holderName);
  const accounts = () => db.prisma.account.count();
  const expectRefused = async (report: ImportReport, message: RegExp, before: number) => {
    expect(report.status).toBe('failed');
    expect(report.failure).toMatch(message);
    expect(await accounts()).toBe(before);
    const batch = await db.prisma.importBatch.findUniqueOrThrow({ where: { id: report.id } });
    expect(batch).toMatchObject({ status: 'failed', failure: report.failure });
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cartera-hostile-'));
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('encodings', () => {
    it('reads a Windows-1252 export with its accents (and the letters Latin-1 lacks)', async () => {
      const text = csvText([
        row('W', 1, { titular: 'Muñoz Peña María José', direccion: 'Calle “Bolívar” No 5' }),
        row('W', 2, { titular: 'Ángel Cáceres Ibáñez', direccion: 'Sucre – Rocafuerte' }),
      ]);
      const bytes = Buffer.from([...text].map((ch) => WIN1252_BYTES.get(ch) ?? ch.charCodeAt(0)));
      const f = file('w1252.csv', bytes);
      expect(await sniffEncoding(f)).toBe('windows-1252');
      const report = await run(f);
      expect(report).toMatchObject({ status: 'succeeded', goodRows: 2, badRows: 0 });
      expect(await holders('W')).toEqual(['Muñoz Peña María José', 'Ángel Cáceres Ibáñez']);
      const a = await db.prisma.account.findUniqueOrThrow({ where: { number: 'W00001' } });
      expect(a.address).toBe('Calle “Bolívar” No 5');
    });

    it('reads UTF-8 with a byte-order mark and UTF-16 LE with one', async () => {
      const text = csvText([row('B', 1, { titular: 'Peña Ñúñez' })]);
      const bom = file(
        'bom.csv',
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      );
      expect(await run(bom)).toMatchObject({ status: 'succeeded', goodRows: 1 });
      const u16text = csvText([row('U', 1, { titular: 'Gómez Añazco' })]);
      const u16 = file(
        'utf16.csv',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(u16text, 'utf16le')]),
      );
      expect(await sniffEncoding(u16)).toBe('utf-16le');
      expect(await run(u16)).toMatchObject({ status: 'succeeded', goodRows: 1, badRows: 0 });
      expect(await holders('B')).toEqual(['Peña Ñúñez']);
      expect(await holders('U')).toEqual(['Gómez Añazco']);
    });

    it('refuses by line a row with broken bytes or a NUL, and keeps the others', async () => {
      const lines = [
        Buffer.from(`${HEADER}\r\n`),
        Buffer.from(`${csvLine(row('I', 1, { titular: 'Peña Ávila' }))}\r\n`),
        // line 3: a byte sequence that is not UTF-8 in the name
        Buffer.concat([
          Buffer.from(csvLine(row('I', 2, { titular: 'Mu@oz' })).split('@')[0]!),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(`${csvLine(row('I', 2, { titular: 'Mu@oz' })).split('@')[1]!}\r\n`),
        ]),
        // line 4: a NUL inside the address
        Buffer.from(`${csvLine(row('I', 3, { direccion: 'Av.\u0000Loja' }))}\r\n`),
        Buffer.from(`${csvLine(row('I', 4, { titular: 'Íñiguez Ortúzar' }))}\r\n`),
      ];
      const f = file('broken.csv', Buffer.concat(lines));
      expect(await sniffEncoding(f)).toBe('utf-8');
      const report = await run(f);
      expect(report).toMatchObject({ status: 'succeeded', rowsRead: 4, goodRows: 2, badRows: 2 });
      expect(report.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            line: 3,
            field: 'titular',
            message: expect.stringMatching(/ilegibles/),
          }),
          expect.objectContaining({
            line: 4,
            field: 'direccion',
            message: expect.stringMatching(/ilegibles/),
          }),
        ]),
      );
      expect(await holders('I')).toEqual(['Peña Ávila', 'Íñiguez Ortúzar']);
    });

    it('refuses binary garbage named .csv, and an .xlsx that is not a workbook, writing nothing', async () => {
      const before = await accounts();
      const garbage = Buffer.alloc(64 * 1024);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
      await expectRefused(
        await run(file('basura.csv', garbage)),
        /Encabezado inválido|CSV inválido|Línea/,
        before,
      );
      // A CSV saved with the wrong extension, and random bytes.
      await expectRefused(
        await run(file('cartera.xlsx', csvText([row('X', 1)]))),
        /no es un libro de Excel.*\.csv/,
        before,
      );
      await expectRefused(
        await run(file('ruido.xlsx', garbage)),
        /no es un libro de Excel/,
        before,
      );
      // Starts like a ZIP, then nothing a ZIP holds.
      const fakeZip = Buffer.concat([
        Buffer.from([0x50, 0x4b, 0x03, 0x04]),
        garbage.subarray(0, 200),
      ]);
      await expectRefused(
        await run(file('dañado.xlsx', fakeZip)),
        /dañado o no se puede leer/,
        before,
      );
    });
  });

  describe('size', () => {
    it('refuses a row with a field far too long, by line; a line past 1 MiB refuses the file', async () => {
      const long = csvText([
        row('L', 1),
        row('L', 2, { titular: 'A'.repeat(100_000) }),
        row('L', 3),
      ]);
      const report = await run(file('largo.csv', long));
      expect(report).toMatchObject({ status: 'succeeded', goodRows: 2, badRows: 1 });
      expect(report.errors).toEqual([
        expect.objectContaining({ line: 3, field: 'titular', message: 'máximo 200 caracteres' }),
      ]);

      const before = await accounts();
      const huge = csvText([
        row('M', 1),
        row('M', 2, { direccion: 'x'.repeat(MAX_CSV_LINE_CHARS + 10) }),
      ]);
      await expectRefused(
        await run(file('enorme.csv', huge)),
        /Línea 3: la fila supera 1 MiB/,
        before,
      );
    });

    it('ignores thousands of extra columns', async () => {
      const extra = Array.from({ length: 5_000 }, (_, i) => `extra_${i}`);
      const text = [
        [HEADER, ...extra].join(','),
        [csvLine(row('C', 1)), ...extra.map(() => 'z')].join(','),
      ].join('\n');
      expect(await run(file('anchas.csv', text))).toMatchObject({
        status: 'succeeded',
        goodRows: 1,
      });
    });

    it('still imports a valid large file (20,000 rows)', async () => {
      const rows = Array.from({ length: 20_000 }, (_, i) => row('G', i + 1));
      const report = await run(file('grande.csv', csvText(rows)));
      expect(report).toMatchObject({
        status: 'succeeded',
        rowsRead: 20_000,
        goodRows: 20_000,
        badRows: 0,
      });
      expect(await db.prisma.account.count({ where: { number: { startsWith: 'G' } } })).toBe(
        20_000,
      );
    });
  });

  describe('formulas in cells', () => {
    const FORMULAS = [
      '=HYPERLINK("http://x.test","clic")',
      '+1+1',
      '-2+3',
      '@SUM(A1:A2)',
      "=cmd|' /C calc'!A0",
    ];

    it('stores CSV cells that look like formulas as the text they are', async () => {
      const text = csvText(FORMULAS.map((f, i) => row('Q', i + 1, { titular: f, sector: f })));
      const report = await run(file('formulas.csv', text));
      expect(report).toMatchObject({ status: 'succeeded', goodRows: FORMULAS.length });
      expect(await holders('Q')).toEqual(FORMULAS);
      // A leading tab or carriage return is trimmed like any other surrounding blank.
      const tab = await run(file('tab.csv', csvText([row('T', 1, { titular: '\t=1+1' })])));
      expect(tab.goodRows).toBe(1);
      expect(await holders('T')).toEqual(['=1+1']);
    });

    it('takes an XLSX formula cell as its cached value, never its formula; text "=…" stays text', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('cartera');
      ws.addRow(HEADER.split(','));
      const r1 = row('Z', 1);
      const cells1: ExcelJS.CellValue[] = [...r1];
      cells1[2] = {
        formula: 'CONCATENATE("Ana ","Ríos")',
        result: 'Ana Ríos',
      } as ExcelJS.CellFormulaValue;
      ws.addRow(cells1);
      const r2 = row('Z', 2, { titular: '=1+1' });
      ws.addRow(r2);
      // A formula nobody computed: no value to take, so the field is refused on its row.
      const cells3: ExcelJS.CellValue[] = [...row('Z', 3)];
      cells3[13] = { formula: 'N1*2' } as ExcelJS.CellFormulaValue;
      ws.addRow(cells3);
      const f = file('formulas.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
      const report = await run(f);
      expect(report).toMatchObject({ status: 'succeeded', goodRows: 2, badRows: 1 });
      expect(report.errors).toEqual([expect.objectContaining({ line: 4, field: 'saldo' })]);
      expect(await holders('Z')).toEqual(['Ana Ríos', '=1+1']);
    });

    it('neutralises formula-like text in CSV exports; XLSX keeps it in text cells', async () => {
      const report: Report = {
        name: 'recuperacion-sectores',
        title: 'Recuperación por sector',
        tables: [
          {
            sheet: 'Sectores',
            title: 'Recuperación por sector',
            columns: [
              { key: 'sector', header: 'Sector', kind: 'text' },
              { key: 'amount', header: 'Recuperado', kind: 'money', total: true },
            ],
            rows: [
              ...FORMULAS.map((f, i) => ({ sector: f, amount: (i + 1) * 100 })),
              { sector: '\t=1+1', amount: -1250 },
              { sector: 'Centro', amount: 0 },
            ],
          },
        ],
      };
      const csv = reportToCsv(report).toString('utf8');
      const cells = csv
        .replace(/^\uFEFF/, '')
        .split('\r\n')
        .slice(1, -2)
        .map((l) => l.replace(/,(-?[\d.]+)$/, '\u0001$1').split('\u0001'));
      expect(cells.map((c) => c[0])).toEqual([
        '"\'=HYPERLINK(""http://x.test"",""clic"")"',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1:A2)",
        `'=cmd|' /C calc'!A0`,
        "'\t=1+1",
        'Centro',
      ]);
      // Numbers, negative money included, are numbers still.
      expect(cells.map((c) => c[1])).toEqual([
        '1.00',
        '2.00',
        '3.00',
        '4.00',
        '5.00',
        '-12.50',
        '0.00',
      ]);
      expect(csvField(-5)).toBe('-5');

      const xlsx = await reportToXlsx(
        report,
        {
          scope: {
            from: '2026-01-01',
            to: '2026-01-31',
            today: '2026-02-01',
            sector: null,
            collectorId: null,
          },
        },
        new Date(),
      );
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      const texts = FORMULAS.map((_, i) => ws.getCell(6 + i, 1));
      expect(texts.map((c) => c.type)).toEqual(FORMULAS.map(() => ExcelJS.ValueType.String));
      expect(texts.map((c) => c.value)).toEqual(FORMULAS);
    });
  });

  describe('duplicate rows', () => {
    it('merges an account seen on several lines (last line wins) and reports a conflicting repeat of an invoice', async () => {
      const text = csvText([
        row('D', 1, { factura: 'F-D-1', titular: 'Primera Versión' }),
        row('D', 1, { factura: 'F-D-2', titular: 'Segunda Versión' }),
        // line 4: the same invoice again, same values: skipped as a repeat, not an error
        row('D', 1, { factura: 'F-D-2', titular: 'Segunda Versión' }),
        // line 5: the same invoice with another balance: refused, naming the first line
        row('D', 1, { factura: 'F-D-1', titular: 'Primera Versión', saldo: '1.00' }),
      ]);
      const report = await run(file('repetidas.csv', text));
      expect(report).toMatchObject({
        status: 'succeeded',
        goodRows: 2,
        duplicateRows: 1,
        badRows: 1,
      });
      expect(report.errors).toEqual([
        expect.objectContaining({
          line: 5,
          field: 'factura',
          message: expect.stringMatching(/línea 2/),
        }),
      ]);
      expect(await holders('D')).toEqual(['Segunda Versión']);
      const invoices = await db.prisma.invoice.findMany({
        where: { number: { startsWith: 'F-D-' } },
        orderBy: { number: 'asc' },
      });
      expect(invoices.map((i) => [i.number, i.balanceCents])).toEqual([
        ['F-D-1', 1250],
        ['F-D-2', 1250],
      ]);
    });

    it('imports the same file twice without a second case or any change', async () => {
      // A database of its own: case opening looks at every account, not only this file's.
      const own = await freshDatabase();
      const client = await temporalClient();
      const taskQueue = uniqueTaskQueue('hostile');
      try {
        // Two overdue bills on each account: every account opens a case.
        const rows = [1, 2, 3].flatMap((n) => [
          row('R', n, { factura: `F-R-${n}-a`, emision: '2026-05-01', vencimiento: '2026-05-31' }),
          row('R', n, { factura: `F-R-${n}-b`, emision: '2026-06-01', vencimiento: '2026-06-30' }),
        ]);
        const f = file('dos-veces.csv', csvText(rows));
        const intake = () =>
          runIntake(
            { pool: own.pool, temporal: client, taskQueue },
            { filePath: f, fileName: 'dos-veces.csv' },
            {
              createdBy: 'test',
              policy: { policy: DEFAULT_POLICY, version: 1 },
              asOf: '2026-11-28',
            },
          );
        await withWorker({ taskQueue, prisma: own.prisma }, async () => {
          const first = await intake();
          expect(first.import).toMatchObject({ status: 'succeeded', goodRows: 6 });
          expect(first.cases).toMatchObject({ opened: 3, failed: [] });
          const open = () =>
            own.prisma.case.count({ where: { account: { number: { startsWith: 'R' } } } });
          await eventually(open, (n) => n === 3);
          const second = await intake();
          expect(second.import).toMatchObject({
            status: 'succeeded',
            accountsUpserted: 0,
            invoicesChanged: 0,
          });
          expect(second.cases).toMatchObject({ opened: 0 });
          expect(await open()).toBe(3);
        });
      } finally {
        await client.connection.close();
        await own.close();
      }
    });
  });
});

describe('hostile uploads through the API', () => {
  let api: TestApi;
  const LIMIT = 64 * 1024;
  beforeAll(async () => {
    api = await startTestApi({ maxUploadBytes: LIMIT });
  });
  afterAll(() => api?.close());

  it('answers 413 with the limit for a file over it, and writes nothing', async () => {
    const big = csvFile('grande.csv', [
      HEADER,
      ...Array.from({ length: 1_000 }, (_, i) => csvLine(row('H', i))),
    ]);
    const r = await api.call<{ error: { code: string; message: string } }>(
      'post',
      '/api/imports/portfolio',
      {
        token: api.tokens.manager,
        form: big,
      },
    );
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({
      code: 'too_large',
      message: expect.stringMatching(/64 KB.*no se importó nada/),
    });
    expect(await api.db.prisma.importBatch.count()).toBe(0);
    expect(await api.db.prisma.account.count()).toBe(0);
    expect(readdirSync(api.deps.uploadDir)).toEqual([]);
  });

  it('reports a broken workbook as a failed import, and the server keeps serving', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('PK\u0003\u0004 no es un zip')]), 'cartera.xlsx');
    const r = await api.call<{ id: string }>('post', '/api/imports/portfolio', {
      token: api.tokens.manager,
      form,
    });
    expect(r.status).toBe(202);
    const done = await eventually(
      () =>
        api.call<{ status: string; failure: string | null }>('get', `/api/imports/${r.body.id}`, {
          token: api.tokens.manager,
        }),
      (d) => d.body.status !== 'running',
    );
    expect(done.body).toMatchObject({ status: 'failed', failure: expect.stringMatching(/dañado/) });
    expect((await api.call('get', '/healthz')).status).toBe(200);
    await eventually(
      async () => readdirSync(api.deps.uploadDir),
      (files) => files.length === 0,
    );
  });
});

/** Windows-1252 bytes of the characters it has beyond ASCII that these tests write. */
const WIN1252_BYTES = new Map<string, number>(
  [...'ñÑáÁéÉíÍóÓúÚüÜ']
    .map((ch) => [ch, ch.charCodeAt(0)] as [string, number])
    .concat([
      ['“', 0x93],
      ['”', 0x94],
      ['–', 0x96],
      ['€', 0x80],
    ]),
);
