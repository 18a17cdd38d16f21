// The languages of the app. Spanish (Ecuador) is the reference: every other dictionary has
// exactly its keys, and a key missing at run time falls back to it.
export type Locale = 'es-EC' | 'en';
export const LOCALES: readonly Locale[] = ['es-EC', 'en'];
export const DEFAULT_LOCALE: Locale = 'es-EC';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}
