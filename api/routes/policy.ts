/**
 * The collections policy in force and its history. A manager changes it by sending only the
 * values that change (validated over the current version with the same strict rules as a
 * policy file, domain/policy.ts `resolvePolicy`); each change is a new version, audited with
 * the documents before and after. Cases opened afterwards run under the new version; running
 * cases keep the version they were opened with (it is part of their workflow input) — except
 * the calendar: a change of holidays is signalled to every running case workflow and child
 * (`calendarChangedSignal`), since a term counted without a decreed holiday would be wrong.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  currentPolicy,
  listPolicyVersions,
  savePolicy,
  type PolicyRecord,
} from '../../store/policy.js';
import { policySchema, resolvePolicy, type Policy } from '../../domain/policy.js';
import { calendarChangedSignal, type CalendarChanged } from '../../workflows/messages.js';
import { audit } from '../audit.js';
import { ROLES } from '../../domain/roles.js';
import type { AppDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, type Route } from '../route-table.js';
import { instantSchema } from '../schemas.js';

const versionInfo = {
  version: z.int().min(1),
  createdAt: instantSchema,
  createdBy: z
    .string()
    .nullable()
    .meta({ description: 'Nombre de quien la guardó; null si la guardó el sistema' }),
  note: z.string().nullable().meta({ description: 'Motivo del cambio' }),
};

export const policyVersionSchema = z.object({ ...versionInfo, policy: policySchema });
export const policyVersionListSchema = z.object({ items: z.array(z.object(versionInfo)) });

/** How running cases are being told of a calendar change (the HTTP answer does not wait). */
export const runningCasesToldSchema = z.object({
  method: z.enum(['batch', 'list']).meta({
    description:
      'batch: una operación por lotes de Temporal; list: el servidor no la aceptó y la API avisa flujo por flujo',
  }),
  jobId: z.string().meta({ description: 'Id de la operación por lotes (o del aviso uno a uno)' }),
  workflows: z.int().nullable().meta({
    description: 'Flujos en curso que recibirán el aviso; null si no se pudieron contar',
  }),
});
export type RunningCasesTold = z.infer<typeof runningCasesToldSchema>;

export const policyUpdateResultSchema = policyVersionSchema.extend({
  runningCasesTold: runningCasesToldSchema.nullable().meta({
    description:
      'Si cambió el calendario (feriados): cómo se avisa a los casos en curso; null si el calendario no cambió',
  }),
});

export const updatePolicyBodySchema = z.object({
  policy: z.record(z.string(), z.unknown()).meta({
    description:
      'Solo los valores que cambian, con la forma de la política (p. ej. `{ "agreement": { "maxInstalments": 18 } }`); una clave desconocida es un error',
  }),
  note: z.string().trim().min(3, 'indique el motivo del cambio').max(2000),
});
export type UpdatePolicyBody = z.infer<typeof updatePolicyBodySchema>;

/** The calendar with its lists in a stable order, so reordering alone is no change. */
const calendarKey = (c: Policy['calendar']): string =>
  JSON.stringify([
    [...c.extraHolidays].sort(),
    [...c.removedHolidays].sort(),
    c.localHolidays.map((h) => `${h.month}-${h.day} ${h.name}`).sort(),
  ]);

export const calendarChanged = (before: Policy, after: Policy): boolean =>
  calendarKey(before.calendar) !== calendarKey(after.calendar);

/** Every running workflow of the case task queue: case workflows and their children. */
export function runningOnQueue(taskQueue: string): string {
  return `ExecutionStatus="Running" AND TaskQueue="${taskQueue.replace(/["\\]/g, '\\$&')}"`;
}

/** Signals sent at once while telling cases one by one (the batch-less fallback). */
const SIGNAL_CONCURRENCY = 16;
/** How often, and for how long, the API follows a batch operation to log its outcome. */
const BATCH_POLL_MS = 2_000;
const BATCH_FOLLOW_MS = 30 * 60_000;

export interface TellRunningCasesDeps {
  temporal: Client;
  taskQueue: string;
  namespace: string;
  log: Logger;
}

/**
 * Sends `calendarChangedSignal` to every running workflow of the task queue without waiting for
 * them: a Temporal batch operation over the visibility query when the server accepts one (it
 * throttles itself and survives this process), else listing the workflows and signalling each
 * in the background. Resolves once the work is handed off; `done` resolves when the API's own
 * part is over (the batch followed to its end, or every one-by-one signal sent), for logs and
 * tests, and never rejects.
 */
export async function tellRunningCases(
  deps: TellRunningCasesDeps,
  change: CalendarChanged,
): Promise<{ told: RunningCasesTold; done: Promise<void> }> {
  const { temporal, log } = deps;
  const query = runningOnQueue(deps.taskQueue);
  const jobId = `calendar-v${change.policyVersion}-${randomUUID()}`;
  const workflows = await temporal.workflow
    .count(query)
    .then((r) => r.count)
    .catch((err: unknown) => {
      log.warn({ err }, 'could not count the running workflows to tell of the calendar change');
      return null;
    });
  try {
    const payloads = await encodeToPayloads(temporal.options.loadedDataConverter, change);
    await temporal.workflowService.startBatchOperation({
      namespace: deps.namespace,
      jobId,
      visibilityQuery: query,
      reason: `Calendario de la política v${change.policyVersion}`,
      signalOperation: {
        signal: calendarChangedSignal.name,
        input: { payloads: payloads ?? [] },
        identity: temporal.options.identity,
      },
    });
    log.info(
      { jobId, workflows, policyVersion: change.policyVersion },
      'calendar change: batch signal started',
    );
    return {
      told: { method: 'batch', jobId, workflows },
      done: followBatch(deps, jobId),
    };
  } catch (err) {
    // Batch operations may be off, or the namespace's one concurrent batch busy: tell each.
    log.warn({ err, jobId }, 'calendar change: batch refused, signalling workflows one by one');
    return {
      told: { method: 'list', jobId, workflows },
      done: signalEach(deps, query, change, jobId),
    };
  }
}

async function followBatch(deps: TellRunningCasesDeps, jobId: string): Promise<void> {
  const until = Date.now() + BATCH_FOLLOW_MS;
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, BATCH_POLL_MS).unref());
      const d = await deps.temporal.workflowService.describeBatchOperation({
        namespace: deps.namespace,
        jobId,
      });
      const running = d.state === 1; // BATCH_OPERATION_STATE_RUNNING
      if (!running || Date.now() > until) {
        deps.log.info(
          {
            jobId,
            state: d.state,
            total: Number(d.totalOperationCount ?? 0),
            completed: Number(d.completeOperationCount ?? 0),
            failed: Number(d.failureOperationCount ?? 0),
          },
          running ? 'calendar change: batch still running' : 'calendar change: batch finished',
        );
        return;
      }
    }
  } catch (err) {
    deps.log.warn({ err, jobId }, 'calendar change: could not follow the batch operation');
  }
}

async function signalEach(
  deps: TellRunningCasesDeps,
  query: string,
  change: CalendarChanged,
  jobId: string,
): Promise<void> {
  let told = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  try {
    for await (const wf of deps.temporal.workflow.list({ query })) {
      const p = deps.temporal.workflow
        .getHandle(wf.workflowId, wf.runId)
        .signal(calendarChangedSignal, change)
        .then(
          () => void (told += 1),
          // It may have finished since the listing: nothing left to tell.
          () => void (failed += 1),
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= SIGNAL_CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    deps.log.info({ jobId, told, failed }, 'calendar change: workflows signalled one by one');
  } catch (err) {
    await Promise.allSettled(inFlight);
    deps.log.error(
      { err, jobId, told, failed },
      'calendar change: listing the running workflows failed; some were not told',
    );
  }
}

/** `path: message` lines of resolvePolicy as field errors under `policy.` */
function policyFieldErrors(errors: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of errors) {
    const at = line.indexOf(': ');
    const path = at < 0 ? '(raíz)' : line.slice(0, at);
    const message = at < 0 ? line : line.slice(at + 2);
    fields[path === '(raíz)' ? 'policy' : `policy.${path}`] ??= message;
  }
  return fields;
}

export function policyRoutes(deps: AppDeps): Route[] {
  const { prisma } = deps;

  /** The newest stored version (what cases opened now get). */
  const inForce = async (): Promise<PolicyRecord> => (await currentPolicy(prisma)) ?? deps.policy();

  /** Names of the users who saved versions (ids that are not users stay null: the system). */
  const namesOf = async (ids: string[]) =>
    new Map(
      (
        await prisma.user.findMany({
          where: { id: { in: ids.filter((id) => z.uuid().safeParse(id).success) } },
          select: { id: true, displayName: true },
        })
      ).map((u) => [u.id, u.displayName]),
    );

  const info = (r: Omit<PolicyRecord, 'policy'>, names: Map<string, string>) => ({
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    createdBy: names.get(r.createdBy) ?? null,
    note: r.reason || null,
  });

  const body = async (r: PolicyRecord) => ({
    ...info(r, await namesOf([r.createdBy])),
    policy: r.policy,
  });

  return [
    defineRoute({
      method: 'get',
      path: '/api/policy',
      summary: 'La política vigente: umbrales, plazos, tasas y cargos',
      description: 'La que reciben los casos que se abren ahora.',
      tags: ['política'],
      roles: ROLES,
      responses: { 200: policyVersionSchema },
    }).handle(async () => ({ status: 200, body: await body(await inForce()) })),

    defineRoute({
      method: 'get',
      path: '/api/policy/versions',
      summary: 'Historial de versiones de la política, la más reciente primero',
      tags: ['política'],
      roles: ['manager', 'admin'],
      responses: { 200: policyVersionListSchema },
    }).handle(async () => {
      const versions = await listPolicyVersions(prisma);
      const names = await namesOf([...new Set(versions.map((v) => v.createdBy))]);
      return { status: 200, body: { items: versions.map((v) => info(v, names)) } };
    }),

    defineRoute({
      method: 'put',
      path: '/api/policy',
      summary: 'Cambiar valores de la política (nueva versión)',
      description:
        'Se envían solo los valores que cambian; se validan sobre la versión vigente y una clave desconocida o un valor fuera de rango es un 400 con el campo. Los casos que se abran después usan la nueva versión; los casos en curso siguen con la suya, salvo el calendario: si cambian los feriados se avisa a cada caso en curso (sin esperar a que todos reciban el aviso; `runningCasesTold`). Sin cambios, responde la versión vigente.',
      tags: ['política'],
      roles: ['manager', 'admin'],
      request: { body: updatePolicyBodySchema },
      responses: { 200: policyUpdateResultSchema },
    }).handle(async ({ body: b, principal, req }) => {
      const before = await inForce();
      const resolved = resolvePolicy(b.policy, before.policy);
      if (!resolved.ok)
        throw new ApiError(
          400,
          'invalid_policy',
          'La política tiene valores inválidos',
          policyFieldErrors(resolved.errors),
        );
      const saved = await savePolicy(prisma, resolved.policy, {
        source: 'api',
        reason: b.note,
        createdBy: principal.id,
      });
      let runningCasesTold: RunningCasesTold | null = null;
      if (saved.version !== before.version && calendarChanged(before.policy, saved.policy)) {
        const { told, done } = await tellRunningCases(deps, {
          policyVersion: saved.version,
          calendar: saved.policy.calendar,
          changedAt: saved.createdAt.toISOString(),
          by: principal.id,
        });
        runningCasesTold = told;
        void done; // logged by itself; the answer does not wait for 100,000 signals
      }
      if (saved.version !== before.version)
        await audit(prisma, req, principal, {
          action: 'policy.update',
          entity: 'policy',
          entityId: String(saved.version),
          before: { version: before.version, policy: before.policy },
          after: {
            version: saved.version,
            policy: saved.policy,
            note: b.note,
            ...(runningCasesTold ? { runningCasesTold } : {}),
          },
        });
      return { status: 200, body: { ...(await body(saved)), runningCasesTold } };
    }),
  ];
}
