/**
 * Issue 12 on the time-skipping server with the real case store, tasks and notices over
 * PostgreSQL: a repeat debtor's second case acts on its own; outside refusals become tasks and
 * the case survives; the prior notice starts the cut's term only once delivered; the orden de
 * pago's term runs from its notification; excepciones pause the coactiva; prescription; promise
 * horizon; regularisation; moratorium.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulators, type OutsideSimulators } from '../../activities/simulators.js';
import type { TaskType } from '../../domain/tasks.js';
import { activitiesFor } from '../../temporal/worker.js';
import type { caseWorkflow } from '../../workflows/case.js';
import {
  caseViewQuery,
  completeTaskUpdate,
  paymentReceivedSignal,
  type Actor,
  type CaseView,
  type CaseWorkflowInput,
} from '../../workflows/messages.js';
import { eventually, freshDatabase, type TestDatabase } from '../support/env.js';
import {
  billingRowsFor,
  caseInput,
  deliverEmails as deliverNoticeEmails,
  seedCase,
  testWorker,
  timeSkippingEnv,
  workflowBundle,
  type SeededCase,
} from '../support/workflow-env.js';

const TASK_QUEUE = 'case-lawful-test';
type CaseHandle = WorkflowHandle<typeof caseWorkflow>;

describe('a lawful case (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;
  let sims: OutsideSimulators;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    db = await freshDatabase();
    bundle = await workflowBundle();
  });
  beforeEach(async () => {
    env = await timeSkippingEnv();
    sims = createSimulators();
    worker = await testWorker(
      env,
      TASK_QUEUE,
      activitiesFor({ prisma: db.prisma, ...sims }),
      bundle,
    );
    running = worker.run();
  });
  afterEach(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });
  afterAll(async () => {
    await db?.close();
  });

  // ---- driving a case as people and outside systems would ---------------------------------

  const collector = (s: SeededCase): Actor => ({ id: s.collectorId, role: 'collector' });

  async function start(s: SeededCase, extra: Partial<CaseWorkflowInput> = {}) {
    // A seeded case row stands in for intake's; the workflow records it itself.
    await db.prisma.case.deleteMany({ where: { id: s.caseId } });
    sims.billing.load(await billingRowsFor(db.prisma, s.accountId));
    return env.client.workflow.start<typeof caseWorkflow>('caseWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `case-${s.accountNumber}`,
      args: [caseInput(s, extra)],
    });
  }

  const serverNow = async () => new Date(await env.currentTimeMs()).toISOString();

  async function sleepPast(at: string, afterMs = 3_600_000): Promise<void> {
    const ms = Date.parse(at) + afterMs - (await env.currentTimeMs());
    if (ms > 0) await env.sleep(ms);
  }

  async function openTask(caseId: string, type: TaskType) {
    const t = await eventually(
      () => db.prisma.task.findFirst({ where: { caseId, type, status: 'open' } }),
      (x) => x !== null,
      30_000,
    );
    if (!t) throw new Error(`no open ${type} task for case ${caseId}`);
    return t;
  }

  /** Completes the open task; a function form is built once the task is open (its times). */
  async function complete(
    caseId: string,
    type: TaskType,
    actor: Actor,
    form: unknown | (() => Promise<unknown>),
  ) {
    const task = await openTask(caseId, type);
    const body = typeof form === 'function' ? await (form as () => Promise<unknown>)() : form;
    await env.client.workflow
      .getHandle(task.workflowId)
      .executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor, form: body }] });
  }

  /** The crew reports the reconnection it was ordered. */
  const reconnected = (s: SeededCase) =>
    complete(s.caseId, 'reconnection_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await serverNow(),
    }));

  async function eventOf(caseId: string, type: string, nth = 1) {
    const rows = await eventually(
      () => db.prisma.caseEvent.findMany({ where: { caseId, type }, orderBy: { id: 'asc' } }),
      (r) => r.length >= nth,
      30_000,
    );
    const e = rows[nth - 1];
    if (!e) throw new Error(`no ${type} event (${nth}) for case ${caseId}`);
    return e;
  }

  const deliverEmails = async (caseId: string, kind: string) =>
    deliverNoticeEmails(db.prisma, env.client, caseId, kind, new Date(await env.currentTimeMs()));

  /** Reminder passes; the prior notice is delivered; past its term the crew cuts. */
  async function cut(s: SeededCase): Promise<void> {
    await env.sleep('31 days');
    await deliverEmails(s.caseId, 'aviso_previo_suspension');
    const notice = await eventOf(s.caseId, 'suspension_notice_delivered');
    await sleepPast((notice.data as { earliestCutAt: string }).earliestCutAt);
    await complete(s.caseId, 'suspension_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await serverNow(),
      sealNumber: `SELLO-${s.caseId.slice(0, 6)}`,
    }));
  }

  async function pay(handle: CaseHandle, reference: string, amountCents: number): Promise<void> {
    await handle.signal(paymentReceivedSignal, {
      reference,
      amountCents,
      paidAt: await serverNow(),
      source: 'treasury',
    });
  }

  const view = (handle: CaseHandle, ok: (v: CaseView) => boolean) =>
    eventually(() => handle.query(caseViewQuery), ok, 30_000);

  /**
   * The case's end, without `result()`: waiting on a result unlocks time skipping, and the test
   * server then ran ten years ahead after the case had already completed.
   */
  async function ended(handle: CaseHandle): Promise<CaseView> {
    await eventually(
      () => handle.describe(),
      (d) => d.status.name !== 'RUNNING',
      30_000,
    );
    return handle.query(caseViewQuery);
  }

  /** What the case left in every system: notices, documents, orders, fees. */
  async function effectsOf(caseId: string) {
    const notices = await db.prisma.notice.findMany({ where: { caseId } });
    const documents = await db.prisma.document.findMany({ where: { caseId } });
    const workflowKeys = new Set(notices.map((n) => n.key.split(':').slice(0, 2).join(':')));
    return {
      notices: notices.map((n) => `${n.kind}/${n.channel}`).sort(),
      noticeKeys: notices.map((n) => n.key),
      documents: documents.map((d) => `${d.kind} ${d.number}`).sort(),
      workflowKeys,
    };
  }

  // ---- 1. A case is its own case ------------------------------------------------------------

  it("acts again for an account's second case: its own aviso, prior notice, orders, fees and documents", async () => {
    const s = await seedCase(db.prisma);
    const first = await start(s);
    await cut(s);
    await view(first, (v) => v.service === 'suspended');
    await pay(first, `P1-${s.caseId}`, 12_000);
    await reconnected(s);
    expect(await ended(first)).toMatchObject({ status: 'closed', closeReason: 'paid' });
    const firstEffects = await effectsOf(s.caseId);
    const billingBefore = sims.billing.effects().length;
    const fieldBefore = sims.fieldOps.effects().length;

    // The account falls behind again: new overdue bills, a new case on the same workflow id.
    for (const [i, dueOn] of ['2026-09-01', '2026-10-01'].entries()) {
      await db.prisma.invoice.create({
        data: {
          accountId: s.accountId,
          number: `F-${s.accountNumber}-again-${i}`,
          issuedOn: new Date('2026-08-01'),
          dueOn: new Date(dueOn),
          amountCents: 7_000,
          balanceCents: 7_000,
        },
      });
    }
    await db.prisma.invoice.updateMany({
      where: { accountId: s.accountId, number: { not: { contains: 'again' } } },
      data: { balanceCents: 0 },
    });
    const again: SeededCase = { ...s, caseId: randomUUID() };
    const second = await start(again, { balanceCents: 14_000, oldestDueOn: '2026-09-01' });
    expect(second.workflowId).toBe(first.workflowId);
    await openTask(again.caseId, 'contact_debtor');
    await cut(again);
    await view(second, (v) => v.service === 'suspended');
    await pay(second, `P2-${again.caseId}`, 14_000);
    await reconnected(again);
    expect(await ended(second)).toMatchObject({ status: 'closed', closeReason: 'paid' });

    const secondEffects = await effectsOf(again.caseId);
    // The second case queued its own aviso de cobro and prior notice, on every channel.
    expect(secondEffects.notices).toEqual(firstEffects.notices);
    expect(secondEffects.notices).toEqual(
      expect.arrayContaining(['aviso_cobro/email', 'aviso_previo_suspension/email']),
    );
    // …with keys of its own, and documents with new numbers.
    expect(secondEffects.noticeKeys.filter((k) => firstEffects.noticeKeys.includes(k))).toEqual([]);
    expect(secondEffects.documents.length).toBe(firstEffects.documents.length);
    expect(secondEffects.documents.filter((d) => firstEffects.documents.includes(d))).toEqual([]);
    // Outside systems received a second suspension and reconnection order and a second pair of fees.
    const fieldNew = sims.fieldOps.effects().slice(fieldBefore);
    expect(fieldNew.map((e) => e.kind).sort()).toEqual(['reconnection', 'suspension']);
    const feesNew = sims.billing
      .effects()
      .slice(billingBefore)
      .filter((e) => e.kind === 'fee');
    expect(feesNew).toHaveLength(2);
    // The first case's records are untouched.
    expect(await effectsOf(s.caseId)).toEqual(firstEffects);
    const children = (await second.fetchHistory()).events?.flatMap((e) => {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      return a ? [a.workflowId ?? ''] : [];
    });
    expect(children?.every((id) => id.includes(again.caseId))).toBe(true);
  });
});
