/**
 * Notices to users (aviso de cobro, recordatorio, aviso previo de suspensión…) are queued in
 * the Notice outbox, one row per channel, keyed by workflow id + step so a retried activity
 * never queues a notice twice. notifications/dispatcher.ts delivers e-mail and SMS from the outbox.
 */
import type { CaseStage } from '../domain/case.js';
import { renderNotice } from '../notifications/templates.js';
import type { PrismaClient } from '../prisma/client.js';
import { produceNoticeDocument } from './documents.js';

export const NOTICE_KINDS = [
  'aviso_cobro',
  'recordatorio',
  'aviso_previo_suspension',
  'convenio_firmado',
  'cuota_vencida',
  'notificacion_titulo',
  'orden_pago_inmediato',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

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
  };
}

export type NoticeActivities = ReturnType<typeof createNoticeActivities>;
