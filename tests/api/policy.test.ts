/**
 * The policy over the API: everyone reads the version in force; a manager changes some values
 * (strict, over the current version) and gets a new version, audited with before and after,
 * which is what cases opened afterwards get; bad values are 400s naming the field. A change of
 * the calendar is signalled to the running case workflows (batch, or one by one).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPolicy } from '../../store/policy.js';
import { tellRunningCases } from '../../api/routes/policy.js';
import { DEFAULT_POLICY, type Policy } from '../../domain/policy.js';
import type { caseWorkflow } from '../../workflows/case.js';
import type { CalendarChanged } from '../../workflows/messages.js';
import { eventually } from '../support/env.js';
import { caseInput, seedCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface PolicyBody {
  version: number;
  policy: Policy;
  createdAt: string;
  createdBy: string | null;
  note: string | null;
}
interface ErrorBody {
  error: { code: string; fields?: Record<string, string> };
}

describe('policy', () => {
  let api: TestApi;

  beforeAll(async () => {
    // As under npm start: the app's policy is the newest stored version, read per request.
    api = await startTestApi({
      policy: async () => (await currentPolicy(api.db.prisma))!,
    });
  });
  afterAll(() => api?.close());

  const put = (json: unknown, role: 'manager' | 'admin' | 'collector' = 'manager') =>
    api.call<PolicyBody & ErrorBody>('put', '/api/policy', { token: api.tokens[role], json });

  it('shows the version in force to every role', async () => {
    for (const role of ['collector', 'legal', 'manager', 'admin'] as const) {
      const r = await api.call<PolicyBody>('get', '/api/policy', { token: api.tokens[role] });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ version: 1, createdBy: null, note: 'first start' });
      expect(r.body.policy).toEqual(DEFAULT_POLICY);
    }
  });

  it('saves a partial change over the current version as a new, audited version', async () => {
    const r = await put({
      policy: { agreement: { maxInstalments: 18 }, calendar: { extraHolidays: ['2026-12-24'] } },
      note: 'Resolución de gerencia 12-2026',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      version: 2,
      createdBy: 'Usuario manager',
      note: 'Resolución de gerencia 12-2026',
    });
    const expected: Policy = {
      ...DEFAULT_POLICY,
      agreement: { ...DEFAULT_POLICY.agreement, maxInstalments: 18 },
      calendar: { ...DEFAULT_POLICY.calendar, extraHolidays: ['2026-12-24'], removedHolidays: [] },
    };
    expect(r.body.policy).toEqual(expected);

    // A second partial change keeps the first one (merged over the current version).
    const again = await put(
      { policy: { reminder: { notices: 2 } }, note: 'menos avisos' },
      'admin',
    );
    expect(again.body.version).toBe(3);
    expect(again.body.policy.agreement.maxInstalments).toBe(18);
    expect(again.body.policy.reminder.notices).toBe(2);

    const read = await api.call<PolicyBody>('get', '/api/policy', { token: api.tokens.collector });
    expect(read.body.version).toBe(3);
    // What cases opened from now on get (imports read deps.policy per request).
    expect((await api.deps.policy()).version).toBe(3);
    expect((await api.deps.policy()).policy.reminder.notices).toBe(2);

    const audits = await api.db.prisma.auditLog.findMany({
      where: { action: 'policy.update' },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((a) => [a.entityId, a.actorId])).toEqual([
      ['2', api.users.manager.id],
      ['3', api.users.admin.id],
    ]);
    const first = audits[0]!;
    expect(first.before).toMatchObject({
      version: 1,
      policy: { agreement: { maxInstalments: 24 } },
    });
    expect(first.after).toMatchObject({
      version: 2,
      policy: { agreement: { maxInstalments: 18 } },
    });
  });

  it('answers the current version without a new one when nothing changes', async () => {
    const r = await put({ policy: { reminder: { notices: 2 } }, note: 'repetido' });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(3);
    expect(await api.db.prisma.policyVersion.count()).toBe(3);
  });

  it('refuses unknown keys and bad values naming each field, and saves nothing', async () => {
    const r = await put({
      policy: { agreement: { maxInstalments: 0, maxInstallments: 12 }, legalRoute: 'OTRA' },
      note: 'errores',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_policy');
    expect(Object.keys(r.body.error.fields ?? {}).sort()).toEqual([
      'policy.agreement',
      'policy.agreement.maxInstalments',
      'policy.legalRoute',
    ]);
    const noNote = await put({ policy: { reminder: { notices: 4 } }, note: 'x' });
    expect(noNote.status).toBe(400);
    expect(Object.keys(noNote.body.error.fields ?? {})).toEqual(['note']);
    expect(await api.db.prisma.policyVersion.count()).toBe(3);
  });

  it('lists the versions newest first, for managers and admins only', async () => {
    const r = await api.call<{ items: Omit<PolicyBody, 'policy'>[] }>(
      'get',
      '/api/policy/versions',
      { token: api.tokens.admin },
    );
    expect(r.status).toBe(200);
    expect(r.body.items.map((v) => [v.version, v.createdBy, v.note])).toEqual([
      [3, 'Usuario admin', 'menos avisos'],
      [2, 'Usuario manager', 'Resolución de gerencia 12-2026'],
      [1, null, 'first start'],
    ]);
    expect(
      (await api.call('get', '/api/policy/versions', { token: api.tokens.legal })).status,
    ).toBe(403);
    expect((await put({ policy: {}, note: 'nada' }, 'collector')).status).toBe(403);
  });
});

describe('a calendar change reaches running cases', () => {
  let api: TestApi;
  let handle: WorkflowHandle;

  beforeAll(async () => {
    api = await startTestApi({ policy: async () => (await currentPolicy(api.db.prisma))! });
    // A case workflow running on the API's task queue; no worker is needed: the server records
    // each signal in its history, which the workflow reads on its next task.
    const s = await seedCase(api.db.prisma);
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    handle = await api.temporal.workflow.start<typeof caseWorkflow>('caseWorkflow', {
      taskQueue: api.deps.taskQueue,
      workflowId: `case-${s.accountNumber}`,
      args: [caseInput(s)],
    });
  });
  afterAll(async () => {
    await handle?.terminate('test over').catch(() => undefined);
    await api?.close();
  });

  /** The calendarChanged signals in the workflow's history, oldest first. */
  async function calendarSignals(): Promise<CalendarChanged[]> {
    const history = await handle.fetchHistory();
    return (history.events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes)
      .filter((a) => a?.signalName === 'calendarChanged')
      .map((a) => defaultPayloadConverter.fromPayload<CalendarChanged>(a!.input!.payloads![0]!));
  }

  const put = (json: unknown) =>
    api.call<PolicyBody & { runningCasesTold: unknown }>('put', '/api/policy', {
      token: api.tokens.manager,
      json,
    });

  it('signals every running workflow of the queue when holidays change, and not otherwise', async () => {
    const localHolidays = [
      ...DEFAULT_POLICY.calendar.localHolidays,
      { month: 10, day: 12, name: 'Feria de Machala' },
    ];
    const r = await put({ policy: { calendar: { localHolidays } }, note: 'Ordenanza municipal' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.runningCasesTold).toMatchObject({
      method: 'batch',
      jobId: expect.stringMatching(/^calendar-v2-/),
      workflows: 1,
    });
    const signals = await eventually(calendarSignals, (s) => s.length > 0, 30_000);
    expect(signals).toEqual([
      {
        policyVersion: 2,
        calendar: { ...DEFAULT_POLICY.calendar, localHolidays },
        changedAt: r.body.createdAt,
        by: api.users.manager.id,
      },
    ]);
    const entry = await api.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'policy.update', entityId: '2' },
    });
    expect(entry.after).toMatchObject({ runningCasesTold: { method: 'batch', workflows: 1 } });

    // A change that leaves the calendar alone tells nobody.
    const other = await put({ policy: { reminder: { notices: 2 } }, note: 'menos avisos' });
    expect(other.status).toBe(200);
    expect(other.body.runningCasesTold).toBeNull();
    // Nor does listing the same holidays in another order.
    const reordered = await put({
      policy: { calendar: { localHolidays: [...localHolidays].reverse() } },
      note: 'mismo calendario',
    });
    expect(reordered.body.runningCasesTold).toBeNull();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await calendarSignals()).toHaveLength(1);
    const audits = await api.db.prisma.auditLog.findMany({
      where: { action: 'policy.update' },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((a) => (a.after as { runningCasesTold?: unknown }).runningCasesTold)).toEqual(
      [expect.objectContaining({ method: 'batch' }), undefined, undefined],
    );
  });

  it('signals the workflows one by one when the server refuses the batch', async () => {
    // The same client, except that its batch operations are refused (as when the server has
    // them off, or the namespace's one concurrent batch is still running).
    const refusing = new Proxy(api.temporal, {
      get(target, key) {
        if (key === 'workflowService')
          return new Proxy(target.workflowService, {
            get(service, name) {
              if (name === 'startBatchOperation')
                return () => Promise.reject(new Error('batch operations are disabled'));
              const v: unknown = Reflect.get(service, name, service);
              return typeof v === 'function' ? (v as () => unknown).bind(service) : v;
            },
          });
        const v: unknown = Reflect.get(target, key, target);
        return typeof v === 'function' ? (v as () => unknown).bind(target) : v;
      },
    });
    const change: CalendarChanged = {
      policyVersion: 9,
      calendar: { ...DEFAULT_POLICY.calendar, extraHolidays: ['2026-12-24'] },
      changedAt: new Date().toISOString(),
      by: api.users.admin.id,
    };
    const { told, done } = await tellRunningCases({ ...api.deps, temporal: refusing }, change);
    expect(told).toMatchObject({ method: 'list', workflows: 1 });
    await done;
    expect((await calendarSignals()).at(-1)).toEqual(change);
  });
});
