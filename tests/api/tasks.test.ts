/**
 * The task inbox over the real app, PostgreSQL and the Temporal dev server, with a worker running
 * the case workflow: listing by scope and status with the badge counts; claim, release and
 * reassign with their refusals; completion through the workflow update, a bad form, a double
 * completion (one effect only) and a collector acting on someone else's task; audit rows.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../api/auth.js';
import { addCalendarDays, toLocalDate } from '../../domain/calendar.js';
import type { Prisma } from '../../prisma/client.js';
import { CASE_ID_POLICIES, caseWorkflowId } from '../../temporal/workflow-ids.js';
import type { caseWorkflow } from '../../workflows/case.js';
import type { CaseWorkflowInput } from '../../workflows/messages.js';
import { eventually, uniqueTaskQueue, withWorker } from '../support/env.js';
import { caseInput, seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

type TaskRow = Prisma.TaskGetPayload<object>;

interface TaskItem {
  id: string;
  type: string;
  title: string;
  role: string;
  status: string;
  overdue: boolean;
  escalated: boolean;
  assignee: { id: string; displayName: string } | null;
  case: {
    id: string;
    accountNumber: string;
    holderName: string;
    stage: string;
    balance: string;
    sector: string;
    route: string | null;
    priority: number;
    daysOverdue: number;
  };
  payload: Record<string, unknown>;
  completedAt: string | null;
}
interface ListBody {
  items: TaskItem[];
  total: number;
  counts: { open: number; overdue: number };
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

describe('task inbox', () => {
  let api: TestApi;
  const taskQueue = uniqueTaskQueue('tasks-api');
  let stopWorker!: () => void;
  let worker: Promise<void>;
  const handles: WorkflowHandle[] = [];

  /** Case of the test collector (their portfolio), of another collector, and of nobody. */
  let mine: SeededCase;
  let others: SeededCase;
  let nobodys: SeededCase;
  let taskMine: TaskRow;
  let taskOthers: TaskRow;
  let taskInbox: TaskRow;
  let legalTask: string;
  let inactiveCollector: string;

  const openContactTask = async (caseId: string) => {
    const t = await eventually(
      () => api.db.prisma.task.findFirst({ where: { caseId, type: 'contact_debtor' } }),
      (x) => x !== null,
      30_000,
    );
    if (!t) throw new Error(`no contact_debtor task for case ${caseId}`);
    return t;
  };

  /** Starts the case workflow for a seeded case (the workflow writes the case row itself). */
  async function startCase(s: SeededCase) {
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    const input: CaseWorkflowInput = caseInput(s);
    handles.push(
      await api.temporal.workflow.start<typeof caseWorkflow>('caseWorkflow', {
        taskQueue,
        workflowId: caseWorkflowId(s.accountNumber),
        ...CASE_ID_POLICIES,
        args: [input],
      }),
    );
  }

  const list = (role: 'collector' | 'legal' | 'manager' | 'admin', query = {}) =>
    api.call<ListBody>('get', '/api/tasks', { token: api.tokens[role], query });
  const ids = (r: { body: ListBody }) => r.body.items.map((t) => t.id).sort();
  const post = <T = unknown>(
    role: 'collector' | 'legal' | 'manager' | 'admin',
    path: string,
    json?: unknown,
  ) => api.call<T>('post', path, { token: api.tokens[role], json: json ?? {} });
  const events = (caseId: string, type: string) =>
    api.db.prisma.caseEvent.findMany({ where: { caseId, type } });
  const auditOf = (action: string, entityId: string) =>
    api.db.prisma.auditLog.findMany({ where: { action, entityId } });

  beforeAll(async () => {
    api = await startTestApi();
    const { prisma } = api.db;
    const stopped = new Promise<void>((resolve) => (stopWorker = resolve));
    worker = withWorker({ taskQueue, prisma }, () => stopped);

    // The test collector reports to the test manager (the manager's team).
    await prisma.user.update({
      where: { id: api.users.collector.id },
      data: { supervisorId: api.users.manager.id },
    });
    mine = await seedCase(prisma);
    others = await seedCase(prisma);
    nobodys = await seedCase(prisma);
    await prisma.portfolioAssignment.updateMany({
      where: { userId: mine.collectorId },
      data: { userId: api.users.collector.id },
    });
    await prisma.portfolioAssignment.deleteMany({ where: { userId: nobodys.collectorId } });
    await Promise.all([startCase(mine), startCase(others), startCase(nobodys)]);
    [taskMine, taskOthers, taskInbox] = await Promise.all([
      openContactTask(mine.caseId),
      openContactTask(others.caseId),
      openContactTask(nobodys.caseId),
    ]);

    // A legal task (as the coactiva stage would leave it), straight in the inbox table.
    legalTask = randomUUID();
    await prisma.task.create({
      data: {
        id: legalTask,
        caseId: others.caseId,
        workflowId: caseWorkflowId(others.accountNumber),
        type: 'coactiva_intake',
        role: 'legal',
        priority: 900,
        dueAt: new Date(Date.now() + 86_400_000),
        payload: { title: 'Recibir el caso en coactiva', titleNumber: 'TC-1' },
      },
    });
    inactiveCollector = (
      await prisma.user.create({
        data: {
          username: 'gestor-inactivo',
          displayName: 'Gestor inactivo',
          role: 'collector',
          passwordHash: await hashPassword('no-se-usa-nunca-1'),
          active: false,
        },
      })
    ).id;
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.terminate('fin de la prueba').catch(() => undefined)));
    stopWorker?.();
    await worker;
    await api?.close();
  });

  it('assigns the contact task to the case collector, or leaves it in the role inbox', () => {
    expect(taskMine.assigneeId).toBe(api.users.collector.id);
    expect(taskOthers.assigneeId).toBe(others.collectorId);
    expect(taskInbox.assigneeId).toBeNull();
  });

  it('lists mine, the role inbox and the team, with what the person needs to see', async () => {
    const own = await list('collector', { scope: 'mine' });
    expect(own.status).toBe(200);
    expect(ids(own)).toEqual([taskMine.id]);
    const item = own.body.items[0]!;
    expect(item).toMatchObject({
      type: 'contact_debtor',
      title: 'Contactar al usuario (aviso de cobro)',
      role: 'collector',
      status: 'open',
      overdue: false,
      escalated: false,
      assignee: { id: api.users.collector.id, displayName: 'Usuario collector' },
      case: {
        id: mine.caseId,
        accountNumber: mine.accountNumber,
        holderName: 'ROMERO AGUILAR JUAN CARLOS',
        stage: 'reminder',
        balance: '120.00',
      },
      payload: { balance: '120.00' },
      completedAt: null,
    });
    expect(item.payload).not.toHaveProperty('title');

    expect(ids(await list('collector', { scope: 'role' }))).toEqual([taskInbox.id]);
    expect(ids(await list('collector', { scope: 'team' }))).toEqual([taskMine.id]);
    // Without a scope: everything the collector may see, never another collector's case.
    const all = await list('collector');
    expect(ids(all)).toEqual([taskMine.id, taskInbox.id].sort());
    expect(all.body.counts).toEqual({ open: 2, overdue: 0 });

    // The manager's team: the tasks of the collectors who report to him.
    expect(ids(await list('manager', { scope: 'team' }))).toEqual([taskMine.id]);
    const everything = await list('manager');
    expect(everything.body.total).toBe(4);
    expect(ids(await list('manager', { type: 'coactiva_intake' }))).toEqual([legalTask]);
    expect(ids(await list('manager', { caseId: others.caseId }))).toEqual(
      [taskOthers.id, legalTask].sort(),
    );
    // Legal: the legal inbox only.
    const legal = await list('legal', { scope: 'role' });
    expect(ids(legal)).toEqual([legalTask]);
    expect(legal.body.items[0]).toMatchObject({
      title: 'Recibir el caso en coactiva',
      payload: { titleNumber: 'TC-1' },
    });
    expect(ids(await list('legal'))).toEqual([legalTask]);
  });

  it('sorts by due date then priority and paginates', async () => {
    const { prisma } = api.db;
    const due = new Date(Date.now() + 3_600_000);
    await prisma.task.update({ where: { id: taskOthers.id }, data: { dueAt: due, priority: 100 } });
    await prisma.task.update({ where: { id: legalTask }, data: { dueAt: due, priority: 900 } });
    const r = await list('manager', { pageSize: '2' });
    expect(r.body.items.map((t) => t.id)).toEqual([legalTask, taskOthers.id]);
    expect(r.body.total).toBe(4);
    const page2 = await list('manager', { pageSize: '2', page: '2' });
    expect(page2.body.items).toHaveLength(2);
    const bad = await api.call<ErrorBody>('get', '/api/tasks', {
      token: api.tokens.manager,
      query: { scope: 'everyone', status: 'late' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual([
      'query.scope',
      'query.status',
    ]);
  });

  it('lists overdue tasks and counts them for the badge', async () => {
    await api.db.prisma.task.update({
      where: { id: taskMine.id },
      data: { dueAt: new Date(Date.now() - 3_600_000) },
    });
    const r = await list('collector', { status: 'overdue' });
    expect(ids(r)).toEqual([taskMine.id]);
    expect(r.body.items[0]!.overdue).toBe(true);
    expect(r.body.counts).toEqual({ open: 2, overdue: 1 });
    expect((await list('collector', { status: 'done' })).body.items).toEqual([]);
  });

  it('claims a task of the role inbox once; refuses others, wrong roles and unknown tasks', async () => {
    const claimed = await post<{ id: string; assignee: { id: string } | null }>(
      'collector',
      `/api/tasks/${taskInbox.id}/claim`,
    );
    expect(claimed.status).toBe(200);
    expect(claimed.body.assignee?.id).toBe(api.users.collector.id);
    // Claiming what I already hold changes nothing.
    expect((await post('collector', `/api/tasks/${taskInbox.id}/claim`)).status).toBe(200);
    expect(await events(nobodys.caseId, 'task_assigned')).toHaveLength(1);
    const [row] = await auditOf('task.claim', taskInbox.id);
    expect(row).toMatchObject({
      actorId: api.users.collector.id,
      actorKind: 'user',
      before: { assigneeId: null },
      after: { assigneeId: api.users.collector.id },
    });
    expect(row?.ip).toBeTruthy();

    // Someone else holds it.
    const held = await post<ErrorBody>('collector', `/api/tasks/${taskOthers.id}/claim`);
    expect(held.status).toBe(409);
    // Not of my role.
    expect((await post('legal', `/api/tasks/${taskInbox.id}/claim`)).status).toBe(403);
    expect((await post('collector', `/api/tasks/${randomUUID()}/claim`)).status).toBe(404);
    expect((await post('collector', '/api/tasks/no-es-un-id/claim')).status).toBe(400);
  });

  it('releases to the role inbox: the holder or a manager only', async () => {
    expect((await post('collector', `/api/tasks/${taskOthers.id}/release`)).status).toBe(403);
    const released = await post<{ assignee: unknown }>(
      'collector',
      `/api/tasks/${taskInbox.id}/release`,
    );
    expect(released.status).toBe(200);
    expect(released.body.assignee).toBeNull();
    expect(await auditOf('task.release', taskInbox.id)).toHaveLength(1);
    // A manager takes it back from its holder to the inbox, then the collector claims it again.
    expect((await post('collector', `/api/tasks/${taskInbox.id}/claim`)).status).toBe(200);
    expect((await post('manager', `/api/tasks/${taskInbox.id}/release`)).status).toBe(200);
    expect((await post('collector', `/api/tasks/${taskInbox.id}/claim`)).status).toBe(200);
    // claim, release, claim, release (manager), claim: one timeline entry each.
    expect(await events(nobodys.caseId, 'task_assigned')).toHaveLength(5);
    expect((await post('manager', `/api/tasks/${randomUUID()}/release`)).status).toBe(404);
  });

  it('refuses a collector completing another collector’s task', async () => {
    const r = await post<ErrorBody>('collector', `/api/tasks/${taskOthers.id}/complete`, {
      form: { outcome: 'contacted' },
    });
    expect(r.status).toBe(403);
    expect(
      (await api.db.prisma.task.findUniqueOrThrow({ where: { id: taskOthers.id } })).status,
    ).toBe('open');
  });

  it('reassigns (manager) to an active user with the task’s role', async () => {
    const path = `/api/tasks/${taskOthers.id}/reassign`;
    expect((await post('collector', path, { userId: api.users.collector.id })).status).toBe(403);
    const wrongRole = await post<ErrorBody>('manager', path, { userId: api.users.legal.id });
    expect(wrongRole.status).toBe(422);
    expect(wrongRole.body.error.code).toBe('business_rule');
    expect((await post('manager', path, { userId: inactiveCollector })).status).toBe(422);
    expect((await post('manager', path, { userId: randomUUID() })).status).toBe(404);
    const bad = await post<ErrorBody>('manager', path, { userId: 'nadie' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty('userId');
    expect(
      (
        await post('manager', `/api/tasks/${randomUUID()}/reassign`, {
          userId: api.users.collector.id,
        })
      ).status,
    ).toBe(404);

    const r = await post<{ assignee: { id: string } }>('manager', path, {
      userId: api.users.collector.id,
    });
    expect(r.status).toBe(200);
    expect(r.body.assignee.id).toBe(api.users.collector.id);
    const [event] = await events(others.caseId, 'task_assigned');
    expect(event).toMatchObject({
      actor: api.users.manager.id,
      data: { taskId: taskOthers.id, from: others.collectorId, to: api.users.collector.id },
    });
    expect(await auditOf('task.reassign', taskOthers.id)).toMatchObject([
      {
        actorId: api.users.manager.id,
        before: { assigneeId: others.collectorId },
        after: { assigneeId: api.users.collector.id },
      },
    ]);
    // Now the collector holds it: he sees it as his.
    expect(ids(await list('collector', { scope: 'mine' }))).toContain(taskOthers.id);
  });

  it('refuses a bad form with field errors, before the workflow is asked', async () => {
    const r = await post<ErrorBody>('collector', `/api/tasks/${taskMine.id}/complete`, {
      form: { outcome: 'promise_to_pay', promisedOn: '2026-02-30', amount: '-1' },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.fields ?? {}).sort()).toEqual([
      'form.amount',
      'form.promisedOn',
    ]);
    const missing = await post<ErrorBody>('collector', `/api/tasks/${taskMine.id}/complete`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields).toHaveProperty('form');
  });

  it('completes a promise to pay through the workflow, once', async () => {
    const promisedOn = addCalendarDays(toLocalDate(new Date()), 5);
    const path = `/api/tasks/${taskMine.id}/complete`;
    const form = { outcome: 'promise_to_pay', promisedOn, amount: '50.00' };
    const r = await post('collector', path, { form });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ taskId: taskMine.id, type: 'contact_debtor', status: 'done' });

    const row = await api.db.prisma.task.findUniqueOrThrow({ where: { id: taskMine.id } });
    expect(row).toMatchObject({ status: 'done', completedBy: api.users.collector.id });
    const completed = await events(mine.caseId, 'task_completed');
    expect(completed).toHaveLength(1);
    const recorded = await eventually(
      () => events(mine.caseId, 'contact_recorded'),
      (e) => e.length > 0,
    );
    expect(recorded[0]).toMatchObject({ reason: 'promise_to_pay' });
    expect(await auditOf('task.complete', taskMine.id)).toMatchObject([
      { actorId: api.users.collector.id, before: { status: 'open' }, after: { status: 'done' } },
    ]);

    // Twice: the inbox row says done.
    const again = await post<ErrorBody>('collector', path, { form });
    expect(again.status).toBe(409);
    // Even when the row is stale, the workflow refuses (TaskNotOpen): no second effect.
    await api.db.prisma.task.update({ where: { id: taskMine.id }, data: { status: 'open' } });
    const stale = await post<ErrorBody>('collector', path, { form });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('task_not_open');
    await api.db.prisma.task.update({ where: { id: taskMine.id }, data: { status: 'done' } });
    expect(await events(mine.caseId, 'task_completed')).toHaveLength(1);
    expect(await events(mine.caseId, 'contact_recorded')).toHaveLength(1);
    expect(await auditOf('task.complete', taskMine.id)).toHaveLength(1);

    // A done task can no longer be reassigned; it shows in the done list.
    const late = await post('manager', `/api/tasks/${taskMine.id}/reassign`, {
      userId: api.users.collector.id,
    });
    expect(late.status).toBe(409);
    const done = await list('collector', { status: 'done' });
    expect(ids(done)).toEqual([taskMine.id]);
    expect(done.body.items[0]!.completedAt).not.toBeNull();
  });

  it('answers two simultaneous completions with one 200 and one 409', async () => {
    const path = `/api/tasks/${taskInbox.id}/complete`;
    const form = { outcome: 'contacted', note: 'atendió la llamada' };
    const answers = await Promise.all([
      post('collector', path, { form }),
      post('manager', path, { form }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(await events(nobodys.caseId, 'task_completed')).toHaveLength(1);
    expect(await auditOf('task.complete', taskInbox.id)).toHaveLength(1);
    expect((await post('collector', `/api/tasks/${taskInbox.id}/release`)).status).toBe(409);
  });
});

/**
 * Filters and sort of the inbox over task rows written straight to the table (no workflow):
 * by the case's sector, route, stage and balance, the two orders, and the badge counts within
 * the same filters.
 */
describe('task inbox filters and sort', () => {
  let api: TestApi;
  let north: SeededCase;
  let south: SeededCase;
  const ids: Record<'northSoon' | 'northLate' | 'southSoon' | 'southOverdue', string> = {
    northSoon: randomUUID(),
    northLate: randomUUID(),
    southSoon: randomUUID(),
    southOverdue: randomUUID(),
  };

  const list = (query: Record<string, string>) =>
    api.call<ListBody>('get', '/api/tasks', { token: api.tokens.manager, query });

  beforeAll(async () => {
    api = await startTestApi();
    const { prisma } = api.db;
    north = await seedCase(prisma, { balanceCents: 30_000 });
    south = await seedCase(prisma, { balanceCents: 4_000 });
    await prisma.account.update({
      where: { id: north.accountId },
      data: { sector: 'Norte', route: 'N-01' },
    });
    await prisma.account.update({
      where: { id: south.accountId },
      data: { sector: 'Sur', route: '' },
    });
    await prisma.case.update({
      where: { id: north.caseId },
      data: { stage: 'suspension', priority: 700 },
    });
    const today = toLocalDate(new Date());
    // 10 days past the oldest due date.
    await prisma.case.update({
      where: { id: south.caseId },
      data: { oldestDueOn: new Date(`${addCalendarDays(today, -10)}T00:00:00Z`) },
    });
    const day = 86_400_000;
    const task = (id: string, s: SeededCase, priority: number, dueIn: number) => ({
      id,
      caseId: s.caseId,
      workflowId: caseWorkflowId(s.accountNumber),
      type: 'contact_debtor',
      role: 'collector' as const,
      priority,
      dueAt: new Date(Date.now() + dueIn * day),
      payload: { title: `Tarea ${id}` },
    });
    await prisma.task.createMany({
      data: [
        task(ids.northSoon, north, 100, 1),
        task(ids.northLate, north, 900, 5),
        task(ids.southSoon, south, 500, 2),
        task(ids.southOverdue, south, 50, -1),
      ],
    });
  });
  afterAll(() => api?.close());

  it('orders by due date then priority, or by priority then due date', async () => {
    const due = await list({});
    expect(due.body.items.map((t) => t.id)).toEqual([
      ids.southOverdue,
      ids.northSoon,
      ids.southSoon,
      ids.northLate,
    ]);
    const byPriority = await list({ sort: 'priority' });
    expect(byPriority.body.items.map((t) => t.id)).toEqual([
      ids.northLate,
      ids.southSoon,
      ids.northSoon,
      ids.southOverdue,
    ]);
  });

  it('filters by sector, route, stage and balance, with counts in the same filters', async () => {
    const sur = await list({ sector: 'Sur' });
    expect(sur.body.items.map((t) => t.id).sort()).toEqual(
      [ids.southOverdue, ids.southSoon].sort(),
    );
    expect(sur.body.counts).toEqual({ open: 2, overdue: 1 });
    const route = await list({ route: 'N-01' });
    expect(route.body.total).toBe(2);
    expect(route.body.counts).toEqual({ open: 2, overdue: 0 });
    const stage = await list({ stage: 'suspension' });
    expect(stage.body.items.map((t) => t.id).sort()).toEqual([ids.northLate, ids.northSoon].sort());
    const cheap = await list({ amountMax: '40.00' });
    expect(cheap.body.total).toBe(2);
    const both = await list({ amountMin: '40.01', amountMax: '300.00' });
    expect(both.body.items.every((t) => t.case.id === north.caseId)).toBe(true);
    expect(both.body.total).toBe(2);
    const none = await list({ sector: 'Sur', stage: 'suspension' });
    expect(none.body).toMatchObject({ total: 0, counts: { open: 0, overdue: 0 } });
  });

  it('shows the case sector, route, priority and days overdue', async () => {
    const r = await list({ sector: 'Sur' });
    expect(r.body.items[0]!.case).toMatchObject({
      id: south.caseId,
      sector: 'Sur',
      route: null,
      priority: 500,
      daysOverdue: 10,
      balance: '40.00',
    });
    const n = await list({ sector: 'Norte' });
    expect(n.body.items[0]!.case).toMatchObject({ sector: 'Norte', route: 'N-01', priority: 700 });
  });

  it('refuses bad filters with field errors', async () => {
    const r = await list({ amountMin: '10', sort: 'balance', stage: 'limbo' });
    expect(r.status).toBe(400);
    const body = r.body as unknown as ErrorBody;
    expect(Object.keys(body.error.fields ?? {}).sort()).toEqual([
      'query.amountMin',
      'query.sort',
      'query.stage',
    ]);
    const inverted = await list({ amountMin: '50.00', amountMax: '10.00' });
    expect(inverted.status).toBe(400);
  });
});
