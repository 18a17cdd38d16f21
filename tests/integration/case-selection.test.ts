/**
 * The daily selection of accounts to open a case for (intake/open-cases.ts) over a real
 * PostgreSQL: overdue debt per account without an open case, and the commitments each account
 * broke in its earlier cases, which raise the new case's priority.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priorityScore } from '../../domain/case-opening.js';
import { calendarDaysBetween } from '../../domain/calendar.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { selectCasesToOpen } from '../../intake/open-cases.js';
import { freshDatabase, type TestDatabase } from '../support/env.js';
import { seedCase, type SeededCase } from '../support/workflow-env.js';

const AS_OF = '2026-11-28';

describe('selecting the accounts to open a case for', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  /** An account whose earlier case closed after `broken` broken promises or agreements. */
  async function accountWithHistory(broken: number): Promise<SeededCase> {
    const s = await seedCase(db.prisma, { balanceCents: 12_000 });
    await db.prisma.case.update({
      where: { id: s.caseId },
      data: { status: 'closed', stage: 'closed', openKey: null, closeReason: 'cancelled' },
    });
    const types = ['promise_broken', 'agreement_broken', 'promise_kept'];
    for (let i = 0; i < broken + 1; i++) {
      await db.prisma.caseEvent.create({
        data: {
          eventKey: `${s.caseId}:history:${i}`,
          caseId: s.caseId,
          type: i < broken ? types[i % 2]! : types[2]!, // plus one event that is not a breach
          stage: 'reminder',
          occurredAt: new Date('2026-08-01T15:00:00Z'),
          actor: 'system',
        },
      });
    }
    return s;
  }

  it('counts each account’s broken commitments from its earlier cases into the priority', async () => {
    const twice = await accountWithHistory(2);
    const never = await accountWithHistory(0);
    const open = await seedCase(db.prisma); // has an open case: not selected again

    const { inputs } = await selectCasesToOpen(db.pool, {
      policy: DEFAULT_POLICY,
      policyVersion: 1,
      asOf: AS_OF,
      openedBy: 'system',
    });
    const byAccount = new Map(inputs.map((i) => [i.accountId, i]));
    expect(byAccount.has(open.accountId)).toBe(false);
    const days = calendarDaysBetween('2026-07-01', AS_OF);
    const expected = (brokenCommitments: number) =>
      priorityScore(
        { category: 'residencial', overdueBalanceCents: 12_000, brokenCommitments },
        days,
        DEFAULT_POLICY.priority,
      );
    expect(byAccount.get(never.accountId)?.priority).toBe(expected(0));
    expect(byAccount.get(twice.accountId)?.priority).toBe(expected(2));
    expect(expected(2)).toBeGreaterThan(expected(0));
  });

  it('restricted to some accounts, counts only theirs', async () => {
    const once = await accountWithHistory(1);
    const other = await accountWithHistory(3);
    const { inputs } = await selectCasesToOpen(db.pool, {
      policy: DEFAULT_POLICY,
      policyVersion: 1,
      asOf: AS_OF,
      openedBy: 'system',
      accountIds: [once.accountId],
    });
    expect(inputs.map((i) => i.accountId)).toEqual([once.accountId]);
    expect(inputs[0]!.priority).toBe(
      priorityScore(
        { category: 'residencial', overdueBalanceCents: 12_000, brokenCommitments: 1 },
        calendarDaysBetween('2026-07-01', AS_OF),
        DEFAULT_POLICY.priority,
      ),
    );
    expect(inputs.some((i) => i.accountId === other.accountId)).toBe(false);
  });
});
