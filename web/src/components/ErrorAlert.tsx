import { ApiError, NETWORK_ERROR } from '../api.js';
import { useI18n } from '../i18n/index.js';

/** Shows an API error's message in an accessible alert. Renders nothing when there is no error. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  let message: string;
  let fields: Record<string, string> | undefined;
  if (error instanceof ApiError) {
    if (error.code === NETWORK_ERROR) message = t('error.network');
    else message = error.message || t('error.unexpected', { status: error.status });
    fields = error.fields;
  } else if (typeof error === 'string') {
    message = error;
  } else {
    message =
      error instanceof Error && error.message
        ? error.message
        : t('error.unexpected', { status: '?' });
  }
  const fieldEntries = fields ? Object.entries(fields) : [];
  return (
    <div className="alert alert-error" role="alert" data-testid="error-alert">
      <p className="alert-message">{message}</p>
      {fieldEntries.length > 0 && (
        <ul className="alert-fields">
          {fieldEntries.map(([path, msg]) => (
            <li key={path}>
              <code>{path}</code>: {msg}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="btn btn-secondary btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}
