import { useI18n } from '../i18n/index.js';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" aria-live="polite" data-testid="loading">
      {t('common.loading')}
    </p>
  );
}
