/**
 * Printed letters: the outbox's `letter` rows are printed in batches per sector/route and
 * delivered by a notifier, who brings back the signed delivery list; the unit confirms each
 * letter from it. A delivered letter is an effective notification (terms start from it, and a
 * cut is never ordered on an undelivered prior notice), so the confirmation is recorded on the
 * notice and the case timeline and then told to the case workflow that queued it.
 *
 * Collectors see and handle only the letters of the cases assigned to them (as `caseScope`);
 * supervision and administration see all. See docs/letters.md.
 */
import { z } from 'zod';
import { issueDocumentNumber } from '../../store/document-numbers.js';
import { toLocalDate } from '../../domain/calendar.js';
import { NOTICE_STATUSES } from '../../domain/notices.js';
import { renderLetterBatch, type PrintedLetter } from '../../documents/letter-batch.js';
import {
  NON_DELIVERY_REASONS,
  nonDeliveryText,
  type NonDeliveryReason,
} from '../../documents/letter-delivery.js';
import {
  queueKeyOf,
  temporalNoticeOutcomeSink,
  type NoticeOutcomeReport,
  type NoticeOutcomeSink,
} from '../../notifications/delivery.js';
import { Prisma } from '../../prisma/client.js';
import { audit } from '../audit.js';
import type { Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError, businessRule, notFound } from '../errors.js';
import { defineRoute, fileResponse, type Route } from '../route-table.js';
import { errorBodySchema, idParamsSchema, instantSchema, pageSchema } from '../schemas.js';
import { caseScope } from './cases.js';

const LETTER_ROLES = ['collector', 'manager', 'admin'] as const;

/** Most letters one batch takes; the rest of the group stays pending for the next batch. */
export const LETTERS_PER_BATCH_MAX = 1000;

/** Signals sent together after a confirmation, and how long the answer waits for them. */
const SIGNALS_AT_ONCE = 10;
const SIGNAL_WAIT_MS = 3_000;

/** Document series of letter batches in the institution-wide sequence (`LC-2026-000001`). */
const BATCH_SERIES = 'LC';

/**
 * A delivery instant may run ahead of the server clock by this much (clock skew). Times are
 * written by hand to the minute, so one in the minute the batch was printed is not "before" it.
 */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------
// Schemas

/** Text as people type it: no control characters (PostgreSQL refuses NUL in text). */
// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;
const typed = (min: number, max: number, required = 'obligatorio') =>
  z
    .string()
    .trim()
    .min(min, required)
    .max(max)
    .regex(NO_CONTROL, 'no se admiten caracteres de control');
const groupText = typed(1, 100);

export const pendingQuerySchema = z.object({
  sector: groupText.optional().meta({ description: 'Solo este sector' }),
});

export const pendingGroupSchema = z.object({
  sector: z.string(),
  route: z.string(),
  letters: z.int().meta({ description: 'Cartas en cola (sin imprimir) del grupo' }),
  oldestAt: instantSchema.meta({ description: 'Cuándo se puso en cola la carta más antigua' }),
});

export const pendingLettersSchema = z.object({
  groups: z.array(pendingGroupSchema),
  total: z.int(),
});

export const createBatchSchema = z
  .object({
    sector: groupText.optional().meta({ description: 'Sector; sin él, todos los sectores' }),
    route: groupText.optional().meta({ description: 'Ruta del sector; sin ella, todas sus rutas' }),
  })
  .refine((b) => !b.route || b.sector, {
    message: 'indique el sector de la ruta',
    path: ['sector'],
  });
export type CreateBatch = z.infer<typeof createBatchSchema>;

const letterStatusSchema = z.enum(NOTICE_STATUSES).meta({
  description:
    'printed: impresa, en reparto; sent: entregada; failed: no entregada; withdrawn: retirada (su caso se cerró); queued: volvió a la cola tras fallar',
});

const letterCountsSchema = z.object({
  queued: z.int(),
  printed: z.int(),
  sent: z.int(),
  failed: z.int(),
  withdrawn: z.int(),
});
type LetterCounts = z.infer<typeof letterCountsSchema>;

export const batchSummarySchema = z.object({
  id: z.uuid(),
  number: z.string().meta({ description: 'LC-AAAA-NNNNNN' }),
  sector: z.string().nullable().meta({ description: 'null: todos los sectores' }),
  route: z.string().nullable().meta({ description: 'null: todas las rutas' }),
  createdAt: instantSchema,
  createdBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  notifier: z.string().nullable(),
  confirmedAt: instantSchema.nullable().meta({
    description:
      'Cuándo se confirmó la última carta pendiente; null mientras haya cartas en reparto',
  }),
  letters: z.int().meta({ description: 'Cartas impresas en el lote' }),
  counts: letterCountsSchema.meta({
    description: 'Cartas del lote por su estado actual (para un gestor, solo las de su cartera)',
  }),
  pages: z.int(),
  sizeBytes: z.int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  pdfUrl: z.string(),
});
export type BatchSummary = z.infer<typeof batchSummarySchema>;

export const batchLetterSchema = z.object({
  id: z.uuid().meta({ description: 'Id del aviso (Notice)' }),
  position: z.int().meta({ description: 'N.º en la lista de entrega y orden de página en el PDF' }),
  caseId: z.uuid(),
  accountNumber: z.string(),
  holderName: z.string(),
  address: z.string(),
  sector: z.string(),
  route: z.string(),
  kind: z.string().meta({ description: 'aviso_cobro, aviso_previo_suspension…' }),
  subject: z.string(),
  status: letterStatusSchema,
  deliveredAt: instantSchema.nullable(),
  lastError: z.string().nullable().meta({ description: 'Motivo de no entrega' }),
  confirmable: z.boolean().meta({ description: 'En reparto en este lote: se puede confirmar' }),
});
export type BatchLetter = z.infer<typeof batchLetterSchema>;

export const batchDetailSchema = batchSummarySchema.extend({ items: z.array(batchLetterSchema) });
export type BatchDetail = z.infer<typeof batchDetailSchema>;

export const batchListQuerySchema = z.object({
  status: z
    .enum(['all', 'open', 'done'])
    .default('all')
    .meta({ description: 'open: con cartas en reparto; done: sin cartas por confirmar' }),
  page: pageSchema,
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

export const batchPageSchema = z.object({
  items: z.array(batchSummarySchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
});

export const letterOutcomeSchema = z
  .object({
    noticeId: z.uuid(),
    outcome: z.enum(['delivered', 'not_delivered']),
    at: instantSchema.optional().meta({
      description: 'Fecha y hora de la entrega o del intento; por omisión, la del reparto',
    }),
    reason: z.enum(NON_DELIVERY_REASONS).optional().meta({
      description:
        'Obligatorio si no se entregó: address_not_found (dirección no encontrada), refused (se negó a recibir), absent (nadie en el domicilio), moved (se mudó), other (otro: explique en note)',
    }),
    note: typed(0, 500).optional(),
  })
  .superRefine((l, ctx) => {
    if (l.outcome === 'not_delivered' && !l.reason)
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: 'indique el motivo de no entrega',
      });
    if (l.outcome === 'delivered' && l.reason)
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: 'una carta entregada no lleva motivo',
      });
    if (l.reason === 'other' && !l.note)
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'explique el motivo' });
  });

export const confirmationSchema = z
  .object({
    notifier: typed(1, 150, 'indique quién repartió las cartas').meta({
      description: 'Nombre de quien repartió las cartas',
    }),
    deliveredAt: instantSchema.meta({
      description: 'Fecha y hora del reparto: la de cada carta que no indique la suya',
    }),
    letters: z.array(letterOutcomeSchema).min(1).max(LETTERS_PER_BATCH_MAX),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.letters.forEach((l, i) => {
      if (seen.has(l.noticeId))
        ctx.addIssue({
          code: 'custom',
          path: ['letters', i, 'noticeId'],
          message: 'carta repetida',
        });
      seen.add(l.noticeId);
    });
  });
export type Confirmation = z.infer<typeof confirmationSchema>;

// ---------------------------------------------------------------------------------------------
// Queries

/** The collector whose portfolio limits what is seen (the same rule as `caseScope`), or null. */
const collectorOf = (p: Principal): string | null => (p.role === 'collector' ? p.id : null);

const ZERO: LetterCounts = { queued: 0, printed: 0, sent: 0, failed: 0, withdrawn: 0 };

interface LetterRow {
  id: string;
  key: string;
  caseId: string;
  workflowId: string | null;
  kind: string;
  subject: string;
  body: string;
  recipient: string;
  accountNumber: string;
  holderName: string;
  sector: string;
  route: string;
}

type BatchRow = Prisma.LetterBatchGetPayload<{ omit: { bytes: true } }>;

/** Counts by status of each batch's letters (only the collector's when one is given). */
async function countsOf(
  deps: AppDeps,
  batchIds: string[],
  collectorId: string | null,
): Promise<Map<string, LetterCounts>> {
  const out = new Map<string, LetterCounts>(batchIds.map((id) => [id, { ...ZERO }]));
  if (batchIds.length === 0) return out;
  const rows = await deps.prisma.$queryRaw<{ batchId: string; status: string; n: number }[]>`
    SELECT b.id AS "batchId", n.status::text AS status, count(*)::int AS n
    FROM "LetterBatch" b
    JOIN "Notice" n ON n.id = ANY(b."letterIds")
    JOIN "Case" c ON c.id = n."caseId"
    WHERE b.id = ANY(${batchIds}::uuid[])
      AND (${collectorId}::uuid IS NULL OR c."assignedCollectorId" = ${collectorId}::uuid)
    GROUP BY 1, 2`;
  for (const r of rows) {
    const counts = out.get(r.batchId);
    if (counts && r.status in counts) counts[r.status as keyof LetterCounts] = r.n;
  }
  return out;
}

async function summaries(
  deps: AppDeps,
  batches: BatchRow[],
  collectorId: string | null,
): Promise<BatchSummary[]> {
  const [counts, users] = await Promise.all([
    countsOf(
      deps,
      batches.map((b) => b.id),
      collectorId,
    ),
    deps.prisma.user.findMany({
      where: { id: { in: [...new Set(batches.map((b) => b.createdBy))] } },
      select: { id: true, displayName: true },
    }),
  ]);
  const userById = new Map(users.map((u) => [u.id, u]));
  return batches.map((b) => ({
    id: b.id,
    number: b.number,
    sector: b.sector,
    route: b.route,
    createdAt: b.createdAt.toISOString(),
    createdBy: userById.get(b.createdBy) ?? null,
    notifier: b.notifier,
    confirmedAt: b.confirmedAt?.toISOString() ?? null,
    letters: b.letterCount,
    counts: counts.get(b.id) ?? { ...ZERO },
    pages: b.pages,
    sizeBytes: b.sizeBytes,
    sha256: b.sha256,
    pdfUrl: `/api/letters/batches/${b.id}/pdf`,
  }));
}

/** The batch's letters in print order, those of the caller's cases only. */
async function lettersOf(
  deps: AppDeps,
  batch: BatchRow,
  principal: Principal,
): Promise<BatchLetter[]> {
  const notices = await deps.prisma.notice.findMany({ where: { id: { in: batch.letterIds } } });
  const cases = await deps.prisma.case.findMany({
    where: {
      AND: [{ id: { in: [...new Set(notices.map((n) => n.caseId))] } }, caseScope(principal)],
    },
    select: {
      id: true,
      account: { select: { number: true, holderName: true, sector: true, route: true } },
    },
  });
  const caseById = new Map(cases.map((c) => [c.id, c]));
  const noticeById = new Map(notices.map((n) => [n.id, n]));
  const out: BatchLetter[] = [];
  batch.letterIds.forEach((id, i) => {
    const n = noticeById.get(id);
    const c = n && caseById.get(n.caseId);
    if (!n || !c) return;
    out.push({
      id: n.id,
      position: i + 1,
      caseId: n.caseId,
      accountNumber: c.account.number,
      holderName: c.account.holderName,
      address: n.recipient,
      sector: c.account.sector,
      route: c.account.route,
      kind: n.kind,
      subject: n.subject,
      status: n.status,
      deliveredAt: n.deliveredAt?.toISOString() ?? null,
      lastError: n.lastError,
      confirmable: n.status === 'printed' && n.batchId === batch.id,
    });
  });
  return out;
}

/** The batch if the caller may see it: a collector only when it holds letters of theirs. */
async function visibleBatch(deps: AppDeps, id: string, principal: Principal): Promise<BatchRow> {
  const batch = await deps.prisma.letterBatch.findUnique({ where: { id }, omit: { bytes: true } });
  if (!batch) throw notFound('El lote de cartas');
  const collectorId = collectorOf(principal);
  if (collectorId) {
    const mine = await deps.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "Notice" n JOIN "Case" c ON c.id = n."caseId"
      WHERE n.id = ANY(${batch.letterIds}::uuid[]) AND c."assignedCollectorId" = ${collectorId}::uuid`;
    if ((mine[0]?.n ?? 0) === 0) throw notFound('El lote de cartas');
  }
  return batch;
}

async function detail(deps: AppDeps, batch: BatchRow, principal: Principal): Promise<BatchDetail> {
  const [summary] = await summaries(deps, [batch], collectorOf(principal));
  return { ...summary!, items: await lettersOf(deps, batch, principal) };
}

// ---------------------------------------------------------------------------------------------
// Routes

/**
 * @param sink where each confirmed outcome is reported after commit. @default signals the case
 * workflow through `deps.temporal` (notifications/delivery.ts)
 */
export function letterRoutes(deps: AppDeps, sink?: NoticeOutcomeSink): Route[] {
  const { prisma } = deps;
  const report =
    sink ??
    temporalNoticeOutcomeSink(deps.temporal, (err, r) =>
      deps.log.warn({ err, workflowId: r.workflowId, key: r.key }, 'letter outcome not signalled'),
    );

  return [
    defineRoute({
      method: 'get',
      path: '/api/letters/pending',
      summary: 'Cartas en cola de impresión, por sector y ruta',
      description:
        'Cuántas cartas esperan impresión en cada sector/ruta y desde cuándo. Un gestor ve solo las de los casos de su cartera.',
      tags: ['cartas'],
      roles: LETTER_ROLES,
      request: { query: pendingQuerySchema },
      responses: { 200: pendingLettersSchema },
    }).handle(async ({ query, principal }) => {
      const sector = query.sector ?? null;
      const rows = await prisma.$queryRaw<
        { sector: string; route: string; letters: number; oldestAt: Date }[]
      >`
        SELECT a.sector, a.route, count(*)::int AS letters, min(n."createdAt") AS "oldestAt"
        FROM "Notice" n
        JOIN "Case" c ON c.id = n."caseId"
        JOIN "Account" a ON a.id = c."accountId"
        WHERE n.channel = 'letter' AND n.status = 'queued'
          AND (${collectorOf(principal)}::uuid IS NULL OR c."assignedCollectorId" = ${collectorOf(principal)}::uuid)
          AND (${sector}::text IS NULL OR a.sector = ${sector}::text)
        GROUP BY a.sector, a.route
        ORDER BY a.sector, a.route`;
      return {
        status: 200,
        body: {
          groups: rows.map((r) => ({ ...r, oldestAt: r.oldestAt.toISOString() })),
          total: rows.reduce((s, r) => s + r.letters, 0),
        },
      };
    }),

    defineRoute({
      method: 'post',
      path: '/api/letters/batches',
      summary: 'Imprime un lote: las cartas en cola de un sector/ruta, en orden de ruta',
      description: `Toma las cartas en cola del grupo (un gestor: solo las de su cartera), en orden de ruta (sector, ruta, número de cuenta), hasta ${LETTERS_PER_BATCH_MAX} por lote; las marca impresas y genera un PDF con una carta por página y la lista de entrega. 422 si el grupo no tiene cartas en cola; 409 si otra impresión tomó alguna de ellas al mismo tiempo (vuelva a intentar).`,
      tags: ['cartas'],
      roles: LETTER_ROLES,
      request: { body: createBatchSchema },
      responses: { 201: batchDetailSchema, 409: errorBodySchema, 422: errorBodySchema },
    }).handle(async ({ body, principal, req }) => {
      const sector = body.sector ?? null;
      const route = body.route ?? null;
      const collectorId = collectorOf(principal);
      // Route order: no walking sequence is kept for accounts, and billing numbers accounts
      // along the reading route, so the account number stands in for it.
      const letters = await prisma.$queryRaw<LetterRow[]>`
        SELECT n.id, n.key, n."caseId", n."workflowId", n.kind, n.subject, n.body, n.recipient,
               a.number AS "accountNumber", a."holderName", a.sector, a.route
        FROM "Notice" n
        JOIN "Case" c ON c.id = n."caseId"
        JOIN "Account" a ON a.id = c."accountId"
        WHERE n.channel = 'letter' AND n.status = 'queued'
          AND (${collectorId}::uuid IS NULL OR c."assignedCollectorId" = ${collectorId}::uuid)
          AND (${sector}::text IS NULL OR a.sector = ${sector}::text)
          AND (${route}::text IS NULL OR a.route = ${route}::text)
        ORDER BY a.sector, a.route, a.number, n."createdAt", n.id
        LIMIT ${LETTERS_PER_BATCH_MAX}`;
      if (letters.length === 0)
        throw businessRule('No hay cartas en cola para imprimir en este grupo');

      const id = crypto.randomUUID();
      const createdAt = new Date();
      const { number } = await issueDocumentNumber(prisma, {
        key: `letter-batch:${id}`,
        series: BATCH_SERIES,
        year: Number(toLocalDate(createdAt).slice(0, 4)),
      });
      const printed: PrintedLetter[] = letters.map((l) => ({
        noticeId: l.id,
        accountNumber: l.accountNumber,
        holderName: l.holderName,
        address: l.recipient,
        sector: l.sector,
        route: l.route,
        kind: l.kind,
        subject: l.subject,
        body: l.body,
      }));
      // Rendered before the transaction, so the rows are locked only for the writes.
      const pdf = await renderLetterBatch({
        number,
        createdAt: createdAt.toISOString(),
        sector,
        route,
        letters: printed,
      });
      const ids = letters.map((l) => l.id);
      const batch = await prisma.$transaction(async (tx) => {
        const created = await tx.letterBatch.create({
          data: {
            id,
            number,
            sector,
            route,
            createdAt,
            createdBy: principal.id,
            letterCount: ids.length,
            letterIds: ids,
            fileName: pdf.fileName,
            sha256: pdf.sha256,
            bytes: new Uint8Array(pdf.bytes),
            sizeBytes: pdf.bytes.length,
            pages: pdf.pages,
          },
          omit: { bytes: true },
        });
        // Only letters still queued: one printed or withdrawn meanwhile is not in this PDF's
        // truth any more, so the whole batch is refused and nothing changes.
        const taken = await tx.notice.updateMany({
          where: { id: { in: ids }, status: 'queued', channel: 'letter' },
          data: { status: 'printed', batchId: id },
        });
        if (taken.count !== ids.length)
          throw new ApiError(
            409,
            'conflict',
            'Algunas cartas cambiaron de estado mientras se imprimía el lote; vuelva a intentar',
          );
        await audit(tx, req, principal, {
          action: 'letters.batch.create',
          entity: 'letter_batch',
          entityId: id,
          after: { number, sector, route, letters: ids.length, sha256: pdf.sha256 },
        });
        return created;
      });
      return { status: 201, body: await detail(deps, batch, principal) };
    }),

    defineRoute({
      method: 'get',
      path: '/api/letters/batches',
      summary: 'Lotes de cartas impresos, del más reciente al más antiguo',
      description:
        'Con sus cartas por estado. Un gestor ve los lotes que tienen cartas de su cartera, y solo cuenta esas.',
      tags: ['cartas'],
      roles: LETTER_ROLES,
      request: { query: batchListQuerySchema },
      responses: { 200: batchPageSchema },
    }).handle(async ({ query: q, principal }) => {
      const collectorId = collectorOf(principal);
      const where = Prisma.sql`
        WHERE (${collectorId}::uuid IS NULL OR EXISTS (
                SELECT 1 FROM "Notice" n JOIN "Case" c ON c.id = n."caseId"
                WHERE n.id = ANY(b."letterIds") AND c."assignedCollectorId" = ${collectorId}::uuid))
          AND (${q.status} = 'all' OR (${q.status} = 'open') = EXISTS (
                SELECT 1 FROM "Notice" n WHERE n."batchId" = b.id AND n.status = 'printed'))`;
      const [count, page] = await Promise.all([
        prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "LetterBatch" b ${where}`,
        prisma.$queryRaw<{ id: string }[]>`
          SELECT b.id FROM "LetterBatch" b ${where}
          ORDER BY b."createdAt" DESC, b.number DESC
          LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
      ]);
      const ids = page.map((r) => r.id);
      const rows = await prisma.letterBatch.findMany({
        where: { id: { in: ids } },
        omit: { bytes: true },
      });
      const byId = new Map(rows.map((b) => [b.id, b]));
      const ordered = ids.flatMap((id) => byId.get(id) ?? []);
      return {
        status: 200,
        body: {
          items: await summaries(deps, ordered, collectorId),
          total: count[0]?.n ?? 0,
          page: q.page,
          pageSize: q.pageSize,
        },
      };
    }),

    defineRoute({
      method: 'get',
      path: '/api/letters/batches/:id',
      summary: 'Un lote de cartas con sus cartas en orden de ruta y el estado de cada una',
      description:
        'Un gestor ve solo las cartas de su cartera (404 si el lote no tiene ninguna). Una carta retirada (su caso se cerró) aparece como tal y no se puede confirmar.',
      tags: ['cartas'],
      roles: LETTER_ROLES,
      request: { params: idParamsSchema },
      responses: { 200: batchDetailSchema, 404: errorBodySchema },
    }).handle(async ({ params, principal }) => {
      const batch = await visibleBatch(deps, params.id, principal);
      return { status: 200, body: await detail(deps, batch, principal) };
    }),

    defineRoute({
      method: 'get',
      path: '/api/letters/batches/:id/pdf',
      summary: 'PDF del lote: una carta por página y la lista de entrega',
      description:
        'Los bytes tal como se imprimieron; ETag = SHA-256 (If-None-Match responde 304). A un gestor, 403 si el lote incluye cartas de otras carteras.',
      tags: ['cartas'],
      roles: LETTER_ROLES,
      request: { params: idParamsSchema },
      responses: {
        200: fileResponse('application/pdf', 'El lote en PDF'),
        304: null,
        404: errorBodySchema,
      },
    }).handle(async ({ params, principal, req }) => {
      const batch = await visibleBatch(deps, params.id, principal);
      const collectorId = collectorOf(principal);
      if (collectorId) {
        // The PDF shows every letter of the batch: all of them must be the collector's.
        const others = await prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM "Notice" n JOIN "Case" c ON c.id = n."caseId"
          WHERE n.id = ANY(${batch.letterIds}::uuid[])
            AND c."assignedCollectorId" IS DISTINCT FROM ${collectorId}::uuid`;
        if ((others[0]?.n ?? 0) > 0)
          throw new ApiError(
            403,
            'forbidden',
            'El lote incluye cartas de otras carteras; pida el PDF a supervisión',
          );
      }
      const etag = `"${batch.sha256}"`;
      const headers = { ETag: etag, 'Cache-Control': 'private, no-cache' };
      if (req.get('if-none-match') === etag) return { status: 304, headers };
      const { bytes } = await prisma.letterBatch.findUniqueOrThrow({
        where: { id: batch.id },
        select: { bytes: true },
      });
      return {
        status: 200,
        headers: {
          ...headers,
          'Content-Type': 'application/pdf',
          'Content-Length': String(bytes.length),
          'Content-Disposition': `attachment; filename="${batch.fileName}"`,
        },
        body: Buffer.from(bytes),
      };
    }),

    defineRoute({
      method: 'post',
      path: '/api/letters/batches/:id/confirmation',
      summary: 'Confirma la entrega de las cartas de un lote según la lista de entrega firmada',
      description:
        'Por cada carta: entregada (fecha y hora; por omisión la del reparto) o no entregada con su motivo. Puede confirmar parte del lote y el resto después. Cada carta se confirma una sola vez: 409 si alguna ya fue confirmada, fue retirada (su caso se cerró) o volvió a la cola, y entonces no se registra ninguna. 422 si alguna carta no es de este lote (o de la cartera del gestor) o la fecha es futura o anterior a la impresión. Después de registrar, avisa a cada caso.',
      tags: ['cartas'],
      roles: LETTER_ROLES,
      request: { params: idParamsSchema, body: confirmationSchema },
      responses: {
        200: batchDetailSchema,
        404: errorBodySchema,
        409: errorBodySchema,
        422: errorBodySchema,
      },
    }).handle(async ({ params, body, principal, req }) => {
      await visibleBatch(deps, params.id, principal);
      const now = new Date();
      const reports: NoticeOutcomeReport[] = [];
      const batch = await prisma.$transaction(
        async (tx) => {
          // One confirmation of a batch at a time: its counts and "confirmed once" hold.
          await tx.$queryRaw`SELECT id FROM "LetterBatch" WHERE id = ${params.id}::uuid FOR UPDATE`;
          const current = await tx.letterBatch.findUniqueOrThrow({
            where: { id: params.id },
            omit: { bytes: true },
          });
          const notices = await tx.notice.findMany({
            where: { id: { in: body.letters.map((l) => l.noticeId) }, batchId: current.id },
          });
          const visible = new Set(
            (
              await tx.case.findMany({
                where: {
                  AND: [{ id: { in: notices.map((n) => n.caseId) } }, caseScope(principal)],
                },
                select: { id: true },
              })
            ).map((c) => c.id),
          );
          const byId = new Map(notices.filter((n) => visible.has(n.caseId)).map((n) => [n.id, n]));

          const unknown: Record<string, string> = {};
          const refused: Record<string, string> = {};
          const when = body.letters.map((l) => new Date(l.at ?? body.deliveredAt));
          body.letters.forEach((l, i) => {
            const n = byId.get(l.noticeId);
            const at = when[i]!;
            if (!n) unknown[`letters.${i}.noticeId`] = 'la carta no es de este lote';
            else if (n.status === 'withdrawn')
              refused[`letters.${i}.noticeId`] = 'carta retirada: su caso se cerró; no se confirma';
            else if (n.status === 'sent' || n.status === 'failed')
              refused[`letters.${i}.noticeId`] =
                `la carta ya fue confirmada (${n.status === 'sent' ? 'entregada' : 'no entregada'})`;
            else if (n.status !== 'printed')
              refused[`letters.${i}.noticeId`] = 'la carta volvió a la cola; no está en reparto';
            else if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
              unknown[`letters.${i}.at`] = 'la fecha de entrega no puede ser futura';
            else if (at.getTime() < Math.floor(current.createdAt.getTime() / 60_000) * 60_000)
              unknown[`letters.${i}.at`] = 'la fecha es anterior a la impresión del lote';
          });
          if (Object.keys(unknown).length > 0)
            throw new ApiError(
              422,
              'business_rule',
              'Hay cartas que no se pueden confirmar',
              unknown,
            );
          if (Object.keys(refused).length > 0)
            throw new ApiError(409, 'conflict', 'Hay cartas ya confirmadas o retiradas', refused);

          const stages = new Map(
            (
              await tx.case.findMany({
                where: { id: { in: notices.map((n) => n.caseId) } },
                select: { id: true, stage: true },
              })
            ).map((c) => [c.id, c.stage]),
          );
          let delivered = 0;
          let failed = 0;
          for (const [i, l] of body.letters.entries()) {
            const n = byId.get(l.noticeId)!;
            const at = when[i]!;
            const base = {
              kind: n.kind,
              channel: 'letter',
              recipient: n.recipient,
              noticeId: n.id,
              batchId: current.id,
              batchNumber: current.number,
              notifier: body.notifier,
            };
            const event = {
              caseId: n.caseId,
              stage: stages.get(n.caseId) ?? 'reminder',
              occurredAt: at,
              actor: principal.id,
            } as const;
            if (l.outcome === 'delivered') {
              delivered++;
              await tx.notice.update({
                where: { id: n.id },
                data: { status: 'sent', sentAt: at, deliveredAt: at, lastError: null },
              });
              await tx.caseEvent.create({
                data: {
                  ...event,
                  eventKey: `notice:${n.id}:delivered`,
                  type: 'notice_delivered',
                  reason: n.subject,
                  data: base,
                },
              });
              reports.push({
                workflowId: n.workflowId,
                key: queueKeyOf(n.key),
                channel: 'letter',
                outcome: 'delivered',
                at: at.toISOString(),
              });
            } else {
              failed++;
              const reason = nonDeliveryText(l.reason as NonDeliveryReason, l.note);
              await tx.notice.update({
                where: { id: n.id },
                data: { status: 'failed', lastError: reason },
              });
              // Numbered like the dispatcher's failures: a letter requeued and printed again
              // may fail again.
              const prior = await tx.caseEvent.count({
                where: { eventKey: { startsWith: `notice:${n.id}:failed:` } },
              });
              await tx.caseEvent.create({
                data: {
                  ...event,
                  eventKey: `notice:${n.id}:failed:${prior + 1}`,
                  type: 'notice_failed',
                  reason,
                  data: { ...base, reasonCode: l.reason ?? null, note: l.note ?? null },
                },
              });
              reports.push({
                workflowId: n.workflowId,
                key: queueKeyOf(n.key),
                channel: 'letter',
                outcome: 'failed',
                at: at.toISOString(),
                reason,
              });
            }
          }
          const outstanding = await tx.notice.count({
            where: { batchId: current.id, status: 'printed' },
          });
          const updated = await tx.letterBatch.update({
            where: { id: current.id },
            data: {
              notifier: body.notifier,
              confirmedBy: principal.id,
              confirmedAt: outstanding === 0 ? now : null,
              deliveredCount: { increment: delivered },
              failedCount: { increment: failed },
            },
            omit: { bytes: true },
          });
          await audit(tx, req, principal, {
            action: 'letters.batch.confirm',
            entity: 'letter_batch',
            entityId: current.id,
            after: {
              number: current.number,
              notifier: body.notifier,
              letters: body.letters.map((l, i) => ({
                noticeId: l.noticeId,
                outcome: l.outcome,
                at: when[i]!.toISOString(),
                ...(l.reason ? { reason: l.reason, note: l.note ?? null } : {}),
              })),
            },
          });
          return updated;
        },
        { timeout: 30_000 },
      );
      // After commit: the rows hold the outcome; the signal only spares the case its next
      // poll of the outbox (notifications/delivery.ts). The answer waits for the signals a
      // little, not through a Temporal outage: they go on in the background.
      const signalling = (async () => {
        for (let i = 0; i < reports.length; i += SIGNALS_AT_ONCE)
          await Promise.all(reports.slice(i, i + SIGNALS_AT_ONCE).map(report));
      })().catch((err: unknown) => deps.log.warn({ err }, 'letter outcomes not signalled'));
      await Promise.race([
        signalling,
        new Promise((resolve) => setTimeout(resolve, SIGNAL_WAIT_MS).unref()),
      ]);
      return { status: 200, body: await detail(deps, batch, principal) };
    }),
  ];
}
