/**
 * Reads a billing export (CSV or XLSX) as a stream of raw rows with their line numbers, so
 * that a 100,000-row file never sits in memory whole.
 */
import { createReadStream } from 'node:fs';
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

/**
 * Exports from older Windows tools arrive in Windows-1252; a file whose first 64 KiB are not
 * valid UTF-8 is read as Latin-1 (its superset for letters used in Spanish names).
 */
async function sniffEncoding(filePath: string): Promise<'utf8' | 'latin1'> {
  const fh = await open(filePath, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(65_536), 0, 65_536, 0);
    let chunk = buffer.subarray(0, bytesRead);
    // Do not judge a multi-byte character cut by the 64 KiB boundary.
    let end = chunk.length;
    while (end > 0 && end > chunk.length - 4 && (chunk[end - 1]! & 0xc0) === 0x80) end--;
    if (end > 0 && chunk[end - 1]! >= 0xc0) end--;
    chunk = bytesRead === 65_536 ? chunk.subarray(0, end) : chunk;
    new TextDecoder('utf-8', { fatal: true }).decode(chunk);
    return 'utf8';
  } catch {
    return 'latin1';
  } finally {
    await fh.close();
  }
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
  const parser = countedStream(filePath, counter)
    .setEncoding(encoding)
    .pipe(
      parse({
        bom: true,
        relax_column_count: true,
        skip_empty_lines: true,
        info: true,
        trim: false,
      }),
    );
  let columns: (PortfolioColumn | null)[] | null = null;
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
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

async function* readXlsx(filePath: string, counter?: ByteCounter): AsyncGenerator<RawRow> {
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
