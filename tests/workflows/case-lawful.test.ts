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
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  caseViewQuery,
  closeCaseUpdate,
  completeTaskUpdate,
  fileExceptionsUpdate,
  proposeAgreementUpdate,
  reportIrregularReconnectionUpdate,
  ruleExceptionsUpdate,
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

  /** Starts the case; billing knows its account unless `unknownToBilling`. */
  async function start(
    s: SeededCase,
    extra: Partial<CaseWorkflowInput> = {},
    unknownToBilling = false,
  ) {
    // A seeded case row stands in for intake's; the workflow records it itself.
    await db.prisma.case.deleteMany({ where: { id: s.caseId } });
    if (!unknownToBilling) sims.billing.load(await billingRowsFor(db.prisma, s.accountId));
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

  // ---- 1b. A case never dies ------------------------------------------------------------------

  const manager = (s: SeededCase): Actor => ({ id: s.supervisorId, role: 'manager' });
  const legal: Actor = { id: 'legal-ana', role: 'legal' };

  it('survives every outside refusal: each becomes a manager task, retried or skipped', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s, {}, true);
    // Field operations refuses the account: the cut order cannot be placed.
    sims.fieldOps.faults.rejectAccounts = [s.accountNumber];
    await env.sleep('31 days');
    await deliverEmails(s.caseId, 'aviso_previo_suspension');
    const notice = await eventOf(s.caseId, 'suspension_notice_delivered');
    await sleepPast((notice.data as { earliestCutAt: string }).earliestCutAt);
    const refused = await eventOf(s.caseId, 'outside_refused');
    expect(refused.data).toMatchObject({ system: 'field_ops', step: 'suspension-order' });
    const task = await openTask(s.caseId, 'outside_failure');
    expect(task.role).toBe('manager');
    expect(task.payload).toMatchObject({ system: 'field_ops', refused: true });
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // The manager has the account added to the crews' system and retries: the order goes out.
    sims.fieldOps.faults.rejectAccounts = [];
    await complete(s.caseId, 'outside_failure', manager(s), {
      decision: 'retry',
      note: 'Cuenta registrada en operaciones',
    });
    await complete(s.caseId, 'suspension_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await serverNow(),
      sealNumber: 'S-1',
    }));

    // Billing does not know the account: the suspension fee is refused; skipped with a reason.
    await eventOf(s.caseId, 'outside_refused', 2);
    const feeTask = await openTask(s.caseId, 'outside_failure');
    expect(feeTask.payload).toMatchObject({ system: 'billing', step: 'suspension-fee' });
    await complete(s.caseId, 'outside_failure', manager(s), {
      decision: 'skip',
      reason: 'Cuenta dada de baja en facturación; se cobra por convenio',
    });
    await eventOf(s.caseId, 'outside_step_skipped');
    const cut = await view(handle, (v) => v.service === 'suspended');
    expect(cut.status).toBe('open');
    expect(sims.fieldOps.effects().filter((e) => e.kind === 'suspension')).toHaveLength(1);
    expect(sims.billing.effects().filter((e) => e.kind === 'fee')).toHaveLength(0);

    // A payment still reaches the case: it closes as paid (the reconnection is ordered).
    sims.billing.load(await billingRowsFor(db.prisma, s.accountId));
    await pay(handle, `P-${s.caseId}`, 12_000);
    await reconnected(s);
    expect(await ended(handle)).toMatchObject({ status: 'closed', closeReason: 'paid' });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  // ---- 3. What the procedure was missing ------------------------------------------------------

  it('refuses a promise to pay beyond the policy horizon; a partial one within it is watched', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    const task = await openTask(s.caseId, 'contact_debtor');
    const today = new Date(await env.currentTimeMs());
    const inDays = (n: number) =>
      new Date(today.getTime() + n * 86_400_000).toISOString().slice(0, 10);
    const promise = (promisedOn: string, amount: string) =>
      env.client.workflow.getHandle(task.workflowId).executeUpdate(completeTaskUpdate, {
        args: [
          {
            taskId: task.id,
            actor: collector(s),
            form: { outcome: 'promise_to_pay', promisedOn, amount },
          },
        ],
      });
    await expect(promise(inDays(90), '40.00')).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/no puede pasar del .*30 días calendario/) },
    });
    await expect(promise(inDays(5), '500.00')).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/supera el saldo/) },
    });
    expect((await db.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe(
      'open',
    );
    await promise(inDays(10), '40.00'); // partial: USD 40 of 120
    const recorded = await eventOf(s.caseId, 'contact_recorded');
    expect(recorded.reason).toBe('promise_to_pay');
    await pay(handle, `P-${s.caseId}`, 4_000);
    await eventOf(s.caseId, 'promise_kept');
    expect((await handle.query(caseViewQuery)).status).toBe('open');
  });

  it('regularisation: an irregular reconnection posts its fine and puts the case back to a cut', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    await cut(s);
    await view(handle, (v) => v.service === 'suspended');
    const foundAt = await serverNow();
    await handle.executeUpdate(reportIrregularReconnectionUpdate, {
      args: [
        {
          actor: collector(s),
          foundAt,
          note: 'Sello roto, servicio activo',
          sealNumber: `SELLO-${s.caseId.slice(0, 6)}`,
          gps: { lat: -3.2581, lng: -79.9553 },
        },
      ],
    });
    const found = await eventOf(s.caseId, 'irregular_reconnection');
    expect(found.data).toMatchObject({ evidence: { gps: { lat: -3.2581, lng: -79.9553 } } });
    // The fine, once; then a new cut order at once (no second prior notice).
    await eventOf(s.caseId, 'suspension_recut');
    const fines = () =>
      sims.billing
        .effects()
        .filter((e) => (e.detail as { kind?: string }).kind === 'irregular_reconnection_fine');
    expect(fines()).toHaveLength(1);
    await complete(s.caseId, 'suspension_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await serverNow(),
      sealNumber: 'SELLO-2',
    }));
    await view(handle, (v) => v.service === 'suspended');
    expect(sims.fieldOps.effects().filter((e) => e.kind === 'suspension')).toHaveLength(2);
    expect(
      await db.prisma.notice.count({
        where: { caseId: s.caseId, kind: 'aviso_previo_suspension', channel: 'email' },
      }),
    ).toBe(1);
    // A second report while the first is being handled is refused; the service is cut again now.
    expect(fines()).toHaveLength(1);
    await pay(handle, `P-${s.caseId}`, 30_000);
    await reconnected(s);
    expect(await ended(handle)).toMatchObject({ status: 'closed', closeReason: 'paid' });
  });

  it('excepciones filed in coactiva pause it; upheld, the case closes as exceptions_upheld', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    await cut(s);
    await view(handle, (v) => v.stage === 'credit_title');
    await env.sleep('31 days');
    await complete(s.caseId, 'validate_credit_title', legal, { decision: 'approve' });
    await complete(s.caseId, 'notify_credit_title', collector(s), async () => ({
      method: 'in_person',
      result: 'notified',
      at: await serverNow(),
    }));
    const term = await eventOf(s.caseId, 'voluntary_term_started');
    await sleepPast((term.data as { deadline: string }).deadline);
    await complete(s.caseId, 'coactiva_intake', legal, { handledBy: 'in_house' });
    // Filing before the orden de pago is notified is refused.
    const file = (filedOn: string) =>
      handle.executeUpdate(fileExceptionsUpdate, {
        args: [
          {
            actor: legal,
            filedOn,
            court: 'Unidad Judicial Civil de Machala',
            processNumber: '07333-2027-00123',
            grounds: 'Prescripción de la acción y error en el monto',
          },
        ],
      });
    await expect(file((await serverNow()).slice(0, 10))).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await complete(s.caseId, 'notify_payment_order', legal, async () => ({
      method: 'in_person',
      result: 'notified',
      at: await serverNow(),
    }));
    await view(handle, (v) => v.stage === 'coactiva' && (v.prescribesOn ?? '') > '2030');
    await eventually(
      async () => (await handle.query(caseViewQuery)).prescribesOn,
      (p) => p !== null,
      30_000,
    );
    // The collector may not file them; the legal unit does.
    await expect(
      handle.executeUpdate(fileExceptionsUpdate, {
        args: [
          {
            actor: collector(s),
            filedOn: (await serverNow()).slice(0, 10),
            court: 'x',
            processNumber: 'x',
            grounds: 'x',
          },
        ],
      }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await eventually(
      async () => {
        try {
          await file((await serverNow()).slice(0, 10));
          return true;
        } catch {
          return false;
        }
      },
      (ok) => ok,
      30_000,
    );
    const filed = await eventOf(s.caseId, 'exceptions_filed');
    expect(filed.data).toMatchObject({ court: 'Unidad Judicial Civil de Machala', late: false });
    expect((await handle.query(caseViewQuery)).exceptions).toMatchObject({ status: 'pending' });
    // Past the orden de pago's term nothing is retained while the court decides.
    await env.sleep('10 days');
    await eventOf(s.caseId, 'coactiva_paused');
    expect(
      await db.prisma.caseEvent.count({ where: { caseId: s.caseId, type: 'retention_ordered' } }),
    ).toBe(0);
    await handle.executeUpdate(ruleExceptionsUpdate, {
      args: [
        {
          actor: legal,
          outcome: 'upheld',
          ruledOn: (await serverNow()).slice(0, 10),
          note: 'El juzgado acepta las excepciones',
        },
      ],
    });
    expect(await ended(handle)).toMatchObject({
      status: 'closed',
      closeReason: 'exceptions_upheld',
    });
  });

  it('warns the legal unit before a debt prescribes, stops collecting once it has, and closes it only on a legal decision', async () => {
    const s = await seedCase(db.prisma);
    // Both invoices were due five years ago less a month: the debt prescribes in about a month.
    const now = new Date(await env.currentTimeMs());
    const oldest = new Date(now.getTime() - (5 * 365 - 30) * 86_400_000).toISOString().slice(0, 10);
    await db.prisma.invoice.updateMany({
      where: { accountId: s.accountId },
      data: { dueOn: new Date(oldest) },
    });
    const handle = await start(s, { oldestDueOn: oldest });
    const review = await openTask(s.caseId, 'prescription_review');
    expect(review.role).toBe('legal');
    const prescribesOn = (review.payload as { prescribesOn: string }).prescribesOn;
    expect((await handle.query(caseViewQuery)).prescribesOn).toBe(prescribesOn);
    // Declaring it before it has prescribed is refused.
    await expect(
      env.client.workflow.getHandle(review.workflowId).executeUpdate(completeTaskUpdate, {
        args: [
          { taskId: review.id, actor: legal, form: { decision: 'declare_prescribed', note: 'x' } },
        ],
      }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    // The review outlives the reminder stage; once the date passes, collection stops.
    await env.sleep('45 days');
    await eventOf(s.caseId, 'debt_prescribed');
    const stopped = await handle.query(caseViewQuery);
    expect(stopped.status).toBe('open');
    // Nothing more is sent or ordered against a prescribed debt.
    const noticesBefore = await db.prisma.notice.count({ where: { caseId: s.caseId } });
    const ordersBefore = sims.fieldOps.effects().length;
    await env.sleep('40 days');
    expect(await db.prisma.notice.count({ where: { caseId: s.caseId } })).toBe(noticesBefore);
    expect(sims.fieldOps.effects().length).toBe(ordersBefore);
    expect((await handle.query(caseViewQuery)).stage).toBe(stopped.stage);
    expect((await db.prisma.task.findUniqueOrThrow({ where: { id: review.id } })).status).toBe(
      'open',
    );
    // A manager cannot close it as prescribed; the legal unit declares it.
    await expect(
      handle.executeUpdate(closeCaseUpdate, {
        args: [{ actor: manager(s), reason: 'prescribed', note: 'prescrita' }],
      }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await complete(s.caseId, 'prescription_review', legal, {
      decision: 'declare_prescribed',
      note: 'Transcurrieron cinco años desde la exigibilidad sin interrupción',
    });
    expect(await ended(handle)).toMatchObject({ status: 'closed', closeReason: 'prescribed' });
    // Its invoices leave every balance: intake will not open a case for them again.
    expect(
      await db.prisma.invoice.count({ where: { accountId: s.accountId, prescribedAt: null } }),
    ).toBe(0);
  });

  it('declares prescribed only the invoices that are, and keeps collecting the rest', async () => {
    const s = await seedCase(db.prisma);
    const now = new Date(await env.currentTimeMs());
    const old = new Date(now.getTime() - (5 * 365 + 30) * 86_400_000).toISOString().slice(0, 10);
    const [first] = await db.prisma.invoice.findMany({
      where: { accountId: s.accountId },
      orderBy: { dueOn: 'asc' },
    });
    // The first invoice (USD 60) is long prescribed; the second (USD 60) is recent.
    await db.prisma.invoice.update({ where: { id: first!.id }, data: { dueOn: new Date(old) } });
    const handle = await start(s, { oldestDueOn: old });
    await eventOf(s.caseId, 'debt_prescribed');
    const review = await openTask(s.caseId, 'prescription_review');
    expect((review.payload as { invoices: { number: string }[] }).invoices).toHaveLength(2);
    await complete(s.caseId, 'prescription_review', legal, {
      decision: 'declare_prescribed',
      note: 'La planilla de hace más de cinco años prescribió; la reciente no',
    });
    const partial = await eventOf(s.caseId, 'debt_partially_prescribed');
    expect(partial.data).toMatchObject({
      invoices: [first!.number],
      prescribedCents: 6_000,
      balanceAfterCents: 6_000,
    });
    const after = await view(handle, (v) => v.balanceCents === 6_000);
    expect(after.status).toBe('open');
    expect(after.prescribesOn! > now.toISOString().slice(0, 10)).toBe(true);
    expect(
      (await db.prisma.invoice.findUniqueOrThrow({ where: { id: first!.id } })).prescribedAt,
    ).not.toBeNull();
    // Collection goes on for the recent invoice: paying it closes the case as paid.
    await pay(handle, `P-${s.caseId}`, 6_000);
    expect(await ended(handle)).toMatchObject({ status: 'closed', closeReason: 'paid' });
  });

  it('a case that stops by itself (a título never notified) asks a manager, who resumes or closes it', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s);
    await cut(s);
    await view(handle, (v) => v.stage === 'credit_title');
    await env.sleep('31 days');
    await complete(s.caseId, 'validate_credit_title', legal, { decision: 'approve' });
    for (const [n, method] of (['in_person', 'boleta', 'publication'] as const).entries()) {
      if (n > 0) await eventOf(s.caseId, 'notification_attempt', n);
      await complete(s.caseId, 'notify_credit_title', collector(s), async () => ({
        method,
        result: 'not_found',
        at: await serverNow(),
      }));
    }
    await eventOf(s.caseId, 'credit_title_not_notified');
    const review = await openTask(s.caseId, 'case_review');
    expect(review.role).toBe('manager');
    expect(review.payload).toMatchObject({ reason: expect.stringMatching(/sin notificar/) });
    expect((await handle.query(caseViewQuery)).onHold).toBe(true);
    await complete(s.caseId, 'case_review', manager(s), {
      decision: 'close',
      reason: 'written_off',
      note: 'Deudor no localizado; se castiga la deuda',
    });
    expect(await ended(handle)).toMatchObject({ status: 'closed', closeReason: 'written_off' });
  });

  it('limits a new agreement after the account broke one before', async () => {
    const s = await seedCase(db.prisma);
    const handle = await start(s, { brokenAgreementsBefore: 2 });
    await openTask(s.caseId, 'contact_debtor');
    await expect(
      handle.executeUpdate(proposeAgreementUpdate, {
        args: [{ actor: collector(s), terms: { downPaymentCents: 6_000, instalments: 3 } }],
      }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/incumplidos/) } });
  });
});
