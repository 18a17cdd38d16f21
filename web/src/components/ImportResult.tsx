import type { ImportDetail } from '../api.js';
import { formatDateTime, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';
import type { MessageKey } from '../i18n/index.js';
import { ImportProgress } from './ImportProgress.js';

const COUNTS: [keyof ImportDetail & string, MessageKey][] = [
  ['rowsRead', 'import.count.rowsRead'],
  ['goodRows', 'import.count.goodRows'],
  ['badRows', 'import.count.badRows'],
  ['accountsUpserted', 'import.count.accountsUpserted'],
  ['invoicesChanged', 'import.count.invoicesChanged'],
  ['casesOpened', 'import.count.casesOpened'],
];

export function ImportResult({ detail }: { detail: ImportDetail }) {
  const { t, tv, locale } = useI18n();
  return (
    <div data-testid="import-result" data-status={detail.status}>
      <h2 id="import-result-heading">{t('import.result', { file: detail.fileName })}</h2>
      <p role="status" className="import-status">
        <span className={`badge import-badge import-${detail.status}`} data-testid="import-status">
          {tv('import.status', detail.status)}
        </span>{' '}
        <span className="muted">
          {t('import.startedAt')}: {formatDateTime(detail.startedAt, locale)}
          {detail.finishedAt && (
            <>
              {' · '}
              {t('import.finishedAt')}: {formatDateTime(detail.finishedAt, locale)}
            </>
          )}
        </span>
      </p>

      <ImportProgress detail={detail} />

      {detail.status === 'failed' && (
        <div className="alert alert-error" role="alert" data-testid="import-failure">
          {t('import.failure', { message: detail.failure ?? '' })}
        </div>
      )}

      <dl className="counts" data-testid="import-counts">
        {COUNTS.map(([field, label]) => (
          <div
            key={field}
            className={field === 'badRows' && detail.badRows > 0 ? 'count count-bad' : 'count'}
          >
            <dt>{t(label)}</dt>
            <dd data-testid={`import-count-${field}`}>
              {formatNumber(detail[field] as number, locale)}
            </dd>
          </div>
        ))}
      </dl>

      {detail.errors.length > 0 && (
        <>
          <h3 id="import-errors-heading">{t('import.errors')}</h3>
          {detail.errorsTruncated && (
            <p className="alert alert-warn">{t('import.errors.truncated')}</p>
          )}
          <div
            className="table-wrap table-wrap-tall"
            tabIndex={0}
            role="region"
            aria-labelledby="import-errors-heading"
          >
            <table className="table" data-testid="import-errors">
              <caption className="visually-hidden">{t('import.errors')}</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('import.errors.line')}
                  </th>
                  <th scope="col">{t('import.errors.field')}</th>
                  <th scope="col">{t('import.errors.message')}</th>
                </tr>
              </thead>
              <tbody>
                {detail.errors.map((e, i) => (
                  <tr key={`${e.line}-${e.field ?? ''}-${i}`}>
                    <td className="num">{e.line}</td>
                    <td>{e.field ? <code>{e.field}</code> : t('common.none')}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
