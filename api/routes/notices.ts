/**
 * The notice outbox as managers inspect it: every e-mail, SMS and letter the cases queued, its
 * delivery status, attempts and last error; failed ones can be queued again.
 */
import { z } from 'zod';
import { NOTICE_CHANNELS, NOTICE_STATUSES } from '../../domain/notices.js';
import type { Prisma } from '../../prisma/client.js';
import { audit } from '../audit.js';
import type { AppDeps } from '../deps.js';
import { conflict, notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { errorBodySchema, idParamsSchema, instantSchema, pageSchema } from '../schemas.js';

const OUTBOX_READERS = ['manager', 'admin'] as const;

const channelSchema = z.enum(NOTICE_CHANNELS);
const statusSchema = z.enum(NOTICE_STATUSES);

export const noticeQuerySchema = z.object({
  status: statusSchema.optional().meta({
    description:
      'queued: en cola; printed: carta impresa, en reparto; sent: entregado; failed: fallido; withdrawn: retirado (el caso se cerró o se pagó antes del envío)',
  }),
  caseId: z.uuid().optional(),
  channel: channelSchema.optional(),
  page: pageSchema,
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type NoticeQuery = z.infer<typeof noticeQuerySchema>;

export const noticeViewSchema = z.object({
  id: z.uuid(),
  caseId: z.uuid(),
  kind: z.string().meta({ description: 'aviso_cobro, recordatorio, aviso_previo_suspension…' }),
  channel: channelSchema,
  recipient: z.string().meta({ description: 'Correo, celular o dirección postal' }),
  subject: z.string(),
  body: z.string(),
  status: statusSchema,
  attempts: z.int(),
  lastError: z.string().nullable(),
  createdAt: instantSchema,
  sentAt: instantSchema.nullable(),
  deliveredAt: instantSchema.nullable().meta({
    description:
      'Entrega efectiva: aceptado por el servidor SMTP o el proveedor SMS, o carta entregada y confirmada',
  }),
});
export type NoticeView = z.infer<typeof noticeViewSchema>;

export const noticePageSchema = z.object({
  items: z.array(noticeViewSchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
  /** Counts by status over the same filter except status. */
  counts: z.object({
    queued: z.int(),
    printed: z.int(),
    sent: z.int(),
    failed: z.int(),
    withdrawn: z.int(),
  }),
});

type NoticeRow = Prisma.NoticeGetPayload<object>;

const view = (n: NoticeRow): NoticeView => ({
  id: n.id,
  caseId: n.caseId,
  kind: n.kind,
  channel: n.channel,
  recipient: n.recipient,
  subject: n.subject,
  body: n.body,
  status: n.status,
  attempts: n.attempts,
  lastError: n.lastError,
  createdAt: n.createdAt.toISOString(),
  sentAt: n.sentAt?.toISOString() ?? null,
  deliveredAt: n.deliveredAt?.toISOString() ?? null,
});

export function noticeRoutes(deps: AppDeps): Route[] {
  const { prisma } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/notices',
      summary: 'Bandeja de salida de avisos: correos, SMS y cartas con su estado de entrega',
      description:
        'Solo supervisión y administración. Lo más reciente primero. Las cartas quedan en cola para el lote de impresión.',
      tags: ['avisos'],
      roles: OUTBOX_READERS,
      request: { query: noticeQuerySchema },
      responses: { 200: noticePageSchema },
    }).handle(async ({ query: q }) => {
      const scope: Prisma.NoticeWhereInput = {
        ...(q.caseId ? { caseId: q.caseId } : {}),
        ...(q.channel ? { channel: q.channel } : {}),
      };
      const where: Prisma.NoticeWhereInput = {
        ...scope,
        ...(q.status ? { status: q.status } : {}),
      };
      const [total, rows, grouped] = await Promise.all([
        prisma.notice.count({ where }),
        prisma.notice.findMany({
          where,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          skip: (q.page - 1) * q.pageSize,
          take: q.pageSize,
        }),
        prisma.notice.groupBy({ by: ['status'], where: scope, _count: { _all: true } }),
      ]);
      const counts = { queued: 0, printed: 0, sent: 0, failed: 0, withdrawn: 0 };
      for (const g of grouped) counts[g.status] = g._count._all;
      return {
        status: 200,
        body: { items: rows.map(view), total, page: q.page, pageSize: q.pageSize, counts },
      };
    }),

    defineRoute({
      method: 'post',
      path: '/api/notices/:id/retry',
      summary: 'Vuelve a poner en cola un aviso fallido',
      description:
        'Solo supervisión. Reinicia los intentos; el despachador lo envía en su próxima pasada (corrija antes el correo o celular de la cuenta si ese fue el motivo). 409 si el aviso no está fallido.',
      tags: ['avisos'],
      roles: ['manager'],
      request: { params: idParamsSchema },
      responses: { 200: noticeViewSchema, 404: errorBodySchema, 409: errorBodySchema },
    }).handle(async ({ params, principal, req }) => {
      const updated = await prisma.$transaction(async (tx) => {
        const before = await tx.notice.findUnique({ where: { id: params.id } });
        if (!before) throw notFound('El aviso');
        // Only a failed notice: a queued one is already pending, a sent one must not go twice.
        const r = await tx.notice.updateMany({
          where: { id: params.id, status: 'failed' },
          data: { status: 'queued', attempts: 0, lastError: null },
        });
        if (r.count === 0) throw conflict('Solo se pueden reintentar avisos fallidos');
        const c = await tx.case.findUniqueOrThrow({
          where: { id: before.caseId },
          select: { stage: true },
        });
        const retries = await tx.caseEvent.count({
          where: { eventKey: { startsWith: `notice:${params.id}:retry:` } },
        });
        await tx.caseEvent.create({
          data: {
            eventKey: `notice:${params.id}:retry:${retries + 1}`,
            caseId: before.caseId,
            type: 'notice_requeued',
            stage: c.stage,
            occurredAt: new Date(),
            actor: principal.id,
            reason: before.lastError,
            data: { noticeId: params.id, kind: before.kind, channel: before.channel },
          },
        });
        await audit(tx, req, principal, {
          action: 'notice.retry',
          entity: 'notice',
          entityId: params.id,
          before: { status: before.status, attempts: before.attempts, lastError: before.lastError },
          after: { status: 'queued', attempts: 0 },
        });
        return tx.notice.findUniqueOrThrow({ where: { id: params.id } });
      });
      return { status: 200, body: view(updated) };
    }),
  ];
}
