/**
 * Reads a billing export (CSV or XLSX) as a stream of raw rows with their line numbers, so
 * that a 100,000-row file never sits in memory whole.
 */
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { mapHeader, type PortfolioColumn } from '../domain/portfolio-row.js';

export type ExportFormat = 'csv' | 'xlsx';

/** A data row: its 1-based line (CSV) or row number (XLSX) and its text per column. */
export interface RawRow {
  line: number;
  values: Partial<Record<PortfolioColumn, string>>;
}

/** The file cannot be read as an export at all (nothing is imported). */
export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
}

/** Picks the format from the name, else from the content (XLSX files are ZIP archives). */
export async function detectFormat(filePath: string, fileName: string): Promise<ExportFormat> {
  if (/\.xlsx$/i.test(fileName)) return 'xlsx';
  if (/\.(csv|txt)$/i.test(fileName)) return 'csv';
  const fh = await open(filePath, 'r');
  try {
    const { buffer } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    return buffer.readUInt32LE(0) === 0x04034b50 ? 'xlsx' : 'csv';
  } finally {
    await fh.close();
  }
}

/** The text encodings an export is read in. */
export type TextEncoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

/** Bytes judged when sniffing the encoding (about 5,000 rows of an export). */
const SNIFF_BYTES = 1 << 20;

/**
 * Valid multi-byte UTF-8 sequences and bytes that cannot be UTF-8 in `buf` (a sequence cut by
 * the end of the buffer counts as neither).
 */
function utf8Evidence(buf: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len =
      b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) {
      invalid++;
      i++;
      continue;
    }
    if (i + len > buf.length) break;
    let ok = true;
    for (let k = 1; k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) ok = false;
    if (ok) {
      valid++;
      i += len;
    } else {
      invalid++;
      i++;
    }
  }
  return { valid, invalid };
}

/**
 * The encoding of a CSV export, from its first MiB. A byte-order mark decides (UTF-8, UTF-16);
 * so do NULs in every other byte (UTF-16 without one). Otherwise exports from older Windows
 * tools, common in Ecuador, arrive in Windows-1252: a file with more bytes that cannot be UTF-8
 * than valid UTF-8 accented letters is read as Windows-1252. A UTF-8 file with a few broken
 * bytes stays UTF-8: those bytes become U+FFFD and their rows are refused by line.
 */
export async function sniffEncoding(filePath: string): Promise<TextEncoding> {
  const fh = await open(filePath, 'r');
  let head: Buffer;
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head.length >= 4) {
    const pairs = Math.min(head.length >> 1, 512);
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < pairs; i++) {
      if (head[2 * i] === 0) evenNul++;
      if (head[2 * i + 1] === 0) oddNul++;
    }
    if (oddNul > pairs * 0.9 && evenNul === 0) return 'utf-16le';
    if (evenNul > pairs * 0.9 && oddNul === 0) return 'utf-16be';
  }
  const { valid, invalid } = utf8Evidence(head);
  return invalid > valid ? 'windows-1252' : 'utf-8';
}

/** The file's text in `encoding`, decoded as it streams (undecodable bytes become U+FFFD). */
function decodedStream(filePath: string, encoding: TextEncoding, counter?: ByteCounter) {
  const bytes = countedStream(filePath, counter);
  if (encoding === 'utf-8') return bytes.setEncoding('utf8');
  const decoder = new TextDecoder(encoding);
  return bytes.pipe(
    new Transform({
      readableObjectMode: true,
      transform(chunk: Buffer, _enc, done) {
        done(null, decoder.decode(chunk, { stream: true }));
      },
      flush(done) {
        const rest = decoder.decode();
        done(null, rest || undefined);
      },
    }),
  );
}

/** Longest CSV line accepted; a line of an export is about 200 bytes. */
export const MAX_CSV_LINE_CHARS = 1 << 20;

/** A CSV syntax error as an ExportFormatError naming its line. */
function csvSyntaxError(err: unknown): Error {
  const e = err as { code?: unknown; lines?: unknown; message?: unknown };
  if (typeof e.code !== 'string' || !e.code.startsWith('CSV_')) return err as Error;
  const line = typeof e.lines === 'number' ? `Línea ${e.lines}: ` : '';
  const what =
    e.code === 'CSV_MAX_RECORD_SIZE'
      ? `la fila supera ${MAX_CSV_LINE_CHARS / 1024 / 1024} MiB; ¿es realmente una exportación CSV?`
      : e.code === 'CSV_QUOTE_NOT_CLOSED'
        ? 'comillas sin cerrar hasta el final del archivo'
        : `CSV inválido (${e.code})`;
  return new ExportFormatError(`${line}${what}`);
}

function headerError(missing: string[], duplicated: string[]): ExportFormatError {
  const parts = [];
  if (missing.length) parts.push(`faltan columnas: ${missing.join(', ')}`);
  if (duplicated.length) parts.push(`columnas repetidas: ${duplicated.join(', ')}`);
  return new ExportFormatError(`Encabezado inválido (línea 1): ${parts.join('; ')}`);
}

/** Counts bytes as the file is read, for progress bars. */
export interface ByteCounter {
  bytesRead: number;
}

function countedStream(filePath: string, counter?: ByteCounter) {
  const stream = createReadStream(filePath);
  // The file's own count: the CSV reader decodes the stream, so its chunks are strings whose
  // length is in characters, short of the bytes for every accented letter.
  if (counter) stream.on('data', () => (counter.bytesRead = stream.bytesRead));
  return stream;
}

async function* readCsv(filePath: string, counter?: ByteCounter): AsyncGenerator<RawRow> {
  const encoding = await sniffEncoding(filePath);
  const parser = decodedStream(filePath, encoding, counter).pipe(
    parse({
      bom: true,
      relax_column_count: true,
      // A stray quote stays text in its field (validated there), not a broken rest of file.
      relax_quotes: true,
      max_record_size: MAX_CSV_LINE_CHARS,
      skip_empty_lines: true,
      info: true,
      trim: false,
    }),
  );
  let columns: (PortfolioColumn | null)[] | null = null;
  const records = (async function* () {
    try {
      yield* parser as AsyncIterable<{ record: string[]; info: { lines: number } }>;
    } catch (err) {
      throw csvSyntaxError(err);
    }
  })();
  for await (const item of records) {
    const { record, info } = item;
    if (!columns) {
      const mapped = mapHeader(record);
      if (!mapped.ok) throw headerError(mapped.missing, mapped.duplicated);
      columns = mapped.columns;
      continue;
    }
    const values: RawRow['values'] = {};
    columns.forEach((col, i) => {
      if (col) values[col] = record[i] ?? '';
    });
    yield { line: info.lines, values };
  }
  if (!columns) throw new ExportFormatError('El archivo está vacío (sin encabezado)');
}

/** Text of an XLSX cell as a clerk would read it (formulas give their cached result). */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    const cents = Math.round(value * 100);
    return Math.abs(value * 100 - cents) < 1e-6 ? (cents / 100).toFixed(2) : String(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if ('richText' in value) return value.richText.map((t) => t.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  }
  if ('text' in value) return String(value.text);
  if ('error' in value) return '';
  return String(value);
}

/** True when the file starts like a ZIP archive (which every XLSX workbook is). */
async function isZip(filePath: string): Promise<boolean> {
  const fh = await open(filePath, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50;
  } finally {
    await fh.close();
  }
}

async function* readXlsx(filePath: string, counter?: ByteCounter): AsyncGenerator<RawRow> {
  if (!(await isZip(filePath)))
    throw new ExportFormatError(
      'El archivo no es un libro de Excel (.xlsx): no es un archivo ZIP. Si es un CSV, súbalo con la extensión .csv',
    );
  try {
    yield* readXlsxRows(filePath, counter);
  } catch (err) {
    if (err instanceof ExportFormatError) throw err;
    throw new ExportFormatError(
      `El libro de Excel está dañado o no se puede leer (${(err as Error).message})`,
    );
  }
}

async function* readXlsxRows(filePath: string, counter?: ByteCounter): AsyncGenerator<RawRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(countedStream(filePath, counter), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  });
  let columns: (PortfolioColumn | null)[] | null = null;
  for await (const sheet of reader) {
    for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
      const cells = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
      if (!columns) {
        if (cells.every((c) => c.trim() === '')) continue;
        const mapped = mapHeader(cells);
        if (!mapped.ok) throw headerError(mapped.missing, mapped.duplicated);
        columns = mapped.columns;
        continue;
      }
      if (cells.every((c) => c.trim() === '')) continue;
      const values: RawRow['values'] = {};
      columns.forEach((col, i) => {
        if (col) values[col] = cells[i] ?? '';
      });
      yield { line: row.number, values };
    }
    break; // only the first sheet holds the export
  }
  if (!columns) throw new ExportFormatError('La hoja de cálculo está vacía (sin encabezado)');
}

/** Raw rows of an export, header mapped; throws ExportFormatError for an unusable file. */
export function readExport(
  filePath: string,
  format: ExportFormat,
  counter?: ByteCounter,
): AsyncGenerator<RawRow> {
  return format === 'csv' ? readCsv(filePath, counter) : readXlsx(filePath, counter);
}
