/**
 * Temporal Schedules of the scheduled reports (workflows/reports.ts): the monthly portfolio
 * report and the weekly collector report. Created at start when missing and never overwritten,
 * so an admin's edits (GET/PUT /api/schedules) survive restarts.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type CalendarSpecDescription,
  type Client,
  type Range,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import { MONTHS, DAYS_OF_WEEK } from '@temporalio/client';
import type { ScheduledReport } from '../reports/periods.js';

export const REPORT_TIMEZONE = 'America/Guayaquil';
/** Memo marker of our schedules, so the API lists and edits only these. */
export const REPORT_SCHEDULE_KIND = 'cartera.scheduled_report';

export interface ReportScheduleDef {
  id: string;
  report: ScheduledReport;
  title: string;
  description: string;
  cron: string;
}

export const REPORT_SCHEDULES: readonly ReportScheduleDef[] = [
  {
    id: 'report-monthly-portfolio',
    report: 'monthly_portfolio',
    title: 'Informe mensual de cartera',
    description:
      'El día 1 de cada mes a las 07:00: el informe de cartera (todas las hojas) del mes anterior, por correo a los supervisores.',
    cron: '0 7 1 * *',
  },
  {
    id: 'report-weekly-collectors',
    report: 'weekly_collectors',
    title: 'Informe semanal de gestores',
    description:
      'Los lunes a las 07:00: productividad y recuperación por gestor de la semana anterior (lunes a domingo), por correo a los supervisores.',
    cron: '0 7 * * 1',
  },
];

export interface EnsureReportSchedulesOptions {
  /** Prefix of the schedule ids (tests share one namespace). @default '' */
  idPrefix?: string;
}

/** Creates each report schedule that does not exist yet; returns the ids created. */
export async function ensureReportSchedules(
  client: Client,
  taskQueue: string,
  opts: EnsureReportSchedulesOptions = {},
): Promise<string[]> {
  const created: string[] = [];
  for (const def of REPORT_SCHEDULES) {
    const id = `${opts.idPrefix ?? ''}${def.id}`;
    try {
      await client.schedule.create({
        scheduleId: id,
        spec: { cronExpressions: [def.cron], timezone: REPORT_TIMEZONE },
        action: {
          type: 'startWorkflow',
          workflowType: 'scheduledReportWorkflow',
          workflowId: id,
          taskQueue,
          args: [{ report: def.report }],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
        memo: {
          kind: REPORT_SCHEDULE_KIND,
          report: def.report,
          title: def.title,
          description: def.description,
          taskQueue,
        },
      });
      created.push(id);
    } catch (err) {
      // Already there: keep it as it is (an admin may have changed its cron or paused it).
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  return created;
}

// ---------------------------------------------------------------------------------------------
// Cron expressions

const FIELDS = [
  { name: 'minuto', min: 0, max: 59 },
  { name: 'hora', min: 0, max: 23 },
  { name: 'día del mes', min: 1, max: 31 },
  { name: 'mes', min: 1, max: 12 },
  { name: 'día de la semana', min: 0, max: 6 },
] as const;

const PART = /^(\*|\d{1,2}(?:-\d{1,2})?)(?:\/(\d{1,2}))?$/;

/**
 * Why a 5-field cron expression (minute hour day-of-month month day-of-week, numbers only:
 * `*`, `n`, `a-b`, lists and `/step`) is not valid, or null when it is.
 */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return 'Use 5 campos: minuto hora día-del-mes mes día-de-la-semana';
  for (const [i, field] of fields.entries()) {
    const f = FIELDS[i]!;
    for (const part of field.split(',')) {
      const m = PART.exec(part);
      if (!m) return `Campo ${f.name} no válido: «${field}»`;
      const [a, b] = m[1] === '*' ? [f.min, f.max] : m[1]!.split('-').map(Number);
      const lo = a!;
      const hi = b ?? lo;
      if (lo < f.min || hi > f.max || lo > hi)
        return `Campo ${f.name} fuera de rango (${f.min}–${f.max}): «${field}»`;
      if (m[2] !== undefined && Number(m[2]) < 1) return `Paso no válido en ${f.name}: «${field}»`;
    }
  }
  return null;
}

function rangesToCron<T>(
  ranges: Range<T>[] | undefined,
  toNumber: (v: T) => number,
  min: number,
  max: number,
): string {
  if (!ranges || ranges.length === 0) return '*';
  const parts = ranges.map((r) => {
    const a = toNumber(r.start);
    const b = toNumber(r.end ?? r.start);
    const step = r.step > 1 ? `/${r.step}` : '';
    if (a === min && b === max) return `*${step}`;
    return a === b && !step ? `${a}` : `${a}-${b}${step}`;
  });
  return parts.join(',');
}

/**
 * The server keeps a cron expression as a calendar spec; this writes it back as 5-field cron
 * (equivalent, e.g. `*\/15` comes back as `*\/15`, `1-5` as `1-5`).
 */
export function calendarToCron(c: CalendarSpecDescription): string {
  return [
    rangesToCron(c.minute, Number, 0, 59),
    rangesToCron(c.hour, Number, 0, 23),
    rangesToCron(c.dayOfMonth, Number, 1, 31),
    rangesToCron(c.month, (m) => MONTHS.indexOf(m) + 1, 1, 12),
    rangesToCron(c.dayOfWeek, (d) => DAYS_OF_WEEK.indexOf(d), 0, 6),
  ].join(' ');
}

/** The schedule's cron, or null when its spec is not a single calendar (edited elsewhere). */
export function cronOf(d: ScheduleDescription): string | null {
  const cals = d.spec.calendars ?? [];
  if (cals.length !== 1 || (d.spec.intervals?.length ?? 0) > 0) return null;
  return calendarToCron(cals[0]!);
}

/** True when the schedule is one of our report schedules for this task queue. */
export function isReportSchedule(d: ScheduleDescription, taskQueue: string): boolean {
  return (
    d.memo?.kind === REPORT_SCHEDULE_KIND &&
    d.action.workflowType === 'scheduledReportWorkflow' &&
    d.action.taskQueue === taskQueue
  );
}

export interface ReportScheduleChange {
  cron?: string | undefined;
  paused?: boolean | undefined;
  note?: string | undefined;
}

/** Applies an admin's change: the cron (timezone kept), then pause or unpause. */
export async function changeReportSchedule(
  handle: ScheduleHandle,
  change: ReportScheduleChange,
): Promise<void> {
  const cron = change.cron;
  if (cron !== undefined)
    await handle.update((prev) => ({
      ...prev,
      spec: { cronExpressions: [cron.trim()], timezone: prev.spec.timezone ?? REPORT_TIMEZONE },
    }));
  if (change.paused === true) await handle.pause(change.note ?? 'Pausado por un administrador');
  if (change.paused === false)
    await handle.unpause(change.note ?? 'Reanudado por un administrador');
}
