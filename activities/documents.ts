/**
 * Legal documents of a case, produced by the activity that records the step they belong to
 * (título issued, título notified, orden de pago, convenio signed, notices, field orders): the
 * PDF is rendered from what the database and the step's event hold, stored with its SHA-256 in
 * the Document table and announced on the timeline (`document_issued`) in one transaction.
 *
 * Idempotent by the step's event key (`sourceEventKey`): a retried activity finds the stored
 * document and renders nothing; its number comes from the institution-wide sequence under a key
 * derived from the same event key, so a retry never takes a second number either.
 *
 * A document whose data does not pass its schema is not retried (the same data fails the same
 * way): the step goes on and the timeline says why (`document_failed`, with the issues).
 */
import { planAgreement, DOWN_PAYMENT_NUMBER } from '../domain/agreement.js';
import { deadlineAfter, toLocalDate, type LocalDate } from '../domain/calendar.js';
import type { CaseStage } from '../domain/case.js';
import { CREDIT_TITLE_SIGNATORY, type CreditTitle } from '../domain/credit-title.js';
import { DEFAULT_POLICY, policySchema, type Policy } from '../domain/policy.js';
import { earliestCutAt } from '../domain/suspension.js';
import {
  DOCUMENT_SERIES,
  DocumentInputError,
  agreementFigures,
  renderDocument,
  type DocumentInput,
  type DocumentKind,
  type Invoice,
  type Signatory,
} from '../documents/index.js';
import type { Prisma, PrismaClient } from '../prisma/client.js';
import { issueDocumentNumber } from '../store/document-numbers.js';

/** Where debtors may pay, printed on notices. */
export const PAYMENT_CHANNELS = [
  'Ventanillas de recaudación de Aguas Machala EP',
  'Bancos y cooperativas autorizados, con el número de cuenta',
];

/** Who signs what the unit issues when no person is named for the step. */
const UNIT_SIGNATORY: Signatory = {
  name: 'Unidad de Cartera, Cobranzas y Coactivas',
  position: 'Aguas Machala EP',
};
const EXECUTOR_POSITION = 'Funcionario/a Ejecutor/a de Coactiva';

/**
 * The data a document needs is not in the database (e.g. an orden de suspensión without its
 * aviso previo). Recorded like an invalid input: not retryable.
 */
export class DocumentDataMissing extends Error {
  readonly type = 'DocumentDataMissing';
  constructor(readonly issues: string[]) {
    super(`faltan datos del documento: ${issues.join('; ')}`);
    this.name = 'DocumentDataMissing';
  }
}

/** The step that issues a document. */
export interface DocumentSource {
  /** The step's timeline event key; the document's idempotency key. */
  sourceEventKey: string;
  caseId: string;
  stage: CaseStage;
  /** ISO instant of the step (workflow time): the document's date. */
  at: string;
}

export interface ProduceDocument extends DocumentSource {
  kind: DocumentKind;
  /**
   * The number when the step already has one (título, orden de pago inmediato); otherwise the
   * next of `DOCUMENT_SERIES[kind]` for the year of `at`.
   */
  number?: string;
  /** The renderer's input for `number`; may throw {@link DocumentDataMissing}. */
  build: (number: string) => Promise<DocumentInput> | DocumentInput;
}

export type ProducedDocument =
  | { status: 'issued'; documentId: string; kind: DocumentKind; number: string; sha256: string }
  | { status: 'failed'; kind: DocumentKind; issues: string[] };

const timelineKey = (sourceEventKey: string) => `${sourceEventKey}:document`;

/**
 * Renders and stores one document for a step, once. Returns the stored document (also on a
 * retry), or the issues when its data is invalid or missing (recorded as `document_failed`).
 */
export async function produceDocument(
  prisma: PrismaClient,
  req: ProduceDocument,
): Promise<ProducedDocument> {
  const stored = await prisma.document.findUnique({
    where: { sourceEventKey: req.sourceEventKey },
    select: { id: true, number: true, sha256: true },
  });
  if (stored) return issuedResult(req.kind, stored);

  const number =
    req.number ??
    (
      await issueDocumentNumber(prisma, {
        key: `${req.sourceEventKey}:number`,
        series: DOCUMENT_SERIES[req.kind],
        year: Number(toLocalDate(new Date(req.at)).slice(0, 4)),
      })
    ).number;

  let rendered;
  try {
    rendered = await renderDocument(await req.build(number));
  } catch (err) {
    if (!(err instanceof DocumentInputError || err instanceof DocumentDataMissing)) throw err;
    await prisma.caseEvent.createMany({
      data: [
        {
          eventKey: timelineKey(req.sourceEventKey),
          caseId: req.caseId,
          type: 'document_failed',
          stage: req.stage,
          occurredAt: new Date(req.at),
          actor: 'system',
          reason: `No se pudo emitir el documento ${number}: ${err.issues.join('; ')}`,
          data: { kind: req.kind, number, issues: err.issues },
        },
      ],
      skipDuplicates: true,
    });
    return { status: 'failed', kind: req.kind, issues: err.issues };
  }

  await prisma.$transaction(async (tx) => {
    const inserted = await tx.document.createManyAndReturn({
      data: [
        {
          caseId: req.caseId,
          kind: rendered.kind,
          number: rendered.number,
          fileName: rendered.fileName,
          title: rendered.title,
          sha256: rendered.sha256,
          bytes: new Uint8Array(rendered.bytes),
          sizeBytes: rendered.bytes.length,
          pages: rendered.pages,
          sourceEventKey: req.sourceEventKey,
        },
      ],
      skipDuplicates: true,
      select: { id: true },
    });
    const doc = inserted[0];
    if (!doc) return; // a racing retry stored it first, with its own timeline entry
    await tx.caseEvent.createMany({
      data: [
        {
          eventKey: timelineKey(req.sourceEventKey),
          caseId: req.caseId,
          type: 'document_issued',
          stage: req.stage,
          occurredAt: new Date(req.at),
          actor: 'system',
          reason: rendered.title,
          data: {
            documentId: doc.id,
            kind: rendered.kind,
            number: rendered.number,
            sha256: rendered.sha256,
          },
        },
      ],
      skipDuplicates: true,
    });
  });
  const row = await prisma.document.findUniqueOrThrow({
    where: { sourceEventKey: req.sourceEventKey },
    select: { id: true, number: true, sha256: true },
  });
  return issuedResult(req.kind, row);
}

function issuedResult(
  kind: DocumentKind,
  row: { id: string; number: string; sha256: string },
): ProducedDocument {
  return { status: 'issued', documentId: row.id, kind, number: row.number, sha256: row.sha256 };
}

// ---------------------------------------------------------------------------------------------
// What the database knows about the case

interface CaseContext {
  caseRow: Prisma.CaseGetPayload<{ include: { account: true; assignedCollector: true } }>;
  policy: Policy;
  debtor: { name: string; id: string; address: string };
  accountNumber: string;
  collector: Signatory;
}

async function caseContext(prisma: PrismaClient, caseId: string): Promise<CaseContext> {
  const caseRow = await prisma.case.findUniqueOrThrow({
    where: { id: caseId },
    include: { account: true, assignedCollector: true },
  });
  const version = await prisma.policyVersion.findUnique({
    where: { version: caseRow.policyVersion },
  });
  const parsed = version ? policySchema.safeParse(version.document) : null;
  const a = caseRow.account;
  return {
    caseRow,
    // The case runs under its recorded version; the defaults only when that row is gone.
    policy: parsed?.success ? parsed.data : DEFAULT_POLICY,
    debtor: { name: a.holderName, id: a.holderId, address: a.address },
    accountNumber: a.number,
    collector: caseRow.assignedCollector
      ? { name: caseRow.assignedCollector.displayName, position: 'Gestor/a de Cartera' }
      : UNIT_SIGNATORY,
  };
}

/** The account's unpaid invoices overdue on `asOf`, oldest first (what the document claims). */
async function overdueInvoices(
  prisma: PrismaClient,
  accountId: string,
  asOf: LocalDate,
): Promise<Invoice[]> {
  const rows = await prisma.invoice.findMany({
    where: { accountId, balanceCents: { gt: 0 }, dueOn: { lt: new Date(`${asOf}T00:00:00Z`) } },
    orderBy: [{ dueOn: 'asc' }, { number: 'asc' }],
  });
  return rows.map((r) => ({
    number: r.number,
    period: r.issuedOn.toISOString().slice(0, 7),
    dueOn: r.dueOn.toISOString().slice(0, 10),
    amountCents: r.balanceCents,
  }));
}

/** Invoices up to `capCents` (a título cannot claim more than its amount). */
function capInvoices(invoices: Invoice[], capCents: number): Invoice[] {
  const out: Invoice[] = [];
  let total = 0;
  for (const i of invoices) {
    if (total + i.amountCents > capCents) break;
    out.push(i);
    total += i.amountCents;
  }
  return out;
}

async function latestEvent(prisma: PrismaClient, caseId: string, type: string) {
  return prisma.caseEvent.findFirst({
    where: { caseId, type },
    orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
  });
}

async function latestDocument(prisma: PrismaClient, caseId: string, kind: DocumentKind) {
  return prisma.document.findFirst({
    where: { caseId, kind },
    orderBy: { createdAt: 'desc' },
    select: { number: true, createdAt: true },
  });
}

async function userName(prisma: PrismaClient, id: string | null | undefined) {
  if (!id || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  const u = await prisma.user.findUnique({ where: { id }, select: { displayName: true } });
  return u?.displayName ?? null;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : {};

// ---------------------------------------------------------------------------------------------
// One builder per step

/** The título de crédito as issued (each corrected version is its own document). */
export function produceCreditTitle(
  prisma: PrismaClient,
  src: DocumentSource & { title: CreditTitle },
): Promise<ProducedDocument> {
  return produceDocument(prisma, {
    ...src,
    kind: 'titulo_credito',
    number: src.title.number,
    build: async () => {
      const ctx = await caseContext(prisma, src.caseId);
      const invoices = await overdueInvoices(prisma, ctx.caseRow.accountId, src.title.issuedOn);
      return {
        kind: 'titulo_credito',
        title: src.title,
        invoices: capInvoices(invoices, src.title.amountCents),
        voluntaryPaymentTerm: ctx.policy.creditTitle.voluntaryPaymentTerm,
      };
    },
  });
}

/** The título as last issued for the case (from its timeline entry). */
async function issuedTitle(prisma: PrismaClient, caseId: string): Promise<CreditTitle> {
  const e = await latestEvent(prisma, caseId, 'credit_title_issued');
  if (!e?.data) throw new DocumentDataMissing(['no hay título de crédito emitido en el caso']);
  return e.data as unknown as CreditTitle;
}

/** Razón de notificación of the título (event `credit_title_notified`). */
function produceNotificationRecord(prisma: PrismaClient, src: DocumentSource, data: unknown) {
  return produceDocument(prisma, {
    ...src,
    kind: 'razon_notificacion',
    build: async (number) => {
      const ctx = await caseContext(prisma, src.caseId);
      const title = await issuedTitle(prisma, src.caseId);
      const method = str(obj(data).method);
      if (method !== 'in_person' && method !== 'boleta' && method !== 'publication')
        throw new DocumentDataMissing(['falta el medio de notificación']);
      const attempt = await latestEvent(prisma, src.caseId, 'notification_attempt');
      const notifier = await userName(prisma, attempt?.actor);
      const notifiedAt = new Date(src.at);
      return {
        kind: 'razon_notificacion',
        number,
        date: toLocalDate(notifiedAt),
        debtor: ctx.debtor,
        accountNumber: ctx.accountNumber,
        signatory: notifier ? { name: notifier, position: 'Notificador/a' } : ctx.collector,
        notifiedDocument: { kind: 'titulo_credito', number: title.number, date: title.issuedOn },
        method,
        notifiedAt: notifiedAt.toISOString(),
        where:
          method === 'publication'
            ? 'Publicación en un diario de amplia circulación'
            : title.debtor.address,
        // "En persona" is, by definition, delivery to the debtor; boleta names no receiver here.
        ...(method === 'in_person' ? { receivedBy: { name: title.debtor.name } } : {}),
        term: ctx.policy.creditTitle.voluntaryPaymentTerm,
        termEndsOn: toLocalDate(
          deadlineAfter(
            notifiedAt,
            ctx.policy.creditTitle.voluntaryPaymentTerm,
            ctx.policy.calendar,
          ),
        ),
        termPurpose: 'pagar voluntariamente la obligación',
        ...(attempt?.reason ? { remarks: attempt.reason } : {}),
      };
    },
  });
}

/** Orden de pago inmediato (event `orden_pago_issued`), with the number the coactiva took. */
function producePaymentOrder(prisma: PrismaClient, src: DocumentSource, data: unknown) {
  const d = obj(data);
  const number = str(d.paymentOrderNumber);
  return produceDocument(prisma, {
    ...src,
    kind: 'orden_pago_inmediato',
    ...(number ? { number } : {}),
    build: async (n) => {
      const ctx = await caseContext(prisma, src.caseId);
      const title = await issuedTitle(prisma, src.caseId);
      const notified = await latestEvent(prisma, src.caseId, 'credit_title_notified');
      if (!notified) throw new DocumentDataMissing(['el título no consta como notificado']);
      const assigned = await latestEvent(prisma, src.caseId, 'coactiva_assigned');
      const executor = await userName(prisma, assigned?.actor);
      const lawyer = str(obj(assigned?.data).lawyerName);
      const balance =
        typeof d.balanceCents === 'number' ? d.balanceCents : ctx.caseRow.balanceCents;
      return {
        kind: 'orden_pago_inmediato',
        number: n,
        date: toLocalDate(new Date(src.at)),
        debtor: ctx.debtor,
        accountNumber: ctx.accountNumber,
        signatory: { name: executor ?? CREDIT_TITLE_SIGNATORY, position: EXECUTOR_POSITION },
        // The procedure is known by its orden de pago: no separate register exists yet.
        procedureNumber: n,
        creditTitle: {
          number: title.number,
          issuedOn: title.issuedOn,
          notifiedOn: toLocalDate(notified.occurredAt),
        },
        principalCents: balance,
        interestCents: 0,
        costsCents: 0,
        interestFrom: title.interestFrom,
        term: ctx.policy.coactiva.paymentOrderTerm,
        ...(lawyer ? { secretary: { name: lawyer, position: 'Abogado/a externo/a' } } : {}),
      };
    },
  });
}

/** Aviso de cobro (first reminder notice) and aviso previo de suspensión, as queued. */
export function produceNoticeDocument(
  prisma: PrismaClient,
  src: DocumentSource & { notice: string; level?: number },
): Promise<ProducedDocument> | null {
  if (src.notice === 'aviso_cobro')
    return produceDocument(prisma, {
      ...src,
      kind: 'aviso_cobro',
      build: async (number) => {
        const ctx = await caseContext(prisma, src.caseId);
        const at = new Date(src.at);
        const date = toLocalDate(at);
        return {
          kind: 'aviso_cobro',
          number,
          date,
          debtor: ctx.debtor,
          accountNumber: ctx.accountNumber,
          signatory: ctx.collector,
          noticeOrdinal: src.level ?? 1,
          invoices: await overdueInvoices(prisma, ctx.caseRow.accountId, date),
          payBy: toLocalDate(deadlineAfter(at, ctx.policy.reminder.interval, ctx.policy.calendar)),
          paymentChannels: PAYMENT_CHANNELS,
        };
      },
    });
  if (src.notice === 'aviso_previo_suspension')
    return produceDocument(prisma, {
      ...src,
      kind: 'aviso_previo_suspension',
      build: async (number) => {
        const ctx = await caseContext(prisma, src.caseId);
        const at = new Date(src.at);
        return {
          kind: 'aviso_previo_suspension',
          number,
          date: toLocalDate(at),
          debtor: ctx.debtor,
          accountNumber: ctx.accountNumber,
          signatory: ctx.collector,
          invoices: await overdueInvoices(prisma, ctx.caseRow.accountId, toLocalDate(at)),
          priorNotice: ctx.policy.suspension.priorNotice,
          earliestCutAt: earliestCutAt(at, ctx.policy).toISOString(),
          suspensionFeeCents: ctx.policy.suspension.suspensionFeeCents,
          reconnectionFeeCents: ctx.policy.suspension.reconnectionFeeCents,
          paymentChannels: PAYMENT_CHANNELS,
        };
      },
    });
  return null;
}

/** Orden de suspensión or de reconexión, when the field order is placed. */
export function produceFieldOrder(
  prisma: PrismaClient,
  src: DocumentSource & {
    order: 'suspension' | 'reconnection';
    address: string;
    dueBy: string;
    reason: string;
  },
): Promise<ProducedDocument> {
  const fieldSignatory = (ctx: CaseContext): Signatory => ({
    name: ctx.collector.name,
    position: 'Unidad de Cartera, Cobranzas y Coactivas',
  });
  if (src.order === 'suspension')
    return produceDocument(prisma, {
      ...src,
      kind: 'orden_suspension',
      build: async (number) => {
        const ctx = await caseContext(prisma, src.caseId);
        const prior = await latestDocument(prisma, src.caseId, 'aviso_previo_suspension');
        if (!prior) throw new DocumentDataMissing(['no consta el aviso previo de suspensión']);
        const a = ctx.caseRow.account;
        return {
          kind: 'orden_suspension',
          number,
          date: toLocalDate(new Date(src.at)),
          debtor: ctx.debtor,
          accountNumber: ctx.accountNumber,
          signatory: fieldSignatory(ctx),
          serviceAddress: src.address,
          sector: a.sector,
          route: a.route,
          balanceCents: ctx.caseRow.balanceCents,
          overdueInvoices: ctx.caseRow.overdueInvoices,
          priorNoticeNumber: prior.number,
          priorNoticeSentAt: prior.createdAt.toISOString(),
          executeWithin: ctx.policy.suspension.fieldTaskSla,
          protection: a.protection,
        };
      },
    });
  return produceDocument(prisma, {
    ...src,
    kind: 'orden_reconexion',
    build: async (number) => {
      const ctx = await caseContext(prisma, src.caseId);
      const suspended = await latestEvent(prisma, src.caseId, 'suspension_done');
      if (!suspended) throw new DocumentDataMissing(['no consta la suspensión del servicio']);
      const cut = obj(suspended.data);
      const byAgreement = /convenio/i.test(src.reason);
      let reference: string | undefined;
      let triggeredAt: Date | undefined;
      if (byAgreement) {
        const signed = await latestEvent(prisma, src.caseId, 'agreement_signed');
        const convenio = await latestDocument(prisma, src.caseId, 'convenio_pago');
        reference = convenio?.number ?? str(obj(signed?.data).billingReference);
        triggeredAt = signed?.occurredAt;
      } else {
        const paid = await prisma.payment.findFirst({
          where: { caseId: src.caseId },
          orderBy: { paidAt: 'desc' },
        });
        reference = paid?.reference;
        triggeredAt = paid?.paidAt;
      }
      if (!reference || !triggeredAt)
        throw new DocumentDataMissing([
          byAgreement
            ? 'no consta el convenio firmado'
            : 'no consta el pago que motiva la reconexión',
        ]);
      const a = ctx.caseRow.account;
      const performedAt = str(cut.performedAt);
      const seal = str(cut.sealNumber);
      return {
        kind: 'orden_reconexion',
        number,
        date: toLocalDate(new Date(src.at)),
        debtor: ctx.debtor,
        accountNumber: ctx.accountNumber,
        signatory: fieldSignatory(ctx),
        serviceAddress: src.address,
        sector: a.sector,
        route: a.route,
        reason: byAgreement ? 'convenio_de_pago' : 'pago_total',
        reference,
        triggeredAt: triggeredAt.toISOString(),
        reconnectWithin: ctx.policy.suspension.reconnectionDeadline,
        reconnectBy: new Date(src.dueBy).toISOString(),
        suspendedOn: toLocalDate(performedAt ? new Date(performedAt) : suspended.occurredAt),
        ...(seal ? { sealNumber: seal } : {}),
        reconnectionFeeCents: ctx.policy.suspension.reconnectionFeeCents,
      };
    },
  });
}

/**
 * Convenio de pago when signed: the plan is recomputed from the proposed terms at the time they
 * were proposed (the same pure function the workflow ran) and must match the stored figures;
 * the instalment dates are the ones counted from the signature.
 */
export function produceAgreement(
  prisma: PrismaClient,
  src: DocumentSource & {
    agreementId: string;
    dues: { number: number; dueAt: string; amountCents: number }[];
  },
): Promise<ProducedDocument> {
  return produceDocument(prisma, {
    ...src,
    kind: 'convenio_pago',
    build: async (number) => {
      const ctx = await caseContext(prisma, src.caseId);
      const proposed = await prisma.caseEvent.findFirst({
        where: {
          caseId: src.caseId,
          type: 'agreement_proposed',
          data: { path: ['agreementId'], equals: src.agreementId },
        },
      });
      const p = obj(proposed?.data);
      const terms = obj(p.terms);
      if (!proposed || typeof p.balanceCents !== 'number')
        throw new DocumentDataMissing(['no consta la propuesta del convenio']);
      const check = planAgreement(
        terms as unknown as Parameters<typeof planAgreement>[0],
        p.balanceCents,
        ctx.policy,
        proposed.occurredAt,
      );
      if (!check.ok || check.plan.totalCents !== p.totalCents)
        throw new DocumentDataMissing(['el plan del convenio no coincide con el propuesto']);
      const signedOn = toLocalDate(new Date(src.at));
      const figures = agreementFigures(check.plan, signedOn);
      const dueOn = new Map(
        src.dues
          .filter((d) => d.number !== DOWN_PAYMENT_NUMBER)
          .map((d) => [d.number, toLocalDate(new Date(d.dueAt))]),
      );
      return {
        kind: 'convenio_pago',
        number,
        date: signedOn,
        debtor: ctx.debtor,
        accountNumber: ctx.accountNumber,
        signatory: ctx.collector,
        invoices: capInvoices(
          await overdueInvoices(prisma, ctx.caseRow.accountId, toLocalDate(proposed.occurredAt)),
          check.plan.balanceCents,
        ),
        legalRoute: ctx.policy.legalRoute,
        instalmentGrace: ctx.policy.agreement.instalmentGrace,
        ...figures,
        schedule: figures.schedule.map((r) => ({ ...r, dueOn: dueOn.get(r.number) ?? r.dueOn })),
      };
    },
  });
}

/**
 * The document a timeline event issues, if any: called by `recordEvent` for the steps the
 * workflows record through it (título notified, orden de pago issued).
 */
export function produceDocumentForEvent(
  prisma: PrismaClient,
  e: {
    eventKey: string;
    caseId: string;
    type: string;
    stage: CaseStage;
    occurredAt: string;
    data?: unknown;
  },
): Promise<ProducedDocument> | null {
  const src = { sourceEventKey: e.eventKey, caseId: e.caseId, stage: e.stage, at: e.occurredAt };
  if (e.type === 'credit_title_notified') return produceNotificationRecord(prisma, src, e.data);
  if (e.type === 'orden_pago_issued') return producePaymentOrder(prisma, src, e.data);
  return null;
}
