/**
 * Notices to users: what a case sends (Spanish notice codes, see docs/domain.md "Naming"), on
 * which channels and where each stands in the outbox (the Notice table's enums).
 */

/** Every notice a case queues, by its Spanish code. */
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

/** How a notice travels (Prisma enum `NoticeChannel`). */
export const NOTICE_CHANNELS = ['email', 'sms', 'letter'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];

/**
 * Where a notice stands in the outbox (Prisma enum `NoticeStatus`): `printed` is a letter out
 * for delivery; `sent` is delivered; `withdrawn` was never sent (its case closed or was paid).
 */
export const NOTICE_STATUSES = ['queued', 'printed', 'sent', 'failed', 'withdrawn'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];
