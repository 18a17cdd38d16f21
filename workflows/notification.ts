/**
 * Notifying a legal document to the debtor in person, by boleta, or by publication once not
 * found (Código Tributario arts. 107–112; COA art. 165): each attempt is a task for the person
 * who notifies, checked against the earlier attempts (domain/credit-title.ts) and recorded on
 * the timeline. Used for the título de crédito and the orden de pago inmediato; the terms they
 * open run from the day after the notification.
 */
import {
  checkNotificationAttempt,
  MAX_NOTIFICATION_ATTEMPTS,
  notificationStatus,
  type NotificationAttempt,
  type NotificationMethod,
} from '../domain/credit-title.js';
import { startOfMinute, type WaitingPeriod } from '../domain/calendar.js';
import type { TaskBoard, TaskOutcome } from './tasks.js';

/** Writes one event: step key suffix, type, and its facts. */
export type NotificationRecorder = (
  step: string,
  type: string,
  e: { actor?: string; reason?: string; data?: Record<string, unknown>; at?: string },
) => Promise<unknown>;

export interface NotificationSpec {
  task: 'notify_credit_title' | 'notify_payment_order';
  sla: WaitingPeriod;
  /** The document as the notifier sees it, e.g. "título de crédito TC-2026-000123". */
  title: (attempt: number) => string;
  /** Facts shown with the task (the document and its number). */
  payload: Record<string, unknown>;
  /** Its number, repeated on every event. */
  number: string;
  /** When the document was issued: no attempt may predate it. */
  issuedAt?: Date;
  /** Event types and step names (the título's keep the names its histories recorded). */
  events: {
    notified: { step: string; type: string };
    exhausted: { step: string; type: string };
    rejected: { step: string; type: string };
    attempt: { step: string; type: string };
  };
}

export type NotificationResult =
  | { notified: true; at: string; method: NotificationMethod; attempts: number }
  | { notified: false; attempts: NotificationAttempt[] };

/** Asks for attempts until the document is notified or the attempts run out. */
export async function notifyDocument(
  board: TaskBoard,
  record: NotificationRecorder,
  spec: NotificationSpec,
): Promise<NotificationResult> {
  const attempts: NotificationAttempt[] = [];
  let rejection: string | null = null;
  let rejections = 0;
  for (;;) {
    const status = notificationStatus(attempts);
    if (status.status === 'notified') {
      await record(spec.events.notified.step, spec.events.notified.type, {
        at: status.at,
        data: { number: spec.number, method: status.method, attempts: attempts.length },
      });
      return { notified: true, at: status.at, method: status.method, attempts: attempts.length };
    }
    if (status.status === 'exhausted') {
      await record(spec.events.exhausted.step, spec.events.exhausted.type, {
        reason: `Sin notificar tras ${status.attempts} intentos`,
        data: { number: spec.number, attempts },
      });
      return { notified: false, attempts };
    }
    const report = (await board.ask({
      type: spec.task,
      sla: spec.sla,
      title: spec.title(status.attempt),
      payload: {
        ...spec.payload,
        attempt: status.attempt,
        maxAttempts: MAX_NOTIFICATION_ATTEMPTS,
        allowedMethods: status.allowedMethods,
        previousAttempts: attempts,
        ...(rejection ? { rejection } : {}),
      },
      // In the validator only: a document cannot be notified before it existed.
      check: (f) =>
        spec.issuedAt && Date.parse(f.at) < startOfMinute(spec.issuedAt.getTime())
          ? 'La notificación no puede ser anterior a la emisión del documento'
          : null,
    })) as TaskOutcome<typeof spec.task>; // asked without interrupt: always answered
    const form = report.form;
    const check = checkNotificationAttempt(attempts, form, new Date());
    if (!check.ok) {
      rejection = `Intento rechazado: ${check.reason}`;
      rejections += 1;
      await record(`${spec.events.rejected.step}:${rejections}`, spec.events.rejected.type, {
        actor: report.by.id,
        reason: check.reason,
        data: { number: spec.number, method: form.method, result: form.result, at: form.at },
      });
      continue;
    }
    rejection = null;
    const attempt: NotificationAttempt = {
      method: form.method,
      result: form.result,
      at: new Date(form.at).toISOString(),
    };
    attempts.push(attempt);
    await record(`${spec.events.attempt.step}:${attempts.length}`, spec.events.attempt.type, {
      at: attempt.at,
      actor: report.by.id,
      ...(form.note !== undefined ? { reason: form.note } : {}),
      data: { number: spec.number, attempt: attempts.length, ...attempt },
    });
  }
}
