import type { ReactNode } from 'react';
import type { TaskType } from '../api.js';
import { formatDate, formatDateTime, formatMoney } from '../format.js';
import { useI18n } from '../i18n.js';
import type { Locale } from '../i18n.js';
import { pick } from './TaskForm.js';

const MONEY_KEYS = /(amount|balance|paid|total|downPayment|interest|fee)$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T/;

/**
 * Keys people do not need: record links, and the reminder count written when the contact task
 * opens (before the first notice goes out, so it would always read 0; the timeline has them).
 */
const hidden = (k: string) =>
  k === 'id' || /Id$/.test(k) || k === 'orderId' || k === 'remindersSent';

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
  if (visible.length === 0) return null;
  const ctx: Ctx = { type, locale, items: (count) => t('task.items', { count }) };
  return (
    <div data-testid="task-payload">
      <h3>{t('task.details')}</h3>
      <Facts obj={payload} ctx={ctx} depth={0} />
    </div>
  );
}
