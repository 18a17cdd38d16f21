/**
 * The input of every legal document the collections unit issues, as zod schemas and their
 * types. A schema is the only gate: {@link renderDocument} parses its input with
 * {@link documentInputSchema}, so a bad cédula, a negative amount or an instalment table that
 * does not add up is refused with a Spanish message before any PDF exists.
 *
 * Money is integer cents; dates the law counts are `LocalDate` (America/Guayaquil); terms are
 * the policy's `WaitingPeriod`s, so a document always prints the term the case ran under.
 */
import { z } from 'zod';
import { isLocalDate, waitingPeriodSchema } from '../domain/calendar.js';
import { PROTECTIONS } from '../domain/case-opening.js';
import {
  CREDIT_TITLE_PLACE,
  ISSUING_BODY,
  NOTIFICATION_METHODS,
  creditTitleDefects,
  parseTitleNumber,
  type CreditTitle,
} from '../domain/credit-title.js';
import { makeIdentificationSchema } from '../domain/ecuador-id.js';
import { legalRouteSchema } from '../domain/policy.js';
import { DEFAULT_LEGAL_BASIS } from './legal-basis.js';

// ---------------------------------------------------------------------------------------------
// Kinds and numbering

/** Every document the unit issues, by its business name. */
export const DOCUMENT_KINDS = [
  'aviso_cobro',
  'aviso_previo_suspension',
  'orden_suspension',
  'orden_reconexion',
  'convenio_pago',
  'titulo_credito',
  'razon_notificacion',
  'orden_pago_inmediato',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * Numbering series of each kind in the institution-wide document sequence; numbers print as
 * `SERIES-YYYY-NNNNNN` (domain/credit-title.ts `formatTitleNumber`).
 */
export const DOCUMENT_SERIES: Record<DocumentKind, string> = {
  aviso_cobro: 'AC',
  aviso_previo_suspension: 'AS',
  orden_suspension: 'OS',
  orden_reconexion: 'OR',
  convenio_pago: 'CP',
  titulo_credito: 'TC',
  razon_notificacion: 'RN',
  // The coactiva numbers its órdenes in series OPI (activities/coactiva.ts), deployed first.
  orden_pago_inmediato: 'OPI',
};

/** Printed titles (Spanish). */
export const DOCUMENT_TITLES: Record<DocumentKind, string> = {
  aviso_cobro: 'Aviso de cobro',
  aviso_previo_suspension: 'Aviso previo de suspensión del servicio',
  orden_suspension: 'Orden de suspensión del servicio',
  orden_reconexion: 'Orden de reconexión del servicio',
  convenio_pago: 'Convenio de pago',
  titulo_credito: 'Título de crédito',
  razon_notificacion: 'Razón de notificación',
  orden_pago_inmediato: 'Orden de pago inmediato',
};

// ---------------------------------------------------------------------------------------------
// Shared parts

const text = (what: string, max = 300) =>
  z
    .string({ error: `falta ${what}` })
    .trim()
    .min(1, `falta ${what}`)
    .max(max, `${what}: máximo ${max} caracteres`);

/** Amount in cents that must be zero or more. */
const nonNegativeCents = (what: string) =>
  z
    .number({ error: `${what}: se espera un valor en centavos` })
    .int(`${what}: se espera un número entero de centavos`)
    .nonnegative(`${what} no puede ser negativo`)
    .max(Number.MAX_SAFE_INTEGER, `${what} fuera de rango`);

/** Amount in cents that must be more than zero. */
const positiveCents = (what: string) =>
  nonNegativeCents(what).refine((v) => v > 0, `${what} debe ser mayor que cero`);

const localDate = (what: string) =>
  z
    .string({ error: `falta ${what}` })
    .refine(isLocalDate, `${what}: fecha inválida, se espera AAAA-MM-DD`);

/** An ISO instant such as `2026-03-10T15:30:00.000Z` (printed in Guayaquil time). */
const instant = (what: string) =>
  z.iso.datetime({ offset: true, error: `${what}: se espera una fecha y hora ISO 8601` });

/** Cédula or RUC; RUC check digits of companies are not enforced (see domain/ecuador-id.ts). */
const identification = makeIdentificationSchema({ verifyCompanyRucCheckDigit: false });

/** The issuing body as printed in every header. */
export const issuerSchema = z.object({
  /** Short name, e.g. "Aguas Machala EP". */
  name: text('el nombre del órgano emisor', 120),
  /** Legal name as registered with the SRI. */
  legalName: text('la razón social del órgano emisor', 200),
  ruc: z.string().regex(/^\d{13}$/, 'RUC del órgano emisor inválido: se esperan 13 dígitos'),
  address: text('la dirección del órgano emisor', 200),
  /** The unit that issues collection documents. */
  unit: text('la unidad emisora', 200),
  /** Phone and e-mail for the debtor's questions, printed under the header; optional. */
  contact: z.string().trim().max(200).optional(),
});
export type Issuer = z.infer<typeof issuerSchema>;

/**
 * The default issuer: Aguas Machala EP (name and RUC from domain/credit-title.ts `ISSUING_BODY`).
 * The address is the canton only until the head-office address is confirmed.
 */
export const DEFAULT_ISSUER: Issuer = {
  name: ISSUING_BODY.name,
  legalName: ISSUING_BODY.legalName,
  ruc: ISSUING_BODY.ruc,
  address: 'Machala, provincia de El Oro, Ecuador',
  unit: 'Unidad de Cartera, Cobranzas y Coactivas',
};

/** The debtor (titular de la cuenta). */
export const debtorSchema = z.object({
  name: text('el nombre del deudor', 200),
  /** Cédula (10 digits) or RUC (13 digits), validated; the message says what is wrong. */
  id: identification,
  address: text('la dirección del deudor', 300),
});
export type Debtor = z.infer<typeof debtorSchema>;

/** Who signs, by name and position. */
export const signatorySchema = z.object({
  name: text('el nombre de quien firma', 150),
  position: text('el cargo de quien firma', 200),
});
export type Signatory = z.infer<typeof signatorySchema>;

/** One overdue invoice (planilla). */
export const invoiceSchema = z.object({
  /** Billing's invoice number. */
  number: text('el número de planilla', 40),
  /** Billing period, `YYYY-MM`. */
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'período inválido: se espera AAAA-MM'),
  dueOn: localDate('el vencimiento de la planilla'),
  amountCents: positiveCents('el valor de la planilla'),
});
export type Invoice = z.infer<typeof invoiceSchema>;

const invoices = z.array(invoiceSchema).min(1, 'se requiere al menos una planilla vencida');

const documentNumber = z
  .string()
  .refine(
    (v) => parseTitleNumber(v) !== null,
    'número de documento inválido: se espera SERIE-AAAA-NNNNNN, p. ej. TC-2026-000123',
  );

/** Account numbers as billing writes them (domain/portfolio-row.ts). */
const accountNumber = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z-]{1,30}$/, 'número de cuenta inválido');

const legalBasis = (kind: DocumentKind) =>
  z
    .array(text('la cita legal', 300))
    .min(1)
    .default([...DEFAULT_LEGAL_BASIS[kind]]);

/** Fields every document carries. */
const common = <K extends DocumentKind>(kind: K) => ({
  kind: z.literal(kind),
  issuer: issuerSchema.default(DEFAULT_ISSUER),
  /** `SERIES-YYYY-NNNNNN`, the series being {@link DOCUMENT_SERIES}[kind]. */
  number: documentNumber,
  /** Place of issue. @default "Machala" */
  place: text('el lugar de emisión', 100).default(CREDIT_TITLE_PLACE),
  /** Date of issue (Guayaquil); also the PDF's creation date, so the bytes are reproducible. */
  date: localDate('la fecha de emisión'),
  debtor: debtorSchema,
  accountNumber,
  signatory: signatorySchema,
  legalBasis: legalBasis(kind),
});

/** The number's series must be the kind's. */
function seriesMatches(doc: { kind: DocumentKind; number: string }, ctx: z.RefinementCtx): void {
  const parsed = parseTitleNumber(doc.number);
  const series = DOCUMENT_SERIES[doc.kind];
  if (parsed && parsed.series !== series) {
    ctx.addIssue({
      code: 'custom',
      path: ['number'],
      message: `el número de ${DOCUMENT_TITLES[doc.kind].toLowerCase()} debe ser de la serie ${series}`,
    });
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------------------------------------
// Aviso de cobro

export const collectionNoticeSchema = z
  .object({
    ...common('aviso_cobro'),
    /** 1 for the first notice, 2 for the second… (policy.reminder.notices). */
    noticeOrdinal: z.number().int().min(1).max(10).default(1),
    invoices,
    /** Pay by this date to avoid the next step. */
    payBy: localDate('la fecha límite de pago'),
    /** Where and how to pay (offices, banks, online). */
    paymentChannels: z.array(text('el canal de pago', 200)).min(1),
  })
  .superRefine(seriesMatches);
export type CollectionNoticeInput = z.input<typeof collectionNoticeSchema>;
export type CollectionNotice = z.output<typeof collectionNoticeSchema>;

// ---------------------------------------------------------------------------------------------
// Aviso previo de suspensión

export const suspensionNoticeSchema = z
  .object({
    ...common('aviso_previo_suspension'),
    invoices,
    /** policy.suspension.priorNotice (default 48 hours). */
    priorNotice: waitingPeriodSchema,
    /** When service may be cut at the earliest (domain/suspension.ts `earliestCutAt`). */
    earliestCutAt: instant('la fecha desde la que procede la suspensión'),
    /** policy.suspension fees; 0 = waived (not printed). */
    suspensionFeeCents: nonNegativeCents('el cargo por suspensión'),
    reconnectionFeeCents: nonNegativeCents('el cargo por reconexión'),
    paymentChannels: z.array(text('el canal de pago', 200)).min(1),
  })
  .superRefine(seriesMatches);
export type SuspensionNoticeInput = z.input<typeof suspensionNoticeSchema>;
export type SuspensionNotice = z.output<typeof suspensionNoticeSchema>;

// ---------------------------------------------------------------------------------------------
// Orden de suspensión (to the field crew)

export const suspensionOrderSchema = z
  .object({
    ...common('orden_suspension'),
    /** Where the crew goes (may differ from the debtor's postal address). */
    serviceAddress: text('la dirección del servicio', 300),
    sector: z.string().trim().max(60).optional(),
    route: z.string().trim().max(60).optional(),
    meterNumber: z.string().trim().max(40).optional(),
    balanceCents: positiveCents('el saldo adeudado'),
    overdueInvoices: z.number().int().positive('el número de planillas vencidas debe ser positivo'),
    /** The aviso previo: its number and when it went out. */
    priorNoticeNumber: documentNumber,
    priorNoticeSentAt: instant('la fecha del aviso previo'),
    /** policy.suspension.fieldTaskSla (default 2 días hábiles). */
    executeWithin: waitingPeriodSchema,
    /** domain/case-opening.ts protection class; protected users need a manager's authorisation. */
    protection: z.enum(PROTECTIONS).default('none'),
    /** Who authorised cutting a protected user (required when `protection` is not `none`). */
    authorisedBy: z.string().trim().max(150).optional(),
  })
  .superRefine(seriesMatches)
  .superRefine((doc, ctx) => {
    if (doc.protection !== 'none' && !doc.authorisedBy) {
      ctx.addIssue({
        code: 'custom',
        path: ['authorisedBy'],
        message:
          'usuario protegido: la suspensión requiere la autorización expresa de la supervisión',
      });
    }
  });
export type SuspensionOrderInput = z.input<typeof suspensionOrderSchema>;
export type SuspensionOrder = z.output<typeof suspensionOrderSchema>;

// ---------------------------------------------------------------------------------------------
// Orden de reconexión

export const RECONNECTION_REASONS = [
  'pago_total',
  'convenio_de_pago',
  'orden_administrativa',
] as const;
export type ReconnectionReason = (typeof RECONNECTION_REASONS)[number];

export const reconnectionOrderSchema = z
  .object({
    ...common('orden_reconexion'),
    serviceAddress: text('la dirección del servicio', 300),
    sector: z.string().trim().max(60).optional(),
    route: z.string().trim().max(60).optional(),
    meterNumber: z.string().trim().max(40).optional(),
    reason: z.enum(RECONNECTION_REASONS),
    /** Payment receipt or agreement number that triggered the reconnection. */
    reference: text('la referencia del pago o convenio', 80),
    triggeredAt: instant('la fecha del pago o convenio'),
    /** policy.suspension.reconnectionDeadline (default 24 hours). */
    reconnectWithin: waitingPeriodSchema,
    /** When the crew must have reconnected (domain/suspension.ts `reconnectionDueAt`). */
    reconnectBy: instant('la fecha límite de reconexión'),
    suspendedOn: localDate('la fecha de suspensión'),
    /** Seal placed at the cut, to be removed. */
    sealNumber: z.string().trim().max(40).optional(),
    reconnectionFeeCents: nonNegativeCents('el cargo por reconexión'),
  })
  .superRefine(seriesMatches);
export type ReconnectionOrderInput = z.input<typeof reconnectionOrderSchema>;
export type ReconnectionOrder = z.output<typeof reconnectionOrderSchema>;

// ---------------------------------------------------------------------------------------------
// Convenio de pago

/** One row of the instalment table. */
export const instalmentRowSchema = z.object({
  number: z.number().int().positive(),
  dueOn: localDate('el vencimiento de la cuota'),
  principalCents: nonNegativeCents('el capital de la cuota'),
  interestCents: nonNegativeCents('el interés de la cuota'),
  amountCents: positiveCents('el valor de la cuota'),
});
export type InstalmentRow = z.infer<typeof instalmentRowSchema>;

export const paymentAgreementSchema = z
  .object({
    ...common('convenio_pago'),
    /** The collector or official who signs for the utility is `signatory`; the debtor signs too. */
    invoices,
    balanceCents: positiveCents('la deuda total'),
    downPaymentCents: nonNegativeCents('la entrada'),
    /** Due the day of signature. */
    downPaymentDueOn: localDate('la fecha de la entrada'),
    financedCents: positiveCents('el saldo financiado'),
    interestCents: nonNegativeCents('el interés'),
    /** Down payment + instalments. */
    totalCents: positiveCents('el total del convenio'),
    /** Annual rate in basis points (1000 = 10 %). */
    annualRateBp: z.number().int().min(0).max(100_000),
    legalRoute: legalRouteSchema,
    schedule: z.array(instalmentRowSchema).min(1, 'el convenio necesita al menos una cuota'),
    /** policy.agreement.instalmentGrace: after it, an unpaid instalment breaks the agreement. */
    instalmentGrace: waitingPeriodSchema,
    needsNotarisedSignature: z.boolean().default(false),
  })
  .superRefine(seriesMatches)
  .superRefine((doc, ctx) => {
    const issue = (message: string, path: (string | number)[] = ['schedule']) =>
      ctx.addIssue({ code: 'custom', path, message });
    doc.schedule.forEach((row, i) => {
      if (row.number !== i + 1) issue(`la cuota ${i + 1} tiene el número ${row.number}`);
      if (row.amountCents !== row.principalCents + row.interestCents)
        issue(`cuota ${row.number}: el valor no es capital + interés`, ['schedule', i]);
      const previous = doc.schedule[i - 1];
      // Same day is allowed: under a training policy instalments fall seconds apart.
      if (previous && row.dueOn < previous.dueOn)
        issue(`cuota ${row.number}: vence antes que la anterior`, ['schedule', i]);
    });
    if (doc.downPaymentCents + doc.financedCents !== doc.balanceCents)
      issue('la entrada más el saldo financiado no suman la deuda', ['financedCents']);
    if (sum(doc.schedule.map((r) => r.principalCents)) !== doc.financedCents)
      issue('el capital de las cuotas no suma el saldo financiado');
    if (sum(doc.schedule.map((r) => r.interestCents)) !== doc.interestCents)
      issue('el interés de las cuotas no suma el interés del convenio', ['interestCents']);
    if (doc.totalCents !== doc.balanceCents + doc.interestCents)
      issue('el total no es la deuda más el interés', ['totalCents']);
    if (sum(doc.invoices.map((r) => r.amountCents)) > doc.balanceCents)
      issue('las planillas suman más que la deuda', ['invoices']);
  });
export type PaymentAgreementInput = z.input<typeof paymentAgreementSchema>;
export type PaymentAgreement = z.output<typeof paymentAgreementSchema>;

// ---------------------------------------------------------------------------------------------
// Título de crédito

/** The domain's {@link CreditTitle}, as stored by the credit-title activity. */
export const creditTitleSchema = z.object({
  number: z.string(),
  series: z.string(),
  year: z.number().int(),
  sequence: z.number().int(),
  version: z.number().int().positive(),
  issuer: z.object({ name: z.string(), legalName: z.string(), ruc: z.string() }),
  debtor: z.object({
    name: z.string(),
    id: z.string(),
    idKind: z.enum(['cedula', 'ruc', 'invalid']),
    address: z.string(),
  }),
  place: z.string(),
  issuedOn: z.string(),
  concept: z.string(),
  origin: z.string(),
  accountNumber: z.string(),
  amountCents: z.number().int(),
  amount: z.string(),
  interestFrom: z.string(),
  legalRoute: legalRouteSchema,
  legalBasis: z.string(),
  signature: z.object({ title: z.string(), name: z.string().nullable() }),
  corrections: z.array(z.string()),
}) satisfies z.ZodType<CreditTitle>;

export const creditTitleDocumentSchema = z
  .object({
    kind: z.literal('titulo_credito'),
    issuer: issuerSchema.default(DEFAULT_ISSUER),
    /** Every element the law requires (COA art. 268, CT art. 150), from domain/credit-title.ts. */
    title: creditTitleSchema,
    /** The invoices the amount comes from. */
    invoices,
    /** policy.creditTitle.voluntaryPaymentTerm (COA art. 271, default 10 días hábiles). */
    voluntaryPaymentTerm: waitingPeriodSchema,
    /** The executor who signs; defaults to the title's signature. */
    signatory: signatorySchema.optional(),
    legalBasis: legalBasis('titulo_credito'),
  })
  .superRefine((doc, ctx) => {
    // CT art. 151: a title lacking a required element is void, so it is never printed.
    for (const defect of creditTitleDefects(doc.title)) {
      ctx.addIssue({ code: 'custom', path: ['title'], message: defect });
    }
    const parsed = parseTitleNumber(doc.title.number);
    if (parsed && parsed.series !== DOCUMENT_SERIES.titulo_credito) {
      ctx.addIssue({
        code: 'custom',
        path: ['title', 'number'],
        message: `el número del título debe ser de la serie ${DOCUMENT_SERIES.titulo_credito}`,
      });
    }
    if (doc.issuer.ruc !== doc.title.issuer.ruc) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer', 'ruc'],
        message: 'el RUC del encabezado no es el del órgano emisor del título',
      });
    }
    if (sum(doc.invoices.map((r) => r.amountCents)) > doc.title.amountCents) {
      ctx.addIssue({
        code: 'custom',
        path: ['invoices'],
        message: 'las planillas suman más que el valor del título',
      });
    }
  });
export type CreditTitleDocumentInput = z.input<typeof creditTitleDocumentSchema>;
export type CreditTitleDocument = z.output<typeof creditTitleDocumentSchema>;

// ---------------------------------------------------------------------------------------------
// Razón de notificación

export const notificationRecordSchema = z
  .object({
    ...common('razon_notificacion'),
    /** What was notified. */
    notifiedDocument: z.object({
      kind: z.enum(DOCUMENT_KINDS),
      number: documentNumber,
      date: localDate('la fecha del documento notificado'),
    }),
    /** domain/credit-title.ts methods: in person, boleta, publication. */
    method: z.enum(NOTIFICATION_METHODS),
    notifiedAt: instant('la fecha y hora de la notificación'),
    /** Where it happened (address for in person / boleta; the newspaper for publication). */
    where: text('el lugar de la notificación', 300),
    /** Who received it (in person) or with whom the boleta was left; omitted for publication. */
    receivedBy: z
      .object({ name: text('el nombre de quien recibe', 150), id: identification.optional() })
      .optional(),
    /** The term that starts with this notification (e.g. 10 días hábiles, COA art. 271). */
    term: waitingPeriodSchema,
    /** Its last day (domain `voluntaryPaymentDeadline` / `paymentOrderTerm`). */
    termEndsOn: localDate('el vencimiento del término'),
    /** What the term is for, e.g. "pagar voluntariamente la obligación". */
    termPurpose: text('la finalidad del término', 200),
    remarks: z.string().trim().max(1000).optional(),
  })
  .superRefine(seriesMatches)
  .superRefine((doc, ctx) => {
    if (doc.method === 'in_person' && !doc.receivedBy) {
      ctx.addIssue({
        code: 'custom',
        path: ['receivedBy'],
        message: 'la notificación en persona requiere el nombre de quien recibe',
      });
    }
  });
export type NotificationRecordInput = z.input<typeof notificationRecordSchema>;
export type NotificationRecord = z.output<typeof notificationRecordSchema>;

// ---------------------------------------------------------------------------------------------
// Orden de pago inmediato

export const paymentOrderSchema = z
  .object({
    ...common('orden_pago_inmediato'),
    /** Número del proceso coactivo. */
    procedureNumber: text('el número del proceso coactivo', 60),
    /** The título de crédito the procedure executes. */
    creditTitle: z.object({
      number: documentNumber,
      issuedOn: localDate('la fecha del título'),
      notifiedOn: localDate('la fecha de notificación del título'),
    }),
    /** Principal owed under the title. */
    principalCents: positiveCents('el capital adeudado'),
    /** Interest accrued to the order's date. */
    interestCents: nonNegativeCents('el interés'),
    /** Procedure costs (costas) so far. */
    costsCents: nonNegativeCents('las costas'),
    interestFrom: localDate('la fecha desde la que corren intereses'),
    /** policy.coactiva.paymentOrderTerm (COA art. 279, default 3 días hábiles). */
    term: waitingPeriodSchema,
    /** Measures ordered with the order (COA art. 281); empty when none yet. */
    precautionaryMeasures: z.array(text('la medida cautelar', 300)).default([]),
    /** External lawyer acting as secretary, when there is one. */
    secretary: signatorySchema.optional(),
  })
  .superRefine(seriesMatches)
  .superRefine((doc, ctx) => {
    if (parseTitleNumber(doc.creditTitle.number)?.series !== DOCUMENT_SERIES.titulo_credito) {
      ctx.addIssue({
        code: 'custom',
        path: ['creditTitle', 'number'],
        message: 'la orden debe citar un título de crédito (serie TC)',
      });
    }
    if (doc.creditTitle.notifiedOn < doc.creditTitle.issuedOn) {
      ctx.addIssue({
        code: 'custom',
        path: ['creditTitle', 'notifiedOn'],
        message: 'el título no puede notificarse antes de emitirse',
      });
    }
  });
export type PaymentOrderInput = z.input<typeof paymentOrderSchema>;
export type PaymentOrder = z.output<typeof paymentOrderSchema>;

// ---------------------------------------------------------------------------------------------
// Any document

/** Any document, told apart by `kind`. */
export const documentInputSchema = z.discriminatedUnion('kind', [
  collectionNoticeSchema,
  suspensionNoticeSchema,
  suspensionOrderSchema,
  reconnectionOrderSchema,
  paymentAgreementSchema,
  creditTitleDocumentSchema,
  notificationRecordSchema,
  paymentOrderSchema,
]);
/** What callers pass (defaults may be omitted). */
export type DocumentInput = z.input<typeof documentInputSchema>;
/** A validated document, defaults filled in. */
export type DocumentData = z.output<typeof documentInputSchema>;

/** The validated document of one kind. */
export type DocumentOf<K extends DocumentKind> = Extract<DocumentData, { kind: K }>;
