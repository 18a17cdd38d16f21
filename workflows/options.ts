/**
 * Activity options shared by the case workflows: timeouts and bounded retries. Business
 * refusals are typed ApplicationFailures marked non-retryable by the activities themselves.
 */
import type { ActivityOptions } from '@temporalio/workflow';

/** Case store, tasks, notices: our own PostgreSQL. Retries for up to ~1 hour of outage. */
export const STORE_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 60,
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
