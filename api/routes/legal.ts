/**
 * The legal unit's inbox: open cases in título de crédito or coactiva with what their
 * workflows recorded on the timeline (workflows/credit-title.ts, workflows/coactiva.ts and the
 * título record of activities/credit-title.ts): title number and dates, notification, the
 * voluntary payment term, the orden de pago inmediato and its término, medidas cautelares, and
 * the next deadline in business days (domain/calendar.ts, with the policy's holidays).
 */
import { z } from 'zod';
import { businessDaysBetween, toLocalDate, type CalendarOverrides } from '../../domain/calendar.js';
import { CASE_STAGES } from '../../domain/case.js';
import { NOTIFICATION_METHODS } from '../../domain/credit-title.js';
import { toDecimalString } from '../../domain/money.js';
import type { Prisma } from '../../prisma/client.js';
import type { AppDeps } from '../deps.js';
import { defineRoute, type Route } from '../route-table.js';
import { instantSchema, localDateSchema, moneySchema, pageSchema } from '../schemas.js';

const LEGAL_STAGES = ['credit_title', 'coactiva'] as const;

/** The timeline events the inbox reads. */
const LEGAL_EVENTS = [
  'credit_title_issued',
  'credit_title_approved',
  'credit_title_notified',
  'voluntary_term_started',
  'voluntary_term_paused',
  'voluntary_term_resumed',
  'voluntary_term_expired',
  'coactiva_opened',
  'orden_pago_issued',
  'orden_pago_term_expired',
  'retention_ordered',
  'embargo_recorded',
  'remate_recorded',
] as const;

/** Timeline events that are medidas cautelares or what follows them, by kind. */
const MEASURES: Record<string, 'retention' | 'embargo' | 'remate'> = {
  retention_ordered: 'retention',
  embargo_recorded: 'embargo',
  remate_recorded: 'remate',
};

export const legalInboxQuerySchema = z.object({
  stage: z.enum(LEGAL_STAGES).optional().meta({ description: 'Sin valor: ambas etapas' }),
  page: pageSchema,
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type LegalInboxQuery = z.infer<typeof legalInboxQuerySchema>;

export const legalCaseItemSchema = z.object({
  case: z.object({
    id: z.uuid(),
    accountNumber: z.string(),
    holderName: z.string(),
    idNumber: z.string().meta({ description: 'Cédula o RUC del titular' }),
    stage: z.enum(CASE_STAGES),
    balance: moneySchema,
    sector: z.string(),
  }),
  titleNumber: z.string().nullable(),
  titleIssuedOn: localDateSchema.nullable().meta({ description: 'Emisión de la versión vigente' }),
  titleValidatedOn: localDateSchema.nullable(),
  notifiedOn: localDateSchema.nullable(),
  notificationMethod: z.enum(NOTIFICATION_METHODS).nullable(),
  voluntaryTermEndsOn: localDateSchema.nullable().meta({
    description: 'Fin del plazo de pago voluntario; null si no corre (o está suspendido)',
  }),
  paymentOrderOn: localDateSchema.nullable(),
  paymentOrderNumber: z.string().nullable(),
  paymentOrderTermEndsOn: localDateSchema.nullable(),
  measures: z.array(
    z.object({
      kind: z.enum(['retention', 'embargo', 'remate']),
      orderedOn: localDateSchema,
      number: z.string().nullable(),
    }),
  ),
  nextDeadline: z
    .object({
      label: z.string(),
      on: localDateSchema,
      businessDaysLeft: z.int().meta({ description: 'Días hábiles desde hoy; negativo si venció' }),
    })
    .nullable()
    .meta({
      description: 'El vencimiento más próximo: plazo voluntario, término de la orden o tarea',
    }),
  openTasks: z.array(
    z.object({ id: z.uuid(), type: z.string(), title: z.string(), dueAt: instantSchema }),
  ),
});
export type LegalCaseItem = z.infer<typeof legalCaseItemSchema>;

export const legalInboxSchema = z.object({
  items: z.array(legalCaseItemSchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
});

interface EventRow {
  caseId: string;
  type: string;
  occurredAt: Date;
  data: Prisma.JsonValue;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: Prisma.JsonValue): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
/** A LocalDate from an ISO instant in event data (null when absent or not a date). */
const dayOf = (v: unknown): string | null => {
  const s = str(v);
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : toLocalDate(d);
};
const isLocalDate = (v: unknown): v is string => localDateSchema.safeParse(v).success;

/** The item fields that come from the case's timeline (events oldest first). */
export function legalFacts(events: EventRow[]) {
  const last = (...types: string[]) => events.findLast((e) => types.includes(e.type));
  const issued = last('credit_title_issued');
  const approved = last('credit_title_approved');
  const notified = last('credit_title_notified');
  const term = last('voluntary_term_started', 'voluntary_term_resumed', 'voluntary_term_paused');
  const termExpired = last('voluntary_term_expired');
  const opened = last('coactiva_opened');
  const order = last('orden_pago_issued');
  const orderExpired = last('orden_pago_term_expired');
  const issuedData = issued ? obj(issued.data) : {};
  const orderData = order ? obj(order.data) : {};
  const method = notified ? obj(notified.data).method : null;
  const voluntaryTermEndsOn =
    term && term.type !== 'voluntary_term_paused' ? dayOf(obj(term.data).deadline) : null;
  const paymentOrderTermEndsOn = isLocalDate(orderData.deadlineOn) ? orderData.deadlineOn : null;
  return {
    titleNumber:
      str(issuedData.number) ?? (opened ? str(obj(opened.data).titleNumber) : null) ?? null,
    titleIssuedOn: isLocalDate(issuedData.issuedOn) ? issuedData.issuedOn : null,
    titleValidatedOn: approved ? toLocalDate(approved.occurredAt) : null,
    notifiedOn: notified ? toLocalDate(notified.occurredAt) : null,
    notificationMethod: NOTIFICATION_METHODS.find((m) => m === method) ?? null,
    voluntaryTermEndsOn,
    /** The term still runs (it has not been recorded as expired since it last started). */
    voluntaryTermPending:
      voluntaryTermEndsOn !== null && (!termExpired || termExpired.occurredAt < term!.occurredAt),
    paymentOrderOn: order ? toLocalDate(order.occurredAt) : null,
    paymentOrderNumber: str(orderData.paymentOrderNumber),
    paymentOrderTermEndsOn,
    paymentOrderPending:
      paymentOrderTermEndsOn !== null &&
      (!orderExpired || orderExpired.occurredAt < order!.occurredAt),
    measures: events
      .filter((e) => e.type in MEASURES)
      .map((e) => ({
        kind: MEASURES[e.type]!,
        orderedOn: toLocalDate(e.occurredAt),
        number: null,
      })),
  };
}

export function legalRoutes(deps: AppDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/legal/cases',
      summary: 'Bandeja jurídica: casos en título de crédito y coactiva con sus plazos',
      description:
        'Casos abiertos, por prioridad. Datos del título, notificación, plazo de pago voluntario, orden de pago inmediato, medidas cautelares, tareas abiertas y el próximo vencimiento en días hábiles (feriados de la política).',
      tags: ['jurídico'],
      roles: ['legal', 'manager', 'admin'],
      request: { query: legalInboxQuerySchema },
      responses: { 200: legalInboxSchema },
    }).handle(async ({ query: q }) => {
      const where: Prisma.CaseWhereInput = {
        status: 'open',
        stage: q.stage ? q.stage : { in: [...LEGAL_STAGES] },
      };
      const [total, rows, policy] = await Promise.all([
        deps.prisma.case.count({ where }),
        deps.prisma.case.findMany({
          where,
          include: {
            account: { select: { number: true, holderName: true, holderId: true, sector: true } },
            tasks: {
              where: { status: 'open' },
              select: { id: true, type: true, payload: true, dueAt: true },
              orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
            },
          },
          orderBy: [{ priority: 'desc' }, { openedAt: 'asc' }, { id: 'asc' }],
          skip: (q.page - 1) * q.pageSize,
          take: q.pageSize,
        }),
        deps.policy(),
      ]);
      const events = await deps.prisma.caseEvent.findMany({
        where: { caseId: { in: rows.map((c) => c.id) }, type: { in: [...LEGAL_EVENTS] } },
        select: { caseId: true, type: true, occurredAt: true, data: true },
        orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
      });
      const calendar: CalendarOverrides = policy.policy.calendar;
      const today = toLocalDate(new Date());
      const items = rows.map((c): LegalCaseItem => {
        const facts = legalFacts(events.filter((e) => e.caseId === c.id));
        const openTasks = c.tasks.map((t) => {
          const title = obj(t.payload).title;
          return {
            id: t.id,
            type: t.type,
            title: typeof title === 'string' ? title : t.type,
            dueAt: t.dueAt.toISOString(),
          };
        });
        const deadlines: { label: string; on: string }[] = [
          ...(facts.voluntaryTermPending
            ? [{ label: 'Fin del plazo de pago voluntario', on: facts.voluntaryTermEndsOn! }]
            : []),
          ...(facts.paymentOrderPending
            ? [{ label: 'Fin del término de la orden de pago', on: facts.paymentOrderTermEndsOn! }]
            : []),
          ...openTasks.map((t) => ({ label: t.title, on: toLocalDate(new Date(t.dueAt)) })),
        ];
        const next = deadlines.reduce<{ label: string; on: string } | null>(
          (best, d) => (best === null || d.on < best.on ? d : best),
          null,
        );
        const { voluntaryTermPending: _v, paymentOrderPending: _p, ...shown } = facts;
        return {
          case: {
            id: c.id,
            accountNumber: c.account.number,
            holderName: c.account.holderName,
            idNumber: c.account.holderId,
            stage: c.stage,
            balance: toDecimalString(c.balanceCents),
            sector: c.account.sector,
          },
          ...shown,
          nextDeadline: next
            ? { ...next, businessDaysLeft: businessDaysBetween(today, next.on, calendar) }
            : null,
          openTasks,
        };
      });
      return { status: 200, body: { items, total, page: q.page, pageSize: q.pageSize } };
    }),
  ];
}
