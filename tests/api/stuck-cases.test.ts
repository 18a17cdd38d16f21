/**
 * A case must never stop silently: an open case whose workflow was terminated (or never ran)
 * shows in GET /api/dashboard/stuck-cases and in the /metrics gauges, with its status, since
 * when and the reason Temporal recorded; a healthy case (workflow running) does not. Runs
 * against the real Temporal dev server: the counts come from its visibility store.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../api/metrics.js';
import type { StuckCases } from '../../api/routes/dashboard.js';
import { caseStartOptions } from '../../intake/open-cases.js';
import { eventually } from '../support/env.js';
import { caseInput, seedCase, type SeededCase } from '../support/workflow-env.js';
import { startTestApi, type TestApi } from './support.js';

/** `name{labels} value` of one sample in the Prometheus text, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('stopped executions', () => {
  let api: TestApi;
  let healthy: SeededCase;
  let terminated: SeededCase;
  let neverStarted: SeededCase;
  const REASON = 'Prueba: detenido a mano por el operador';

  beforeAll(async () => {
    // No cache: each call reads Temporal and PostgreSQL again.
    api = await startTestApi({ metrics: createMetrics({ executionCacheMs: 0 }) });
    const { prisma } = api.db;
    healthy = await seedCase(prisma);
    terminated = await seedCase(prisma);
    neverStarted = await seedCase(prisma);
    // No worker polls this task queue: a started workflow simply stays Running.
    const start = (s: SeededCase) =>
      api.temporal.workflow.start(
        'caseWorkflow',
        caseStartOptions(caseInput(s), api.deps.taskQueue),
      );
    await start(healthy);
    const handle = await start(terminated);
    await handle.terminate(REASON);
    await prisma.task.create({
      data: {
        id: randomUUID(),
        caseId: healthy.caseId,
        workflowId: `case-${healthy.accountNumber}`,
        type: 'outside_failure',
        role: 'manager',
        priority: 900,
        dueAt: new Date(Date.now() + 86_400_000),
      },
    });
    // Visibility is eventually consistent: wait until it has both executions.
    const scope = `TaskQueue="${api.deps.taskQueue}" AND WorkflowType="caseWorkflow"`;
    await eventually(
      async () => [
        (await api.temporal.workflow.count(`${scope} AND ExecutionStatus="Running"`)).count,
        (await api.temporal.workflow.count(`${scope} AND ExecutionStatus="Terminated"`)).count,
      ],
      ([running, done]) => running === 1 && done === 1,
    );
  });
  afterAll(async () => {
    await api?.temporal.workflow
      .getHandle(`case-${healthy.accountNumber}`)
      .terminate('fin de la prueba')
      .catch(() => undefined);
    await api?.close();
  });

  it('lists the open cases whose workflow is not running, not the healthy one', async () => {
    const r = await api.call<StuckCases>('get', '/api/dashboard/stuck-cases', {
      token: api.tokens.manager,
    });
    expect(r.status).toBe(200);
    expect(r.body.counts).toMatchObject({
      openCases: 3,
      runningCaseWorkflows: 1,
      stuckCases: 2,
      failedWorkflows: 1,
      outsideFailureTasksOpen: 1,
    });
    expect(r.body.counts.failedByType).toContainEqual({ workflowType: 'caseWorkflow', count: 1 });
    expect(r.body.total).toBe(2);

    const byCase = new Map(r.body.items.map((i) => [i.caseId, i]));
    expect(byCase.has(healthy.caseId)).toBe(false);
    const stopped = byCase.get(terminated.caseId);
    expect(stopped).toMatchObject({
      kind: 'stuck',
      accountNumber: terminated.accountNumber,
      stage: 'reminder',
      workflowId: `case-${terminated.accountNumber}`,
      workflowType: 'caseWorkflow',
      status: 'terminated',
      failure: REASON,
    });
    expect(Date.now() - Date.parse(stopped!.since!)).toBeLessThan(10 * 60_000);
    expect(byCase.get(neverStarted.caseId)).toMatchObject({
      kind: 'stuck',
      status: 'not_found',
      since: null,
    });
  });

  it('is for managers and admins only', async () => {
    const r = await api.call('get', '/api/dashboard/stuck-cases', {
      token: api.tokens.collector,
    });
    expect(r.status).toBe(403);
    const admin = await api.call('get', '/api/dashboard/stuck-cases', {
      token: api.tokens.admin,
      query: { limit: '1' },
    });
    expect(admin.status).toBe(200);
    expect((admin.body as StuckCases).items).toHaveLength(1);
    expect((admin.body as StuckCases).total).toBe(2);
  });

  it('counts them in the /metrics gauges', async () => {
    const text = await fetch(`${api.url}/metrics`).then((res) => res.text());
    expect(sample(text, 'cartera_cases_stuck')).toBe(2);
    expect(sample(text, 'cartera_workflows_failed', '{workflow_type="caseWorkflow"}')).toBe(1);
    expect(sample(text, 'cartera_workflows_failed', '{workflow_type="agreementWorkflow"}')).toBe(0);
    expect(sample(text, 'cartera_outside_failure_tasks_open')).toBe(1);
  });

  it('no longer counts a case once its row is closed', async () => {
    await api.db.prisma.case.update({
      where: { id: neverStarted.caseId },
      data: { status: 'closed', stage: 'closed', closedAt: new Date(), closeReason: 'cancelled' },
    });
    const text = await fetch(`${api.url}/metrics`).then((res) => res.text());
    expect(sample(text, 'cartera_cases_stuck')).toBe(1);
    const r = await api.call<StuckCases>('get', '/api/dashboard/stuck-cases', {
      token: api.tokens.manager,
    });
    expect(r.body.items.map((i) => i.caseId)).toEqual([terminated.caseId]);
  });
});
