/**
 * Two worker processes (`scripts/worker.ts`, as deployed) on one task queue, one of them killed
 * with SIGKILL in the middle of a run. Cases follow a seconds-scale policy through reminders
 * and the prior notice to a suspension order, a field report (completed here as a crew would)
 * and the suspension fee. Afterwards every case is running, in the stage its events imply, and
 * each outside effect happened exactly once according to the simulators' own records (field
 * orders, billing fees) and the document number sequence (gapless, one number per document).
 *
 * Activities the killed worker was running would only be retried after their start-to-close
 * timeout (30 s to 1 min, set in workflow code); to keep the test short, the test fails those
 * attempts by id once the worker is dead, which is what the timeout would do later, and resets
 * the workflows' stickiness to the dead worker (the server would after 10 s). Their effects may
 * already have reached the simulators, so the retries exercise idempotency. 20 cases: on this
 * 2-core machine under heavy shared load the two workers alone took 13–50 s to start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createSimulators, serveSimulators } from '../../activities/simulators.js';
import { ROOT_DIR } from '../../config/index.js';
import { resolvePolicy, type Policy } from '../../domain/policy.js';
import { WORKFLOWS_PATH } from '../../temporal/bundle.js';
import type { caseWorkflow } from '../../workflows/case.js';
import { completeTaskUpdate, type Actor } from '../../workflows/messages.js';
import {
  freshDatabase,
  temporalClient,
  uniqueTaskQueue,
  type TestDatabase,
} from '../support/env.js';
import {
  billingRowsFor,
  caseInput,
  deliverEmails,
  seedCase,
  type SeededCase,
} from '../support/workflow-env.js';

/** Cases per wave; the second wave starts just before the kill. */
const WAVE = 10;
const RUN_BUDGET_MS = 80_000;

/** One reminder, suspension 2 s into the case after a 2 s prior notice; nothing else due soon. */
function fastPolicy(): Policy {
  const s = (amount: number) => ({ amount, unit: 'seconds' as const });
  const m = (amount: number) => ({ amount, unit: 'minutes' as const });
  const r = resolvePolicy({
    reminder: { notices: 1, interval: s(2), contactTaskSla: m(30), promiseGrace: m(30) },
    suspension: {
      afterReminderFor: s(2),
      priorNotice: s(2),
      fieldTaskSla: m(30),
      reconnectionDeadline: m(30),
    },
    creditTitle: {
      afterSuspensionFor: m(30),
      validationTaskSla: m(30),
      voluntaryPaymentTerm: m(30),
    },
    tasks: { escalateOverdueAfter: m(30) },
  });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.policy;
}

interface WorkerChild {
  name: string;
  child: ChildProcess;
  output: string[];
  ready: Promise<void>;
}

function spawnWorker(name: string, env: Record<string, string>): WorkerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'worker.ts')], {
    cwd: ROOT_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        output.push(line);
        if (output.length > 200) output.shift();
        if (line.includes('"worker running"')) resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) =>
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready`)),
    );
  });
  return { name, child, output, ready };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two worker processes, one killed mid-run', () => {
  let db: TestDatabase;
  let client: Client;
  let tmp: string;
  const workers: WorkerChild[] = [];
  const workflowIds: string[] = [];
  let closeSimulators: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cartera-multi-worker-'));
    db = await freshDatabase();
    client = await temporalClient();
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(
      workflowIds.map((id) =>
        client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
    await closeSimulators?.();
    await client.connection.close();
    await db.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it(
    'loses no case and repeats no outside effect when a worker dies',
    { timeout: 88_000 },
    async () => {
      const started = Date.now();
      const sims = createSimulators();
      const served = await serveSimulators(sims, { port: 0 });
      closeSimulators = served.close;
      const taskQueue = uniqueTaskQueue('multi-worker');
      const bundleFile = path.join(tmp, 'workflow-bundle.js');
      const env = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        CARTERA_DATA_DIR: tmp,
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        CARTERA_WORKFLOW_BUNDLE: bundleFile,
        BILLING_URL: served.url,
        FIELD_OPS_URL: served.url,
        NOTARIES_URL: `${served.url}/notaries`,
        BANKS_URL: served.url,
        CARTERA_SMTP_HOST: '127.0.0.1',
        CARTERA_SMTP_PORT: '9',
        CARTERA_NOTICE_INTERVAL: '0',
        CARTERA_WORKER_DRAIN_SECONDS: '0',
      };
      // The workers start as soon as the bundle is written, while the cases are seeded.
      const [, seeded] = await Promise.all([
        (async () => {
          const bundle = await bundleWorkflowCode({
            workflowsPath: WORKFLOWS_PATH,
            logger: new DefaultLogger('WARN'),
          });
          writeFileSync(bundleFile, bundle.code);
          workers.push(spawnWorker('worker-a', env), spawnWorker('worker-b', env));
          await Promise.all(workers.map((w) => w.ready));
        })(),
        (async () => {
          const out: SeededCase[] = [];
          for (let i = 0; i < 2 * WAVE; i++) {
            const s = await seedCase(db.prisma, { balanceCents: 30_000 + i * 100 });
            await db.prisma.case.delete({ where: { id: s.caseId } }); // the workflow records it
            sims.billing.load(await billingRowsFor(db.prisma, s.accountId));
            out.push(s);
          }
          return out;
        })(),
      ]);
      const [victim, survivor] = workers as [WorkerChild, WorkerChild];
      const setupMs = Date.now() - started;

      const deadline = started + RUN_BUDGET_MS;
      const policy = fastPolicy();
      const startCase = async (s: SeededCase) => {
        const workflowId = `case-${s.accountNumber}`;
        workflowIds.push(workflowId);
        await client.workflow.start<typeof caseWorkflow>('caseWorkflow', {
          taskQueue,
          workflowId,
          args: [caseInput(s, { balanceCents: 30_000, priority: 600, policy })],
        });
      };
      const byCase = new Map(seeded.map((s) => [s.caseId, s]));
      const completed = new Set<string>();
      /** Completes the open suspension field tasks of `cases` as the crew would. */
      const openFieldTasks = (cases: SeededCase[]) =>
        db.prisma.task.findMany({
          where: {
            caseId: { in: cases.map((c) => c.caseId) },
            type: 'suspension_field',
            status: 'open',
          },
        });
      const completeFieldTasks = async (cases: SeededCase[]) => {
        const open = await openFieldTasks(cases);
        await Promise.all(
          open
            .filter((t) => !completed.has(t.id))
            .map(async (t) => {
              const s = byCase.get(t.caseId)!;
              const actor: Actor =
                t.role === 'collector'
                  ? { id: s.collectorId, role: 'collector' }
                  : { id: s.supervisorId, role: 'manager' };
              await client.workflow.getHandle(t.workflowId).executeUpdate(completeTaskUpdate, {
                args: [
                  {
                    taskId: t.id,
                    actor,
                    form: {
                      outcome: 'done',
                      performedAt: new Date().toISOString(),
                      sealNumber: `SELLO-${t.caseId.slice(0, 6)}`,
                    },
                  },
                ],
              });
              completed.add(t.id);
            }),
        );
      };
      const feesPosted = async (cases: SeededCase[]) =>
        db.prisma.caseEvent.count({
          where: { caseId: { in: cases.map((c) => c.caseId) }, type: 'fee_posted' },
        });
      // The workers run no dispatcher: the prior notices are delivered here, as the SMTP
      // server would accept them, so the cut's term can start.
      const deliverPriorNotices = (cases: SeededCase[]) =>
        Promise.all(
          cases.map((c) =>
            deliverEmails(db.prisma, client, c.caseId, 'aviso_previo_suspension', new Date(), 0),
          ),
        );
      const runUntil = async (cases: SeededCase[], done: () => Promise<boolean>) => {
        while (Date.now() < deadline && !(await done())) {
          await deliverPriorNotices(cases);
          await completeFieldTasks(cases);
          await sleep(300);
        }
      };

      // Wave 1 runs to its suspension field tasks; they are all completed at once while the
      // second wave starts; then one worker dies while fees post and wave 2's timers run.
      const wave1 = seeded.slice(0, WAVE);
      const wave2 = seeded.slice(WAVE);
      await Promise.all(wave1.map(startCase));
      let openTasks = 0;
      while (Date.now() < deadline && (openTasks = (await openFieldTasks(wave1)).length) < WAVE) {
        await deliverPriorNotices(wave1);
        await sleep(300);
      }
      if (openTasks < WAVE) {
        const byType = await db.prisma.caseEvent.groupBy({ by: ['type'], _count: true });
        const pending = (
          await client.workflow.getHandle(`case-${wave1[0]!.accountNumber}`).describe()
        ).raw.pendingActivities?.map((p) => `${p.activityType?.name} attempt ${p.attempt}`);
        throw new Error(
          `wave 1 reached ${openTasks}/${WAVE} field tasks in ${Date.now() - started} ms (workers ready after ${setupMs} ms); events: ${byType.map((e) => `${e.type} ${e._count}`).join(', ')}; first case pending: ${pending?.join(', ')}\n${workers.map((w) => `${w.name}:\n${w.output.slice(-8).join('\n')}`).join('\n')}`,
        );
      }
      // The updates return once the tasks are recorded: the fees are posted after, so the kill
      // lands while they (and wave 2's first steps) are running.
      await Promise.all([completeFieldTasks(wave1), ...wave2.map(startCase)]);
      const atKill = {
        fees: await feesPosted(seeded),
        orders: sims.fieldOps.effects().filter((e) => e.kind === 'suspension').length,
      };
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      await new Promise((r) => victim.child.once('exit', r));

      // What the start-to-close timeout would do later: fail the dead worker's attempts now,
      // in the case workflows and their children (the suspension child posts the fee). A task
      // the server handed to the dead worker's last poll shows up a moment later: look again
      // while waiting.
      const victimIdentity = `${victim.child.pid}@`;
      let failedAttempts = 0;
      const failDeadAttempts = async (workflowId: string, first: boolean): Promise<void> => {
        // Likewise the dead worker's sticky queue (10 s before the server gives up on it).
        if (first) {
          await client.workflowService
            .resetStickyTaskQueue({ namespace: 'default', execution: { workflowId } })
            .catch(() => undefined);
        }
        const d = await client.workflow.getHandle(workflowId).describe();
        for (const a of d.raw.pendingActivities ?? []) {
          if (!a.lastWorkerIdentity?.startsWith(victimIdentity) || !a.activityId) continue;
          if (String(a.state) !== '2' && String(a.state) !== 'PENDING_ACTIVITY_STATE_STARTED')
            continue;
          await client.activity
            .fail({ workflowId, activityId: a.activityId }, new Error('worker killed'))
            .then(() => failedAttempts++)
            .catch(() => undefined);
        }
        for (const c of d.raw.pendingChildren ?? []) {
          if (c.workflowId) await failDeadAttempts(c.workflowId, first);
        }
      };
      const sweepDeadAttempts = (first = false) =>
        Promise.all(workflowIds.map((id) => failDeadAttempts(id, first).catch(() => undefined)));
      await sweepDeadAttempts(true);

      const suspendedCases = () =>
        db.prisma.caseEvent.count({
          where: {
            caseId: { in: seeded.map((c) => c.caseId) },
            type: 'stage_changed',
            stage: 'credit_title',
          },
        });
      let sweeps = 0;
      await runUntil(seeded, async () => {
        if (++sweeps % 5 === 0) await sweepDeadAttempts();
        return (await suspendedCases()) >= 2 * WAVE;
      });
      const recoveredMs = Date.now() - killedAt;
      const done = await suspendedCases();
      if (done < 2 * WAVE) {
        const byType = await db.prisma.caseEvent.groupBy({ by: ['type'], _count: true });
        throw new Error(
          `${done}/${2 * WAVE} cases through suspension ${recoveredMs} ms after the kill (workers ready after ${setupMs} ms); events: ${byType.map((e) => `${e.type} ${e._count}`).join(', ')}\nsurvivor:\n${survivor.output.slice(-8).join('\n')}`,
        );
      }
      expect(survivor.child.exitCode, 'the surviving worker still runs').toBeNull();
      console.log(
        `multi-worker: ${2 * WAVE} cases, workers ready in ${setupMs} ms; at the kill ${atKill.orders} suspension orders and ${atKill.fees} fees; ${failedAttempts} attempts of the dead worker failed by id; all cases through suspension ${recoveredMs} ms after the kill; total ${Date.now() - started} ms`,
      );

      // No case lost: every workflow still runs.
      const statuses = await Promise.all(
        workflowIds.map(async (id) => (await client.workflow.getHandle(id).describe()).status.name),
      );
      expect(statuses.filter((s) => s !== 'RUNNING')).toEqual([]);

      // Each case is in the stage its events imply, and its events match the effects.
      const fieldOrders = sims.fieldOps.effects().filter((e) => e.kind === 'suspension');
      const fees = sims.billing.effects().filter((e) => e.kind === 'fee');
      for (const s of seeded) {
        const row = await db.prisma.case.findUniqueOrThrow({ where: { id: s.caseId } });
        const events = await db.prisma.caseEvent.findMany({
          where: { caseId: s.caseId },
          orderBy: { id: 'asc' },
        });
        const types = events.map((e) => e.type);
        const stages = events.filter((e) => e.type === 'stage_changed').map((e) => e.stage);
        const label = `case ${s.accountNumber}`;
        // Suspended: the case moved on to the título stage and waits for it (30 minutes).
        expect(stages, label).toEqual(['suspension', 'credit_title']);
        expect(row.stage, label).toBe(stages.at(-1));
        expect(row.status, label).toBe('open');
        for (const t of ['suspension_ordered', 'suspension_done', 'fee_posted']) {
          expect(types.filter((x) => x === t).length, `${label}: ${t}`).toBe(1);
        }
        expect(
          fieldOrders.filter((e) => e.accountNumber === s.accountNumber).length,
          `${label}: field orders`,
        ).toBe(1);
        expect(
          fees.filter((e) => e.accountNumber === s.accountNumber).length,
          `${label}: billing fees`,
        ).toBe(1);
      }
      expect(fieldOrders).toHaveLength(2 * WAVE);
      expect(fees).toHaveLength(2 * WAVE);

      // Document numbers: one per document, gapless per series and year.
      const numbers = await db.prisma.documentNumber.findMany({
        orderBy: [{ series: 'asc' }, { year: 'asc' }, { number: 'asc' }],
      });
      const documents = await db.prisma.document.findMany({ select: { number: true } });
      expect(documents.length).toBeGreaterThanOrEqual(2 * WAVE);
      expect(new Set(documents.map((d) => d.number)).size).toBe(documents.length);
      const series = new Map<string, number[]>();
      for (const n of numbers) {
        const k = `${n.series}/${n.year}`;
        series.set(k, [...(series.get(k) ?? []), n.number]);
      }
      for (const [k, list] of series) {
        expect(list, k).toEqual(list.map((_, i) => i + 1));
        const counter = await db.prisma.documentCounter.findFirstOrThrow({
          where: { series: k.split('/')[0]!, year: Number(k.split('/')[1]) },
        });
        expect(counter.last, k).toBe(list.length);
      }
      expect(numbers.length).toBe(documents.length);
    },
  );
});
