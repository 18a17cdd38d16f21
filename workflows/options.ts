/**
 * Activity options shared by the case workflows: timeouts and bounded retries. Business
 * refusals are typed ApplicationFailures marked non-retryable by the activities themselves.
 */
import { CancellationScope, type ActivityOptions } from '@temporalio/workflow';

/**
 * Case store, tasks, notices: our own PostgreSQL. Retried until it answers (every minute once
 * backed off): these writes are idempotent, and a case must outlive any database outage rather
 * than fail when a retry budget runs out. A write that keeps failing shows as a pending
 * activity with its attempt count (Temporal UI, /metrics).
 */
export const STORE_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['CaseConflict'],
  },
};

/** Outside systems (billing, field operations, notaries, banks): slower, idempotent by key. */
export const OUTSIDE_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 30,
    nonRetryableErrorTypes: ['OutsideRejected'],
  },
};

/**
 * Our own short, idempotent writes (case store, tasks, notices) finish even when the step that
 * called them is cancelled: the workflow waits for them and then notices the cancellation, so
 * no write is left half-known and no cancel request races the activity's completion.
 */
export function finishEvenIfCancelled<T extends object>(activities: T): T {
  return new Proxy(activities, {
    get(target, name) {
      const fn = (target as Record<string | symbol, unknown>)[name];
      if (typeof fn !== 'function') return fn;
      return (...args: unknown[]) =>
        CancellationScope.nonCancellable(() =>
          (fn as (...a: unknown[]) => Promise<unknown>)(...args),
        );
    },
  });
}
