/**
 * Payment agreements over the real app, PostgreSQL and the Temporal dev server with a worker
 * running the case and agreement workflows (billing simulator loaded with each account):
 * simulate, propose, approve or reject through the convenience routes, read with instalments;
 * the account's broken agreements raise the down payment, then bar a new agreement.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulators } from '../../activities/simulators.js';
import {
  addBusinessDays,
  addCalendarDays,
  dayOfWeek,
  isBusinessDay,
  toLocalDate,
} from '../../domain/calendar.js';
import type { caseWorkflow } from '../../workflows/case.js';
import { eventually, withWorker } from '../support/env.js';
import { caseInput, billingRowsFor, seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface SimulationBody {
  balance: string;
  downPayment: string;
  financed: string;
  interest: string;
  total: string;
  policyVersion: number;
  schedule: { number: number; dueOn: string; principal: string; amount: string }[];
  needsManagerApproval: boolean;
  needsNotarisedSignature: boolean;
}
interface ProposalBody {
  agreementId: string;
  needsManagerApproval: boolean;
  needsNotarisedSignature: boolean;
}
interface AgreementBody {
  id: string;
  caseId: string;
  status: string;
  downPayment: string;
  instalmentsCount: number;
  proposedBy: { id: string; displayName: string | null };
  approvedBy: { id: string; displayName: string | null } | null;
  instalments: { number: number; amount: string; status: string }[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

const cents = (money: string) => Math.round(Number(money) * 100);

describe('agreements', () => {
  let api: TestApi;
  let stopWorker: () => void;
  let worker: Promise<unknown>;
  const handles: WorkflowHandle[] = [];
  const simulators = createSimulators();

  beforeAll(async () => {
    api = await startTestApi();
    const stopped = new Promise<void>((resolve) => (stopWorker = resolve));
    worker = withWorker(
      { taskQueue: api.deps.taskQueue, prisma: api.db.prisma, simulators },
      () => stopped,
    );
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.terminate('test over').catch(() => undefined)));
    stopWorker?.();
    await worker;
    await api?.close();
  });

  /** A case opened by its workflow, in the API collector's portfolio, known to billing. */
  async function startCase(balanceCents: number): Promise<SeededCase> {
    const s = await seedCase(api.db.prisma, { balanceCents });
    simulators.billing.load(await billingRowsFor(api.db.prisma, s.accountId));
    await api.db.prisma.portfolioAssignment.updateMany({
      where: { userId: s.collectorId },
      data: { userId: api.users.collector.id },
    });
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    const policy = await api.deps.policy();
    handles.push(
      await api.temporal.workflow.start<typeof caseWorkflow>('caseWorkflow', {
        taskQueue: api.deps.taskQueue,
        workflowId: `case-${s.accountNumber}`,
        args: [caseInput(s, { balanceCents, policyVersion: policy.version })],
      }),
    );
    await eventually(
      () => api.db.prisma.task.count({ where: { caseId: s.caseId, type: 'contact_debtor' } }),
      (n) => n > 0,
    );
    return { ...s, collectorId: api.users.collector.id };
  }

  const agreement = (id: string) =>
    api.call<AgreementBody>('get', `/api/agreements/${id}`, { token: api.tokens.manager });
  const agreementWith = (id: string, status: string) =>
    eventually(
      () => agreement(id),
      (r) => r.status === 200 && r.body.status === status,
    ).then((r) => {
      expect(r.body.status).toBe(status);
      return r.body;
    });
  const workflowStage = (caseId: string) =>
    api
      .call<{ workflow: { stage: string } | null }>('get', `/api/cases/${caseId}`, {
        token: api.tokens.manager,
      })
      .then((r) => r.body.workflow?.stage);

  let small: SeededCase;

  it('simulates terms: schedule with the down payment as number 0, totals and approvals', async () => {
    small = await startCase(12_000);
    const r = await api.call<SimulationBody>('post', '/api/agreements/simulate', {
      token: api.tokens.collector,
      json: { caseId: small.caseId, downPayment: '30.00', instalments: 3 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      balance: '120.00',
      downPayment: '30.00',
      financed: '90.00',
      needsManagerApproval: false,
      needsNotarisedSignature: false,
    });
    expect(r.body.schedule.map((i) => i.number)).toEqual([0, 1, 2, 3]);
    const principal = r.body.schedule.reduce((s, i) => s + cents(i.principal), 0);
    expect(principal).toBe(12_000);
    const paid = r.body.schedule.reduce((s, i) => s + cents(i.amount), 0);
    expect(paid).toBe(cents(r.body.total));
    expect(cents(r.body.total)).toBe(12_000 + cents(r.body.interest));
    const dates = r.body.schedule.map((i) => i.dueOn);
    expect([...dates].sort()).toEqual(dates);

    // A first due date the collector fixes on a business day is kept; on a weekend or holiday
    // it moves to the next business day, like every instalment.
    const { policy } = await api.deps.policy();
    let firstDueOn = addCalendarDays(toLocalDate(new Date()), 15);
    while (!isBusinessDay(firstDueOn, policy.calendar)) firstDueOn = addCalendarDays(firstDueOn, 1);
    const simulateFixed = (on: string) =>
      api.call<SimulationBody>('post', '/api/agreements/simulate', {
        token: api.tokens.manager,
        json: { caseId: small.caseId, downPayment: '24.00', instalments: 2, firstDueOn: on },
      });
    const fixed = await simulateFixed(firstDueOn);
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    expect(fixed.body.schedule[1]).toMatchObject({ number: 1, dueOn: firstDueOn });
    let sunday = addCalendarDays(toLocalDate(new Date()), 8);
    while (dayOfWeek(sunday) !== 0) sunday = addCalendarDays(sunday, 1);
    const moved = await simulateFixed(sunday);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.schedule[1]?.dueOn).toBe(
      addBusinessDays(addCalendarDays(sunday, -1), 1, policy.calendar),
    );
  });

  it('answers 422 with the rule the terms break, 400 for bad money, 404 out of scope', async () => {
    const simulate = (json: unknown, role: 'collector' | 'legal' = 'collector') =>
      api.call<ErrorBody>('post', '/api/agreements/simulate', { token: api.tokens[role], json });
    const low = await simulate({ caseId: small.caseId, downPayment: '10.00', instalments: 3 });
    expect(low.status).toBe(422);
    expect(low.body.error.message).toMatch(/entrada mínima es el 20 %/);
    const long = await simulate({ caseId: small.caseId, downPayment: '30.00', instalments: 25 });
    expect(long.status).toBe(422);
    expect(long.body.error.message).toMatch(/máximo es de 24 cuotas/);
    const past = await simulate({
      caseId: small.caseId,
      downPayment: '30.00',
      instalments: 3,
      firstDueOn: addCalendarDays(toLocalDate(new Date()), -1),
    });
    expect(past.status).toBe(422);
    expect(past.body.error.message).toMatch(/pasado/);
    const bad = await simulate({ caseId: small.caseId, downPayment: 30, instalments: 3 });
    expect(bad.status).toBe(400);
    const unknown = await simulate({ caseId: randomUUID(), downPayment: '30.00', instalments: 3 });
    expect(unknown.status).toBe(404);
    const legal = await simulate(
      { caseId: small.caseId, downPayment: '30.00', instalments: 3 },
      'legal',
    );
    expect(legal.status).toBe(404);
  });

  it('a small agreement needs no approval and becomes active; the case is in agreement', async () => {
    const path = `/api/cases/${small.caseId}/agreements`;
    const r = await api.call<ProposalBody>('post', path, {
      token: api.tokens.collector,
      json: { downPayment: '30.00', instalments: 3 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ needsManagerApproval: false, needsNotarisedSignature: false });

    const active = await agreementWith(r.body.agreementId, 'active');
    expect(active).toMatchObject({
      caseId: small.caseId,
      downPayment: '30.00',
      instalmentsCount: 3,
      proposedBy: { id: api.users.collector.id, displayName: 'Usuario collector' },
    });
    expect(active.instalments.map((i) => i.number)).toEqual([0, 1, 2, 3]);
    expect(active.instalments[0]).toMatchObject({ amount: '30.00', status: 'pending' });
    expect(
      await eventually(
        () => workflowStage(small.caseId),
        (s) => s === 'agreement',
      ),
    ).toBe('agreement');

    const listed = await api.call<{ items: AgreementBody[] }>('get', path, {
      token: api.tokens.collector,
    });
    expect(listed.body.items.map((a) => a.id)).toEqual([r.body.agreementId]);
    const again = await api.call<ErrorBody>('post', path, {
      token: api.tokens.collector,
      json: { downPayment: '30.00', instalments: 3 },
    });
    expect(again.status).toBe(409);
    const audit = await api.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'agreement.propose', entityId: r.body.agreementId },
    });
    expect(audit).toMatchObject({ actorId: api.users.collector.id });
  });

  it('a large agreement waits for a manager, who approves it through the convenience route', async () => {
    const s = await startCase(200_000);
    const r = await api.call<ProposalBody>('post', `/api/cases/${s.caseId}/agreements`, {
      token: api.tokens.collector,
      json: { downPayment: '500.00', instalments: 12 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ needsManagerApproval: true, needsNotarisedSignature: false });
    const id = r.body.agreementId;
    await eventually(
      () =>
        api.db.prisma.task.count({
          where: { caseId: s.caseId, type: 'approve_agreement', status: 'open' },
        }),
      (n) => n === 1,
    );
    const approvePath = `/api/agreements/${id}/approve`;
    expect(
      (await api.call('post', approvePath, { token: api.tokens.collector, json: {} })).status,
    ).toBe(403);
    const approved = await api.call<{ taskId: string; agreement: AgreementBody }>(
      'post',
      approvePath,
      { token: api.tokens.manager, json: { note: 'Historial de pago aceptable' } },
    );
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.agreement.id).toBe(id);
    const task = await api.db.prisma.task.findUniqueOrThrow({
      where: { id: approved.body.taskId },
    });
    expect(task).toMatchObject({ status: 'done', completedBy: api.users.manager.id });

    const active = await agreementWith(id, 'active');
    expect(active.approvedBy).toEqual({ id: api.users.manager.id, displayName: 'Usuario manager' });
    expect(
      await eventually(
        () => workflowStage(s.caseId),
        (st) => st === 'agreement',
      ),
    ).toBe('agreement');
    const twice = await api.call<ErrorBody>('post', approvePath, {
      token: api.tokens.manager,
      json: {},
    });
    expect(twice.status).toBe(409);
    expect(
      (
        await api.call('post', `/api/agreements/${randomUUID()}/approve`, {
          token: api.tokens.manager,
          json: {},
        })
      ).status,
    ).toBe(404);
  });

  it('a manager rejects a large agreement; the case may propose again', async () => {
    const s = await startCase(200_000);
    const path = `/api/cases/${s.caseId}/agreements`;
    const r = await api.call<ProposalBody>('post', path, {
      token: api.tokens.manager,
      json: { downPayment: '400.00', instalments: 24 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await eventually(
      () =>
        api.db.prisma.task.count({
          where: { caseId: s.caseId, type: 'approve_agreement', status: 'open' },
        }),
      (n) => n === 1,
    );
    const rejectPath = `/api/agreements/${r.body.agreementId}/reject`;
    expect(
      (await api.call('post', rejectPath, { token: api.tokens.manager, json: { reason: ' ' } }))
        .status,
    ).toBe(400);
    const rejected = await api.call<{ agreement: AgreementBody }>('post', rejectPath, {
      token: api.tokens.manager,
      json: { reason: 'Plazo excesivo para el monto' },
    });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    await agreementWith(r.body.agreementId, 'rejected');
    const entry = await api.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'agreement.reject', entityId: r.body.agreementId },
    });
    expect(entry.before).toMatchObject({ status: 'proposed' });
    // Once the rejection reaches the case, a new proposal is accepted.
    const again = await eventually(
      () =>
        api.call<ProposalBody>('post', path, {
          token: api.tokens.manager,
          json: { downPayment: '400.00', instalments: 6 },
        }),
      (a) => a.status === 201,
    );
    expect(again.status).toBe(201);
  });

  it('weighs the broken agreements of the account: 40 % down payment after one, none after two', async () => {
    const s = await startCase(12_000);
    // An earlier case of the same account, closed, whose agreement was broken.
    const earlier = randomUUID();
    const opened = await api.db.prisma.case.findUniqueOrThrow({ where: { id: s.caseId } });
    await api.db.prisma.case.create({
      data: {
        id: earlier,
        workflowId: `case-${s.accountNumber}`,
        accountId: s.accountId,
        status: 'closed',
        stage: 'closed',
        priority: 100,
        balanceCents: 0,
        openingBalanceCents: 9_000,
        overdueInvoices: 2,
        oldestDueOn: opened.oldestDueOn,
        policyVersion: opened.policyVersion,
        openedAt: new Date('2025-01-06T15:00:00Z'),
        closedAt: new Date('2025-06-02T15:00:00Z'),
        closeReason: 'paid',
      },
    });
    const brokenAgreement = (caseId: string) =>
      api.db.prisma.agreement.create({
        data: {
          id: randomUUID(),
          caseId,
          status: 'broken',
          totalCents: 9_000,
          downPaymentCents: 1_800,
          interestCents: 0,
          instalmentsCount: 3,
          proposedBy: api.users.collector.id,
        },
      });
    // Agreements of the account that were not broken, and a broken one of another account,
    // do not count.
    await api.db.prisma.agreement.create({
      data: {
        id: randomUUID(),
        caseId: earlier,
        status: 'paid_off',
        totalCents: 9_000,
        downPaymentCents: 1_800,
        interestCents: 0,
        instalmentsCount: 3,
        proposedBy: api.users.collector.id,
      },
    });
    await brokenAgreement(small.caseId);

    const simulate = (downPayment: string) =>
      api.call<SimulationBody & ErrorBody>('post', '/api/agreements/simulate', {
        token: api.tokens.collector,
        json: { caseId: s.caseId, downPayment, instalments: 3 },
      });
    expect((await simulate('24.00')).status).toBe(200); // 20 %: nothing broken yet

    await brokenAgreement(earlier);
    const low = await simulate('47.99');
    expect(low.status).toBe(422);
    expect(low.body.error.message).toBe(
      'La entrada mínima es el 40 % de la deuda (48.00 USD): la cuenta tiene 1 convenio incumplido',
    );
    expect((await simulate('48.00')).status).toBe(200);
    const proposed = await api.call<ErrorBody>('post', `/api/cases/${s.caseId}/agreements`, {
      token: api.tokens.collector,
      json: { downPayment: '30.00', instalments: 3 },
    });
    expect(proposed.status).toBe(422);
    expect(proposed.body.error.message).toMatch(/40 %.*1 convenio incumplido/);

    await brokenAgreement(s.caseId); // the case's own broken agreement counts too
    const none = await simulate('100.00');
    expect(none.status).toBe(422);
    expect(none.body.error.message).toBe(
      'La cuenta tiene 2 convenios incumplidos: la política no admite un nuevo convenio a partir de 2 incumplidos',
    );
    const refused = await api.call<ErrorBody>('post', `/api/cases/${s.caseId}/agreements`, {
      token: api.tokens.collector,
      json: { downPayment: '100.00', instalments: 3 },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/2 convenios incumplidos/);
    expect(
      await api.db.prisma.agreement.count({
        where: { caseId: s.caseId, status: { not: 'broken' } },
      }),
    ).toBe(0);
  });

  it('refuses a proposal on a disputed case (422) and on a case out of scope (404)', async () => {
    const s = await startCase(12_000);
    const dispute = await api.call('post', `/api/cases/${s.caseId}/disputes`, {
      token: api.tokens.collector,
      json: { reason: 'Reclamo por consumo' },
    });
    expect(dispute.status).toBe(200);
    const r = await api.call<ErrorBody>('post', `/api/cases/${s.caseId}/agreements`, {
      token: api.tokens.collector,
      json: { downPayment: '30.00', instalments: 3 },
    });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toMatch(/reclamo/);
    const other = await seedCase(api.db.prisma);
    const out = await api.call('post', `/api/cases/${other.caseId}/agreements`, {
      token: api.tokens.collector,
      json: { downPayment: '30.00', instalments: 3 },
    });
    expect(out.status).toBe(404);
    expect(
      (await api.call('get', `/api/agreements/${randomUUID()}`, { token: api.tokens.manager }))
        .status,
    ).toBe(404);
  });
});
