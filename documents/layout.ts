/**
 * The shared page layout of every document: the utility's header, the title block, facts,
 * paragraphs, tables, signature lines and the page-numbered footer. Templates only say *what*
 * goes on the page; how it looks lives here, once.
 *
 * Only the 14 standard PDF fonts are used (Helvetica family, WinAnsi encoding covers Spanish):
 * nothing is embedded, so output does not depend on fonts installed on the host.
 */
import PDFDocument from 'pdfkit';
import { localDateToInstant, type LocalDate } from '../domain/calendar.js';
import { longDate } from './format.js';
import type { Issuer } from './types.js';

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const ITALIC = 'Helvetica-Oblique';

const COLOR = {
  brand: '#0b4f8a',
  text: '#1a1a1a',
  muted: '#5b6570',
  rule: '#b9c9da',
  band: '#eaf1f8',
  zebra: '#f6f8fb',
} as const;

const MARGIN = { top: 48, bottom: 64, left: 56, right: 56 } as const;
const SIZE = { body: 10, small: 8, table: 9, heading: 11, title: 15 } as const;

/** A table column; widths are fractions of the text width and should add up to 1. */
export interface Column {
  header: string;
  width: number;
  /** @default 'left' */
  align?: 'left' | 'right' | 'center';
}

/** A run of text inside a paragraph; bold runs highlight the legal elements. */
export type Run = string | { bold: string };

/** Who signs: a line, then the name (blank for a handwritten one) and the position. */
export interface SignatureLine {
  name: string | null;
  position: string;
  /** Small text above the line, e.g. "Por Aguas Machala EP" or "El deudor". */
  caption?: string;
}

/** What the PDF's metadata says; `date` also fixes CreationDate/ModDate for reproducible bytes. */
export interface LayoutInfo {
  issuer: Issuer;
  title: string;
  number: string;
  date: LocalDate;
  subject: string;
}

const textOf = (run: Run) => (typeof run === 'string' ? run : run.bold);
const withText = (run: Run, text: string): Run => (typeof run === 'string' ? text : { bold: text });

/**
 * pdfkit drops the leading space of a `continued` fragment, so a space that starts a run is moved
 * to the end of the run before it.
 */
function joinable(runs: Run[]): Run[] {
  const out: Run[] = [];
  for (const run of runs) {
    const text = textOf(run);
    const previous = out[out.length - 1];
    if (previous !== undefined && /^\s/.test(text)) {
      out[out.length - 1] = withText(previous, `${textOf(previous)} `);
      out.push(withText(run, text.trimStart()));
    } else if (text !== '') out.push(run);
  }
  return out;
}

/**
 * One document being written. Create it, call the block methods top to bottom, then
 * {@link DocumentLayout.finish} to number the pages and get the bytes.
 */
export class DocumentLayout {
  private readonly pdf: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(private readonly info: LayoutInfo) {
    // Midday in Guayaquil of the document date: a fixed instant, so the same input gives the
    // same bytes (pdfkit derives the file ID from the info dictionary).
    const stamp = new Date(localDateToInstant(info.date).getTime() + 12 * 3_600_000);
    this.pdf = new PDFDocument({
      size: 'A4',
      margins: { ...MARGIN },
      bufferPages: true,
      autoFirstPage: false,
      lang: 'es-EC',
      displayTitle: true,
      info: {
        Title: `${info.title} ${info.number}`,
        Author: info.issuer.legalName,
        Subject: info.subject,
        Creator: 'Cartera',
        Producer: 'Cartera (PDFKit)',
        CreationDate: stamp,
        ModDate: stamp,
      },
    });
    this.done = new Promise<Buffer>((resolve, reject) => {
      this.pdf.on('data', (chunk: Buffer) => this.chunks.push(chunk));
      this.pdf.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.pdf.on('error', reject);
    });
    this.pdf.addPage();
    this.letterhead();
  }

  private get left(): number {
    return MARGIN.left;
  }

  private get width(): number {
    return this.pdf.page.width - MARGIN.left - MARGIN.right;
  }

  private get bottom(): number {
    return this.pdf.page.height - MARGIN.bottom;
  }

  /** Starts a new page when less than `height` points are left on this one. */
  private ensureSpace(height: number): void {
    if (this.pdf.y + height > this.bottom) this.pdf.addPage();
  }

  private gap(points: number): void {
    this.pdf.y += points;
  }

  /** First page: the issuer's full letterhead. */
  private letterhead(): void {
    drawLetterhead(this.pdf, this.info.issuer, this.left, this.width, MARGIN.top);
  }

  /** Later pages: one line naming the issuer and the document (drawn by {@link finish}). */
  private runningHeader(): void {
    const { pdf, left, width } = this;
    const top = MARGIN.top - 26;
    pdf
      .font(FONT)
      .fontSize(SIZE.small)
      .fillColor(COLOR.muted)
      .text(`${this.info.issuer.name} · ${this.info.title} ${this.info.number}`, left, top, {
        width,
        align: 'right',
        lineBreak: false,
      });
    pdf
      .moveTo(left, top + 12)
      .lineTo(left + width, top + 12)
      .lineWidth(0.5)
      .strokeColor(COLOR.rule)
      .stroke();
  }

  /** The document's title, its number, and "Place, date". */
  titleBlock(placeAndDate: { place: string; date: LocalDate }, subtitle?: string): void {
    const { pdf, left, width } = this;
    pdf
      .font(BOLD)
      .fontSize(SIZE.title)
      .fillColor(COLOR.brand)
      .text(this.info.title.toUpperCase(), left, pdf.y, { width, align: 'center' });
    if (subtitle) {
      pdf
        .font(FONT)
        .fontSize(SIZE.body)
        .fillColor(COLOR.muted)
        .text(subtitle, { width, align: 'center' });
    }
    pdf
      .font(BOLD)
      .fontSize(SIZE.heading)
      .fillColor(COLOR.text)
      .text(`N.º ${this.info.number}`, { width, align: 'center' });
    this.gap(6);
    pdf
      .font(FONT)
      .fontSize(SIZE.body)
      .text(`${placeAndDate.place}, ${longDate(placeAndDate.date)}`, { width, align: 'right' });
    this.gap(10);
  }

  /** A section heading. */
  heading(text: string): void {
    this.ensureSpace(40);
    const { pdf, left, width } = this;
    this.gap(4);
    pdf
      .font(BOLD)
      .fontSize(SIZE.heading)
      .fillColor(COLOR.brand)
      .text(text.toUpperCase(), left, pdf.y, { width });
    this.gap(3);
    pdf.fillColor(COLOR.text).font(FONT).fontSize(SIZE.body);
  }

  /** A justified paragraph; bold runs for the elements the reader must not miss. */
  paragraph(runs: Run | Run[], options: { italic?: boolean; size?: number } = {}): void {
    const { pdf, left, width } = this;
    const list = joinable(Array.isArray(runs) ? runs : [runs]);
    this.ensureSpace(30);
    pdf.fillColor(COLOR.text).fontSize(options.size ?? SIZE.body);
    pdf.x = left;
    // pdfkit justifies the last line of every continued fragment, so mixed runs align left.
    const align = list.length === 1 ? 'justify' : 'left';
    list.forEach((run, i) => {
      const bold = typeof run !== 'string';
      pdf.font(bold ? BOLD : options.italic ? ITALIC : FONT);
      pdf.text(bold ? run.bold : run, {
        width,
        align,
        continued: i < list.length - 1,
        lineGap: 2,
      });
    });
    pdf.font(FONT);
    this.gap(6);
  }

  /** A numbered or bulleted list. */
  list(items: Run[][] | string[], numbered = false): void {
    const { pdf, left, width } = this;
    const indent = 18;
    items.forEach((item, i) => {
      const runs = joinable(Array.isArray(item) ? item : [item]);
      this.ensureSpace(24);
      const y = pdf.y;
      pdf
        .font(FONT)
        .fontSize(SIZE.body)
        .fillColor(COLOR.text)
        .text(numbered ? `${i + 1}.` : '•', left, y, { width: indent, lineBreak: false });
      pdf.x = left + indent;
      pdf.y = y;
      runs.forEach((run, j) => {
        const bold = typeof run !== 'string';
        pdf.font(bold ? BOLD : FONT);
        pdf.text(bold ? run.bold : run, {
          width: width - indent,
          align: 'left',
          continued: j < runs.length - 1,
          lineGap: 1.5,
        });
      });
      pdf.font(FONT);
      this.gap(3);
    });
    pdf.x = left;
    this.gap(4);
  }

  /** Label–value pairs in a shaded box (the document's key facts). */
  facts(rows: [label: string, value: string][]): void {
    const { pdf, left, width } = this;
    const labelWidth = Math.round(width * 0.34);
    const pad = 4;
    pdf.fontSize(SIZE.body);
    for (const [label, value] of rows) {
      pdf.font(FONT);
      const h =
        Math.max(
          pdf.font(BOLD).heightOfString(label, { width: labelWidth - 2 * pad }),
          pdf.font(FONT).heightOfString(value, { width: width - labelWidth - 2 * pad }),
        ) +
        2 * pad;
      this.ensureSpace(h);
      const y = pdf.y;
      pdf.rect(left, y, labelWidth, h).fill(COLOR.band);
      pdf
        .moveTo(left, y + h)
        .lineTo(left + width, y + h)
        .lineWidth(0.5)
        .strokeColor(COLOR.rule)
        .stroke();
      pdf
        .fillColor(COLOR.text)
        .font(BOLD)
        .text(label, left + pad, y + pad, { width: labelWidth - 2 * pad });
      pdf.font(FONT).text(value, left + labelWidth + pad, y + pad, {
        width: width - labelWidth - 2 * pad,
      });
      pdf.y = y + h;
    }
    pdf.x = left;
    this.gap(10);
  }

  /**
   * A table with a header row (repeated on each new page) and an optional bold totals row.
   * Long cells wrap; a row is never split across pages.
   */
  table(columns: Column[], rows: string[][], totals?: string[]): void {
    const { pdf, left, width } = this;
    const pad = 4;
    const xs: number[] = [];
    let x = left;
    for (const c of columns) {
      xs.push(x);
      x += c.width * width;
    }
    const rowHeight = (cells: string[], font: string) => {
      pdf.font(font).fontSize(SIZE.table);
      let h = 0;
      cells.forEach((cell, i) => {
        const w = (columns[i]?.width ?? 0) * width - 2 * pad;
        h = Math.max(h, pdf.heightOfString(cell, { width: w }));
      });
      return h + 2 * pad;
    };
    const drawRow = (cells: string[], font: string, fill: string | null, color: string) => {
      const h = rowHeight(cells, font);
      const y = pdf.y;
      if (fill) pdf.rect(left, y, width, h).fill(fill);
      pdf.font(font).fontSize(SIZE.table).fillColor(color);
      cells.forEach((cell, i) => {
        const c = columns[i];
        if (!c) return;
        pdf.text(cell, (xs[i] ?? left) + pad, y + pad, {
          width: c.width * width - 2 * pad,
          align: c.align ?? 'left',
        });
      });
      pdf.y = y + h;
      return h;
    };
    const drawHeader = () => {
      drawRow(
        columns.map((c) => c.header),
        BOLD,
        COLOR.brand,
        '#ffffff',
      );
    };
    const headerHeight = rowHeight(
      columns.map((c) => c.header),
      BOLD,
    );
    this.ensureSpace(headerHeight + rowHeight(rows[0] ?? [''], FONT) + 4);
    drawHeader();
    rows.forEach((cells, i) => {
      const h = rowHeight(cells, FONT);
      if (pdf.y + h > this.bottom) {
        pdf.addPage();
        drawHeader();
      }
      drawRow(cells, FONT, i % 2 === 1 ? COLOR.zebra : null, COLOR.text);
    });
    if (totals) {
      const h = rowHeight(totals, BOLD);
      if (pdf.y + h > this.bottom) {
        pdf.addPage();
        drawHeader();
      }
      const y = pdf.y;
      drawRow(totals, BOLD, COLOR.band, COLOR.text);
      pdf
        .moveTo(left, y)
        .lineTo(left + width, y)
        .lineWidth(1)
        .strokeColor(COLOR.brand)
        .stroke();
    }
    const end = pdf.y;
    pdf
      .moveTo(left, end)
      .lineTo(left + width, end)
      .lineWidth(0.5)
      .strokeColor(COLOR.rule)
      .stroke();
    pdf.x = left;
    pdf.fillColor(COLOR.text).font(FONT).fontSize(SIZE.body);
    this.gap(10);
  }

  /** Lines to be filled in by hand (e.g. the crew's report of a suspension). */
  blanks(labels: string[]): void {
    const { pdf, left, width } = this;
    const labelWidth = Math.round(width * 0.34);
    for (const label of labels) {
      this.ensureSpace(24);
      const y = pdf.y;
      pdf
        .font(FONT)
        .fontSize(SIZE.body)
        .fillColor(COLOR.text)
        .text(label, left, y + 6, {
          width: labelWidth,
          lineBreak: false,
        });
      pdf
        .moveTo(left + labelWidth, y + 17)
        .lineTo(left + width, y + 17)
        .lineWidth(0.5)
        .strokeColor(COLOR.muted)
        .stroke();
      pdf.y = y + 24;
    }
    pdf.x = left;
    this.gap(8);
  }

  /** Signature lines, two per row. */
  signatures(signers: SignatureLine[]): void {
    const { pdf, left, width } = this;
    const colWidth = (width - 40) / 2;
    for (let i = 0; i < signers.length; i += 2) {
      const pair = signers.slice(i, i + 2);
      this.ensureSpace(120);
      const top = pdf.y + 10;
      let lowest = top;
      pair.forEach((s, j) => {
        const x = pair.length === 1 ? left + (width - colWidth) / 2 : left + j * (colWidth + 40);
        pdf
          .font(FONT)
          .fontSize(SIZE.small + 1)
          .fillColor(COLOR.muted);
        if (s.caption) pdf.text(s.caption, x, top, { width: colWidth, align: 'center' });
        const lineY = top + 58;
        pdf
          .moveTo(x + 10, lineY)
          .lineTo(x + colWidth - 10, lineY)
          .lineWidth(0.8)
          .strokeColor(COLOR.text)
          .stroke();
        pdf
          .font(BOLD)
          .fontSize(SIZE.body)
          .fillColor(COLOR.text)
          .text(s.name ?? 'Nombre: ______________________', x, lineY + 4, {
            width: colWidth,
            align: 'center',
          });
        pdf.font(FONT).text(s.position, { width: colWidth, align: 'center' });
        lowest = Math.max(lowest, pdf.y);
      });
      pdf.y = lowest + 12;
    }
    pdf.x = left;
  }

  /** Small print at the end of the body (legal notes, processing marks). */
  note(text: string): void {
    this.ensureSpace(24);
    this.pdf
      .font(ITALIC)
      .fontSize(SIZE.small)
      .fillColor(COLOR.muted)
      .text(text, this.left, this.pdf.y, { width: this.width, align: 'left' });
    this.pdf.fillColor(COLOR.text).font(FONT).fontSize(SIZE.body);
    this.gap(6);
  }

  /** Numbers the pages ("Página 1 de 2"), closes the PDF and returns its bytes and page count. */
  async finish(): Promise<{ bytes: Buffer; pages: number }> {
    const { pdf } = this;
    const range = pdf.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      pdf.switchToPage(i);
      if (i > range.start) this.runningHeader();
      // Writing below the bottom margin would otherwise start a new page.
      const margin = pdf.page.margins.bottom;
      pdf.page.margins.bottom = 0;
      const y = pdf.page.height - MARGIN.bottom + 22;
      pdf
        .moveTo(MARGIN.left, y - 6)
        .lineTo(pdf.page.width - MARGIN.right, y - 6)
        .lineWidth(0.5)
        .strokeColor(COLOR.rule)
        .stroke();
      pdf.font(FONT).fontSize(SIZE.small).fillColor(COLOR.muted);
      pdf.text(
        `${this.info.issuer.name} · RUC ${this.info.issuer.ruc} · ${this.info.title} ${this.info.number}`,
        MARGIN.left,
        y,
        { width: this.width * 0.75, lineBreak: false },
      );
      pdf.text(`Página ${i - range.start + 1} de ${range.count}`, MARGIN.left, y, {
        width: this.width,
        align: 'right',
        lineBreak: false,
      });
      pdf.page.margins.bottom = margin;
    }
    pdf.end();
    const bytes = await this.done;
    return { bytes, pages: range.count };
  }
}

/**
 * The issuer's full letterhead (brand bar, legal name, RUC and address, unit, contact, rule) at
 * `top`; leaves the cursor below it. Every document's first page, and each letter of a batch.
 */
export function drawLetterhead(
  pdf: PDFKit.PDFDocument,
  issuer: Issuer,
  left: number,
  width: number,
  top: number,
): void {
  pdf.rect(left, top, 6, 52).fill(COLOR.brand);
  pdf
    .fillColor(COLOR.brand)
    .font(BOLD)
    .fontSize(13)
    .text(issuer.legalName.toUpperCase(), left + 16, top, { width: width - 16 });
  pdf
    .fillColor(COLOR.text)
    .font(FONT)
    .fontSize(SIZE.small + 1)
    .text(`RUC ${issuer.ruc} · ${issuer.address}`, { width: width - 16 })
    .font(BOLD)
    .text(issuer.unit, { width: width - 16 });
  if (issuer.contact) {
    pdf
      .font(FONT)
      .fillColor(COLOR.muted)
      .text(issuer.contact, { width: width - 16 });
  }
  const after = Math.max(pdf.y, top + 52) + 8;
  pdf
    .moveTo(left, after)
    .lineTo(left + width, after)
    .lineWidth(1.2)
    .strokeColor(COLOR.brand)
    .stroke();
  pdf.x = left;
  pdf.y = after + 14;
  pdf.fillColor(COLOR.text);
}
