import type { ImportDetail } from '../api.js';
import { useI18n } from '../i18n/index.js';

/**
 * Progress of an import. The API reports rows read but not (yet) the total, so the bar is
 * indeterminate while running; if it ever sends `totalRows`, the bar becomes determinate.
 */
export function ImportProgress({
  detail,
}: {
  detail: ImportDetail & { totalRows?: number | null };
}) {
  const { t } = useI18n();
  const running = detail.status === 'running';
  const total =
    typeof detail.totalRows === 'number' && detail.totalRows > 0 ? detail.totalRows : null;
  const rows = t('import.rowsRead', { count: detail.rowsRead });
  return (
    <div className="import-progress" data-testid="import-progress">
      <label htmlFor="import-progress-bar" className="visually-hidden">
        {t('import.progress')}
      </label>
      {running ? (
        total ? (
          <progress
            id="import-progress-bar"
            max={total}
            value={Math.min(detail.rowsRead, total)}
            aria-valuetext={rows}
          />
        ) : (
          <progress id="import-progress-bar" aria-valuetext={rows} />
        )
      ) : (
        <progress
          id="import-progress-bar"
          className={detail.status === 'failed' ? 'progress-failed' : 'progress-done'}
          max={1}
          value={1}
          aria-valuetext={rows}
        />
      )}
      <span className="import-rows" data-testid="import-rows-read">
        {rows}
      </span>
    </div>
  );
}
