/**
 * The parent case workflow across its child stages on the time-skipping server, with the
 * default policy (real legal periods), the production activities over PostgreSQL and the
 * simulators for billing, field operations, notaries and banks. Human tasks are completed on
 * the workflow that owns them (the Task row's `workflowId`), as the API does.
 *
 * Paths: agreement paid off; agreement broken (escalation resumes); closing or paying in full
 * while an agreement runs; suspension → full payment → reconnection; protected account; título
 * de crédito → coactiva → written off; título paid inside the voluntary term; a
 * payment-facilities request pausing the term (made during the term, or before the título).
 *
 * The test server delivers signals and cancellations between workflows asynchronously and may
 * skip time before it has (a real server does not): tests wait for the children to settle
 * (`childrenSettled`) or for the effect on the timeline before letting time skip.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSimulators, type OutsideSimulators } from '../../activities/simulators.js';
import type { CaseStage } from '../../domain/case.js';
import { graceEndsAt } from '../../domain/agreement.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import type { TaskType } from '../../domain/tasks.js';
import { activitiesFor } from '../../temporal/worker.js';
import type { caseWorkflow } from '../../workflows/case.js';
import {
  caseViewQuery,
  closeCaseUpdate,
  completeTaskUpdate,
  paymentReceivedSignal,
  proposeAgreementUpdate,
  type Actor,
  type CaseView,
  type CaseWorkflowInput,
} from '../../workflows/messages.js';
import { eventually, freshDatabase, type TestDatabase } from '../support/env.js';
import {
  caseInput,
  deliverEmails,
  seedCase,
  testWorker,
  timeSkippingEnv,
  workflowBundle,
  type SeededCase,
} from '../support/workflow-env.js';

Runtime.install({ logger: new DefaultLogger('WARN') });

const TASK_QUEUE = 'case-paths-test';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LEGAL: Actor = { id: 'legal-ana', role: 'legal' };

/** Every workflow type the case workflow starts, itself included. */
const CASE_WORKFLOW_TYPES = [
  'caseWorkflow',
  'agreementWorkflow',
  'suspensionWorkflow',
  'reconnectionWorkflow',
  'creditTitleWorkflow',
  'coactivaWorkflow',
];

type CaseHandle = WorkflowHandle<typeof caseWorkflow>;

describe('case workflow across its child stages (time-skipping, default policy)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;
  let sims: OutsideSimulators;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    [db, bundle] = await Promise.all([freshDatabase(), workflowBundle()]);
  });
  // One time-skipping server per test: time skipped by one test cannot leak into another.
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

  // ---- helpers -------------------------------------------------------------------------------

  /** A seeded case whose account billing also knows (agreements and fees are posted to it). */
  async function seed(
    balanceCents = 12_000,
    protection: 'none' | 'hospital' = 'none',
  ): Promise<SeededCase> {
    const s = await seedCase(db.prisma, { balanceCents, protection });
    const a = await db.prisma.account.findUniqueOrThrow({ where: { id: s.accountId } });
    sims.billing.load([
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
        amountCents: balanceCents,
        balanceCents,
        protection,
      },
    ]);
    return s;
  }

  async function start(
    s: SeededCase,
    balanceCents: number,
    extra: Partial<CaseWorkflowInput> = {},
  ) {
    // The seeded case row stands in for intake's; the workflow records the same id.
    await db.prisma.case.delete({ where: { id: s.caseId } });
    const input: CaseWorkflowInput = caseInput(s, { balanceCents, ...extra });
    const handle: CaseHandle = await env.client.workflow.start<typeof caseWorkflow>(
      'caseWorkflow',
      { taskQueue: TASK_QUEUE, workflowId: `case-${s.accountNumber}`, args: [input] },
    );
    await openTask(s.caseId, 'contact_debtor'); // the reminder stage is running
    return handle;
  }

  const collector = (s: SeededCase): Actor => ({ id: s.collectorId, role: 'collector' });
  const manager = (s: SeededCase): Actor => ({ id: s.supervisorId, role: 'manager' });
  /** The test server's clock (workflow time), as an ISO instant. */
  const serverNow = async () => new Date(await env.currentTimeMs()).toISOString();

  async function openTask(caseId: string, type: TaskType) {
    const task = await eventually(
      () => db.prisma.task.findFirst({ where: { caseId, type, status: 'open' } }),
      (t) => t !== null,
      30_000,
    );
    if (!task) throw new Error(`no open ${type} task for case ${caseId}`);
    return task;
  }

  /**
   * Completes the open task of `type` on the workflow that owns it (parent or child); a form
   * given as a function is built once the task is open (a crew reports after its order).
   */
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
    return task;
  }

  const events = (caseId: string, type?: string) =>
    db.prisma.caseEvent.findMany({
      where: { caseId, ...(type ? { type } : {}) },
      orderBy: { id: 'asc' },
    });

  async function eventOf(caseId: string, type: string) {
    const found = await eventually(
      () => db.prisma.caseEvent.findFirst({ where: { caseId, type }, orderBy: { id: 'desc' } }),
      (e) => e !== null,
      30_000,
    );
    if (!found) throw new Error(`no ${type} event for case ${caseId}`);
    return found;
  }

  async function viewWhen(handle: CaseHandle, ok: (v: CaseView) => boolean): Promise<CaseView> {
    return eventually(() => handle.query(caseViewQuery), ok, 30_000);
  }

  const pay = (handle: CaseHandle, reference: string, amountCents: number, paidAt: string) =>
    handle.signal(paymentReceivedSignal, { reference, amountCents, paidAt, source: 'treasury' });

  /** Sleeps the server clock to `at` plus `after` ms. */
  async function sleepPast(at: string | Date, after = HOUR): Promise<void> {
    const ms = new Date(at).getTime() + after - (await env.currentTimeMs());
    if (ms > 0) await env.sleep(ms);
  }

  /**
   * Reminder (30 calendar days) passes; the suspension child sends its prior notice, and the
   * SMTP server accepts it (the dispatcher's part).
   */
  async function passReminder(caseId: string): Promise<void> {
    await env.sleep('31 days');
    await eventOf(caseId, 'suspension_notice_sent');
    await deliverEmails(
      db.prisma,
      env.client,
      caseId,
      'aviso_previo_suspension',
      new Date(await env.currentTimeMs()),
    );
    await eventOf(caseId, 'suspension_notice_delivered');
  }

  /** Past the prior notice's term from its delivery, the crew reports the suspension order. */
  async function reportSuspension(s: SeededCase, done: boolean): Promise<void> {
    const notice = await eventOf(s.caseId, 'suspension_notice_delivered');
    await sleepPast((notice.data as { earliestCutAt: string }).earliestCutAt);
    await complete(s.caseId, 'suspension_field', collector(s), async () =>
      done
        ? { outcome: 'done', performedAt: await serverNow(), sealNumber: 'SELLO-004512' }
        : { outcome: 'not_done', reason: 'address_not_found', note: 'predio cerrado' },
    );
  }

  /** Past policy.creditTitle.afterSuspensionFor the título is issued, validated and notified. */
  async function issueAndNotifyTitle(s: SeededCase): Promise<{ deadline: string; number: string }> {
    await env.sleep('31 days');
    await complete(s.caseId, 'validate_credit_title', manager(s), {
      decision: 'approve',
      note: 'Título completo',
    });
    await complete(s.caseId, 'notify_credit_title', collector(s), async () => ({
      method: 'in_person',
      result: 'notified',
      at: await serverNow(),
      note: 'Recibido por el titular',
    }));
    const started = await eventOf(s.caseId, 'voluntary_term_started');
    return started.data as { deadline: string; number: string };
  }

  /** The child workflows the case started, from its own history: id and type, in order. */
  async function childrenOf(handle: CaseHandle): Promise<{ id: string; type: string }[]> {
    const history = await handle.fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      return a ? [{ id: a.workflowId ?? '', type: a.workflowType?.name ?? '' }] : [];
    });
  }

  /**
   * Waits, without skipping time, until every child the case started has closed. The test
   * server delivers cancellations and signals between workflows asynchronously and, unlike a
   * real server, may skip time before it has; call this before `result()` (which lets time
   * skip) whenever the case has just cancelled or signalled a child.
   */
  async function childrenSettled(handle: CaseHandle): Promise<void> {
    const statuses = () =>
      childrenOf(handle).then((kids) =>
        Promise.all(
          kids.map((c) =>
            env.client.workflow
              .getHandle(c.id)
              .describe()
              .then((d) => d.status.name),
          ),
        ),
      );
    const last = await eventually(statuses, (st) => st.every((x) => x !== 'RUNNING'), 30_000);
    if (last.some((x) => x === 'RUNNING')) throw new Error('a child workflow is still running');
  }

  async function historyLength(workflowId: string): Promise<number> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return history.events?.length ?? 0;
  }

  /** The case row's stage once it is `stage` (the workflow writes it through an activity). */
  const rowStageWhen = (caseId: string, stage: CaseStage) =>
    eventually(
      async () => (await db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).stage,
      (v) => v === stage,
    );

  // ---- tests ---------------------------------------------------------------------------------

  it('the worker bundle registers every workflow type the case starts', async () => {
    const registered = Object.keys(await import('../../workflows/index.js'));
    // The case's own types, plus the scheduled reports (started by Temporal Schedules).
    expect(registered.sort()).toEqual([...CASE_WORKFLOW_TYPES, 'scheduledReportWorkflow'].sort());
  });

  it('(a) an agreement within the collector’s limits, signed and paid off, closes the case as paid', async () => {
    const s = await seed(12_000);
    const handle = await start(s, 12_000);
    const proposed = await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 2_400, instalments: 2 } }],
    });
    expect(proposed).toMatchObject({ needsManagerApproval: false, needsNotarisedSignature: false });
    const active = await viewWhen(handle, (v) => v.stage === 'agreement');
    expect(active).toMatchObject({ agreementId: proposed.agreementId, status: 'open' });
    expect(await rowStageWhen(s.caseId, 'agreement')).toBe('agreement');
    expect(
      await db.prisma.task.count({ where: { caseId: s.caseId, type: 'approve_agreement' } }),
    ).toBe(0);

    const agreement = await db.prisma.agreement.findUniqueOrThrow({
      where: { id: proposed.agreementId },
      include: { instalments: { orderBy: { number: 'asc' } } },
    });
    expect(agreement.status).toBe('active');
    const dues = agreement.instalments.map((i) => i.amountCents);
    expect(dues[0]).toBe(2_400);
    expect(dues.reduce((a, b) => a + b, 0)).toBe(agreement.totalCents);

    // The down payment at once, then each instalment a month apart, all signalled to the parent.
    for (const [n, amount] of dues.entries()) {
      if (n > 0) await env.sleep('30 days');
      await pay(handle, `P${n}-${s.caseId}`, amount, await serverNow());
      if (n < dues.length - 1) {
        await eventually(
          () => events(s.caseId, 'instalment_paid'),
          (e) => e.length === n + 1,
        );
        expect(await handle.query(caseViewQuery)).toMatchObject({ stage: 'agreement' });
      }
    }
    await childrenSettled(handle);
    const view = await handle.result();
    expect(view).toMatchObject({
      status: 'closed',
      closeReason: 'paid',
      balanceCents: 0,
      paymentsApplied: dues.length,
    });
    const types = (await events(s.caseId)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['agreement_signed', 'agreement_paid_off', 'case_closed']),
    );
    expect(types).not.toContain('agreement_cancelled');
    expect(types).not.toContain('agreement_broken');
    const ended = await db.prisma.agreement.findUniqueOrThrow({
      where: { id: proposed.agreementId },
      include: { instalments: true },
    });
    expect(ended.status).toBe('paid_off');
    expect(ended.instalments.every((i) => i.paidCents >= i.amountCents)).toBe(true);
    expect(sims.billing.effects().filter((e) => e.kind === 'agreement')).toHaveLength(1);
    expect(sims.fieldOps.effects()).toHaveLength(0);
  });

  it('(b) a missed instalment breaks the agreement and escalation resumes where it was', async () => {
    const s = await seed(12_000);
    const handle = await start(s, 12_000);
    await passReminder(s.caseId);
    expect(await handle.query(caseViewQuery)).toMatchObject({ stage: 'suspension' });

    // During the prior notice the user asks for an agreement: the suspension is withdrawn.
    await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 2_400, instalments: 3 } }],
    });
    await viewWhen(handle, (v) => v.stage === 'agreement');
    expect((await eventOf(s.caseId, 'suspension_cancelled')).data).toMatchObject({ orderId: null });
    await pay(handle, `P0-${s.caseId}`, 2_400, await serverNow());
    await eventOf(s.caseId, 'instalment_paid');

    // Instalment 1 is never paid: it breaks once its grace period (5 business days) has run out.
    const signed = await eventOf(s.caseId, 'agreement_signed');
    const first = (signed.data as { dues: { number: number; dueAt: string }[] }).dues.find(
      (d) => d.number === 1,
    )!;
    const graceEnd = graceEndsAt(first, DEFAULT_POLICY);
    await sleepPast(graceEnd, -HOUR);
    expect(await events(s.caseId, 'agreement_broken')).toHaveLength(0);
    expect(await handle.query(caseViewQuery)).toMatchObject({ stage: 'agreement' });
    await sleepPast(graceEnd, HOUR);
    const broken = await eventOf(s.caseId, 'agreement_broken');
    expect(broken.data).toMatchObject({ missedInstalment: 1 });

    // Back where it was: suspension, with a new prior notice.
    const resumed = await viewWhen(handle, (v) => v.stage === 'suspension');
    expect(resumed).toMatchObject({ status: 'open', agreementId: null, balanceCents: 9_600 });
    expect(await rowStageWhen(s.caseId, 'suspension')).toBe('suspension');
    await eventually(
      () => events(s.caseId, 'suspension_notice_sent'),
      (e) => e.length === 2,
    );
    expect(await events(s.caseId, 'suspension_notice_sent')).toHaveLength(2);
    expect((await childrenOf(handle)).map((c) => c.type)).toEqual([
      'suspensionWorkflow',
      'agreementWorkflow',
      'suspensionWorkflow',
    ]);

    await handle.executeUpdate(closeCaseUpdate, {
      args: [
        { actor: manager(s), reason: 'written_off', note: 'usuario fallecido, sin herederos' },
      ],
    });
    await childrenSettled(handle);
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'written_off' });
    expect(await events(s.caseId, 'suspension_cancelled')).toHaveLength(2);
    expect(sims.fieldOps.effects()).toHaveLength(0); // both withdrawn before any order
    const tasks = await db.prisma.task.findMany({ where: { caseId: s.caseId } });
    expect(tasks.every((t) => t.status !== 'open')).toBe(true);
  });

  it('(a2) a manager closing the case while an agreement is in force closes it at once', async () => {
    const s = await seed(12_000);
    const handle = await start(s, 12_000);
    const { agreementId } = await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 2_400, instalments: 6 } }],
    });
    await viewWhen(handle, (v) => v.stage === 'agreement');
    const closedFrom = await env.currentTimeMs();
    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'billing_error', note: 'lecturas duplicadas' }],
    });
    await childrenSettled(handle);
    const view = await handle.result();
    expect(view).toMatchObject({ status: 'closed', closeReason: 'billing_error' });
    expect(Date.parse(view.closedAt!) - closedFrom).toBeLessThan(DAY);
    const agreement = await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } });
    expect(agreement.status).toBe('cancelled');
    expect(await events(s.caseId, 'agreement_broken')).toHaveLength(0);
  });

  it('(a3) paying the whole balance at once during an agreement closes the case as paid at once', async () => {
    const s = await seed(12_000);
    const handle = await start(s, 12_000);
    const { agreementId } = await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 2_400, instalments: 6 } }],
    });
    await viewWhen(handle, (v) => v.stage === 'agreement');
    const paidAt = await serverNow();
    await pay(handle, `P-${s.caseId}`, 12_000, paidAt); // the debt, without the agreement's interest
    await env.sleep('2 minutes'); // the case gives the agreement a minute to end on its own
    await childrenSettled(handle);
    const view = await handle.result();
    expect(view).toMatchObject({ status: 'closed', closeReason: 'paid', balanceCents: 0 });
    expect(Date.parse(view.closedAt!) - Date.parse(paidAt)).toBeLessThan(DAY);
    expect(await events(s.caseId, 'agreement_broken')).toHaveLength(0);
    const agreement = await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } });
    expect(agreement.status).toBe('cancelled');
  });

  it('(c) suspension, full payment, reconnection within the deadline: fees posted once each', async () => {
    const s = await seed(12_000);
    const handle = await start(s, 12_000);
    await passReminder(s.caseId);
    await reportSuspension(s, true);
    const cut = await viewWhen(handle, (v) => v.service === 'suspended');
    expect(cut).toMatchObject({ stage: 'credit_title', status: 'open' });

    const paidAt = await serverNow();
    await pay(handle, `P-${s.caseId}`, 12_000, paidAt);
    const order = await openTask(s.caseId, 'reconnection_field');
    expect(order.workflowId).toMatch(
      new RegExp(`^${handle.workflowId}/${s.caseId}/reconnection-\\d+$`),
    );
    await env.sleep('3 hours');
    await complete(s.caseId, 'reconnection_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await serverNow(),
      note: 'Medidor reabierto',
    }));
    await childrenSettled(handle);
    const view = await handle.result();
    expect(view).toMatchObject({
      status: 'closed',
      closeReason: 'paid',
      balanceCents: 0,
      service: 'active',
    });
    const restored = await eventOf(s.caseId, 'service_restored');
    expect(restored.data).toMatchObject({ withinDeadline: true });
    expect((await eventOf(s.caseId, 'reconnection_done')).data).toMatchObject({
      withinDeadline: true,
      trigger: 'paid',
    });

    const fees = sims.billing.effects().filter((e) => e.kind === 'fee');
    expect(fees.map((f) => (f.detail as { kind: string }).kind).sort()).toEqual([
      'reconnection',
      'suspension',
    ]);
    expect(fees.map((f) => f.amountCents)).toEqual([586, 586]);
    expect(sims.fieldOps.effects().map((e) => e.kind)).toEqual(['suspension', 'reconnection']);
    expect(await events(s.caseId, 'fee_posted')).toHaveLength(2);
  });

  it('(d) a protected account is never cut: a manager skips the suspension and the título follows', async () => {
    const s = await seed(12_000, 'hospital');
    const handle = await start(s, 12_000, { protected: true });
    await env.sleep('31 days');
    const review = await complete(s.caseId, 'protected_account', manager(s), {
      decision: 'skip_suspension',
      note: 'hospital público: continuar por vía coactiva',
    });
    expect(review.role).toBe('manager');
    expect(review.workflowId).toBe(handle.workflowId);
    await eventOf(s.caseId, 'suspension_skipped');
    expect(await viewWhen(handle, (v) => v.stage === 'credit_title')).toMatchObject({
      service: 'active',
    });

    await env.sleep('31 days');
    const validate = await openTask(s.caseId, 'validate_credit_title');
    expect(validate.workflowId).toMatch(
      new RegExp(`^${handle.workflowId}/${s.caseId}/credit-title-\\d+$`),
    );
    expect(sims.fieldOps.effects()).toHaveLength(0);
    expect(sims.billing.effects()).toHaveLength(0);
    const types = (await events(s.caseId)).map((e) => e.type);
    expect(types).not.toContain('suspension_notice_sent');
    expect(types).not.toContain('suspension_ordered');
    expect((await childrenOf(handle)).map((c) => c.type)).toEqual(['creditTitleWorkflow']);

    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'cancelled', note: 'convenio interinstitucional' }],
    });
    await childrenSettled(handle);
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'cancelled' });
  });

  it('(e) título de crédito unpaid in its term → coactiva → uncollectible: written off', async () => {
    const s = await seed(12_000);
    const handle = await start(s, 12_000);
    await passReminder(s.caseId);
    await reportSuspension(s, true);
    await viewWhen(handle, (v) => v.service === 'suspended' && v.stage === 'credit_title');

    const term = await issueAndNotifyTitle(s);
    expect(await handle.query(caseViewQuery)).toMatchObject({ stage: 'credit_title' });
    // An hour before the 10th business day ends nothing has moved on.
    await sleepPast(term.deadline, -HOUR);
    expect(await events(s.caseId, 'coactiva_opened')).toHaveLength(0);
    await sleepPast(term.deadline, HOUR);
    await eventOf(s.caseId, 'voluntary_term_expired');

    await complete(s.caseId, 'coactiva_intake', LEGAL, { handledBy: 'in_house' });
    expect(await viewWhen(handle, (v) => v.stage === 'coactiva')).toMatchObject({ status: 'open' });
    await eventOf(s.caseId, 'orden_pago_issued');
    // Its término runs from the day after the orden de pago is notified, not from its issue.
    await env.sleep('2 days');
    expect(await events(s.caseId, 'orden_pago_term_expired')).toHaveLength(0);
    await complete(s.caseId, 'notify_payment_order', LEGAL, async () => ({
      method: 'in_person',
      result: 'notified',
      at: await serverNow(),
    }));
    const orderTerm = await eventOf(s.caseId, 'orden_pago_term_started');
    await sleepPast((orderTerm.data as { deadline: string }).deadline, HOUR);
    await eventOf(s.caseId, 'orden_pago_term_expired');
    await complete(s.caseId, 'coactiva_decision', LEGAL, {
      decision: 'uncollectible',
      reason: 'Sin cuentas ni bienes a su nombre',
    });

    await childrenSettled(handle);
    const view = await handle.result();
    expect(view).toMatchObject({
      status: 'closed',
      closeReason: 'written_off',
      balanceCents: 12_000,
    });
    const types = (await events(s.caseId)).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'suspension_done',
        'credit_title_issued',
        'credit_title_approved',
        'credit_title_notified',
        'voluntary_term_expired',
        'coactiva_opened',
        'orden_pago_issued',
        'orden_pago_notified',
        'orden_pago_term_started',
        'retention_ordered',
        'coactiva_uncollectible',
        'case_closed',
      ]),
    );
    expect(sims.banks.effects()).toHaveLength(1);
    expect(await db.prisma.task.count({ where: { caseId: s.caseId, status: 'open' } })).toBe(0);

    const children = await childrenOf(handle);
    expect(children.map((c) => c.type)).toEqual([
      'suspensionWorkflow',
      'creditTitleWorkflow',
      'coactivaWorkflow',
    ]);
    const lengths: Record<string, number> = {
      caseWorkflow: await historyLength(handle.workflowId),
    };
    for (const c of children) lengths[c.type] = await historyLength(c.id);
    console.info('(e) history lengths (events):', JSON.stringify(lengths));
    for (const n of Object.values(lengths)) expect(n).toBeGreaterThan(0);
  });

  it('(f) a título paid inside the voluntary term closes the case as paid; coactiva never starts', async () => {
    const s = await seed(12_000);
    const handle = await start(s, 12_000);
    await passReminder(s.caseId);
    await reportSuspension(s, false); // the crew could not cut: service stays on
    await viewWhen(handle, (v) => v.stage === 'credit_title');

    const term = await issueAndNotifyTitle(s);
    await env.sleep('5 days');
    expect(Date.parse(await serverNow())).toBeLessThan(Date.parse(term.deadline));
    await pay(handle, `P-${s.caseId}`, 12_000, await serverNow());
    await childrenSettled(handle);
    expect(await handle.result()).toMatchObject({
      status: 'closed',
      closeReason: 'paid',
      service: 'active',
    });
    const types = (await events(s.caseId)).map((e) => e.type);
    expect(types).toContain('credit_title_notified');
    expect(types).not.toContain('voluntary_term_expired');
    expect(types.filter((t) => t.startsWith('coactiva_'))).toEqual([]);
    expect((await childrenOf(handle)).map((c) => c.type)).toEqual([
      'suspensionWorkflow',
      'creditTitleWorkflow',
    ]);
    expect(await db.prisma.task.count({ where: { caseId: s.caseId, status: 'open' } })).toBe(0);
    // Nothing happens later either.
    await env.sleep('30 days');
    expect(await events(s.caseId, 'coactiva_opened')).toHaveLength(0);
  });

  it('(g) a payment-facilities request pauses the voluntary term; a rejected agreement resumes it', async () => {
    const balance = 150_000; // above the collector's limit: a manager decides
    const s = await seed(balance);
    const handle = await start(s, balance);
    await passReminder(s.caseId);
    await reportSuspension(s, false);
    await viewWhen(handle, (v) => v.stage === 'credit_title');
    const term = await issueAndNotifyTitle(s);

    await env.sleep('2 days');
    const proposed = await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 30_000, instalments: 12 } }],
    });
    expect(proposed.needsManagerApproval).toBe(true);
    const paused = await eventOf(s.caseId, 'voluntary_term_paused');
    expect(paused.data).toMatchObject({ status: 'paused' });
    // The request is pending: the stage does not change and the term does not run out.
    expect(await handle.query(caseViewQuery)).toMatchObject({ stage: 'credit_title' });
    await sleepPast(term.deadline, 5 * DAY);
    expect(await events(s.caseId, 'voluntary_term_expired')).toHaveLength(0);
    expect(await events(s.caseId, 'coactiva_opened')).toHaveLength(0);

    await complete(s.caseId, 'approve_agreement', manager(s), {
      decision: 'reject',
      reason: 'Historial de convenios incumplidos',
    });
    await eventOf(s.caseId, 'agreement_rejected');
    const resumed = await eventOf(s.caseId, 'voluntary_term_resumed');
    const newDeadline = (resumed.data as { deadline: string }).deadline;
    expect(Date.parse(newDeadline)).toBeGreaterThan(Date.parse(term.deadline) + 5 * DAY);
    expect(await viewWhen(handle, (v) => v.agreementId === null)).toMatchObject({
      stage: 'credit_title',
    });

    // The rest of the term runs: then coactiva.
    await sleepPast(newDeadline, -HOUR);
    expect(await events(s.caseId, 'coactiva_opened')).toHaveLength(0);
    await sleepPast(newDeadline, HOUR);
    await eventOf(s.caseId, 'coactiva_opened');
    await viewWhen(handle, (v) => v.stage === 'coactiva');

    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'cancelled', note: 'prueba terminada' }],
    });
    await childrenSettled(handle);
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'cancelled' });
    expect(await db.prisma.task.count({ where: { caseId: s.caseId, status: 'open' } })).toBe(0);
  });
  it('(h) a request made before the título is issued pauses its term from the start', async () => {
    const balance = 150_000;
    const s = await seed(balance);
    const handle = await start(s, balance);
    await passReminder(s.caseId);
    await reportSuspension(s, false);
    await viewWhen(handle, (v) => v.stage === 'credit_title' && v.nextDeadline !== null);
    await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 30_000, instalments: 12 } }],
    });
    const term = await issueAndNotifyTitle(s);
    const paused = await eventOf(s.caseId, 'voluntary_term_paused');
    expect(paused.data).toMatchObject({ status: 'paused', number: term.number });
    await sleepPast(term.deadline, 5 * DAY);
    expect(await events(s.caseId, 'voluntary_term_expired')).toHaveLength(0);
    expect(await events(s.caseId, 'coactiva_opened')).toHaveLength(0);

    await complete(s.caseId, 'approve_agreement', manager(s), {
      decision: 'reject',
      reason: 'Entrada insuficiente para el historial del usuario',
    });
    await eventOf(s.caseId, 'voluntary_term_resumed');
    expect(await viewWhen(handle, (v) => v.agreementId === null)).toMatchObject({
      stage: 'credit_title',
    });
    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'cancelled', note: 'prueba terminada' }],
    });
    await childrenSettled(handle);
    expect(await handle.result()).toMatchObject({ status: 'closed', closeReason: 'cancelled' });
  });
});
