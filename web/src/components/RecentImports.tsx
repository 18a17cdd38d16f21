import type { ImportSummary } from '../api.js';
import { formatDateTime, formatNumber } from '../format.js';
import { useI18n } from '../i18n/index.js';

export function RecentImports({
  items,
  currentId,
}: {
  items: ImportSummary[];
  currentId: string | null;
}) {
  const { t, tv, locale } = useI18n();
  if (items.length === 0) return <p className="muted">{t('import.recent.empty')}</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="recent-heading">
      <table className="table" data-testid="recent-imports">
        <caption className="visually-hidden">{t('import.recent')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('import.recent.file')}</th>
            <th scope="col">{t('import.recent.status')}</th>
            <th scope="col">{t('import.startedAt')}</th>
            <th scope="col" className="col-optional">
              {t('import.finishedAt')}
            </th>
            <th scope="col" className="num">
              {t('import.count.rowsRead')}
            </th>
            <th scope="col" className="num">
              {t('import.count.goodRows')}
            </th>
            <th scope="col" className="num">
              {t('import.count.badRows')}
            </th>
            <th scope="col" className="num">
              {t('import.count.casesOpened')}
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((imp) => (
            <tr
              key={imp.id}
              aria-current={String(imp.id) === currentId ? 'true' : undefined}
              data-testid="recent-import-row"
            >
              <td>
                <a
                  href={`#/imports/${encodeURIComponent(imp.id)}`}
                  aria-label={t('import.recent.view', { file: imp.fileName })}
                >
                  {imp.fileName}
                </a>
              </td>
              <td>
                <span className={`badge import-badge import-${imp.status}`}>
                  {tv('import.status', imp.status)}
                </span>
              </td>
              <td>{formatDateTime(imp.startedAt, locale)}</td>
              <td className="col-optional">{formatDateTime(imp.finishedAt, locale)}</td>
              <td className="num">{formatNumber(imp.rowsRead, locale)}</td>
              <td className="num">{formatNumber(imp.goodRows, locale)}</td>
              <td className="num">{formatNumber(imp.badRows, locale)}</td>
              <td className="num">{formatNumber(imp.casesOpened, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
