/**
 * Notices to users (aviso de cobro, recordatorio, aviso previo de suspensión…) are queued in
 * the Notice outbox, one row per channel, keyed by workflow id + step so a retried activity
 * never queues a notice twice. notifications/dispatcher.ts delivers e-mail and SMS from the outbox.
 */
import { Context } from '@temporalio/activity';
import type { CaseStage } from '../domain/case.js';
import type { NoticeKind } from '../domain/notices.js';
import { renderNotice } from '../notifications/templates.js';
import type { PrismaClient } from '../prisma/client.js';
import { produceNoticeDocument } from './documents.js';

export interface QueueNotice {
  /** Idempotency key: workflow id + step. */
  key: string;
  caseId: string;
  kind: NoticeKind;
  stage: CaseStage;
  /** Escalation level for reminders (1 = first notice); changes the wording. */
  level?: number;
  /** Figures and dates to show (amounts already formatted). */
  facts: Record<string, string>;
}

/** The workflow whose activity this is (told when the notice is delivered); none outside one. */
function callerWorkflowId(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null;
  }
}

/** Where a queued notice stands across its channels (`QueueNotice.key`). */
export interface NoticeDelivery {
  /** ISO instant of the first effective delivery on any channel, or null. */
  deliveredAt: string | null;
  /** The channel that delivered first. */
  channel: 'email' | 'sms' | 'letter' | null;
  /** True when every channel failed or was withdrawn: nothing will deliver it by itself. */
  undeliverable: boolean;
  /** Channels tried, with their status. */
  channels: { channel: 'email' | 'sms' | 'letter'; status: string; lastError: string | null }[];
}

export function createNoticeActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Queues the notice on every channel the account has (letter when there is none). */
    async queueNotice(n: QueueNotice): Promise<{ channels: string[] }> {
      const c = await prisma.case.findUniqueOrThrow({
        where: { id: n.caseId },
        include: { account: true },
      });
      const a = c.account;
      const channels: { channel: 'email' | 'sms' | 'letter'; recipient: string }[] = [];
      if (a.email) channels.push({ channel: 'email', recipient: a.email });
      if (a.phone?.startsWith('09')) channels.push({ channel: 'sms', recipient: a.phone });
      if (channels.length === 0 || n.kind !== 'recordatorio')
        channels.push({ channel: 'letter', recipient: a.address });
      const level = n.level ?? 1;
      // The row keeps the plain text as sent; the facts go on the event so delivery can render
      // the HTML version of the same template (notifications/dispatcher.ts).
      const notice = renderNotice({
        kind: n.kind,
        level,
        holderName: a.holderName,
        accountNumber: a.number,
        facts: n.facts,
      });
      // Aviso de cobro and aviso previo de suspensión also exist as signed PDFs. Stored before the
      // notice rows, so the dispatcher always finds the PDF to attach to the e-mail.
      await produceNoticeDocument(prisma, {
        sourceEventKey: `${n.key}:notice`,
        caseId: n.caseId,
        stage: n.stage,
        at: new Date().toISOString(),
        notice: n.kind,
        ...(n.level ? { level: n.level } : {}),
      });
      await prisma.$transaction([
        prisma.notice.createMany({
          data: channels.map((ch) => ({
            key: `${n.key}:${ch.channel}`,
            caseId: n.caseId,
            kind: n.kind,
            channel: ch.channel,
            recipient: ch.recipient,
            subject: notice.subject,
            body: notice.text,
            workflowId: callerWorkflowId(),
          })),
          skipDuplicates: true,
        }),
        prisma.caseEvent.createMany({
          data: [
            {
              eventKey: `${n.key}:notice`,
              caseId: n.caseId,
              type: 'notice_queued',
              stage: n.stage,
              occurredAt: new Date(),
              actor: 'system',
              reason: notice.subject,
              data: {
                kind: n.kind,
                level,
                channels: channels.map((x) => x.channel),
                facts: n.facts,
              },
            },
          ],
          skipDuplicates: true,
        }),
      ]);
      return { channels: channels.map((x) => x.channel) };
    },

    /** Whether a queued notice has been delivered on some channel (read from the outbox). */
    async noticeDelivery({ key }: { key: string }): Promise<NoticeDelivery> {
      const rows = await prisma.notice.findMany({
        where: { key: { startsWith: `${key}:` } },
        orderBy: [{ deliveredAt: 'asc' }, { createdAt: 'asc' }],
      });
      const mine = rows.filter((r) => r.key.slice(0, r.key.lastIndexOf(':')) === key);
      const delivered = mine.find((r) => r.deliveredAt !== null);
      return {
        deliveredAt: delivered?.deliveredAt?.toISOString() ?? null,
        channel: delivered?.channel ?? null,
        undeliverable:
          mine.length > 0 && mine.every((r) => r.status === 'failed' || r.status === 'withdrawn'),
        channels: mine.map((r) => ({
          channel: r.channel,
          status: r.status,
          lastError: r.lastError,
        })),
      };
    },
  };
}

export type NoticeActivities = ReturnType<typeof createNoticeActivities>;
