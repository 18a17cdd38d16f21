/**
 * Portfolios over the real app and a worker running the case workflow: the list by sector and
 * route with open cases and balance; assigning a sector moves its open cases through the case
 * workflow (tasks follow, timeline event, audit per case), leaves route portfolios alone, and
 * reports the cases it could not move; route portfolios, unassigning, and refusals.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { caseWorkflow } from '../../workflows/case.js';
import { eventually, withWorker } from '../support/env.js';
import { caseInput, seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface Item {
  sector: string;
  route: string | null;
  collector: { id: string; displayName: string } | null;
  openCases: number;
  balance: string;
}
interface PutBody extends Item {
  reassignment: { moved: number; failed: { caseId: string; message: string }[] } | null;
}

describe('portfolios', () => {
  let api: TestApi;
  let stopWorker: () => void;
  let worker: Promise<unknown>;
  const handles: WorkflowHandle[] = [];
  let other: string;
  let c1: SeededCase;
  let c2: SeededCase;
  let c3: SeededCase;
  let stale: SeededCase;

  /** A seeded case moved to sector Centro, route `route` (its own portfolio row dropped). */
  async function inCentro(route: string): Promise<SeededCase> {
    const s = await seedCase(api.db.prisma);
    await api.db.prisma.portfolioAssignment.deleteMany({ where: { userId: s.collectorId } });
    await api.db.prisma.account.update({
      where: { id: s.accountId },
      data: { sector: 'Centro', route },
    });
    return s;
  }

  /** Starts the workflow of a seeded case; it writes the case row with the portfolio's collector. */
  async function run(s: SeededCase): Promise<void> {
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    handles.push(
      await api.temporal.workflow.start<typeof caseWorkflow>('caseWorkflow', {
        taskQueue: api.deps.taskQueue,
        workflowId: `case-${s.accountNumber}`,
        args: [caseInput(s)],
      }),
    );
    await eventually(
      () => api.db.prisma.task.count({ where: { caseId: s.caseId, type: 'contact_debtor' } }),
      (n) => n > 0,
    );
  }

  const list = async () => {
    const r = await api.call<{ items: Item[] }>('get', '/api/portfolios', {
      token: api.tokens.manager,
    });
    expect(r.status).toBe(200);
    return r.body.items.filter((i) => i.sector === 'Centro');
  };
  const put = (json: unknown, role: 'manager' | 'admin' | 'collector' = 'manager') =>
    api.call<PutBody>('put', '/api/portfolios', { token: api.tokens[role], json });
  const collectorOf = async (s: SeededCase) =>
    (await api.db.prisma.case.findUniqueOrThrow({ where: { id: s.caseId } })).assignedCollectorId;

  beforeAll(async () => {
    api = await startTestApi();
    const stopped = new Promise<void>((resolve) => (stopWorker = resolve));
    worker = withWorker({ taskQueue: api.deps.taskQueue, prisma: api.db.prisma }, () => stopped);
    other = (
      await api.db.prisma.user.create({
        data: {
          username: 'gestora2',
          displayName: 'Gestora Dos',
          role: 'collector',
          passwordHash: 'x',
        },
      })
    ).id;
    const mine = api.users.collector.id;
    c1 = await inCentro('C-01');
    c2 = await inCentro('C-01');
    c3 = await inCentro('C-02');
    stale = await inCentro('C-01');
    await api.db.prisma.portfolioAssignment.createMany({
      data: [
        { sector: 'Centro', route: '', userId: mine },
        { sector: 'Centro', route: 'C-02', userId: mine },
      ],
    });
    await Promise.all([run(c1), run(c2), run(c3)]);
    // `stale` has a case row but no running workflow: it cannot be moved.
    await api.db.prisma.case.update({
      where: { id: stale.caseId },
      data: { assignedCollectorId: mine },
    });
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.terminate('test over').catch(() => undefined)));
    stopWorker?.();
    await worker;
    await api?.close();
  });

  it('lists each sector and route portfolio with its collector, open cases and balance', async () => {
    const col = { id: api.users.collector.id, displayName: 'Usuario collector' };
    expect(await list()).toEqual([
      { sector: 'Centro', route: null, collector: col, openCases: 3, balance: '360.00' },
      { sector: 'Centro', route: 'C-02', collector: col, openCases: 1, balance: '120.00' },
    ]);
  });

  it('moves the sector’s open cases through the case workflow, not the route portfolio’s', async () => {
    const r = await put({ sector: 'Centro', collectorId: other });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      sector: 'Centro',
      route: null,
      collector: { id: other, displayName: 'Gestora Dos' },
      openCases: 3,
      balance: '360.00',
    });
    expect(r.body.reassignment?.moved).toBe(2);
    expect(r.body.reassignment?.failed.map((f) => f.caseId)).toEqual([stale.caseId]);

    expect(await collectorOf(c1)).toBe(other);
    expect(await collectorOf(c2)).toBe(other);
    expect(await collectorOf(c3)).toBe(api.users.collector.id);
    expect(await collectorOf(stale)).toBe(api.users.collector.id);
    // As POST /api/cases/:id/assign: the open task follows, the timeline says so, audited.
    const task = await eventually(
      () =>
        api.db.prisma.task.findFirstOrThrow({
          where: { caseId: c1.caseId, type: 'contact_debtor', status: 'open' },
        }),
      (t) => t.assigneeId === other,
    );
    expect(task.assigneeId).toBe(other);
    expect(
      await api.db.prisma.caseEvent.count({
        where: { caseId: c1.caseId, type: 'case_reassigned' },
      }),
    ).toBe(1);
    expect(
      await api.db.prisma.auditLog.count({ where: { action: 'case.assign', entityId: c2.caseId } }),
    ).toBe(1);
    const audits = await api.db.prisma.auditLog.findMany({ where: { action: 'portfolio.assign' } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      entityId: 'Centro',
      before: { collectorId: api.users.collector.id },
      after: { collectorId: other, moved: 2, failed: 1 },
    });
  });

  it('assigns a route portfolio without moving its cases when asked not to', async () => {
    const r = await put({
      sector: 'Centro',
      route: 'C-02',
      collectorId: other,
      reassignOpenCases: false,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ route: 'C-02', collector: { id: other }, reassignment: null });
    expect(await collectorOf(c3)).toBe(api.users.collector.id);
  });

  it('leaves a route without its own collector: its cases count under the sector', async () => {
    const r = await put({ sector: 'Centro', route: 'C-02', collectorId: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ route: 'C-02', collector: null, reassignment: null });
    expect(await list()).toEqual([
      {
        sector: 'Centro',
        route: null,
        collector: { id: other, displayName: 'Gestora Dos' },
        openCases: 4,
        balance: '480.00',
      },
    ]);
    expect(await api.db.prisma.portfolioAssignment.count({ where: { sector: 'Centro' } })).toBe(1);
  });

  it('refuses a user who is not an active collector, and other roles', async () => {
    const r = await put({ sector: 'Centro', collectorId: api.users.legal.id });
    expect(r.status).toBe(422);
    expect((await put({ sector: 'Centro', collectorId: other }, 'collector')).status).toBe(403);
    const bad = await put({ sector: '', collectorId: 'x' });
    expect(bad.status).toBe(400);
  });
});
