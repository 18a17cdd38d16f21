/**
 * The case workflow's own paths on the time-skipping server, with the real case store,
 * tasks and notices over PostgreSQL: paid during reminder, promises kept and broken, dispute,
 * hold and close, protected accounts, and the validators of human steps.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulators, type OutsideSimulators } from '../../activities/simulators.js';
import { activitiesFor } from '../../temporal/worker.js';
import { addCalendarDays, toLocalDate } from '../../domain/calendar.js';
import type { caseWorkflow } from '../../workflows/case.js';
import {
  caseViewQuery,
  closeCaseUpdate,
  completeTaskUpdate,
  holdCaseUpdate,
  openDisputeUpdate,
  paymentReceivedSignal,
  proposeAgreementUpdate,
  resolveDisputeUpdate,
  type Actor,
  type CaseWorkflowInput,
  type PaymentReceived,
} from '../../workflows/messages.js';
import { eventually, freshDatabase, type TestDatabase } from '../support/env.js';
import {
  caseInput,
  seedCase,
  testWorker,
  timeSkippingEnv,
  workflowBundle,
  type SeededCase,
} from '../support/workflow-env.js';

const TASK_QUEUE = 'case-lifecycle-test';

describe('case workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;
  let sims: OutsideSimulators;

  let bundle: WorkflowBundle;

  // Each test gets its own time-skipping server: time skipped by one test cannot leak into another.
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

  async function start(
    seeded: SeededCase,
    balanceCents = 12_000,
    extra: Partial<CaseWorkflowInput> = {},
  ) {
    // The seeded case row stands in for intake's; the workflow records the same id.
    await db.prisma.case.delete({ where: { id: seeded.caseId } });
    const input: CaseWorkflowInput = caseInput(seeded, { balanceCents, ...extra });
    return env.client.workflow.start<typeof caseWorkflow>('caseWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `case-${seeded.accountNumber}`,
      args: [input],
    });
  }

  const openTask = (caseId: string, type: string) =>
    eventually(
      () => db.prisma.task.findFirst({ where: { caseId, type, status: 'open' } }),
      (t) => t !== null,
      30_000,
    ).then((t) => {
      if (!t) throw new Error(`no open ${type} task for case ${caseId}`);
      return t;
    });

  const collector = (s: SeededCase): Actor => ({ id: s.collectorId, role: 'collector' });
  const manager = (s: SeededCase): Actor => ({ id: s.supervisorId, role: 'manager' });
  const eventTypes = async (caseId: string) =>
    (await db.prisma.caseEvent.findMany({ where: { caseId }, orderBy: { id: 'asc' } })).map(
      (e) => e.type,
    );

  it('closes as paid when the debt is paid during the reminder stage', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    const task = await openTask(s.caseId, 'contact_debtor');
    expect(task.assigneeId).toBe(s.collectorId);
    await handle.signal(paymentReceivedSignal, {
      reference: `P-${s.caseId}`,
      amountCents: 12_000,
      paidAt: new Date().toISOString(),
      source: 'treasury',
    });
    const view = await handle.result();
    expect(view).toMatchObject({ status: 'closed', closeReason: 'paid', balanceCents: 0 });
    expect((await db.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe(
      'cancelled',
    );
    const notices = await db.prisma.notice.findMany({ where: { caseId: s.caseId } });
    expect(notices.map((n) => n.kind)).toContain('aviso_cobro');
    expect(new Set(notices.map((n) => n.key)).size).toBe(notices.length);
    const types = await eventTypes(s.caseId);
    expect(types).toEqual(
      expect.arrayContaining([
        'case_opened',
        'notice_queued',
        'task_created',
        'payment_received',
        'case_closed',
      ]),
    );
    const row = await db.prisma.case.findUniqueOrThrow({ where: { id: s.caseId } });
    expect(row).toMatchObject({
      status: 'closed',
      stage: 'closed',
      closeReason: 'paid',
      openKey: null,
    });
  });

  it('a payment already waiting when the case starts its first step closes it with no reminder sent', async () => {
    // As after a worker outage: the opening and the payment reach the workflow together.
    const s = await seedCase(db.prisma);
    await db.prisma.case.delete({ where: { id: s.caseId } });
    const handle = await env.client.workflow.signalWithStart<
      typeof caseWorkflow,
      [PaymentReceived]
    >('caseWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `case-${s.accountNumber}`,
      args: [caseInput(s, { balanceCents: 12_000 })],
      signal: paymentReceivedSignal,
      signalArgs: [
        {
          reference: `P-${s.caseId}`,
          amountCents: 12_000,
          paidAt: new Date().toISOString(),
          source: 'treasury',
        },
      ],
    });
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'paid' });
    expect(await db.prisma.notice.count({ where: { caseId: s.caseId } })).toBe(0);
    expect(await db.prisma.task.count({ where: { caseId: s.caseId } })).toBe(0);
    // Exactly these three (the payment's record may commit after the closing: compare as a set).
    expect((await eventTypes(s.caseId)).sort()).toEqual([
      'case_closed',
      'case_opened',
      'payment_received',
    ]);
  });

  it('records a kept promise to pay', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    const task = await openTask(s.caseId, 'contact_debtor');
    const promisedOn = addCalendarDays(toLocalDate(new Date()), 3);
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: collector(s),
          form: { outcome: 'promise_to_pay', promisedOn, amount: '50.00' },
        },
      ],
    });
    await handle.signal(paymentReceivedSignal, {
      reference: `P1-${s.caseId}`,
      amountCents: 5_000,
      paidAt: new Date().toISOString(),
      source: 'treasury',
    });
    const kept = await eventually(
      () => eventTypes(s.caseId),
      (t) => t.includes('promise_kept'),
    );
    expect(kept).toContain('promise_kept');
    await handle.signal(paymentReceivedSignal, {
      reference: `P2-${s.caseId}`,
      amountCents: 7_000,
      paidAt: new Date().toISOString(),
      source: 'treasury',
    });
    expect(await handle.result()).toMatchObject({
      status: 'closed',
      closeReason: 'paid',
      paymentsApplied: 2,
    });
  });

  it('records a broken promise once its date and grace have passed, then a manager closes the case', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    const task = await openTask(s.caseId, 'contact_debtor');
    const promisedOn = addCalendarDays(toLocalDate(new Date()), 2);
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: collector(s),
          form: { outcome: 'promise_to_pay', promisedOn, amount: '120.00' },
        },
      ],
    });
    await env.sleep('6 days');
    await eventually(
      () => eventTypes(s.caseId),
      (t) => t.includes('promise_broken'),
    );
    expect(await eventTypes(s.caseId)).toContain('promise_broken');
    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'written_off', note: 'incobrable' }],
    });
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'written_off' });
  });

  it('a dispute pauses escalation until resolved; upheld closes the case', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    await openTask(s.caseId, 'contact_debtor');
    await handle.executeUpdate(openDisputeUpdate, {
      args: [{ actor: collector(s), reason: 'lectura del medidor errada' }],
    });
    await env.sleep('45 days'); // past the suspension threshold (30 days)
    const view = await handle.query(caseViewQuery);
    expect(view).toMatchObject({ stage: 'reminder', disputed: true, status: 'open' });
    await expect(
      handle.executeUpdate(openDisputeUpdate, {
        args: [{ actor: collector(s), reason: 'otra vez' }],
      }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(resolveDisputeUpdate, {
      args: [{ actor: manager(s), outcome: 'upheld', note: 'error de facturación confirmado' }],
    });
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'dispute_won' });
    expect(await eventTypes(s.caseId)).toEqual(
      expect.arrayContaining(['dispute_opened', 'dispute_resolved']),
    );
  });

  it('a manager hold stops escalation; closing with a reason ends the case', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    await openTask(s.caseId, 'contact_debtor');
    await expect(
      handle.executeUpdate(holdCaseUpdate, { args: [{ actor: collector(s), reason: 'no' }] }),
    ).rejects.toThrow();
    await handle.executeUpdate(holdCaseUpdate, {
      args: [{ actor: manager(s), reason: 'revisión de catastro' }],
    });
    await env.sleep('60 days');
    expect(await handle.query(caseViewQuery)).toMatchObject({ stage: 'reminder', onHold: true });
    // Prescription is the legal unit's decision, not a manager's.
    await expect(
      handle.executeUpdate(closeCaseUpdate, {
        args: [{ actor: manager(s), reason: 'prescribed', note: 'acción prescrita' }],
      }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'written_off', note: 'incobrable según catastro' }],
    });
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'written_off' });
    const tasks = await db.prisma.task.findMany({ where: { caseId: s.caseId } });
    expect(tasks.every((t) => t.status !== 'open')).toBe(true);
  });

  it('never cuts a protected account: a manager task replaces the suspension', async () => {
    const s = await seedCase(db.prisma, { protection: 'hospital' });
    const handle = await start(s, 12_000, { protected: true });
    await openTask(s.caseId, 'contact_debtor');
    await env.sleep('31 days');
    const review = await openTask(s.caseId, 'protected_account');
    expect(review.role).toBe('manager');
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: review.id,
          actor: manager(s),
          form: { decision: 'hold_case', note: 'hospital público: gestionar con el Ministerio' },
        },
      ],
    });
    expect(await handle.query(caseViewQuery)).toMatchObject({
      stage: 'suspension',
      onHold: true,
      service: 'active',
    });
    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'cancelled', note: 'convenio interinstitucional' }],
    });
    await handle.result();
    expect(await eventTypes(s.caseId)).not.toContain('suspension_ordered');
  });

  it('refuses bad human input at once and never completes a task twice', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    const task = await openTask(s.caseId, 'contact_debtor');
    const bad = handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: collector(s),
          form: { outcome: 'promise_to_pay', promisedOn: '2026-02-30', amount: '-1' },
        },
      ],
    });
    await expect(bad).rejects.toMatchObject({ cause: { type: 'InvalidForm' } });
    await expect(
      handle.executeUpdate(proposeAgreementUpdate, {
        args: [{ actor: collector(s), terms: { downPaymentCents: 100, instalments: 6 } }],
      }),
    ).rejects.toMatchObject({
      cause: { type: 'BusinessRule', message: expect.stringContaining('entrada mínima') },
    });
    const done = {
      taskId: task.id,
      actor: collector(s),
      form: { outcome: 'contacted', note: 'pagará el viernes' },
    };
    await expect(handle.executeUpdate(completeTaskUpdate, { args: [done] })).resolves.toMatchObject(
      { status: 'done' },
    );
    await expect(handle.executeUpdate(completeTaskUpdate, { args: [done] })).rejects.toMatchObject({
      cause: { type: 'TaskNotOpen' },
    });
    const completions = await db.prisma.caseEvent.count({
      where: { caseId: s.caseId, type: 'task_completed' },
    });
    expect(completions).toBe(1);
    await handle.signal(paymentReceivedSignal, {
      reference: randomUUID(),
      amountCents: 12_000,
      paidAt: new Date().toISOString(),
      source: 'api',
    });
    await handle.result();
  });
});
