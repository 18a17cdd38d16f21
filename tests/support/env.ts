/** Per-test-file access to the real PostgreSQL and Temporal started by tests/global-setup.ts. */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import { inject } from 'vitest';
import { createSimulators, type OutsideSimulators } from '../../activities/simulators.js';
import type { Mailer } from '../../notifications/mailer.js';
import { activitiesFor } from '../../temporal/worker.js';
import { WORKFLOWS_PATH } from '../../temporal/bundle.js';
import { createPrisma, type PrismaClient } from '../../prisma/client.js';
import { withDatabase } from '../../scripts/system.js';

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A clean, migrated database of its own (a clone of the template). */
export async function freshDatabase(): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  const name = `${inject('templateDatabase')}_${randomBytes(4).toString('hex')}`;
  await admin.connect();
  try {
    await admin.query(
      `CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(inject('templateDatabase'))}`,
    );
  } finally {
    await admin.end();
  }
  const url = withDatabase(inject('pgAdminUrl'), name);
  const prisma = createPrisma(url, 5);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  return {
    url,
    prisma,
    pool,
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

export async function temporalClient(): Promise<Client> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return new Client({ connection, namespace: 'default' });
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * A real worker on its own task queue running `fn`, with the production activities over the
 * given database (or `activities` to replace some of them).
 */
export async function withWorker<T>(
  opts: {
    taskQueue: string;
    prisma: PrismaClient;
    activities?: object;
    simulators?: OutsideSimulators;
    /** For the scheduled reports' e-mail (none: that activity fails, saying so). */
    mailer?: Mailer;
  },
  fn: (worker: Worker) => Promise<T>,
): Promise<T> {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: opts.taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: {
        ...activitiesFor({
          prisma: opts.prisma,
          ...(opts.simulators ?? createSimulators()),
          ...(opts.mailer ? { mailer: opts.mailer, mailFrom: 'cartera@pruebas.local' } : {}),
        }),
        ...opts.activities,
      },
    });
    return await worker.runUntil(fn(worker));
  } finally {
    await connection.close();
  }
}

/** Polls `probe` until it returns a value `ok` accepts (real servers are eventually consistent). */
export async function eventually<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}
