/**
 * Waiting for a notice to be effectively delivered. A term the law starts at notification (the
 * prior notice before a cut) starts when some channel delivered the notice: the SMTP server or
 * SMS gateway accepted it, or a printed letter was confirmed delivered. A queued or failed
 * notice starts nothing.
 *
 * The outbox tells the workflow at once (`noticeOutcomeSignal`, notifications/delivery.ts); the
 * workflow also reads the outbox itself every `policy.notices.deliveryCheckInterval`, so a lost
 * signal only delays it. When no channel delivers — every channel failed, or nothing arrived
 * within `policy.notices.deliveryTaskAfter` — the collector delivers it by hand (in person or by
 * boleta) or reports it impossible, through a `deliver_notice` task.
 */
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import { deadlineAfter, startOfMinute } from '../domain/calendar.js';
import type { Policy } from '../domain/policy.js';
import type { NoticeActivities, NoticeDelivery } from '../activities/notices.js';
import { noticeOutcomeSignal, type NoticeOutcome } from './messages.js';
import { finishEvenIfCancelled, STORE_ACTIVITY_OPTIONS } from './options.js';
import type { StepRecorder } from './outside.js';
import type { TaskBoard } from './tasks.js';

const outbox = finishEvenIfCancelled(proxyActivities<NoticeActivities>(STORE_ACTIVITY_OPTIONS));

/** What the outbox told this workflow about its notices, by queue key. */
export class NoticeWatch {
  private readonly heard = new Map<string, NoticeOutcome[]>();

  constructor() {
    setHandler(noticeOutcomeSignal, (o) => {
      this.heard.set(o.key, [...(this.heard.get(o.key) ?? []), o]);
    });
  }

  /** How many outcomes were heard for a notice (a change means: read the outbox again). */
  count(key: string): number {
    return this.heard.get(key)?.length ?? 0;
  }

  delivered(key: string): boolean {
    return (this.heard.get(key) ?? []).some((o) => o.outcome === 'delivered');
  }
}

export type Delivery =
  | { delivered: true; at: string; channel: string; by: string }
  | { delivered: false; reason: string };

const CHANNEL_NAMES: Record<string, string> = {
  email: 'correo electrónico',
  sms: 'SMS',
  letter: 'carta',
  in_person: 'en persona',
  boleta: 'boleta',
};

function fromOutbox(d: NoticeDelivery): Delivery | null {
  return d.deliveredAt && d.channel
    ? { delivered: true, at: d.deliveredAt, channel: d.channel, by: 'system' }
    : null;
}

/**
 * Waits until the notice queued under `key` is delivered on some channel, or a person says it
 * cannot be. `record` writes timeline events (keys derive from `step`).
 */
export async function awaitDelivery(
  watch: NoticeWatch,
  board: TaskBoard,
  record: StepRecorder,
  policy: Pick<Policy, 'notices' | 'calendar'>,
  notice: { key: string; step: string; label: string },
): Promise<Delivery> {
  // The notice was queued just before this wait began: a delivery cannot predate it.
  const queuedAt = Date.now();
  const taskAt = deadlineAfter(new Date(), policy.notices.deliveryTaskAfter, policy.calendar);
  let last: NoticeDelivery;
  for (let checks = 0; ; checks++) {
    // Counted before the read: an outcome signalled while the read runs wakes the wait at once.
    const heard = watch.count(notice.key);
    last = await outbox.noticeDelivery({ key: notice.key });
    const done = fromOutbox(last);
    if (done) return done;
    if (last.undeliverable || Date.now() >= taskAt.getTime()) break;
    // The outbox's signal is the fast path; these reads only cover a lost one, so they back off
    // (interval, 2×, 4×, up to 8×): a letter that takes days to confirm costs a few dozen
    // checks in the history, not one per interval.
    const interval =
      deadlineAfter(new Date(), policy.notices.deliveryCheckInterval, policy.calendar).getTime() -
      Date.now();
    const checkAt = Date.now() + interval * 2 ** Math.min(checks, 3);
    const wait = Math.max(1, Math.min(checkAt, taskAt.getTime()) - Date.now());
    await condition(() => watch.count(notice.key) > heard, wait);
  }

  const failed = last.channels.map(
    (c) => `${CHANNEL_NAMES[c.channel] ?? c.channel}: ${c.lastError ?? c.status}`,
  );
  await record(
    `${notice.step}:undelivered`,
    'notice_undelivered',
    last.undeliverable
      ? `${notice.label}: ningún canal lo entregó (${failed.join('; ')})`
      : `${notice.label}: sin entrega confirmada en el plazo (${failed.join('; ')})`,
    { key: notice.key, channels: last.channels },
  );
  const outcome = await board.ask(
    {
      type: 'deliver_notice',
      sla: policy.notices.deliveryTaskAfter,
      title: `Entregar en persona: ${notice.label}`,
      payload: { noticeKey: notice.key, label: notice.label, channels: last.channels },
      check: (form) => {
        if (form.outcome !== 'delivered') return null;
        const at = Date.parse(form.deliveredAt);
        if (at > Date.now() + 10 * 60_000) return 'La fecha de entrega no puede ser futura';
        if (at < startOfMinute(queuedAt))
          return 'La entrega no puede ser anterior a la emisión del aviso';
        return null;
      },
    },
    () => watch.delivered(notice.key),
  );
  if (!outcome) {
    // A channel delivered it after all (a letter confirmed) while the task was open.
    const done = fromOutbox(await outbox.noticeDelivery({ key: notice.key }));
    if (done) return done;
    return { delivered: false, reason: 'sin entrega confirmada' };
  }
  if (outcome.form.outcome === 'not_delivered') {
    await record(
      `${notice.step}:not-delivered`,
      'notice_not_delivered',
      `${notice.label}: no se pudo entregar (${outcome.form.reason})`,
      { key: notice.key, reason: outcome.form.reason },
      outcome.by.id,
    );
    return { delivered: false, reason: outcome.form.reason };
  }
  const at = new Date(outcome.form.deliveredAt).toISOString();
  await record(
    `${notice.step}:delivered-by-hand`,
    'notice_delivered_by_hand',
    `${notice.label}: entregado ${CHANNEL_NAMES[outcome.form.method]}`,
    {
      key: notice.key,
      method: outcome.form.method,
      deliveredAt: at,
      note: outcome.form.note ?? null,
    },
    outcome.by.id,
  );
  return { delivered: true, at, channel: outcome.form.method, by: outcome.by.id };
}
