/** Portfolio intake end to end: import the export, open cases, update running cases. */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { toLocalDate } from '../domain/calendar.js';
import type { Policy } from '../domain/policy.js';
import {
  importPortfolio,
  type ImportOptions,
  type ImportReport,
  type ImportSource,
} from './import.js';
import { notifyBalanceChanges, openCases, type OpenCasesReport } from './open-cases.js';

export interface IntakeDeps {
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
}

export interface IntakeReport {
  import: ImportReport;
  cases: OpenCasesReport | null;
  /** Open cases told about a balance the import changed. */
  balanceUpdates: number;
}

export async function runIntake(
  deps: IntakeDeps,
  source: ImportSource,
  opts: ImportOptions & {
    policy: { policy: Policy; version: number };
    /** @default today in America/Guayaquil */
    asOf?: string;
    openConcurrency?: number;
    onCasesProgress?: (done: number, total: number) => void;
  },
): Promise<IntakeReport> {
  const report = await importPortfolio(deps.pool, source, opts);
  if (report.status !== 'succeeded') return { import: report, cases: null, balanceUpdates: 0 };
  const now = new Date();
  const asOf = opts.asOf ?? toLocalDate(now);
  const balanceUpdates = await notifyBalanceChanges(deps, {
    importId: report.id,
    asOf,
    importedAt: now.toISOString(),
  });
  const cases = await openCases(deps, {
    policy: opts.policy.policy,
    policyVersion: opts.policy.version,
    asOf,
    openedBy: opts.createdBy,
    ...(opts.openConcurrency ? { concurrency: opts.openConcurrency } : {}),
    ...(opts.onCasesProgress ? { onProgress: opts.onCasesProgress } : {}),
  });
  await deps.pool.query(`UPDATE "ImportBatch" SET "casesOpened" = $2 WHERE id = $1`, [
    report.id,
    cases.opened,
  ]);
  return { import: report, cases, balanceUpdates };
}
