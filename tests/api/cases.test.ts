/** Case list, detail and portfolio summary: happy paths, scope by role, 400 and 404. */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { caseWorkflow } from '../../workflows/case.js';
import { eventually, withWorker } from '../support/env.js';
import { caseInput, seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

interface ListBody {
  items: { id: string; balance: string; assignedCollector: { id: string } | null }[];
  total: number;
  page: number;
  pageSize: number;
}

describe('cases', () => {
  let api: TestApi;
  let mine: SeededCase;
  let other: SeededCase;

  beforeAll(async () => {
    api = await startTestApi();
    mine = await seedCase(api.db.prisma, { balanceCents: 12_540 });
    other = await seedCase(api.db.prisma);
    // The test collector owns the first case.
    await api.db.prisma.case.update({
      where: { id: mine.caseId },
      data: { assignedCollectorId: api.users.collector.id },
    });
  });
  afterAll(() => api?.close());

  it('lists every open case for a manager, by priority, money as decimal strings', async () => {
    const r = await api.call<ListBody>('get', '/api/cases', { token: api.tokens.manager });
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(2);
    expect(r.body).toMatchObject({ page: 1, pageSize: 50 });
    const seen = r.body.items.find((c) => c.id === mine.caseId);
    expect(seen?.balance).toBe('125.40');
  });

  it('shows a collector only the cases assigned to them, legal only escalated ones', async () => {
    const col = await api.call<ListBody>('get', '/api/cases', { token: api.tokens.collector });
    expect(col.body.items.map((c) => c.id)).toEqual([mine.caseId]);
    const legal = await api.call<ListBody>('get', '/api/cases', { token: api.tokens.legal });
    expect(legal.body.total).toBe(0);
  });

  it('paginates and filters', async () => {
    const r = await api.call<ListBody>('get', '/api/cases', {
      token: api.tokens.admin,
      query: { pageSize: '1', page: '2', stage: 'reminder' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(r.body.items).toHaveLength(1);
  });

  it('searches by holder name (any case, inside the name), account number or cédula prefix', async () => {
    const otherAccount = await api.db.prisma.account.update({
      where: { id: other.accountId },
      data: { holderName: 'Zambrano Vera María José' },
    });
    const mineAccount = await api.db.prisma.account.findUniqueOrThrow({
      where: { id: mine.accountId },
    });
    const search = async (q: string) => {
      const r = await api.call<ListBody>('get', '/api/cases', {
        token: api.tokens.manager,
        query: { q },
      });
      expect(r.status).toBe(200);
      return r.body.items.map((c) => c.id).sort();
    };
    expect(await search('ZAMBRANO VERA')).toEqual([other.caseId]);
    expect(await search('aguilar juan')).toEqual([mine.caseId]);
    expect(await search(mineAccount.number)).toEqual([mine.caseId]);
    expect(await search(otherAccount.holderId)).toEqual([other.caseId]);
    // Numbers and cédulas match from their start only.
    expect(await search(mineAccount.number.slice(1))).toEqual([]);
    expect(await search('nadie se llama así')).toEqual([]);
  });

  it('answers 400 for bad filters, naming each one', async () => {
    const r = await api.call<{ error: { fields: Record<string, string> } }>('get', '/api/cases', {
      token: api.tokens.manager,
      query: { pageSize: '1000', stage: 'limbo' },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.fields).sort()).toEqual(['query.pageSize', 'query.stage']);
  });

  it('shows a case with its account, invoices and events', async () => {
    const r = await api.call<{
      case: { id: string; balance: string; invoices: { balance: string }[] };
      workflow: unknown;
      events: unknown[];
    }>('get', `/api/cases/${mine.caseId}`, { token: api.tokens.collector });
    expect(r.status).toBe(200);
    expect(r.body.case.id).toBe(mine.caseId);
    expect(r.body.case.invoices.map((i) => i.balance)).toEqual(['62.70', '62.70']);
    // No worker runs these cases: the detail still answers, without the workflow's view.
    expect(r.body.workflow).toBeNull();
  });

  it('links nowhere without a Temporal UI and offers no action without a workflow', async () => {
    const r = await api.call<{ links: { temporal: string | null }; allowedActions: string[] }>(
      'get',
      `/api/cases/${mine.caseId}`,
      { token: api.tokens.manager },
    );
    expect(r.body.links).toEqual({ temporal: null });
    expect(r.body.allowedActions).toEqual([]);
  });

  it('answers 404 for a case out of scope or unknown, 400 for a malformed id', async () => {
    const outOfScope = await api.call('get', `/api/cases/${other.caseId}`, {
      token: api.tokens.collector,
    });
    expect(outOfScope.status).toBe(404);
    const unknown = await api.call('get', `/api/cases/${randomUUID()}`, {
      token: api.tokens.manager,
    });
    expect(unknown.status).toBe(404);
    const malformed = await api.call('get', '/api/cases/123', { token: api.tokens.manager });
    expect(malformed.status).toBe(400);
  });

  it('sums open cases and balance by stage within scope', async () => {
    const r = await api.call<{
      openCases: number;
      balance: string;
      byStage: { stage: string; count: number; balance: string }[];
    }>('get', '/api/portfolio/summary', { token: api.tokens.collector });
    expect(r.status).toBe(200);
    expect(r.body.openCases).toBe(1);
    expect(r.body.balance).toBe('125.40');
    expect(r.body.byStage.find((s) => s.stage === 'reminder')).toEqual({
      stage: 'reminder',
      count: 1,
      balance: '125.40',
    });
  });
});

/** The case page's link to the Temporal UI and the actions each role may take now. */
describe('case detail: Temporal link and allowed actions', () => {
  let api: TestApi;
  let stopWorker: () => void;
  let worker: Promise<unknown>;
  let handle: WorkflowHandle | undefined;
  let s: SeededCase;

  type Detail = { links: { temporal: string | null }; allowedActions: string[] };
  const detail = async (role: 'collector' | 'legal' | 'manager' | 'admin') => {
    const r = await api.call<Detail>('get', `/api/cases/${s.caseId}`, { token: api.tokens[role] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    api = await startTestApi({ temporalUiUrl: 'http://127.0.0.1:8233/' });
    const stopped = new Promise<void>((resolve) => (stopWorker = resolve));
    worker = withWorker({ taskQueue: api.deps.taskQueue, prisma: api.db.prisma }, () => stopped);
    s = await seedCase(api.db.prisma);
    // The test collector's portfolio: the workflow assigns the case to them.
    await api.db.prisma.portfolioAssignment.updateMany({
      where: { userId: s.collectorId },
      data: { userId: api.users.collector.id },
    });
    await api.db.prisma.case.delete({ where: { id: s.caseId } });
    handle = await api.temporal.workflow.start<typeof caseWorkflow>('caseWorkflow', {
      taskQueue: api.deps.taskQueue,
      workflowId: `case-${s.accountNumber}`,
      args: [caseInput(s)],
    });
    await eventually(
      () => api.db.prisma.task.count({ where: { caseId: s.caseId, type: 'contact_debtor' } }),
      (n) => n > 0,
    );
  });
  afterAll(async () => {
    await handle?.terminate('test over').catch(() => undefined);
    stopWorker?.();
    await worker;
    await api?.close();
  });

  it('carries the workflow’s service, prescription and excepciones (as /view does)', async () => {
    const r = await api.call<{ workflow: Record<string, unknown> | null }>(
      'get',
      `/api/cases/${s.caseId}`,
      { token: api.tokens.collector },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const view = await api.call<{ case: Record<string, unknown> }>(
      'get',
      `/api/cases/${s.caseId}/view`,
      { token: api.tokens.collector },
    );
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(r.body.workflow).toEqual({
      stage: 'reminder',
      status: 'open',
      balance: view.body.case.balance,
      paymentsApplied: 0,
      service: 'active',
      prescribesOn: view.body.case.prescribesOn,
      exceptions: null,
    });
  });

  it('links to the case workflow in the Temporal UI', async () => {
    expect((await detail('manager')).links.temporal).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/case-${s.accountNumber}`,
    );
  });

  it('offers each role the actions its routes allow in the case’s state', async () => {
    expect((await detail('manager')).allowedActions).toEqual([
      'assign',
      'hold',
      'close',
      'dispute',
      'proposeAgreement',
    ]);
    expect((await detail('collector')).allowedActions).toEqual(['dispute', 'proposeAgreement']);
    // Admin manages users and policy: no case actions.
    expect((await detail('admin')).allowedActions).toEqual([]);

    const held = await api.call('post', `/api/cases/${s.caseId}/hold`, {
      token: api.tokens.manager,
      json: { reason: 'revisión de lectura' },
    });
    expect(held.status).toBe(200);
    expect((await detail('manager')).allowedActions).toEqual([
      'assign',
      'resume',
      'close',
      'dispute',
    ]);
    const disputed = await api.call('post', `/api/cases/${s.caseId}/disputes`, {
      token: api.tokens.collector,
      json: { reason: 'medidor dañado' },
    });
    expect(disputed.status).toBe(200);
    expect((await detail('collector')).allowedActions).toEqual([]);
    expect((await detail('manager')).allowedActions).toEqual([
      'assign',
      'resume',
      'close',
      'resolveDispute',
    ]);
  });
});
