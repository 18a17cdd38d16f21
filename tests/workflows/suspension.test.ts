/**
 * The suspension and reconnection children on the time-skipping server, with the real case
 * store, tasks and notices over PostgreSQL and the suspension activities over the billing and
 * field-operations simulators: a cut with evidence (the 48-hour prior notice skipped, the fee
 * posted once although billing's first answer is lost), a cut not done, cancellation before and
 * after the order, a protected account, reconnection on time and late, and the irregular
 * reconnection fine under retry.
 */
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseStoreActivities } from '../../activities/case-store.js';
import { createNoticeActivities } from '../../activities/notices.js';
import { createSuspensionActivities } from '../../activities/suspension.js';
import { createTaskActivities } from '../../activities/tasks.js';
import { FieldOpsSimulator } from '../../activities/field-ops.js';
import type { BillingAdapter, PostFee } from '../../activities/billing/port.js';
import { BillingSimulator } from '../../activities/billing/simulator.js';
import { savePolicy } from '../../store/policy.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import type { reconnectionWorkflow, suspensionWorkflow } from '../../workflows/suspension.js';
import {
  completeTaskUpdate,
  noticeOutcomeSignal,
  type ReconnectionWorkflowInput,
  type SuspensionWorkflowInput,
} from '../../workflows/messages.js';
import { eventually, freshDatabase, type TestDatabase } from '../support/env.js';
import {
  seedCase,
  timeSkippingEnv,
  deliverEmails,
  untilNoActivityRunning,
  type SeededCase,
} from '../support/workflow-env.js';

const TASK_QUEUE = 'suspension-test';
const WORKFLOWS = fileURLToPath(new URL('../../workflows/suspension.ts', import.meta.url));
const HOUR = 3_600_000;

/** Billing whose next `loseFeeAnswers` fee postings take effect but fail on the way back. */
class LossyBilling implements BillingAdapter {
  loseFeeAnswers = 0;
  constructor(readonly sim: BillingSimulator) {}
  getAccount(n: string) {
    return this.sim.getAccount(n);
  }
  postAgreement(r: Parameters<BillingAdapter['postAgreement']>[0]) {
    return this.sim.postAgreement(r);
  }
  registerPayment(r: Parameters<BillingAdapter['registerPayment']>[0]) {
    return this.sim.registerPayment(r);
  }
  exportOverdueInvoices() {
    return this.sim.exportOverdueInvoices();
  }
  async postFee(r: PostFee) {
    const result = await this.sim.postFee(r);
    if (this.loseFeeAnswers > 0) {
      this.loseFeeAnswers -= 1;
      throw new Error('billing: connection reset (simulated lost answer)');
    }
    return result;
  }
}

describe('suspension and reconnection workflows (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;
  const billingSim = new BillingSimulator();
  const billing = new LossyBilling(billingSim);
  const fieldOps = new FieldOpsSimulator();

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
        ...createSuspensionActivities({ prisma: db.prisma, billing, fieldOps }),
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

  /** A seeded case whose account billing also knows (fees are posted against it). */
  async function seed(protection: 'none' | 'hospital' = 'none'): Promise<SeededCase> {
    const s = await seedCase(db.prisma, { protection });
    const a = await db.prisma.account.findUniqueOrThrow({ where: { id: s.accountId } });
    billingSim.load([
      {
        accountNumber: a.number,
        holderId: a.holderId,
        holderName: a.holderName,
        address: a.address,
        sector: a.sector,
        route: a.route,
        category: a.category,
        phone: a.phone,
        email: a.email,
        invoiceNumber: `F-${a.number}`,
        issuedOn: '2026-06-01',
        dueOn: '2026-07-01',
        amountCents: 12_000,
        balanceCents: 12_000,
        protection,
      },
    ]);
    return s;
  }

  const context = (s: SeededCase) => ({
    caseId: s.caseId,
    accountId: s.accountId,
    accountNumber: s.accountNumber,
    parentWorkflowId: `case-${s.accountNumber}`,
    policy: DEFAULT_POLICY,
    priority: 500,
    address: 'Av. 25 de Junio y Guayas',
  });

  const startSuspension = (s: SeededCase) => {
    const input: SuspensionWorkflowInput = {
      ...context(s),
      holderName: 'ROMERO AGUILAR JUAN CARLOS',
      balanceCents: 12_000,
    };
    return env.client.workflow.start<typeof suspensionWorkflow>('suspensionWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `case-${s.accountNumber}-suspension-1`,
      args: [input],
    });
  };

  const startReconnection = (s: SeededCase, extra: Partial<ReconnectionWorkflowInput> = {}) => {
    const input: ReconnectionWorkflowInput = { ...context(s), trigger: 'paid', ...extra };
    return env.client.workflow.start<typeof reconnectionWorkflow>('reconnectionWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: `case-${s.accountNumber}-reconnection-1`,
      args: [input],
    });
  };

  const openTask = (caseId: string, type: string) =>
    eventually(
      () => db.prisma.task.findFirst({ where: { caseId, type, status: 'open' } }),
      (t) => t !== null,
    ).then((t) => {
      if (!t) throw new Error(`no open ${type} task for case ${caseId}`);
      return t;
    });

  const events = (caseId: string, type: string) =>
    db.prisma.caseEvent.findMany({ where: { caseId, type }, orderBy: { id: 'asc' } });

  const fees = (accountNumber: string) =>
    billingSim.effects().filter((e) => e.kind === 'fee' && e.accountNumber === accountNumber);
  const orders = (accountNumber: string) =>
    fieldOps.effects().filter((e) => e.accountNumber === accountNumber);

  const now = async () => new Date(await env.currentTimeMs()).toISOString();

  /** The dispatcher's part: the prior notice's e-mail is accepted by the SMTP server now. */
  const deliverPriorNotice = async (s: SeededCase) =>
    expect(
      await deliverEmails(
        db.prisma,
        env.client,
        s.caseId,
        'aviso_previo_suspension',
        new Date(await env.currentTimeMs()),
      ),
    ).toBe(1);

  it('cuts after the prior notice with the crew evidence, and posts the fee once', async () => {
    const s = await seed();
    const handle = await startSuspension(s);
    await eventually(
      () => events(s.caseId, 'suspension_notice_sent'),
      (rows) => rows.length === 1,
    );
    expect(await db.prisma.task.count({ where: { caseId: s.caseId } })).toBe(0);
    expect(orders(s.accountNumber)).toHaveLength(0);

    await deliverPriorNotice(s);
    billing.loseFeeAnswers = 1; // the first posting reaches billing, its answer does not come back
    await env.sleep(48 * HOUR + 60_000);
    const task = await openTask(s.caseId, 'suspension_field');
    const performedAt = await now();
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: { id: s.collectorId, role: 'collector' },
          form: {
            outcome: 'done',
            performedAt,
            sealNumber: 'S-004512',
            note: 'Medidor sellado',
            gps: { lat: -3.2581, lng: -79.9553 },
          },
        },
      ],
    });
    expect(await handle.result()).toEqual({
      outcome: 'suspended',
      performedAt,
      sealNumber: 'S-004512',
    });

    const [notice] = await events(s.caseId, 'suspension_notice_delivered');
    const [ordered] = await events(s.caseId, 'suspension_ordered');
    // The prior notice's term runs from its delivery, not from when it was queued.
    const deliveredAt = Date.parse((notice!.data as { deliveredAt: string }).deliveredAt);
    expect(ordered!.occurredAt.getTime() - deliveredAt).toBeGreaterThanOrEqual(48 * HOUR);
    expect(orders(s.accountNumber)).toMatchObject([
      { kind: 'suspension', key: `${handle.workflowId}:suspension-order` },
    ]);
    expect(fees(s.accountNumber)).toMatchObject([
      {
        key: `${handle.workflowId}:suspension-fee`,
        amountCents: DEFAULT_POLICY.suspension.suspensionFeeCents,
        detail: { kind: 'suspension' },
      },
    ]);
    const [done] = await events(s.caseId, 'suspension_done');
    expect(done).toMatchObject({ actor: s.collectorId });
    expect(done!.data).toMatchObject({
      sealNumber: 'S-004512',
      gps: { lat: -3.2581, lng: -79.9553 },
      performedAt,
    });
    for (const type of [
      'suspension_notice_sent',
      'suspension_ordered',
      'suspension_done',
      'fee_posted',
    ]) {
      expect(await events(s.caseId, type), type).toHaveLength(1);
    }
    expect(
      await db.prisma.notice.count({
        where: { caseId: s.caseId, kind: 'aviso_previo_suspension' },
      }),
    ).toBeGreaterThan(0);
    expect(await db.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({
      status: 'done',
    });
  });

  it('records a cut not done with its reason and charges nothing', async () => {
    const s = await seed();
    const handle = await startSuspension(s);
    await deliverPriorNotice(s);
    await env.sleep(48 * HOUR + 60_000);
    const task = await openTask(s.caseId, 'suspension_field');
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: { id: s.collectorId, role: 'collector' },
          form: {
            outcome: 'not_done',
            reason: 'address_not_found',
            note: 'Numeración inexistente',
          },
        },
      ],
    });
    expect(await handle.result()).toEqual({ outcome: 'not_done', reason: 'address_not_found' });
    expect(fees(s.accountNumber)).toHaveLength(0);
    const [notDone] = await events(s.caseId, 'suspension_not_done');
    expect(notDone!.data).toMatchObject({ reason: 'address_not_found' });
    expect(await events(s.caseId, 'fee_posted')).toHaveLength(0);
  });

  it('places no order when cancelled during the prior notice', async () => {
    const s = await seed();
    const handle = await startSuspension(s);
    await eventually(
      () => events(s.caseId, 'suspension_notice_sent'),
      (rows) => rows.length === 1,
    );
    await untilNoActivityRunning(handle);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(orders(s.accountNumber)).toHaveLength(0);
    expect(await db.prisma.task.count({ where: { caseId: s.caseId } })).toBe(0);
    expect(await events(s.caseId, 'suspension_cancelled')).toHaveLength(1);
  });

  it('withdraws the task and the field order when cancelled after the order', async () => {
    const s = await seed();
    const handle = await startSuspension(s);
    await deliverPriorNotice(s);
    await env.sleep(48 * HOUR + 60_000);
    const task = await openTask(s.caseId, 'suspension_field');
    await untilNoActivityRunning(handle);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await db.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({
      status: 'cancelled',
    });
    expect(orders(s.accountNumber).map((e) => e.kind)).toEqual(['suspension', 'cancellation']);
    expect(fieldOps.order(orders(s.accountNumber)[0]!.orderId)?.status).toBe('cancelled');
    expect(fees(s.accountNumber)).toHaveLength(0);
    expect(await events(s.caseId, 'field_order_cancelled')).toHaveLength(1);
    expect(await events(s.caseId, 'suspension_cancelled')).toHaveLength(1);
  });

  it('never cuts a protected account, and says why', async () => {
    const s = await seed('hospital');
    const handle = await startSuspension(s);
    expect(await handle.result()).toEqual({ outcome: 'not_done', reason: 'protected' });
    expect(orders(s.accountNumber)).toHaveLength(0);
    expect(fees(s.accountNumber)).toHaveLength(0);
    expect(await db.prisma.notice.count({ where: { caseId: s.caseId } })).toBe(0);
    expect(await db.prisma.task.count({ where: { caseId: s.caseId } })).toBe(0);
    const [refused] = await events(s.caseId, 'suspension_not_done');
    expect(refused!.reason).toMatch(/protegido/);
    expect(refused!.data).toMatchObject({ reason: 'protected', protection: 'hospital' });
  });

  it('reconnects within the deadline and posts the reconnection fee', async () => {
    const s = await seed();
    const handle = await startReconnection(s);
    const task = await openTask(s.caseId, 'reconnection_field');
    expect(orders(s.accountNumber)).toMatchObject([{ kind: 'reconnection' }]);
    await env.sleep(2 * HOUR);
    const performedAt = await now();
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: { id: s.collectorId, role: 'collector' },
          form: { outcome: 'done', performedAt },
        },
      ],
    });
    expect(await handle.result()).toEqual({
      outcome: 'reconnected',
      performedAt,
      withinDeadline: true,
    });
    expect(fees(s.accountNumber)).toMatchObject([
      { key: `${handle.workflowId}:reconnection-fee`, detail: { kind: 'reconnection' } },
    ]);
    const [done] = await events(s.caseId, 'reconnection_done');
    expect(done!.data).toMatchObject({ withinDeadline: true, lateByMs: 0, trigger: 'paid' });
  });

  it('completes a late reconnection and records it as late', async () => {
    const s = await seed();
    const triggeredAt = await now();
    const handle = await startReconnection(s, {
      trigger: 'agreement',
      triggeredAt,
      stage: 'agreement',
    });
    const task = await openTask(s.caseId, 'reconnection_field');
    await env.sleep(26 * HOUR);
    const performedAt = await now();
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: { id: s.collectorId, role: 'collector' },
          form: { outcome: 'done', performedAt },
        },
      ],
    });
    expect(await handle.result()).toEqual({
      outcome: 'reconnected',
      performedAt,
      withinDeadline: false,
    });
    expect(fees(s.accountNumber)).toHaveLength(1);
    const [done] = await events(s.caseId, 'reconnection_done');
    expect(done).toMatchObject({ stage: 'agreement' });
    expect(done!.data).toMatchObject({ withinDeadline: false, triggeredAt });
    expect((done!.data as { lateByMs: number }).lateByMs).toBeGreaterThanOrEqual(2 * HOUR);
  });

  it('posts the irregular reconnection fine exactly once when the activity is retried', async () => {
    const s = await seed();
    const acts = createSuspensionActivities({ prisma: db.prisma, billing, fieldOps });
    const finding = {
      key: `case-${s.accountNumber}:irregular:2026-08-20T15:00:00.000Z`,
      caseId: s.caseId,
      accountNumber: s.accountNumber,
      stage: 'suspension' as const,
      fineCents: DEFAULT_POLICY.suspension.irregularReconnectionFineCents,
      foundAt: '2026-08-20T15:00:00.000Z',
      actor: s.collectorId,
      note: 'Sello roto, servicio reconectado por el usuario',
    };
    billing.loseFeeAnswers = 1;
    await expect(acts.recordIrregularReconnection(finding)).rejects.toThrow(/lost answer/);
    const retried = await acts.recordIrregularReconnection(finding);
    const again = await acts.recordIrregularReconnection(finding);
    expect(retried).toMatchObject({ posted: true, amountCents: 5_000 });
    expect(again.billingReference).toBe(retried.billingReference);
    expect(fees(s.accountNumber)).toMatchObject([
      { key: finding.key, amountCents: 5_000, detail: { kind: 'irregular_reconnection_fine' } },
    ]);
    expect(await events(s.caseId, 'irregular_reconnection')).toHaveLength(1);
    expect(await events(s.caseId, 'fee_posted')).toHaveLength(1);
  });

  // ---- the prior notice counts only once delivered (issue 12 §2) ----------------------------

  /** The prior notice's rows of every channel, for the case. */
  const priorNoticeRows = (s: SeededCase) =>
    db.prisma.notice.findMany({ where: { caseId: s.caseId, kind: 'aviso_previo_suspension' } });

  /** Marks a notice row as the outbox would, and tells its workflow. */
  async function outcome(
    row: { id: string; key: string; workflowId: string | null; channel: string },
    result: 'delivered' | 'failed',
    at: Date,
  ) {
    await db.prisma.notice.update({
      where: { id: row.id },
      data:
        result === 'delivered'
          ? { status: 'sent', sentAt: at, deliveredAt: at }
          : { status: 'failed', lastError: 'Destinatario rechazado' },
    });
    await env.client.workflow.getHandle(row.workflowId!).signal(noticeOutcomeSignal, {
      key: row.key.slice(0, row.key.lastIndexOf(':')),
      channel: row.channel as 'email' | 'sms' | 'letter',
      outcome: result,
      at: at.toISOString(),
    });
  }

  it('orders no cut while the prior notice is only queued; undelivered, a person is asked', async () => {
    const s = await seed();
    const handle = await startSuspension(s);
    await eventually(priorNoticeRows.bind(null, s), (rows) => rows.length >= 2);
    // Ten days pass with the notice still queued on every channel: nothing is ordered.
    await env.sleep(10 * 24 * HOUR);
    expect(orders(s.accountNumber)).toHaveLength(0);
    expect(await events(s.caseId, 'suspension_notice_delivered')).toHaveLength(0);
    // After policy.notices.deliveryTaskAfter (5 business days) the collector is asked.
    const task = await openTask(s.caseId, 'deliver_notice');
    expect(task.payload).toMatchObject({ label: 'Aviso previo de suspensión' });
    expect(await events(s.caseId, 'notice_undelivered')).toHaveLength(1);
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: { id: s.collectorId, role: 'collector' },
          form: { outcome: 'not_delivered', reason: 'Predio deshabitado' },
        },
      ],
    });
    expect(await handle.result()).toEqual({ outcome: 'not_done', reason: 'notice_not_delivered' });
    expect(orders(s.accountNumber)).toHaveLength(0);
    expect(fees(s.accountNumber)).toHaveLength(0);
    const [notDone] = await events(s.caseId, 'suspension_not_done');
    expect(notDone!.data).toMatchObject({ reason: 'notice_not_delivered' });
  });

  it('orders no cut on a failed notice; delivered by hand, the term runs from that delivery', async () => {
    const s = await seed();
    const handle = await startSuspension(s);
    const rows = await eventually(priorNoticeRows.bind(null, s), (r) => r.length >= 2);
    const failedAt = new Date(await env.currentTimeMs());
    for (const row of rows) await outcome(row, 'failed', failedAt);
    // Every channel failed: the collector is asked at once, not after five business days.
    const task = await openTask(s.caseId, 'deliver_notice');
    expect(orders(s.accountNumber)).toHaveLength(0);
    await env.sleep(3 * 24 * HOUR);
    expect(orders(s.accountNumber)).toHaveLength(0);
    const deliveredAt = await now();
    // A delivery dated in the future is refused.
    await expect(
      handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            actor: { id: s.collectorId, role: 'collector' },
            form: {
              outcome: 'delivered',
              method: 'in_person',
              deliveredAt: new Date(Date.parse(deliveredAt) + 48 * HOUR).toISOString(),
            },
          },
        ],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/futura/) } });
    // …and so is one dated before the notice was even sent.
    await expect(
      handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            actor: { id: s.collectorId, role: 'collector' },
            form: {
              outcome: 'delivered',
              method: 'in_person',
              deliveredAt: new Date(failedAt.getTime() - 24 * HOUR).toISOString(),
            },
          },
        ],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/anterior a la emisión/) } });
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: { id: s.collectorId, role: 'collector' },
          form: { outcome: 'delivered', method: 'in_person', deliveredAt },
        },
      ],
    });
    const [delivered] = await eventually(
      () => events(s.caseId, 'suspension_notice_delivered'),
      (r) => r.length === 1,
    );
    expect(delivered!.data).toMatchObject({ channel: 'in_person', deliveredAt });
    const cutFrom = (delivered!.data as { earliestCutAt: string }).earliestCutAt;
    expect(Date.parse(cutFrom) - Date.parse(deliveredAt)).toBe(48 * HOUR);
    await env.sleep(47 * HOUR);
    expect(orders(s.accountNumber)).toHaveLength(0);
    await env.sleep(2 * HOUR);
    await openTask(s.caseId, 'suspension_field');
    expect(orders(s.accountNumber)).toMatchObject([{ kind: 'suspension' }]);
    await untilNoActivityRunning(handle);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });

  it('starts the term when a printed letter is confirmed delivered', async () => {
    const s = await seed();
    const handle = await startSuspension(s);
    const rows = await eventually(priorNoticeRows.bind(null, s), (r) => r.length >= 2);
    const email = rows.find((r) => r.channel === 'email')!;
    const letter = rows.find((r) => r.channel === 'letter')!;
    await outcome(email, 'failed', new Date(await env.currentTimeMs()));
    await env.sleep(2 * 24 * HOUR);
    expect(await events(s.caseId, 'suspension_notice_delivered')).toHaveLength(0);
    // The notifier confirms the letter, delivered the day before the route sheet came back.
    const deliveredAt = new Date((await env.currentTimeMs()) - 24 * HOUR);
    await outcome(letter, 'delivered', deliveredAt);
    const [delivered] = await eventually(
      () => events(s.caseId, 'suspension_notice_delivered'),
      (r) => r.length === 1,
    );
    expect(delivered!.data).toMatchObject({
      channel: 'letter',
      deliveredAt: deliveredAt.toISOString(),
      earliestCutAt: new Date(deliveredAt.getTime() + 48 * HOUR).toISOString(),
    });
    expect(
      await db.prisma.task.count({ where: { caseId: s.caseId, type: 'deliver_notice' } }),
    ).toBe(0);
    await env.sleep(25 * HOUR);
    await openTask(s.caseId, 'suspension_field');
    const [ordered] = await events(s.caseId, 'suspension_ordered');
    expect(ordered!.occurredAt.getTime() - deliveredAt.getTime()).toBeGreaterThanOrEqual(48 * HOUR);
    await untilNoActivityRunning(handle);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });

  it('orders no cut while a moratorium is in force, and says so', async () => {
    const s = await seed();
    const meta = { source: 'test', reason: 'moratoria', createdBy: 'test' };
    await savePolicy(
      db.prisma,
      {
        ...DEFAULT_POLICY,
        suspension: {
          ...DEFAULT_POLICY.suspension,
          moratorium: { active: true, decree: 'Decreto Ejecutivo 123' },
        },
      },
      meta,
    );
    try {
      const handle = await startSuspension(s);
      expect(await handle.result()).toEqual({ outcome: 'not_done', reason: 'moratorium' });
      expect(orders(s.accountNumber)).toHaveLength(0);
      expect(await db.prisma.notice.count({ where: { caseId: s.caseId } })).toBe(0);
      const [refused] = await events(s.caseId, 'suspension_not_done');
      expect(refused!.reason).toMatch(/Moratoria.*Decreto Ejecutivo 123/);
      expect(refused!.data).toMatchObject({ reason: 'moratorium' });
    } finally {
      await savePolicy(db.prisma, DEFAULT_POLICY, meta);
    }
  });

  it('refuses a crew report dated before its order', async () => {
    const s = await seed();
    const handle = await startReconnection(s);
    const task = await openTask(s.caseId, 'reconnection_field');
    const before = new Date((await env.currentTimeMs()) - HOUR).toISOString();
    await expect(
      handle.executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            actor: { id: s.collectorId, role: 'collector' },
            form: { outcome: 'done', performedAt: before },
          },
        ],
      }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/anterior a la orden/) },
    });
    expect(await db.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({
      status: 'open',
    });
    await untilNoActivityRunning(handle);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });
});
