/**
 * The título de crédito child on the time-skipping server, with the real case store, tasks,
 * notices and credit-title activities over PostgreSQL: issue, validation (returned and
 * corrected), notification attempts (publication after two not found), the voluntary payment
 * term (holidays skipped, paused by a payment-facilities request) and cancellation by the parent;
 * plus the title number sequence under concurrency.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseStoreActivities } from '../../activities/case-store.js';
import { createCreditTitleActivities } from '../../activities/credit-title.js';
import { createNoticeActivities } from '../../activities/notices.js';
import { createTaskActivities } from '../../activities/tasks.js';
import { formatTitleNumber, type CreditTitle } from '../../domain/credit-title.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';
import type { creditTitleWorkflow } from '../../workflows/credit-title.js';
import {
  completeTaskUpdate,
  paymentFacilitiesSignal,
  type Actor,
  type CreditTitleWorkflowInput,
} from '../../workflows/messages.js';
import { eventually, freshDatabase, type TestDatabase } from '../support/env.js';
import {
  seedCase,
  timeSkippingEnv,
  untilNoActivityRunning,
  type SeededCase,
} from '../support/workflow-env.js';

const TASK_QUEUE = 'credit-title-test';
const WORKFLOWS = fileURLToPath(new URL('../../workflows/credit-title.ts', import.meta.url));

/** policies/training.json: the same rules in seconds and minutes. */
function trainingPolicy(): Policy {
  const file = fileURLToPath(new URL('../../policies/training.json', import.meta.url));
  const resolved = resolvePolicy(JSON.parse(readFileSync(file, 'utf8')));
  if (!resolved.ok) throw new Error(resolved.errors.join('; '));
  return resolved.policy;
}

/** The title shown in a validation or notification task. */
const titleIn = (task: { payload: unknown }): CreditTitle =>
  (task.payload as { creditTitle: CreditTitle }).creditTitle;

/** End of a local (Guayaquil) day, as the deadline instant. */
const endOf = (date: string) => new Date(`${date}T23:59:59.999-05:00`).toISOString();

describe('credit-title workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await timeSkippingEnv();
    db = await freshDatabase();
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: TASK_QUEUE,
      workflowsPath: WORKFLOWS,
      activities: {
        ...createCaseStoreActivities({ prisma: db.prisma }),
        ...createTaskActivities({ prisma: db.prisma }),
        ...createNoticeActivities({ prisma: db.prisma }),
        ...createCreditTitleActivities({ prisma: db.prisma }),
      },
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await db?.close();
  });

  async function start(s: SeededCase, policy: Policy = DEFAULT_POLICY) {
    const account = await db.prisma.account.findUniqueOrThrow({ where: { id: s.accountId } });
    const input: CreditTitleWorkflowInput = {
      caseId: s.caseId,
      accountId: s.accountId,
      accountNumber: s.accountNumber,
      parentWorkflowId: `case-${s.accountNumber}`,
      policy,
      priority: 500,
      holderName: account.holderName,
      holderId: account.holderId,
      address: account.address,
      balanceCents: 12_000,
      interestFrom: '2026-07-01',
    };
    return env.client.workflow.start<typeof creditTitleWorkflow>('creditTitleWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `case-${s.accountNumber}-credit-title`,
      args: [input],
    });
  }

  /** The open task of `type` not in `seen` (a task asked again gets a new id). */
  const openTask = (caseId: string, type: string, seen: string[] = []) =>
    eventually(
      () =>
        db.prisma.task.findFirst({
          where: { caseId, type, status: 'open', id: { notIn: seen } },
        }),
      (t) => t !== null,
      30_000,
    ).then((t) => {
      if (!t) throw new Error(`no open ${type} task for case ${caseId}`);
      return t;
    });

  const events = (caseId: string, type: string) =>
    db.prisma.caseEvent.findMany({ where: { caseId, type }, orderBy: { id: 'asc' } });
  const eventOnce = (caseId: string, type: string, count = 1) =>
    eventually(
      () => events(caseId, type),
      (rows) => rows.length >= count,
    ).then((rows) => {
      if (rows.length < count) throw new Error(`no ${type} event for case ${caseId}`);
      return rows[count - 1]!;
    });
  const eventTypes = async (caseId: string) =>
    (await db.prisma.caseEvent.findMany({ where: { caseId }, orderBy: { id: 'asc' } })).map(
      (e) => e.type,
    );

  const collector = (s: SeededCase): Actor => ({ id: s.collectorId, role: 'collector' });
  const manager = (s: SeededCase): Actor => ({ id: s.supervisorId, role: 'manager' });

  type Handle = Awaited<ReturnType<typeof start>>;
  async function approve(h: Handle, s: SeededCase, seen: string[] = []) {
    const task = await openTask(s.caseId, 'validate_credit_title', seen);
    await h.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: task.id, actor: manager(s), form: { decision: 'approve' } }],
    });
    return task;
  }
  /**
   * The tests below use dates of October and November: each moves the server's clock to the 15th
   * of October of the next year with 2026's calendar (2 and 3 November on Monday and Tuesday),
   * so the título is issued before the dates its notification attempts carry.
   */
  let Y = 2026;
  async function moveToOctober(): Promise<void> {
    const now = await env.currentTimeMs();
    Y = new Date(now).getUTCFullYear() + 1;
    while (!(new Date(Date.UTC(Y, 0, 1)).getUTCDay() === 4 && Y % 4 !== 0)) Y += 1;
    await env.sleep(Date.parse(`${Y}-10-15T10:00:00-05:00`) - now);
  }

  async function notify(
    h: Handle,
    s: SeededCase,
    form: { method: string; result: string; at: string },
    seen: string[] = [],
  ) {
    const task = await openTask(s.caseId, 'notify_credit_title', seen);
    // An attempt is recorded once it has happened (never before the título existed).
    const ahead = Date.parse(form.at) - (await env.currentTimeMs());
    if (ahead > 0) await env.sleep(ahead + 60_000);
    await h.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: task.id, actor: collector(s), form }],
    });
    return task;
  }

  it('issues, validates, notifies in person; the term skips the November holidays and expires unpaid', async () => {
    await moveToOctober();
    const s = await seedCase(db.prisma);
    const h = await start(s);

    const validate = await openTask(s.caseId, 'validate_credit_title');
    expect(validate.role).toBe('legal');
    const shown = titleIn(validate);
    expect((validate.payload as { defects: string[] }).defects).toEqual([]);
    expect(shown.number).toMatch(new RegExp(`^TC-${Y}-\\d{6}$`));
    const issued = await eventOnce(s.caseId, 'credit_title_issued');
    expect(issued.data).toMatchObject({
      number: shown.number,
      version: 1,
      issuer: { name: 'Aguas Machala EP' },
      debtor: { name: 'ROMERO AGUILAR JUAN CARLOS', idKind: 'cedula' },
      place: 'Machala',
      amountCents: 12_000,
      amount: '$120,00',
      interestFrom: '2026-07-01',
      signature: { title: expect.stringContaining('Ejecutor') },
    });

    await h.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: validate.id, actor: manager(s), form: { decision: 'approve' } }],
    });
    // Friday 30 Oct (2026's calendar): 2 and 3 Nov (Difuntos, Cuenca) fall inside the 10 business days.
    const notifiedAt = `${Y}-10-30T10:00:00-05:00`;
    await notify(h, s, { method: 'in_person', result: 'notified', at: notifiedAt });

    const outcome = await h.result();
    expect(outcome).toEqual({
      outcome: 'unpaid',
      titleNumber: shown.number,
      notifiedAt: new Date(notifiedAt).toISOString(),
    });
    const started = await eventOnce(s.caseId, 'voluntary_term_started');
    // 4, 5, 6, 9–13, 16, 17 Nov: the 10th business day is Tuesday 17 November.
    expect(started.data).toMatchObject({ deadline: endOf(`${Y}-11-17`) });
    const expired = await eventOnce(s.caseId, 'voluntary_term_expired');
    expect(expired.occurredAt.toISOString()).toBe(endOf(`${Y}-11-17`));

    expect(await eventTypes(s.caseId)).toEqual(
      expect.arrayContaining([
        'credit_title_issued',
        'credit_title_approved',
        'notice_queued',
        'notification_attempt',
        'credit_title_notified',
        'voluntary_term_started',
        'voluntary_term_expired',
      ]),
    );
    const attempt = await eventOnce(s.caseId, 'notification_attempt');
    expect(attempt.data).toMatchObject({ method: 'in_person', result: 'notified', attempt: 1 });
    const notices = await db.prisma.notice.findMany({ where: { caseId: s.caseId } });
    expect(new Set(notices.map((n) => n.kind))).toEqual(new Set(['notificacion_titulo']));
    expect(new Set(notices.map((n) => n.key)).size).toBe(notices.length);
    expect(notices[0]?.body).toContain(shown.number);
    const tasks = await db.prisma.task.findMany({ where: { caseId: s.caseId } });
    expect(tasks.map((t) => [t.type, t.status]).sort()).toEqual([
      ['notify_credit_title', 'done'],
      ['validate_credit_title', 'done'],
    ]);
    expect(
      await db.prisma.documentNumber.count({
        where: { series: 'TC', key: { contains: h.workflowId } },
      }),
    ).toBe(1);
  });

  it('a returned title is corrected and reissued with the same number, then approved', async () => {
    await moveToOctober();
    const s = await seedCase(db.prisma);
    const h = await start(s);
    const first = await openTask(s.caseId, 'validate_credit_title');
    const v1 = titleIn(first);
    // The collector fixes the account data the specialist objects to.
    await db.prisma.account.update({
      where: { id: s.accountId },
      data: { holderName: 'ROMERO AGUILAR JUAN CARLOS ANDRÉS' },
    });
    await h.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: first.id,
          actor: manager(s),
          form: { decision: 'return', corrections: 'Nombre del deudor incompleto' },
        },
      ],
    });
    const second = await openTask(s.caseId, 'validate_credit_title', [first.id]);
    const v2 = titleIn(second);
    expect(v2).toMatchObject({
      number: v1.number,
      version: 2,
      debtor: { name: 'ROMERO AGUILAR JUAN CARLOS ANDRÉS' },
      corrections: ['Nombre del deudor incompleto'],
    });
    const returned = await eventOnce(s.caseId, 'credit_title_returned');
    expect(returned).toMatchObject({
      actor: s.supervisorId,
      reason: 'Nombre del deudor incompleto',
    });
    const reissued = await eventOnce(s.caseId, 'credit_title_issued', 2);
    expect(reissued.data).toMatchObject({ number: v1.number, version: 2 });

    await h.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: second.id, actor: manager(s), form: { decision: 'approve' } }],
    });
    await notify(h, s, { method: 'boleta', result: 'notified', at: `${Y}-10-30T10:00:00-05:00` });
    expect(await h.result()).toMatchObject({ outcome: 'unpaid', titleNumber: v1.number });
    expect((await eventOnce(s.caseId, 'credit_title_approved')).data).toMatchObject({ version: 2 });
    expect(await events(s.caseId, 'credit_title_issued')).toHaveLength(2);
  });

  it('after two attempts without finding the debtor, only publication is accepted', async () => {
    await moveToOctober();
    const s = await seedCase(db.prisma);
    const h = await start(s);
    await approve(h, s);
    const seen: string[] = [];
    seen.push(
      (
        await notify(
          h,
          s,
          { method: 'in_person', result: 'not_found', at: `${Y}-10-20T10:00:00-05:00` },
          seen,
        )
      ).id,
    );
    seen.push(
      (
        await notify(
          h,
          s,
          { method: 'boleta', result: 'not_found', at: `${Y}-10-22T10:00:00-05:00` },
          seen,
        )
      ).id,
    );
    const third = await openTask(s.caseId, 'notify_credit_title', seen);
    expect(third.payload).toMatchObject({ attempt: 3, allowedMethods: ['publication'] });
    seen.push(
      (
        await notify(
          h,
          s,
          { method: 'in_person', result: 'notified', at: `${Y}-10-29T10:00:00-05:00` },
          seen,
        )
      ).id,
    );

    const rejected = await eventOnce(s.caseId, 'notification_attempt_rejected');
    expect(rejected.reason).toBe(
      'tras 2 intentos sin encontrar al deudor solo se admite la notificación por publicación',
    );
    const again = await openTask(s.caseId, 'notify_credit_title', seen);
    expect(again.payload).toMatchObject({
      attempt: 3,
      allowedMethods: ['publication'],
      rejection: expect.stringContaining('publicación'),
    });
    await notify(
      h,
      s,
      { method: 'publication', result: 'notified', at: `${Y}-10-30T10:00:00-05:00` },
      seen,
    );

    expect(await h.result()).toMatchObject({
      outcome: 'unpaid',
      notifiedAt: new Date(`${Y}-10-30T10:00:00-05:00`).toISOString(),
    });
    const attempts = await events(s.caseId, 'notification_attempt');
    expect(attempts.map((e) => e.data)).toMatchObject([
      { method: 'in_person', result: 'not_found', attempt: 1 },
      { method: 'boleta', result: 'not_found', attempt: 2 },
      { method: 'publication', result: 'notified', attempt: 3 },
    ]);
    expect((await eventOnce(s.caseId, 'credit_title_notified')).data).toMatchObject({
      method: 'publication',
    });
  });

  it('three attempts without finding the debtor leave the title not notified', async () => {
    await moveToOctober();
    const s = await seedCase(db.prisma);
    const h = await start(s);
    const validate = await approve(h, s);
    const number = titleIn(validate).number;
    const seen: string[] = [];
    for (const [method, at] of [
      ['in_person', `${Y}-10-20T10:00:00-05:00`],
      ['boleta', `${Y}-10-22T10:00:00-05:00`],
      ['publication', `${Y}-10-29T10:00:00-05:00`],
    ] as const) {
      seen.push((await notify(h, s, { method, result: 'not_found', at }, seen)).id);
    }
    expect(await h.result()).toEqual({ outcome: 'not_notified', titleNumber: number });
    expect(await events(s.caseId, 'credit_title_not_notified')).toHaveLength(1);
    expect(await events(s.caseId, 'voluntary_term_started')).toHaveLength(0);
  });

  it('a payment-facilities request pauses the term, which resumes with the time left', async () => {
    const policy: Policy = {
      ...DEFAULT_POLICY,
      creditTitle: {
        ...DEFAULT_POLICY.creditTitle,
        voluntaryPaymentTerm: { amount: 1, unit: 'hours' },
      },
    };
    const s = await seedCase(db.prisma);
    const h = await start(s, policy);
    await approve(h, s);
    await openTask(s.caseId, 'notify_credit_title'); // the attempt comes after the task exists
    const now = new Date(await env.currentTimeMs()).toISOString();
    await notify(h, s, { method: 'in_person', result: 'notified', at: now });
    const started = await eventOnce(s.caseId, 'voluntary_term_started');
    const firstDeadline = (started.data as { deadline: string }).deadline;
    expect(Date.parse(firstDeadline) - Date.parse(now)).toBe(3_600_000);

    await h.signal(paymentFacilitiesSignal, { pending: true });
    const paused = await eventOnce(s.caseId, 'voluntary_term_paused');
    await env.sleep('3 hours'); // longer than the whole term: it must not expire while paused
    expect(await events(s.caseId, 'voluntary_term_expired')).toHaveLength(0);
    await h.signal(paymentFacilitiesSignal, { pending: false });
    const resumed = await eventOnce(s.caseId, 'voluntary_term_resumed');

    const pausedFor = resumed.occurredAt.getTime() - paused.occurredAt.getTime();
    expect(pausedFor).toBeGreaterThanOrEqual(3 * 3_600_000);
    const newDeadline = (resumed.data as { deadline: string }).deadline;
    expect(Date.parse(newDeadline) - Date.parse(firstDeadline)).toBe(pausedFor);

    expect(await h.result()).toMatchObject({ outcome: 'unpaid' });
    const expired = await eventOnce(s.caseId, 'voluntary_term_expired');
    expect(expired.occurredAt.toISOString()).toBe(newDeadline);
    expect(expired.data).toMatchObject({ deadline: newDeadline });
  });

  it('a request already pending at notification holds the term from its start', async () => {
    const s = await seedCase(db.prisma);
    const h = await start(s, trainingPolicy());
    await h.signal(paymentFacilitiesSignal, { pending: true });
    await approve(h, s);
    await openTask(s.caseId, 'notify_credit_title'); // the attempt comes after the task exists
    const now = new Date(await env.currentTimeMs()).toISOString();
    await notify(h, s, { method: 'in_person', result: 'notified', at: now });
    const paused = await eventOnce(s.caseId, 'voluntary_term_paused');
    // Training policy: 40 seconds, all of them still to run.
    expect(paused.data).toMatchObject({ status: 'paused', remaining: { unit: 'ms' } });
    expect((paused.data as { remaining: { ms: number } }).remaining.ms).toBeGreaterThan(39_000);
    await env.sleep('1 day');
    expect(await events(s.caseId, 'voluntary_term_expired')).toHaveLength(0);
    await h.signal(paymentFacilitiesSignal, { pending: false });
    expect(await h.result()).toMatchObject({ outcome: 'unpaid' });
    expect(await eventTypes(s.caseId)).toEqual(
      expect.arrayContaining([
        'voluntary_term_paused',
        'voluntary_term_resumed',
        'voluntary_term_expired',
      ]),
    );
  });

  it('withdraws its open tasks when the parent cancels it', async () => {
    const s = await seedCase(db.prisma);
    const h = await start(s);
    const task = await openTask(s.caseId, 'validate_credit_title');
    await untilNoActivityRunning(h);
    await h.cancel();
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
    const row = await db.prisma.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(row.status).toBe('cancelled');
    expect(row.result).toMatchObject({ reason: 'case moved on' });
    expect(await eventTypes(s.caseId)).toContain('task_cancelled');
  });
});

describe('title number sequence', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('numbers 20 concurrent titles 1..20 without gaps or repeats', async () => {
    const acts = createCreditTitleActivities({ prisma: db.prisma });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        acts.issueTitleNumber({ key: `wf-${i}:title-number`, series: 'TC', year: 2030 }),
      ),
    );
    expect(results.map((r) => r.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(
      await db.prisma.documentCounter.findUnique({
        where: { series_year: { series: 'TC', year: 2030 } },
      }),
    ).toMatchObject({ last: 20 });
    // Another year has its own series.
    expect(
      await acts.issueTitleNumber({ key: 'wf-x:title-number', series: 'TC', year: 2031 }),
    ).toEqual({ number: 1 });
    expect(formatTitleNumber('TC', 2030, results[0]!.number)).toMatch(/^TC-2030-0000\d\d$/);
  });

  it('the same key gets the same number, even when the calls race', async () => {
    const acts = createCreditTitleActivities({ prisma: db.prisma });
    const first = await acts.issueTitleNumber({
      key: 'wf-same:title-number',
      series: 'TC',
      year: 2032,
    });
    const again = await acts.issueTitleNumber({
      key: 'wf-same:title-number',
      series: 'TC',
      year: 2032,
    });
    expect(again).toEqual(first);
    const racing = await Promise.all(
      Array.from({ length: 8 }, () =>
        acts.issueTitleNumber({ key: 'wf-race:title-number', series: 'TC', year: 2032 }),
      ),
    );
    expect(new Set(racing.map((r) => r.number))).toEqual(new Set([first.number + 1]));
    const next = await acts.issueTitleNumber({
      key: 'wf-next:title-number',
      series: 'TC',
      year: 2032,
    });
    expect(next.number).toBe(first.number + 2); // the lost races left no gap
    expect(await db.prisma.documentNumber.count({ where: { series: 'TC', year: 2032 } })).toBe(3);
  });
});
