import type { CaseEvent } from '../api.js';
import { formatDateTime, formatMoney } from '../format.js';
import { useI18n } from '../i18n.js';

const MONEY_KEYS = /(amount|balance|paid|total|fee)$/i;

function renderValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (
    MONEY_KEYS.test(key) &&
    (typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)))
  ) {
    return formatMoney(value);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Case events, newest first. */
export function Timeline({ events }: { events: CaseEvent[] }) {
  const { t, tv, locale } = useI18n();
  const sorted = [...events].sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt));
  if (sorted.length === 0) return <p className="muted">{t('case.timeline.empty')}</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {sorted.map((e) => {
        const data = e.data && typeof e.data === 'object' ? Object.entries(e.data) : [];
        return (
          <li
            key={e.id}
            className={`timeline-item event-${e.type}`}
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
                    <dt>{k}</dt>
                    <dd>{renderValue(k, v)}</dd>
                  </div>
                ))}
              </dl>
            )}
          </li>
        );
      })}
    </ol>
  );
}
