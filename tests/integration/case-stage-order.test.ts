/**
 * Two stage changes of one workflow task can reach the database in either order (their
 * activities run at once; after a worker dies, retries commit in any order). The case row must
 * end at the newer change and never leave `closed`; the timeline keeps both changes once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseStoreActivities, stageChangeSeq } from '../../activities/case-store.js';
import { freshDatabase, type TestDatabase } from '../support/env.js';
import { seedCase } from '../support/workflow-env.js';

describe('setStage under out-of-order commits', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db?.close());

  const change = (caseId: string, from: string, to: string, seq: number, at: string) => ({
    caseId,
    from: from as 'reminder',
    stage: to as 'reminder',
    at,
    actor: 'system',
    reason: 'test',
    eventKey: `case-x:stage:${from}->${to}:${seq}`,
  });

  it('keeps the newer change when the older one commits last', async () => {
    const seeded = await seedCase(db.prisma);
    const store = createCaseStoreActivities({ prisma: db.prisma });
    const at = '2026-11-28T23:35:01.861Z';
    const key = (s: number) => `${seeded.caseId}:stage:${s}`;
    await store.setStage({
      ...change(seeded.caseId, 'agreement', 'reminder', 3, at),
      eventKey: `${key(3)}:agreement->reminder:3`,
    });
    await store.setStage({
      ...change(seeded.caseId, 'reminder', 'agreement', 2, at),
      eventKey: `${key(2)}:reminder->agreement:2`,
    });
    // A retry of the older change changes nothing either.
    await store.setStage({
      ...change(seeded.caseId, 'reminder', 'agreement', 2, at),
      eventKey: `${key(2)}:reminder->agreement:2`,
    });
    const row = await db.prisma.case.findUniqueOrThrow({ where: { id: seeded.caseId } });
    expect(row.stage).toBe('reminder');
    const events = await db.prisma.caseEvent.findMany({
      where: { caseId: seeded.caseId, type: 'stage_changed' },
    });
    expect(events.map((e) => stageChangeSeq(e.eventKey)).sort()).toEqual([2, 3]);
  });

  it('takes a later change, and a change with a later time whatever its sequence', async () => {
    const seeded = await seedCase(db.prisma);
    const store = createCaseStoreActivities({ prisma: db.prisma });
    await store.setStage(
      change(seeded.caseId, 'reminder', 'suspension', 2, '2026-11-28T10:00:00.000Z'),
    );
    await store.setStage(
      change(seeded.caseId, 'suspension', 'credit_title', 3, '2026-11-28T10:05:00.000Z'),
    );
    const row = await db.prisma.case.findUniqueOrThrow({ where: { id: seeded.caseId } });
    expect(row.stage).toBe('credit_title');
  });

  it('never moves a closed case out of closed', async () => {
    const seeded = await seedCase(db.prisma);
    await db.prisma.case.update({
      where: { id: seeded.caseId },
      data: { status: 'closed', stage: 'closed' },
    });
    const store = createCaseStoreActivities({ prisma: db.prisma });
    await store.setStage(
      change(seeded.caseId, 'reminder', 'suspension', 5, '2026-11-28T10:00:00Z'),
    );
    const row = await db.prisma.case.findUniqueOrThrow({ where: { id: seeded.caseId } });
    expect(row.stage).toBe('closed');
  });
});
