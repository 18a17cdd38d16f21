/**
 * Portfolio intake, step 2: open one case workflow per account that the case-opening policy
 * selects, and tell running cases about balances a newer export changed.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type pg from 'pg';
import {
  decideCaseOpening,
  type AccountCategory,
  type Protection,
} from '../domain/case-opening.js';
import type { Policy } from '../domain/policy.js';
import type { LocalDate } from '../domain/calendar.js';
import type { caseWorkflow } from '../workflows/case.js';
import { billingBalanceChangedSignal, type CaseWorkflowInput } from '../workflows/messages.js';
import {
  CarteraAccount,
  CarteraBalanceCents,
  CarteraPriority,
  CarteraStage,
} from '../workflows/search-attributes.js';
import { CASE_ID_POLICIES, caseWorkflowId } from '../temporal/workflow-ids.js';

export interface OpenCasesDeps {
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
}

export interface OpenCasesOptions {
  policy: Policy;
  policyVersion: number;
  /** Local date the days past due are counted to. */
  asOf: LocalDate;
  /** Who is opening (user id or 'system'). */
  openedBy: string;
  /** Workflow starts in flight at once. @default 64 */
  concurrency?: number;
  /** Only consider these accounts (e.g. the ones an import touched). */
  accountIds?: string[];
  onProgress?: (done: number, total: number) => void;
}

export interface OpenCasesReport {
  accountsEvaluated: number;
  eligible: number;
  opened: number;
  /** A live case workflow already existed (another opener won the race). */
  alreadyOpen: number;
  failed: { accountNumber: string; error: string }[];
  durationMs: number;
  /** Of `durationMs`: the debt query and the opening decisions. */
  selectMs: number;
  /** Of `durationMs`: the workflow starts. */
  startMs: number;
}

interface DebtRow {
  account_id: string;
  account_number: string;
  category: AccountCategory;
  protection: Protection;
  overdue_invoices: number;
  overdue_balance_cents: string;
  oldest_due_on: string;
  broken_commitments: number;
  broken_agreements: number;
}

/**
 * Accounts without an open case, with their overdue debt as of a date and the commitments they
 * broke in earlier cases. The broken commitments are counted once for all accounts (one pass
 * over the events), not per account: a correlated count re-read the event table for every
 * delinquent account, which took minutes once 100,000 cases had events (bench:scale).
 */
const DEBT_QUERY = `
  WITH broken AS (
    SELECT c."accountId" AS account_id, count(*)::int AS n,
           (count(*) FILTER (WHERE e.type = 'agreement_broken'))::int AS agreements
    FROM "CaseEvent" e JOIN "Case" c ON c.id = e."caseId"
    WHERE e.type IN ('promise_broken', 'agreement_broken')
      AND ($2::uuid[] IS NULL OR c."accountId" = ANY($2::uuid[]))
    GROUP BY c."accountId")
  SELECT a.id AS account_id, a.number AS account_number, a.category, a.protection,
         count(*)::int AS overdue_invoices, sum(i."balanceCents")::bigint AS overdue_balance_cents,
         to_char(min(i."dueOn"), 'YYYY-MM-DD') AS oldest_due_on,
         COALESCE(min(b.n), 0) AS broken_commitments,
         COALESCE(min(b.agreements), 0) AS broken_agreements
  FROM "Account" a
  JOIN "Invoice" i ON i."accountId" = a.id AND i."balanceCents" > 0 AND i."dueOn" < $1::date
    AND i."prescribedAt" IS NULL
  LEFT JOIN broken b ON b.account_id = a.id
  WHERE NOT EXISTS (SELECT 1 FROM "Case" c WHERE c."openKey" = a.id)
    AND ($2::uuid[] IS NULL OR a.id = ANY($2::uuid[]))
  GROUP BY a.id`;

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inPool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

export interface CasesToOpen {
  accountsEvaluated: number;
  /** One case workflow input per account the policy selects. */
  inputs: CaseWorkflowInput[];
}

/** The accounts without an open case whose overdue debt the policy opens a case for. */
export async function selectCasesToOpen(
  pool: pg.Pool,
  opts: Omit<OpenCasesOptions, 'concurrency' | 'onProgress'>,
): Promise<CasesToOpen> {
  const { rows } = await pool.query<DebtRow>(DEBT_QUERY, [opts.asOf, opts.accountIds ?? null]);
  const inputs: CaseWorkflowInput[] = [];
  for (const r of rows) {
    const balance = Number(r.overdue_balance_cents);
    const decision = decideCaseOpening(
      {
        category: r.category,
        protection: r.protection,
        overdueInvoices: r.overdue_invoices,
        overdueBalanceCents: balance,
        oldestDueOn: r.oldest_due_on,
        brokenCommitments: r.broken_commitments,
      },
      opts.policy,
      opts.asOf,
    );
    if (!decision.open) continue;
    inputs.push({
      caseId: randomUUID(),
      accountId: r.account_id,
      accountNumber: r.account_number,
      balanceCents: balance,
      priority: decision.priority,
      protected: decision.protected,
      overdueInvoices: r.overdue_invoices,
      oldestDueOn: r.oldest_due_on,
      openingReasons: decision.reasons,
      brokenAgreementsBefore: r.broken_agreements,
      policyVersion: opts.policyVersion,
      // The case keeps the policy in force when it opened for its whole life.
      policy: opts.policy,
      openedBy: opts.openedBy,
    });
  }
  return { accountsEvaluated: rows.length, inputs };
}

/** The start request of one case workflow (id, id policies, search attributes). */
export function caseStartOptions(input: CaseWorkflowInput, taskQueue: string) {
  return {
    workflowId: caseWorkflowId(input.accountNumber),
    taskQueue,
    args: [input] as [CaseWorkflowInput],
    ...CASE_ID_POLICIES,
    typedSearchAttributes: [
      { key: CarteraAccount, value: input.accountNumber },
      { key: CarteraStage, value: 'reminder' },
      { key: CarteraBalanceCents, value: input.balanceCents },
      { key: CarteraPriority, value: input.priority },
    ],
  };
}

export async function openCases(
  deps: OpenCasesDeps,
  opts: OpenCasesOptions,
): Promise<OpenCasesReport> {
  const started = performance.now();
  const { accountsEvaluated, inputs: toOpen } = await selectCasesToOpen(deps.pool, opts);
  const selected = performance.now();

  const report: OpenCasesReport = {
    accountsEvaluated,
    eligible: toOpen.length,
    opened: 0,
    alreadyOpen: 0,
    failed: [],
    durationMs: 0,
    selectMs: Math.round(selected - started),
    startMs: 0,
  };
  let done = 0;
  await inPool(toOpen, opts.concurrency ?? 64, async (input) => {
    try {
      await deps.temporal.workflow.start<typeof caseWorkflow>(
        'caseWorkflow',
        caseStartOptions(input, deps.taskQueue),
      );
      report.opened++;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) report.alreadyOpen++;
      else
        report.failed.push({ accountNumber: input.accountNumber, error: (err as Error).message });
    }
    opts.onProgress?.(++done, toOpen.length);
  });
  const finished = performance.now();
  report.startMs = Math.round(finished - selected);
  report.durationMs = Math.round(finished - started);
  return report;
}

/**
 * Signals open cases whose overdue balance, recomputed from the invoices an import changed,
 * differs from what the case holds. Returns how many cases were told.
 */
export async function notifyBalanceChanges(
  deps: OpenCasesDeps,
  opts: { importId: string; asOf: LocalDate; importedAt: string },
): Promise<number> {
  const { rows } = await deps.pool.query<{ workflow_id: string; balance: string }>(
    `SELECT c."workflowId" AS workflow_id,
            COALESCE(sum(i."balanceCents") FILTER (WHERE i."dueOn" < $2::date), 0)::bigint AS balance
     FROM "Case" c JOIN "Invoice" i ON i."accountId" = c."accountId" AND i."prescribedAt" IS NULL
     WHERE c.status = 'open'
       AND c."accountId" IN (SELECT DISTINCT "accountId" FROM "Invoice" WHERE "lastImportId" = $1::uuid)
     GROUP BY c.id
     HAVING COALESCE(sum(i."balanceCents") FILTER (WHERE i."dueOn" < $2::date), 0) <> c."balanceCents"`,
    [opts.importId, opts.asOf],
  );
  let told = 0;
  await inPool(rows, 32, async (r) => {
    try {
      await deps.temporal.workflow.getHandle(r.workflow_id).signal(billingBalanceChangedSignal, {
        balanceCents: Number(r.balance),
        importId: opts.importId,
        importedAt: opts.importedAt,
      });
      told++;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // the case closed meanwhile
    }
  });
  return told;
}
