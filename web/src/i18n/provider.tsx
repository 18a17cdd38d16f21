// The reader's language for the whole app: kept in the browser, set on <html lang>, and the
// `t` / `tv` functions of that language for every component (useI18n).
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { translate, translateValue } from './engine.js';
import type { MessageKey, ParamsOf } from './engine.js';
import { DEFAULT_LOCALE, isLocale } from './locales.js';
import type { Locale } from './locales.js';

const STORAGE_KEY = 'cartera.locale';

/** `t(key, params)`: plural keys need `{ count }`. */
export type Translate = <K extends MessageKey>(key: K, ...params: ParamsOf<K>) => string;

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
  /** Label of a dynamic value: `prefix.value`, or the value itself when there is none. */
  tv: (prefix: string, value: string) => string;
}

function readStoredLocale(): Locale {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLocale(stored)) return stored;
  } catch {
    // storage disabled: fall back to the default
  }
  return DEFAULT_LOCALE;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(readStoredLocale);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // ignore
    }
  }, []);

  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, ...params) => translate(locale, key, ...params),
      tv: (prefix, v) => translateValue(locale, prefix, v),
    }),
    [locale, setLocale],
  );

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}
