/**
 * The scheduled reports' Temporal Schedules (temporal/schedules.ts): admins and managers see
 * them with their next and last run; admins change the cron, pause/resume or run one now.
 * Only schedules marked as ours and bound to this API's task queue are listed or touched.
 */
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { z } from 'zod';
import { reportRecipients } from '../../activities/reports.js';
import {
  changeReportSchedule,
  cronOf,
  cronProblem,
  isReportSchedule,
  REPORT_SCHEDULE_KIND,
} from '../../temporal/schedules.js';
import { audit } from '../audit.js';
import type { AppDeps } from '../deps.js';
import { ApiError, notFound } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { errorBodySchema, instantSchema } from '../schemas.js';

const scheduleSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  cron: z.string().nullable().meta({ description: 'minuto hora día-del-mes mes día-de-la-semana' }),
  timezone: z.string(),
  paused: z.boolean(),
  note: z.string().nullable(),
  nextRunAt: instantSchema.nullable(),
  lastRunAt: instantSchema.nullable(),
  lastResult: z.string().nullable().meta({
    description:
      'De la última ejecución: sent, already_sent o no_recipients si terminó; si no, su estado (running, failed, timed_out, terminated, canceled)',
  }),
  recipients: z.array(z.string()),
});
type ScheduleView = z.infer<typeof scheduleSchema>;

const cronSchema = z
  .string()
  .trim()
  .max(100)
  .superRefine((v, ctx) => {
    const problem = cronProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const scheduleParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/) });

const updateBodySchema = z
  .object({
    cron: cronSchema.optional(),
    paused: z.boolean().optional(),
    note: z.string().trim().max(500).optional(),
  })
  .refine((b) => b.cron !== undefined || b.paused !== undefined, {
    message: 'Indique cron o paused',
  });

/** The outcome of the schedule's latest run, read from its workflow. */
async function lastResultOf(client: Client, d: ScheduleDescription): Promise<string | null> {
  const last = d.info.recentActions.at(-1);
  if (!last) return null;
  const handle = client.workflow.getHandle(
    last.action.workflow.workflowId,
    last.action.workflow.firstExecutionRunId,
  );
  try {
    const { status } = await handle.describe();
    if (status.name !== 'COMPLETED') return status.name.toLowerCase();
    const result = (await handle.result()) as { status?: unknown } | undefined;
    return typeof result?.status === 'string' ? result.status : 'completed';
  } catch {
    // The run's history is gone (retention): the time of the run is still known.
    return null;
  }
}

async function viewOf(
  client: Client,
  d: ScheduleDescription,
  recipients: string[],
): Promise<ScheduleView> {
  const memo = d.memo ?? {};
  const last = d.info.recentActions.at(-1);
  return {
    id: d.scheduleId,
    title: typeof memo.title === 'string' ? memo.title : d.scheduleId,
    description: typeof memo.description === 'string' ? memo.description : '',
    cron: cronOf(d),
    timezone: d.spec.timezone ?? 'UTC',
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
    lastRunAt: last ? last.takenAt.toISOString() : null,
    lastResult: await lastResultOf(client, d),
    recipients,
  };
}

export function scheduleRoutes(deps: AppDeps): Route[] {
  const client = deps.temporal;

  /** The schedule if it is one of ours on this task queue; 404 otherwise. */
  const ours = async (id: string) => {
    const handle = client.schedule.getHandle(id);
    try {
      const d = await handle.describe();
      if (isReportSchedule(d, deps.taskQueue)) return { handle, d };
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    throw notFound('El informe programado');
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/schedules',
      summary: 'Informes programados',
      description:
        'Los informes que se envían solos por correo a los supervisores (Temporal Schedules): expresión cron, zona horaria, próxima y última ejecución con su resultado, y destinatarios (supervisores activos con correo).',
      tags: ['indicadores'],
      roles: ['admin', 'manager'],
      responses: { 200: z.object({ items: z.array(scheduleSchema) }) },
    }).handle(async () => {
      // Listing is eventually consistent; each listed schedule is then described for the truth.
      const ids: string[] = [];
      for await (const s of client.schedule.list())
        if (s.memo?.kind === REPORT_SCHEDULE_KIND) ids.push(s.scheduleId);
      const recipients = await reportRecipients(deps.prisma);
      const items: ScheduleView[] = [];
      for (const id of ids.sort()) {
        try {
          const d = await client.schedule.getHandle(id).describe();
          if (isReportSchedule(d, deps.taskQueue)) items.push(await viewOf(client, d, recipients));
        } catch (err) {
          // Deleted between the listing and the describe.
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        }
      }
      return { status: 200, body: { items } };
    }),

    defineRoute({
      method: 'put',
      path: '/api/schedules/:id',
      summary: 'Cambia un informe programado',
      description:
        'Solo administración. `cron` (5 campos, hora de Guayaquil) cambia cuándo se envía; `paused` lo pausa o reanuda; `note` queda como nota de la pausa. Queda en la auditoría.',
      tags: ['indicadores'],
      roles: ['admin'],
      request: { params: scheduleParamsSchema, body: updateBodySchema },
      responses: { 200: scheduleSchema, 404: errorBodySchema },
    }).handle(async ({ params, body, principal, req }) => {
      const { handle, d: before } = await ours(params.id);
      try {
        await changeReportSchedule(handle, body);
      } catch (err) {
        // The server has the last word on a cron it cannot schedule.
        const e = err as { code?: unknown; cause?: { code?: unknown } };
        // gRPC INVALID_ARGUMENT (3).
        if (e.code === 3 || e.cause?.code === 3)
          throw new ApiError(400, 'invalid_request', 'Datos inválidos', {
            cron: (err as Error).message,
          });
        throw err;
      }
      const after = await handle.describe();
      const recipients = await reportRecipients(deps.prisma);
      const view = await viewOf(client, after, recipients);
      await audit(deps.prisma, req, principal, {
        action: 'schedule.update',
        entity: 'schedule',
        entityId: params.id,
        before: { cron: cronOf(before), paused: before.state.paused, note: before.state.note },
        after: { cron: view.cron, paused: view.paused, note: view.note },
      });
      return { status: 200, body: view };
    }),

    defineRoute({
      method: 'post',
      path: '/api/schedules/:id/trigger',
      summary: 'Envía ahora un informe programado',
      description:
        'Solo administración. Ejecuta el informe ya (con el periodo que corresponde a hoy), aunque esté pausado. Queda en la auditoría.',
      tags: ['indicadores'],
      roles: ['admin'],
      request: { params: scheduleParamsSchema },
      responses: {
        202: z.object({ id: z.string(), triggeredAt: instantSchema }),
        404: errorBodySchema,
      },
    }).handle(async ({ params, principal, req }) => {
      const { handle } = await ours(params.id);
      // ALLOW_ALL: an admin's explicit request runs even if a scheduled run is in progress.
      await handle.trigger('ALLOW_ALL');
      const triggeredAt = new Date().toISOString();
      await audit(deps.prisma, req, principal, {
        action: 'schedule.trigger',
        entity: 'schedule',
        entityId: params.id,
        after: { triggeredAt },
      });
      return { status: 202, body: { id: params.id, triggeredAt } };
    }),
  ];
}
