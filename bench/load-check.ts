/**
 * After the load: did every answered request have exactly its effect, once?
 *
 * - Task completions answered 200: the Task row is done by that collector with that outcome, the
 *   case has exactly one `task_completed` event for the task (in the database and in the case
 *   timeline served by the API), and one `contact_recorded` event per completed contact; no task
 *   is done that no 200 (or an unanswered attempt) accounts for.
 * - Payments answered 202/200: exactly one Payment row with the sent account and amount, one
 *   `payment.receive` audit row, one `payment_received` event on the case, the amount off the
 *   account's invoices and off the case balance (once, however often it was delivered), and the
 *   case workflow's own view agreeing with the Case row. Payments only ever attempted without
 *   an answer may or may not be recorded, but never twice.
 *
 * It first waits (bounded) for the worker to finish what the load left queued.
 */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { caseViewQuery } from '../workflows/messages.js';
import type { Shared } from './load-users.js';

export interface CheckReport {
  ok: boolean;
  drainSeconds: number;
  completions: {
    answered200: number;
    unanswered: number;
    taskRowsDone: number;
    taskCompletedEvents: number;
    contactRecordedEvents: number;
    timelineCasesChecked: number;
    problems: number;
  };
  payments: {
    references: number;
    accepted: number;
    neverAnswered: number;
    redeliveredWith200: number;
    paymentRows: number;
    auditRows: number;
    caseEvents: number;
    casesBalanceChecked: number;
    accountsInvoiceChecked: number;
    workflowsQueried: number;
    problems: number;
  };
  lines: string[];
}

/** Sum of open invoice balances per account, before the load. */
export async function snapshotInvoiceBalances(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ number: string; cents: string }>(
    `SELECT a.number, sum(i."balanceCents")::bigint AS cents FROM "Account" a JOIN "Invoice" i ON i."accountId" = a.id GROUP BY a.number`,
  );
  return new Map(rows.map((r) => [r.number, Number(r.cents)]));
}

async function inPool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const toCents = (amount: string) => Math.round(Number(amount) * 100);

export async function checkConsistency(opts: {
  pool: pg.Pool;
  client: Client;
  url: string;
  managerToken: string;
  shared: Shared;
  invoicesBefore: Map<string, number>;
  say: (line: string) => void;
}): Promise<CheckReport> {
  const { pool, shared: sh } = opts;
  const lines: string[] = [];
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < 30) lines.push(`PROBLEM ${p}`);
    problems.push(p);
  };

  const completions = [...sh.completions.values()];
  const taskIds = completions.map((c) => c.taskId);
  const payments = [...sh.payments.values()];
  const accepted = payments.filter((p) => p.accepted);
  const refs = payments.map((p) => p.reference);

  // Drain: the workflows record contacts and payments after answering.
  const drainStarted = performance.now();
  const counts = async () => {
    const { rows } = await pool.query<{ done: number; contacts: number; pays: number }>(
      `SELECT
         (SELECT count(*)::int FROM "CaseEvent" WHERE type = 'task_completed' AND data->>'taskId' = ANY($1)) AS done,
         (SELECT count(*)::int FROM "CaseEvent" WHERE type = 'contact_recorded') AS contacts,
         (SELECT count(*)::int FROM "Payment" WHERE reference = ANY($2)) AS pays`,
      [taskIds, accepted.map((p) => p.reference)],
    );
    return rows[0]!;
  };
  const deadline = Date.now() + 90_000;
  let c = await counts();
  while (
    (c.done < taskIds.length || c.contacts < taskIds.length || c.pays < accepted.length) &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 500));
    c = await counts();
  }
  // Stragglers of unanswered attempts get a moment more.
  await new Promise((r) => setTimeout(r, 2_000));
  const drainSeconds = Math.round((performance.now() - drainStarted) / 100) / 10;
  opts.say(`worker drained in ${drainSeconds} s; checking`);

  // ---- completions ----------------------------------------------------------------------
  const taskRows = new Map(
    (
      await pool.query<{
        id: string;
        status: string;
        completed_by: string | null;
        outcome: string | null;
      }>(
        `SELECT id, status, "completedBy" AS completed_by, result->>'outcome' AS outcome FROM "Task" WHERE id = ANY($1::uuid[])`,
        [taskIds],
      )
    ).rows.map((r) => [r.id, r]),
  );
  const events = new Map<string, { n: number; actor: string; outcome: string | null }>();
  for (const r of (
    await pool.query<{ task_id: string; actor: string; outcome: string | null }>(
      `SELECT data->>'taskId' AS task_id, actor, data->'result'->>'outcome' AS outcome FROM "CaseEvent" WHERE type = 'task_completed'`,
    )
  ).rows) {
    const e = events.get(r.task_id);
    if (e) e.n++;
    else events.set(r.task_id, { n: 1, actor: r.actor, outcome: r.outcome });
  }
  for (const comp of completions) {
    const t = taskRows.get(comp.taskId);
    if (!t || t.status !== 'done')
      problem(`task ${comp.taskId} answered 200 but is ${t?.status ?? 'missing'}`);
    else if (t.completed_by !== comp.by || t.outcome !== comp.outcome)
      problem(
        `task ${comp.taskId}: done by ${t.completed_by} with ${t.outcome}, answered for ${comp.by} with ${comp.outcome}`,
      );
    const e = events.get(comp.taskId);
    if (!e || e.n !== 1) problem(`task ${comp.taskId}: ${e?.n ?? 0} task_completed events`);
    else if (e.actor !== comp.by || e.outcome !== comp.outcome)
      problem(`task ${comp.taskId}: event by ${e.actor} with ${e.outcome}`);
  }
  const doneRows = (await pool.query<{ id: string }>(`SELECT id FROM "Task" WHERE status = 'done'`))
    .rows;
  for (const { id } of doneRows)
    if (!sh.completions.has(id) && !sh.uncertainCompletions.has(id))
      problem(`task ${id} is done but no completion was answered or attempted without answer`);
  for (const [taskId, e] of events)
    if (e.n > 1) problem(`task ${taskId} has ${e.n} task_completed events`);

  // One contact_recorded event per completed contact task, per case.
  const perCase = new Map<string, number>();
  for (const comp of completions) perCase.set(comp.caseId, (perCase.get(comp.caseId) ?? 0) + 1);
  const contactRows = (
    await pool.query<{ case_id: string; n: number }>(
      `SELECT "caseId" AS case_id, count(*)::int AS n FROM "CaseEvent" WHERE type = 'contact_recorded' GROUP BY "caseId"`,
    )
  ).rows;
  const contactsByCase = new Map(contactRows.map((r) => [r.case_id, r.n]));
  const unanswered = [...sh.uncertainCompletions].filter((id) => !sh.completions.has(id));
  for (const [caseId, n] of perCase) {
    const got = contactsByCase.get(caseId) ?? 0;
    if (got < n) problem(`case ${caseId}: ${got} contact_recorded events for ${n} completions`);
  }
  const contactTotal = contactRows.reduce((a, r) => a + r.n, 0);
  if (contactTotal > completions.length + unanswered.length)
    problem(
      `${contactTotal} contact_recorded events for ${completions.length} answered completions`,
    );

  // The same, as people see it: the case timeline through the API.
  const cases = [...perCase.keys()];
  await inPool(cases, 8, async (caseId) => {
    const res = await fetch(
      `${opts.url}/api/cases/${caseId}/timeline?type=task_completed&pageSize=200`,
      { headers: { authorization: `Bearer ${opts.managerToken}` } },
    );
    if (res.status !== 200) {
      problem(`timeline of case ${caseId}: HTTP ${res.status}`);
      return;
    }
    const body = (await res.json()) as { items: { data: { taskId?: string } | null }[] };
    const seen = new Set(body.items.map((i) => i.data?.taskId));
    for (const comp of completions)
      if (comp.caseId === caseId && !seen.has(comp.taskId))
        problem(`timeline of case ${caseId} lacks the completion of task ${comp.taskId}`);
  });

  // ---- payments -------------------------------------------------------------------------
  const payRows = (
    await pool.query<{ reference: string; number: string; cents: number; case_id: string | null }>(
      `SELECT p.reference, a.number, p."amountCents" AS cents, p."caseId" AS case_id
       FROM "Payment" p JOIN "Account" a ON a.id = p."accountId" WHERE p.reference = ANY($1)`,
      [refs],
    )
  ).rows;
  const payByRef = new Map<string, typeof payRows>();
  for (const r of payRows) payByRef.set(r.reference, [...(payByRef.get(r.reference) ?? []), r]);
  const audits = new Map(
    (
      await pool.query<{ ref: string; n: number }>(
        `SELECT "entityId" AS ref, count(*)::int AS n FROM "AuditLog" WHERE action = 'payment.receive' AND "entityId" = ANY($1) GROUP BY "entityId"`,
        [refs],
      )
    ).rows.map((r) => [r.ref, r.n]),
  );
  const payEvents = new Map(
    (
      await pool.query<{ ref: string; n: number }>(
        `SELECT data->>'reference' AS ref, count(*)::int AS n FROM "CaseEvent" WHERE type = 'payment_received' AND data->>'reference' = ANY($1) GROUP BY 1`,
        [refs],
      )
    ).rows.map((r) => [r.ref, r.n]),
  );
  let caseEvents = 0;
  for (const p of payments) {
    const rows = payByRef.get(p.reference) ?? [];
    if (rows.length > 1) problem(`payment ${p.reference}: ${rows.length} Payment rows`);
    if (!p.accepted) continue; // never answered: recorded or not, but once (checked above)
    const row = rows[0];
    if (!row) problem(`payment ${p.reference} accepted but not recorded`);
    else if (row.number !== p.accountNumber || row.cents !== toCents(p.amount))
      problem(
        `payment ${p.reference}: recorded ${row.number} ${row.cents}, sent ${p.accountNumber} ${p.amount}`,
      );
    const a = audits.get(p.reference) ?? 0;
    if (a !== 1) problem(`payment ${p.reference}: ${a} audit rows`);
    const ev = payEvents.get(p.reference) ?? 0;
    caseEvents += ev;
    if (p.caseId && ev !== 1) problem(`payment ${p.reference}: ${ev} payment_received events`);
  }

  // Amounts: off the invoices and off the case balance exactly once.
  const paidByAccount = new Map<string, number>();
  for (const r of payRows)
    paidByAccount.set(r.number, (paidByAccount.get(r.number) ?? 0) + r.cents);
  const after = new Map(
    (
      await pool.query<{
        number: string;
        cents: string;
        balance: number;
        opening: number;
        workflow_id: string;
      }>(
        `SELECT a.number, (SELECT sum(i."balanceCents") FROM "Invoice" i WHERE i."accountId" = a.id)::bigint AS cents,
                c."balanceCents" AS balance, c."openingBalanceCents" AS opening, c."workflowId" AS workflow_id
         FROM "Account" a JOIN "Case" c ON c."accountId" = a.id AND c.status = 'open'
         WHERE a.number = ANY($1)`,
        [[...paidByAccount.keys()]],
      )
    ).rows.map((r) => [r.number, r]),
  );
  let accountsInvoiceChecked = 0;
  let casesBalanceChecked = 0;
  for (const [number, paid] of paidByAccount) {
    const a = after.get(number);
    if (!a) {
      problem(`account ${number}: no open case after the load`);
      continue;
    }
    const before = opts.invoicesBefore.get(number) ?? 0;
    accountsInvoiceChecked++;
    if (before - Number(a.cents) !== paid)
      problem(
        `account ${number}: invoices went down ${before - Number(a.cents)}, payments ${paid}`,
      );
    casesBalanceChecked++;
    if (a.opening - a.balance !== paid)
      problem(
        `account ${number}: case balance went down ${a.opening - a.balance}, payments ${paid}`,
      );
  }
  // The workflow's own state agrees with the row (a sample, to stay bounded).
  const sample = [...after.values()].slice(0, 300);
  let workflowsQueried = 0;
  await inPool(sample, 8, async (a) => {
    try {
      const view = await opts.client.workflow.getHandle(a.workflow_id).query(caseViewQuery);
      workflowsQueried++;
      if (view.balanceCents !== a.balance)
        problem(`workflow ${a.workflow_id}: balance ${view.balanceCents}, row ${a.balance}`);
      if (view.paidCents !== paidByAccount.get(a.number))
        problem(
          `workflow ${a.workflow_id}: paid ${view.paidCents}, payments ${paidByAccount.get(a.number)}`,
        );
    } catch (err) {
      problem(`workflow ${a.workflow_id}: query failed ${(err as Error).message}`);
    }
  });

  const report: CheckReport = {
    ok: problems.length === 0,
    drainSeconds,
    completions: {
      answered200: completions.length,
      unanswered: unanswered.length,
      taskRowsDone: doneRows.length,
      taskCompletedEvents: [...events.values()].reduce((a, e) => a + e.n, 0),
      contactRecordedEvents: contactTotal,
      timelineCasesChecked: cases.length,
      problems: 0,
    },
    payments: {
      references: payments.length,
      accepted: accepted.length,
      neverAnswered: payments.length - accepted.length,
      redeliveredWith200: payments.reduce((a, p) => a + p.redeliveries200, 0),
      paymentRows: payRows.length,
      auditRows: [...audits.values()].reduce((a, n) => a + n, 0),
      caseEvents,
      casesBalanceChecked,
      accountsInvoiceChecked,
      workflowsQueried,
      problems: 0,
    },
    lines,
  };
  report.completions.problems = problems.filter(
    (p) => p.startsWith('task') || p.includes('contact') || p.startsWith('timeline'),
  ).length;
  report.payments.problems = problems.length - report.completions.problems;
  const cmp = report.completions;
  const pay = report.payments;
  lines.unshift(
    `completions: ${cmp.answered200} answered 200 (${cmp.unanswered} attempts without answer); ${cmp.taskRowsDone} Task rows done, ${cmp.taskCompletedEvents} task_completed events, ${cmp.contactRecordedEvents} contact_recorded events; timelines of ${cmp.timelineCasesChecked} cases read through the API`,
    `payments: ${pay.references} references, ${pay.accepted} accepted (${pay.redeliveredWith200} repeat deliveries answered 200), ${pay.neverAnswered} never answered; ${pay.paymentRows} Payment rows, ${pay.auditRows} audit rows, ${pay.caseEvents} payment_received events; invoices of ${pay.accountsInvoiceChecked} accounts and balances of ${pay.casesBalanceChecked} cases match the payments; ${pay.workflowsQueried} case workflows queried agree`,
    `problems: ${problems.length}`,
  );
  return report;
}
