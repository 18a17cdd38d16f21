/**
 * Records the workflow histories that tests/replay/case-replay.test.ts replays: runs
 * representative cases to their end on a time-skipping server (default policy, production
 * activities over a scratch PostgreSQL database, simulators for the outside systems) and saves
 * the history of the case workflow and of each child it started, as Temporal's JSON
 * (`historyToJSON`), with tests/replay/histories/manifest.json naming each one's workflow id.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx scripts/record-histories.ts
 *
 * (without DATABASE_URL it uses the embedded PostgreSQL under CARTERA_DATA_DIR).
 *
 *   … record-histories.ts <scenario> [--as <name>]
 *
 * records that one scenario only (under `name` if given) and leaves the other stored histories
 * as they are: how a scenario is kept as the code *before* a patch recorded it, so that the
 * patch's old branch stays guarded. Re-record only
 * for an intentional change to a workflow that went through `patched()`, after checking that
 * the old histories still replay; see the replay test's header.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { createSimulators, type OutsideSimulators } from '../activities/simulators.js';
import { loadConfig, ROOT_DIR } from '../config/index.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import type { TaskType } from '../domain/tasks.js';
import { createPrisma, type PrismaClient } from '../prisma/client.js';
import { activitiesFor } from '../temporal/worker.js';
import {
  deliverEmails,
  seedCase,
  testWorker,
  timeSkippingEnv,
  workflowBundle,
  type SeededCase,
} from '../tests/support/workflow-env.js';
import type { caseWorkflow } from '../workflows/case.js';
import {
  caseViewQuery,
  closeCaseUpdate,
  completeTaskUpdate,
  paymentReceivedSignal,
  proposeAgreementUpdate,
  reportIrregularReconnectionUpdate,
  resumeCaseUpdate,
  type Actor,
  type CaseView,
  type CaseWorkflowInput,
  type PaymentReceived,
} from '../workflows/messages.js';
import { dropDatabase, ensureDatabase } from './embedded-postgres.js';
import { runPrisma, startDatabase, withDatabase } from './system.js';

const HISTORIES_DIR = path.join(ROOT_DIR, 'tests', 'replay', 'histories');
const MANIFEST_FILE = path.join(HISTORIES_DIR, 'manifest.json');

/** One stored history, as manifest.json lists it. */
export interface StoredHistory {
  /** File name in HISTORIES_DIR. */
  file: string;
  scenario: string;
  workflowType: string;
  /** Replay needs it: the workflows derive child ids and idempotency keys from it. */
  workflowId: string;
  events: number;
}

// ---------------------------------------------------------------------------------------------
// Driving a case as the people and outside systems would (the same steps as case-paths.test.ts)

const TASK_QUEUE = 'record-histories';
const HOUR = 3_600_000;
const LEGAL: Actor = { id: 'legal-ana', role: 'legal' };
type CaseHandle = WorkflowHandle<typeof caseWorkflow>;

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

class CaseDriver {
  constructor(
    readonly env: TestWorkflowEnvironment,
    readonly prisma: PrismaClient,
    readonly sims: OutsideSimulators,
  ) {}

  /**
   * An account billing knows, its case opened and in its reminder stage; with `paidAtStart`,
   * the case starts with a payment of that amount already waiting (as after a worker outage).
   */
  async open(
    balanceCents: number,
    paidAtStart?: number,
  ): Promise<{ s: SeededCase; handle: CaseHandle }> {
    const s = await seedCase(this.prisma, { balanceCents });
    const a = await this.prisma.account.findUniqueOrThrow({ where: { id: s.accountId } });
    this.sims.billing.load([
      {
        accountNumber: a.number,
        holderId: a.holderId,
        holderName: a.holderName,
        address: a.address,
        sector: a.sector,
        route: a.route,
        category: a.category,
        phone: a.phone,
        email: a.email,
        invoiceNumber: `F-${a.number}`,
        issuedOn: '2026-06-01',
        dueOn: '2026-07-01',
        amountCents: balanceCents,
        balanceCents,
        protection: 'none',
      },
    ]);
    await this.prisma.case.delete({ where: { id: s.caseId } }); // the workflow records it
    const input: CaseWorkflowInput = {
      caseId: s.caseId,
      accountId: s.accountId,
      accountNumber: s.accountNumber,
      balanceCents,
      priority: 500,
      protected: false,
      overdueInvoices: 2,
      oldestDueOn: '2026-07-01',
      openingReasons: ['overdue_invoices'],
      policyVersion: 1,
      policy: DEFAULT_POLICY,
      openedBy: 'system',
    };
    const options = {
      taskQueue: TASK_QUEUE,
      workflowId: `case-${s.accountNumber}`,
      args: [input] as [CaseWorkflowInput],
    };
    if (paidAtStart !== undefined) {
      const payment: PaymentReceived = {
        reference: `P-${s.caseId}`,
        amountCents: paidAtStart,
        paidAt: await this.now(),
        source: 'treasury',
      };
      const handle: CaseHandle = await this.env.client.workflow.signalWithStart<
        typeof caseWorkflow,
        [PaymentReceived]
      >('caseWorkflow', { ...options, signal: paymentReceivedSignal, signalArgs: [payment] });
      return { s, handle };
    }
    const handle: CaseHandle = await this.env.client.workflow.start<typeof caseWorkflow>(
      'caseWorkflow',
      options,
    );
    await this.openTask(s.caseId, 'contact_debtor');
    return { s, handle };
  }

  async now(): Promise<string> {
    return new Date(await this.env.currentTimeMs()).toISOString();
  }

  async sleepPast(at: string, after = HOUR): Promise<void> {
    const ms = Date.parse(at) + after - (await this.env.currentTimeMs());
    if (ms > 0) await this.env.sleep(ms);
  }

  async openTask(caseId: string, type: TaskType) {
    const task = await until(
      `an open ${type} task`,
      () => this.prisma.task.findFirst({ where: { caseId, type, status: 'open' } }),
      (t) => t !== null,
    );
    return task!;
  }

  /** Completes the open task; a function form is built once the task is open (its times). */
  async complete(
    caseId: string,
    type: TaskType,
    actor: Actor,
    form: unknown | (() => Promise<unknown>),
  ): Promise<void> {
    const task = await this.openTask(caseId, type);
    const body = typeof form === 'function' ? await (form as () => Promise<unknown>)() : form;
    await this.env.client.workflow
      .getHandle(task.workflowId)
      .executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor, form: body }] });
  }

  async event(caseId: string, type: string) {
    const found = await until(
      `a ${type} event`,
      () => this.prisma.caseEvent.findFirst({ where: { caseId, type }, orderBy: { id: 'desc' } }),
      (e) => e !== null,
    );
    return found!;
  }

  view(handle: CaseHandle, ok: (v: CaseView) => boolean): Promise<CaseView> {
    return until('the case view', () => handle.query(caseViewQuery), ok);
  }

  async pay(handle: CaseHandle, reference: string, amountCents: number): Promise<void> {
    await handle.signal(paymentReceivedSignal, {
      reference,
      amountCents,
      paidAt: await this.now(),
      source: 'treasury',
    });
  }

  /** The child workflows the case started, from its history. */
  async children(handle: CaseHandle): Promise<{ workflowId: string; workflowType: string }[]> {
    const history = await handle.fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const a = e.startChildWorkflowExecutionInitiatedEventAttributes;
      return a
        ? [{ workflowId: a.workflowId ?? '', workflowType: a.workflowType?.name ?? '' }]
        : [];
    });
  }

  /**
   * Waits, without skipping time, until every child has closed: the test server delivers
   * cancellations and signals between workflows asynchronously and may skip time before it
   * has (a real server does not), which would record a different path.
   */
  async childrenSettled(handle: CaseHandle): Promise<void> {
    await until(
      'the child workflows to close',
      async () => {
        const kids = await this.children(handle);
        return Promise.all(
          kids.map(
            async (c) =>
              (await this.env.client.workflow.getHandle(c.workflowId).describe()).status.name,
          ),
        );
      },
      (statuses) => statuses.every((st) => st !== 'RUNNING'),
    );
  }

  /**
   * Reminder passes; the SMTP server accepts the prior notice's e-mail (the dispatcher's part,
   * the workflow told as notifications/delivery.ts does); its term runs out from that delivery;
   * the crew reports the cut (or not).
   */
  async suspend(s: SeededCase, done: boolean): Promise<void> {
    await this.env.sleep('31 days');
    await this.event(s.caseId, 'suspension_notice_sent');
    const delivered = await deliverEmails(
      this.prisma,
      this.env.client,
      s.caseId,
      'aviso_previo_suspension',
      new Date(await this.env.currentTimeMs()),
    );
    if (delivered === 0) throw new Error('no prior notice e-mail to deliver');
    const notice = await this.event(s.caseId, 'suspension_notice_delivered');
    await this.sleepPast((notice.data as { earliestCutAt: string }).earliestCutAt);
    await this.complete(
      s.caseId,
      'suspension_field',
      { id: s.collectorId, role: 'collector' },
      async () =>
        done
          ? { outcome: 'done', performedAt: await this.now(), sealNumber: 'SELLO-004512' }
          : { outcome: 'not_done', reason: 'address_not_found' },
    );
  }

  /** The título is issued, validated and notified; returns its term's deadline. */
  async notifyTitle(s: SeededCase): Promise<string> {
    await this.env.sleep('31 days');
    await this.complete(s.caseId, 'validate_credit_title', manager(s), { decision: 'approve' });
    await this.complete(s.caseId, 'notify_credit_title', collector(s), {
      method: 'in_person',
      result: 'notified',
      at: await this.now(),
    });
    const started = await this.event(s.caseId, 'voluntary_term_started');
    return (started.data as { deadline: string }).deadline;
  }
}

const collector = (s: SeededCase): Actor => ({ id: s.collectorId, role: 'collector' });
const manager = (s: SeededCase): Actor => ({ id: s.supervisorId, role: 'manager' });

/** Each scenario runs one case to its end and returns its handle. */
const SCENARIOS: Record<string, (d: CaseDriver) => Promise<CaseHandle>> = {
  'paid-during-reminder': async (d) => {
    const { s, handle } = await d.open(12_000);
    await d.pay(handle, `P-${s.caseId}`, 12_000);
    return handle;
  },

  // Paid before the first step ran: no reminder goes out (patch 'facts-before-next-step').
  'paid-before-first-step': async (d) => (await d.open(12_000, 12_000)).handle,

  'agreement-paid-off': async (d) => {
    const { s, handle } = await d.open(12_000);
    const { agreementId } = await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 2_400, instalments: 2 } }],
    });
    await d.view(handle, (v) => v.stage === 'agreement');
    const dues = await d.prisma.instalment.findMany({
      where: { agreementId },
      orderBy: { number: 'asc' },
    });
    for (const [n, due] of dues.entries()) {
      if (n > 0) await d.env.sleep('30 days');
      await d.pay(handle, `P${n}-${s.caseId}`, due.amountCents);
    }
    return handle;
  },

  'suspension-reconnection': async (d) => {
    const { s, handle } = await d.open(12_000);
    await d.suspend(s, true);
    await d.view(handle, (v) => v.service === 'suspended');
    await d.pay(handle, `P-${s.caseId}`, 12_000);
    await d.complete(s.caseId, 'reconnection_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await d.now(),
    }));
    return handle;
  },

  'facilities-request-rejected': async (d) => {
    const { s, handle } = await d.open(150_000);
    await d.suspend(s, false);
    await d.view(handle, (v) => v.stage === 'credit_title');
    const deadline = await d.notifyTitle(s);
    await d.env.sleep('2 days');
    await handle.executeUpdate(proposeAgreementUpdate, {
      args: [{ actor: collector(s), terms: { downPaymentCents: 30_000, instalments: 12 } }],
    });
    await d.event(s.caseId, 'voluntary_term_paused');
    await d.sleepPast(deadline, 5 * 24 * HOUR);
    await d.complete(s.caseId, 'approve_agreement', manager(s), {
      decision: 'reject',
      reason: 'Historial de convenios incumplidos',
    });
    await d.event(s.caseId, 'voluntary_term_resumed');
    await d.view(handle, (v) => v.agreementId === null);
    await handle.executeUpdate(closeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'cancelled', note: 'grabación de historiales' }],
    });
    return handle;
  },

  // A promise to pay that is not kept, then the debt paid in the suspension stage's notice.
  'promise-broken': async (d) => {
    const { s, handle } = await d.open(12_000);
    const promisedOn = new Date((await d.env.currentTimeMs()) + 5 * 24 * HOUR)
      .toISOString()
      .slice(0, 10);
    await d.complete(s.caseId, 'contact_debtor', collector(s), {
      outcome: 'promise_to_pay',
      promisedOn,
      amount: '50.00',
    });
    await d.event(s.caseId, 'contact_recorded');
    await d.env.sleep('10 days');
    await d.event(s.caseId, 'promise_broken');
    await d.pay(handle, `P-${s.caseId}`, 12_000);
    return handle;
  },

  // Service cut, then found reconnected without authorisation; the debt is then paid.
  'irregular-reconnection': async (d) => {
    const { s, handle } = await d.open(12_000);
    await d.suspend(s, true);
    await d.view(handle, (v) => v.service === 'suspended');
    await handle.executeUpdate(reportIrregularReconnectionUpdate, {
      args: [{ actor: collector(s), foundAt: await d.now(), note: 'Sello roto, servicio activo' }],
    });
    await d.event(s.caseId, 'irregular_reconnection');
    await d.pay(handle, `P-${s.caseId}`, 12_000 + 5_586);
    await d.complete(s.caseId, 'reconnection_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await d.now(),
    }));
    return handle;
  },

  // Regularisation (patch 'irregular-reconnection-recut'): the fine, a re-cut, then paid.
  'irregular-reconnection-recut': async (d) => {
    const { s, handle } = await d.open(12_000);
    await d.suspend(s, true);
    await d.view(handle, (v) => v.service === 'suspended');
    await handle.executeUpdate(reportIrregularReconnectionUpdate, {
      args: [{ actor: collector(s), foundAt: await d.now(), note: 'Sello roto, servicio activo' }],
    });
    await d.event(s.caseId, 'suspension_recut');
    await d.complete(s.caseId, 'suspension_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await d.now(),
      sealNumber: 'SELLO-004513',
    }));
    await d.view(handle, (v) => v.service === 'suspended');
    await d.pay(handle, `P-${s.caseId}`, 30_000);
    await d.complete(s.caseId, 'reconnection_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await d.now(),
    }));
    return handle;
  },

  // A título never notified stops the case (patch 'system-hold-review' asks a manager); the
  // manager resumes it, and the debt is then paid.
  'title-not-notified': async (d) => {
    const { s, handle } = await d.open(12_000);
    await d.suspend(s, true);
    await d.view(handle, (v) => v.service === 'suspended' && v.stage === 'credit_title');
    await d.env.sleep('31 days');
    await d.complete(s.caseId, 'validate_credit_title', manager(s), { decision: 'approve' });
    for (const method of ['in_person', 'boleta', 'publication'] as const) {
      const before = await d.prisma.caseEvent.count({
        where: { caseId: s.caseId, type: 'notification_attempt' },
      });
      await d.complete(s.caseId, 'notify_credit_title', collector(s), async () => ({
        method,
        result: 'not_found',
        at: await d.now(),
      }));
      await until(
        'the attempt recorded',
        () =>
          d.prisma.caseEvent.count({ where: { caseId: s.caseId, type: 'notification_attempt' } }),
        (n) => n > before,
      );
    }
    await d.view(handle, (v) => v.onHold === true);
    await handle.executeUpdate(resumeCaseUpdate, {
      args: [{ actor: manager(s), reason: 'Se intentará de nuevo por publicación' }],
    });
    // Under the patch, the resume withdraws the manager's review task: let that settle first.
    await until(
      'no open task',
      () => d.prisma.task.count({ where: { caseId: s.caseId, status: 'open' } }),
      (n) => n === 0,
    );
    await d.view(handle, (v) => v.onHold === false && v.nextDeadline !== null);
    await d.pay(handle, `P-${s.caseId}`, 12_000);
    await d.complete(s.caseId, 'reconnection_field', collector(s), async () => ({
      outcome: 'done',
      performedAt: await d.now(),
    }));
    return handle;
  },

  'credit-title-to-coactiva': async (d) => {
    const { s, handle } = await d.open(12_000);
    await d.suspend(s, true);
    await d.view(handle, (v) => v.service === 'suspended' && v.stage === 'credit_title');
    await d.sleepPast(await d.notifyTitle(s));
    await d.complete(s.caseId, 'coactiva_intake', LEGAL, { handledBy: 'in_house' });
    await d.event(s.caseId, 'orden_pago_issued');
    // The orden de pago is notified like the título; its term runs from the notification.
    await d.complete(s.caseId, 'notify_payment_order', LEGAL, {
      method: 'in_person',
      result: 'notified',
      at: await d.now(),
    });
    const term = await d.event(s.caseId, 'orden_pago_term_started');
    await d.sleepPast((term.data as { deadline: string }).deadline);
    await d.complete(s.caseId, 'coactiva_decision', LEGAL, {
      decision: 'uncollectible',
      reason: 'Sin cuentas ni bienes a su nombre',
    });
    return handle;
  },
};

/** A scenario takes a few seconds; one that hangs fails the run (nothing is written). */
const SCENARIO_TIMEOUT_MS = 180_000;

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

interface Recorded extends StoredHistory {
  json: string;
}

/** Runs one scenario on its own time-skipping server and returns the histories it produced. */
async function record(
  scenario: string,
  drive: (d: CaseDriver) => Promise<CaseHandle>,
  prisma: PrismaClient,
  bundle: WorkflowBundle,
): Promise<Recorded[]> {
  const env = await timeSkippingEnv();
  try {
    const sims = createSimulators();
    const worker = await testWorker(env, TASK_QUEUE, activitiesFor({ prisma, ...sims }), bundle);
    const driver = new CaseDriver(env, prisma, sims);
    const handle = await worker.runUntil(async () => {
      const h = await drive(driver);
      await driver.childrenSettled(h);
      const view = await h.result();
      if (view.status !== 'closed') throw new Error(`${scenario}: the case did not close`);
      return h;
    });
    const ids = [
      { workflowId: handle.workflowId, workflowType: 'caseWorkflow' },
      ...(await driver.children(handle)),
    ];
    const out: Recorded[] = [];
    for (const [n, { workflowId, workflowType }] of ids.entries()) {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      out.push({
        file: `${scenario}.${n}-${workflowType}.json`,
        scenario,
        workflowType,
        workflowId,
        events: history.events?.length ?? 0,
        json: historyToJSON(history),
      });
    }
    return out;
  } finally {
    await env.teardown();
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const { url, embedded } = await startDatabase(config, (line) => console.log(line));
  const admin = withDatabase(url, 'postgres');
  const scratch = `cartera_histories_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(admin, scratch);
  const prisma = createPrisma(withDatabase(url, scratch), 5);
  try {
    await runPrisma(['migrate', 'deploy'], withDatabase(url, scratch));
    const bundle = await workflowBundle();
    const recorded: Recorded[] = [];
    const [only, asFlag, asName] = process.argv.slice(2);
    if (only && !SCENARIOS[only]) throw new Error(`unknown scenario ${only}`);
    if (asFlag !== undefined && (asFlag !== '--as' || !asName))
      throw new Error('usage: record-histories.ts [<scenario> [--as <name>]]');
    const chosen = Object.entries(SCENARIOS).filter(([name]) => !only || name === only);
    for (const [name, drive] of chosen) {
      const scenario = asName ?? name;
      const started = Date.now();
      console.log(`${scenario}…`);
      const histories = await withDeadline(
        record(scenario, drive, prisma, bundle),
        SCENARIO_TIMEOUT_MS,
        scenario,
      );
      recorded.push(...histories);
      const sizes = histories.map((h) => `${h.workflowType} ${h.events}`).join(', ');
      console.log(`${scenario} (${Date.now() - started} ms): ${sizes}`);
    }
    // Only now replace the stored set (or that scenario's part of it): a failed run leaves
    // the old one in place.
    mkdirSync(HISTORIES_DIR, { recursive: true });
    const replaced = new Set(recorded.map((h) => h.scenario));
    const kept: StoredHistory[] = only
      ? (JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as StoredHistory[]).filter(
          (h) => !replaced.has(h.scenario),
        )
      : [];
    const keptFiles = new Set(kept.map((h) => h.file));
    for (const f of readdirSync(HISTORIES_DIR)) {
      if (f.endsWith('.json') && f !== 'manifest.json' && !keptFiles.has(f))
        rmSync(path.join(HISTORIES_DIR, f));
    }
    for (const h of recorded) writeFileSync(path.join(HISTORIES_DIR, h.file), `${h.json}\n`);
    const manifest: StoredHistory[] = [...kept, ...recorded.map(({ json: _json, ...h }) => h)];
    writeFileSync(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(
      `${recorded.length} histories written to ${path.relative(ROOT_DIR, HISTORIES_DIR)}`,
    );
  } finally {
    await prisma.$disconnect();
    await dropDatabase(admin, scratch);
    await embedded?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Exit explicitly: a failed scenario may leave a server connection open.
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
