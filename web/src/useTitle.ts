import { useEffect } from 'react';
import { useI18n } from './i18n/index.js';

/** Sets document.title to "<page> · Cartera". */
export function useTitle(page: string | null): void {
  const { t } = useI18n();
  const app = t('app.name');
  useEffect(() => {
    document.title = page ? `${page} · ${app}` : app;
  }, [page, app]);
}
