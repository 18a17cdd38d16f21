/**
 * POST /api/payments from billing/treasury: API-key access, validation, idempotency by reference
 * (sequential and concurrent), conflicting reuse, payments without a case applied to invoices,
 * and payments that reach a running case workflow and settle it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { caseWorkflow } from '../../workflows/case.js';
import { caseViewQuery } from '../../workflows/messages.js';
import { eventually, withWorker } from '../support/env.js';
import { caseInput, seedCase, type SeededCase } from '../support/workflow-env.js';
import { TEST_API_KEY, startTestApi, type Answer, type TestApi } from './support.js';

interface Accepted {
  reference: string;
  accountNumber: string;
  caseId: string | null;
  status: 'accepted';
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** An instant `hoursAgo` in the past, written as Ecuador writes it (offset -05:00). */
function guayaquilInstant(hoursAgo: number): string {
  const local = new Date(Date.now() - hoursAgo * 3_600_000 - 5 * 3_600_000);
  return `${local.toISOString().slice(0, 19)}-05:00`;
}

let seq = 0;
const ref = (tag: string) => `PAY-${tag}-${Date.now().toString(36)}-${seq++}`;

describe('payments', () => {
  let api: TestApi;
  const pay = <T = Accepted>(json: unknown, headers: Record<string, string> = {}) =>
    api.call<T>('post', '/api/payments', {
      json,
      headers: { 'x-api-key': TEST_API_KEY, ...headers },
    });

  /** An account with two unpaid invoices (60.00 due first, 60.00 later) and no open case. */
  async function accountWithoutCase(): Promise<SeededCase> {
    const s = await seedCase(api.db.prisma, { balanceCents: 12_000 });
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    return s;
  }
  const balances = async (accountId: string) =>
    (await api.db.prisma.invoice.findMany({ where: { accountId }, orderBy: { dueOn: 'asc' } })).map(
      (i) => i.balanceCents,
    );

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('records a payment without an open case and applies it to the oldest invoices first', async () => {
    const s = await accountWithoutCase();
    const body = {
      accountNumber: s.accountNumber,
      amount: '80.00',
      paidAt: guayaquilInstant(2),
      reference: ref('nocase'),
    };
    const r = await pay(body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body).toEqual({
      reference: body.reference,
      accountNumber: s.accountNumber,
      caseId: null,
      status: 'accepted',
    });
    const row = await api.db.prisma.payment.findUniqueOrThrow({
      where: { reference: body.reference },
    });
    expect(row).toMatchObject({ accountId: s.accountId, caseId: null, amountCents: 8000 });
    expect(row.source).toBe('billing');
    expect(row.paidAt.getTime()).toBe(Date.parse(body.paidAt));
    expect(await balances(s.accountId)).toEqual([0, 4000]);

    const audit = await api.db.prisma.auditLog.findMany({
      where: { entity: 'payment', entityId: body.reference },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorKind: 'system',
      actorId: 'billing',
      action: 'payment.receive',
      ip: expect.any(String),
    });
    expect(audit[0]!.after).toMatchObject({ amount: '80.00', caseId: null });
  });

  it('is idempotent by reference: the same payment again answers 200 and changes nothing', async () => {
    const s = await accountWithoutCase();
    const body = {
      accountNumber: s.accountNumber,
      amount: '30.00',
      paidAt: guayaquilInstant(1),
      reference: ref('twice'),
    };
    const first = await pay(body);
    expect(first.status).toBe(202);
    // Same instant written in UTC: still the same payment.
    const again = await pay({ ...body, paidAt: new Date(body.paidAt).toISOString() });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await api.db.prisma.payment.count({ where: { reference: body.reference } })).toBe(1);
    expect(await balances(s.accountId)).toEqual([3000, 6000]);
    expect(
      await api.db.prisma.auditLog.count({
        where: { entity: 'payment', entityId: body.reference },
      }),
    ).toBe(1);
  });

  it('records concurrent duplicates once', async () => {
    const s = await accountWithoutCase();
    const body = {
      accountNumber: s.accountNumber,
      amount: '10.00',
      paidAt: guayaquilInstant(1),
      reference: ref('race'),
    };
    const answers = await Promise.all(Array.from({ length: 8 }, () => pay(body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    for (const a of answers) expect(a.body).toEqual(answers[0]!.body);
    expect(await api.db.prisma.payment.count({ where: { reference: body.reference } })).toBe(1);
    expect(await balances(s.accountId)).toEqual([5000, 6000]);
  });

  it('answers 409 when a reference comes back with other data, and changes nothing', async () => {
    const s = await accountWithoutCase();
    const other = await accountWithoutCase();
    const body = {
      accountNumber: s.accountNumber,
      amount: '20.00',
      paidAt: guayaquilInstant(3),
      reference: ref('conflict'),
    };
    expect((await pay(body)).status).toBe(202);
    for (const changed of [
      { ...body, amount: '20.01' },
      { ...body, accountNumber: other.accountNumber },
      { ...body, paidAt: guayaquilInstant(4) },
    ]) {
      const r = await pay<ErrorBody>(changed);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('conflict');
    }
    expect(await api.db.prisma.payment.count({ where: { reference: body.reference } })).toBe(1);
    expect(await balances(s.accountId)).toEqual([4000, 6000]);
    expect(await balances(other.accountId)).toEqual([6000, 6000]);
  });

  it('answers 404 for an unknown account and records nothing', async () => {
    const reference = ref('unknown');
    const r = await pay<ErrorBody>({
      accountNumber: 'NO-EXISTE-1',
      amount: '5.00',
      paidAt: guayaquilInstant(1),
      reference,
    });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
    expect(await api.db.prisma.auditLog.count({ where: { entityId: reference } })).toBe(0);
  });

  it('answers 400 for bad amounts, instants without offset and missing fields', async () => {
    const good = {
      accountNumber: 'X-1',
      amount: '5.00',
      paidAt: guayaquilInstant(1),
      reference: ref('bad'),
    };
    const bad: [unknown, string][] = [
      [{ ...good, amount: '12.5' }, 'amount'],
      [{ ...good, amount: '12' }, 'amount'],
      [{ ...good, amount: 12.5 }, 'amount'],
      [{ ...good, amount: '-5.00' }, 'amount'],
      [{ ...good, amount: '0.00' }, 'amount'],
      [{ ...good, amount: '1,000.00' }, 'amount'],
      [{ ...good, paidAt: '2026-01-15T10:00:00' }, 'paidAt'],
      [{ ...good, paidAt: new Date(Date.now() + 86_400_000).toISOString() }, 'paidAt'],
      [{ ...good, reference: 'con espacios' }, 'reference'],
      [{ amount: '5.00', paidAt: good.paidAt, reference: good.reference }, 'accountNumber'],
    ];
    for (const [json, field] of bad) {
      const r = await pay<ErrorBody>(json);
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(Object.keys(r.body.error.fields ?? {}), JSON.stringify(json)).toContain(field);
    }
  });

  it('accepts only a valid API key: 401 without or with a wrong one, 403 for a user token', async () => {
    const body = {
      accountNumber: 'X-1',
      amount: '5.00',
      paidAt: guayaquilInstant(1),
      reference: ref('auth'),
    };
    const none = await api.call('post', '/api/payments', { json: body });
    expect(none.status).toBe(401);
    const wrong = await pay(body, { 'x-api-key': 'no-es-la-clave' });
    expect(wrong.status).toBe(401);
    for (const role of ['manager', 'admin', 'collector'] as const) {
      const user = await api.call('post', '/api/payments', { json: body, token: api.tokens[role] });
      expect(user.status).toBe(403);
    }
  });

  it(
    'delivers a payment to the running case once (even posted concurrently) and a settling one closes it',
    { timeout: 60_000 },
    async () => {
      const s = await seedCase(api.db.prisma, { balanceCents: 12_000 });
      const { taskQueue } = api.deps;
      await withWorker({ taskQueue, prisma: api.db.prisma }, async () => {
        const handle = await api.temporal.workflow.start<typeof caseWorkflow>('caseWorkflow', {
          taskQueue,
          workflowId: `case-${s.accountNumber}`,
          args: [caseInput(s)],
        });

        const partial = {
          accountNumber: s.accountNumber,
          amount: '50.00',
          paidAt: guayaquilInstant(1),
          reference: ref('case-partial'),
        };
        const answers: Answer<Accepted>[] = await Promise.all(
          Array.from({ length: 5 }, () => pay(partial)),
        );
        expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 202]);
        for (const a of answers) expect(a.body.caseId).toBe(s.caseId);
        expect((await pay(partial)).status).toBe(200);

        const view = await eventually(
          () => handle.query(caseViewQuery),
          (v) => v.paymentsApplied === 1,
        );
        expect(view).toMatchObject({ status: 'open', balanceCents: 7000, paymentsApplied: 1 });
        const row = await eventually(
          () => api.db.prisma.payment.findUnique({ where: { reference: partial.reference } }),
          (p) => p !== null,
        );
        expect(row).toMatchObject({ caseId: s.caseId, amountCents: 5000, source: 'billing' });
        // One signal reached the workflow, whatever the number of deliveries.
        const history = await handle.fetchHistory();
        const signals = (history.events ?? []).filter(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'paymentReceived',
        );
        expect(signals).toHaveLength(1);

        const settling = {
          accountNumber: s.accountNumber,
          amount: '70.00',
          paidAt: guayaquilInstant(0.5),
          reference: ref('case-settle'),
        };
        const r = await pay(settling);
        expect(r.status).toBe(202);
        expect(r.body.caseId).toBe(s.caseId);
        const result = await handle.result();
        expect(result).toMatchObject({
          status: 'closed',
          closeReason: 'paid',
          balanceCents: 0,
          paymentsApplied: 2,
        });
        const closed = await api.db.prisma.case.findUniqueOrThrow({ where: { id: s.caseId } });
        expect(closed).toMatchObject({ status: 'closed', closeReason: 'paid', openKey: null });
        expect(await api.db.prisma.payment.count({ where: { caseId: s.caseId } })).toBe(2);
        expect(await balances(s.accountId)).toEqual([0, 0]);

        // After the case closed, a new payment for the account no longer goes to it.
        const later = await pay({ ...settling, reference: ref('after-close'), amount: '1.00' });
        expect(later.status).toBe(202);
        expect(later.body.caseId).toBeNull();
      });
    },
  );
});
