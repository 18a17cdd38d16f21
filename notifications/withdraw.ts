/**
 * Withdrawing notices that must not go out any more: the case closed, or its debt was paid,
 * while they waited in the outbox. A withdrawn notice keeps its row (status `withdrawn`, the
 * reason in `lastError`) and gets a `notice_withdrawn` event on the case timeline.
 *
 * Two callers: the dispatcher checks the case of every notice it claims, under the notice's row
 * lock (notifications/dispatcher.ts), and the case-closing step calls `withdrawQueuedNotices` so
 * letters waiting for the print batch are withdrawn too. See docs/notices.md.
 */
import { z } from 'zod';
import { NOTICE_CHANNELS, type NoticeChannel } from '../domain/notices.js';

/** Why notices are withdrawn; the text is what managers read on the notice and the timeline. */
export const WITHDRAWAL_REASONS = {
  case_closed: 'Retirado: el caso se cerró antes del envío',
  debt_paid: 'Retirado: la deuda fue pagada antes del envío',
} as const;
export type WithdrawalReason = keyof typeof WITHDRAWAL_REASONS;

/**
 * Where the SQL runs. Any of:
 * - a `pg.Pool`: the withdrawal is one statement, so it is atomic on its own;
 * - a `pg.PoolClient` (or `pg.Client`) inside the caller's `BEGIN … COMMIT`, to withdraw in the
 *   same transaction that closes the case;
 * - a Prisma interactive transaction (`prisma.$transaction(async (tx) => …)`) or the client.
 */
export type SqlRunner =
  | { query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> }
  | { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> };

/** A withdrawn notice. */
export interface WithdrawnNotice {
  id: string;
  kind: string;
  channel: NoticeChannel;
}

const withdrawnSchema = z.array(
  z.object({ id: z.string(), kind: z.string(), channel: z.enum(NOTICE_CHANNELS) }),
);

/**
 * The notices matched by `where` (over `n`, parameters from $3) that are still `queued` or
 * `printed` become `withdrawn` with the reason ($1 text) and each gets its `notice_withdrawn`
 * event (key `notice:<id>:withdrawn`, so a second withdrawal records nothing), in one
 * statement. $2 is the actor of the event.
 */
const withdrawSql = (where: string) => `
  WITH w AS (
    UPDATE "Notice" n SET status = 'withdrawn', "lastError" = $1
     WHERE ${where} AND n.status IN ('queued', 'printed')
    RETURNING n.id, n."caseId", n.kind, n.channel
  ), e AS (
    INSERT INTO "CaseEvent" ("eventKey", "caseId", type, stage, "occurredAt", actor, reason, data)
    SELECT 'notice:' || w.id || ':withdrawn', w."caseId", 'notice_withdrawn', c.stage,
           clock_timestamp(), $2, $1,
           jsonb_build_object('kind', w.kind, 'channel', w.channel, 'noticeId', w.id)
      FROM w JOIN "Case" c ON c.id = w."caseId"
    ON CONFLICT ("eventKey") DO NOTHING
  )
  SELECT w.id::text AS id, w.kind, w.channel::text AS channel FROM w ORDER BY w.channel, w.id`;

async function run(db: SqlRunner, sql: string, values: unknown[]): Promise<WithdrawnNotice[]> {
  const rows =
    'query' in db ? (await db.query(sql, values)).rows : await db.$queryRawUnsafe(sql, ...values);
  return withdrawnSchema.parse(rows);
}

const reasonText = (reason: WithdrawalReason | (string & {})): string =>
  Object.hasOwn(WITHDRAWAL_REASONS, reason)
    ? WITHDRAWAL_REASONS[reason as WithdrawalReason]
    : reason;

const argsSchema = z.object({
  caseId: z.uuid(),
  reason: z.string().trim().min(3).max(300),
});

/**
 * Withdraws every notice of the case still `queued` or `printed` (e-mail, SMS and letters) and
 * records a `notice_withdrawn` event for each; returns those it withdrew. Idempotent: a second
 * call finds nothing left to withdraw.
 *
 * `reason` is `'case_closed'`, `'debt_paid'` or a Spanish text of your own (shown to managers).
 *
 * A notice a dispatcher is sending right now is locked: this waits for that send (one SMTP
 * transaction), then leaves it `sent` if the server took it. Call it in the transaction that
 * closes the case (a PoolClient after BEGIN, or the Prisma `tx`) so no notice is claimed between
 * the closing and the withdrawal; the dispatcher also refuses, at claim time, any notice of a
 * closed case or of one whose balance is 0, so a notice missed here is withdrawn there.
 */
export async function withdrawQueuedNotices(
  db: SqlRunner,
  caseId: string,
  reason: WithdrawalReason | (string & {}),
): Promise<WithdrawnNotice[]> {
  const args = argsSchema.parse({ caseId, reason: reasonText(reason) });
  return run(db, withdrawSql(`n."caseId" = $3::uuid`), [args.reason, 'system', args.caseId]);
}

/**
 * Withdraws one notice the caller holds locked (the dispatcher, at claim time). Returns it, or
 * nothing when it was no longer queued or printed.
 */
export async function withdrawNotice(
  db: SqlRunner,
  noticeId: string,
  reason: WithdrawalReason,
): Promise<WithdrawnNotice | undefined> {
  const [row] = await run(db, withdrawSql(`n.id = $3::uuid`), [
    WITHDRAWAL_REASONS[reason],
    'system',
    noticeId,
  ]);
  return row;
}
