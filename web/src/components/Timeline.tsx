import type { ReactNode } from 'react';
import type { CaseEvent, TimelineEvent } from '../api.js';
import { formatDate, formatDateTime, formatMoney } from '../format.js';
import { lookup, translate, useI18n } from '../i18n/index.js';
import type { Locale } from '../i18n/index.js';
import { ShortHash } from './CaseDocuments.js';
import { DocumentDownload } from './DocumentDownload.js';

const MONEY_KEYS = /(amount|balance|paid|total|fee|downPayment|interest)$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One entry of the timeline, from either the case detail or the timeline route. */
export interface TimelineEntry {
  id: string;
  type: string;
  stage: string | null;
  occurredAt: string;
  /** Who: a person's name, or a system's. */
  actor: string | null;
  reason: string | null;
  data: unknown;
}

export function fromTimelineEvent(e: TimelineEvent): TimelineEntry {
  return { ...e, actor: e.actor.displayName };
}

export function fromCaseEvent(e: CaseEvent): TimelineEntry {
  return { ...e };
}

const TASK_TYPES = [
  'contact_debtor',
  'approve_agreement',
  'notarise_agreement',
  'suspension_field',
  'reconnection_field',
  'protected_account',
  'validate_credit_title',
  'notify_credit_title',
  'coactiva_intake',
  'coactiva_decision',
];

/** A form choice recorded on an event ("promise_to_pay") in the words of the task forms. */
function choiceLabel(key: string, value: string, locale: Locale): string | undefined {
  for (const type of TASK_TYPES) {
    const text = lookup(locale, `taskOption.${type}.${key}.${value}`);
    if (text) return text;
  }
  return lookup(locale, `taskOption.${key}.${value}`) ?? lookup(locale, `taskType.${value}`);
}

/** Words for the codes notice and document events record (kind, channel). */
function codeLabel(type: string, key: string, value: string, locale: Locale): string | undefined {
  if (key === 'channel') return lookup(locale, `channel.${value}`);
  if (key !== 'kind') return undefined;
  if (type.startsWith('notice_')) return lookup(locale, `noticeKind.${value}`);
  if (type.startsWith('document_')) return lookup(locale, `documentKind.${value}`);
  return undefined;
}

/** The stored document a `document_issued` entry announces, when its data says which. */
function issuedDocument(e: TimelineEntry): { id: string; number: string } | null {
  if (e.type !== 'document_issued' || !e.data || typeof e.data !== 'object') return null;
  const d = e.data as Record<string, unknown>;
  if (typeof d.documentId !== 'string') return null;
  return { id: d.documentId, number: typeof d.number === 'string' ? d.number : d.documentId };
}

function renderValue(key: string, value: unknown, locale: Locale, depth = 0): ReactNode {
  if (value === null || value === undefined) return '—';
  if (key === 'sha256' && typeof value === 'string') return <ShortHash sha256={value} />;
  if (typeof value === 'string' && /^[a-z]+(_[a-z]+)*$/.test(value)) {
    const label = choiceLabel(key, value, locale);
    if (label) return label;
  }
  // The workflows record money as integer cents; the API's decimal strings are dollars.
  if (typeof value === 'number' && (/Cents$/.test(key) || MONEY_KEYS.test(key)))
    return formatMoney(value / 100);
  if (MONEY_KEYS.test(key) && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
    return formatMoney(value);
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  if (typeof value === 'string' && DATE_ONLY.test(value)) return formatDate(value, locale);
  if (typeof value === 'string' && INSTANT.test(value)) return formatDateTime(value, locale);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null))
      return value.map(String).join(', ');
    // Lists of records (instalment schedules, attempts): their size, not raw JSON.
    return translate(locale, 'task.items', { count: value.length });
  }
  if (typeof value === 'object') {
    if (depth > 0) return '…';
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        const label = lookup(locale, `payload.${k.replace(/Cents$/, '')}`) ?? k;
        const shown = renderValue(k, v, locale, depth + 1);
        return `${label}: ${typeof shown === 'string' ? shown : String(shown)}`;
      })
      .join(' · ');
  }
  return String(value);
}

/** Documents (títulos, órdenes, notices) are what the legal unit looks for first. */
function isDocument(type: string): boolean {
  return /title|orden|notice|notif|embargo|remate|retention|agreement|document/.test(type);
}

/** Case events, newest first: what happened, when, who did it and why. */
export function Timeline({ events }: { events: TimelineEntry[] }) {
  const { t, tv, locale } = useI18n();
  const sorted = [...events].sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt));
  if (sorted.length === 0) return <p className="muted">{t('case.timeline.empty')}</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {sorted.map((e) => {
        const data =
          e.data && typeof e.data === 'object' && !Array.isArray(e.data)
            ? Object.entries(e.data as Record<string, unknown>).filter(
                ([k, v]) =>
                  v !== undefined && !(typeof v === 'string' && UUID.test(v) && /Id$/.test(k)),
              )
            : [];
        const doc = issuedDocument(e);
        return (
          <li
            key={e.id}
            className={`timeline-item event-${e.type}${isDocument(e.type) ? ' event-document' : ''}`}
            data-testid="timeline-event"
            data-event-type={e.type}
          >
            <div className="timeline-head">
              <span className="timeline-type">{tv('event', e.type)}</span>
              <time dateTime={e.occurredAt} className="timeline-time">
                {formatDateTime(e.occurredAt, locale)}
              </time>
            </div>
            <div className="timeline-meta">
              {e.stage && (
                <span className={`badge stage-badge stage-${e.stage}`}>{tv('stage', e.stage)}</span>
              )}
              <span>
                {t('case.event.actor')}: {e.actor || t('case.event.system')}
              </span>
            </div>
            {e.reason && (
              <p className="timeline-reason">
                {t('case.event.reason')}: {e.reason}
              </p>
            )}
            {data.length > 0 && (
              <dl className="timeline-data">
                {data.map(([k, v]) => (
                  <div key={k}>
                    <dt>{lookup(locale, `payload.${k.replace(/Cents$/, '')}`) ?? k}</dt>
                    <dd>
                      {(typeof v === 'string' && codeLabel(e.type, k, v, locale)) ||
                        renderValue(k, v, locale)}
                    </dd>
                  </div>
                ))}
              </dl>
            )}
            {doc && (
              <div className="timeline-document">
                <DocumentDownload
                  documentId={doc.id}
                  fileName={`${doc.number}.pdf`}
                  what={doc.number}
                />
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
