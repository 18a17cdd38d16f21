/**
 * Delivers the notices that the case workflows queue in the Notice outbox (activities/notices.ts).
 *
 * Each notice is claimed with `SELECT … FOR UPDATE SKIP LOCKED` in its own transaction, sent,
 * and marked in the same transaction, so several dispatchers (one per worker process) never
 * hold the same notice. Delivery is at-least-once: a crash after the SMTP server accepted a
 * message but before the commit sends it again on the next pass, with the same Message-ID
 * (`noticeMessageId`) so the copy is recognisable. Letters are not sent here: they wait in the
 * outbox for the print batch. See docs/notices.md.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { errorWithoutData } from '../api/logging.js';
import { NOTICE_KINDS, type NoticeKind } from '../activities/notices.js';
import {
  classifyMailError,
  noticeMessageId,
  type MailAttachment,
  type Mailer,
  MailError,
} from './mailer.js';
import type { SmsSender } from './sms.js';
import { DEFAULT_UTILITY, htmlFromText, renderNotice, type UtilityInfo } from './templates.js';

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
  /** Notices handled per pass at most. @default 50 */
  batchSize?: number;
  /**
   * Files to attach to an e-mail notice. @default the PDFs stored in the Document table for the
   * step that queued the notice (`sourceEventKey` = the `notice_queued` event key)
   */
  attachmentsFor?: (notice: ClaimedNotice) => Promise<MailAttachment[]>;
}

export interface PassResult {
  sent: number;
  retrying: number;
  failed: number;
}

/** Channels delivered here; letters are left for the print batch. */
const DELIVERED = ['email', 'sms'] as const;

const isNoticeKind = (k: string): k is NoticeKind =>
  (NOTICE_KINDS as readonly string[]).includes(k);

/** The PDFs issued by the step that queued the notice (activities/documents.ts). */
export function storedDocuments(pool: pg.Pool) {
  return async (n: Pick<ClaimedNotice, 'key'>): Promise<MailAttachment[]> => {
    const r = await pool.query<{ fileName: string; bytes: Buffer }>(
      `SELECT "fileName", bytes FROM "Document" WHERE "sourceEventKey" = $1 ORDER BY "createdAt", id`,
      [queuedEventKey(n.key)],
    );
    return r.rows.map((d) => ({
      filename: d.fileName,
      content: d.bytes,
      contentType: 'application/pdf',
    }));
  };
}

/** The key of the `notice_queued` event of a notice (`<step key>:<channel>` → `<step key>:notice`). */
const queuedEventKey = (key: string) => `${key.slice(0, key.lastIndexOf(':'))}:notice`;

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

export function createNoticeDispatcher(deps: DispatcherDeps) {
  const maxAttempts = deps.maxAttempts ?? 8;
  const backoff = deps.backoffSeconds ?? 30;
  const batchSize = deps.batchSize ?? 50;
  const utility = deps.utility ?? DEFAULT_UTILITY;
  const attachmentsFor = deps.attachmentsFor ?? storedDocuments(deps.pool);

  async function claim(db: pg.PoolClient): Promise<ClaimedNotice | undefined> {
    // Oldest never-tried notices first; retried ones once their backoff has passed.
    const r = await db.query<Omit<ClaimedNotice, 'queued'>>(
      `SELECT n.id, n.key, n."caseId", n.kind, n.channel, n.recipient, n.subject, n.body, n.attempts,
              c.stage::text AS stage, a."holderName", a.number AS "accountNumber"
         FROM "Notice" n
         JOIN "Case" c ON c.id = n."caseId"
         JOIN "Account" a ON a.id = c."accountId"
        WHERE n.status = 'queued' AND n.channel::text = ANY($1::text[])
          AND n."createdAt" + make_interval(secs => $2::float8 * (power(2, n.attempts) - 1)) <= now()
        ORDER BY n.attempts, n."createdAt", n.id
        LIMIT 1
        FOR UPDATE OF n SKIP LOCKED`,
      [DELIVERED, backoff],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const ev = await db.query<{ data: unknown }>(
      `SELECT data FROM "CaseEvent" WHERE "eventKey" = $1`,
      [queuedEventKey(row.key)],
    );
    return { ...row, queued: (ev.rows[0]?.data as ClaimedNotice['queued']) ?? null };
  }

  async function deliver(n: ClaimedNotice): Promise<string> {
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
    const attachments = await attachmentsFor(n);
    const receipt = await deps.mailer.send({
      to: n.recipient,
      subject: n.subject,
      text: n.body,
      html,
      ...(attachments.length ? { attachments } : {}),
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
       VALUES ($1, $2, $3, $4::"CaseStage", now(), 'system', $5, $6::jsonb)
       ON CONFLICT ("eventKey") DO NOTHING`,
      [eventKey, n.caseId, type, n.stage, reason, JSON.stringify(data)],
    );
  }

  /** Claims, sends and marks one notice; undefined when none is due. */
  async function handleOne(): Promise<
    { outcome: 'sent' | 'retrying' | 'failed'; unreachable: boolean } | undefined
  > {
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
      await db.query('BEGIN');
      const n = await claim(db);
      if (!n) {
        await db.query('COMMIT');
        return undefined;
      }
      const base = { kind: n.kind, channel: n.channel, recipient: n.recipient, noticeId: n.id };
      try {
        if (!validAddress(n)) throw new NoAddress(n.channel);
        const response = await deliver(n);
        await db.query(
          `UPDATE "Notice" SET status = 'sent', "sentAt" = now(), attempts = attempts + 1, "lastError" = NULL WHERE id = $1`,
          [n.id],
        );
        await record(db, n, `notice:${n.id}:sent`, 'notice_delivered', n.subject, {
          ...base,
          response: response.slice(0, 200),
        });
        await db.query('COMMIT');
        deps.log?.info({ noticeId: n.id, channel: n.channel }, 'notice sent');
        return { outcome: 'sent', unreachable: false };
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
        await db.query(
          `UPDATE "Notice" SET attempts = $2, "lastError" = $3, status = $4::"NoticeStatus" WHERE id = $1`,
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
        return {
          outcome: final ? 'failed' : 'retrying',
          unreachable: e.type === 'smtp_unavailable',
        };
      }
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.off('error', onLost);
      db.release(lost);
    }
  }

  return {
    /**
     * One pass over the due notices. Stops early when the SMTP server cannot be reached, so an
     * outage costs one attempt per pass instead of one per notice.
     */
    async runOnce(): Promise<PassResult> {
      const result: PassResult = { sent: 0, retrying: 0, failed: 0 };
      for (let i = 0; i < batchSize; i++) {
        const r = await handleOne();
        if (!r) break;
        result[r.outcome]++;
        if (r.unreachable) break;
      }
      return result;
    },
  };
}

export type NoticeDispatcher = ReturnType<typeof createNoticeDispatcher>;

/**
 * Runs `dispatcher.runOnce()` every `intervalSeconds` until stopped (passes never overlap).
 * Returns the function that stops it and waits for a pass in flight.
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
    inFlight = dispatcher
      .runOnce()
      .then(
        (r) => {
          if (r.sent + r.failed + r.retrying > 0) log?.info(r, 'notice dispatcher pass');
        },
        (err: unknown) =>
          log?.error({ err: errorWithoutData(err) }, 'notice dispatcher pass failed'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalSeconds * 1000);
      });
  };
  timer = setTimeout(tick, 1000);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await inFlight;
  };
}
