/**
 * Steps that depend on a system the case does not control: billing, field operations, notaries,
 * banks, and the case's own child workflows. Their refusals (an account billing does not know, a
 * validation rule) and outages longer than the activity's retries must never fail the case
 * (STYLE habit 4): the failure is written on the timeline and becomes an `outside_failure` task
 * for a manager, who retries the step once the cause is fixed or skips it with a reason. The
 * case waits for that decision and then goes on.
 */
import { allHandlersFinished, condition, isCancellation } from '@temporalio/workflow';
import type { WaitingPeriod } from '../domain/calendar.js';
import type { TaskBoard } from './tasks.js';

/** Who failed: an outside system, or one of the case's own steps (a child workflow). */
export type OutsideSystem = 'billing' | 'field_ops' | 'notaries' | 'banks' | 'cartera';

const SYSTEM_NAMES: Record<OutsideSystem, string> = {
  billing: 'Facturación',
  field_ops: 'Operaciones de campo',
  notaries: 'Notarías',
  banks: 'Bancos',
  cartera: 'Cartera',
};

/** The manager's task is due within a business day: a case is waiting on it. */
const DECISION_SLA: WaitingPeriod = { amount: 1, unit: 'businessDays' };

export interface OutsideStep<T> {
  system: OutsideSystem;
  /** Stable name of the step, unique within the workflow (event keys derive from it). */
  step: string;
  /** What the step does, in Spanish ("Cargo por suspensión a facturación"). */
  what: string;
  run: () => Promise<T>;
}

export type OutsideResult<T> = { done: true; value: T } | { done: false; reason: string };

/** Writes one timeline event of the step: key suffix, type, reason, data, actor. */
export type StepRecorder = (
  step: string,
  type: string,
  reason: string,
  data: Record<string, unknown>,
  actor?: string,
) => Promise<unknown>;

interface FailureFacts {
  /** A business refusal (non-retryable), as opposed to a system that did not answer. */
  refused: boolean;
  type: string | null;
  message: string;
}

/** The innermost typed failure of a cause chain (no instanceof: the sandbox has its own classes). */
export function failureFacts(err: unknown): FailureFacts {
  let type: string | null = null;
  let refused = false;
  let message = String(err);
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const f = e as { type?: unknown; nonRetryable?: unknown; message?: unknown };
    if (typeof f.type === 'string') type = f.type;
    if (f.nonRetryable === true) refused = true;
    if (typeof f.message === 'string' && f.message) message = f.message;
  }
  return { refused: refused || type === 'OutsideRejected', type, message: message.slice(0, 500) };
}

/**
 * Runs `s.run()` until it succeeds or a manager skips it. Cancellation passes through (the case
 * moved on); every other failure is recorded and asked about.
 */
export async function outsideStep<T>(
  board: TaskBoard,
  record: StepRecorder,
  s: OutsideStep<T>,
): Promise<OutsideResult<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { done: true, value: await s.run() };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const f = failureFacts(err);
      const system = SYSTEM_NAMES[s.system];
      await record(
        `${s.step}:failed:${attempt}`,
        s.system === 'cartera'
          ? 'step_failed'
          : f.refused
            ? 'outside_refused'
            : 'outside_unavailable',
        s.system === 'cartera'
          ? `${s.what}: el paso falló (${f.message})`
          : `${s.what}: ${system} ${f.refused ? 'lo rechazó' : 'no respondió'} (${f.message})`,
        { system: s.system, step: s.step, attempt, failureType: f.type, message: f.message },
      );
      const decision = await board.ask({
        type: 'outside_failure',
        sla: DECISION_SLA,
        title: `${system}: ${s.what} no se completó`,
        payload: {
          system: s.system,
          systemName: system,
          step: s.step,
          what: s.what,
          refused: f.refused,
          failureType: f.type,
          message: f.message,
          attempt,
        },
      });
      if (!decision) throw new Error('outside_failure task ended without a decision'); // ask() without interrupt
      await condition(allHandlersFinished);
      if (decision.form.decision === 'retry') {
        await record(
          `${s.step}:retry:${attempt}`,
          'outside_step_retried',
          decision.form.note ?? `${s.what}: se reintenta`,
          { system: s.system, step: s.step, attempt },
          decision.by.id,
        );
        continue;
      }
      await record(
        `${s.step}:skipped`,
        'outside_step_skipped',
        `${s.what}: omitido (${decision.form.reason})`,
        { system: s.system, step: s.step, attempt, reason: decision.form.reason },
        decision.by.id,
      );
      return { done: false, reason: decision.form.reason };
    }
  }
}
