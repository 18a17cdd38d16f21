/**
 * The web app's dictionaries (web/src/i18n/): English has exactly the Spanish keys, area by area,
 * with the same placeholders and plural where Spanish is plural; and the engine picks plural
 * forms through Intl.PluralRules.
 */
import { describe, expect, it } from 'vitest';
import { enAreas, en } from '../../web/src/i18n/en/index.js';
import { esEC, esECAreas } from '../../web/src/i18n/es-EC/index.js';
import { hasMessage, lookup, translate, translateValue } from '../../web/src/i18n/engine.js';
import type { Message, Messages } from '../../web/src/i18n/messages.js';

const PLACEHOLDER = /\{(\w+)\}/g;

function placeholders(message: Message): string[] {
  const forms = typeof message === 'string' ? [message] : Object.values(message);
  const names = new Set<string>();
  for (const form of forms) for (const m of form.matchAll(PLACEHOLDER)) names.add(m[1]!);
  return [...names].sort();
}

function keysInMoreThanOneArea(areas: Record<string, Messages>): string[] {
  const seen = new Map<string, string>();
  const repeated: string[] = [];
  for (const [area, messages] of Object.entries(areas))
    for (const key of Object.keys(messages)) {
      const first = seen.get(key);
      if (first) repeated.push(`${key} (${first}, ${area})`);
      else seen.set(key, area);
    }
  return repeated;
}

describe('dictionaries', () => {
  it('English has exactly the Spanish keys, in the same areas', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(esEC).sort());
    expect(Object.keys(enAreas)).toEqual(Object.keys(esECAreas));
    for (const [area, messages] of Object.entries(esECAreas))
      expect(Object.keys(enAreas[area as keyof typeof enAreas]).sort(), area).toEqual(
        Object.keys(messages).sort(),
      );
  });

  it('no key is in two areas (a later area would hide the earlier text)', () => {
    expect(keysInMoreThanOneArea(esECAreas)).toEqual([]);
    expect(keysInMoreThanOneArea(enAreas)).toEqual([]);
  });

  it('each English message has the placeholders of its Spanish one', () => {
    const english: Messages = en;
    const mismatched = Object.entries(esEC as Messages)
      .filter(
        ([key, message]) => placeholders(message).join() !== placeholders(english[key]!).join(),
      )
      .map(([key]) => key);
    expect(mismatched).toEqual([]);
  });

  it('plural messages are plural in both languages, with a singular and an `other` form', () => {
    const english: Messages = en;
    for (const [key, message] of Object.entries(esEC as Messages)) {
      if (typeof message === 'string') continue;
      const translation = english[key];
      expect(typeof translation, key).toBe('object');
      for (const form of [message, translation as Exclude<Message, string>]) {
        expect(form.one, key).toEqual(expect.any(String));
        expect(form.other, key).toEqual(expect.any(String));
      }
    }
  });

  it('no key is left over from hand-made plurals', () => {
    const leftovers = Object.keys(esEC).filter((k) => /(\.one|One)$/.test(k));
    expect(leftovers).toEqual([]);
  });
});

describe('engine', () => {
  it('chooses the plural form through Intl.PluralRules and shows the count in the locale format', () => {
    expect(translate('es-EC', 'cases.total', { count: 1 })).toBe('1 caso');
    expect(translate('es-EC', 'cases.total', { count: 2 })).toBe('2 casos');
    expect(translate('es-EC', 'cases.total', { count: 0 })).toBe('0 casos');
    expect(translate('es-EC', 'cases.total', { count: 12345 })).toBe('12.345 casos');
    expect(translate('en', 'cases.total', { count: 1 })).toBe('1 case');
    expect(translate('en', 'cases.total', { count: 12345 })).toBe('12,345 cases');
    expect(translate('es-EC', 'legal.deadline.overdue', { count: 1 })).toBe(
      'Vencido hace 1 día hábil',
    );
    expect(translate('es-EC', 'unitCount.businessDays', { count: 10 })).toBe('10 días hábiles');
  });

  it('fills the other parameters of a plural form', () => {
    expect(translate('es-EC', 'letters.printed', { number: 'LC-2026-000001', count: 1 })).toBe(
      'Lote LC-2026-000001 creado con 1 carta.',
    );
    expect(translate('en', 'dash.kpi.reconnectionSub', { count: 3, max: '4,5' })).toBe(
      '3 reconnections, longest 4,5 h',
    );
  });

  it('fills plain messages as before: numbers as they are, unknown placeholders kept', () => {
    expect(translate('es-EC', 'error.unexpected', { status: 502 })).toBe(
      'El servidor respondió con un error inesperado (HTTP 502).',
    );
    expect(translate('en', 'header.signedInAs', {})).toBe('Signed in as {name}');
  });

  it('looks dynamic keys and values up', () => {
    expect(hasMessage('stage.coactiva')).toBe(true);
    expect(hasMessage('stage.unknown')).toBe(false);
    expect(hasMessage('toString')).toBe(false);
    expect(translateValue('en', 'stage', 'coactiva')).toBe('Enforcement (coactiva)');
    expect(translateValue('en', 'stage', 'somewhere')).toBe('somewhere');
    expect(lookup('es-EC', 'channel.email')).toBe(translate('es-EC', 'channel.email'));
    expect(lookup('es-EC', 'no.such.key')).toBeUndefined();
  });
});
