/**
 * The payment agreement child on the time-skipping server, with the real case store, tasks,
 * notices and agreement activities over PostgreSQL, the billing and notaries simulators, and a
 * stand-in parent (a sleeping workflow whose history shows the signals it got): small agreement
 * approved within limits, manager approval and rejection, notarised signature, paid off through
 * forwarded payments, broken after a missed instalment, monthly instalments date to date,
 * duplicated payments, billing retried,
 * cancellation by the parent and the state carried across continue-as-new.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgreementActivities } from '../../activities/agreement.js';
import type {
  BillingAdapter,
  PostAgreement,
  PostFee,
  RegisterPayment,
} from '../../activities/billing/port.js';
import { BillingSimulator } from '../../activities/billing/simulator.js';
import { createCaseStoreActivities } from '../../activities/case-store.js';
import {
  HttpNotaryAdapter,
  NotariesSimulator,
  NotaryRejectedError,
  mountNotariesSimulator,
} from '../../activities/notaries.js';
import { createNoticeActivities } from '../../activities/notices.js';
import { createTaskActivities } from '../../activities/tasks.js';
import type { AgreementTerms } from '../../domain/agreement.js';
import { addPlazo } from '../../domain/calendar.js';
import { makeCedula } from '../../domain/ecuador-id.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from '../../domain/policy.js';
import type { agreementWorkflow } from '../../workflows/agreement.js';
import {
  agreementPaymentSignal,
  completeTaskUpdate,
  type Actor,
  type AgreementCarry,
  type AgreementWorkflowInput,
  type PaymentReceived,
} from '../../workflows/messages.js';
import { eventually, freshDatabase, type TestDatabase } from '../support/env.js';
import {
  seedCase,
  timeSkippingEnv,
  untilNoActivityRunning,
  type SeededCase,
} from '../support/workflow-env.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const TASK_QUEUE = 'agreement-test';
const PARENT_QUEUE = 'agreement-test-parent';
const WORKFLOWS = fileURLToPath(new URL('../../workflows/agreement.ts', import.meta.url));
const PARENT_WORKFLOWS = fileURLToPath(new URL('../fixtures/sleep-workflow.ts', import.meta.url));

const trainingResult = resolvePolicy(
  JSON.parse(readFileSync(new URL('../../policies/training.json', import.meta.url), 'utf8')),
);
if (!trainingResult.ok) throw new Error(trainingResult.errors.join('; '));
/** Agreement waits in seconds: 30 s between instalments, 15 s of grace. */
const TRAINING: Policy = trainingResult.policy;

/** Billing that can lose its answer once: it posts, then fails, for the listed cases. */
class FlakyBilling implements BillingAdapter {
  readonly failAfterPosting = new Set<string>();
  readonly agreementCalls: string[] = [];
  constructor(readonly sim: BillingSimulator) {}
  getAccount(accountNumber: string) {
    return this.sim.getAccount(accountNumber);
  }
  async postAgreement(req: PostAgreement) {
    this.agreementCalls.push(req.idempotencyKey);
    const result = await this.sim.postAgreement(req);
    if (this.failAfterPosting.delete(req.caseId)) throw new Error('billing: connection reset');
    return result;
  }
  postFee(req: PostFee) {
    return this.sim.postFee(req);
  }
  registerPayment(req: RegisterPayment) {
    return this.sim.registerPayment(req);
  }
  exportOverdueInvoices() {
    return this.sim.exportOverdueInvoices();
  }
}

describe('agreement workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let workers: Worker[];
  let running: Promise<unknown>;
  let notaryServer: Server;
  let notariesUrl: string;
  const sim = new BillingSimulator();
  const billing = new FlakyBilling(sim);
  const notaries = new NotariesSimulator();
  /** Every agreement workflow run by the tests, for the replay check. */
  const started: string[] = [];

  beforeAll(async () => {
    env = await timeSkippingEnv();
    db = await freshDatabase();
    // The notaries simulator behind HTTP, as the simulator server mounts it.
    const app = express();
    app.use(mountNotariesSimulator(express.Router(), notaries));
    notaryServer = await new Promise<Server>((resolve) => {
      const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    notariesUrl = `http://127.0.0.1:${(notaryServer.address() as AddressInfo).port}/notaries`;
    const notaryAdapter = new HttpNotaryAdapter({ baseUrl: notariesUrl, timeoutMs: 5_000 });
    const connection = env.nativeConnection;
    const namespace = env.namespace ?? 'default';
    workers = [
      await Worker.create({
        connection,
        namespace,
        taskQueue: TASK_QUEUE,
        workflowsPath: WORKFLOWS,
        activities: {
          ...createCaseStoreActivities({ prisma: db.prisma }),
          ...createTaskActivities({ prisma: db.prisma }),
          ...createNoticeActivities({ prisma: db.prisma }),
          ...createAgreementActivities({ prisma: db.prisma, billing, notaries: notaryAdapter }),
        },
      }),
      await Worker.create({
        connection,
        namespace,
        taskQueue: PARENT_QUEUE,
        workflowsPath: PARENT_WORKFLOWS,
      }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterAll(async () => {
    for (const w of workers ?? []) w.shutdown();
    await running;
    await env?.teardown();
    await db?.close();
    await new Promise((resolve) => notaryServer?.close(resolve));
  });

  interface Started {
    s: SeededCase;
    agreementId: string;
    parentId: string;
    workflowId: string;
    handle: Awaited<ReturnType<typeof startChild>>;
  }

  function startChild(input: AgreementWorkflowInput, workflowId: string) {
    return env.client.workflow.start<typeof agreementWorkflow>('agreementWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [input],
    });
  }

  /** A seeded case known to billing, a parent stand-in, and the agreement child started. */
  async function start(
    balanceCents: number,
    terms: AgreementTerms,
    policy: Policy = TRAINING,
    opts: { flakyBilling?: boolean } = {},
  ): Promise<Started> {
    const s = await seedCase(db.prisma, { balanceCents });
    sim.load([
      {
        accountNumber: s.accountNumber,
        holderId: makeCedula(7, '100001'),
        holderName: 'ROMERO AGUILAR JUAN CARLOS',
        address: 'Av. 25 de Junio y Guayas',
        sector: 'Centro',
        route: 'R-01-01',
        category: 'residencial',
        phone: '0991234567',
        email: 'juan@example.ec',
        invoiceNumber: `F-${s.accountNumber}`,
        issuedOn: '2026-06-01',
        dueOn: '2026-07-01',
        amountCents: balanceCents,
        balanceCents,
        protection: 'none',
      },
    ]);
    if (opts.flakyBilling) billing.failAfterPosting.add(s.caseId);
    const parentId = `case-${s.accountNumber}`;
    await env.client.workflow.start('sleepFor', {
      taskQueue: PARENT_QUEUE,
      workflowId: parentId,
      args: ['3650 days'],
    });
    const agreementId = randomUUID();
    const workflowId = `${parentId}-agreement-1`;
    started.push(workflowId);
    const handle = await startChild(
      {
        caseId: s.caseId,
        accountId: s.accountId,
        accountNumber: s.accountNumber,
        parentWorkflowId: parentId,
        policy,
        priority: 500,
        agreementId,
        terms,
        balanceCents,
        proposedBy: collector(s),
      },
      workflowId,
    );
    return { s, agreementId, parentId, workflowId, handle };
  }

  const collector = (s: SeededCase): Actor => ({ id: s.collectorId, role: 'collector' });
  const manager = (s: SeededCase): Actor => ({ id: s.supervisorId, role: 'manager' });

  const openTask = (caseId: string, type: string) =>
    eventually(
      () => db.prisma.task.findFirst({ where: { caseId, type, status: 'open' } }),
      (t) => t !== null,
      30_000,
    ).then((t) => {
      if (!t) throw new Error(`no open ${type} task for case ${caseId}`);
      return t;
    });

  const events = (caseId: string, type: string) =>
    db.prisma.caseEvent.findMany({ where: { caseId, type }, orderBy: { id: 'asc' } });
  const eventTypes = async (caseId: string) =>
    (await db.prisma.caseEvent.findMany({ where: { caseId }, orderBy: { id: 'asc' } })).map(
      (e) => e.type,
    );
  const agreementTypes = async (caseId: string) =>
    (await eventTypes(caseId)).filter((t) => /^(agreement_|instalment_)/.test(t));
  const instalments = (agreementId: string) =>
    db.prisma.instalment.findMany({ where: { agreementId }, orderBy: { number: 'asc' } });
  const notices = (caseId: string, kind: string) =>
    db.prisma.notice.findMany({ where: { caseId, kind } });
  const billingPostings = (workflowId: string) =>
    sim
      .effects()
      .filter((e) => e.kind === 'agreement' && e.key === `${workflowId}:billing-agreement`);

  /** The agreementSigned signals the parent stand-in received (their agreement ids). */
  async function signalsToParent(parentId: string): Promise<string[]> {
    const history = await env.client.workflow.getHandle(parentId).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes)
      .filter((a) => a?.signalName === 'agreementSigned')
      .map((a) => {
        const [payload] = a?.input?.payloads ?? [];
        return defaultPayloadConverter.fromPayload<{ agreementId: string }>(payload!).agreementId;
      });
  }

  let refSeq = 0;
  const payment = (amountCents: number, reference = `PAG-${++refSeq}`): PaymentReceived => ({
    reference,
    amountCents,
    paidAt: new Date().toISOString(),
    source: 'billing',
  });

  it('signs a small agreement within the collector limits, tells the parent, and is paid off', async () => {
    const { s, agreementId, parentId, workflowId, handle } = await start(12_000, {
      downPaymentCents: 2_400,
      instalments: 3,
    });
    const plan = await eventually(
      () => instalments(agreementId),
      (rows) => rows.length === 4,
    );
    const total = plan.reduce((sum, r) => sum + r.amountCents, 0);
    await handle.signal(agreementPaymentSignal, payment(total + 500)); // pays it all, and more

    expect(await handle.result()).toEqual({ outcome: 'paid_off' });
    expect(await db.prisma.task.count({ where: { caseId: s.caseId } })).toBe(0);
    expect(await agreementTypes(s.caseId)).toEqual([
      'agreement_proposed',
      'agreement_approved',
      'agreement_signed',
      'instalment_paid',
      'agreement_paid_off',
    ]);
    const [approved] = await events(s.caseId, 'agreement_approved');
    expect(approved).toMatchObject({ actor: 'system', reason: 'Dentro de los límites del gestor' });
    const [paid] = await events(s.caseId, 'instalment_paid');
    expect(paid?.data).toMatchObject({ unappliedCents: 500 });
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'paid_off',
      approvedBy: 'system',
      notarised: false,
      downPaymentCents: 2_400,
      instalmentsCount: 3,
      proposedBy: s.collectorId,
    });
    expect((await instalments(agreementId)).map((r) => r.status)).toEqual([
      'paid',
      'paid',
      'paid',
      'paid',
    ]);
    expect(billingPostings(workflowId)).toHaveLength(1);
    expect(billingPostings(workflowId)[0]?.detail).toMatchObject({
      downPaymentCents: 2_400,
      instalments: [{}, {}, {}].map(() => expect.objectContaining({ dueOn: expect.any(String) })),
    });
    const signedNotices = await notices(s.caseId, 'convenio_firmado');
    expect(signedNotices.map((n) => n.channel).sort()).toEqual(['email', 'letter', 'sms']);
    expect(signedNotices[0]?.body).toMatch(/Entrada: \$24,00/);
    expect(await signalsToParent(parentId)).toEqual([agreementId]);
  });

  it('waits for the manager, then applies each forwarded payment oldest first until paid off', async () => {
    const { s, agreementId, parentId, handle } = await start(120_000, {
      downPaymentCents: 24_000,
      instalments: 4,
    });
    const task = await openTask(s.caseId, 'approve_agreement');
    expect(task.role).toBe('manager');
    expect(task.payload).toMatchObject({
      agreementId,
      plan: { totalCents: 122_000, needsManagerApproval: true, needsNotarisedSignature: false },
    });
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'proposed',
    });
    expect(await signalsToParent(parentId)).toEqual([]);

    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: manager(s),
          form: { decision: 'approve', note: 'Cliente con historial' },
        },
      ],
    });
    // Down payment in two parts, then each instalment (24 800, 24 600, 24 400, 24 200).
    for (const amount of [10_000, 14_000, 24_800, 24_600, 24_400, 24_200]) {
      await handle.signal(agreementPaymentSignal, payment(amount));
    }
    expect(await handle.result()).toEqual({ outcome: 'paid_off' });

    const [approved] = await events(s.caseId, 'agreement_approved');
    expect(approved).toMatchObject({ actor: s.supervisorId, reason: 'Cliente con historial' });
    const paid = await events(s.caseId, 'instalment_paid');
    expect(paid.map((e) => e.reason)).toEqual([
      'Abono parcial',
      'Pagada la entrada',
      'Pagada la cuota 1',
      'Pagada la cuota 2',
      'Pagada la cuota 3',
      'Pagada la cuota 4',
    ]);
    expect(
      (await instalments(agreementId)).map((r) => [r.number, r.amountCents, r.paidCents, r.status]),
    ).toEqual([
      [0, 24_000, 24_000, 'paid'],
      [1, 24_800, 24_800, 'paid'],
      [2, 24_600, 24_600, 'paid'],
      [3, 24_400, 24_400, 'paid'],
      [4, 24_200, 24_200, 'paid'],
    ]);
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'paid_off',
      approvedBy: s.supervisorId,
    });
    expect(await signalsToParent(parentId)).toEqual([agreementId]);
  });

  it('ends rejected when the manager rejects: nothing posted, nobody notified', async () => {
    const { s, agreementId, parentId, workflowId, handle } = await start(120_000, {
      downPaymentCents: 24_000,
      instalments: 24,
    });
    const task = await openTask(s.caseId, 'approve_agreement');
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.id,
          actor: manager(s),
          form: { decision: 'reject', reason: 'Plazo excesivo para el monto' },
        },
      ],
    });
    expect(await handle.result()).toEqual({
      outcome: 'rejected',
      reason: 'Plazo excesivo para el monto',
    });
    expect(await agreementTypes(s.caseId)).toEqual(['agreement_proposed', 'agreement_rejected']);
    const [rejected] = await events(s.caseId, 'agreement_rejected');
    expect(rejected).toMatchObject({
      actor: s.supervisorId,
      reason: 'Plazo excesivo para el monto',
    });
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'rejected',
      approvedBy: null,
    });
    expect(billingPostings(workflowId)).toHaveLength(0);
    expect(await notices(s.caseId, 'convenio_firmado')).toHaveLength(0);
    expect(await signalsToParent(parentId)).toEqual([]);
  });

  it('books a notary for a large agreement and signs it once the collector confirms', async () => {
    const booked = notaries.effects().length;
    const { s, agreementId, parentId, workflowId, handle } = await start(600_000, {
      downPaymentCents: 120_000,
      instalments: 12,
    });
    const approval = await openTask(s.caseId, 'approve_agreement');
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: approval.id, actor: manager(s), form: { decision: 'approve' } }],
    });
    const signing = await openTask(s.caseId, 'notarise_agreement');
    expect(signing.role).toBe('collector');
    expect(signing.assigneeId).toBe(s.collectorId);
    const appointments = notaries.effects().slice(booked);
    expect(appointments).toHaveLength(1);
    expect(appointments[0]).toMatchObject({ key: `${workflowId}:notary-appointment`, agreementId });
    expect(signing.payload).toMatchObject({
      agreementId,
      notary: appointments[0]?.notary,
      appointmentAt: appointments[0]?.appointmentAt,
    });
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: signing.id,
          actor: collector(s),
          form: { outcome: 'signed', signedOn: '2026-08-03', notary: 'Notaría Segunda de Machala' },
        },
      ],
    });
    await eventually(
      () => signalsToParent(parentId),
      (ids) => ids.length === 1,
    );
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'active',
      notarised: true,
    });
    const [signed] = await events(s.caseId, 'agreement_signed');
    expect(signed).toMatchObject({
      actor: s.collectorId,
      reason: 'Firmado ante Notaría Segunda de Machala',
    });
    expect(billingPostings(workflowId)).toHaveLength(1);
    expect(await agreementTypes(s.caseId)).toEqual([
      'agreement_proposed',
      'agreement_approved',
      'agreement_signed',
    ]);
    expect(await eventTypes(s.caseId)).toContain('notary_appointment_booked');

    // The parent moves on (e.g. the case was put on hold): the child withdraws cleanly.
    await untilNoActivityRunning(handle);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'cancelled',
    });
    expect((await agreementTypes(s.caseId)).at(-1)).toBe('agreement_cancelled');
    expect(notaries.effects().slice(booked)).toHaveLength(1);
  });

  it('ends not signed when the notarised signature does not happen: nothing posted', async () => {
    const { s, agreementId, workflowId, handle } = await start(600_000, {
      downPaymentCents: 120_000,
      instalments: 6,
    });
    const approval = await openTask(s.caseId, 'approve_agreement');
    await handle.executeUpdate(completeTaskUpdate, {
      args: [{ taskId: approval.id, actor: manager(s), form: { decision: 'approve' } }],
    });
    const signing = await openTask(s.caseId, 'notarise_agreement');
    await handle.executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: signing.id,
          actor: collector(s),
          form: { outcome: 'not_signed', reason: 'El usuario no acudió a la notaría' },
        },
      ],
    });
    expect(await handle.result()).toEqual({
      outcome: 'not_signed',
      reason: 'El usuario no acudió a la notaría',
    });
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'not_signed',
    });
    expect(billingPostings(workflowId)).toHaveLength(0);
  });

  it('breaks when an instalment stays unpaid past its grace period (5 business days)', async () => {
    const { s, agreementId, handle } = await start(
      12_000,
      { downPaymentCents: 2_400, instalments: 3 },
      DEFAULT_POLICY,
    );
    const before = await env.currentTimeMs();
    await handle.signal(agreementPaymentSignal, payment(2_400)); // the down payment only
    expect(await handle.result()).toEqual({ outcome: 'broken', missedInstalment: 1 });

    // 30 days to the first instalment, then at least 5 business days of grace.
    expect((await env.currentTimeMs()) - before).toBeGreaterThan(35 * 86_400_000);
    const [broken] = await events(s.caseId, 'agreement_broken');
    expect(broken?.reason).toBe('No se pagó la cuota 1 a tiempo');
    expect(broken?.data).toMatchObject({ missedInstalment: 1, paidCents: 0 });
    expect((await agreementTypes(s.caseId)).at(-1)).toBe('agreement_broken');
    expect((await instalments(agreementId)).map((r) => [r.number, r.status])).toEqual([
      [0, 'paid'],
      [1, 'missed'],
      [2, 'pending'],
      [3, 'pending'],
    ]);
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({
      status: 'broken',
    });
    const overdue = await notices(s.caseId, 'cuota_vencida');
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue[0]?.body).toMatch(/Cuota: 1/);
  });

  it('schedules monthly instalments date to date from the signature (patch agreement-dues-date-to-date)', async () => {
    const { agreementId, workflowId, handle } = await start(
      12_000,
      { downPaymentCents: 2_400, instalments: 3 },
      DEFAULT_POLICY,
    );
    const rows = await eventually(
      () => instalments(agreementId),
      (r) => r.length === 4,
    );
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const signedOn = day(rows[0]!.dueOn); // the down payment falls due at the signature
    // Instalment n = the signature's date + n months (the month's last day when it has no such
    // day), on the next business day when that one is not: never chained from the previous one.
    const expected = [1, 2, 3].map((n) => addPlazo(signedOn, n, DEFAULT_POLICY.calendar));
    expect(rows.slice(1).map((r) => day(r.dueOn))).toEqual(expected);
    expect(billingPostings(workflowId)[0]?.detail).toMatchObject({
      instalments: expected.map((dueOn) => expect.objectContaining({ dueOn })),
    });
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const markerTexts = (history.events ?? []).flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((p) =>
        (p.payloads ?? []).map((x) => Buffer.from(x.data ?? new Uint8Array()).toString('utf8')),
      ),
    );
    expect(markerTexts.join('\n')).toContain('agreement-dues-date-to-date');
    const total = rows.reduce((sum, r) => sum + r.amountCents, 0);
    await handle.signal(agreementPaymentSignal, payment(total));
    expect(await handle.result()).toEqual({ outcome: 'paid_off' });
  });

  it('counts a payment forwarded twice only once', async () => {
    const { s, agreementId, handle } = await start(12_000, {
      downPaymentCents: 2_400,
      instalments: 3,
    });
    const twice = payment(2_400, 'BANCO-0001');
    await handle.signal(agreementPaymentSignal, twice);
    await handle.signal(agreementPaymentSignal, twice);
    // Had it counted twice, 2 400 would have gone to instalment 1 and the agreement would hold.
    expect(await handle.result()).toEqual({ outcome: 'broken', missedInstalment: 1 });
    expect(await events(s.caseId, 'instalment_paid')).toHaveLength(1);
    expect((await instalments(agreementId)).map((r) => r.paidCents)).toEqual([2_400, 0, 0, 0]);
  });

  it('posts to billing exactly once when billing loses its first answer', async () => {
    const { s, agreementId, workflowId, handle } = await start(
      12_000,
      { downPaymentCents: 2_400, instalments: 2 },
      TRAINING,
      { flakyBilling: true },
    );
    const key = `${workflowId}:billing-agreement`;
    await eventually(
      () => db.prisma.agreement.findUnique({ where: { id: agreementId } }),
      (a) => a?.status === 'active',
      30_000,
    );
    expect(billing.agreementCalls.filter((k) => k === key)).toHaveLength(2);
    expect(billingPostings(workflowId)).toHaveLength(1);
    const [signed] = await events(s.caseId, 'agreement_signed');
    expect(signed?.data).toMatchObject({ billingReference: `agreement:${key}` });
    await untilNoActivityRunning(handle);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });

  it('withdraws its open task when the parent cancels it during approval', async () => {
    const { s, agreementId, handle } = await start(120_000, {
      downPaymentCents: 24_000,
      instalments: 6,
    });
    const task = await openTask(s.caseId, 'approve_agreement');
    await untilNoActivityRunning(handle);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await db.prisma.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({
      status: 'cancelled',
      result: { reason: 'case moved on' },
    });
    expect(
      await db.prisma.agreement.findUniqueOrThrow({ where: { id: agreementId } }),
    ).toMatchObject({ status: 'cancelled' });
  });

  it('resumes from the state carried by continue-as-new: pending payments applied, references kept', async () => {
    const { s, agreementId, workflowId, handle } = await start(12_000, {
      downPaymentCents: 2_400,
      instalments: 2,
    });
    await eventually(
      () => db.prisma.agreement.findUnique({ where: { id: agreementId } }),
      (a) => a?.status === 'active',
      30_000,
    );
    const [signed] = await events(s.caseId, 'agreement_signed');
    const dues = (signed?.data as { dues: AgreementCarry['dues'] }).dues.map((d) => ({
      ...d,
      paidCents: 0,
    }));
    await untilNoActivityRunning(handle);
    await handle.terminate('simulated continue-as-new');

    // What the previous run would carry: the down payment applied, one payment not yet applied.
    const down = payment(2_400, 'CAN-DOWN');
    const carried: AgreementCarry = {
      signedAt: dues[0]!.dueAt,
      dues: dues.map((d) => (d.number === 0 ? { ...d, paidCents: 2_400 } : d)),
      appliedReferences: [down.reference],
      pending: [payment(dues[1]!.amountCents, 'CAN-1')],
    };
    const resumed = await startChild(
      {
        caseId: s.caseId,
        accountId: s.accountId,
        accountNumber: s.accountNumber,
        parentWorkflowId: `case-${s.accountNumber}`,
        policy: TRAINING,
        priority: 500,
        agreementId,
        terms: { downPaymentCents: 2_400, instalments: 2 },
        balanceCents: 12_000,
        proposedBy: collector(s),
        carried,
      },
      workflowId,
    );
    await resumed.signal(agreementPaymentSignal, down); // already applied before: ignored
    await resumed.signal(agreementPaymentSignal, payment(dues[2]!.amountCents, 'CAN-2'));
    expect(await resumed.result()).toEqual({ outcome: 'paid_off' });
    expect(await agreementTypes(s.caseId)).toEqual([
      'agreement_proposed',
      'agreement_approved',
      'agreement_signed',
      'instalment_paid',
      'instalment_paid',
      'agreement_paid_off',
    ]);
    expect(await events(s.caseId, 'agreement_proposed')).toHaveLength(1);
    expect((await instalments(agreementId)).map((r) => r.number > 0 && r.status)).toEqual([
      false,
      'paid',
      'paid',
    ]);
  });

  it('notary adapter: the same key gets the same appointment, bad requests are refusals', async () => {
    const adapter = new HttpNotaryAdapter({ baseUrl: notariesUrl });
    const request = {
      idempotencyKey: `adapter-${randomUUID()}`,
      caseId: randomUUID(),
      agreementId: randomUUID(),
      accountNumber: '0701-0001',
      holderName: 'María Pérez Loor',
      amountCents: 600_000,
    };
    const first = await adapter.requestSigningAppointment(request);
    expect(first.created).toBe(true);
    expect(await adapter.requestSigningAppointment(request)).toEqual({ ...first, created: false });
    await expect(
      adapter.requestSigningAppointment({ ...request, amountCents: -1 }),
    ).rejects.toBeInstanceOf(NotaryRejectedError);
    notaries.failNext(1, { afterEffect: true });
    const lost = { ...request, idempotencyKey: `adapter-${randomUUID()}` };
    await expect(adapter.requestSigningAppointment(lost)).rejects.toThrow(/temporary/);
    const retried = await adapter.requestSigningAppointment(lost);
    expect(retried.created).toBe(false);
    expect(notaries.effects().filter((e) => e.key === lost.idempotencyKey)).toHaveLength(1);
  });

  it('replays every history above deterministically', async () => {
    const histories = await Promise.all(
      started.map(async (workflowId) => ({
        workflowId,
        history: await env.client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    );
    expect(histories.length).toBeGreaterThanOrEqual(9);
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS }, histories)) {
      if (r.error) failures.push(`${r.workflowId}: ${String(r.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
