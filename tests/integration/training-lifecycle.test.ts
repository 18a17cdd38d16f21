/**
 * The training policy on the real dev server, in real time: one case goes from reminder to
 * coactiva and closes as uncollectible in a few minutes, with every human step completed as a
 * person would (through the task's update on the workflow that owns it). Notices go out as
 * under `npm start`: the dispatcher e-mails them to a MailDev catcher (and SMS to a file) and
 * tells the case, so the cut waits for the prior notice's delivery. This is the check behind
 * `CARTERA_POLICY=policies/training.json npm start`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulators } from '../../activities/simulators.js';
import { ROOT_DIR } from '../../config/index.js';
import { resolvePolicy, type Policy } from '../../domain/policy.js';
import type { TaskType } from '../../domain/tasks.js';
import type { caseWorkflow } from '../../workflows/case.js';
import { completeTaskUpdate, type Actor } from '../../workflows/messages.js';
import {
  freshDatabase,
  temporalClient,
  uniqueTaskQueue,
  withWorker,
  type TestDatabase,
} from '../support/env.js';
import { startNoticeOutbox, type NoticeOutbox } from '../support/notice-outbox.js';
import { caseInput, billingRowsFor, seedCase } from '../support/workflow-env.js';

function trainingPolicy(): Policy {
  const file = path.join(ROOT_DIR, 'policies', 'training.json');
  const resolved = resolvePolicy(JSON.parse(readFileSync(file, 'utf8')));
  if (!resolved.ok) throw new Error(resolved.errors.join('\n'));
  return resolved.policy;
}

/** What a person enters for each human step on the way to coactiva. */
function formFor(type: TaskType): unknown {
  const now = new Date().toISOString();
  switch (type) {
    case 'contact_debtor':
      return { outcome: 'contacted', note: 'no puede pagar' };
    case 'suspension_field':
      return {
        outcome: 'done',
        performedAt: now,
        sealNumber: 'SELLO-0001',
        gps: { lat: -3.2581, lng: -79.9554 },
      };
    case 'validate_credit_title':
      return { decision: 'approve' };
    case 'notify_credit_title':
    case 'notify_payment_order':
      return { method: 'in_person', result: 'notified', at: now };
    case 'coactiva_intake':
      return { handledBy: 'in_house' };
    case 'coactiva_decision':
      return { decision: 'uncollectible', reason: 'sin bienes ni cuentas' };
    default:
      throw new Error(`unexpected task ${type} on the way to coactiva`);
  }
}

describe('training policy, real time', () => {
  let db: TestDatabase;
  let client: Client;
  let outbox: NoticeOutbox;
  beforeAll(async () => {
    db = await freshDatabase();
    client = await temporalClient();
    // npm start's pass interval (CARTERA_NOTICE_INTERVAL's default), so the timing is its own.
    outbox = await startNoticeOutbox({ pool: db.pool, client, intervalSeconds: 15 });
  });
  afterAll(async () => {
    await outbox?.stop();
    await db.close();
    await client.connection.close();
  });

  it(
    'runs a whole case from reminder to coactiva in a few minutes',
    { timeout: 420_000 },
    async () => {
      const policy = trainingPolicy();
      const taskQueue = uniqueTaskQueue('training');
      const s = await seedCase(db.prisma, { balanceCents: 48_000 });
      await db.prisma.case.delete({ where: { id: s.caseId } }); // the workflow records its own row
      const actors: Record<string, Actor> = {
        collector: { id: s.collectorId, role: 'collector' },
        manager: { id: s.supervisorId, role: 'manager' },
        legal: { id: s.supervisorId, role: 'manager' }, // managers may act for any role
      };
      const started = Date.now();
      const simulators = createSimulators();
      simulators.billing.load(await billingRowsFor(db.prisma, s.accountId));
      await withWorker({ taskQueue, prisma: db.prisma, simulators }, async () => {
        const handle = await client.workflow.start<typeof caseWorkflow>('caseWorkflow', {
          taskQueue,
          workflowId: `case-${s.accountNumber}`,
          args: [caseInput(s, { balanceCents: 48_000, priority: 700, policy })],
        });
        const completed: string[] = [];
        let done = false;
        const result = handle.result().finally(() => (done = true));
        while (!done && Date.now() - started < 400_000) {
          const open = await db.prisma.task.findMany({
            where: { caseId: s.caseId, status: 'open' },
          });
          for (const task of open) {
            await client.workflow.getHandle(task.workflowId).executeUpdate(completeTaskUpdate, {
              args: [
                {
                  taskId: task.id,
                  actor: actors[task.role]!,
                  form: formFor(task.type as TaskType),
                },
              ],
            });
            completed.push(task.type);
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        const view = await result;
        const seconds = Math.round((Date.now() - started) / 1000);
        console.log(
          `training policy: reminder → coactiva → closed in ${seconds} s; human steps: ${completed.join(', ')}`,
        );
        expect(view).toMatchObject({ status: 'closed', closeReason: 'written_off' });
        expect(completed).toEqual(
          expect.arrayContaining([
            'suspension_field',
            'validate_credit_title',
            'notify_credit_title',
            'coactiva_intake',
            'notify_payment_order',
            'coactiva_decision',
          ]),
        );
        // The dispatcher delivered the prior notice (no one had to deliver it by hand) and the
        // crew was ordered only once its term had run from that delivery.
        expect(completed).not.toContain('deliver_notice');
        const event = (type: string) =>
          db.prisma.caseEvent.findFirstOrThrow({ where: { caseId: s.caseId, type } });
        const delivered = (await event('suspension_notice_delivered')).data as {
          deliveredAt: string;
          channel: string;
          earliestCutAt: string;
        };
        expect(['email', 'sms']).toContain(delivered.channel);
        expect((await event('suspension_ordered')).occurredAt.getTime()).toBeGreaterThanOrEqual(
          Date.parse(delivered.earliestCutAt),
        );
        const priorNotice = await db.prisma.notice.findFirstOrThrow({
          where: { caseId: s.caseId, kind: 'aviso_previo_suspension', channel: 'email' },
        });
        expect(priorNotice.status).toBe('sent');
        expect((await outbox.caughtMail()).map((m) => m.subject)).toContain(priorNotice.subject);
        // The orden de pago's term ran from its notification.
        const notified = await event('orden_pago_notified');
        const term = (await event('orden_pago_term_started')).data as { notifiedAt: string };
        expect(term.notifiedAt).toBe(notified.occurredAt.toISOString());
        const stages = (
          await db.prisma.caseEvent.findMany({
            where: { caseId: s.caseId, type: 'stage_changed' },
            orderBy: { id: 'asc' },
          })
        ).map((e) => e.stage);
        expect(stages).toEqual(['suspension', 'credit_title', 'coactiva']);
        expect(seconds).toBeLessThan(400);
        // Effects exactly once, from the simulators' own records.
        expect(simulators.billing.effects().filter((e) => e.kind === 'fee')).toHaveLength(1);
        expect(simulators.fieldOps.effects().filter((e) => e.kind === 'suspension')).toHaveLength(
          1,
        );
        expect(simulators.banks.effects()).toHaveLength(1);
      });
    },
  );
});
