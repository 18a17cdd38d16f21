import type { ReactNode } from 'react';
import type { TaskType } from '../api.js';
import { formatDate, formatDateTime, formatMoney } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { Locale } from '../i18n/index.js';
import { pick } from './TaskForm.js';

const MONEY_KEYS = /(amount|balance|paid|total|downPayment|interest|fee)$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T/;

/**
 * Keys people do not need: record links, and the reminder count written when the contact task
 * opens (before the first notice goes out, so it would always read 0; the timeline has them).
 */
const hidden = (k: string) =>
  k === 'id' ||
  /Id$/.test(k) ||
  k === 'orderId' ||
  k === 'remindersSent' ||
  // The outbox's key of a notice (the label names it) and the code of an outside system.
  k === 'noticeKey' ||
  k === 'systemName';

interface Ctx {
  type: TaskType;
  locale: Locale;
  items: (count: number) => string;
}

function label(k: string, ctx: Ctx): string {
  const base = k.replace(/Cents$/, '');
  return pick(ctx.locale, [`payload.${ctx.type}.${k}`, `payload.${k}`, `payload.${base}`, k]);
}

function value(k: string, v: unknown, ctx: Ctx, depth: number): ReactNode {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'number' && /Cents$/.test(k)) return formatMoney(v / 100);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (MONEY_KEYS.test(k) && /^-?\d+(\.\d+)?$/.test(v)) return formatMoney(v);
    if (DATE_ONLY.test(v)) return formatDate(v, ctx.locale);
    if (INSTANT.test(v)) return formatDateTime(v, ctx.locale);
    return v;
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) return v.map(String).join(', ');
    return ctx.items(v.length);
  }
  if (typeof v === 'object' && depth < 2)
    return <Facts obj={v as Record<string, unknown>} ctx={ctx} depth={depth + 1} />;
  return JSON.stringify(v);
}

function Facts({ obj, ctx, depth }: { obj: Record<string, unknown>; ctx: Ctx; depth: number }) {
  // "amountCents" next to "amount" (printed) would say the same twice.
  const entries = Object.entries(obj).filter(
    ([k, v]) =>
      v !== undefined && !hidden(k) && !(/Cents$/.test(k) && k.replace(/Cents$/, '') in obj),
  );
  return (
    <dl className={depth === 0 ? 'facts facts-compact' : 'facts-nested'}>
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{label(k, ctx)}</dt>
          <dd>{value(k, v, ctx, depth)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The first of `keys` the payload has, as text (strings, or `{ message }` objects). */
function firstText(payload: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const v = payload[k];
    if (typeof v === 'string' && v) return v;
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { message?: unknown }).message === 'string'
    )
      return (v as { message: string }).message;
  }
  return null;
}

/**
 * Channels from `["email", …]` or `[{ channel, status, lastError }, …]` (the outbox's view of
 * each channel), with why each failed.
 */
function channelsOf(v: unknown): { channel: string; reason: string | null }[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x: unknown) => {
    if (typeof x === 'string') return [{ channel: x, reason: null }];
    if (
      typeof x === 'object' &&
      x !== null &&
      typeof (x as { channel?: unknown }).channel === 'string'
    ) {
      const o = x as { reason?: unknown; lastError?: unknown; status?: unknown };
      const r = [o.lastError, o.reason, o.status].find((t) => typeof t === 'string' && t);
      return [
        { channel: (x as { channel: string }).channel, reason: typeof r === 'string' ? r : null },
      ];
    }
    return [];
  });
}

/**
 * What a person must read first on the tasks about something that went wrong: which outside
 * system refused which operation and why; which notice no channel delivered; when a debt
 * prescribes. The rest of the payload follows as usual.
 */
function TaskHeadline({ type, payload }: { type: TaskType; payload: Record<string, unknown> }) {
  const { t, tv, locale } = useI18n();
  const none = t('taskHead.none');
  let rows: [string, ReactNode][] = [];
  if (type === 'outside_failure') {
    const system = firstText(payload, ['system']);
    rows = [
      [
        t('payload.system'),
        system ? tv('outsideSystem', system) : (firstText(payload, ['systemName']) ?? none),
      ],
      [t('payload.operation'), firstText(payload, ['what', 'operation', 'step']) ?? none],
      [
        t('payload.errorMessage'),
        firstText(payload, ['message', 'errorMessage', 'error', 'reason']) ?? none,
      ],
    ];
  } else if (type === 'deliver_notice') {
    const kind = firstText(payload, ['noticeKind', 'kind']);
    const failed = channelsOf(payload.failedChannels ?? payload.channels);
    rows = [
      [
        t('payload.notice'),
        firstText(payload, ['label', 'notice']) ?? (kind ? tv('noticeKind', kind) : none),
      ],
      [
        t('payload.failedChannels'),
        failed.length === 0
          ? none
          : failed
              .map((f) => `${tv('channel', f.channel)}${f.reason ? ` (${f.reason})` : ''}`)
              .join(', '),
      ],
    ];
  } else if (type === 'prescription_review') {
    const on = firstText(payload, ['prescribesOn']);
    rows = [[t('payload.prescribesOn'), on ? formatDate(on, locale) : none]];
  }
  if (rows.length === 0) return null;
  return (
    <dl className="facts" data-testid="task-headline">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What the workflow put on the task for the person (proposal, título, amounts…). */
export function PayloadFacts({
  type,
  payload,
}: {
  type: TaskType;
  payload: Record<string, unknown>;
}) {
  const { t, locale } = useI18n();
  const visible = Object.entries(payload).filter(([k, v]) => v !== undefined && !hidden(k));
  const headline = <TaskHeadline type={type} payload={payload} />;
  if (visible.length === 0) return headline;
  const ctx: Ctx = { type, locale, items: (count) => t('task.items', { count }) };
  return (
    <div data-testid="task-payload">
      <h3>{t('task.details')}</h3>
      {headline}
      <Facts obj={payload} ctx={ctx} depth={0} />
    </div>
  );
}
