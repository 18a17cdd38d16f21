/**
 * Payment agreements (convenios de pago): simulate terms against the policy, propose them on a
 * case (the case workflow's `proposeAgreement` update starts the agreement child), approve or
 * reject them (the manager's `approve_agreement` task, completed on the workflow that owns
 * it), and read them with their instalments. The rules are domain/agreement.ts's, with the
 * account's broken agreements weighed (policy `agreement.afterBroken`).
 */
import type { Request } from 'express';
import { z } from 'zod';
import {
  AGREEMENT_STATUSES,
  DOWN_PAYMENT_NUMBER,
  planAgreement,
  type AgreementHistory,
  type AgreementStatus,
  type AgreementTerms,
} from '../../domain/agreement.js';
import { toLocalDate } from '../../domain/calendar.js';
import { nonNegativeMoneyStringSchema, toDecimalString } from '../../domain/money.js';
import { policySchema, type Policy } from '../../domain/policy.js';
import type { Case } from '../../prisma/generated/client.js';
import {
  caseViewQuery,
  completeTaskUpdate,
  proposeAgreementUpdate,
} from '../../workflows/messages.js';
import { audit } from '../audit.js';
import { ROLES } from '../../domain/roles.js';
import type { Principal } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { businessRule, conflict, notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import {
  errorBodySchema,
  idParamsSchema,
  instantSchema,
  localDateSchema,
  moneySchema,
} from '../schemas.js';
import { actorFor, caseViewBody, requireOpen, visibleCase } from './case-actions.js';

const termsFields = {
  downPayment: nonNegativeMoneyStringSchema.meta({
    description: 'Entrada, p. ej. "50.00" (mínimo según la política)',
  }),
  instalments: z.int().min(1).max(600).meta({ description: 'Número de cuotas mensuales' }),
  firstDueOn: localDateSchema
    .optional()
    .meta({ description: 'Vencimiento de la primera cuota; por omisión, un intervalo desde hoy' }),
};

export const simulateBodySchema = z.object({ caseId: z.uuid(), ...termsFields });
export const proposeBodySchema = z.object(termsFields);

export const simulationSchema = z.object({
  caseId: z.uuid(),
  policyVersion: z.int(),
  balance: moneySchema.meta({ description: 'Saldo actual del caso' }),
  downPayment: moneySchema,
  financed: moneySchema,
  interest: moneySchema,
  total: moneySchema.meta({ description: 'Saldo + intereses del convenio' }),
  annualRateBp: z.int().meta({ description: 'Tasa anual en puntos básicos (100 = 1 %)' }),
  schedule: z.array(
    z.object({
      number: z.int().meta({ description: '0: la entrada; 1…: cuotas' }),
      dueOn: localDateSchema,
      principal: moneySchema,
      interest: moneySchema,
      amount: moneySchema,
    }),
  ),
  needsManagerApproval: z.boolean(),
  needsNotarisedSignature: z.boolean(),
});

export const proposalSchema = z.object({
  agreementId: z.uuid(),
  needsManagerApproval: z.boolean(),
  needsNotarisedSignature: z.boolean(),
});

const personSchema = z.object({
  id: z.string().meta({ description: 'Id del usuario, o `system`' }),
  displayName: z.string().nullable(),
});

export const agreementSchema = z
  .object({
    id: z.uuid(),
    caseId: z.uuid(),
    status: z.enum(AGREEMENT_STATUSES),
    total: moneySchema,
    downPayment: moneySchema,
    interest: moneySchema,
    instalmentsCount: z.int(),
    proposedBy: personSchema,
    approvedBy: personSchema.nullable(),
    notarised: z.boolean(),
    createdAt: instantSchema,
    updatedAt: instantSchema,
    instalments: z.array(
      z.object({
        number: z.int().meta({ description: '0: la entrada; 1…: cuotas' }),
        dueOn: localDateSchema,
        amount: moneySchema,
        paid: moneySchema,
        status: z.enum(['pending', 'partial', 'paid', 'missed']),
      }),
    ),
  })
  .meta({ id: 'Agreement' });
export type AgreementBody = z.infer<typeof agreementSchema>;

export const decisionResultSchema = z.object({
  taskId: z.uuid(),
  agreement: agreementSchema,
});

export const approveBodySchema = z.object({ note: z.string().trim().max(2000).optional() });
export const rejectBodySchema = z.object({
  reason: z.string().trim().min(1, 'indique el motivo del rechazo').max(2000),
});

/** How long approve/reject wait for the agreement row to show the decision. */
const DECISION_WAIT_MS = 5_000;

const BROKEN: AgreementStatus = 'broken';

const termsOf = (b: z.output<typeof proposeBodySchema>): AgreementTerms => ({
  downPaymentCents: b.downPayment,
  instalments: b.instalments,
  ...(b.firstDueOn ? { firstDueOn: b.firstDueOn } : {}),
});

export function agreementRoutes(deps: AppDeps): Route[] {
  /** The policy the case runs under (a case keeps the version it opened with). */
  async function policyOf(c: Case): Promise<{ version: number; policy: Policy }> {
    const current = await deps.policy();
    if (current.version === c.policyVersion) return current;
    const row = await deps.prisma.policyVersion.findUnique({ where: { version: c.policyVersion } });
    return row ? { version: row.version, policy: policySchema.parse(row.document) } : current;
  }

  /**
   * The account's record for planAgreement: its agreements, in any of its cases (this one
   * included), that were broken (the Agreement row's status, set with the agreement_broken
   * event).
   */
  async function historyOf(c: Case): Promise<AgreementHistory> {
    const cases = await deps.prisma.case.findMany({
      where: { accountId: c.accountId },
      select: { id: true },
    });
    const brokenAgreements = await deps.prisma.agreement.count({
      where: { caseId: { in: cases.map((x) => x.id) }, status: BROKEN },
    });
    return { brokenAgreements };
  }

  async function names(ids: (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((x): x is string => !!x && UUID.test(x)))];
    if (wanted.length === 0) return new Map();
    const users = await deps.prisma.user.findMany({
      where: { id: { in: wanted } },
      select: { id: true, displayName: true },
    });
    return new Map(users.map((u) => [u.id, u.displayName]));
  }

  async function agreementBodies(where: { id: string } | { caseId: string }) {
    const rows = await deps.prisma.agreement.findMany({
      where,
      include: { instalments: { orderBy: { number: 'asc' } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    });
    const who = await names(rows.flatMap((a) => [a.proposedBy, a.approvedBy]));
    const person = (id: string) => ({ id, displayName: who.get(id) ?? null });
    return rows.map((a): AgreementBody => ({
      id: a.id,
      caseId: a.caseId,
      status: a.status as AgreementBody['status'],
      total: toDecimalString(a.totalCents),
      downPayment: toDecimalString(a.downPaymentCents),
      interest: toDecimalString(a.interestCents),
      instalmentsCount: a.instalmentsCount,
      proposedBy: person(a.proposedBy),
      approvedBy: a.approvedBy ? person(a.approvedBy) : null,
      notarised: a.notarised,
      createdAt: a.createdAt.toISOString(),
      updatedAt: a.updatedAt.toISOString(),
      instalments: a.instalments.map((i) => ({
        number: i.number,
        dueOn: i.dueOn.toISOString().slice(0, 10),
        amount: toDecimalString(i.amountCents),
        paid: toDecimalString(i.paidCents),
        status: i.status as AgreementBody['instalments'][number]['status'],
      })),
    }));
  }

  async function oneAgreement(id: string): Promise<AgreementBody | null> {
    return (await agreementBodies({ id }))[0] ?? null;
  }

  /** The agreement, if the principal may see its case (404 otherwise). */
  async function visibleAgreement(principal: Principal, id: string) {
    const a = await oneAgreement(id);
    if (!a) throw notFound('El convenio');
    const c = await visibleCase(deps, principal, a.caseId).catch(() => {
      throw notFound('El convenio');
    });
    return { agreement: a, case: c };
  }

  /**
   * Completes the agreement's open `approve_agreement` task on the workflow that owns it, then
   * waits briefly for the agreement row to record the decision.
   */
  async function decide(
    principal: Principal,
    req: Request,
    agreementId: string,
    form: { decision: 'approve'; note?: string } | { decision: 'reject'; reason: string },
  ) {
    const { agreement: before, case: c } = await visibleAgreement(principal, agreementId);
    requireOpen(c);
    const task = await deps.prisma.task.findFirst({
      where: {
        caseId: c.id,
        type: 'approve_agreement',
        status: 'open',
        payload: { path: ['agreementId'], equals: agreementId },
      },
    });
    if (!task) throw conflict('El convenio no está pendiente de aprobación');
    await deps.temporal.workflow.getHandle(task.workflowId).executeUpdate(completeTaskUpdate, {
      args: [{ taskId: task.id, actor: actorFor(principal), form }],
    });
    const deadline = Date.now() + DECISION_WAIT_MS;
    let after = (await oneAgreement(agreementId)) ?? before;
    while (after.status === 'proposed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await oneAgreement(agreementId)) ?? before;
    }
    await audit(deps.prisma, req, principal, {
      action: form.decision === 'approve' ? 'agreement.approve' : 'agreement.reject',
      entity: 'agreement',
      entityId: agreementId,
      before,
      after: { ...after, taskId: task.id, form },
    });
    return { status: 200 as const, body: { taskId: task.id, agreement: after } };
  }

  return [
    defineRoute({
      method: 'post',
      path: '/api/agreements/simulate',
      summary: 'Simular un convenio: cuotas, fechas, intereses, o la regla que incumple',
      description:
        'Con el saldo actual del caso, la política con la que corre el caso y los convenios incumplidos de la cuenta (más entrada, o ningún convenio nuevo, según la política). No guarda nada. 422 con el motivo si los términos no caben en la política.',
      tags: ['convenios'],
      roles: ['collector', 'manager', 'legal'],
      request: { body: simulateBodySchema },
      responses: {
        200: simulationSchema,
        404: errorBodySchema,
        409: errorBodySchema,
        422: errorBodySchema,
      },
    }).handle(async ({ body, principal }) => {
      const c = await visibleCase(deps, principal, body.caseId);
      requireOpen(c);
      const { version, policy } = await policyOf(c);
      const now = new Date();
      const check = planAgreement(termsOf(body), c.balanceCents, policy, now, await historyOf(c));
      if (!check.ok) throw businessRule(check.reason);
      const p = check.plan;
      const schedule = [
        ...(p.downPaymentCents > 0
          ? [
              {
                number: DOWN_PAYMENT_NUMBER,
                dueOn: toLocalDate(now),
                principal: toDecimalString(p.downPaymentCents),
                interest: '0.00',
                amount: toDecimalString(p.downPaymentCents),
              },
            ]
          : []),
        ...p.schedule.map((i) => ({
          number: i.number,
          dueOn: toLocalDate(new Date(i.dueAt)),
          principal: toDecimalString(i.principalCents),
          interest: toDecimalString(i.interestCents),
          amount: toDecimalString(i.amountCents),
        })),
      ];
      return {
        status: 200,
        body: {
          caseId: c.id,
          policyVersion: version,
          balance: toDecimalString(p.balanceCents),
          downPayment: toDecimalString(p.downPaymentCents),
          financed: toDecimalString(p.financedCents),
          interest: toDecimalString(p.interestCents),
          total: toDecimalString(p.totalCents),
          annualRateBp: p.annualRateBp,
          schedule,
          needsManagerApproval: p.needsManagerApproval,
          needsNotarisedSignature: p.needsNotarisedSignature,
        },
      };
    }),

    defineRoute({
      method: 'post',
      path: '/api/cases/:id/agreements',
      summary: 'Proponer un convenio de pago para el caso',
      description:
        'El gestor del caso o supervisión. Por encima del límite del gestor, supervisión lo aprueba (tarea approve_agreement); los grandes requieren firma notarizada. 409 si ya hay un convenio en trámite o vigente o el caso está cerrado; 422 si los términos no caben en la política (también por los convenios incumplidos de la cuenta) o el caso está en espera o en reclamo.',
      tags: ['convenios'],
      roles: ['collector', 'manager'],
      request: { params: idParamsSchema, body: proposeBodySchema },
      responses: {
        201: proposalSchema,
        404: errorBodySchema,
        409: errorBodySchema,
        422: errorBodySchema,
      },
    }).handle(async ({ params, body, principal, req }) => {
      const c = await visibleCase(deps, principal, params.id);
      requireOpen(c);
      const terms = termsOf(body);
      // The case workflow validates the terms; the account's broken agreements are known here.
      // Only a refusal the history alone causes is answered here, so every other reason stays
      // the workflow's (it has the current balance).
      const { policy } = await policyOf(c);
      const now = new Date();
      const weighed = planAgreement(terms, c.balanceCents, policy, now, await historyOf(c));
      if (!weighed.ok && planAgreement(terms, c.balanceCents, policy, now).ok) {
        throw businessRule(weighed.reason);
      }
      const handle = deps.temporal.workflow.getHandle(c.workflowId);
      const before = await handle.query(caseViewQuery);
      const result = await handle.executeUpdate(proposeAgreementUpdate, {
        args: [{ actor: actorFor(principal), terms }],
      });
      await audit(deps.prisma, req, principal, {
        action: 'agreement.propose',
        entity: 'agreement',
        entityId: result.agreementId,
        before: { case: caseViewBody(before) },
        after: { caseId: c.id, terms, ...result },
      });
      return { status: 201, body: { ...result } };
    }),

    defineRoute({
      method: 'post',
      path: '/api/agreements/:id/approve',
      summary: 'Aprobar un convenio pendiente (completa su tarea approve_agreement)',
      description:
        'Atajo de POST /api/tasks/:id/complete sobre la tarea de aprobación abierta del convenio. 409 si no está pendiente de aprobación.',
      tags: ['convenios'],
      roles: ['manager'],
      request: { params: idParamsSchema, body: approveBodySchema },
      responses: { 200: decisionResultSchema, 404: errorBodySchema, 409: errorBodySchema },
    }).handle(({ params, body, principal, req }) =>
      decide(principal, req, params.id, {
        decision: 'approve',
        ...(body.note ? { note: body.note } : {}),
      }),
    ),

    defineRoute({
      method: 'post',
      path: '/api/agreements/:id/reject',
      summary: 'Rechazar un convenio pendiente (completa su tarea approve_agreement)',
      description:
        'El convenio queda rechazado y el caso sigue su curso. 409 si no está pendiente de aprobación.',
      tags: ['convenios'],
      roles: ['manager'],
      request: { params: idParamsSchema, body: rejectBodySchema },
      responses: { 200: decisionResultSchema, 404: errorBodySchema, 409: errorBodySchema },
    }).handle(({ params, body, principal, req }) =>
      decide(principal, req, params.id, { decision: 'reject', reason: body.reason }),
    ),

    defineRoute({
      method: 'get',
      path: '/api/agreements/:id',
      summary: 'Un convenio con su entrada y sus cuotas',
      tags: ['convenios'],
      roles: ROLES,
      request: { params: idParamsSchema },
      responses: { 200: agreementSchema, 404: errorBodySchema },
    }).handle(async ({ params, principal }) => {
      const { agreement } = await visibleAgreement(principal, params.id);
      return { status: 200, body: agreement };
    }),

    defineRoute({
      method: 'get',
      path: '/api/cases/:id/agreements',
      summary: 'Los convenios del caso, el más reciente primero, con sus cuotas',
      tags: ['convenios'],
      roles: ROLES,
      request: { params: idParamsSchema },
      responses: { 200: z.object({ items: z.array(agreementSchema) }), 404: errorBodySchema },
    }).handle(async ({ params, principal }) => {
      const c = await visibleCase(deps, principal, params.id);
      return { status: 200, body: { items: await agreementBodies({ caseId: c.id }) } };
    }),
  ];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
