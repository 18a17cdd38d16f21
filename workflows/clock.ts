/**
 * The calendar in force, for the terms a workflow waits on. A case keeps the policy it opened
 * with, except its calendar: holidays are often decreed days before they fall, long after a case
 * opened, and a término counts the business days of the calendar in force while it runs. When a
 * manager changes the calendar, the API tells every running workflow (`calendarChangedSignal`);
 * each term still running is recounted (domain/calendar.ts `recountDeadline`) and the move is
 * written on the case's timeline.
 *
 * Waiting through `LegalClock.until` issues the same timer a plain `sleep` would, so histories
 * recorded before the clock existed replay unchanged.
 */
import { condition, setHandler, sleep } from '@temporalio/workflow';
import { recountDeadline, type WaitingPeriod } from '../domain/calendar.js';
import type { Policy } from '../domain/policy.js';
import { calendarChangedSignal } from './messages.js';

type Calendar = Policy['calendar'];

/** Writes that a term moved: what, from, to (ISO instants), and the policy version. */
export type TermMovedRecorder = (move: {
  what: string;
  from: string;
  to: string;
  policyVersion: number;
}) => Promise<unknown>;

const sameDates = (a: readonly string[] = [], b: readonly string[] = []) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

function sameCalendar(a: Calendar, b: Calendar): boolean {
  const locals = (c: Calendar) => (c.localHolidays ?? []).map((h) => `${h.month}-${h.day}`);
  return (
    sameDates(a.extraHolidays, b.extraHolidays) &&
    sameDates(a.removedHolidays, b.removedHolidays) &&
    sameDates(locals(a), locals(b))
  );
}

export class LegalClock {
  private current: Calendar;
  private changes = 0;
  private policyVersion = 0;

  /** `onChange` lets the workflow compute later deadlines with the new calendar too. */
  constructor(calendar: Calendar, onChange?: (calendar: Calendar) => void) {
    this.current = calendar;
    setHandler(calendarChangedSignal, ({ calendar: next, policyVersion }) => {
      if (sameCalendar(this.current, next)) return;
      this.current = next;
      this.policyVersion = policyVersion;
      this.changes += 1;
      onChange?.(next);
    });
  }

  get calendar(): Calendar {
    return this.current;
  }

  /**
   * Waits until `deadline` (a term of `unit`), recounting it whenever the calendar changes, or
   * until `interrupt()` holds. Returns the deadline reached, or null when interrupted.
   * `minMs` reproduces the plain sleep this replaces (`sleep(Math.max(minMs, …))`).
   */
  async until(
    deadline: Date,
    unit: WaitingPeriod['unit'],
    opts: {
      what: string;
      moved?: TermMovedRecorder;
      interrupt?: () => boolean;
      minMs?: 0 | 1;
    },
  ): Promise<Date | null> {
    let at = deadline;
    let countedWith = this.current;
    const interrupt = opts.interrupt ?? (() => false);
    for (;;) {
      const seen = this.changes;
      const ms = Math.max(opts.minMs ?? 1, at.getTime() - Date.now());
      if (ms === 0) {
        await sleep(0);
        return at;
      }
      const woken = await condition(() => this.changes !== seen || interrupt(), ms);
      if (!woken) return at;
      if (interrupt()) return null;
      const next = recountDeadline(at, unit, new Date(), countedWith, this.current);
      countedWith = this.current;
      if (next.getTime() !== at.getTime()) {
        await opts.moved?.({
          what: opts.what,
          from: at.toISOString(),
          to: next.toISOString(),
          policyVersion: this.policyVersion,
        });
        at = next;
      }
    }
  }

  /** Changes seen so far (a waiter compares it to notice one). */
  get version(): number {
    return this.changes;
  }

  /**
   * A running term counted with `countedWith`, recounted under the calendar in force (for waits
   * that manage their own timers).
   */
  recount(deadline: Date, unit: WaitingPeriod['unit'], countedWith: Calendar): Date {
    return recountDeadline(deadline, unit, new Date(), countedWith, this.current);
  }
}
