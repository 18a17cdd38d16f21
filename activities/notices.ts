/**
 * Notices to users (aviso de cobro, recordatorio, aviso previo de suspensión…) are queued in
 * the Notice outbox, one row per channel, keyed by workflow id + step so a retried activity
 * never queues a notice twice. Delivery (SMTP, SMS gateway) drains the outbox separately.
 */
import type { CaseStage } from '../domain/case.js';
import type { PrismaClient } from '../prisma/client.js';

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

const SUBJECTS: Record<NoticeKind, string> = {
  aviso_cobro: 'Aviso de cobro: valores pendientes de su servicio de agua potable',
  recordatorio: 'Recordatorio de pago de su servicio de agua potable',
  aviso_previo_suspension: 'Aviso previo de suspensión del servicio de agua potable',
  convenio_firmado: 'Su convenio de pago ha sido registrado',
  cuota_vencida: 'Cuota de convenio de pago vencida',
  notificacion_titulo: 'Notificación de título de crédito',
  orden_pago_inmediato: 'Orden de pago inmediato',
};

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

function body(
  kind: NoticeKind,
  holder: string,
  account: string,
  facts: Record<string, string>,
  level: number,
): string {
  const lines = Object.entries(facts).map(([k, v]) => `  ${k}: ${v}`);
  const tone =
    kind === 'recordatorio' && level >= 3
      ? 'Último recordatorio antes de iniciar el proceso de suspensión del servicio.'
      : kind === 'recordatorio' && level === 2
        ? 'Le recordamos nuevamente que su cuenta mantiene valores vencidos.'
        : '';
  return [
    `Estimado/a ${holder}:`,
    '',
    `${SUBJECTS[kind]} (cuenta ${account}).`,
    tone,
    ...lines,
    '',
    'Puede pagar en las ventanillas de la empresa o en las entidades autorizadas. Si ya pagó, ignore este aviso.',
  ]
    .filter((l) => l !== '')
    .join('\n');
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
      const text = body(n.kind, a.holderName, a.number, n.facts, n.level ?? 1);
      await prisma.$transaction([
        prisma.notice.createMany({
          data: channels.map((ch) => ({
            key: `${n.key}:${ch.channel}`,
            caseId: n.caseId,
            kind: n.kind,
            channel: ch.channel,
            recipient: ch.recipient,
            subject: SUBJECTS[n.kind],
            body: text,
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
              reason: SUBJECTS[n.kind],
              data: { kind: n.kind, level: n.level ?? 1, channels: channels.map((x) => x.channel) },
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
