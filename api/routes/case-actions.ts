/**
 * What people do to a running case and how they read its history: the timeline, the manager's
 * actions (assign, hold, resume, close), disputes and the lawful steps around them (irregular
 * reconnection, excepciones and their ruling, the debtor's acknowledgement). Every action is an
 * update on the case workflow (`Case.workflowId`), so the caller gets the case as it stands
 * afterwards, or the workflow's refusal as a 4xx (api/errors.ts maps it by type), at once.
 */
import type { Client } from '@temporalio/client';
import type { Request } from 'express';
import { z } from 'zod';
import { toLocalDate } from '../../domain/calendar.js';
import { CASE_STAGES, CLOSE_REASONS } from '../../domain/case.js';
import { EXCEPTIONS_OUTCOMES } from '../../domain/lifecycle.js';
import { TASK_ROLES, TASK_TYPES } from '../../domain/tasks.js';
import { moneyStringSchema, toDecimalString } from '../../domain/money.js';
import type { Case } from '../../prisma/generated/client.js';
import { timelinePage } from '../timeline.js';
import {
  acknowledgeDebtUpdate,
  caseViewQuery,
  closeCaseUpdate,
  fileExceptionsUpdate,
  holdCaseUpdate,
  openDisputeUpdate,
  reassignCaseUpdate,
  reportIrregularReconnectionUpdate,
  resolveDisputeUpdate,
  resumeCaseUpdate,
  ruleExceptionsUpdate,
  type Actor,
  type CaseView,
} from '../../workflows/messages.js';
import { audit } from '../audit.js';
import { ROLES } from '../../domain/roles.js';
import type { Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { ApiError, businessRule, conflict, notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import {
  caseExceptionsBody,
  caseExceptionsSchema,
  errorBodySchema,
  idParamsSchema,
  instantSchema,
  localDateSchema,
  moneySchema,
  pageSchema,
} from '../schemas.js';
import { caseScope } from './cases.js';

const stageSchema = z.enum(CASE_STAGES);

/** The case as its workflow answers it (`caseViewQuery`), money as decimal strings. */
export const caseViewSchema = z
  .object({
    caseId: z.uuid(),
    accountNumber: z.string(),
    stage: stageSchema,
    status: z.enum(['open', 'closed']),
    balance: moneySchema,
    openingBalance: moneySchema,
    paid: moneySchema.meta({ description: 'Pagos aplicados desde que se abrió el caso' }),
    paymentsApplied: z.int(),
    closeReason: z.enum(CLOSE_REASONS).nullable(),
    closedAt: instantSchema.nullable(),
    onHold: z.boolean(),
    disputed: z.boolean(),
    service: z.enum(['active', 'suspended']),
    agreementId: z.uuid().nullable().meta({ description: 'Convenio en trámite o vigente' }),
    openTasks: z.array(
      z.object({
        taskId: z.uuid(),
        type: z.enum(TASK_TYPES as [string, ...string[]]),
        role: z.enum(TASK_ROLES),
        dueAt: instantSchema,
      }),
    ),
    nextDeadline: z.object({ what: z.string(), at: instantSchema }).nullable(),
    prescribesOn: localDateSchema.nullable().meta({
      description:
        'Fecha en que prescribe la deuda, contando las interrupciones registradas; null si no se sigue',
    }),
    exceptions: caseExceptionsSchema.nullable().meta({ description: 'null si no hay' }),
  })
  .meta({ id: 'CaseView' });
export type CaseViewBody = z.infer<typeof caseViewSchema>;

/** What every case action answers: the case view after it, with the collector in charge. */
export const caseActionResultSchema = z.object({
  case: caseViewSchema,
  assignedCollector: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
});

export function caseViewBody(v: CaseView): CaseViewBody {
  return {
    caseId: v.caseId,
    accountNumber: v.accountNumber,
    stage: v.stage,
    status: v.status,
    balance: toDecimalString(v.balanceCents),
    openingBalance: toDecimalString(v.openingBalanceCents),
    paid: toDecimalString(v.paidCents),
    paymentsApplied: v.paymentsApplied,
    closeReason: v.closeReason,
    closedAt: v.closedAt,
    onHold: v.onHold ?? false,
    disputed: v.disputed ?? false,
    service: v.service ?? 'active',
    agreementId: v.agreementId ?? null,
    openTasks: (v.openTasks ?? []).map((t) => ({ ...t })),
    nextDeadline: v.nextDeadline ?? null,
    // Optional in the workflow's answer (older runs do not report them).
    prescribesOn: v.prescribesOn ?? null,
    exceptions: caseExceptionsBody(v.exceptions),
  };
}

export const reasonBodySchema = z.object({
  reason: z.string().trim().min(1, 'indique el motivo').max(2000),
});
export const assignBodySchema = z.object({ collectorId: z.uuid() });
export const closeBodySchema = z.object({
  reason: z
    .enum(['written_off', 'billing_error', 'prescribed', 'cancelled'])
    .meta({ description: 'written_off: incobrable; billing_error; prescribed: prescrita' }),
  note: z.string().trim().min(1, 'indique el fundamento del cierre').max(2000),
});
/** Who may close a case for each reason: a prescribed debt is the legal unit's call. */
export const CLOSE_ROLES = {
  written_off: ['manager'],
  billing_error: ['manager'],
  cancelled: ['manager'],
  prescribed: ['legal', 'admin'],
} as const satisfies Record<
  z.infer<typeof closeBodySchema>['reason'],
  readonly Principal['role'][]
>;

/** A few minutes of clock difference between a phone in the field and the server. */
const CLOCK_SKEW_MS = 5 * 60_000;
const notFutureInstant = instantSchema.refine(
  (v) => Date.parse(v) <= Date.now() + CLOCK_SKEW_MS,
  'no puede ser posterior a este momento',
);
/** A LocalDate on or before today in Guayaquil. */
const notFutureDate = localDateSchema.refine(
  (d) => d <= toLocalDate(new Date()),
  'no puede ser una fecha futura',
);
const requiredText = (message: string, max = 2000) => z.string().trim().min(1, message).max(max);

export const irregularReconnectionBodySchema = z.object({
  foundAt: notFutureInstant.meta({
    description: 'Cuándo la visita encontró el servicio reconectado sin autorización',
  }),
  note: requiredText('describa lo encontrado'),
  photoUrl: z
    .url('enlace inválido')
    .max(2000)
    .optional()
    .meta({ description: 'Foto de evidencia' }),
  gps: z
    .object({
      lat: z.number().min(-90, 'latitud inválida').max(90, 'latitud inválida'),
      lng: z.number().min(-180, 'longitud inválida').max(180, 'longitud inválida'),
    })
    .optional()
    .meta({ description: 'Dónde se tomó la evidencia' }),
  sealNumber: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .optional()
    .meta({ description: 'Sello encontrado roto o retirado' }),
});
export type IrregularReconnectionBody = z.infer<typeof irregularReconnectionBodySchema>;

export const fileExceptionsBodySchema = z.object({
  filedOn: notFutureDate.meta({ description: 'Fecha en que el deudor presentó las excepciones' }),
  court: requiredText('indique el juzgado o unidad judicial', 200),
  processNumber: requiredText('indique el número de proceso', 60),
  grounds: requiredText('indique los fundamentos de las excepciones'),
});
export type FileExceptionsBody = z.infer<typeof fileExceptionsBodySchema>;

export const ruleExceptionsBodySchema = z
  .object({
    outcome: z.enum(EXCEPTIONS_OUTCOMES).meta({
      description:
        'upheld: la deuda cae y el caso se cierra; partially_upheld: queda un saldo menor; rejected: la coactiva continúa',
    }),
    ruledOn: notFutureDate.meta({ description: 'Fecha de la resolución' }),
    note: requiredText('indique lo resuelto'),
    remainingBalance: moneyStringSchema
      .refine((c) => c > 0, 'debe ser mayor que cero')
      .optional()
      .meta({ description: 'Solo con partially_upheld: lo que el deudor aún debe' }),
  })
  .superRefine((b, ctx) => {
    if (b.outcome === 'partially_upheld' && b.remainingBalance === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['remainingBalance'],
        message: 'indique el saldo que queda tras la resolución',
      });
    if (b.outcome !== 'partially_upheld' && b.remainingBalance !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['remainingBalance'],
        message: 'solo se indica cuando se aceptan en parte',
      });
  });
export type RuleExceptionsBody = z.infer<typeof ruleExceptionsBodySchema>;

export const acknowledgeDebtBodySchema = z.object({
  on: notFutureDate.meta({ description: 'Fecha del reconocimiento escrito de la deuda' }),
  note: requiredText('indique el documento o las circunstancias del reconocimiento'),
});
export type AcknowledgeDebtBody = z.infer<typeof acknowledgeDebtBodySchema>;

export const resolveDisputeBodySchema = z.object({
  outcome: z.enum(['upheld', 'rejected']).meta({
    description: 'upheld: el usuario tenía razón y el caso se cierra; rejected: el proceso sigue',
  }),
  note: z.string().trim().min(1, 'indique la resolución').max(2000),
});

export const timelineQuerySchema = z.object({
  type: z
    .string()
    .trim()
    .min(1)
    .max(60)
    .optional()
    .meta({ description: 'Solo eventos de un tipo' }),
  page: pageSchema,
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const timelineEventSchema = z.object({
  id: z.string(),
  occurredAt: instantSchema,
  type: z.string(),
  stage: stageSchema,
  actor: z.object({
    id: z.string().meta({ description: 'Id del usuario, o el sistema (`system`, `billing`…)' }),
    kind: z.enum(['user', 'system']),
    displayName: z.string(),
  }),
  reason: z.string().nullable(),
  data: z.unknown().meta({ description: 'Detalle del evento: montos, documentos, evidencias' }),
});

export const timelineSchema = z.object({
  items: z.array(timelineEventSchema),
  total: z.int(),
  page: z.int(),
  pageSize: z.int(),
});

/** Names of the systems that appear as event actors. */
const SYSTEM_ACTORS: Record<string, string> = {
  system: 'Sistema',
  billing: 'Facturación',
  treasury: 'Tesorería',
  api: 'API',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const actorFor = (p: Principal): Actor => ({ id: p.id, role: p.role });

/** The case row if the principal may see it (404 otherwise, so existence does not leak). */
export async function visibleCase(deps: AppDeps, principal: Principal, id: string): Promise<Case> {
  const c = await deps.prisma.case.findFirst({ where: { AND: [{ id }, caseScope(principal)] } });
  if (!c) throw notFound('El caso');
  return c;
}

export function requireOpen(c: Case): void {
  if (c.status !== 'open') throw new ApiError(409, 'case_closed', 'El caso está cerrado');
}

/** How long a closing action waits for the workflow to finish before answering. */
const CLOSE_WAIT_MS = 10_000;

/** The case view once the workflow has closed the case (or as it stands after the wait). */
async function viewAfterClosing(temporal: Client, workflowId: string): Promise<CaseView> {
  const handle = temporal.workflow.getHandle(workflowId);
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), CLOSE_WAIT_MS);
  });
  try {
    const result = await Promise.race([
      (handle.result() as Promise<CaseView>).catch(() => null),
      waited,
    ]);
    return result ?? (await handle.query(caseViewQuery));
  } finally {
    clearTimeout(timer);
  }
}

/** The case view as its workflow answers it now. */
const viewOf = (deps: AppDeps, workflowId: string) =>
  deps.temporal.workflow.getHandle(workflowId).query(caseViewQuery);

const collectorOf = (deps: AppDeps, caseId: string) =>
  deps.prisma.case
    .findUniqueOrThrow({
      where: { id: caseId },
      select: { assignedCollector: { select: { id: true, displayName: true } } },
    })
    .then((c) => c.assignedCollector);

/** Who acts, from where, on which case. */
export interface CaseActionInput {
  principal: Principal;
  req: Request;
  caseId: string;
}

/**
 * Runs one action on a visible, open case: the view before, the update, the view after
 * (`closes`: the action may end the workflow), the audit entry, the answer.
 */
async function act(
  deps: AppDeps,
  input: CaseActionInput,
  action: string,
  run: (c: Case, actor: Actor) => Promise<unknown>,
  opts: { closes?: boolean; detail?: Record<string, unknown> } = {},
) {
  const c = await visibleCase(deps, input.principal, input.caseId);
  requireOpen(c);
  const before = await viewOf(deps, c.workflowId);
  await run(c, actorFor(input.principal));
  const after = opts.closes
    ? await viewAfterClosing(deps.temporal, c.workflowId)
    : await viewOf(deps, c.workflowId);
  const body = { case: caseViewBody(after), assignedCollector: await collectorOf(deps, c.id) };
  await audit(deps.prisma, input.req, input.principal, {
    action,
    entity: 'case',
    entityId: c.id,
    before: { ...caseViewBody(before), ...(opts.detail ? { request: opts.detail } : {}) },
    after: body,
  });
  return { status: 200 as const, body };
}

/**
 * Assigns an open case to an active collector through the case workflow's `reassignCase`
 * update (the workflow moves the open tasks and records the timeline event), audited as
 * `case.assign`. The one code path for POST /api/cases/:id/assign and portfolio moves.
 * @throws ApiError 404 (case not visible), 409 (closed, or already that collector's), 422
 * (not an active collector).
 */
export async function assignCase(deps: AppDeps, input: CaseActionInput, collectorId: string) {
  requireOpen(await visibleCase(deps, input.principal, input.caseId));
  const collector = await deps.prisma.user.findUnique({ where: { id: collectorId } });
  if (!collector || collector.role !== 'collector' || !collector.active)
    throw businessRule('El usuario indicado no es un gestor activo');
  return act(
    deps,
    input,
    'case.assign',
    async (c, actor) => {
      if (c.assignedCollectorId === collectorId)
        throw conflict('El caso ya está asignado a ese gestor');
      await deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(reassignCaseUpdate, {
        args: [{ actor, collectorId }],
      });
    },
    { detail: { collectorId } },
  );
}

export function caseActionRoutes(deps: AppDeps): Route[] {
  const actionResponses = {
    200: caseActionResultSchema,
    404: errorBodySchema,
    409: errorBodySchema,
    422: errorBodySchema,
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/cases/:id/timeline',
      summary: 'Cronología del caso, lo más reciente primero',
      description:
        'Cada evento con fecha, actor (nombre del usuario o del sistema), etapa, tipo, motivo y detalle. Visible para quien ve el caso.',
      tags: ['casos'],
      roles: ROLES,
      request: { params: idParamsSchema, query: timelineQuerySchema },
      responses: { 200: timelineSchema, 404: errorBodySchema },
    }).handle(async ({ params, query: q, principal }) => {
      const c = await visibleCase(deps, principal, params.id);
      const where = { caseId: c.id, ...(q.type ? { type: q.type } : {}) };
      const [total, rows] = await Promise.all([
        deps.prisma.caseEvent.count({ where }),
        timelinePage(
          deps.prisma,
          { caseId: c.id, type: q.type },
          { skip: (q.page - 1) * q.pageSize, take: q.pageSize },
        ),
      ]);
      const userIds = [...new Set(rows.map((e) => e.actor).filter((a) => UUID.test(a)))];
      const users = new Map(
        (
          await deps.prisma.user.findMany({
            where: { id: { in: userIds } },
            select: { id: true, displayName: true },
          })
        ).map((u) => [u.id, u.displayName]),
      );
      return {
        status: 200,
        body: {
          items: rows.map((e) => {
            const name = users.get(e.actor);
            return {
              id: e.id.toString(),
              occurredAt: e.occurredAt.toISOString(),
              type: e.type,
              stage: e.stage,
              actor: name
                ? { id: e.actor, kind: 'user' as const, displayName: name }
                : {
                    id: e.actor,
                    kind: UUID.test(e.actor) ? ('user' as const) : ('system' as const),
                    displayName: SYSTEM_ACTORS[e.actor] ?? e.actor,
                  },
              reason: e.reason,
              data: e.data,
            };
          }),
          total,
          page: q.page,
          pageSize: q.pageSize,
        },
      };
    }),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/assign',
      summary: 'Asignar o reasignar el caso a un gestor',
      description:
        'Las tareas abiertas del gestor pasan al nuevo. 422 si el usuario no es un gestor activo; 409 si ya lo tiene asignado o el caso está cerrado.',
      tags: ['casos'],
      roles: ['manager'],
      request: { params: idParamsSchema, body: assignBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      assignCase(deps, { principal, req, caseId: params.id }, body.collectorId),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/hold',
      summary: 'Poner el caso en espera (se detiene la escalada)',
      description: 'Un convenio vigente sigue vigilando sus cuotas. 409 si ya está en espera.',
      tags: ['casos'],
      roles: ['manager'],
      request: { params: idParamsSchema, body: reasonBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(deps, { principal, req, caseId: params.id }, 'case.hold', (c, actor) =>
        deps.temporal.workflow
          .getHandle(c.workflowId)
          .executeUpdate(holdCaseUpdate, { args: [{ actor, reason: body.reason }] }),
      ),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/resume',
      summary: 'Reanudar un caso en espera',
      description: '409 si el caso no está en espera.',
      tags: ['casos'],
      roles: ['manager'],
      request: { params: idParamsSchema, body: reasonBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(deps, { principal, req, caseId: params.id }, 'case.resume', (c, actor) =>
        deps.temporal.workflow
          .getHandle(c.workflowId)
          .executeUpdate(resumeCaseUpdate, { args: [{ actor, reason: body.reason }] }),
      ),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/close',
      summary: 'Cerrar el caso con un motivo',
      description:
        'Retira las tareas abiertas y un convenio en curso; responde con el caso ya cerrado (o como esté tras unos segundos). Supervisión cierra por incobrable, error de facturación o anulación; solo asesoría jurídica (o administración) por prescripción: 403 en otro caso.',
      tags: ['casos'],
      roles: ['manager', 'legal', 'admin'],
      request: { params: idParamsSchema, body: closeBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(
        deps,
        { principal, req, caseId: params.id },
        'case.close',
        async (c, actor) => {
          // Prescription is a legal judgement; the other reasons stay with supervision. The
          // workflow checks the same (a 403 from either).
          if (!(CLOSE_ROLES[body.reason] as readonly string[]).includes(principal.role))
            throw new ApiError(
              403,
              'forbidden',
              body.reason === 'prescribed'
                ? 'Solo asesoría jurídica puede cerrar un caso por prescripción'
                : 'Solo supervisión puede cerrar un caso por ese motivo',
            );
          await deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(closeCaseUpdate, {
            args: [{ actor, reason: body.reason, note: body.note }],
          });
        },
        { closes: true, detail: { reason: body.reason, note: body.note } },
      ),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/disputes',
      summary: 'Registrar un reclamo del usuario (detiene la escalada)',
      description:
        'El gestor del caso, supervisión o jurídico (en casos escalados). 409 si ya hay un reclamo abierto.',
      tags: ['casos'],
      roles: ['collector', 'manager', 'legal'],
      request: { params: idParamsSchema, body: reasonBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(deps, { principal, req, caseId: params.id }, 'case.dispute_open', (c, actor) =>
        deps.temporal.workflow
          .getHandle(c.workflowId)
          .executeUpdate(openDisputeUpdate, { args: [{ actor, reason: body.reason }] }),
      ),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/disputes/resolve',
      summary: 'Resolver el reclamo abierto',
      description:
        'upheld: el caso se cierra (reclamo ganado); rejected: el proceso continúa. 409 si no hay reclamo abierto.',
      tags: ['casos'],
      roles: ['manager', 'legal'],
      request: { params: idParamsSchema, body: resolveDisputeBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(
        deps,
        { principal, req, caseId: params.id },
        'case.dispute_resolve',
        (c, actor) =>
          deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(resolveDisputeUpdate, {
            args: [{ actor, outcome: body.outcome, note: body.note }],
          }),
        { closes: body.outcome === 'upheld', detail: { outcome: body.outcome } },
      ),
    ),

    defineRoute({
      method: 'get',
      path: '/api/cases/:id/view',
      summary: 'El caso según su flujo: etapa, servicio, prescripción, excepciones, tareas',
      description:
        'Lo que responde el flujo del caso ahora (la misma forma que devuelven las acciones). 409 si el flujo ya no está en curso.',
      tags: ['casos'],
      roles: ROLES,
      request: { params: idParamsSchema },
      responses: { 200: caseActionResultSchema, 404: errorBodySchema, 409: errorBodySchema },
    }).handle(async ({ params, principal }) => {
      const c = await visibleCase(deps, principal, params.id);
      const view = await viewOf(deps, c.workflowId);
      return {
        status: 200,
        body: { case: caseViewBody(view), assignedCollector: await collectorOf(deps, c.id) },
      };
    }),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/irregular-reconnection',
      summary: 'Reportar una reconexión irregular (regularización)',
      description:
        'El gestor o la cuadrilla encontró el servicio reconectado sin autorización: se registra la evidencia, se carga la multa en facturación y el caso vuelve a una orden de corte. 422 si el servicio no consta como suspendido.',
      tags: ['casos'],
      roles: ['collector', 'manager'],
      request: { params: idParamsSchema, body: irregularReconnectionBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(
        deps,
        { principal, req, caseId: params.id },
        'case.irregular_reconnection',
        (c, actor) =>
          deps.temporal.workflow
            .getHandle(c.workflowId)
            .executeUpdate(reportIrregularReconnectionUpdate, { args: [{ actor, ...body }] }),
        { detail: { ...body } },
      ),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/exceptions',
      summary: 'Registrar excepciones presentadas ante un juez (COA art. 329)',
      description:
        'La coactiva y sus medidas cautelares quedan en pausa hasta la resolución. 409 si ya hay excepciones pendientes; 422 si el caso no está en coactiva.',
      tags: ['casos', 'jurídico'],
      roles: ['legal'],
      request: { params: idParamsSchema, body: fileExceptionsBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(
        deps,
        { principal, req, caseId: params.id },
        'case.exceptions_file',
        (c, actor) =>
          deps.temporal.workflow
            .getHandle(c.workflowId)
            .executeUpdate(fileExceptionsUpdate, { args: [{ actor, ...body }] }),
        { detail: { ...body } },
      ),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/exceptions/ruling',
      summary: 'Registrar la resolución del juez sobre las excepciones',
      description:
        'upheld: la deuda cae y el caso se cierra; partially_upheld: el saldo baja a `remainingBalance` y la coactiva continúa; rejected: la coactiva continúa. 409 si no hay excepciones pendientes.',
      tags: ['casos', 'jurídico'],
      roles: ['legal'],
      request: { params: idParamsSchema, body: ruleExceptionsBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(
        deps,
        { principal, req, caseId: params.id },
        'case.exceptions_ruling',
        (c, actor) =>
          deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(ruleExceptionsUpdate, {
            args: [
              {
                actor,
                outcome: body.outcome,
                ruledOn: body.ruledOn,
                note: body.note,
                ...(body.remainingBalance !== undefined
                  ? { remainingBalanceCents: body.remainingBalance }
                  : {}),
              },
            ],
          }),
        {
          closes: body.outcome === 'upheld',
          detail: {
            outcome: body.outcome,
            ruledOn: body.ruledOn,
            note: body.note,
            ...(body.remainingBalance !== undefined
              ? { remainingBalance: toDecimalString(body.remainingBalance) }
              : {}),
          },
        },
      ),
    ),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/acknowledgement',
      summary: 'Registrar el reconocimiento escrito de la deuda',
      description:
        'El deudor reconoció la deuda por escrito: la prescripción vuelve a contar desde esa fecha.',
      tags: ['casos'],
      roles: ['collector', 'legal', 'manager'],
      request: { params: idParamsSchema, body: acknowledgeDebtBodySchema },
      responses: actionResponses,
    }).handle(({ params, body, principal, req }) =>
      act(
        deps,
        { principal, req, caseId: params.id },
        'case.debt_acknowledged',
        (c, actor) =>
          deps.temporal.workflow
            .getHandle(c.workflowId)
            .executeUpdate(acknowledgeDebtUpdate, { args: [{ actor, ...body }] }),
        { detail: { ...body } },
      ),
    ),
  ];
}
