/**
 * The coactiva child on the time-skipping server, with the real case-store, task, notice and
 * coactiva activities over PostgreSQL and the banks simulator.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BanksSimulator } from '../../activities/banks.js';
import { createCaseStoreActivities } from '../../activities/case-store.js';
import { createCoactivaActivities, issueDocumentNumber } from '../../activities/coactiva.js';
import { createNoticeActivities } from '../../activities/notices.js';
import { createTaskActivities } from '../../activities/tasks.js';
import {
  addBusinessDays,
  addCalendarDays,
  calendarDaysBetween,
  dayOfWeek,
  localDateToInstant,
  toLocalDate,
} from '../../domain/calendar.js';
import type { RetentionResponse } from '../../domain/coactiva.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';
import type { TaskType } from '../../domain/tasks.js';
import training from '../../policies/training.json' with { type: 'json' };
import {
  calendarChangedSignal,
  completeTaskUpdate,
  exceptionsPendingSignal,
  type Actor,
  type CoactivaOutcome,
  type CoactivaWorkflowInput,
} from '../../workflows/messages.js';
import type { coactivaWorkflow } from '../../workflows/coactiva.js';
import { freshDatabase, type TestDatabase } from '../support/env.js';
import { seedCase, timeSkippingEnv, untilNoActivityRunning } from '../support/workflow-env.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const workflowsPath = fileURLToPath(new URL('../../workflows/coactiva.ts', import.meta.url));
const LEGAL: Actor = { id: 'legal-ana', role: 'legal' };

function trainingPolicy(): Policy {
  const r = resolvePolicy(training);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.policy;
}

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, db, bundle] = await Promise.all([
    timeSkippingEnv(),
    freshDatabase(),
    bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') }),
  ]);
});
afterAll(async () => {
  await env?.teardown();
  await db?.close();
});

type Handle = WorkflowHandle<typeof coactivaWorkflow>;

/** Runs `fn` with a worker for the coactiva workflow over the real activities and `banks`. */
async function withWorker<T>(banks: BanksSimulator, fn: (taskQueue: string) => Promise<T>) {
  const taskQueue = `coactiva-${randomUUID()}`;
  const { prisma } = db;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: {
      ...createCaseStoreActivities({ prisma }),
      ...createTaskActivities({ prisma }),
      ...createNoticeActivities({ prisma }),
      ...createCoactivaActivities({ prisma, banks }),
    },
  });
  return worker.runUntil(fn(taskQueue));
}

async function start(taskQueue: string, policy: Policy) {
  const seeded = await seedCase(db.prisma);
  const account = await db.prisma.account.findUniqueOrThrow({ where: { id: seeded.accountId } });
  const input: CoactivaWorkflowInput = {
    caseId: seeded.caseId,
    accountId: seeded.accountId,
    accountNumber: seeded.accountNumber,
    parentWorkflowId: `case-${seeded.accountNumber}`,
    policy,
    priority: 500,
    holderName: account.holderName,
    holderId: account.holderId,
    balanceCents: 12_000,
    titleNumber: 'TC-2026-000017',
  };
  const handle: Handle = await env.client.workflow.start<typeof coactivaWorkflow>(
    'coactivaWorkflow',
    {
      taskQueue,
      workflowId: `coactiva-${seeded.accountNumber}`,
      args: [input],
    },
  );
  return { handle, input, caseId: seeded.caseId };
}

async function poll<T>(probe: () => Promise<T | null | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const openTask = (caseId: string, type: TaskType) =>
  poll(() => db.prisma.task.findFirst({ where: { caseId, type, status: 'open' } }), `open ${type}`);

async function complete(handle: Handle, caseId: string, type: TaskType, form: unknown) {
  const task = await openTask(caseId, type);
  await handle.executeUpdate(completeTaskUpdate, {
    args: [{ taskId: task.id, actor: LEGAL, form }],
  });
  return task;
}

const events = (caseId: string, type?: string) =>
  db.prisma.caseEvent.findMany({
    where: { caseId, ...(type ? { type } : {}) },
    orderBy: { id: 'asc' },
  });

const eventOf = (caseId: string, type: string) =>
  poll(() => db.prisma.caseEvent.findFirst({ where: { caseId, type } }), type);

/** The legal unit notifies the orden de pago in person now; its term's event. */
async function notifyOrder(handle: Handle, caseId: string) {
  await openTask(caseId, 'notify_payment_order');
  await complete(handle, caseId, 'notify_payment_order', {
    method: 'in_person',
    result: 'notified',
    at: new Date(await env.currentTimeMs()).toISOString(),
  });
  return eventOf(caseId, 'orden_pago_term_started');
}

/** Skips the test server's clock forward to 10:00 (Guayaquil) on the next Thursday. */
async function skipToThursdayMorning(): Promise<void> {
  const now = await env.currentTimeMs();
  let day = toLocalDate(new Date(now));
  for (;;) {
    const tenAm = localDateToInstant(day).getTime() + 10 * 3_600_000;
    if (dayOfWeek(day) === 4 && tenAm > now) {
      await env.sleep(tenAm - now);
      return;
    }
    day = addCalendarDays(day, 1);
  }
}

describe('coactiva workflow', () => {
  it('intake → orden de pago → term runs out (over a weekend) → retentions once → uncollectible', async () => {
    const banks = new BanksSimulator();
    banks.loseNextAnswers(1); // the first answer is lost: the activity retries with the same key
    await withWorker(banks, async (taskQueue) => {
      await skipToThursdayMorning();
      const { handle, caseId } = await start(taskQueue, DEFAULT_POLICY);

      await complete(handle, caseId, 'coactiva_intake', {
        handledBy: 'external_lawyer',
        lawyerName: 'Ab. María Loayza',
      });
      const assigned = await eventOf(caseId, 'coactiva_assigned');
      expect(assigned.data).toMatchObject({
        handledBy: 'external_lawyer',
        lawyerName: 'Ab. María Loayza',
      });

      const issued = await eventOf(caseId, 'orden_pago_issued');
      // Nothing runs against the debtor until the orden de pago is notified.
      await env.sleep(3 * 3_600_000);
      expect(await events(caseId, 'orden_pago_term_started')).toHaveLength(0);
      const started = await notifyOrder(handle, caseId);
      const data = {
        ...(issued.data as { paymentOrderNumber: string }),
        ...(started.data as { deadline: string; deadlineOn: string; notifiedAt: string }),
      };
      const notifiedOn = toLocalDate(new Date(data.notifiedAt));
      expect(dayOfWeek(notifiedOn)).toBe(4);
      // Three business days from the day after the notification.
      expect(data.deadlineOn).toBe(addBusinessDays(notifiedOn, 3, DEFAULT_POLICY.calendar));
      expect(calendarDaysBetween(notifiedOn, data.deadlineOn)).toBeGreaterThanOrEqual(5); // Sat+Sun skipped
      expect([6, 0]).not.toContain(dayOfWeek(data.deadlineOn));
      expect(data.deadline).toBe(localDateToInstant(data.deadlineOn, 'end').toISOString());
      expect(data.paymentOrderNumber).toMatch(/^OPI-\d{4}-\d{6}$/);
      const numbers = await db.prisma.documentNumber.findMany({
        where: { series: 'OPI', key: { contains: handle.workflowId } },
      });
      expect(numbers).toHaveLength(1);
      const notices = await db.prisma.notice.findMany({
        where: { caseId, kind: 'orden_pago_inmediato' },
      });
      expect(notices.length).toBeGreaterThan(0);
      expect(notices[0]?.body).toContain(data.paymentOrderNumber);

      // An hour before the deadline nothing has been ordered yet.
      const deadline = new Date(data.deadline).getTime();
      await env.sleep(deadline - (await env.currentTimeMs()) - 3_600_000);
      expect(banks.effects()).toHaveLength(0);
      expect(await events(caseId, 'orden_pago_term_expired')).toHaveLength(0);
      await env.sleep(2 * 3_600_000);

      const decisionTask = await openTask(caseId, 'coactiva_decision');
      const expired = await eventOf(caseId, 'orden_pago_term_expired');
      expect(expired.occurredAt.getTime()).toBeGreaterThanOrEqual(deadline);
      // Ordered once although the activity ran twice.
      expect(banks.requestCount).toBe(2);
      expect(banks.effects()).toHaveLength(1);
      expect(banks.effects()[0]?.exemptFundKinds).toEqual(['wages', 'pensions', 'alimony']);
      const responses = banks.effects()[0]?.responses ?? [];
      expect(await events(caseId, 'retention_response')).toHaveLength(responses.length);
      const retained = responses.reduce((s, r) => s + r.retainedCents, 0);
      expect(decisionTask.payload).toMatchObject({ retainedCents: retained, anomalies: 0 });

      await complete(handle, caseId, 'coactiva_decision', {
        decision: 'uncollectible',
        reason: 'Sin cuentas ni bienes a su nombre',
      });
      expect(await handle.result()).toEqual<CoactivaOutcome>({
        outcome: 'uncollectible',
        reason: 'Sin cuentas ni bienes a su nombre',
      });

      const types = (await events(caseId))
        .map((e) => e.type)
        // Documents have their own tests (tests/integration/documents.test.ts).
        .filter(
          (t) => !t.startsWith('task_') && !t.startsWith('document_') && t !== 'retention_response',
        );
      expect(types).toEqual([
        'coactiva_opened',
        'coactiva_assigned',
        'notice_queued',
        'orden_pago_issued',
        'notification_attempt',
        'orden_pago_notified',
        'orden_pago_term_started',
        'orden_pago_term_expired',
        'retention_ordered',
        'coactiva_uncollectible',
      ]);
      const tasks = await db.prisma.task.findMany({
        where: { caseId },
        orderBy: { createdAt: 'asc' },
      });
      expect(tasks.map((t) => [t.type, t.role, t.status])).toEqual([
        ['coactiva_intake', 'legal', 'done'],
        ['notify_payment_order', 'legal', 'done'],
        ['coactiva_decision', 'legal', 'done'],
      ]);
    });
  });

  it('orden de pago: its término runs from the notification, skips a holiday in it, and moves when a holiday is decreed later', async () => {
    await withWorker(new BanksSimulator(), async (taskQueue) => {
      await skipToThursdayMorning();
      const thursday = toLocalDate(new Date(await env.currentTimeMs()));
      const friday = addCalendarDays(thursday, 1);
      const monday = addCalendarDays(thursday, 4);
      // A holiday already decreed for the Friday after the notification.
      const policy: Policy = {
        ...DEFAULT_POLICY,
        calendar: { ...DEFAULT_POLICY.calendar, extraHolidays: [friday] },
      };
      const { handle, caseId } = await start(taskQueue, policy);
      await complete(handle, caseId, 'coactiva_intake', { handledBy: 'in_house' });
      // An attempt dated before the orden de pago was issued is refused.
      await openTask(caseId, 'notify_payment_order');
      await expect(
        complete(handle, caseId, 'notify_payment_order', {
          method: 'in_person',
          result: 'notified',
          at: new Date((await env.currentTimeMs()) - 2 * 24 * 3_600_000).toISOString(),
        }),
      ).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/anterior a la emisión/) },
      });
      const started = await notifyOrder(handle, caseId);
      const term = started.data as { deadlineOn: string; notifiedAt: string };
      expect(toLocalDate(new Date(term.notifiedAt))).toBe(thursday);
      // Friday is a holiday: Monday, Tuesday, Wednesday.
      expect(term.deadlineOn).toBe(addCalendarDays(thursday, 6));

      // On Saturday a holiday is decreed for Monday: the running término now ends on Thursday.
      await env.sleep(2 * 24 * 3_600_000);
      await handle.signal(calendarChangedSignal, {
        policyVersion: 7,
        calendar: { ...policy.calendar, extraHolidays: [friday, monday] },
        changedAt: new Date(await env.currentTimeMs()).toISOString(),
        by: 'supervisora',
      });
      const moved = await eventOf(caseId, 'term_recomputed');
      // Three business days from Friday's morrow with both holidays (and any national one).
      const next = addBusinessDays(thursday, 3, {
        ...policy.calendar,
        extraHolidays: [friday, monday],
      });
      expect(next > term.deadlineOn).toBe(true);
      expect(moved.data).toMatchObject({
        from: localDateToInstant(term.deadlineOn, 'end').toISOString(),
        to: localDateToInstant(next, 'end').toISOString(),
        policyVersion: 7,
      });
      // The old end passes without the term expiring; the new one expires it.
      await env.sleep(
        localDateToInstant(term.deadlineOn, 'end').getTime() +
          3_600_000 -
          (await env.currentTimeMs()),
      );
      expect(await events(caseId, 'orden_pago_term_expired')).toHaveLength(0);
      await env.sleep(
        localDateToInstant(next, 'end').getTime() + 3_600_000 - (await env.currentTimeMs()),
      );
      const expired = await eventOf(caseId, 'orden_pago_term_expired');
      expect(expired.occurredAt.getTime()).toBeGreaterThanOrEqual(
        localDateToInstant(next, 'end').getTime(),
      );
      await untilNoActivityRunning(handle);
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    });
  });

  it('excepciones pause the medidas cautelares until the court rules', async () => {
    const banks = new BanksSimulator();
    await withWorker(banks, async (taskQueue) => {
      const { handle, caseId } = await start(taskQueue, DEFAULT_POLICY);
      await complete(handle, caseId, 'coactiva_intake', { handledBy: 'in_house' });
      const started = await notifyOrder(handle, caseId);
      await handle.signal(exceptionsPendingSignal, { pending: true });
      const deadline = Date.parse((started.data as { deadline: string }).deadline);
      await env.sleep(deadline + 10 * 24 * 3_600_000 - (await env.currentTimeMs()));
      await eventOf(caseId, 'orden_pago_term_expired');
      await eventOf(caseId, 'coactiva_paused');
      // While the court decides: no retention ordered, no decision asked.
      expect(banks.effects()).toHaveLength(0);
      expect(await events(caseId, 'retention_ordered')).toHaveLength(0);
      expect(await db.prisma.task.count({ where: { caseId, status: 'open' } })).toBe(0);
      await handle.signal(exceptionsPendingSignal, { pending: false });
      await eventOf(caseId, 'coactiva_resumed');
      await openTask(caseId, 'coactiva_decision');
      expect(banks.effects()).toHaveLength(1);
      // Filed again while the executor's decision is open: the task is withdrawn meanwhile.
      await handle.signal(exceptionsPendingSignal, { pending: true });
      await poll(
        async () =>
          (await db.prisma.task.count({ where: { caseId, status: 'open' } })) === 0 || null,
        'the decision task withdrawn',
      );
      await handle.signal(exceptionsPendingSignal, { pending: false });
      await complete(handle, caseId, 'coactiva_decision', {
        decision: 'uncollectible',
        reason: 'Sin bienes',
      });
      expect(await handle.result()).toMatchObject({ outcome: 'uncollectible' });
      expect(await events(caseId, 'coactiva_paused')).toHaveLength(2);
    });
  });

  it('embargo, then remate (a remate without embargo is refused; wait asks again later)', async () => {
    const policy = trainingPolicy();
    await withWorker(new BanksSimulator(), async (taskQueue) => {
      const { handle, caseId } = await start(taskQueue, policy);
      await complete(handle, caseId, 'coactiva_intake', { handledBy: 'in_house' });
      await eventOf(caseId, 'orden_pago_issued');
      await notifyOrder(handle, caseId);
      await env.sleep(25_000); // training term: 20 seconds

      await complete(handle, caseId, 'coactiva_decision', { decision: 'remate' });
      expect((await eventOf(caseId, 'coactiva_decision_refused')).reason).toMatch(/embargo/);
      await complete(handle, caseId, 'coactiva_decision', {
        decision: 'embargo',
        assets: 'Inmueble clave catastral 07-01-015-003',
      });
      expect((await eventOf(caseId, 'embargo_recorded')).data).toMatchObject({
        assets: 'Inmueble clave catastral 07-01-015-003',
      });
      await complete(handle, caseId, 'coactiva_decision', {
        decision: 'wait',
        note: 'avalúo en curso',
      });
      await eventOf(caseId, 'coactiva_decision_deferred');
      expect(await db.prisma.task.count({ where: { caseId, status: 'open' } })).toBe(0);
      await env.sleep(130_000); // training legalTaskSla: 2 minutes

      const last = await complete(handle, caseId, 'coactiva_decision', { decision: 'remate' });
      expect(last.payload).toMatchObject({ embargoRecorded: true });
      expect(await handle.result()).toEqual<CoactivaOutcome>({ outcome: 'remate_recorded' });
      expect(await events(caseId, 'remate_recorded')).toHaveLength(1);
      const decisions = await db.prisma.task.findMany({
        where: { caseId, type: 'coactiva_decision' },
      });
      expect(decisions.map((t) => t.status)).toEqual(['done', 'done', 'done', 'done']);
    });
  });

  it('never counts funds a bank retained from wages, pensions or alimony', async () => {
    const banks = new BanksSimulator();
    await withWorker(banks, async (taskQueue) => {
      const policy = trainingPolicy();
      const { handle, caseId, input } = await start(taskQueue, policy);
      const scripted: RetentionResponse[] = [
        {
          institution: 'Banco Pichincha',
          status: 'retained',
          retainedCents: 4_000,
          exemptCents: 0,
          retainedFrom: ['savings'],
        },
        {
          institution: 'Banco de Machala',
          status: 'exempt_funds',
          retainedCents: 3_000,
          exemptCents: 3_000,
        },
        {
          institution: 'Banco del Pacífico',
          status: 'retained',
          retainedCents: 2_500,
          exemptCents: 0,
          retainedFrom: ['wages'],
        },
        {
          institution: 'Cooperativa JEP',
          status: 'exempt_funds',
          retainedCents: 0,
          exemptCents: 38_000,
        },
        { institution: 'BanEcuador', status: 'no_account', retainedCents: 0, exemptCents: 0 },
      ];
      banks.script(input.holderId, scripted);
      await complete(handle, caseId, 'coactiva_intake', { handledBy: 'in_house' });
      await eventOf(caseId, 'orden_pago_issued');
      await notifyOrder(handle, caseId);
      await env.sleep(25_000);

      const task = await openTask(caseId, 'coactiva_decision');
      expect(task.payload).toMatchObject({
        retainedCents: 4_000,
        exemptCents: 38_000,
        anomalies: 2,
        coversDebt: false,
      });
      const responses = await events(caseId, 'retention_response');
      expect(responses.map((e) => [e.actor, (e.data as { accepted: boolean }).accepted])).toEqual([
        ['Banco Pichincha', true],
        ['Banco de Machala', false],
        ['Banco del Pacífico', false],
        ['Cooperativa JEP', true],
        ['BanEcuador', true],
      ]);
      const anomalies = await events(caseId, 'retention_anomaly');
      expect(anomalies.map((e) => e.actor)).toEqual(['Banco de Machala', 'Banco del Pacífico']);
      expect(anomalies.every((e) => /inembargables/.test(e.reason ?? ''))).toBe(true);

      await complete(handle, caseId, 'coactiva_decision', {
        decision: 'uncollectible',
        reason: 'Fondos insuficientes',
      });
      expect(await handle.result()).toMatchObject({ outcome: 'uncollectible' });
    });
  });

  it('cancelled by the parent: withdraws the open legal task; mid-term, orders nothing', async () => {
    const banks = new BanksSimulator();
    const policy = DEFAULT_POLICY;
    await withWorker(banks, async (taskQueue) => {
      // While the intake task is open (asked again: an external lawyer must be named).
      const first = await start(taskQueue, policy);
      const unnamed = await complete(first.handle, first.caseId, 'coactiva_intake', {
        handledBy: 'external_lawyer',
      });
      expect((await eventOf(first.caseId, 'coactiva_intake_incomplete')).reason).toMatch(/abogado/);
      const intake = await openTask(first.caseId, 'coactiva_intake');
      expect(intake.id).not.toBe(unnamed.id);
      expect(intake.payload).toMatchObject({ correction: expect.stringMatching(/abogado/) });
      await untilNoActivityRunning(first.handle);
      await first.handle.cancel();
      const err = await first.handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const withdrawn = await db.prisma.task.findUniqueOrThrow({ where: { id: intake.id } });
      expect(withdrawn.status).toBe('cancelled');
      expect(withdrawn.result).toMatchObject({ reason: 'case moved on' });
      expect(await events(first.caseId, 'coactiva_withdrawn')).toHaveLength(1);

      // During the orden de pago term (the debt was paid).
      const second = await start(taskQueue, policy);
      await complete(second.handle, second.caseId, 'coactiva_intake', { handledBy: 'in_house' });
      await eventOf(second.caseId, 'orden_pago_issued');
      await notifyOrder(second.handle, second.caseId);
      await untilNoActivityRunning(second.handle); // see its doc
      await second.handle.cancel();
      await expect(second.handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      await env.sleep(7 * 24 * 3_600_000); // well past the term: nothing more happens
      expect(banks.effects()).toHaveLength(0);
      expect(await events(second.caseId, 'orden_pago_term_expired')).toHaveLength(0);
      expect(await events(second.caseId, 'coactiva_withdrawn')).toHaveLength(1);
      expect(await db.prisma.task.count({ where: { caseId: second.caseId, status: 'open' } })).toBe(
        0,
      );
    });
  });
});

describe('issueDocumentNumber', () => {
  it('gives one number per key, even to concurrent callers', async () => {
    const key = `doc-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        issueDocumentNumber(db.prisma, { key, series: 'TST', year: 2026 }),
      ),
    );
    expect(new Set(results.map((r) => r.number)).size).toBe(1);
    expect(await db.prisma.documentNumber.count({ where: { key } })).toBe(1);
  });

  it('numbers concurrent documents consecutively, without gaps or repeats, per series and year', async () => {
    const series = `T${randomUUID().slice(0, 6)}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        issueDocumentNumber(db.prisma, { key: `${series}-${i}`, series, year: 2026 }),
      ),
    );
    expect(results.map((r) => r.sequence).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const next = await issueDocumentNumber(db.prisma, {
      key: `${series}-next`,
      series,
      year: 2027,
    });
    expect(next.number).toBe(`${series}-2027-000001`);
  });
});
