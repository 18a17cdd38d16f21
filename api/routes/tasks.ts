/**
 * The task inbox: human steps of the cases (Task rows written by the workflows), listed by
 * scope and status, taken from and given back to the role's shared inbox, reassigned by a
 * manager, and completed through the owning workflow's `completeTask` update, so the answer is
 * 200 or a clear 4xx at once and a second completion is a 409, never a second effect.
 */
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { calendarDaysBetween, toLocalDate } from '../../domain/calendar.js';
import { CASE_STAGES } from '../../domain/case.js';
import { nonNegativeMoneyStringSchema, toDecimalString } from '../../domain/money.js';
import { TASK_TYPES, TASKS, type TaskType } from '../../domain/tasks.js';
import type { Prisma } from '../../prisma/client.js';
import { completeTaskUpdate } from '../../workflows/messages.js';
import { audit } from '../audit.js';
import { ROLES, type Role } from '../../domain/roles.js';
import type { Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError, businessRule, conflict, fieldErrors, forbidden, notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import {
  errorBodySchema,
  idParamsSchema,
  instantSchema,
  moneySchema,
  pageSchema,
} from '../schemas.js';

/** Roles that work tasks (admin manages users and policy, not cases). */
const TASK_WORKERS = ['collector', 'legal', 'manager'] as const;

const taskTypeSchema = z.enum(TASK_TYPES as [TaskType, ...TaskType[]]);

export const taskListQuerySchema = z
  .object({
    scope: z.enum(['mine', 'team', 'role']).optional().meta({
      description:
        'mine: asignadas a mí; team: gestor: las de los casos de mi cartera; supervisor: las de sus gestores; jurídico: la bandeja jurídica; role: la bandeja compartida de mi rol (sin asignar). Sin valor: todo lo visible',
    }),
    status: z
      .enum(['open', 'overdue', 'done'])
      .default('open')
      .meta({ description: 'overdue: abiertas con vencimiento pasado' }),
    type: taskTypeSchema.optional(),
    caseId: z.uuid().optional(),
    sector: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Sector de la cuenta' }),
    route: z.string().trim().min(1).max(100).optional().meta({ description: 'Ruta de la cuenta' }),
    stage: z.enum(CASE_STAGES).optional().meta({ description: 'Etapa del caso' }),
    amountMin: nonNegativeMoneyStringSchema
      .optional()
      .meta({ description: 'Saldo mínimo del caso, p. ej. "50.00"' }),
    amountMax: nonNegativeMoneyStringSchema
      .optional()
      .meta({ description: 'Saldo máximo del caso, p. ej. "500.00"' }),
    sort: z.enum(['due', 'priority']).default('due').meta({
      description:
        'due: vencimiento más próximo primero y luego mayor prioridad; priority: mayor prioridad primero y luego vencimiento',
    }),
    page: pageSchema,
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine(
    (q) => q.amountMin === undefined || q.amountMax === undefined || q.amountMin <= q.amountMax,
    { path: ['amountMax'], message: 'debe ser mayor o igual que amountMin' },
  );
export type TaskListQuery = z.infer<typeof taskListQuerySchema>;

const personSchema = z.object({ id: z.uuid(), displayName: z.string() });

export const taskItemSchema = z.object({
  id: z.uuid(),
  type: taskTypeSchema,
  title: z.string(),
  role: z.enum(ROLES),
  status: z.enum(['open', 'done', 'cancelled']),
  dueAt: instantSchema,
  overdue: z.boolean(),
  escalated: z.boolean(),
  priority: z.int().meta({ description: '0–1000; mayor primero a igual vencimiento' }),
  assignee: personSchema.nullable().meta({ description: 'null: en la bandeja compartida del rol' }),
  case: z.object({
    id: z.uuid(),
    accountNumber: z.string(),
    holderName: z.string(),
    stage: z.enum(CASE_STAGES),
    balance: moneySchema,
    sector: z.string(),
    route: z.string().nullable(),
    priority: z.int().meta({ description: 'Prioridad del caso, 0–1000' }),
    daysOverdue: z
      .int()
      .meta({ description: 'Días desde el vencimiento de la planilla más antigua del caso' }),
  }),
  payload: z
    .record(z.string(), z.unknown())
    .meta({ description: 'Lo que la persona necesita ver (montos, propuesta, número de título…)' }),
  createdAt: instantSchema,
  completedAt: instantSchema.nullable(),
});
export type TaskItem = z.infer<typeof taskItemSchema>;

export const taskListSchema = z.object({
  items: z.array(taskItemSchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
  counts: z
    .object({ open: z.int(), overdue: z.int() })
    .meta({ description: 'Abiertas y vencidas en el mismo alcance y filtros (para el contador)' }),
});

export const reassignTaskBodySchema = z.object({ userId: z.uuid() });
export type ReassignTaskBody = z.infer<typeof reassignTaskBodySchema>;

export const completeTaskBodySchema = z.object({
  form: z.record(z.string(), z.unknown()).meta({
    description:
      'El formulario del tipo de tarea (domain/tasks.ts), p. ej. contact_debtor: `{ "outcome": "promise_to_pay", "promisedOn": "2026-12-15", "amount": "50.00" }`',
  }),
});
export type CompleteTaskBody = z.infer<typeof completeTaskBodySchema>;

export const completeTaskResultSchema = z.object({
  taskId: z.uuid(),
  type: taskTypeSchema,
  status: z.literal('done'),
});

const assignmentSchema = z.object({ id: z.uuid(), assignee: personSchema.nullable() });

/**
 * Which tasks a role sees at all: collectors their cases' and their inbox's, legal theirs.
 * Every scope of a collector (mine, role, team) is one branch of the collector's OR, so with a
 * scope only the role condition is left: the OR, and its join with Case, would filter nothing.
 */
export function taskVisibility(
  p: Principal,
  scope?: TaskListQuery['scope'],
): Prisma.TaskWhereInput {
  if (p.role === 'collector') {
    if (scope !== undefined) return { role: 'collector' };
    return {
      role: 'collector',
      OR: [{ assigneeId: p.id }, { assigneeId: null }, { case: { assignedCollectorId: p.id } }],
    };
  }
  if (p.role === 'legal') return { role: 'legal' };
  return {};
}

function scopeFilter(p: Principal, scope: TaskListQuery['scope']): Prisma.TaskWhereInput {
  switch (scope) {
    case undefined:
      return {};
    case 'mine':
      return { assigneeId: p.id };
    case 'role':
      return { assigneeId: null, role: p.role };
    case 'team':
      if (p.role === 'collector') return { case: { assignedCollectorId: p.id } };
      if (p.role === 'manager')
        return {
          OR: [
            { assignee: { supervisorId: p.id } },
            { case: { assignedCollector: { supervisorId: p.id } } },
          ],
        };
      return {}; // legal: the whole legal inbox; admin: everything
  }
}

/** The filters on the task's case and account (sector, route, stage, balance). */
function caseFilter(q: TaskListQuery): Prisma.TaskWhereInput {
  const c: Prisma.CaseWhereInput[] = [];
  if (q.sector !== undefined) c.push({ account: { sector: q.sector } });
  if (q.route !== undefined) c.push({ account: { route: q.route } });
  if (q.stage !== undefined) c.push({ stage: q.stage });
  if (q.amountMin !== undefined) c.push({ balanceCents: { gte: q.amountMin } });
  if (q.amountMax !== undefined) c.push({ balanceCents: { lte: q.amountMax } });
  return c.length > 0 ? { case: { AND: c } } : {};
}

const taskInclude = {
  assignee: { select: { id: true, displayName: true } },
  case: {
    select: {
      id: true,
      stage: true,
      balanceCents: true,
      priority: true,
      oldestDueOn: true,
      account: { select: { number: true, holderName: true, sector: true, route: true } },
    },
  },
} satisfies Prisma.TaskInclude;

type TaskRow = Prisma.TaskGetPayload<{ include: typeof taskInclude }>;

function taskItem(t: TaskRow, now: Date, today: string): TaskItem {
  const { title, ...payload } = (t.payload ?? {}) as Record<string, unknown>;
  return {
    id: t.id,
    type: t.type as TaskType,
    title: typeof title === 'string' ? title : t.type,
    role: t.role,
    status: t.status,
    dueAt: t.dueAt.toISOString(),
    overdue: t.status === 'open' && t.dueAt < now,
    escalated: t.escalatedAt !== null,
    priority: t.priority,
    assignee: t.assignee,
    case: {
      id: t.case.id,
      accountNumber: t.case.account.number,
      holderName: t.case.account.holderName,
      stage: t.case.stage,
      balance: toDecimalString(t.case.balanceCents),
      sector: t.case.account.sector,
      // Billing leaves the route empty for accounts outside any route.
      route: t.case.account.route || null,
      priority: t.case.priority,
      daysOverdue: Math.max(
        0,
        calendarDaysBetween(t.case.oldestDueOn.toISOString().slice(0, 10), today),
      ),
    },
    payload,
    createdAt: t.createdAt.toISOString(),
    completedAt: t.completedAt?.toISOString() ?? null,
  };
}

/** May `p` complete (or act as holder of) this task? The workflow checks the role again. */
function mayAct(p: Principal, t: { assigneeId: string | null; role: Role }): boolean {
  if (p.role === 'manager') return true;
  if (t.assigneeId !== null) return t.assigneeId === p.id;
  return t.role === p.role;
}

const notOpen = () => conflict('La tarea ya no está abierta');

/**
 * How long a claim, release or reassignment waits for a pooled connection and runs, as the
 * payments route does. The API shares its pool with the worker's activities under `npm start`;
 * under load Prisma's default 2 s wait ran out and the claim answered 500 (bench/load.ts).
 */
const MOVE_TRANSACTION = { maxWait: 10_000, timeout: 30_000 } as const;

export function taskRoutes(deps: AppDeps): Route[] {
  const { prisma } = deps;

  const findTask = async (id: string) => {
    const t = await prisma.task.findUnique({ where: { id }, include: taskInclude });
    if (!t) throw notFound('La tarea');
    return t;
  };

  /**
   * Moves the task from holder `from` to `to` only if it is still open and held by `from`, and
   * records it on the case timeline in the same transaction. False if someone changed it first.
   */
  const moveTask = (
    t: TaskRow,
    from: string | null,
    to: string | null,
    p: Principal,
    reason: string,
  ): Promise<boolean> =>
    prisma.$transaction(async (tx) => {
      const { count } = await tx.task.updateMany({
        where: { id: t.id, status: 'open', assigneeId: from },
        data: { assigneeId: to },
      });
      if (count === 0) return false;
      await tx.caseEvent.create({
        data: {
          // One event per change: the conditional update above makes a change happen once.
          eventKey: `task:${t.id}:assigned:${randomUUID()}`,
          caseId: t.caseId,
          type: 'task_assigned',
          stage: t.case.stage,
          occurredAt: new Date(),
          actor: p.id,
          reason,
          data: { taskId: t.id, taskType: t.type, from, to },
        },
      });
      return true;
    }, MOVE_TRANSACTION);

  const answer = async (id: string) => {
    const t = await prisma.task.findUniqueOrThrow({
      where: { id },
      select: { id: true, assignee: { select: { id: true, displayName: true } } },
    });
    return { status: 200 as const, body: t };
  };

  const auditAssignment = (
    req: Request,
    p: Principal,
    action: string,
    id: string,
    from: string | null,
    to: string | null,
  ) =>
    audit(prisma, req, p, {
      action,
      entity: 'task',
      entityId: id,
      before: { assigneeId: from },
      after: { assigneeId: to },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/api/tasks',
      summary: 'Bandeja de tareas: mías, de mi equipo o de mi rol',
      description:
        'Ordenadas por vencimiento y luego por prioridad (mayor primero), o al revés con sort=priority; filtros por sector, ruta, etapa y saldo del caso. Gestores: las de sus casos y la bandeja de gestores; jurídico: la bandeja jurídica; supervisión y administración: todas.',
      tags: ['tareas'],
      roles: ROLES,
      request: { query: taskListQuerySchema },
      responses: { 200: taskListSchema },
    }).handle(async ({ query: q, principal }) => {
      const now = new Date();
      const base: Prisma.TaskWhereInput[] = [
        taskVisibility(principal, q.scope),
        scopeFilter(principal, q.scope),
        q.type ? { type: q.type } : {},
        q.caseId ? { caseId: q.caseId } : {},
        caseFilter(q),
      ];
      const byStatus: Record<TaskListQuery['status'], Prisma.TaskWhereInput> = {
        open: { status: 'open' },
        overdue: { status: 'open', dueAt: { lt: now } },
        done: { status: 'done' },
      };
      const where: Prisma.TaskWhereInput = { AND: [...base, byStatus[q.status]] };
      // The total of an open or overdue list is one of the two counters: not counted twice.
      const [rows, open, overdue, done] = await Promise.all([
        prisma.task.findMany({
          where,
          include: taskInclude,
          orderBy:
            q.sort === 'priority'
              ? [{ priority: 'desc' }, { dueAt: 'asc' }, { id: 'asc' }]
              : [{ dueAt: 'asc' }, { priority: 'desc' }, { id: 'asc' }],
          skip: (q.page - 1) * q.pageSize,
          take: q.pageSize,
        }),
        prisma.task.count({ where: { AND: [...base, byStatus.open] } }),
        prisma.task.count({ where: { AND: [...base, byStatus.overdue] } }),
        q.status === 'done' ? prisma.task.count({ where }) : undefined,
      ]);
      const total = q.status === 'open' ? open : q.status === 'overdue' ? overdue : done!;
      return {
        status: 200,
        body: {
          items: rows.map((t) => taskItem(t, now, toLocalDate(now))),
          total,
          page: q.page,
          pageSize: q.pageSize,
          counts: { open, overdue },
        },
      };
    }),

    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/claim',
      summary: 'Tomar una tarea sin asignar de la bandeja de mi rol',
      tags: ['tareas'],
      roles: TASK_WORKERS,
      request: { params: idParamsSchema },
      responses: { 200: assignmentSchema, 404: errorBodySchema, 409: errorBodySchema },
    }).handle(async ({ params, principal, req }) => {
      const t = await findTask(params.id);
      if (t.role !== principal.role)
        throw new ApiError(403, 'forbidden', 'La tarea no es de la bandeja de su rol');
      if (t.status !== 'open') throw notOpen();
      if (t.assigneeId === principal.id) return answer(t.id);
      if (t.assigneeId !== null) throw conflict('Otra persona ya tiene esta tarea');
      if (!(await moveTask(t, null, principal.id, principal, 'tomada de la bandeja'))) {
        const now = await findTask(t.id);
        if (now.status !== 'open') throw notOpen();
        if (now.assigneeId !== principal.id) throw conflict('Otra persona ya tiene esta tarea');
        return answer(t.id);
      }
      await auditAssignment(req, principal, 'task.claim', t.id, null, principal.id);
      return answer(t.id);
    }),

    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/release',
      summary: 'Devolver una tarea a la bandeja de su rol',
      description: 'Solo quien la tiene o un supervisor.',
      tags: ['tareas'],
      roles: TASK_WORKERS,
      request: { params: idParamsSchema },
      responses: { 200: assignmentSchema, 404: errorBodySchema, 409: errorBodySchema },
    }).handle(async ({ params, principal, req }) => {
      const t = await findTask(params.id);
      if (t.assigneeId !== principal.id && principal.role !== 'manager')
        throw new ApiError(
          403,
          'forbidden',
          'Solo quien tiene la tarea o un supervisor la devuelve',
        );
      if (t.status !== 'open') throw notOpen();
      if (t.assigneeId === null) return answer(t.id);
      if (!(await moveTask(t, t.assigneeId, null, principal, 'devuelta a la bandeja')))
        throw conflict('La tarea cambió mientras tanto; vuelva a cargarla');
      await auditAssignment(req, principal, 'task.release', t.id, t.assigneeId, null);
      return answer(t.id);
    }),

    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/reassign',
      summary: 'Asignar una tarea a otra persona del rol de la tarea (supervisión)',
      tags: ['tareas'],
      roles: ['manager'],
      request: { params: idParamsSchema, body: reassignTaskBodySchema },
      responses: {
        200: assignmentSchema,
        404: errorBodySchema,
        409: errorBodySchema,
        422: errorBodySchema,
      },
    }).handle(async ({ params, body, principal, req }) => {
      const t = await findTask(params.id);
      const target = await prisma.user.findUnique({ where: { id: body.userId } });
      if (!target) throw notFound('El usuario');
      if (!target.active) throw businessRule('El usuario está inactivo');
      if (target.role !== t.role)
        throw businessRule('El usuario no tiene el rol que atiende esta tarea');
      if (t.status !== 'open') throw notOpen();
      if (t.assigneeId === target.id) return answer(t.id);
      if (!(await moveTask(t, t.assigneeId, target.id, principal, 'reasignada por supervisión')))
        throw conflict('La tarea cambió mientras tanto; vuelva a cargarla');
      await auditAssignment(req, principal, 'task.reassign', t.id, t.assigneeId, target.id);
      return answer(t.id);
    }),

    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/complete',
      summary: 'Completar una tarea con el formulario de su tipo',
      description:
        'El formulario se valida aquí y otra vez en el flujo del caso; la respuesta llega en cuanto el flujo la acepta. Completar dos veces es un 409.',
      tags: ['tareas'],
      roles: TASK_WORKERS,
      request: { params: idParamsSchema, body: completeTaskBodySchema },
      responses: {
        200: completeTaskResultSchema,
        404: errorBodySchema,
        409: errorBodySchema,
        422: errorBodySchema,
      },
    }).handle(async ({ params, body, principal, req }) => {
      const t = await findTask(params.id);
      if (!mayAct(principal, t)) throw forbidden();
      if (t.status !== 'open') throw notOpen();
      const spec = TASKS[t.type as TaskType] as (typeof TASKS)[TaskType] | undefined;
      if (!spec) throw businessRule('Este tipo de tarea no se completa desde la bandeja');
      const parsed = spec.form.safeParse(body.form);
      if (!parsed.success) {
        const fields = Object.fromEntries(
          Object.entries(fieldErrors(parsed.error)).map(([k, v]) => [
            k === '(body)' ? 'form' : `form.${k}`,
            v,
          ]),
        );
        throw new ApiError(400, 'invalid_form', 'El formulario tiene errores', fields);
      }
      const result = await deps.temporal.workflow
        .getHandle(t.workflowId)
        .executeUpdate(completeTaskUpdate, {
          args: [
            { taskId: t.id, actor: { id: principal.id, role: principal.role }, form: body.form },
          ],
        });
      await audit(prisma, req, principal, {
        action: 'task.complete',
        entity: 'task',
        entityId: t.id,
        before: { status: t.status },
        after: { status: result.status },
      });
      return { status: 200, body: result };
    }),
  ];
}
