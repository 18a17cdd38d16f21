/**
 * Telling a case how its notice ended. Terms that the law starts at notification (the prior
 * notice before a cut, among others) start when a notice is effectively delivered, so the outbox
 * (e-mail and SMS dispatcher, letter confirmations) reports each delivery or final failure to
 * the workflow that queued the notice (`Notice.workflowId`) with `noticeOutcomeSignal`.
 *
 * The signal is a shortcut, not the record: the outcome is committed on the Notice row first,
 * and a workflow waiting for a delivery also reads the outbox on its own every
 * `policy.notices.deliveryCheckInterval` (activities/notices.ts `noticeDelivery`), so a signal
 * lost to a crash only delays the case, never loses the delivery.
 */
import type { Client } from '@temporalio/client';
import { noticeOutcomeSignal, type NoticeOutcome } from '../workflows/messages.js';

/** A notice's outcome, with the workflow to tell. */
export interface NoticeOutcomeReport extends NoticeOutcome {
  workflowId: string | null;
}

/** Receives each delivery or final failure after it is committed. Must not throw. */
export type NoticeOutcomeSink = (report: NoticeOutcomeReport) => Promise<void>;

/** The notice's row key is `<queue key>:<channel>`; the workflow knows the queue key. */
export function queueKeyOf(noticeKey: string): string {
  return noticeKey.slice(0, noticeKey.lastIndexOf(':'));
}

/**
 * Signals the workflow that queued the notice. A workflow that has closed meanwhile (the case
 * ended) or a Temporal outage is not an error here: the row already holds the outcome.
 */
export function temporalNoticeOutcomeSink(
  client: Client,
  onError?: (err: unknown, report: NoticeOutcomeReport) => void,
): NoticeOutcomeSink {
  return async ({ workflowId, ...outcome }) => {
    if (!workflowId) return;
    try {
      await client.workflow.getHandle(workflowId).signal(noticeOutcomeSignal, outcome);
    } catch (err) {
      const name = (err as { name?: string } | null)?.name;
      if (name !== 'WorkflowNotFoundError') onError?.(err, { workflowId, ...outcome });
    }
  };
}
