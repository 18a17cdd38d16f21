/**
 * Time-skipping workflow tests: the Java test server (real Temporal semantics, timers skip
 * ahead when the workflow waits) with the production activities over a real PostgreSQL, plus
 * fakes for outside systems where a test needs them.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { loadConfig } from '../../config/index.js';
import { makeCedula } from '../../domain/ecuador-id.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { WORKFLOWS_PATH } from '../../temporal/bundle.js';
import type { PortfolioRow } from '../../domain/portfolio-row.js';
import type { PrismaClient } from '../../prisma/client.js';
import { noticeOutcomeSignal, type CaseWorkflowInput } from '../../workflows/messages.js';

/**
 * Waits until no activity of the workflow is running, before a test cancels or terminates it.
 * A test often sees an activity's row in the database before the activity reports back; ending
 * the workflow then leaves that activity running, and the time-skipping test server never
 * releases the clock lock it holds for it (temporalio/sdk-java#1138): every later timer and
 * `env.sleep` of that server runs in real time.
 */
export async function untilNoActivityRunning(
  handle: { describe(): Promise<{ raw: { pendingActivities?: unknown[] | null } }> },
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { raw } = await handle.describe();
    if ((raw.pendingActivities?.length ?? 0) === 0) return;
    if (Date.now() > deadline)
      throw new Error(`an activity was still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a time-skipping test server from the pinned local binary. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = loadConfig().temporal.testServerPath;
  if (!path) throw new Error('temporal-test-server missing: run node scripts/ensure.mjs');
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
}

/** Bundles the workflows once, for test files that start several workers. */
export function workflowBundle(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
}

/** A worker for `env` running the workflows (from `bundle` if given) and the given activities. */
export function testWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: object,
  bundle?: WorkflowBundle,
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    ...(bundle ? { workflowBundle: bundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
  });
}

export interface SeededCase {
  caseId: string;
  accountId: string;
  accountNumber: string;
  collectorId: string;
  supervisorId: string;
}

/**
 * The case workflow's input for a seeded case, as intake would build it (defaults: USD 120.00
 * over two bills, priority 500, the default policy as version 1), with `overrides` on top.
 */
export function caseInput(
  s: Pick<SeededCase, 'caseId' | 'accountId' | 'accountNumber'>,
  overrides: Partial<CaseWorkflowInput> = {},
): CaseWorkflowInput {
  return {
    caseId: s.caseId,
    accountId: s.accountId,
    accountNumber: s.accountNumber,
    balanceCents: 12_000,
    priority: 500,
    protected: false,
    overdueInvoices: 2,
    oldestDueOn: '2026-07-01',
    openingReasons: ['overdue_invoices'],
    policyVersion: 1,
    policy: DEFAULT_POLICY,
    openedBy: 'system',
    ...overrides,
  };
}

let seq = 0;

/**
 * An account with overdue invoices, a collector (reporting to a supervisor) owning its sector,
 * and an open case row, as intake would leave them.
 */
export async function seedCase(
  prisma: PrismaClient,
  opts: {
    balanceCents?: number;
    protection?: 'none' | 'vulnerable' | 'hospital' | 'escuela';
    email?: string | null;
  } = {},
): Promise<SeededCase> {
  const n = `${Date.now().toString(36)}${(seq++).toString(36)}`;
  const balance = opts.balanceCents ?? 12_000;
  const supervisor = await prisma.user.create({
    data: {
      username: `sup-${n}`,
      displayName: `Supervisora ${n}`,
      role: 'manager',
      passwordHash: 'x',
    },
  });
  const collector = await prisma.user.create({
    data: {
      username: `col-${n}`,
      displayName: `Gestor ${n}`,
      role: 'collector',
      passwordHash: 'x',
      supervisorId: supervisor.id,
    },
  });
  const sector = `Sector ${n}`;
  await prisma.portfolioAssignment.create({ data: { sector, userId: collector.id } });
  const account = await prisma.account.create({
    data: {
      number: `A${n}`,
      holderName: 'ROMERO AGUILAR JUAN CARLOS',
      holderId: makeCedula(7, String(100000 + (seq % 899999)).padStart(6, '0')),
      address: 'Av. 25 de Junio y Guayas',
      sector,
      route: 'R-01-01',
      category: 'residencial',
      phone: '0991234567',
      email: opts.email === undefined ? 'juan@example.ec' : opts.email,
      protection: opts.protection ?? 'none',
      invoices: {
        create: [
          {
            number: `F-${n}-1`,
            issuedOn: new Date('2026-06-01'),
            dueOn: new Date('2026-07-01'),
            amountCents: Math.floor(balance / 2),
            balanceCents: Math.floor(balance / 2),
          },
          {
            number: `F-${n}-2`,
            issuedOn: new Date('2026-07-01'),
            dueOn: new Date('2026-07-31'),
            amountCents: balance - Math.floor(balance / 2),
            balanceCents: balance - Math.floor(balance / 2),
          },
        ],
      },
    },
  });
  const caseId = randomUUID();
  await prisma.case.create({
    data: {
      id: caseId,
      workflowId: `case-${account.number}`,
      accountId: account.id,
      openKey: account.id,
      priority: 500,
      balanceCents: balance,
      openingBalanceCents: balance,
      overdueInvoices: 2,
      oldestDueOn: new Date('2026-07-01'),
      protected: (opts.protection ?? 'none') !== 'none',
      assignedCollectorId: collector.id,
      policyVersion: 1,
      openedAt: new Date(),
    },
  });
  return {
    caseId,
    accountId: account.id,
    accountNumber: account.number,
    collectorId: collector.id,
    supervisorId: supervisor.id,
  };
}

/** What billing knows about a seeded account: its invoices, as the simulator's ledger rows. */
export async function billingRowsFor(
  prisma: PrismaClient,
  accountId: string,
): Promise<PortfolioRow[]> {
  const a = await prisma.account.findUniqueOrThrow({
    where: { id: accountId },
    include: { invoices: true },
  });
  return a.invoices.map((i) => ({
    accountNumber: a.number,
    holderId: a.holderId,
    holderName: a.holderName,
    address: a.address,
    sector: a.sector,
    route: a.route,
    category: a.category,
    phone: a.phone,
    email: a.email,
    invoiceNumber: i.number,
    issuedOn: i.issuedOn.toISOString().slice(0, 10),
    dueOn: i.dueOn.toISOString().slice(0, 10),
    amountCents: i.amountCents,
    balanceCents: i.balanceCents,
    protection: a.protection,
  }));
}

/**
 * Stands for the notice dispatcher in workflow tests: the case's queued e-mails of `kind` are
 * accepted by the SMTP server at `at` (the test server's time), and the workflow that queued
 * each is told, as notifications/delivery.ts does. Returns how many were delivered.
 */
export async function deliverEmails(
  prisma: PrismaClient,
  client: Client,
  caseId: string,
  kind: string,
  at: Date,
  /** How long to wait for the notice to be queued. @default 30 s */
  waitMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + waitMs;
  let queued = await prisma.notice.findMany({
    where: { caseId, kind, channel: 'email', status: 'queued' },
  });
  while (queued.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    queued = await prisma.notice.findMany({
      where: { caseId, kind, channel: 'email', status: 'queued' },
    });
  }
  for (const n of queued) {
    await prisma.notice.update({
      where: { id: n.id },
      data: { status: 'sent', sentAt: at, deliveredAt: at },
    });
    if (n.workflowId)
      await client.workflow.getHandle(n.workflowId).signal(noticeOutcomeSignal, {
        key: n.key.slice(0, n.key.lastIndexOf(':')),
        channel: 'email',
        outcome: 'delivered',
        at: at.toISOString(),
      });
  }
  return queued.length;
}
