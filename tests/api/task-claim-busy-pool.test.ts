/**
 * Regression (found by bench/load.ts): under load, claiming a task from the shared inbox
 * answered 500 when the database pool was busy for longer than Prisma's default 2 s wait for a
 * transaction's connection (P2028), as happens when the API shares its pool with the worker.
 * Here the app's own pool (5 connections) is kept busy by a queue of slow queries; the claim
 * must wait its turn and succeed, once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

/** Queries kept in the pool's queue at once, and how long each holds its connection. */
const LANES = 20;
const HOLD_SECONDS = 0.8;

describe('claiming a task while the database pool is busy', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('waits for a connection and claims the task once (no 500)', { timeout: 90_000 }, async () => {
    const { prisma } = api.db;
    const seeded = await seedCase(prisma);
    const task = await prisma.task.create({
      data: {
        id: randomUUID(),
        caseId: seeded.caseId,
        workflowId: `case-${seeded.accountNumber}`,
        type: 'contact_debtor',
        role: 'collector',
        assigneeId: null,
        priority: 500,
        dueAt: new Date(Date.now() + 86_400_000),
        payload: { title: 'Contactar al usuario' },
      },
    });

    // Every connection busy, with a queue behind them, until the claim has its answer.
    let busy = true;
    const lanes = Array.from({ length: LANES }, async () => {
      while (busy) await prisma.$queryRawUnsafe(`SELECT pg_sleep(${HOLD_SECONDS})::text AS slept`);
    });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const claimed = await api
      .call<{ assignee: { id: string } | null }>('post', `/api/tasks/${task.id}/claim`, {
        token: api.tokens.collector,
        json: {},
      })
      .finally(() => (busy = false));
    const waitedMs = Date.now() - started;
    await Promise.all(lanes);

    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body.assignee?.id).toBe(api.users.collector.id);
    // The pool really was busy: the claim's queries waited their turn behind the queue.
    expect(waitedMs).toBeGreaterThan(2_000);
    const row = await prisma.task.findUniqueOrThrow({ where: { id: task.id } });
    expect(row.assigneeId).toBe(api.users.collector.id);
    const events = await prisma.caseEvent.findMany({
      where: { caseId: seeded.caseId, type: 'task_assigned' },
    });
    expect(events).toHaveLength(1);
  });
});
