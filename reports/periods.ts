/**
 * Periods of the scheduled reports, from the time the schedule fired: the previous calendar
 * month (monthly portfolio report) or the previous ISO week, Monday to Sunday (weekly collector
 * report), in America/Guayaquil local dates. Pure: the report workflow imports it.
 */
import { addCalendarDays, dayOfWeek, toLocalDate, type LocalDate } from '../domain/calendar.js';

export const SCHEDULED_REPORTS = ['monthly_portfolio', 'weekly_collectors'] as const;
export type ScheduledReport = (typeof SCHEDULED_REPORTS)[number];

export interface ReportPeriod {
  /** First day (inclusive). */
  from: LocalDate;
  /** Last day (inclusive). */
  to: LocalDate;
  /** The local date of the run: balances and ages are measured on it. */
  today: LocalDate;
}

/** The calendar month before the one `at` falls in (Guayaquil). */
export function previousMonth(at: Date): ReportPeriod {
  const today = toLocalDate(at);
  const firstOfThisMonth = `${today.slice(0, 8)}01`;
  const to = addCalendarDays(firstOfThisMonth, -1);
  return { from: `${to.slice(0, 8)}01`, to, today };
}

/** The ISO week (Monday–Sunday) before the one `at` falls in (Guayaquil). */
export function previousIsoWeek(at: Date): ReportPeriod {
  const today = toLocalDate(at);
  // dayOfWeek: 0 = Sunday; ISO weeks start on Monday.
  const sinceMonday = (dayOfWeek(today) + 6) % 7;
  const thisMonday = addCalendarDays(today, -sinceMonday);
  return { from: addCalendarDays(thisMonday, -7), to: addCalendarDays(thisMonday, -1), today };
}

export function reportPeriod(report: ScheduledReport, at: Date): ReportPeriod {
  return report === 'monthly_portfolio' ? previousMonth(at) : previousIsoWeek(at);
}

/** Idempotency key of one report run: the same run of the same report and period sends once. */
export function reportRunKey(runId: string, report: ScheduledReport, p: ReportPeriod): string {
  return `${runId}:${report}:${p.from}_${p.to}`;
}
