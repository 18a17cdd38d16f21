/**
 * The PDF of a letter batch: every letter of the batch on its own A4 page, in route order, with
 * the utility's letterhead, the recipient block for a window envelope and the notice's subject
 * and text exactly as the outbox stored them; then the **delivery list** (landscape): one row per
 * letter with blank columns for the date and time, who received it and signed, and why it was
 * not delivered, for the notifier to fill in on the route and the unit to confirm from.
 *
 * Pure apart from CPU, like render.ts: the same batch gives the same bytes and SHA-256.
 */
import { drawLetterhead } from './layout.js';
import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import { z } from 'zod';
import { toLocalDate } from '../domain/calendar.js';
import { longDate, longDateTime } from './format.js';
import { NON_DELIVERY_REASONS, NON_DELIVERY_REASON_TEXT } from './letter-delivery.js';
import { describeIssues } from './render.js';
import { DEFAULT_ISSUER, issuerSchema } from './types.js';

// Same look as layout.ts (fonts, colours, margins); layout.ts draws its letterhead only on a
// document's first page, and here every letter needs its own.
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const ITALIC = 'Helvetica-Oblique';
const COLOR = {
  brand: '#0b4f8a',
  text: '#1a1a1a',
  muted: '#5b6570',
  rule: '#b9c9da',
  zebra: '#f6f8fb',
} as const;
const MARGIN = { top: 48, bottom: 64, left: 56, right: 56 } as const;
const LIST_MARGIN = { top: 40, bottom: 56, left: 40, right: 40 } as const;

/** Short Spanish names of the notice kinds, for the delivery list's narrow column. */
const KIND_LABELS: Record<string, string> = {
  aviso_cobro: 'Aviso de cobro',
  recordatorio: 'Recordatorio',
  aviso_previo_suspension: 'Aviso previo de suspensión',
  convenio_firmado: 'Convenio firmado',
  cuota_vencida: 'Cuota vencida',
  notificacion_titulo: 'Notificación de título de crédito',
  orden_pago_inmediato: 'Orden de pago inmediato',
};

const line = (what: string, max: number) =>
  z
    .string({ error: `falta ${what}` })
    .trim()
    .min(1, `falta ${what}`)
    .max(max);

/** One letter as the outbox holds it (Notice row) with its account. */
export const printedLetterSchema = z.object({
  noticeId: z.uuid(),
  accountNumber: line('el número de cuenta', 30),
  holderName: line('el titular', 200),
  /** The postal address the letter was queued to (`Notice.recipient`). */
  address: line('la dirección', 300),
  sector: line('el sector', 100),
  route: line('la ruta', 100),
  /** Notice kind (`aviso_cobro`…). */
  kind: line('el tipo de aviso', 60),
  subject: line('el asunto', 300),
  /** The plain text as stored; its line breaks are kept. */
  body: line('el texto', 20_000),
});
export type PrintedLetter = z.infer<typeof printedLetterSchema>;

export const letterBatchInputSchema = z.object({
  issuer: issuerSchema.default(DEFAULT_ISSUER),
  /** `LC-2026-000001`. */
  number: line('el número del lote', 40),
  /** ISO instant the batch was made: the letters' date and the PDF's creation date. */
  createdAt: z.iso.datetime({ offset: true }),
  /** The group printed; null = all. */
  sector: z.string().nullable(),
  route: z.string().nullable(),
  /** In route order: the page order and the # of the delivery list. */
  letters: z.array(printedLetterSchema).min(1, 'un lote necesita al menos una carta'),
});
export type LetterBatchInput = z.input<typeof letterBatchInputSchema>;

export interface RenderedLetterBatch {
  bytes: Buffer;
  /** Lowercase hex SHA-256 of `bytes`. */
  sha256: string;
  /** `LC-2026-000001-lote-de-cartas.pdf`. */
  fileName: string;
  /** Letter pages + delivery list pages. */
  pages: number;
  /** Pages of the delivery list (after the letters). */
  listPages: number;
}

/** The whole group or the sector/route, in words. */
export function letterGroupText(sector: string | null, route: string | null): string {
  if (!sector) return 'Todos los sectores';
  return route ? `Sector ${sector}, ruta ${route}` : `Sector ${sector}, todas las rutas`;
}

/**
 * Renders the batch. @throws Error with the Spanish issues when the input is invalid.
 */
export async function renderLetterBatch(input: LetterBatchInput): Promise<RenderedLetterBatch> {
  const parsed = letterBatchInputSchema.safeParse(input);
  if (!parsed.success)
    throw new Error(`lote de cartas inválido: ${describeIssues(parsed.error).join('; ')}`);
  const batch = parsed.data;
  const created = new Date(batch.createdAt);
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { ...MARGIN },
    bufferPages: true,
    autoFirstPage: false,
    lang: 'es-EC',
    displayTitle: true,
    info: {
      Title: `Lote de cartas ${batch.number}`,
      Author: batch.issuer.legalName,
      Subject: `Cartas y lista de entrega: ${letterGroupText(batch.sector, batch.route)}`,
      Creator: 'Cartera',
      Producer: 'Cartera (PDFKit)',
      CreationDate: created,
      ModDate: created,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const date = longDate(toLocalDate(created));
  batch.letters.forEach((letter, i) => writeLetter(pdf, batch, letter, i, date));
  const firstListPage = batch.letters.length;
  writeDeliveryList(pdf, batch);
  const range = pdf.bufferedPageRange();
  numberPages(pdf, batch);
  pdf.end();
  const bytes = await done;
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    fileName: `${batch.number}-lote-de-cartas.pdf`,
    pages: range.count,
    listPages: range.count - firstListPage,
  };
}

type Batch = z.output<typeof letterBatchInputSchema>;

/** The same letterhead as every document's first page, on each letter. */
function letterhead(pdf: PDFKit.PDFDocument, batch: Batch, left: number, width: number): void {
  drawLetterhead(pdf, batch.issuer, left, width, pdf.page.margins.top);
}

function writeLetter(
  pdf: PDFKit.PDFDocument,
  batch: Batch,
  letter: PrintedLetter,
  index: number,
  date: string,
): void {
  pdf.addPage({ size: 'A4', layout: 'portrait', margins: { ...MARGIN } });
  const left = MARGIN.left;
  const width = pdf.page.width - MARGIN.left - MARGIN.right;
  const bottom = pdf.page.height - MARGIN.bottom;
  letterhead(pdf, batch, left, width);

  pdf.font(FONT).fontSize(10).text(`Machala, ${date}`, left, pdf.y, { width, align: 'right' });
  pdf.y += 10;
  // Recipient block where a window envelope shows it.
  const blockTop = pdf.y;
  pdf
    .font(FONT)
    .fontSize(10)
    .text('Señor/a', left, blockTop, { width: width * 0.6 });
  pdf.font(BOLD).text(letter.holderName, { width: width * 0.6 });
  pdf.font(FONT).text(letter.address, { width: width * 0.6 });
  pdf.text(`Cuenta N.º ${letter.accountNumber}`, { width: width * 0.6 });
  pdf.fillColor(COLOR.muted).text(`Sector ${letter.sector} · Ruta ${letter.route}`, {
    width: width * 0.6,
  });
  const blockBottom = pdf.y;
  pdf
    .font(FONT)
    .fontSize(8)
    .fillColor(COLOR.muted)
    .text(`Lote ${batch.number}`, left + width * 0.62, blockTop, {
      width: width * 0.38,
      align: 'right',
    })
    .text(`Carta ${index + 1} de ${batch.letters.length}`, {
      width: width * 0.38,
      align: 'right',
    });
  pdf.fillColor(COLOR.text);
  pdf.x = left;
  pdf.y = Math.max(blockBottom, pdf.y) + 16;

  pdf.font(BOLD).fontSize(11).fillColor(COLOR.brand).text(letter.subject, left, pdf.y, { width });
  pdf.y += 8;
  pdf.fillColor(COLOR.text);

  // One page per letter: a long text is set smaller rather than spill onto a second page.
  const available = bottom - pdf.y;
  let size = 10;
  pdf.font(FONT);
  while (
    size > 6.5 &&
    pdf.fontSize(size).heightOfString(letter.body, { width, lineGap: 2 }) > available
  )
    size -= 0.5;
  pdf.fontSize(size).text(letter.body, left, pdf.y, {
    width,
    lineGap: 2,
    height: available,
    ellipsis: true,
  });
}

interface ListColumn {
  header: string;
  width: number;
}

/** The delivery list (route sheet), landscape, header row repeated on each page. */
function writeDeliveryList(pdf: PDFKit.PDFDocument, batch: Batch): void {
  const newPage = () =>
    pdf.addPage({ size: 'A4', layout: 'landscape', margins: { ...LIST_MARGIN } });
  newPage();
  const left = LIST_MARGIN.left;
  const width = pdf.page.width - LIST_MARGIN.left - LIST_MARGIN.right;
  const bottom = () => pdf.page.height - LIST_MARGIN.bottom;

  pdf
    .font(BOLD)
    .fontSize(9)
    .fillColor(COLOR.brand)
    .text(batch.issuer.legalName.toUpperCase(), left, LIST_MARGIN.top, { width });
  pdf.font(FONT).fillColor(COLOR.text).text(batch.issuer.unit, { width });
  pdf.y += 6;
  pdf
    .font(BOLD)
    .fontSize(15)
    .fillColor(COLOR.brand)
    .text(`LISTA DE ENTREGA DE CARTAS · LOTE ${batch.number}`, left, pdf.y, { width });
  pdf
    .font(FONT)
    .fontSize(10)
    .fillColor(COLOR.text)
    .text(
      `${letterGroupText(batch.sector, batch.route)} · ${batch.letters.length} carta(s) · impreso el ${longDateTime(batch.createdAt)}`,
      { width },
    );
  pdf.y += 10;
  const y = pdf.y;
  pdf.text('Notificador/a: ________________________________', left, y, {
    width: width / 2,
    lineBreak: false,
  });
  pdf.text('Fecha de reparto: ____ / ____ / ________', left + width / 2, y, {
    width: width / 2,
    lineBreak: false,
  });
  pdf.y = y + 20;
  pdf
    .font(ITALIC)
    .fontSize(8.5)
    .fillColor(COLOR.muted)
    .text(
      `Si la carta no se entrega, anote en la última columna el código del motivo: ${NON_DELIVERY_REASONS.map(
        (r, i) => `${i + 1} ${NON_DELIVERY_REASON_TEXT[r].toLowerCase()}`,
      ).join(
        '; ',
      )} (explique cuál). Una carta entregada lleva fecha, hora, nombre y firma de quien la recibió.`,
      left,
      pdf.y,
      { width },
    );
  pdf.y += 8;

  const columns: ListColumn[] = [
    { header: '#', width: 0.04 },
    { header: 'Cuenta', width: 0.09 },
    { header: 'Titular', width: 0.16 },
    { header: 'Dirección', width: 0.2 },
    { header: 'Aviso', width: 0.1 },
    { header: 'Fecha y hora', width: 0.1 },
    { header: 'Recibido por (nombre y firma)', width: 0.17 },
    { header: 'No entregada: motivo', width: 0.14 },
  ];
  const pad = 4;
  const xs: number[] = [];
  let x = left;
  for (const c of columns) {
    xs.push(x);
    x += c.width * width;
  }
  const cellHeight = (cells: string[], font: string) => {
    pdf.font(font).fontSize(8.5);
    return Math.max(
      ...cells.map((cell, i) =>
        pdf.heightOfString(cell, { width: (columns[i]?.width ?? 0) * width - 2 * pad }),
      ),
    );
  };
  const drawRow = (cells: string[], header: boolean, zebra: boolean) => {
    // Room to write by hand in the blank columns.
    const h = Math.max(cellHeight(cells, header ? BOLD : FONT) + 2 * pad, header ? 0 : 34);
    const top = pdf.y;
    if (header) pdf.rect(left, top, width, h).fill(COLOR.brand);
    else if (zebra) pdf.rect(left, top, width, h).fill(COLOR.zebra);
    pdf
      .font(header ? BOLD : FONT)
      .fontSize(8.5)
      .fillColor(header ? '#ffffff' : COLOR.text);
    cells.forEach((cell, i) => {
      pdf.text(cell, (xs[i] ?? left) + pad, top + pad, {
        width: (columns[i]?.width ?? 0) * width - 2 * pad,
      });
    });
    for (const cx of [...xs.slice(1), left + width])
      pdf
        .moveTo(cx, top)
        .lineTo(cx, top + h)
        .lineWidth(0.4)
        .strokeColor(COLOR.rule)
        .stroke();
    pdf
      .moveTo(left, top + h)
      .lineTo(left + width, top + h)
      .lineWidth(0.5)
      .strokeColor(COLOR.muted)
      .stroke();
    pdf.y = top + h;
    return h;
  };
  const header = columns.map((c) => c.header);
  drawRow(header, true, false);
  batch.letters.forEach((l, i) => {
    const cells = [
      String(i + 1),
      l.accountNumber,
      l.holderName,
      l.address,
      KIND_LABELS[l.kind] ?? l.kind,
      '',
      '',
      '',
    ];
    const h = Math.max(cellHeight(cells, FONT) + 2 * pad, 34);
    if (pdf.y + h > bottom()) {
      newPage();
      pdf
        .font(FONT)
        .fontSize(8.5)
        .fillColor(COLOR.muted)
        .text(`Lista de entrega · Lote ${batch.number} (continuación)`, left, LIST_MARGIN.top, {
          width,
        });
      pdf.y += 4;
      drawRow(header, true, false);
    }
    drawRow(cells, false, i % 2 === 1);
  });

  // The notifier's and the receiving clerk's signatures.
  if (pdf.y + 90 > bottom()) {
    newPage();
    pdf.y = LIST_MARGIN.top;
  }
  const lineY = pdf.y + 60;
  const col = (width - 80) / 2;
  [
    ['Notificador/a', 'Nombre y firma'],
    ['Recibido en la unidad', 'Nombre, firma y fecha'],
  ].forEach(([caption, what], i) => {
    const cx = left + i * (col + 80);
    pdf
      .moveTo(cx + 20, lineY)
      .lineTo(cx + col - 20, lineY)
      .lineWidth(0.8)
      .strokeColor(COLOR.text)
      .stroke();
    pdf
      .font(BOLD)
      .fontSize(9.5)
      .fillColor(COLOR.text)
      .text(caption ?? '', cx, lineY + 4, { width: col, align: 'center' });
    pdf
      .font(FONT)
      .fontSize(8.5)
      .fillColor(COLOR.muted)
      .text(what ?? '', { width: col, align: 'center' });
  });
}

/** Footer of every page: issuer, batch and "Página i de n". */
function numberPages(pdf: PDFKit.PDFDocument, batch: Batch): void {
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    const m = pdf.page.margins;
    const width = pdf.page.width - m.left - m.right;
    // Writing below the bottom margin would otherwise start a new page.
    const bottomMargin = m.bottom;
    pdf.page.margins.bottom = 0;
    const y = pdf.page.height - bottomMargin + 22;
    pdf
      .moveTo(m.left, y - 6)
      .lineTo(m.left + width, y - 6)
      .lineWidth(0.5)
      .strokeColor(COLOR.rule)
      .stroke();
    pdf.font(FONT).fontSize(8).fillColor(COLOR.muted);
    pdf.text(
      `${batch.issuer.name} · RUC ${batch.issuer.ruc} · Lote de cartas ${batch.number}`,
      m.left,
      y,
      { width: width * 0.75, lineBreak: false },
    );
    pdf.text(`Página ${i - range.start + 1} de ${range.count}`, m.left, y, {
      width,
      align: 'right',
      lineBreak: false,
    });
    pdf.page.margins.bottom = bottomMargin;
  }
}
