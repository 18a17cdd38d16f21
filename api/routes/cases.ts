/** Case list (from PostgreSQL) and case detail (PostgreSQL + the workflow's own answer). */
import { Router } from 'express';
import { z } from 'zod';
import { CASE_STAGES } from '../../domain/case.js';
import { calendarDaysBetween, toLocalDate } from '../../domain/calendar.js';
import { toDecimalString } from '../../domain/money.js';
import type { Prisma } from '../../prisma/client.js';
import { caseViewQuery } from '../../workflows/messages.js';
import type { Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';

export const caseListQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'all']).default('open'),
  stage: z.enum(CASE_STAGES).optional(),
  sector: z.string().trim().min(1).max(100).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
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

function listItem(c: ListRow, today: string) {
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

export function caseRoutes(deps: AppDeps): Router {
  const r = Router();

  r.get('/cases', async (req, res) => {
    const q = caseListQuerySchema.parse(req.query);
    const where: Prisma.CaseWhereInput = {
      AND: [
        caseScope(req.principal!),
        q.status === 'all' ? {} : { status: q.status },
        q.stage ? { stage: q.stage } : {},
        q.sector ? { account: { sector: q.sector } } : {},
        q.q
          ? {
              OR: [
                { account: { number: { startsWith: q.q } } },
                { account: { holderId: { startsWith: q.q } } },
                { account: { holderName: { contains: q.q, mode: 'insensitive' } } },
              ],
            }
          : {},
      ],
    };
    const [total, rows] = await Promise.all([
      deps.prisma.case.count({ where }),
      deps.prisma.case.findMany({
        where,
        include: listInclude,
        orderBy: [{ priority: 'desc' }, { openedAt: 'asc' }, { id: 'asc' }],
        skip: (q.page - 1) * q.pageSize,
        take: q.pageSize,
      }),
    ]);
    const today = toLocalDate(new Date());
    res.json({
      items: rows.map((c) => listItem(c, today)),
      total,
      page: q.page,
      pageSize: q.pageSize,
    });
  });

  r.get('/cases/:id', async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw notFound('El caso');
    const c = await deps.prisma.case.findFirst({
      where: { AND: [{ id: id.data }, caseScope(req.principal!)] },
      include: {
        ...listInclude,
        account: {
          include: { invoices: { where: { balanceCents: { gt: 0 } }, orderBy: { dueOn: 'asc' } } },
        },
        events: { orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }], take: 500 },
      },
    });
    if (!c) throw notFound('El caso');
    let workflow = null;
    if (c.status === 'open') {
      try {
        const view = await deps.temporal.workflow.getHandle(c.workflowId).query(caseViewQuery);
        workflow = {
          stage: view.stage,
          status: view.status,
          balance: toDecimalString(view.balanceCents),
          paymentsApplied: view.paymentsApplied,
        };
      } catch (err) {
        deps.log.warn({ err, caseId: c.id }, 'case workflow did not answer its query');
      }
    }
    const today = toLocalDate(new Date());
    const a = c.account;
    res.json({
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
      events: c.events.map((e) => ({
        id: e.id.toString(),
        type: e.type,
        stage: e.stage,
        occurredAt: e.occurredAt.toISOString(),
        actor: e.actor,
        reason: e.reason,
        data: e.data,
      })),
      temporalUiUrl: deps.temporalUiUrl
        ? `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(c.workflowId)}`
        : null,
    });
  });

  r.get('/portfolio/summary', async (req, res) => {
    const where: Prisma.CaseWhereInput = { AND: [caseScope(req.principal!), { status: 'open' }] };
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
    res.json({
      openCases: byStage.reduce((s, g) => s + g.count, 0),
      balance: toDecimalString(groups.reduce((s, g) => s + (g._sum.balanceCents ?? 0), 0)),
      byStage,
    });
  });

  return r;
}
