/**
 * Renders any document to PDF bytes. Pure apart from CPU: no database, no clock, no randomness,
 * so the same input always gives the same bytes and the same SHA-256 (the activity that stores a
 * document can use the hash as its idempotency key and the timeline can show it).
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { DocumentLayout } from './layout.js';
import { writeCollectionNotice } from './templates/collection-notice.js';
import { writeCreditTitle } from './templates/credit-title.js';
import { writeNotificationRecord } from './templates/notification-record.js';
import { writePaymentAgreement } from './templates/payment-agreement.js';
import { writePaymentOrder } from './templates/payment-order.js';
import { writeReconnectionOrder } from './templates/reconnection-order.js';
import { writeSuspensionNotice } from './templates/suspension-notice.js';
import { writeSuspensionOrder } from './templates/suspension-order.js';
import {
  DOCUMENT_TITLES,
  documentInputSchema,
  type DocumentData,
  type DocumentInput,
  type DocumentKind,
} from './types.js';

/** A rendered document, ready to store and serve. */
export interface RenderedDocument {
  kind: DocumentKind;
  /** The document's printed number, e.g. `TC-2026-000123`. */
  number: string;
  bytes: Buffer;
  /** Lowercase hex SHA-256 of `bytes`. */
  sha256: string;
  /** `TC-2026-000123-titulo-de-credito.pdf`: ASCII only, safe for Content-Disposition. */
  fileName: string;
  /** `Título de crédito TC-2026-000123`. */
  title: string;
  pages: number;
}

/**
 * The input did not pass {@link documentInputSchema}: `issues` are Spanish, each prefixed by the
 * field path (`debtor.id: …`). Not retryable: the same input always fails the same way.
 */
export class DocumentInputError extends Error {
  readonly type = 'DocumentInputError';
  readonly nonRetryable = true;
  constructor(readonly issues: string[]) {
    super(`documento inválido: ${issues.join('; ')}`);
    this.name = 'DocumentInputError';
  }
}

/** Spanish messages of a zod error, each prefixed with its field path. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
}

/** Validates a document input without rendering it. */
export function parseDocumentInput(
  input: unknown,
): { ok: true; document: DocumentData } | { ok: false; issues: string[] } {
  const parsed = documentInputSchema.safeParse(input);
  return parsed.success
    ? { ok: true, document: parsed.data }
    : { ok: false, issues: describeIssues(parsed.error) };
}

function documentNumber(doc: DocumentData): string {
  return doc.kind === 'titulo_credito' ? doc.title.number : doc.number;
}

/** `Título de crédito` → `titulo-de-credito`. */
function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function write(layout: DocumentLayout, doc: DocumentData): void {
  switch (doc.kind) {
    case 'aviso_cobro':
      return writeCollectionNotice(layout, doc);
    case 'aviso_previo_suspension':
      return writeSuspensionNotice(layout, doc);
    case 'orden_suspension':
      return writeSuspensionOrder(layout, doc);
    case 'orden_reconexion':
      return writeReconnectionOrder(layout, doc);
    case 'convenio_pago':
      return writePaymentAgreement(layout, doc);
    case 'titulo_credito':
      return writeCreditTitle(layout, doc);
    case 'razon_notificacion':
      return writeNotificationRecord(layout, doc);
    case 'orden_pago_inmediato':
      return writePaymentOrder(layout, doc);
  }
}

/**
 * Validates `input` and renders it as an A4 PDF in Spanish, with the issuer's letterhead,
 * page numbers and the PDF dates set from the document's date.
 *
 * @throws DocumentInputError when the input is invalid (nothing is rendered).
 */
export async function renderDocument(input: DocumentInput): Promise<RenderedDocument> {
  const parsed = parseDocumentInput(input);
  if (!parsed.ok) throw new DocumentInputError(parsed.issues);
  const doc = parsed.document;
  const number = documentNumber(doc);
  const titleText = DOCUMENT_TITLES[doc.kind];
  const layout = new DocumentLayout({
    issuer: doc.issuer,
    title: titleText,
    number,
    date: doc.kind === 'titulo_credito' ? doc.title.issuedOn : doc.date,
    subject: `${titleText}: ${doc.kind === 'titulo_credito' ? doc.title.debtor.name : doc.debtor.name}`,
  });
  write(layout, doc);
  const { bytes, pages } = await layout.finish();
  return {
    kind: doc.kind,
    number,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    fileName: `${number}-${slug(titleText)}.pdf`,
    title: `${titleText} ${number}`,
    pages,
  };
}
