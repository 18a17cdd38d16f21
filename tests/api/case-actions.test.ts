/**
 * The richer case list (filters and sorts), the timeline, the manager's actions and disputes,
 * over the real app, PostgreSQL and the Temporal dev server with a worker running the case
 * workflows.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendarDays, toLocalDate } from '../../domain/calendar.js';
import type { caseWorkflow } from '../../workflows/case.js';
import { eventually, withWorker } from '../support/env.js';
import { caseInput, seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface ListBody {
  items: { id: string; balance: string; daysPastDue: number; priority: number }[];
  total: number;
}
interface ActionBody {
  case: {
    caseId: string;
    status: string;
    closeReason: string | null;
    onHold: boolean;
    disputed: boolean;
    stage: string;
  };
  assignedCollector: { id: string; displayName: string } | null;
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}
interface TimelineBody {
  items: {
    type: string;
    occurredAt: string;
    reason: string | null;
    data?: unknown;
    actor: { id: string; kind: string; displayName: string };
  }[];
  total: number;
  page: number;
  pageSize: number;
}

describe('case list filters and sorts', () => {
  let api: TestApi;
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  const today = toLocalDate(new Date());
  const daysAgo = (n: number) => new Date(`${addCalendarDays(today, -n)}T00:00:00Z`);

  beforeAll(async () => {
    api = await startTestApi();
    const rows = [
      { key: 'a', cents: 5_000, priority: 900, overdue: 10, opened: 1, collector: 'api' },
      { key: 'b', cents: 50_000, priority: 300, overdue: 100, opened: 3, collector: 'seeded' },
      { key: 'c', cents: 15_000, priority: 600, overdue: 40, opened: 2, collector: 'none' },
    ] as const;
    for (const r of rows) {
      const s = await seedCase(api.db.prisma, { balanceCents: r.cents });
      ids[r.key] = s.caseId;
      await api.db.prisma.case.update({
        where: { id: s.caseId },
        data: {
          priority: r.priority,
          oldestDueOn: daysAgo(r.overdue),
          openedAt: new Date(Date.now() - r.opened * 86_400_000),
          assignedCollectorId:
            r.collector === 'api'
              ? api.users.collector.id
              : r.collector === 'none'
                ? null
                : s.collectorId,
        },
      });
    }
  });
  afterAll(() => api?.close());

  const list = async (query: Record<string, string>, role: 'manager' | 'collector' = 'manager') => {
    const r = await api.call<ListBody>('get', '/api/cases', { token: api.tokens[role], query });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.items.map((i) => Object.entries(ids).find(([, id]) => id === i.id)?.[0]);
  };

  it('sorts by priority (default), balance, days overdue and opening date', async () => {
    expect(await list({})).toEqual(['a', 'c', 'b']);
    expect(await list({ sort: 'balance' })).toEqual(['b', 'c', 'a']);
    expect(await list({ sort: 'balance', order: 'asc' })).toEqual(['a', 'c', 'b']);
    expect(await list({ sort: 'daysOverdue' })).toEqual(['b', 'c', 'a']);
    expect(await list({ sort: 'daysOverdue', order: 'asc' })).toEqual(['a', 'c', 'b']);
    expect(await list({ sort: 'openedAt' })).toEqual(['a', 'c', 'b']);
    const r = await api.call<ListBody>('get', '/api/cases', {
      token: api.tokens.manager,
      query: { sort: 'daysOverdue' },
    });
    expect(r.body.items.map((i) => i.daysPastDue)).toEqual([100, 40, 10]);
  });

  it('filters by collector, priority, amount and days overdue', async () => {
    expect(await list({ collectorId: api.users.collector.id })).toEqual(['a']);
    expect(await list({ collectorId: 'none' })).toEqual(['c']);
    expect(await list({ priorityMin: '500' })).toEqual(['a', 'c']);
    expect(await list({ amountMin: '100.00', amountMax: '200.00' })).toEqual(['c']);
    expect(await list({ amountMin: '150.00' })).toEqual(['c', 'b']);
    expect(await list({ daysOverdueMin: '30' })).toEqual(['c', 'b']);
    expect(await list({ daysOverdueMax: '50' })).toEqual(['a', 'c']);
    expect(await list({ daysOverdueMin: '30', daysOverdueMax: '50' })).toEqual(['c']);
    expect(await list({ daysOverdueMin: '40', daysOverdueMax: '40' })).toEqual(['c']);
  });

  it('keeps the role scope and paginates sorted results', async () => {
    expect(await list({ sort: 'balance' }, 'collector')).toEqual(['a']);
    expect(await list({ collectorId: 'none' }, 'collector')).toEqual([]);
    const r = await api.call<ListBody>('get', '/api/cases', {
      token: api.tokens.manager,
      query: { sort: 'balance', pageSize: '1', page: '2' },
    });
    expect(r.body.total).toBe(3);
    expect(r.body.items.map((i) => i.id)).toEqual([ids.c]);
  });

  it('answers 400 naming each bad filter', async () => {
    const r = await api.call<ErrorBody>('get', '/api/cases', {
      token: api.tokens.manager,
      query: { amountMin: '1,5', sort: 'nombre', priorityMin: '-1', collectorId: 'juan' },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.fields ?? {}).sort()).toEqual([
      'query.amountMin',
      'query.collectorId',
      'query.priorityMin',
      'query.sort',
    ]);
    const ranges = await api.call<ErrorBody>('get', '/api/cases', {
      token: api.tokens.manager,
      query: { amountMin: '20.00', amountMax: '10.00' },
    });
    expect(ranges.status).toBe(400);
    expect(ranges.body.error.fields).toHaveProperty(['query.amountMax']);
    const days = await api.call<ErrorBody>('get', '/api/cases', {
      token: api.tokens.manager,
      query: { daysOverdueMin: '20', daysOverdueMax: '10' },
    });
    expect(days.body.error.fields).toHaveProperty(['query.daysOverdueMax']);
  });
});

describe('timeline, manager actions and disputes', () => {
  let api: TestApi;
  let stopWorker: () => void;
  let worker: Promise<unknown>;
  const handles: WorkflowHandle[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    const stopped = new Promise<void>((resolve) => (stopWorker = resolve));
    worker = withWorker({ taskQueue: api.deps.taskQueue, prisma: api.db.prisma }, () => stopped);
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.terminate('test over').catch(() => undefined)));
    stopWorker?.();
    await worker;
    await api?.close();
  });

  /** A case opened by its workflow and assigned to the API's collector (their portfolio). */
  async function startCase(): Promise<SeededCase> {
    const s = await seedCase(api.db.prisma);
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
        args: [caseInput(s, { policyVersion: policy.version })],
      }),
    );
    await eventually(
      () => api.db.prisma.task.count({ where: { caseId: s.caseId, type: 'contact_debtor' } }),
      (n) => n > 0,
    );
    return { ...s, collectorId: api.users.collector.id };
  }

  const post = <T = ActionBody>(
    path: string,
    json: unknown,
    role: 'manager' | 'collector' | 'legal' | 'admin' = 'manager',
  ) => api.call<T>('post', path, { token: api.tokens[role], json });

  let held: SeededCase;

  it('holds and resumes a case, refusing a second hold or resume (409)', async () => {
    held = await startCase();
    const path = `/api/cases/${held.caseId}`;
    const hold = await post(`${path}/hold`, { reason: 'Revisión de lectura del medidor' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(200);
    expect(hold.body.case).toMatchObject({ caseId: held.caseId, onHold: true, status: 'open' });
    expect(hold.body.assignedCollector?.id).toBe(api.users.collector.id);

    const again = await post<ErrorBody>(`${path}/hold`, { reason: 'otra vez' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/ya está en espera/);

    const resume = await post(`${path}/resume`, { reason: 'Lectura confirmada' });
    expect(resume.status).toBe(200);
    expect(resume.body.case.onHold).toBe(false);
    expect((await post(`${path}/resume`, { reason: 'otra vez' })).status).toBe(409);

    const entries = await api.db.prisma.auditLog.findMany({
      where: { entity: 'case', entityId: held.caseId },
      orderBy: { id: 'asc' },
    });
    expect(entries.map((e) => e.action)).toEqual(['case.hold', 'case.resume']);
    expect(entries[0]).toMatchObject({ actorId: api.users.manager.id, actorKind: 'user' });
    expect(entries[0]!.before).toMatchObject({ onHold: false });
    expect(entries[0]!.after).toMatchObject({ case: { onHold: true } });
  });

  it('refuses actions by other roles (403), on unknown cases (404) and bad bodies (400)', async () => {
    const path = `/api/cases/${held.caseId}`;
    expect((await post(`${path}/hold`, { reason: 'x' }, 'collector')).status).toBe(403);
    expect((await post(`${path}/close`, { reason: 'cancelled', note: 'x' }, 'admin')).status).toBe(
      403,
    );
    expect((await post(`/api/cases/${randomUUID()}/hold`, { reason: 'x' })).status).toBe(404);
    const blank = await post<ErrorBody>(`${path}/hold`, { reason: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.body.error.fields).toHaveProperty('reason');
    const badReason = await post<ErrorBody>(`${path}/close`, { reason: 'paid', note: 'x' });
    expect(badReason.status).toBe(400);
    expect(badReason.body.error.fields).toHaveProperty('reason');
  });

  it('reassigns to another active collector; 422 for a non-collector, 409 when unchanged', async () => {
    const path = `/api/cases/${held.caseId}/assign`;
    const other = await api.db.prisma.user.create({
      data: {
        username: 'gestora-2',
        displayName: 'Gestora Dos',
        role: 'collector',
        passwordHash: 'x',
      },
    });
    const r = await post(path, { collectorId: other.id });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.assignedCollector).toEqual({ id: other.id, displayName: 'Gestora Dos' });
    const task = await api.db.prisma.task.findFirstOrThrow({
      where: { caseId: held.caseId, type: 'contact_debtor', status: 'open' },
    });
    expect(task.assigneeId).toBe(other.id);
    // The previous collector no longer sees it.
    expect(
      (await api.call('get', `/api/cases/${held.caseId}`, { token: api.tokens.collector })).status,
    ).toBe(404);

    const notCollector = await post<ErrorBody>(path, { collectorId: api.users.legal.id });
    expect(notCollector.status).toBe(422);
    expect((await post(path, { collectorId: other.id })).status).toBe(409);
    // Back to the API's collector for the tests that follow.
    expect((await post(path, { collectorId: api.users.collector.id })).status).toBe(200);
  });

  it('shows the timeline newest first, with user names, paginated, within scope', async () => {
    const path = `/api/cases/${held.caseId}/timeline`;
    const r = await api.call<TimelineBody>('get', path, { token: api.tokens.collector });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const types = r.body.items.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['case_held', 'case_resumed', 'case_reassigned']));
    const times = r.body.items.map((e) => e.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);
    const heldEvent = r.body.items.find((e) => e.type === 'case_held')!;
    expect(heldEvent).toMatchObject({
      reason: 'Revisión de lectura del medidor',
      actor: { id: api.users.manager.id, kind: 'user', displayName: 'Usuario manager' },
    });
    expect(r.body.items.some((e) => e.actor.kind === 'system')).toBe(true);

    const page = await api.call<TimelineBody>('get', path, {
      token: api.tokens.manager,
      query: { pageSize: '2', page: '2' },
    });
    expect(page.body).toMatchObject({ total: r.body.total, page: 2, pageSize: 2 });
    expect(page.body.items.map((e) => e.type)).toEqual(types.slice(2, 4));
    const only = await api.call<TimelineBody>('get', path, {
      token: api.tokens.manager,
      query: { type: 'case_held' },
    });
    expect(only.body.items.map((e) => e.type)).toEqual(['case_held']);

    // Legal sees only escalated cases; unknown cases are 404 for everyone.
    expect((await api.call('get', path, { token: api.tokens.legal })).status).toBe(404);
    expect(
      (await api.call('get', `/api/cases/${randomUUID()}/timeline`, { token: api.tokens.manager }))
        .status,
    ).toBe(404);
  });

  it('orders two stage changes of one workflow task by their sequence, whatever order they committed in', async () => {
    // One workflow task made both changes (same workflow time); after a worker crash the later
    // one committed first (activities/case-store.ts setStage).
    const at = new Date(Date.now() + 3_600_000); // newest of this case's events
    const change = (seq: number, from: string, to: 'reminder' | 'agreement') =>
      api.db.prisma.caseEvent.create({
        data: {
          eventKey: `case-${held.caseId}:stage:${from}->${to}:${seq}`,
          caseId: held.caseId,
          type: 'stage_changed',
          stage: to,
          occurredAt: at,
          actor: 'system',
          data: { from, to },
        },
      });
    await change(3, 'agreement', 'reminder');
    await change(2, 'reminder', 'agreement');
    const timeline = await api.call<TimelineBody>('get', `/api/cases/${held.caseId}/timeline`, {
      token: api.tokens.manager,
      query: { pageSize: '2' },
    });
    expect(timeline.body.items.map((e) => e.data)).toEqual([
      { from: 'agreement', to: 'reminder' },
      { from: 'reminder', to: 'agreement' },
    ]);
    const detail = await api.call<{ events: { data: unknown }[] }>(
      'get',
      `/api/cases/${held.caseId}`,
      {
        token: api.tokens.manager,
      },
    );
    expect(detail.body.events.slice(0, 2).map((e) => e.data)).toEqual([
      { from: 'agreement', to: 'reminder' },
      { from: 'reminder', to: 'agreement' },
    ]);
    await api.db.prisma.caseEvent.deleteMany({
      where: { caseId: held.caseId, occurredAt: at, type: 'stage_changed' },
    });
  });

  it('opens and resolves a dispute; the collector may open but not resolve', async () => {
    const path = `/api/cases/${held.caseId}/disputes`;
    const open = await post(
      path,
      { reason: 'El usuario dice que pagó en ventanilla' },
      'collector',
    );
    expect(open.status, JSON.stringify(open.body)).toBe(200);
    expect(open.body.case.disputed).toBe(true);
    expect((await post(path, { reason: 'otro' }, 'collector')).status).toBe(409);
    expect(
      (await post(`${path}/resolve`, { outcome: 'rejected', note: 'x' }, 'collector')).status,
    ).toBe(403);
    // Legal acts on escalated cases only: this one is still in reminder.
    expect(
      (await post(`${path}/resolve`, { outcome: 'rejected', note: 'x' }, 'legal')).status,
    ).toBe(404);
    const resolved = await post(`${path}/resolve`, {
      outcome: 'rejected',
      note: 'No consta el pago en tesorería',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.case).toMatchObject({ disputed: false, status: 'open' });
    expect((await post(`${path}/resolve`, { outcome: 'rejected', note: 'x' })).status).toBe(409);
  });

  it('closes a case with a reason and answers 409 to anything after', async () => {
    const s = await startCase();
    const path = `/api/cases/${s.caseId}`;
    const r = await post(`${path}/close`, {
      reason: 'written_off',
      note: 'Incobrable: predio demolido',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.case).toMatchObject({ status: 'closed', closeReason: 'written_off' });
    const row = await api.db.prisma.case.findUniqueOrThrow({ where: { id: s.caseId } });
    expect(row).toMatchObject({ status: 'closed', closeReason: 'written_off' });
    const after = await post<ErrorBody>(`${path}/hold`, { reason: 'x' });
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('case_closed');
    expect((await post(`${path}/close`, { reason: 'cancelled', note: 'x' })).status).toBe(409);
  });

  it('closes the case as dispute won when the dispute is upheld', async () => {
    const s = await startCase();
    const path = `/api/cases/${s.caseId}/disputes`;
    expect((await post(path, { reason: 'Medidor dañado' })).status).toBe(200);
    const r = await post(`${path}/resolve`, { outcome: 'upheld', note: 'Error de facturación' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.case).toMatchObject({ status: 'closed', closeReason: 'dispute_won' });
  });
});
