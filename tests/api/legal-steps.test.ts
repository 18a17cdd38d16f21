/**
 * The lawful steps over the API: irregular reconnection (regularisation), excepciones and their
 * ruling, the debtor's acknowledgement, closing as prescribed, and the case as its workflow
 * reports it (`GET /api/cases/:id/view`). Who may do each (403), bad bodies (400 naming each
 * field), and each step through a real case workflow on the dev server, in real time, under a
 * policy whose waits last a second.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulators } from '../../activities/simulators.js';
import { addCalendarDays, toLocalDate } from '../../domain/calendar.js';
import { resolvePolicy, type Policy } from '../../domain/policy.js';
import type { TaskType } from '../../domain/tasks.js';
import type { caseWorkflow } from '../../workflows/case.js';
import {
  caseViewQuery,
  completeTaskUpdate,
  type Actor,
  type CaseView,
} from '../../workflows/messages.js';
import { withWorker } from '../support/env.js';
import { billingRowsFor, caseInput, seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface CaseBody {
  caseId: string;
  stage: string;
  status: string;
  balance: string;
  service: string;
  closeReason: string | null;
  prescribesOn: string | null;
  exceptions: {
    filedOn: string;
    court: string;
    processNumber: string;
    grounds: string;
    status: string;
    ruledOn: string | null;
  } | null;
  openTasks: { type: string }[];
}
interface ActionBody {
  case: CaseBody;
  assignedCollector: { id: string; displayName: string } | null;
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

const second = (amount: number) => ({ amount, unit: 'seconds' as const });
const minutes = (amount: number) => ({ amount, unit: 'minutes' as const });

/** Every wait a second or two, so a case reaches the coactiva in well under a minute. */
function fastPolicy(): Policy {
  const r = resolvePolicy({
    reminder: { notices: 1, interval: second(1), contactTaskSla: minutes(5) },
    suspension: {
      afterReminderFor: second(1),
      priorNotice: second(1),
      fieldTaskSla: minutes(5),
      reconnectionDeadline: minutes(5),
    },
    creditTitle: {
      afterSuspensionFor: second(1),
      validationTaskSla: minutes(5),
      voluntaryPaymentTerm: second(1),
    },
    coactiva: { paymentOrderTerm: second(1), exceptionsTerm: minutes(5), legalTaskSla: minutes(5) },
    notices: { deliveryCheckInterval: second(1), deliveryTaskAfter: second(2) },
    tasks: { escalateOverdueAfter: minutes(30) },
  });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.policy;
}

/** What a person enters for each human step on the way to the coactiva. */
function formFor(type: TaskType): unknown {
  const now = new Date().toISOString();
  switch (type) {
    case 'contact_debtor':
      return { outcome: 'contacted', note: 'no puede pagar' };
    case 'suspension_field':
      return { outcome: 'done', performedAt: now, sealNumber: 'SELLO-0001' };
    case 'validate_credit_title':
      return { decision: 'approve' };
    case 'notify_credit_title':
    case 'notify_payment_order':
      return { method: 'in_person', result: 'notified', at: now };
    case 'coactiva_intake':
      return { handledBy: 'in_house' };
    case 'deliver_notice':
      return { outcome: 'delivered', method: 'in_person', deliveredAt: now };
    case 'outside_failure':
      return { decision: 'retry' };
    case 'protected_account':
      return { decision: 'skip_suspension', note: 'prueba' };
    default:
      return null; // a decision the test leaves open (coactiva_decision…)
  }
}

const today = () => toLocalDate(new Date());

describe('lawful steps over the API', () => {
  let api: TestApi;
  let stopWorker: () => void;
  let worker: Promise<unknown>;
  const handles: WorkflowHandle[] = [];
  const policy = fastPolicy();
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

  /** A case opened by its workflow (under `policy`) and assigned to the API's collector. */
  async function startCase(opts: { fast?: boolean } = {}): Promise<SeededCase> {
    const s = await seedCase(api.db.prisma);
    // Billing knows the account (the fees and the fine are posted there).
    simulators.billing.load(await billingRowsFor(api.db.prisma, s.accountId));
    await api.db.prisma.portfolioAssignment.updateMany({
      where: { userId: s.collectorId },
      data: { userId: api.users.collector.id },
    });
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    const inForce = await api.deps.policy();
    handles.push(
      await api.temporal.workflow.start<typeof caseWorkflow>('caseWorkflow', {
        taskQueue: api.deps.taskQueue,
        workflowId: `case-${s.accountNumber}`,
        args: [
          caseInput(s, {
            policyVersion: inForce.version,
            ...(opts.fast ? { policy } : { policy: inForce.policy }),
          }),
        ],
      }),
    );
    await until(
      () => api.db.prisma.case.count({ where: { id: s.caseId } }),
      (n) => n > 0,
      'the case row',
    );
    return { ...s, collectorId: api.users.collector.id };
  }

  async function until<T>(
    probe: () => Promise<T>,
    ok: (v: T) => boolean,
    what: string,
    timeoutMs = 60_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const viewOf = (s: SeededCase) =>
    api.temporal.workflow.getHandle(`case-${s.accountNumber}`).query(caseViewQuery);

  /**
   * Completes every open task of the case as a person would, until the case's own view
   * satisfies `reached` (the manager acts for any role, as the workflows allow).
   */
  async function driveUntil(
    s: SeededCase,
    reached: (v: CaseView) => boolean | Promise<boolean>,
    what: string,
  ): Promise<CaseView> {
    const actor: Actor = { id: api.users.manager.id, role: 'manager' };
    const deadline = Date.now() + 150_000;
    for (;;) {
      const view = await viewOf(s);
      if (await reached(view)) return view;
      if (view.status !== 'open' || Date.now() > deadline)
        throw new Error(`the case did not reach ${what}: ${JSON.stringify(view)}`);
      const tasks = await api.db.prisma.task.findMany({
        where: { caseId: s.caseId, status: 'open' },
      });
      for (const task of tasks) {
        const form = formFor(task.type as TaskType);
        if (form === null) continue;
        await api.temporal.workflow
          .getHandle(task.workflowId)
          .executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor, form }] })
          .catch(() => undefined); // done meanwhile, or no longer open
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** In coactiva with the orden de pago notified: excepciones may be filed from then on. */
  const paymentOrderNotified = (s: SeededCase) => async (v: CaseView) =>
    v.stage === 'coactiva' &&
    (await api.db.prisma.task.count({
      where: { caseId: s.caseId, type: 'notify_payment_order', status: 'done' },
    })) > 0;

  const post = <T = ActionBody>(
    path: string,
    json: unknown,
    role: 'manager' | 'collector' | 'legal' | 'admin',
  ) => api.call<T>('post', path, { token: api.tokens[role], json });

  const auditActions = async (caseId: string) =>
    (
      await api.db.prisma.auditLog.findMany({
        where: { entity: 'case', entityId: caseId },
        orderBy: { id: 'asc' },
      })
    ).map((a) => a.action);

  const evidence = () => ({
    foundAt: new Date(Date.now() - 3_600_000).toISOString(),
    note: 'Medidor con el sello roto y servicio activo',
    photoUrl: 'https://fotos.example.ec/reconexion-1.jpg',
    gps: { lat: -3.2581, lng: -79.9554 },
    sealNumber: 'SELLO-0001',
  });

  describe('who may do what, and bad bodies', () => {
    let reminder: SeededCase;
    beforeAll(async () => {
      reminder = await startCase();
    });

    it('lets only the legal unit file excepciones and record the ruling', async () => {
      const id = reminder.caseId;
      const filing = {
        filedOn: today(),
        court: 'Unidad Judicial Civil de Machala',
        processNumber: '07333-2026-01234',
        grounds: 'Prescripción de la acción de cobro',
      };
      for (const role of ['collector', 'manager', 'admin'] as const) {
        expect((await post(`/api/cases/${id}/exceptions`, filing, role)).status).toBe(403);
        expect(
          (
            await post(
              `/api/cases/${id}/exceptions/ruling`,
              { outcome: 'rejected', ruledOn: today(), note: 'x' },
              role,
            )
          ).status,
        ).toBe(403);
      }
      // The legal unit sees escalated cases only: this one is still in reminder.
      expect((await post(`/api/cases/${id}/exceptions`, filing, 'legal')).status).toBe(404);
    });

    it('closes as prescribed only for the legal unit or admin; other reasons stay with managers', async () => {
      const path = `/api/cases/${reminder.caseId}/close`;
      const prescribed = await post<ErrorBody>(
        path,
        { reason: 'prescribed', note: 'Han pasado cinco años' },
        'manager',
      );
      expect(prescribed.status).toBe(403);
      expect(prescribed.body.error.message).toMatch(/asesoría jurídica/);
      const cancelled = await post<ErrorBody>(
        path,
        { reason: 'cancelled', note: 'Cuenta duplicada' },
        'admin',
      );
      expect(cancelled.status).toBe(403);
      expect(cancelled.body.error.message).toMatch(/supervisión/);
      expect((await post(path, { reason: 'prescribed', note: 'x' }, 'collector')).status).toBe(403);
      // Nothing happened to the case.
      expect((await viewOf(reminder)).status).toBe('open');
      expect(await auditActions(reminder.caseId)).toEqual([]);
    });

    it('lets collectors and managers report an irregular reconnection, not the legal unit', async () => {
      const path = `/api/cases/${reminder.caseId}/irregular-reconnection`;
      expect((await post(path, evidence(), 'legal')).status).toBe(403);
      expect((await post(path, evidence(), 'admin')).status).toBe(403);
      // Service is not suspended in reminder: the workflow refuses (422), nothing is recorded.
      const r = await post<ErrorBody>(path, evidence(), 'collector');
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.error.message).toMatch(/suspendido/);
    });

    it('refuses bad bodies with a message per field (400), before looking at the case', async () => {
      const unknown = `/api/cases/${randomUUID()}`;
      const tomorrow = addCalendarDays(today(), 1);
      const irregular = await post<ErrorBody>(
        `${unknown}/irregular-reconnection`,
        {
          foundAt: new Date(Date.now() + 86_400_000).toISOString(),
          note: '  ',
          photoUrl: 'no es un enlace',
          gps: { lat: 120, lng: -79.9 },
        },
        'collector',
      );
      expect(irregular.status).toBe(400);
      expect(irregular.body.error.fields).toEqual({
        foundAt: 'no puede ser posterior a este momento',
        note: 'describa lo encontrado',
        photoUrl: 'enlace inválido',
        'gps.lat': 'latitud inválida',
      });

      const filing = await post<ErrorBody>(
        `${unknown}/exceptions`,
        { filedOn: tomorrow, court: '', grounds: 'x' },
        'legal',
      );
      expect(filing.status).toBe(400);
      expect(filing.body.error.fields).toMatchObject({
        filedOn: 'no puede ser una fecha futura',
        court: 'indique el juzgado o unidad judicial',
      });
      expect(filing.body.error.fields).toHaveProperty('processNumber');

      const partial = await post<ErrorBody>(
        `${unknown}/exceptions/ruling`,
        { outcome: 'partially_upheld', ruledOn: today(), note: 'Se acepta en parte' },
        'legal',
      );
      expect(partial.status).toBe(400);
      expect(partial.body.error.fields).toEqual({
        remainingBalance: 'indique el saldo que queda tras la resolución',
      });
      const rejected = await post<ErrorBody>(
        `${unknown}/exceptions/ruling`,
        { outcome: 'rejected', ruledOn: today(), note: 'x', remainingBalance: '10.00' },
        'legal',
      );
      expect(rejected.body.error.fields).toEqual({
        remainingBalance: 'solo se indica cuando se aceptan en parte',
      });
      const badMoney = await post<ErrorBody>(
        `${unknown}/exceptions/ruling`,
        { outcome: 'partially_upheld', ruledOn: '2026-13-01', note: 'x', remainingBalance: '10,5' },
        'legal',
      );
      expect(Object.keys(badMoney.body.error.fields ?? {}).sort()).toEqual([
        'remainingBalance',
        'ruledOn',
      ]);

      const ack = await post<ErrorBody>(
        `${unknown}/acknowledgement`,
        { on: tomorrow, note: '' },
        'collector',
      );
      expect(ack.status).toBe(400);
      expect(ack.body.error.fields).toEqual({
        on: 'no puede ser una fecha futura',
        note: 'indique el documento o las circunstancias del reconocimiento',
      });
    });

    it('shows the case as its workflow reports it, within each role’s scope', async () => {
      const path = `/api/cases/${reminder.caseId}/view`;
      const r = await api.call<ActionBody>('get', path, { token: api.tokens.collector });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.case).toMatchObject({
        caseId: reminder.caseId,
        stage: 'reminder',
        service: 'active',
        exceptions: null,
      });
      expect(r.body.assignedCollector?.id).toBe(api.users.collector.id);
      expect((await api.call('get', path, { token: api.tokens.legal })).status).toBe(404);
    });
  });

  describe('through a real case workflow', () => {
    it('records the debtor’s acknowledgement; prescription counts again from that day', async () => {
      const s = await startCase();
      const on = addCalendarDays(today(), -3);
      const r = await post(
        `/api/cases/${s.caseId}/acknowledgement`,
        { on, note: 'Carta firmada por el titular reconociendo la deuda' },
        'collector',
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      // Five years (the default term) from the acknowledgement, give or take the plazo's rules.
      expect(r.body.case.prescribesOn).not.toBeNull();
      expect(r.body.case.prescribesOn! >= addCalendarDays(on, 5 * 365)).toBe(true);
      expect(r.body.case.prescribesOn! <= addCalendarDays(on, 5 * 365 + 10)).toBe(true);
      expect(await auditActions(s.caseId)).toEqual(['case.debt_acknowledged']);
      const entry = await api.db.prisma.auditLog.findFirstOrThrow({
        where: { entityId: s.caseId, action: 'case.debt_acknowledged' },
      });
      expect(entry).toMatchObject({ actorId: api.users.collector.id });
      expect(entry.before).toMatchObject({ request: { on } });
    });

    it(
      'reports an irregular reconnection on a cut service: the fine, and back to a cut',
      { timeout: 200_000 },
      async () => {
        const s = await startCase({ fast: true });
        await driveUntil(s, (v) => v.service === 'suspended', 'a suspended service');
        const cuts = () =>
          api.db.prisma.task.count({ where: { caseId: s.caseId, type: 'suspension_field' } });
        const cutsBefore = await cuts();
        const r = await post(
          `/api/cases/${s.caseId}/irregular-reconnection`,
          evidence(),
          'collector',
        );
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(await auditActions(s.caseId)).toEqual(['case.irregular_reconnection']);
        const entry = await api.db.prisma.auditLog.findFirstOrThrow({
          where: { entityId: s.caseId, action: 'case.irregular_reconnection' },
        });
        expect(entry.before).toMatchObject({
          request: { sealNumber: 'SELLO-0001', gps: { lat: -3.2581, lng: -79.9554 } },
        });
        // The case goes back to a cut: a new field order for the crew.
        await until(cuts, (n) => n > cutsBefore, 'a new suspension order', 30_000);
      },
    );

    it(
      'files excepciones (the coactiva pauses), records a partial ruling, and lets the legal unit close as prescribed',
      { timeout: 200_000 },
      async () => {
        const s = await startCase({ fast: true });
        await driveUntil(s, paymentOrderNotified(s), 'the notified orden de pago');
        const path = `/api/cases/${s.caseId}`;
        const filing = {
          filedOn: today(),
          court: 'Unidad Judicial Civil de Machala',
          processNumber: '07333-2026-01234',
          grounds: 'Error en el monto del título',
        };
        const filed = await post(`${path}/exceptions`, filing, 'legal');
        expect(filed.status, JSON.stringify(filed.body)).toBe(200);
        expect(filed.body.case.exceptions).toEqual({ ...filing, status: 'pending', ruledOn: null });
        const again = await post<ErrorBody>(`${path}/exceptions`, filing, 'legal');
        expect(again.status).toBe(409);

        const ruling = await post(
          `${path}/exceptions/ruling`,
          {
            outcome: 'partially_upheld',
            ruledOn: today(),
            note: 'Se excluye una planilla',
            remainingBalance: '60.00',
          },
          'legal',
        );
        expect(ruling.status, JSON.stringify(ruling.body)).toBe(200);
        expect(ruling.body.case).toMatchObject({
          status: 'open',
          balance: '60.00',
          exceptions: { status: 'partially_upheld', ruledOn: today() },
        });
        const view = await api.call<ActionBody>('get', `${path}/view`, {
          token: api.tokens.legal,
        });
        expect(view.body.case.exceptions?.status).toBe('partially_upheld');

        const closed = await post(
          `${path}/close`,
          { reason: 'prescribed', note: 'Prescrita según informe jurídico' },
          'legal',
        );
        expect(closed.status, JSON.stringify(closed.body)).toBe(200);
        expect(closed.body.case).toMatchObject({ status: 'closed', closeReason: 'prescribed' });
        expect(await auditActions(s.caseId)).toEqual([
          'case.exceptions_file',
          'case.exceptions_ruling',
          'case.close',
        ]);
      },
    );

    it('closes the case when the court upholds the excepciones', { timeout: 200_000 }, async () => {
      const s = await startCase({ fast: true });
      await driveUntil(s, paymentOrderNotified(s), 'the notified orden de pago');
      const path = `/api/cases/${s.caseId}`;
      expect(
        (
          await post(
            `${path}/exceptions`,
            {
              filedOn: today(),
              court: 'Unidad Judicial Civil de Machala',
              processNumber: '07333-2026-04321',
              grounds: 'Pago previo',
            },
            'legal',
          )
        ).status,
      ).toBe(200);
      const r = await post(
        `${path}/exceptions/ruling`,
        { outcome: 'upheld', ruledOn: today(), note: 'El deudor probó el pago' },
        'legal',
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.case).toMatchObject({ status: 'closed', closeReason: 'exceptions_upheld' });
    });
  });
});
