/**
 * The invariants checked after a fault run, from three independent sources: PostgreSQL (case
 * rows, timeline, tasks, outbox, document numbers), Temporal (executions, histories, the
 * `caseView` query) and the outside systems' own records (simulators, SMTP sink, SMS file):
 * (a) no case lost, (b) none stuck — every running case waits on an open human task or a
 * timer, (c) stages agree, (d) each outside effect once, (e) every cut lawful — the crew is
 * ordered only once the prior notice was delivered and its term had run.
 */
import { readFileSync, existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { OutsideSimulators } from '../../activities/simulators.js';
import { noticeMessageId } from '../../notifications/mailer.js';
import { caseViewQuery, type CaseView } from '../../workflows/messages.js';
import type { ReceivedMail } from './infra.js';

export interface Violation {
  check: 'a-lost' | 'b-stuck' | 'c-stage' | 'd-effects' | 'e-lawful';
  caseId?: string;
  detail: string;
}

/** Instants at which a process that could sit between an SMTP accept and its commit died. */
export interface Interruptions {
  /** Worker SIGKILLs (ms since epoch). */
  workerKills: number[];
  /** PostgreSQL down (start, end), ms since epoch. */
  postgresDown: [number, number][];
}

export interface CheckInput {
  pool: pg.Pool;
  client: Client;
  sims: OutsideSimulators;
  mail: ReceivedMail[];
  smsFile: string;
  mailFrom: string;
  /** Workflow ids the opener started (recorded by a client interceptor). */
  started: string[];
  interruptions: Interruptions;
}

export interface CheckReport {
  violations: Violation[];
  figures: Record<string, unknown>;
}

async function inPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const count = <T>(xs: T[], key: (x: T) => string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
};
const tally = (xs: string[]): Record<string, number> =>
  Object.fromEntries([...count(xs, (x) => x).entries()].sort());

/** Case workflow id of any execution of the case (`case-X`, `case-X/<caseId>/suspension-3`). */
const caseWorkflowOf = (workflowId: string) => workflowId.split('/')[0]!;

interface CaseRow {
  id: string;
  workflow_id: string;
  status: 'open' | 'closed';
  stage: string;
  close_reason: string | null;
}

interface EventRow {
  case_id: string;
  type: string;
  event_key: string;
  occurred_at: Date;
  data: Record<string, unknown> | null;
}

export async function runChecks(input: CheckInput): Promise<CheckReport> {
  const { pool, client } = input;
  const violations: Violation[] = [];
  const v = (check: Violation['check'], detail: string, caseId?: string) =>
    violations.push({ check, detail, ...(caseId ? { caseId } : {}) });
  const figures: Record<string, unknown> = {};

  // ---- (a) no case lost ------------------------------------------------------------------
  // Every table is read in one snapshot, so a step committed while we read cannot show up in
  // one table and not in another.
  const db = await pool.connect();
  const read = async <T extends pg.QueryResultRow>(sql: string) => (await db.query<T>(sql)).rows;
  let snap;
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    snap = {
      cases: await read<CaseRow>(
        `SELECT id, "workflowId" AS workflow_id, status, stage, "closeReason" AS close_reason FROM "Case"`,
      ),
      events: await read<EventRow>(
        `SELECT "caseId" AS case_id, type, "eventKey" AS event_key, "occurredAt" AS occurred_at, data FROM "CaseEvent" ORDER BY "occurredAt", CASE WHEN type = 'stage_changed' THEN substring("eventKey" from ':([0-9]+)$')::int END NULLS LAST, id`,
      ),
      openTasks: await read<{ case_id: string; workflow_id: string; type: string }>(
        `SELECT "caseId" AS case_id, "workflowId" AS workflow_id, type FROM "Task" WHERE status = 'open'`,
      ),
      notices: await read<{
        id: string;
        channel: string;
        status: string;
        attempts: number;
        last_error: string | null;
      }>(`SELECT id, channel, status, attempts, "lastError" AS last_error FROM "Notice"`),
      numbers: await read<{ key: string; series: string; year: number; number: number }>(
        `SELECT key, series, year, number FROM "DocumentNumber" ORDER BY series, year, number`,
      ),
      counters: await read<{ series: string; year: number; last: number }>(
        `SELECT series, year, last FROM "DocumentCounter"`,
      ),
      docs: await read<{ kind: string; n: number }>(
        `SELECT kind, count(*)::int AS n FROM "Document" GROUP BY kind ORDER BY kind`,
      ),
    };
    await db.query('COMMIT');
  } finally {
    db.release();
  }
  const { cases } = snap;
  const byWorkflow = count(cases, (c) => c.workflow_id);
  const caseByWf = new Map(cases.map((c) => [c.workflow_id, c]));
  for (const wf of input.started) {
    const n = byWorkflow.get(wf) ?? 0;
    if (n !== 1) v('a-lost', `${wf}: ${n} Case rows (expected 1)`);
  }
  const startedSet = new Set(input.started);
  for (const c of cases)
    if (!startedSet.has(c.workflow_id))
      v('a-lost', `Case row ${c.workflow_id} was never opened`, c.id);

  const status = new Map<string, string>();
  await inPool(input.started, 16, async (wf) => {
    try {
      const d = await client.workflow.getHandle(wf).describe();
      status.set(wf, d.status.name);
    } catch (err) {
      status.set(wf, `missing (${(err as Error).name})`);
    }
  });
  for (const [wf, s] of status)
    if (s !== 'RUNNING' && s !== 'COMPLETED')
      v('a-lost', `${wf}: workflow ${s}`, caseByWf.get(wf)?.id);
  const bad: string[] = [];
  for await (const w of client.workflow.list({
    query: 'ExecutionStatus="Failed" OR ExecutionStatus="Terminated" OR ExecutionStatus="TimedOut"',
  })) {
    bad.push(`${w.workflowId} ${w.status.name}`);
    v('a-lost', `${w.workflowId} (${w.type}) ended ${w.status.name}`);
  }
  const executionsByStatus: string[] = [];
  const running: { workflowId: string; type: string; stageAttr: string | undefined }[] = [];
  for await (const w of client.workflow.list({})) {
    executionsByStatus.push(`${w.type}:${w.status.name}`);
    if (w.status.name === 'RUNNING') {
      const attr = w.searchAttributes?.CarteraStage;
      running.push({
        workflowId: w.workflowId,
        type: w.type,
        stageAttr: Array.isArray(attr) ? String(attr[0]) : undefined,
      });
    }
  }
  figures.executions = tally(executionsByStatus);
  figures.caseWorkflows = tally([...status.values()]);

  // Pending work of every running execution (cases and children): activities, workflow
  // tasks, timers from the history.
  const { openTasks } = snap;
  const tasksByCase = count(openTasks, (t) => t.case_id);
  const now = Date.now();
  interface ExecState {
    timers: number[]; // fire instants of outstanding timers
    activities: { type: string; attempt: number }[];
    /** 0: no workflow task pending; else its attempt (work queued for the worker). */
    workflowTaskAttempt: number;
  }
  const exec = new Map<string, ExecState>();
  await inPool(running, 12, async (r) => {
    const handle = client.workflow.getHandle(r.workflowId);
    const st: ExecState = { timers: [], activities: [], workflowTaskAttempt: 0 };
    try {
      const d = await handle.describe();
      for (const a of d.raw.pendingActivities ?? [])
        st.activities.push({ type: a.activityType?.name ?? '?', attempt: a.attempt ?? 0 });
      st.workflowTaskAttempt = d.raw.pendingWorkflowTask
        ? Math.max(1, d.raw.pendingWorkflowTask.attempt ?? 1)
        : 0;
      // Timers matter only where no open human task explains the wait: skip the history then.
      const explained =
        (tasksByCase.get(caseByWf.get(caseWorkflowOf(r.workflowId))?.id ?? '') ?? 0) > 0;
      if (explained) {
        exec.set(r.workflowId, st);
        return;
      }
      const history = await handle.fetchHistory();
      const started = new Map<string, number>();
      for (const e of history.events ?? []) {
        const at =
          Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
        if (e.timerStartedEventAttributes) {
          const t = e.timerStartedEventAttributes;
          const ms =
            Number(t.startToFireTimeout?.seconds ?? 0) * 1000 +
            Math.floor((t.startToFireTimeout?.nanos ?? 0) / 1e6);
          started.set(t.timerId ?? '', at + ms);
        }
        if (e.timerFiredEventAttributes) started.delete(e.timerFiredEventAttributes.timerId ?? '');
        if (e.timerCanceledEventAttributes)
          started.delete(e.timerCanceledEventAttributes.timerId ?? '');
      }
      st.timers = [...started.values()];
    } catch (err) {
      v('b-stuck', `${r.workflowId}: cannot describe (${(err as Error).message})`);
    }
    exec.set(r.workflowId, st);
  });
  const busy = new Set<string>();
  for (const [wf, st] of exec)
    if (st.activities.length > 0 || st.workflowTaskAttempt > 0) busy.add(caseWorkflowOf(wf));
  let lagging = 0;
  const unverified: string[] = [];

  // ---- (c) stage: DB row, workflow query, event log ---------------------------------------
  const { events } = snap;
  const eventsOf = new Map<string, EventRow[]>();
  for (const e of events) {
    const list = eventsOf.get(e.case_id) ?? [];
    list.push(e);
    eventsOf.set(e.case_id, list);
  }
  const views = new Map<string, CaseView>();
  await inPool(cases, 16, async (c) => {
    const handle = client.workflow.getHandle(c.workflow_id);
    const s0 = status.get(c.workflow_id);
    if (s0 !== 'COMPLETED' && busy.has(c.workflow_id)) {
      // Work is queued for the worker: a query would wait behind it (and prove nothing more).
      unverified.push(c.workflow_id);
      return;
    }
    try {
      const s = status.get(c.workflow_id);
      const view =
        s === 'COMPLETED'
          ? ((await handle.result()) as CaseView)
          : await handle.query(caseViewQuery);
      views.set(c.id, view);
    } catch (err) {
      // The query needs the worker to replay the case; a case with work queued may not answer.
      if (busy.has(c.workflow_id)) unverified.push(c.workflow_id);
      else v('c-stage', `${c.workflow_id}: no view (${(err as Error).message})`, c.id);
    }
  });
  const stageAttr = new Map(
    running.filter((r) => r.type === 'caseWorkflow').map((r) => [r.workflowId, r.stageAttr]),
  );
  for (const c of cases) {
    const list = eventsOf.get(c.id) ?? [];
    // The timeline's stage: the chain of stage_changed from reminder, closed by case_closed.
    let implied = 'reminder';
    for (const e of list) {
      if (e.type === 'stage_changed') {
        const from = String(e.data?.from);
        const to = String(e.data?.to);
        if (from !== implied)
          v('c-stage', `${c.workflow_id}: stage_changed ${from}→${to} after ${implied}`, c.id);
        implied = to;
      } else if (e.type === 'case_closed') implied = 'closed';
    }
    const opened = list.filter((e) => e.type === 'case_opened').length;
    const closed = list.filter((e) => e.type === 'case_closed').length;
    if (opened !== 1) v('c-stage', `${c.workflow_id}: ${opened} case_opened events`, c.id);
    if (closed > 1) v('c-stage', `${c.workflow_id}: ${closed} case_closed events`, c.id);
    const view = views.get(c.id);
    const wfStatus = status.get(c.workflow_id);
    if (c.stage !== implied)
      v('c-stage', `${c.workflow_id}: row stage ${c.stage}, timeline implies ${implied}`, c.id);
    if ((c.status === 'closed') !== (implied === 'closed'))
      v('c-stage', `${c.workflow_id}: row status ${c.status}, timeline ${implied}`, c.id);
    // The workflow leads its row by the activity that writes it: on a case with work pending
    // (activity or workflow task) a difference is lag, counted; on a quiet case, a violation.
    const behind: string[] = [];
    if ((c.status === 'closed') !== (wfStatus === 'COMPLETED'))
      behind.push(`row status ${c.status}, workflow ${wfStatus}`);
    if (view) {
      if (view.stage !== c.stage) behind.push(`workflow stage ${view.stage}, row ${c.stage}`);
      if (view.status !== c.status) behind.push(`workflow status ${view.status}, row ${c.status}`);
      if (c.status === 'closed' && view.closeReason !== c.close_reason)
        behind.push(`close reason ${view.closeReason} vs ${c.close_reason}`);
    }
    const attr = stageAttr.get(c.workflow_id);
    if (wfStatus === 'RUNNING' && attr !== undefined && attr !== c.stage)
      behind.push(`CarteraStage ${attr}, row ${c.stage}`);
    if (behind.length > 0 && busy.has(c.workflow_id)) lagging++;
    else for (const b of behind) v('c-stage', `${c.workflow_id}: ${b}`, c.id);
    // Domain implications of the stage (domain/lifecycle.ts stageOf).
    const has = (t: string) => list.some((e) => e.type === t);
    if (c.stage === 'agreement' && !has('agreement_signed'))
      v('c-stage', `${c.workflow_id}: in agreement without agreement_signed`, c.id);
    if (
      c.stage === 'credit_title' &&
      !(
        has('suspension_done') ||
        has('suspension_skipped') ||
        has('suspension_not_done') ||
        has('suspension_cancelled')
      )
    )
      v('c-stage', `${c.workflow_id}: título stage without a suspension outcome`, c.id);
    if (c.stage === 'coactiva' && !has('credit_title_issued'))
      v('c-stage', `${c.workflow_id}: coactiva without a título de crédito`, c.id);
  }
  figures.stageLaggingWhileBusy = lagging;
  figures.viewUnansweredWhileBusy = unverified.length;
  figures.casesByStage = tally(
    cases.map((c) => (c.status === 'closed' ? `closed:${c.close_reason}` : c.stage)),
  );

  // ---- (b) none stuck ----------------------------------------------------------------------
  const runningIds = new Set(running.map((r) => r.workflowId));
  for (const t of openTasks)
    if (!runningIds.has(t.workflow_id))
      v('b-stuck', `open ${t.type} task on ${t.workflow_id}, which is not running`, t.case_id);
  const waits: string[] = [];
  const pendingActivities: string[] = [];
  for (const c of cases) {
    if (status.get(c.workflow_id) !== 'RUNNING') continue;
    const mine = running.filter((r) => caseWorkflowOf(r.workflowId) === c.workflow_id);
    const states = mine.map((r) => [r.workflowId, exec.get(r.workflowId)] as const);
    let why: string | null = null;
    for (const [wf, st] of states) {
      if (!st) continue;
      if (st.workflowTaskAttempt > 10)
        v('b-stuck', `${wf}: workflow task failing (attempt ${st.workflowTaskAttempt})`, c.id);
      for (const t of st.timers)
        if (t < now - 60_000)
          v('b-stuck', `${wf}: timer overdue by ${Math.round((now - t) / 1000)} s`, c.id);
      for (const a of st.activities) pendingActivities.push(`${a.type}#${a.attempt}`);
    }
    // A case never dies and never waits on nobody: a refusal or an outage past the retries is
    // a task for a person, so a running case waits on an open human task or a timer. Anything
    // else (an activity still retrying, work queued for the worker, a hold with no task) is
    // stuck once it outlasts the second check pass; a step caught in flight is not reported.
    const view = views.get(c.id);
    if ((tasksByCase.get(c.id) ?? 0) > 0) why = 'open human task';
    else if (states.some(([, st]) => st && st.timers.some((t) => t >= now - 60_000))) why = 'timer';
    if (why) waits.push(why);
    else {
      const instead = [
        ...new Set(
          states.flatMap(([, st]) => [
            ...(st?.activities ?? []).map((a) => `activity ${a.type}`),
            ...(st && st.workflowTaskAttempt > 0 ? ['workflow task queued'] : []),
          ]),
        ),
        ...(view?.onHold ? ['on hold'] : []),
        ...(view?.disputed ? ['disputed'] : []),
      ];
      v(
        'b-stuck',
        `${c.workflow_id}: running in ${c.stage} with no open human task or timer (${instead.join(', ') || 'nothing pending'}; executions: ${mine.map((m) => m.workflowId).join(', ')})`,
        c.id,
      );
    }
  }
  figures.runningCasesWaitingOn = tally(waits);
  figures.pendingActivitiesAtEnd = tally(pendingActivities);
  figures.pendingWorkflowTasksAtEnd = tally(
    [...exec.values()]
      .filter((st) => st.workflowTaskAttempt > 0)
      .map((st) => `attempt ${st.workflowTaskAttempt}`),
  );

  // ---- (d) each outside effect exactly once ------------------------------------------------
  const byKey = (kind: string) => events.filter((e) => e.type === kind);
  const eventKeys = new Set(events.map((e) => e.event_key));
  const effectsFig: Record<string, unknown> = {};

  // Billing: fees ↔ fee_posted, agreements ↔ agreement_signed.
  const billing = input.sims.billing.effects();
  for (const [k, n] of count([...billing], (e) => `${e.kind}:${e.key}`))
    if (n > 1) v('d-effects', `billing ${k} posted ${n} times`);
  const feeEvents = byKey('fee_posted');
  const feeRefs = count(feeEvents, (e) => String(e.data?.billingReference));
  for (const e of billing.filter((b) => b.kind === 'fee')) {
    if (!eventKeys.has(`${e.key}:fee`))
      v('d-effects', `billing fee ${e.key} has no fee_posted event`);
    if ((feeRefs.get(`fee:${e.key}`) ?? 0) !== 1)
      v('d-effects', `billing fee ${e.key}: ${feeRefs.get(`fee:${e.key}`) ?? 0} fee_posted events`);
  }
  const billingKeys = new Set(billing.map((b) => `${b.kind}:${b.key}`));
  for (const [ref] of feeRefs)
    if (!billingKeys.has(ref)) v('d-effects', `fee_posted ${ref} unknown to billing`);
  const signed = byKey('agreement_signed');
  const signedRefs = count(signed, (e) => String(e.data?.billingReference));
  for (const e of billing.filter((b) => b.kind === 'agreement'))
    if ((signedRefs.get(`agreement:${e.key}`) ?? 0) !== 1)
      v(
        'd-effects',
        `billing agreement ${e.key}: ${signedRefs.get(`agreement:${e.key}`) ?? 0} agreement_signed events`,
      );
  for (const [ref] of signedRefs)
    if (!billingKeys.has(ref)) v('d-effects', `agreement_signed ${ref} unknown to billing`);
  effectsFig.billing = tally(
    billing.map((b) => (b.kind === 'fee' ? `fee:${(b.detail as { kind: string }).kind}` : b.kind)),
  );

  // Field operations: every order ↔ exactly one *_ordered event with the same order id.
  const field = input.sims.fieldOps.effects();
  for (const [k, n] of count([...field], (e) => `${e.kind}:${e.key}`))
    if (n > 1) v('d-effects', `field order ${k} placed ${n} times`);
  const ordered = events.filter(
    (e) => e.type === 'suspension_ordered' || e.type === 'reconnection_ordered',
  );
  const orderedByKey = new Map(ordered.map((e) => [e.event_key, e]));
  for (const e of field.filter((f) => f.kind !== 'cancellation')) {
    const ev = orderedByKey.get(`${e.key}:ordered`);
    if (!ev)
      v('d-effects', `${e.kind} order ${e.orderId} (${e.key}) has no ${e.kind}_ordered event`);
    else if (ev.data?.orderId !== e.orderId)
      v(
        'd-effects',
        `${e.key}: event names order ${String(ev.data?.orderId)}, crews have ${e.orderId}`,
      );
  }
  const fieldKeys = new Set(field.map((f) => `${f.key}:ordered`));
  for (const e of ordered)
    if (!fieldKeys.has(e.event_key)) v('d-effects', `${e.event_key} unknown to field operations`);
  for (const e of field.filter((f) => f.kind === 'cancellation'))
    if (!eventKeys.has(`${e.key}:cancelled`))
      v('d-effects', `cancellation ${e.key} has no field_order_cancelled event`);
  effectsFig.fieldOps = tally(field.map((f) => f.kind));

  // Notaries and banks: one appointment per agreement workflow, one retention order per coactiva.
  const notary = input.sims.notaries.effects();
  for (const [k, n] of count([...notary], (e) => e.key))
    if (n > 1) v('d-effects', `notary ${k} ${n} times`);
  const banks = input.sims.banks.effects();
  for (const [k, n] of count([...banks], (e) => e.key))
    if (n > 1) v('d-effects', `retention ${k} ${n} times`);
  const retentionKeys = new Set(byKey('retention_ordered').map((e) => String(e.data?.key)));
  for (const b of banks)
    if (!retentionKeys.has(b.key))
      v('d-effects', `retention ${b.key} has no retention_ordered event`);
  effectsFig.notaryAppointments = notary.length;
  effectsFig.retentionOrders = banks.length;

  // Notices: e-mail by Message-ID at the SMTP server, SMS by reference in the gateway file.
  const { notices } = snap;
  effectsFig.noticeRows = tally(notices.map((n) => `${n.channel}:${n.status}`));
  const mailById = new Map<string, number[]>();
  for (const m of input.mail)
    mailById.set(m.messageId, [...(mailById.get(m.messageId) ?? []), m.at]);
  const emailIds = new Map(
    notices
      .filter((n) => n.channel === 'email')
      .map((n) => [noticeMessageId(n.id, input.mailFrom), n]),
  );
  const sms: { reference: string; at: number }[] = existsSync(input.smsFile)
    ? readFileSync(input.smsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { reference: string; at: string })
        .map((s) => ({ reference: s.reference, at: Date.parse(s.at) }))
    : [];
  const smsById = new Map<string, number[]>();
  for (const s of sms) smsById.set(s.reference, [...(smsById.get(s.reference) ?? []), s.at]);
  // A copy is explained when the first one landed shortly before the sender died or the
  // database went away (accepted, then no commit): the design resends with the same id.
  const explained = (first: number) =>
    input.interruptions.workerKills.some((k) => first <= k && k - first < 30_000) ||
    input.interruptions.postgresDown.some(([s, e]) => first <= e && s - first < 30_000);
  let resentExplained = 0;
  const copiesCheck = (what: string, id: string, ats: number[]) => {
    if (ats.length <= 1) return;
    const sorted = [...ats].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length - 1; i++) {
      if (explained(sorted[i]!)) resentExplained++;
      else v('d-effects', `${what} ${id} delivered ${ats.length} times without a crash in between`);
    }
  };
  for (const [id, ats] of mailById) {
    const n = emailIds.get(id);
    if (!n) v('d-effects', `e-mail ${id} matches no Notice row`);
    else if (n.status !== 'sent' && n.status !== 'queued')
      v('d-effects', `e-mail ${id} delivered but its notice is ${n.status}`);
    copiesCheck('e-mail', id, ats);
  }
  const noticeById = new Map(notices.map((n) => [n.id, n]));
  for (const [id, ats] of smsById) {
    if (!noticeById.has(id)) v('d-effects', `SMS ${id} matches no Notice row`);
    copiesCheck('SMS', id, ats);
  }
  let acceptedNotCommitted = 0;
  for (const n of notices) {
    if (n.channel === 'letter') continue;
    const got =
      n.channel === 'email'
        ? mailById.get(noticeMessageId(n.id, input.mailFrom))
        : smsById.get(n.id);
    if (n.status === 'sent' && !got)
      v('d-effects', `${n.channel} notice ${n.id} marked sent, never received`);
    if (n.status === 'queued' && got) acceptedNotCommitted++;
    // The suite's SMTP server and SMS gateway accept every recipient: a notice may fail for
    // good only for want of an address. Failing for an outage would lose it.
    if (n.status === 'failed' && !/^La cuenta no tiene/.test(n.last_error ?? ''))
      v('d-effects', `${n.channel} notice ${n.id} failed for good: ${n.last_error ?? '?'}`);
  }
  effectsFig.emailsReceived = input.mail.length;
  effectsFig.emailMessageIds = mailById.size;
  effectsFig.smsReceived = sms.length;
  effectsFig.copiesAfterCrash = resentExplained;
  effectsFig.acceptedButStillQueued = acceptedNotCommitted;
  effectsFig.noticeAttempts = tally(
    notices.filter((n) => n.channel !== 'letter').map((n) => `${n.attempts}`),
  );
  effectsFig.failedNoticeReasons = tally(
    notices.filter((n) => n.status === 'failed').map((n) => n.last_error ?? '?'),
  );

  // Document numbers: gapless per series and year, one per numbering step.
  const { numbers } = snap;
  const { counters } = snap;
  for (const ctr of counters) {
    const mine = numbers
      .filter((n) => n.series === ctr.series && n.year === ctr.year)
      .map((n) => n.number);
    const ok = mine.length === ctr.last && mine.every((n, i) => n === i + 1);
    if (!ok)
      v(
        'd-effects',
        `${ctr.series}-${ctr.year}: ${mine.length} numbers, counter ${ctr.last}, not 1..${ctr.last}`,
      );
  }
  for (const [step, n] of count(
    numbers,
    (x) => `${x.series}:${x.key.slice(0, x.key.lastIndexOf(':'))}`,
  ))
    if (n > 1) v('d-effects', `${step} took ${n} numbers`);
  const titles = byKey('credit_title_issued');
  const titleNumberByCase = new Map<string, string>();
  for (const t of titles) {
    const num = String(t.data?.number);
    const prior = titleNumberByCase.get(num);
    if (prior && prior !== t.case_id)
      v('d-effects', `título ${num} issued to two cases`, t.case_id);
    titleNumberByCase.set(num, t.case_id);
  }
  const { docs } = snap;
  effectsFig.documentNumbers = tally(numbers.map((n) => n.series));
  effectsFig.documents = Object.fromEntries(docs.map((d) => [d.kind, d.n]));
  effectsFig.documentFailures = tally(
    byKey('document_failed').map(
      (e) =>
        `${String(e.data?.kind)}: ${String((e.data?.issues as string[] | undefined)?.join('; '))}`,
    ),
  );
  figures.effects = effectsFig;

  // ---- (e) every cut lawful ----------------------------------------------------------------
  // Each suspension step (child workflow) queues its own prior notice; the crew is ordered only
  // after that notice was delivered and the term counted from the delivery had run. The one
  // exception is a re-cut after an irregular reconnection, whose notice preceded the first cut.
  const lawful = { ordered: 0, afterDelivery: 0, recuts: 0 };
  for (const c of cases) {
    const list = eventsOf.get(c.id) ?? [];
    const keyed = new Map(list.map((e) => [e.event_key, e]));
    for (const e of list) {
      if (e.type !== 'suspension_ordered') continue;
      lawful.ordered++;
      const step = e.event_key.replace(/:suspension-order:ordered$/, '');
      const delivered = keyed.get(`${step}:prior-notice-delivered`);
      const recut = keyed.get(`${step}:recut`);
      const orderedAt = e.occurred_at.getTime();
      if (recut?.type === 'suspension_recut' && recut.occurred_at.getTime() <= orderedAt) {
        lawful.recuts++;
        continue;
      }
      if (delivered?.type !== 'suspension_notice_delivered') {
        const anyDelivered = list.some(
          (d) => d.type === 'suspension_notice_delivered' && d.occurred_at.getTime() <= orderedAt,
        );
        v(
          'e-lawful',
          `${e.event_key}: suspension ordered without its prior notice delivered${anyDelivered ? ' (only an earlier step’s notice was)' : ''}`,
          c.id,
        );
        continue;
      }
      const cutFrom = Date.parse(String(delivered.data?.earliestCutAt));
      const deliveredAt = Date.parse(String(delivered.data?.deliveredAt));
      if (delivered.occurred_at.getTime() > orderedAt)
        v('e-lawful', `${e.event_key}: suspension ordered before its notice was delivered`, c.id);
      else if (!(cutFrom > deliveredAt))
        v(
          'e-lawful',
          `${step}: earliestCutAt ${String(delivered.data?.earliestCutAt)} not after the delivery ${String(delivered.data?.deliveredAt)}`,
          c.id,
        );
      else if (orderedAt < cutFrom)
        v(
          'e-lawful',
          `${e.event_key}: suspension ordered ${Math.round((cutFrom - orderedAt) / 1000)} s before the prior notice's term ran`,
          c.id,
        );
      else lawful.afterDelivery++;
    }
  }
  figures.cuts = lawful;
  figures.events = tally(events.map((e) => e.type));
  return { violations, figures };
}
