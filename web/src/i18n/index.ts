// The app's one i18n module: dictionaries per language and area (es-EC/, en/), the engine
// (engine.ts: lookup, "{name}" placeholders, plurals through Intl.PluralRules) and the React
// provider (provider.tsx). Import from here.
export { DEFAULT_LOCALE, LOCALES, isLocale } from './locales.js';
export type { Locale } from './locales.js';
export { hasMessage, lookup, translate, translateValue } from './engine.js';
export type { MessageKey, Params, ParamsOf, PluralKey } from './engine.js';
export { I18nProvider, useI18n } from './provider.js';
export type { I18n, Translate } from './provider.js';
