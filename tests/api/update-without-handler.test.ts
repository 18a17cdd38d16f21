/**
 * A worker on code older than an update (a rolling deployment) refuses it as "no registered
 * handler": the API answers 503 with a Spanish message to try again, not a 500. Here the
 * "old worker" runs a workflow that registers no handler at all.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { seedCase } from '../support/workflow-env.js';
import { uniqueTaskQueue } from '../support/env.js';
import { startTestApi, type TestApi } from './support.js';

const OLD_WORKFLOWS = fileURLToPath(new URL('../fixtures/sleep-workflow.ts', import.meta.url));

describe('an update the running code has no handler for', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('answers 503 with a message to try again (task completion)', async () => {
    const s = await seedCase(api.db.prisma);
    const taskQueue = uniqueTaskQueue('old-worker');
    const workflowId = `old-worker-${randomUUID()}`;
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    try {
      const worker = await Worker.create({
        connection,
        namespace: 'default',
        taskQueue,
        workflowsPath: OLD_WORKFLOWS,
      });
      await worker.runUntil(async () => {
        const handle = await api.temporal.workflow.start('sleepFor', {
          taskQueue,
          workflowId,
          args: ['1 hour'],
        });
        try {
          const task = await api.db.prisma.task.create({
            data: {
              id: randomUUID(),
              caseId: s.caseId,
              workflowId,
              type: 'contact_debtor',
              role: 'collector',
              assigneeId: api.users.collector.id,
              priority: 500,
              dueAt: new Date(Date.now() + 86_400_000),
            },
          });
          const r = await api.call<{ error: { code: string; message: string } }>(
            'post',
            `/api/tasks/${task.id}/complete`,
            { token: api.tokens.collector, json: { form: { outcome: 'contacted' } } },
          );
          expect(r.status, JSON.stringify(r.body)).toBe(503);
          expect(r.body.error.code).toBe('unavailable');
          expect(r.body.error.message).toMatch(/versión anterior.*intente de nuevo/);
        } finally {
          await handle.terminate('test over');
        }
      });
    } finally {
      await connection.close();
    }
  });
});
