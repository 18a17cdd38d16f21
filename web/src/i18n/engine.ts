// Looks a key up in the reader's language and fills it in: "{name}" placeholders from the
// parameters; plural messages pick their form with Intl.PluralRules from the `count` parameter.
// Pure (no React), so tests can call it directly.
import { en } from './en/index.js';
import { esEC } from './es-EC/index.js';
import type { Locale } from './locales.js';
import type { Message, Messages, Plural } from './messages.js';

export type MessageKey = keyof typeof esEC;

/** Keys whose message has plural forms: they take a numeric `count`. */
export type PluralKey = {
  [K in MessageKey]: (typeof esEC)[K] extends string ? never : K;
}[MessageKey];

export type Params = Record<string, string | number>;

/** The parameters a key takes: a plural message needs its `count`. */
export type ParamsOf<K extends MessageKey> = K extends PluralKey
  ? [params: Params & { count: number }]
  : [params?: Params];

const DICTIONARIES: Record<Locale, Messages> = { 'es-EC': esEC, en };
const SPANISH: Messages = esEC;

const pluralRules = new Map<Locale, Intl.PluralRules>();
const countFormats = new Map<Locale, Intl.NumberFormat>();

function cached<T>(cache: Map<Locale, T>, locale: Locale, make: () => T): T {
  let value = cache.get(locale);
  if (!value) {
    value = make();
    cache.set(locale, value);
  }
  return value;
}

function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** The form of `message` for `count` in `locale`; `other` when the language's form is missing. */
function pluralForm(locale: Locale, message: Plural, count: number): string {
  const rules = cached(pluralRules, locale, () => new Intl.PluralRules(locale));
  return message[rules.select(count)] ?? message.other;
}

function render(locale: Locale, message: Message, params?: Params): string {
  if (typeof message === 'string') return interpolate(message, params);
  const count = params?.count;
  if (typeof count !== 'number') return interpolate(message.other, params);
  const format = cached(
    countFormats,
    locale,
    () => new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }),
  );
  return interpolate(pluralForm(locale, message, count), {
    ...params,
    count: format.format(count),
  });
}

/** The text of `key` in `locale` (Spanish when the locale lacks it). */
export function translate<K extends MessageKey>(
  locale: Locale,
  key: K,
  ...[params]: ParamsOf<K>
): string {
  return render(locale, DICTIONARIES[locale][key] ?? SPANISH[key]!, params);
}

/** Whether `key` (built from data, e.g. a hint or a status) is in the dictionaries. */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(SPANISH, key);
}

/** The text of a dynamic key, or undefined when neither locale has it as plain text. */
export function lookup(locale: Locale, key: string): string | undefined {
  const message = DICTIONARIES[locale][key] ?? SPANISH[key];
  return typeof message === 'string' ? message : undefined;
}

/** Label for a dynamic value (stage, event type…): `prefix.value`, or the raw value when unknown. */
export function translateValue(locale: Locale, prefix: string, value: string): string {
  const message = DICTIONARIES[locale][`${prefix}.${value}`];
  return typeof message === 'string' ? message : value;
}
