/** The audit log as managers read it: filtered, newest first, paginated, never with secrets. */
import { z } from 'zod';
import type { Prisma } from '../../prisma/client.js';
import { withoutSecrets } from '../audit.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type Route } from '../route-table.js';
import { instantSchema, pageSchema } from '../schemas.js';

const AUDIT_READERS = ['manager', 'admin'] as const;

const filterText = z.string().trim().min(1).max(200);

export const auditQuerySchema = z
  .object({
    entity: filterText.optional().meta({ description: 'p. ej. case, task, payment, user, policy' }),
    entityId: filterText.optional(),
    actorId: filterText
      .optional()
      .meta({ description: 'Id del usuario, o nombre del sistema (billing, treasury…)' }),
    action: filterText.optional().meta({ description: 'p. ej. case.hold, payment.receive' }),
    from: instantSchema.optional().meta({ description: 'Desde este instante (incluido)' }),
    to: instantSchema.optional().meta({ description: 'Hasta este instante (excluido)' }),
    page: pageSchema,
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ['to'],
    message: 'debe ser posterior a from',
  });
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  at: instantSchema,
  actorId: z.string().nullable(),
  actorKind: z.enum(['user', 'system', 'anonymous']),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  before: z.unknown().meta({ description: 'Estado anterior, si aplica (sin secretos)' }),
  after: z.unknown().meta({ description: 'Estado posterior o datos de la acción (sin secretos)' }),
  ip: z.string().nullable().meta({ description: 'Dirección desde la que se hizo' }),
});
export type AuditEntryView = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({
  items: z.array(auditEntrySchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
});

const actorKindOf = (k: string): AuditEntryView['actorKind'] =>
  k === 'user' || k === 'system' ? k : 'anonymous';

export function auditRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/audit',
      summary: 'Registro de auditoría: quién cambió qué, cuándo y desde dónde',
      description:
        'Solo supervisión y administración. Lo más reciente primero. Las claves, tokens y hashes nunca se guardan ni se muestran.',
      tags: ['auditoría'],
      roles: AUDIT_READERS,
      request: { query: auditQuerySchema },
      responses: { 200: auditPageSchema },
    }).handle(async ({ query: q }) => {
      const at: Prisma.DateTimeFilter = {};
      if (q.from) at.gte = new Date(q.from);
      if (q.to) at.lt = new Date(q.to);
      const where: Prisma.AuditLogWhereInput = {
        ...(q.entity ? { entity: q.entity } : {}),
        ...(q.entityId ? { entityId: q.entityId } : {}),
        ...(q.actorId ? { actorId: q.actorId } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.from || q.to ? { at } : {}),
      };
      const [total, rows] = await Promise.all([
        deps.prisma.auditLog.count({ where }),
        deps.prisma.auditLog.findMany({
          where,
          orderBy: [{ at: 'desc' }, { id: 'desc' }],
          skip: (q.page - 1) * q.pageSize,
          take: q.pageSize,
        }),
      ]);
      return {
        status: 200,
        body: {
          items: rows.map((r) => ({
            id: r.id.toString(),
            at: r.at.toISOString(),
            actorId: r.actorId,
            actorKind: actorKindOf(r.actorKind),
            action: r.action,
            entity: r.entity,
            entityId: r.entityId,
            before: withoutSecrets(r.before),
            after: withoutSecrets(r.after),
            ip: r.ip,
          })),
          total,
          page: q.page,
          pageSize: q.pageSize,
        },
      };
    }),
  ];
}
