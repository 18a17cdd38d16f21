/** Case list (from PostgreSQL), case detail (PostgreSQL + the workflow's own answer), summary. */
import { z } from 'zod';
import { CASE_STAGES, CLOSE_REASONS } from '../../domain/case.js';
import { ACCOUNT_CATEGORIES, PROTECTIONS } from '../../domain/case-opening.js';
import { addCalendarDays, calendarDaysBetween, toLocalDate } from '../../domain/calendar.js';
import { nonNegativeMoneyStringSchema, toDecimalString } from '../../domain/money.js';
import type { Prisma } from '../../prisma/client.js';
import { caseViewQuery, type CaseView } from '../../workflows/messages.js';
import { ROLES, type Role } from '../../domain/roles.js';
import type { Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { timelinePage } from '../timeline.js';
import {
  caseExceptionsBody,
  caseExceptionsSchema,
  errorBodySchema,
  idParamsSchema,
  instantSchema,
  localDateSchema,
  moneySchema,
  pageSchema,
  typedTextSchema,
} from '../schemas.js';

/** What people do to a case (the routes of api/routes/case-actions.ts and agreements.ts). */
export const CASE_ACTIONS = [
  'assign',
  'hold',
  'resume',
  'close',
  'dispute',
  'resolveDispute',
  'proposeAgreement',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/** Roles of each action's route. */
const ACTION_ROLES: Record<CaseAction, readonly Role[]> = {
  assign: ['manager'],
  hold: ['manager'],
  resume: ['manager'],
  close: ['manager'],
  dispute: ['collector', 'manager', 'legal'],
  resolveDispute: ['manager', 'legal'],
  proposeAgreement: ['collector', 'manager'],
};

/**
 * The actions `role` may take now on a case whose workflow answered `view` (null: closed or
 * not answering, so nothing can be done through it). The workflow still decides each one.
 */
export function allowedActions(role: Role, view: CaseView | null): CaseAction[] {
  if (!view || view.status !== 'open') return [];
  const onHold = view.onHold ?? false;
  const disputed = view.disputed ?? false;
  const possible: Record<CaseAction, boolean> = {
    assign: true,
    hold: !onHold,
    resume: onHold,
    close: true,
    dispute: !disputed,
    resolveDispute: disputed,
    proposeAgreement: !onHold && !disputed && !view.agreementId,
  };
  return CASE_ACTIONS.filter((a) => possible[a] && ACTION_ROLES[a].includes(role));
}

/** How the case list can be ordered; each has its natural direction (see the query's `sort`). */
export const CASE_SORTS = ['priority', 'balance', 'daysOverdue', 'openedAt'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

export const caseListQuerySchema = z
  .object({
    status: z.enum(['open', 'closed', 'all']).default('open'),
    stage: z.enum(CASE_STAGES).optional(),
    sector: typedTextSchema(100).optional(),
    q: typedTextSchema(100).optional().meta({
      description: 'Comienzo de la cuenta o la cédula/RUC, o parte del nombre del titular',
    }),
    collectorId: z
      .union([z.uuid(), z.literal('none')])
      .optional()
      .meta({ description: 'Gestor asignado; `none`: casos sin gestor' }),
    priorityMin: z.coerce.number().int().min(0).max(1000).optional(),
    amountMin: nonNegativeMoneyStringSchema
      .optional()
      .meta({ description: 'Saldo mínimo, p. ej. "50.00"' }),
    amountMax: nonNegativeMoneyStringSchema
      .optional()
      .meta({ description: 'Saldo máximo, p. ej. "500.00"' }),
    daysOverdueMin: z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .meta({ description: 'Días desde el vencimiento de la planilla más antigua, mínimo' }),
    daysOverdueMax: z.coerce.number().int().min(0).max(100_000).optional(),
    sort: z.enum(CASE_SORTS).default('priority').meta({
      description:
        'priority: mayor prioridad primero; balance: mayor saldo primero; daysOverdue: más días vencidos primero; openedAt: más reciente primero',
    }),
    order: z.enum(['asc', 'desc']).optional().meta({
      description: 'Dirección del orden; por omisión, la natural de `sort` (la indicada arriba)',
    }),
    page: pageSchema,
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine(
    (q) => q.amountMin === undefined || q.amountMax === undefined || q.amountMin <= q.amountMax,
    {
      path: ['amountMax'],
      message: 'debe ser mayor o igual que amountMin',
    },
  )
  .refine(
    (q) =>
      q.daysOverdueMin === undefined ||
      q.daysOverdueMax === undefined ||
      q.daysOverdueMin <= q.daysOverdueMax,
    { path: ['daysOverdueMax'], message: 'debe ser mayor o igual que daysOverdueMin' },
  );
export type CaseListQuery = z.infer<typeof caseListQuerySchema>;

/** The SQL order of the list: the sort key, then stable tie-breakers (pages never overlap). */
function listOrder(
  sort: CaseSort,
  order: 'asc' | 'desc' | undefined,
): Prisma.CaseOrderByWithRelationInput[] {
  const flip = (natural: 'asc' | 'desc') => (order === undefined ? natural : order);
  switch (sort) {
    case 'priority':
      return [{ priority: flip('desc') }, { openedAt: 'asc' }, { id: 'asc' }];
    case 'balance':
      return [{ balanceCents: flip('desc') }, { id: 'asc' }];
    case 'daysOverdue':
      // More days overdue = an older oldest due date.
      return [{ oldestDueOn: order === 'asc' ? 'desc' : 'asc' }, { id: 'asc' }];
    case 'openedAt':
      return [{ openedAt: flip('desc') }, { id: 'asc' }];
  }
}

/** The filters of the list that are not text search or scope. */
function listFilters(q: CaseListQuery, today: string): Prisma.CaseWhereInput[] {
  const out: Prisma.CaseWhereInput[] = [];
  if (q.collectorId)
    out.push({ assignedCollectorId: q.collectorId === 'none' ? null : q.collectorId });
  if (q.priorityMin !== undefined) out.push({ priority: { gte: q.priorityMin } });
  if (q.amountMin !== undefined) out.push({ balanceCents: { gte: q.amountMin } });
  if (q.amountMax !== undefined) out.push({ balanceCents: { lte: q.amountMax } });
  // daysPastDue = today − oldestDueOn (never below 0), so day bounds are due-date bounds.
  if (q.daysOverdueMin !== undefined && q.daysOverdueMin > 0)
    out.push({ oldestDueOn: { lte: dateOnly(addCalendarDays(today, -q.daysOverdueMin)) } });
  if (q.daysOverdueMax !== undefined)
    out.push({ oldestDueOn: { gte: dateOnly(addCalendarDays(today, -q.daysOverdueMax)) } });
  return out;
}

/** A LocalDate as the Date Prisma compares with a `@db.Date` column. */
const dateOnly = (d: string) => new Date(`${d}T00:00:00.000Z`);

const stageSchema = z.enum(CASE_STAGES);

export const caseListItemSchema = z.object({
  id: z.uuid(),
  accountNumber: z.string(),
  holderName: z.string(),
  sector: z.string(),
  route: z.string(),
  category: z.enum(ACCOUNT_CATEGORIES),
  stage: stageSchema,
  status: z.enum(['open', 'closed']),
  priority: z.int().meta({ description: '0–1000; mayor primero' }),
  balance: moneySchema,
  overdueInvoices: z.int(),
  oldestDueOn: localDateSchema,
  daysPastDue: z.int(),
  protected: z.boolean(),
  assignedCollector: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  openedAt: instantSchema,
});
export type CaseListItem = z.infer<typeof caseListItemSchema>;

export const caseListSchema = z.object({
  items: z.array(caseListItemSchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
});

export const caseDetailSchema = z.object({
  case: caseListItemSchema.extend({
    closedAt: instantSchema.nullable(),
    closeReason: z.enum(CLOSE_REASONS).nullable(),
    account: z.object({
      number: z.string(),
      holderName: z.string(),
      holderId: z.string(),
      address: z.string(),
      sector: z.string(),
      route: z.string(),
      category: z.enum(ACCOUNT_CATEGORIES),
      phone: z.string().nullable(),
      email: z.string().nullable(),
      protection: z.enum(PROTECTIONS).exclude(['none']).nullable(),
    }),
    invoices: z.array(
      z.object({
        number: z.string(),
        issuedOn: localDateSchema,
        dueOn: localDateSchema,
        amount: moneySchema,
        balance: moneySchema,
      }),
    ),
  }),
  workflow: z
    .object({
      stage: stageSchema,
      status: z.enum(['open', 'closed']),
      balance: moneySchema,
      paymentsApplied: z.int(),
      service: z.enum(['active', 'suspended']),
      prescribesOn: localDateSchema.nullable().meta({
        description:
          'Fecha en que prescribe la deuda, contando las interrupciones registradas; null si no se sigue',
      }),
      exceptions: caseExceptionsSchema.nullable().meta({ description: 'null si no hay' }),
    })
    .nullable()
    .meta({
      description: 'Lo que responde el flujo del caso; null si está cerrado o no respondió',
    }),
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      stage: stageSchema,
      occurredAt: instantSchema,
      actor: z.string(),
      reason: z.string().nullable(),
      data: z.unknown(),
    }),
  ),
  temporalUiUrl: z.string().nullable().meta({ description: 'Igual que links.temporal' }),
  links: z.object({
    temporal: z.string().nullable().meta({
      description: 'El flujo del caso en la interfaz web de Temporal; null si no está configurada',
    }),
  }),
  allowedActions: z.array(z.enum(CASE_ACTIONS)).meta({
    description:
      'Acciones que el rol del usuario puede hacer ahora sobre el caso (según su estado); vacío si está cerrado o el flujo no respondió',
  }),
});
export type CaseDetail = z.infer<typeof caseDetailSchema>;

export const portfolioSummarySchema = z.object({
  openCases: z.int(),
  balance: moneySchema,
  byStage: z.array(z.object({ stage: stageSchema, count: z.int(), balance: moneySchema })),
});

/** What each role may see: collectors their own cases, legal the escalated ones. */
export function caseScope(p: Principal): Prisma.CaseWhereInput {
  if (p.role === 'collector') return { assignedCollectorId: p.id };
  if (p.role === 'legal') return { stage: { in: ['credit_title', 'coactiva'] } };
  return {};
}

const listInclude = {
  account: {
    select: {
      number: true,
      holderName: true,
      holderId: true,
      sector: true,
      route: true,
      category: true,
    },
  },
  assignedCollector: { select: { id: true, displayName: true } },
} satisfies Prisma.CaseInclude;

type ListRow = Prisma.CaseGetPayload<{ include: typeof listInclude }>;

function listItem(c: ListRow, today: string): CaseListItem {
  const oldestDueOn = c.oldestDueOn.toISOString().slice(0, 10);
  return {
    id: c.id,
    accountNumber: c.account.number,
    holderName: c.account.holderName,
    sector: c.account.sector,
    route: c.account.route,
    category: c.account.category,
    stage: c.stage,
    status: c.status,
    priority: c.priority,
    balance: toDecimalString(c.balanceCents),
    overdueInvoices: c.overdueInvoices,
    oldestDueOn,
    daysPastDue: Math.max(0, calendarDaysBetween(oldestDueOn, today)),
    protected: c.protected,
    assignedCollector: c.assignedCollector,
    openedAt: c.openedAt.toISOString(),
  };
}

export function caseRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/cases',
      summary: 'Casos visibles para el usuario, por prioridad',
      description:
        'Gestores: los casos asignados a ellos; jurídico: los casos en título de crédito o coactiva; supervisión y administración: todos.',
      tags: ['casos'],
      roles: ROLES,
      request: { query: caseListQuerySchema },
      responses: { 200: caseListSchema },
    }).handle(async ({ query: q, principal }) => {
      const today = toLocalDate(new Date());
      const where: Prisma.CaseWhereInput = {
        AND: [
          caseScope(principal),
          ...listFilters(q, today),
          q.status === 'all' ? {} : { status: q.status },
          q.stage ? { stage: q.stage } : {},
          q.sector ? { account: { sector: q.sector } } : {},
          // One relation filter (one join with Account, not three), which the trigram index
          // on the three columns serves.
          q.q
            ? {
                account: {
                  OR: [
                    { number: { startsWith: q.q } },
                    { holderId: { startsWith: q.q } },
                    { holderName: { contains: q.q, mode: 'insensitive' } },
                  ],
                },
              }
            : {},
        ],
      };
      const [total, rows] = await Promise.all([
        deps.prisma.case.count({ where }),
        deps.prisma.case.findMany({
          where,
          include: listInclude,
          orderBy: listOrder(q.sort, q.order),
          skip: (q.page - 1) * q.pageSize,
          take: q.pageSize,
        }),
      ]);
      return {
        status: 200,
        body: {
          items: rows.map((c) => listItem(c, today)),
          total,
          page: q.page,
          pageSize: q.pageSize,
        },
      };
    }),

    defineRoute({
      method: 'get',
      path: '/api/cases/:id',
      summary: 'Un caso: datos guardados, estado del flujo y cronología',
      tags: ['casos'],
      roles: ROLES,
      request: { params: idParamsSchema },
      responses: { 200: caseDetailSchema, 404: errorBodySchema },
    }).handle(async ({ params, principal, req }) => {
      const c = await deps.prisma.case.findFirst({
        where: { AND: [{ id: params.id }, caseScope(principal)] },
        include: {
          ...listInclude,
          account: {
            include: {
              invoices: { where: { balanceCents: { gt: 0 } }, orderBy: { dueOn: 'asc' } },
            },
          },
        },
      });
      if (!c) throw notFound('El caso');
      const events = await timelinePage(deps.prisma, { caseId: c.id }, { skip: 0, take: 500 });
      let workflow: CaseDetail['workflow'] = null;
      let view: CaseView | null = null;
      if (c.status === 'open') {
        try {
          view = await deps.temporal.workflow.getHandle(c.workflowId).query(caseViewQuery);
          workflow = {
            stage: view.stage,
            status: view.status,
            balance: toDecimalString(view.balanceCents),
            paymentsApplied: view.paymentsApplied,
            // Optional in the answers of older runs.
            service: view.service ?? 'active',
            prescribesOn: view.prescribesOn ?? null,
            exceptions: caseExceptionsBody(view.exceptions),
          };
        } catch (err) {
          // Logs carry no case or account identifiers; the request id correlates.
          deps.log.warn({ err, reqId: req.id }, 'case workflow did not answer its query');
        }
      }
      const today = toLocalDate(new Date());
      const a = c.account;
      const temporalUrl = deps.temporalUiUrl
        ? `${deps.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(c.workflowId)}`
        : null;
      return {
        status: 200,
        body: {
          case: {
            ...listItem(c, today),
            closedAt: c.closedAt?.toISOString() ?? null,
            closeReason: c.closeReason,
            account: {
              number: a.number,
              holderName: a.holderName,
              holderId: a.holderId,
              address: a.address,
              sector: a.sector,
              route: a.route,
              category: a.category,
              phone: a.phone,
              email: a.email,
              protection: a.protection === 'none' ? null : a.protection,
            },
            invoices: a.invoices.map((i) => ({
              number: i.number,
              issuedOn: i.issuedOn.toISOString().slice(0, 10),
              dueOn: i.dueOn.toISOString().slice(0, 10),
              amount: toDecimalString(i.amountCents),
              balance: toDecimalString(i.balanceCents),
            })),
          },
          workflow,
          events: events.map((e) => ({
            id: e.id.toString(),
            type: e.type,
            stage: e.stage,
            occurredAt: e.occurredAt.toISOString(),
            actor: e.actor,
            reason: e.reason,
            data: e.data,
          })),
          temporalUiUrl: temporalUrl,
          links: { temporal: temporalUrl },
          allowedActions: allowedActions(principal.role, view),
        },
      };
    }),

    defineRoute({
      method: 'get',
      path: '/api/portfolio/summary',
      summary: 'Casos abiertos y saldo por etapa, dentro de lo que el usuario ve',
      tags: ['casos'],
      roles: ROLES,
      responses: { 200: portfolioSummarySchema },
    }).handle(async ({ principal }) => {
      const where: Prisma.CaseWhereInput = {
        AND: [caseScope(principal), { status: 'open' }],
      };
      const groups = await deps.prisma.case.groupBy({
        by: ['stage'],
        where,
        _count: { _all: true },
        _sum: { balanceCents: true },
      });
      const byStage = CASE_STAGES.filter((s) => s !== 'closed').map((stage) => {
        const g = groups.find((x) => x.stage === stage);
        return {
          stage,
          count: g?._count._all ?? 0,
          balance: toDecimalString(g?._sum.balanceCents ?? 0),
        };
      });
      return {
        status: 200,
        body: {
          openCases: byStage.reduce((s, g) => s + g.count, 0),
          balance: toDecimalString(groups.reduce((s, g) => s + (g._sum.balanceCents ?? 0), 0)),
          byStage,
        },
      };
    }),
  ];
}
