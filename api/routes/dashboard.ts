/**
 * The managers' dashboard: the measures of DOMAIN.md computed in SQL (reports/kpis.ts) for a
 * period, a sector and a collector. Each figure that counts cases carries `drill`, the query of
 * GET /api/cases that lists the same cases (the web app links to `#/cases?<drill>`).
 */
import { z } from 'zod';
import { calendarDaysBetween, isLocalDate, toLocalDate } from '../../domain/calendar.js';
import { CASE_STAGES } from '../../domain/case.js';
import { toDecimalString } from '../../domain/money.js';
import {
  AGING_BUCKETS,
  aging,
  commitments,
  funnel,
  legalFigures,
  morosidad,
  productivity,
  reconnection,
  recovery,
  rollCure,
  suspensions,
  type KpiScope,
  type RollCureRow,
} from '../../reports/kpis.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import {
  CASE_WORKFLOW_TYPES,
  STOPPED_STATUSES,
  createExecutionHealth,
  type StoppedExecution,
} from '../metrics.js';
import { defineRoute, type Route } from '../route-table.js';
import { errorBodySchema, instantSchema, localDateSchema, moneySchema } from '../schemas.js';

/** Longest period asked at once (about ten years of months). */
const MAX_PERIOD_DAYS = 3_660;

export const dashboardQuerySchema = z
  .object({
    from: localDateSchema.optional().meta({
      description: 'Primer día del periodo; por omisión, el primero del mes cinco meses atrás',
    }),
    to: localDateSchema
      .optional()
      .meta({ description: 'Último día del periodo; por omisión, hoy' }),
    sector: z.string().trim().min(1).max(100).optional(),
    collectorId: z.uuid().optional().meta({ description: 'Solo los casos de este gestor' }),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    path: ['to'],
    message: 'debe ser igual o posterior a from',
  })
  .refine(
    // Refinements also run when a date failed its own check: only compare two valid dates.
    (q) =>
      !q.from ||
      !q.to ||
      !isLocalDate(q.from) ||
      !isLocalDate(q.to) ||
      calendarDaysBetween(q.from, q.to) <= MAX_PERIOD_DAYS,
    { path: ['from'], message: `el periodo no puede pasar de ${MAX_PERIOD_DAYS} días` },
  );
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;

const drillSchema = z
  .record(z.string(), z.string())
  .meta({ description: 'Consulta de GET /api/cases que lista los casos de la cifra' });
const rateSchema = z.number().min(0).max(1);

const rollCureRowSchema = z.object({
  cases: z
    .int()
    .meta({ description: 'Casos en mora al inicio del periodo (sin convenio vigente)' }),
  rolled: z.int().meta({ description: 'Siguen en mora al final, en un tramo peor' }),
  cured: z.int().meta({
    description: 'Cerrados como pagados, o con convenio vigente al final del periodo',
  }),
  closedOther: z.int().meta({ description: 'Cerrados por otra causa (castigo, anulación…)' }),
  rollRate: rateSchema.nullable(),
  cureRate: rateSchema.nullable(),
});

export const dashboardSchema = z.object({
  period: z.object({ from: localDateSchema, to: localDateSchema }),
  filters: z.object({ sector: z.string().nullable(), collectorId: z.uuid().nullable() }),
  morosidad: z
    .object({
      overdueBalance: moneySchema,
      portfolioBalance: moneySchema,
      index: rateSchema,
      drill: drillSchema,
    })
    .meta({
      description:
        'Índice de morosidad hoy: saldo vencido (incluida coactiva) ÷ saldo total de las planillas impagas',
    }),
  recovery: z
    .object({
      recovered: moneySchema,
      payments: z.int(),
      byMonth: z.array(z.object({ month: z.string().regex(/^\d{4}-\d{2}$/), amount: moneySchema })),
    })
    .meta({ description: 'Pagos aplicados a casos en el periodo, por mes' }),
  aging: z.array(
    z.object({
      bucket: z.enum(AGING_BUCKETS.map((b) => b.bucket) as [string, ...string[]]),
      cases: z.int(),
      balance: moneySchema,
      drill: drillSchema,
    }),
  ),
  funnel: z.array(
    z.object({
      stage: z.enum(CASE_STAGES),
      cases: z.int(),
      balance: moneySchema,
      drill: drillSchema,
    }),
  ),
  agreements: z
    .object({
      active: z.int(),
      paidOff: z.int(),
      broken: z.int(),
      complianceRate: rateSchema.nullable(),
      drill: drillSchema,
    })
    .meta({
      description:
        'Vigentes hoy; pagados e incumplidos en el periodo; cumplimiento = pagados ÷ (pagados + incumplidos)',
    }),
  promises: z
    .object({ kept: z.int(), broken: z.int(), keptRate: rateSchema.nullable() })
    .meta({ description: 'Promesas de pago vencidas en el periodo: cumplidas e incumplidas' }),
  reconnection: z
    .object({
      count: z.int(),
      avgHours: z.number().nullable(),
      maxHours: z.number().nullable(),
    })
    .meta({
      description: 'Reconexiones del periodo: horas desde el pago (o convenio) hasta la reconexión',
    }),
  rollCure: z
    .object({
      total: rollCureRowSchema,
      byBucket: z.array(
        rollCureRowSchema.extend({
          bucket: z.enum(AGING_BUCKETS.map((b) => b.bucket) as [string, ...string[]]),
        }),
      ),
    })
    .meta({
      description:
        'Rodamiento y cura: de los casos en mora al inicio del periodo (por su tramo de antigüedad entonces), cuántos pasaron a un tramo peor y cuántos se curaron (pagados o con convenio vigente) al final',
    }),
  suspensions: z
    .object({
      ordered: z.int(),
      done: z.int(),
      notDone: z.int(),
      avgHours: z.number().nullable(),
      maxHours: z.number().nullable(),
    })
    .meta({
      description:
        'Órdenes de suspensión del periodo y cortes ejecutados: horas desde la orden de campo hasta el corte',
    }),
  creditTitles: z
    .object({
      issued: z.int(),
      issuedAmount: moneySchema,
      notified: z.int(),
      notifiedAmount: moneySchema,
      paid: z.int(),
      paidAmount: moneySchema,
    })
    .meta({
      description:
        'Títulos de crédito emitidos y notificados en el periodo, y pagados (caso cerrado como pagado tras la emisión)',
    }),
  coactivas: z
    .object({
      opened: z.int(),
      openedAmount: moneySchema,
      recovered: moneySchema,
      payments: z.int(),
      paidInFull: z.int(),
    })
    .meta({
      description:
        'Coactivas abiertas en el periodo (con la deuda de apertura) y lo recuperado: pagos del periodo en casos ya en coactiva',
    }),
  productivity: z.array(
    z.object({
      collector: z.object({ id: z.uuid(), displayName: z.string() }),
      openCases: z.int(),
      tasksDone: z.int(),
      contacts: z.int(),
      promises: z.int(),
      recovered: moneySchema,
      drill: drillSchema,
    }),
  ),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

export const stuckCasesQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(100)
    .meta({ description: 'Casos listados como máximo (los más antiguos primero)' }),
});

const stoppedExecutionSchema = z.object({
  kind: z.enum(['stuck', 'failed_child']).meta({
    description:
      '`stuck`: el workflow del caso no está en marcha; `failed_child`: un workflow hijo del caso terminó mal',
  }),
  caseId: z.uuid(),
  accountNumber: z.string(),
  stage: z.enum(CASE_STAGES),
  workflowId: z.string(),
  workflowType: z.string(),
  status: z.enum(STOPPED_STATUSES),
  since: instantSchema.nullable().meta({ description: 'Cuándo se cerró la ejecución' }),
  failure: z
    .string()
    .nullable()
    .meta({ description: 'Mensaje de la falla o motivo de la terminación, si Temporal lo guardó' }),
});

export const stuckCasesSchema = z.object({
  checkedAt: instantSchema,
  counts: z.object({
    failedWorkflows: z.int().meta({
      description:
        'Ejecuciones de casos y sus hijos cerradas como Failed, Terminated o TimedOut (en la retención de Temporal)',
    }),
    failedByType: z.array(z.object({ workflowType: z.enum(CASE_WORKFLOW_TYPES), count: z.int() })),
    stuckCases: z
      .int()
      .meta({ description: 'Casos abiertos menos workflows de caso en marcha (como la métrica)' }),
    openCases: z.int(),
    runningCaseWorkflows: z.int(),
    outsideFailureTasksOpen: z.int(),
  }),
  items: z.array(stoppedExecutionSchema),
  total: z
    .int()
    .meta({ description: 'Ejecuciones detenidas encontradas; `items` trae las primeras' }),
});
export type StuckCases = z.infer<typeof stuckCasesSchema>;

/** The default period: the current month and the five before it (`to` is a valid date). */
export function defaultFrom(to: string): string {
  const [y, m] = to.split('-').map(Number) as [number, number];
  const months = Math.max(12, y * 12 + (m - 1) - 5);
  // Four-digit year, not before year 1: `to` may be as early as 0001-01-01.
  return `${String(Math.floor(months / 12)).padStart(4, '0')}-${String((months % 12) + 1).padStart(2, '0')}-01`;
}

export function dashboardRoutes(deps: AppDeps): Route[] {
  // The app's metrics and this route share one cache, so a scrape and the dashboard agree.
  const executions = deps.metrics?.executions ?? createExecutionHealth();
  executions.watch({
    temporal: deps.temporal,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    pool: deps.pool,
    log: deps.log,
  });
  const item = (e: StoppedExecution) => ({
    ...e,
    stage: e.stage as (typeof CASE_STAGES)[number],
    since: e.since?.toISOString() ?? null,
  });

  return [
    defineRoute({
      method: 'get',
      path: '/api/dashboard/stuck-cases',
      summary: 'Ejecuciones detenidas: casos abiertos cuyo workflow no está en marcha o falló',
      description:
        'Las mismas cifras que `/metrics` (cartera_cases_stuck, cartera_workflows_failed, cartera_outside_failure_tasks_open), con la lista de casos abiertos cuyo workflow se cerró (falló, fue terminado, agotó su tiempo…) o cuyo workflow hijo falló. Se calcula como mucho cada 30 s.',
      tags: ['indicadores'],
      roles: ['manager', 'admin'],
      request: { query: stuckCasesQuerySchema },
      responses: { 200: stuckCasesSchema, 503: errorBodySchema },
    }).handle(async ({ query }) => {
      let found;
      try {
        found = await executions.list(query.limit);
      } catch (err) {
        deps.log.warn({ err }, 'stuck cases: read failed');
        throw new ApiError(503, 'unavailable', 'Temporal no respondió; intente de nuevo');
      }
      if (!found) throw new ApiError(503, 'unavailable', 'Temporal no está configurado');
      const { summary, items, total } = found;
      const body: StuckCases = {
        checkedAt: summary.checkedAt.toISOString(),
        counts: {
          failedWorkflows: summary.failedWorkflows.reduce((n, f) => n + f.count, 0),
          failedByType: summary.failedWorkflows,
          stuckCases: summary.stuckCases,
          openCases: summary.openCases,
          runningCaseWorkflows: summary.runningCaseWorkflows,
          outsideFailureTasksOpen: summary.outsideFailureTasksOpen,
        },
        items: items.map(item),
        total,
      };
      return { status: 200, body };
    }),

    defineRoute({
      method: 'get',
      path: '/api/dashboard',
      summary:
        'Indicadores de cartera: morosidad, recuperación, antigüedad, embudo, convenios, rodamiento, suspensiones, títulos y coactivas…',
      description:
        'Calculados en la base de datos. Los saldos, la antigüedad y el embudo son a hoy; pagos, convenios, promesas, rodamiento y cura, suspensiones, reconexiones, títulos, coactivas y productividad, del periodo. Cada cifra de casos trae `drill`, la consulta de GET /api/cases que los lista.',
      tags: ['indicadores'],
      roles: ['manager', 'admin'],
      request: { query: dashboardQuerySchema },
      responses: { 200: dashboardSchema },
    }).handle(async ({ query: q }) => {
      const today = toLocalDate(new Date());
      const to = q.to ?? today;
      const from = q.from ?? defaultFrom(to);
      const scope: KpiScope = {
        from,
        to,
        today,
        sector: q.sector ?? null,
        collectorId: q.collectorId ?? null,
      };
      const [mora, rec, aged, stages, commits, reconn, people, rolls, cuts, legal] =
        await Promise.all([
          morosidad(deps.prisma, scope),
          recovery(deps.prisma, scope),
          aging(deps.prisma, scope),
          funnel(deps.prisma, scope),
          commitments(deps.prisma, scope),
          reconnection(deps.prisma, scope),
          productivity(deps.prisma, scope),
          rollCure(deps.prisma, scope),
          suspensions(deps.prisma, scope),
          legalFigures(deps.prisma, scope),
        ]);
      const rollRow = (r: RollCureRow) => ({
        cases: r.cases,
        rolled: r.rolled,
        cured: r.cured,
        closedOther: r.closedOther,
        rollRate: r.rollRate,
        cureRate: r.cureRate,
      });
      // Every drill keeps the dashboard's filters, as /api/cases names them.
      const base: Record<string, string> = { status: 'open' };
      if (q.sector) base.sector = q.sector;
      if (q.collectorId) base.collectorId = q.collectorId;
      const drill = (extra: Record<string, string | number | null>) => {
        const out = { ...base };
        for (const [k, v] of Object.entries(extra)) if (v !== null) out[k] = String(v);
        return out;
      };
      const bounds = new Map(AGING_BUCKETS.map((b) => [b.bucket as string, b]));
      const body: Dashboard = {
        period: { from, to },
        filters: { sector: q.sector ?? null, collectorId: q.collectorId ?? null },
        morosidad: {
          overdueBalance: toDecimalString(mora.overdueCents),
          portfolioBalance: toDecimalString(mora.portfolioCents),
          index: mora.index,
          drill: drill({}),
        },
        recovery: {
          recovered: toDecimalString(rec.recoveredCents),
          payments: rec.payments,
          byMonth: rec.byMonth.map((m) => ({ month: m.month, amount: toDecimalString(m.cents) })),
        },
        aging: aged.map((a) => {
          const b = bounds.get(a.bucket)!;
          return {
            bucket: a.bucket,
            cases: a.cases,
            balance: toDecimalString(a.balanceCents),
            drill: drill({ daysOverdueMin: b.min, daysOverdueMax: b.max, sort: 'daysOverdue' }),
          };
        }),
        funnel: stages.map((f) => ({
          stage: f.stage,
          cases: f.cases,
          balance: toDecimalString(f.balanceCents),
          drill: drill({ stage: f.stage }),
        })),
        agreements: {
          active: commits.activeAgreements,
          paidOff: commits.agreementsPaidOff,
          broken: commits.agreementsBroken,
          complianceRate: commits.agreementCompliance,
          drill: drill({ stage: 'agreement' }),
        },
        promises: {
          kept: commits.promisesKept,
          broken: commits.promisesBroken,
          keptRate: commits.promiseKeptRate,
        },
        reconnection: {
          count: reconn.count,
          avgHours: reconn.avgHours,
          maxHours: reconn.maxHours,
        },
        rollCure: {
          total: rollRow(rolls.total),
          byBucket: rolls.byBucket.map((b) => ({ bucket: b.bucket, ...rollRow(b) })),
        },
        suspensions: cuts,
        creditTitles: {
          issued: legal.titles.issued,
          issuedAmount: toDecimalString(legal.titles.issuedCents),
          notified: legal.titles.notified,
          notifiedAmount: toDecimalString(legal.titles.notifiedCents),
          paid: legal.titles.paid,
          paidAmount: toDecimalString(legal.titles.paidCents),
        },
        coactivas: {
          opened: legal.coactivas.opened,
          openedAmount: toDecimalString(legal.coactivas.openedCents),
          recovered: toDecimalString(legal.coactivas.recoveredCents),
          payments: legal.coactivas.payments,
          paidInFull: legal.coactivas.paidInFull,
        },
        productivity: people.map((p) => ({
          collector: p.collector,
          openCases: p.openCases,
          tasksDone: p.tasksDone,
          contacts: p.contacts,
          promises: p.promises,
          recovered: toDecimalString(p.recoveredCents),
          // The collector's own cases, within the sector filter if any.
          drill: { ...drill({}), collectorId: p.collector.id },
        })),
      };
      return { status: 200, body };
    }),
  ];
}
