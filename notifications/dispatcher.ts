/**
 * Delivers the notices that the case workflows queue in the Notice outbox (activities/notices.ts).
 *
 * Each notice is claimed with `SELECT … FOR UPDATE SKIP LOCKED` in its own transaction, sent,
 * and marked in the same transaction, so several dispatchers (one per worker process) never
 * hold the same notice. Several notices are in flight at once (`concurrency`, each on its own
 * connection and transaction) over pooled SMTP connections. Delivery is at-least-once: a crash
 * after the SMTP server accepted a message but before the commit sends it again on the next
 * pass, with the same Message-ID (`noticeMessageId`) so the copy is recognisable. A notice whose
 * case has closed or been paid meanwhile is withdrawn at claim time, never sent. Letters are not
 * sent here: they wait in the outbox for the print batch. See docs/notices.md.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { errorWithoutData } from '../api/logging.js';
import { NOTICE_KINDS, type NoticeKind } from '../domain/notices.js';
import { queueKeyOf, type NoticeOutcomeReport, type NoticeOutcomeSink } from './delivery.js';
import {
  classifyMailError,
  noticeMessageId,
  type MailAttachment,
  type Mailer,
  MailError,
} from './mailer.js';
import type { SmsSender } from './sms.js';
import { DEFAULT_UTILITY, htmlFromText, renderNotice, type UtilityInfo } from './templates.js';
import { withdrawNotice, type WithdrawalReason } from './withdraw.js';

/** A notice row as the dispatcher reads it, with what the templates need. */
export interface ClaimedNotice {
  id: string;
  key: string;
  caseId: string;
  kind: string;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
  stage: string;
  holderName: string;
  accountNumber: string;
  /** The workflow that queued it (told the outcome), when known. */
  workflowId: string | null;
  /** Data of the `notice_queued` event (kind, level, facts), when recorded. */
  queued: { level?: number; facts?: Record<string, string> } | null;
}

export interface DispatcherDeps {
  pool: pg.Pool;
  mailer: Mailer;
  sms: SmsSender;
  /** Sender address, for the Message-ID domain. */
  from: string;
  log?: Logger;
  utility?: UtilityInfo;
  /** Failed attempts after which a notice is marked failed. @default 8 */
  maxAttempts?: number;
  /**
   * Backoff base in seconds: attempt n+1 is due `base × (2ⁿ − 1)` seconds after the notice was
   * queued (30 s, 1.5 min, 3.5 min … about an hour for 8 attempts). @default 30
   */
  backoffSeconds?: number;
  /** Notices claimed per pass at most. @default 200 */
  batchSize?: number;
  /**
   * Notices in flight at once, each holding one pool connection while it is sent. A pass starts
   * with one and opens up once the SMTP server has answered, so an outage still costs one
   * attempt per pass. @default 4
   */
  concurrency?: number;
  /**
   * Files to attach to an e-mail notice. @default the PDF stored in the Document table for the
   * step that queued the notice (`sourceEventKey` = the `notice_queued` event key), read with
   * the claim
   */
  attachmentsFor?: (notice: ClaimedNotice) => Promise<MailAttachment[]>;
  /**
   * Told each delivery and each final failure once its row is committed (the workflow that
   * queued the notice waits for it: notifications/delivery.ts). Called without waiting for it;
   * a failure is logged, never thrown into the dispatcher.
   */
  onOutcome?: NoticeOutcomeSink;
}

export interface PassResult {
  sent: number;
  retrying: number;
  failed: number;
  /** Withdrawn at claim time: the case closed or its debt was paid. */
  withdrawn: number;
  /** The pass used its whole batch: more notices may be due now (the loop runs again at once). */
  backlog: boolean;
}

/** Channels delivered here; letters are left for the print batch. */
const DELIVERED = ['email', 'sms'] as const;

const isNoticeKind = (k: string): k is NoticeKind =>
  (NOTICE_KINDS as readonly string[]).includes(k);

/** Timeline instants as Prisma stores them: UTC in `timestamp(3)` columns. */
const NOW_UTC = `(clock_timestamp() AT TIME ZONE 'UTC')`;

/** `<queue key>:<channel>` → `<queue key>:notice`: the `notice_queued` event and its PDF. */
const QUEUED_EVENT_KEY_SQL = `regexp_replace(n.key, ':[^:]*$', ':notice')`;

/**
 * The due notices of a pass, oldest never-tried first, retried ones once their backoff has
 * passed. Read without locks: each one is then claimed on its own (`claimSql`), which re-checks it.
 * One sort of the queue per pass instead of one per notice.
 */
const DUE_SQL = `
  SELECT id FROM "Notice"
   WHERE status = 'queued' AND channel::text = ANY($1::text[])
     AND "createdAt" + make_interval(secs => $2::float8 * (power(2, attempts) - 1)) <= now()
   ORDER BY attempts, "createdAt", id
   LIMIT $3`;

/**
 * Opens the transaction and claims one notice if it is still queued and due, with everything
 * the send needs: the case (stage, and whether it closed or was paid), the account, the
 * `notice_queued` event's facts and the stored PDF. A notice locked by another dispatcher is
 * skipped. The case row is held FOR KEY SHARE until the commit: its closing (which takes the
 * row FOR UPDATE) waits for a send in flight instead of deadlocking with the delivery event's
 * foreign key, and a notice of a case whose closing is in flight is skipped.
 *
 * BEGIN and the claim go in one simple-protocol query (values inlined as literals): each round
 * trip to PostgreSQL costs milliseconds on a busy machine (bench:notices), and every notice
 * pays this one.
 */
function claimSql(db: pg.PoolClient, id: string, backoffSeconds: number): string {
  if (!UUID.test(id) || !Number.isFinite(backoffSeconds)) throw new Error('bad claim arguments');
  return `BEGIN;
  SELECT n.id, n.key, n."caseId", n.kind, n.channel::text AS channel, n.recipient, n.subject,
         n.body, n.attempts, n."workflowId", c.stage::text AS stage, c.status::text AS "caseStatus",
         c."balanceCents", a."holderName", a.number AS "accountNumber", ev.data AS queued,
         d."fileName" AS "documentName", d.bytes AS "documentBytes"
    FROM "Notice" n
    JOIN "Case" c ON c.id = n."caseId"
    JOIN "Account" a ON a.id = c."accountId"
    LEFT JOIN "CaseEvent" ev ON ev."eventKey" = ${QUEUED_EVENT_KEY_SQL}
    LEFT JOIN "Document" d ON n.channel = 'email' AND d."sourceEventKey" = ${QUEUED_EVENT_KEY_SQL}
   WHERE n.id = ${db.escapeLiteral(id)}::uuid AND n.status = 'queued' AND n.channel IN ('email', 'sms')
     AND n."createdAt" + make_interval(secs => ${backoffSeconds}::float8 * (power(2, n.attempts) - 1)) <= now()
     FOR UPDATE OF n SKIP LOCKED
     FOR KEY SHARE OF c SKIP LOCKED`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Marks a notice delivered, records its event and commits, in one simple-protocol query (one
 * round trip, as for the claim); the first result holds the instant of the delivery.
 */
function markSentSql(db: pg.PoolClient, n: ClaimedNotice, data: Record<string, unknown>): string {
  const lit = (v: string) => db.escapeLiteral(v);
  // Milliseconds, as the timestamp(3) columns keep it: the report carries the stored instant.
  return `WITH t AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS at),
  u AS (
    UPDATE "Notice" SET status = 'sent', "sentAt" = t.at AT TIME ZONE 'UTC',
           "deliveredAt" = t.at AT TIME ZONE 'UTC', attempts = attempts + 1, "lastError" = NULL
      FROM t WHERE id = ${lit(n.id)}::uuid
    RETURNING t.at
  ), e AS (
    INSERT INTO "CaseEvent" ("eventKey", "caseId", type, stage, "occurredAt", actor, reason, data)
    SELECT ${lit(`notice:${n.id}:sent`)}, ${lit(n.caseId)}::uuid, 'notice_delivered',
           ${lit(n.stage)}::"CaseStage", t.at AT TIME ZONE 'UTC', 'system', ${lit(n.subject)},
           ${lit(JSON.stringify(data))}::jsonb
      FROM t
    ON CONFLICT ("eventKey") DO NOTHING
  )
  SELECT at FROM u;
  COMMIT`;
}

/** The results of a multi-statement simple query, one per statement. */
async function multi<R extends pg.QueryResultRow>(
  db: pg.PoolClient,
  sql: string,
): Promise<pg.QueryResult<R>[]> {
  return (await db.query(sql)) as unknown as pg.QueryResult<R>[];
}

interface ClaimRow extends Omit<ClaimedNotice, 'queued'> {
  queued: unknown;
  caseStatus: string;
  balanceCents: number;
  documentName: string | null;
  documentBytes: Buffer | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MOBILE = /^\+?\d{9,15}$/;

function validAddress(n: ClaimedNotice): boolean {
  const to = n.recipient.trim();
  return n.channel === 'email' ? EMAIL.test(to) : MOBILE.test(to.replace(/[\s-]/g, ''));
}

/** The account has no usable address for the notice's channel: nothing to retry. */
class NoAddress extends Error {
  constructor(channel: string) {
    super(
      channel === 'email'
        ? 'La cuenta no tiene un correo electrónico válido'
        : 'La cuenta no tiene un número de celular válido',
    );
  }
}

/** Why a claimed notice must not go out any more, if so. */
function withdrawalReason(row: ClaimRow): WithdrawalReason | null {
  if (row.balanceCents <= 0) return 'debt_paid';
  if (row.caseStatus === 'closed') return 'case_closed';
  return null;
}

/** What one claim came to. */
interface Handled {
  outcome: 'sent' | 'retrying' | 'failed' | 'withdrawn';
  /** The SMTP server could not be reached: the pass stops. */
  unreachable: boolean;
  /** The SMTP server answered (accepted or refused): it is there, more may go at once. */
  answered: boolean;
  /** To tell the queuing workflow, after the commit. */
  report?: NoticeOutcomeReport;
}

/** Outcome reports in flight at most; beyond, one is dropped (the row holds the outcome). */
const MAX_PENDING_REPORTS = 1000;

export function createNoticeDispatcher(deps: DispatcherDeps) {
  const maxAttempts = deps.maxAttempts ?? 8;
  const backoff = deps.backoffSeconds ?? 30;
  const batchSize = deps.batchSize ?? 200;
  const concurrency = Math.max(1, deps.concurrency ?? 4);
  const utility = deps.utility ?? DEFAULT_UTILITY;
  const pendingReports = new Set<Promise<void>>();

  async function claim(
    db: pg.PoolClient,
    id: string,
  ): Promise<{ notice: ClaimedNotice; row: ClaimRow } | undefined> {
    const [, r] = await multi<ClaimRow>(db, claimSql(db, id, backoff));
    const row = r?.rows[0];
    if (!row) return undefined;
    const notice: ClaimedNotice = {
      id: row.id,
      key: row.key,
      caseId: row.caseId,
      kind: row.kind,
      channel: row.channel,
      recipient: row.recipient,
      subject: row.subject,
      body: row.body,
      attempts: row.attempts,
      stage: row.stage,
      holderName: row.holderName,
      accountNumber: row.accountNumber,
      workflowId: row.workflowId,
      queued: (row.queued as ClaimedNotice['queued']) ?? null,
    };
    return { notice, row };
  }

  async function attachments(n: ClaimedNotice, row: ClaimRow): Promise<MailAttachment[]> {
    if (deps.attachmentsFor) return deps.attachmentsFor(n);
    return row.documentName && row.documentBytes
      ? [{ filename: row.documentName, content: row.documentBytes, contentType: 'application/pdf' }]
      : [];
  }

  async function deliver(n: ClaimedNotice, row: ClaimRow): Promise<string> {
    if (n.channel === 'sms') {
      const text = isNoticeKind(n.kind)
        ? renderNotice(
            {
              kind: n.kind,
              level: n.queued?.level ?? 1,
              holderName: n.holderName,
              accountNumber: n.accountNumber,
              facts: n.queued?.facts ?? {},
            },
            utility,
          ).sms
        : `${utility.name}: ${n.subject}. Cuenta ${n.accountNumber}.`;
      await deps.sms.send({ to: n.recipient, text, reference: n.id });
      return 'SMS entregado al proveedor';
    }
    const html =
      isNoticeKind(n.kind) && n.queued?.facts
        ? renderNotice(
            {
              kind: n.kind,
              level: n.queued.level ?? 1,
              holderName: n.holderName,
              accountNumber: n.accountNumber,
              facts: n.queued.facts,
            },
            utility,
          ).html
        : htmlFromText(n.subject, n.body, utility);
    const files = await attachments(n, row);
    const receipt = await deps.mailer.send({
      to: n.recipient,
      subject: n.subject,
      text: n.body,
      html,
      ...(files.length ? { attachments: files } : {}),
      messageId: noticeMessageId(n.id, deps.from),
    });
    if (receipt.accepted.length === 0)
      throw new MailError('smtp_rejected', `Destinatario rechazado: ${receipt.response}`);
    return receipt.response;
  }

  async function record(
    db: pg.PoolClient,
    n: ClaimedNotice,
    eventKey: string,
    type: string,
    reason: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    // eventKey is unique: the same delivery result is never recorded twice.
    await db.query(
      `INSERT INTO "CaseEvent" ("eventKey", "caseId", type, stage, "occurredAt", actor, reason, data)
       VALUES ($1, $2, $3, $4::"CaseStage", ${NOW_UTC}, 'system', $5, $6::jsonb)
       ON CONFLICT ("eventKey") DO NOTHING`,
      [eventKey, n.caseId, type, n.stage, reason, JSON.stringify(data)],
    );
  }

  /** Claims, sends and marks one notice; undefined when it is no longer queued and due. */
  async function handleOne(id: string): Promise<Handled | undefined> {
    const db = await deps.pool.connect();
    // The row lock is held while the message is sent, with no query running on the connection:
    // if PostgreSQL goes away meanwhile, the client reports it as an 'error' event, which would
    // end the process if nobody listened. The next query fails instead, the transaction is
    // lost (the notice stays queued: resent later with the same Message-ID), and the broken
    // connection is discarded, not returned to the pool.
    let lost: Error | undefined;
    const onLost = (err: Error) => {
      lost = err;
    };
    db.on('error', onLost);
    try {
      const claimed = await claim(db, id);
      if (!claimed) {
        await db.query('COMMIT');
        return undefined;
      }
      const { notice: n, row } = claimed;
      // Checked under the row lock: a notice of a closed or paid case never goes out.
      const gone = withdrawalReason(row);
      if (gone) {
        await withdrawNotice(db, n.id, gone);
        await db.query('COMMIT');
        deps.log?.info({ noticeId: n.id, channel: n.channel, reason: gone }, 'notice withdrawn');
        return { outcome: 'withdrawn', unreachable: false, answered: false };
      }
      const base = { kind: n.kind, channel: n.channel, recipient: n.recipient, noticeId: n.id };
      const told = { workflowId: n.workflowId, key: queueKeyOf(n.key), channel: n.channel };
      let response: string;
      try {
        if (!validAddress(n)) throw new NoAddress(n.channel);
        response = await deliver(n, row);
      } catch (err) {
        const missing = err instanceof NoAddress;
        const e = err instanceof MailError ? err : classifyMailError(err);
        const attempts = n.attempts + 1;
        const final = missing || e.type === 'smtp_rejected' || attempts >= maxAttempts;
        const reason = missing
          ? err.message
          : attempts >= maxAttempts && e.type !== 'smtp_rejected'
            ? `${e.message} (${attempts} intentos)`
            : e.message;
        const marked = await db.query<{ at: Date }>(
          `UPDATE "Notice" SET attempts = $2, "lastError" = $3, status = $4::"NoticeStatus" WHERE id = $1
           RETURNING date_trunc('milliseconds', clock_timestamp()) AS at`,
          [n.id, attempts, reason, final ? 'failed' : 'queued'],
        );
        if (final) {
          // A notice requeued by a manager may fail again: number each failure (we hold the row).
          const prior = await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "CaseEvent" WHERE "eventKey" LIKE $1`,
            [`notice:${n.id}:failed:%`],
          );
          const nth = (prior.rows[0]?.n ?? 0) + 1;
          await record(db, n, `notice:${n.id}:failed:${nth}`, 'notice_failed', reason, {
            ...base,
            attempts,
          });
        }
        await db.query('COMMIT');
        // The reason stays on the notice row; an SMTP refusal quotes the recipient, so the log
        // line carries only its kind and code.
        deps.log?.warn(
          {
            noticeId: n.id,
            attempts,
            reason: missing ? 'no_address' : e.type,
            smtpCode: e.responseCode,
          },
          'notice not sent',
        );
        const unreachable = !missing && e.type === 'smtp_unavailable';
        return {
          outcome: final ? 'failed' : 'retrying',
          unreachable,
          answered: n.channel === 'email' && !missing && !unreachable,
          ...(final
            ? {
                report: {
                  ...told,
                  outcome: 'failed' as const,
                  at: marked.rows[0]!.at.toISOString(),
                  reason,
                },
              }
            : {}),
        };
      }
      // Outside the catch above: a database error here is not the server's refusal. The pass
      // fails, the notice stays queued and goes out again later with the same Message-ID.
      const [marked] = await multi<{ at: Date }>(
        db,
        markSentSql(db, n, { ...base, response: response.slice(0, 200) }),
      );
      deps.log?.info({ noticeId: n.id, channel: n.channel }, 'notice sent');
      return {
        outcome: 'sent',
        unreachable: false,
        answered: n.channel === 'email',
        report: { ...told, outcome: 'delivered', at: marked!.rows[0]!.at.toISOString() },
      };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.off('error', onLost);
      db.release(lost);
    }
  }

  /** Tells the queuing workflow, without holding up the pass; never throws. */
  function tell(report: NoticeOutcomeReport): void {
    const sink = deps.onOutcome;
    if (!sink) return;
    if (pendingReports.size >= MAX_PENDING_REPORTS) {
      // The sink is stuck (Temporal unreachable): the workflow reads the outbox on its own.
      deps.log?.warn(
        { channel: report.channel, outcome: report.outcome },
        'notice outcome dropped',
      );
      return;
    }
    const p = (async () => {
      try {
        await sink(report);
      } catch (err) {
        // No workflow id or reason in the log: both can carry personal data.
        deps.log?.warn(
          { err: errorWithoutData(err), channel: report.channel, outcome: report.outcome },
          'notice outcome not reported',
        );
      }
    })();
    pendingReports.add(p);
    void p.finally(() => pendingReports.delete(p));
  }

  return {
    /**
     * One pass over the due notices (at most `batchSize`), up to `concurrency` at a time. It
     * starts with one notice in flight and opens up once the SMTP server has answered; it stops
     * claiming when the server cannot be reached, so an outage costs one attempt per pass
     * instead of one per notice (or up to `concurrency` when the server goes away mid-pass).
     */
    async runOnce(): Promise<PassResult> {
      const result: PassResult = { sent: 0, retrying: 0, failed: 0, withdrawn: 0, backlog: false };
      const due = await deps.pool.query<{ id: string }>(DUE_SQL, [DELIVERED, backoff, batchSize]);
      const ids = due.rows.map((r) => r.id);
      let next = 0;
      let halt = false;
      let failure: unknown;
      const workers: Promise<void>[] = [];
      const work = async (): Promise<void> => {
        while (!halt && next < ids.length) {
          const id = ids[next++]!;
          try {
            const r = await handleOne(id);
            if (!r) continue; // taken by another dispatcher, or no longer due
            result[r.outcome]++;
            if (r.report) tell(r.report);
            if (r.unreachable) halt = true;
            else if (r.answered) while (workers.length < concurrency) workers.push(work());
          } catch (err) {
            halt = true;
            failure ??= err;
          }
        }
      };
      workers.push(work());
      // Workers are added while the first ones run.
      for (let i = 0; i < workers.length; i++) await workers[i];
      if (failure !== undefined) throw failure;
      result.backlog = !halt && ids.length === batchSize;
      return result;
    },

    /** Waits for the outcome reports still in flight (before the process stops). */
    async settle(): Promise<void> {
      while (pendingReports.size > 0) await Promise.all([...pendingReports]);
    },
  };
}

export type NoticeDispatcher = ReturnType<typeof createNoticeDispatcher>;

/**
 * Runs `dispatcher.runOnce()` until stopped (passes never overlap): the next pass starts at once
 * while passes come back full (a backlog), `intervalSeconds` after one that was not. Returns the
 * function that stops it and waits for a pass in flight and the outcome reports.
 */
export function runDispatcherLoop(
  dispatcher: NoticeDispatcher,
  intervalSeconds: number,
  log?: Logger,
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = () => {
    let again = false;
    inFlight = dispatcher
      .runOnce()
      .then(
        (r) => {
          again = r.backlog;
          if (r.sent + r.failed + r.retrying + r.withdrawn > 0)
            log?.info(r, 'notice dispatcher pass');
        },
        (err: unknown) =>
          log?.error({ err: errorWithoutData(err) }, 'notice dispatcher pass failed'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, again ? 0 : intervalSeconds * 1000);
      });
  };
  timer = setTimeout(tick, 1000);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await inFlight;
    await dispatcher.settle();
  };
}
