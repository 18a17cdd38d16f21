// Every policy value the policy page shows and edits, grouped by section, with how it is typed
// in the form and how a draft converts back to the stored unit (cents, basis points).
import { localHolidaySchema } from '../../../../domain/calendar.js';
import { LEGAL_ROUTES, WAITING_PERIOD_UNITS } from './api.js';
import type {
  LegalRoute,
  LocalHoliday,
  Policy,
  PolicyPatch,
  WaitingPeriod,
  WaitingPeriodUnit,
} from './api.js';
import { isLocalDate } from './period.js';
import { hasMessage } from '../../i18n/index.js';
import type { MessageKey } from '../../i18n/index.js';

/**
 * - `legalRoute`: COA or Código Tributario.
 * - `bp`: basis points, edited as a percentage (1 000 bp = 10 %).
 * - `cents`: money in cents, edited in dollars.
 * - `int` / `decimal`: plain numbers.
 * - `wait`: a waiting period {amount, unit}.
 * - `dates`: a list of calendar dates.
 * - `holidays`: a list of yearly holidays {month, day, name}.
 * - `bool`: a switch.
 * - `text`: a line of text (`maxLength`).
 */
export type FieldKind =
  | 'legalRoute'
  | 'bp'
  | 'cents'
  | 'int'
  | 'decimal'
  | 'wait'
  | 'dates'
  | 'holidays'
  | 'bool'
  | 'text';

export interface FieldDef {
  /** Dotted path in the policy, e.g. "agreement.maxInstalments". */
  path: string;
  kind: FieldKind;
  min?: number;
  max?: number;
  /** Longest text (`text`). */
  maxLength?: number;
  /** Hint shared by several fields (otherwise "f.<path>.hint" when it exists). */
  hintKey?: MessageKey;
}

export interface SectionDef {
  id: string;
  title: MessageKey;
  fields: FieldDef[];
}

const wait = (path: string): FieldDef => ({ path, kind: 'wait' });
const cents = (path: string): FieldDef => ({ path, kind: 'cents' });

/** The moratorium on cuts: shown first, since it stops cuts in every running case at once. */
export const MORATORIUM_SECTION_ID = 'moratorium';

export const POLICY_SECTIONS: SectionDef[] = [
  {
    id: MORATORIUM_SECTION_ID,
    title: 'sec.moratorium',
    fields: [
      { path: 'suspension.moratorium.active', kind: 'bool' },
      { path: 'suspension.moratorium.decree', kind: 'text', maxLength: 500 },
    ],
  },
  {
    id: 'general',
    title: 'sec.general',
    fields: [
      { path: 'legalRoute', kind: 'legalRoute' },
      { path: 'bceReferenceAnnualRateBp', kind: 'bp', max: 100_000 },
    ],
  },
  {
    id: 'calendar',
    title: 'sec.calendar',
    fields: [
      { path: 'calendar.extraHolidays', kind: 'dates' },
      { path: 'calendar.removedHolidays', kind: 'dates' },
      { path: 'calendar.localHolidays', kind: 'holidays' },
    ],
  },
  {
    id: 'caseOpening',
    title: 'sec.caseOpening',
    fields: [
      { path: 'caseOpening.minOverdueInvoices', kind: 'int', min: 1 },
      { path: 'caseOpening.minDaysPastDue', kind: 'int' },
      cents('caseOpening.minBalanceCents'),
      cents('caseOpening.floorBalanceCents'),
    ],
  },
  {
    id: 'priority',
    title: 'sec.priority',
    fields: [
      { path: 'priority.categoryWeight.residencial', kind: 'decimal' },
      { path: 'priority.categoryWeight.comercial', kind: 'decimal' },
      { path: 'priority.categoryWeight.industrial', kind: 'decimal' },
      { path: 'priority.categoryWeight.publica', kind: 'decimal' },
      { path: 'priority.brokenCommitmentWeight', kind: 'decimal' },
    ],
  },
  {
    id: 'reminder',
    title: 'sec.reminder',
    fields: [
      { path: 'reminder.notices', kind: 'int', min: 1, max: 10 },
      wait('reminder.interval'),
      wait('reminder.contactTaskSla'),
      wait('reminder.promiseGrace'),
      wait('reminder.promiseMaxHorizon'),
    ],
  },
  {
    id: 'agreement',
    title: 'sec.agreement',
    fields: [
      { path: 'agreement.minDownPaymentBp', kind: 'bp', max: 100_000 },
      { path: 'agreement.maxInstalments', kind: 'int', min: 1, max: 120 },
      cents('agreement.managerApprovalAboveCents'),
      cents('agreement.notarisedSignatureAboveCents'),
      wait('agreement.instalmentGrace'),
      {
        path: 'agreement.interestMultiplierBp.COA',
        kind: 'bp',
        max: 100_000,
        hintKey: 'f.agreement.interestMultiplierBp.hint',
      },
      {
        path: 'agreement.interestMultiplierBp.CODIGO_TRIBUTARIO',
        kind: 'bp',
        max: 100_000,
        hintKey: 'f.agreement.interestMultiplierBp.hint',
      },
      wait('agreement.instalmentInterval'),
      { path: 'agreement.afterBroken.maxBrokenAgreements', kind: 'int', min: 0, max: 100 },
      { path: 'agreement.afterBroken.minDownPaymentBp', kind: 'bp', max: 100_000 },
    ],
  },
  {
    id: 'suspension',
    title: 'sec.suspension',
    fields: [
      wait('suspension.afterReminderFor'),
      wait('suspension.priorNotice'),
      wait('suspension.fieldTaskSla'),
      wait('suspension.reconnectionDeadline'),
      cents('suspension.suspensionFeeCents'),
      cents('suspension.reconnectionFeeCents'),
      cents('suspension.irregularReconnectionFineCents'),
    ],
  },
  {
    id: 'creditTitle',
    title: 'sec.creditTitle',
    fields: [
      wait('creditTitle.afterSuspensionFor'),
      wait('creditTitle.validationTaskSla'),
      wait('creditTitle.voluntaryPaymentTerm'),
    ],
  },
  {
    id: 'coactiva',
    title: 'sec.coactiva',
    fields: [
      wait('coactiva.paymentOrderTerm'),
      wait('coactiva.exceptionsTerm'),
      wait('coactiva.legalTaskSla'),
    ],
  },
  {
    id: 'notices',
    title: 'sec.notices',
    fields: [wait('notices.deliveryCheckInterval'), wait('notices.deliveryTaskAfter')],
  },
  {
    id: 'prescription',
    title: 'sec.prescription',
    fields: [
      { ...wait('prescription.term.COA'), hintKey: 'f.prescription.term.hint' },
      { ...wait('prescription.term.CODIGO_TRIBUTARIO'), hintKey: 'f.prescription.term.hint' },
      wait('prescription.warnBefore'),
    ],
  },
  { id: 'tasks', title: 'sec.tasks', fields: [wait('tasks.escalateOverdueAfter')] },
];

export const ALL_FIELDS: FieldDef[] = POLICY_SECTIONS.flatMap((s) => s.fields);

export function labelKey(field: FieldDef): MessageKey {
  const key = `f.${field.path}`;
  if (!hasMessage(key)) throw new Error(`missing label for policy value ${field.path}`);
  return key;
}

export function hintKey(field: FieldDef): MessageKey | null {
  if (field.hintKey) return field.hintKey;
  const key = `f.${field.path}.hint`;
  return hasMessage(key) ? key : null;
}

export function fieldId(field: FieldDef): string {
  return `pol-${field.path.replace(/\./g, '-')}`;
}

export function valueAt(policy: Policy, path: string): unknown {
  let v: unknown = policy;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A local holiday while it is typed. */
export interface HolidayDraft {
  month: string;
  day: string;
  name: string;
}

/** What a form input holds while the user types (strings, so "10," is not lost). */
export type Draft =
  string | boolean | { amount: string; unit: WaitingPeriodUnit } | string[] | HolidayDraft[];

/** Numbers for the form: plain digits with a dot, at most `digits` decimals. */
function plain(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}

export function toDraft(field: FieldDef, value: unknown): Draft {
  switch (field.kind) {
    case 'legalRoute':
      return String(value);
    case 'bp':
      return plain(Number(value) / 100, 2);
    case 'cents':
      return (Number(value) / 100).toFixed(2);
    case 'int':
    case 'decimal':
      return String(value);
    case 'wait': {
      const w = value as WaitingPeriod;
      return { amount: String(w.amount), unit: w.unit };
    }
    case 'dates':
      return [...(value as string[])];
    case 'holidays':
      return ((value as LocalHoliday[] | undefined) ?? []).map((h) => ({
        month: String(h.month),
        day: String(h.day),
        name: h.name,
      }));
    case 'bool':
      return Boolean(value);
    case 'text':
      return String(value ?? '');
  }
}

export function draftsOf(policy: Policy): Record<string, Draft> {
  return Object.fromEntries(ALL_FIELDS.map((f) => [f.path, toDraft(f, valueAt(policy, f.path))]));
}

/** Accepts "10,5" as well as "10.5" (Ecuador writes a decimal comma). */
function parseNumber(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export type DraftError = 'number' | 'date' | 'holidays' | 'text' | 'decree';
export type Parsed = { ok: true; value: unknown } | { ok: false; error: DraftError };

/** Local holidays in calendar order (month, day, name). */
export function sortHolidays(list: LocalHoliday[]): LocalHoliday[] {
  return [...list].sort(
    (a, b) => a.month - b.month || a.day - b.day || a.name.localeCompare(b.name),
  );
}

/** A draft back in the policy's units. Ranges are left to the API, which owns the rules. */
export function fromDraft(field: FieldDef, draft: Draft): Parsed {
  switch (field.kind) {
    case 'legalRoute': {
      const v = draft as string;
      return (LEGAL_ROUTES as readonly string[]).includes(v)
        ? { ok: true, value: v as LegalRoute }
        : { ok: false, error: 'number' };
    }
    case 'bp': {
      const n = parseNumber(draft as string);
      return n === null ? { ok: false, error: 'number' } : { ok: true, value: Math.round(n * 100) };
    }
    case 'cents': {
      const n = parseNumber(draft as string);
      return n === null ? { ok: false, error: 'number' } : { ok: true, value: Math.round(n * 100) };
    }
    case 'int': {
      const n = parseNumber(draft as string);
      return n === null || !Number.isInteger(n)
        ? { ok: false, error: 'number' }
        : { ok: true, value: n };
    }
    case 'decimal': {
      const n = parseNumber(draft as string);
      return n === null ? { ok: false, error: 'number' } : { ok: true, value: n };
    }
    case 'wait': {
      const w = draft as { amount: string; unit: WaitingPeriodUnit };
      const n = parseNumber(w.amount);
      if (n === null || !Number.isInteger(n)) return { ok: false, error: 'number' };
      if (!(WAITING_PERIOD_UNITS as readonly string[]).includes(w.unit))
        return { ok: false, error: 'number' };
      return { ok: true, value: { amount: n, unit: w.unit } };
    }
    case 'dates': {
      const list = draft as string[];
      if (!list.every((d) => isLocalDate(d))) return { ok: false, error: 'date' };
      return { ok: true, value: [...list].sort() };
    }
    case 'holidays': {
      // The same rule as the policy (domain/calendar.ts): a day that exists every year.
      const parsed = (draft as HolidayDraft[]).map((h) =>
        localHolidaySchema.safeParse({
          month: parseNumber(h.month),
          day: parseNumber(h.day),
          name: h.name.trim(),
        }),
      );
      if (!parsed.every((r) => r.success)) return { ok: false, error: 'holidays' };
      return { ok: true, value: sortHolidays(parsed.map((r) => r.data as LocalHoliday)) };
    }
    case 'bool':
      return { ok: true, value: Boolean(draft) };
    case 'text': {
      const text = (draft as string).trim();
      if (field.maxLength !== undefined && text.length > field.maxLength)
        return { ok: false, error: 'text' };
      return { ok: true, value: text };
    }
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface DraftCheck {
  /** Only the changed values, nested like the policy (what PUT /api/policy takes). */
  patch: PolicyPatch;
  changed: Set<string>;
  errors: Record<string, DraftError>;
}

function normalised(field: FieldDef, value: unknown): unknown {
  if (field.kind === 'dates') return [...(value as string[])].sort();
  if (field.kind === 'holidays') return sortHolidays((value as LocalHoliday[] | undefined) ?? []);
  return value;
}

export function checkDrafts(policy: Policy, drafts: Record<string, Draft>): DraftCheck {
  const patch: PolicyPatch = {};
  const changed = new Set<string>();
  const errors: Record<string, DraftError> = {};
  for (const field of ALL_FIELDS) {
    const draft = drafts[field.path];
    if (draft === undefined) continue;
    const parsed = fromDraft(field, draft);
    if (!parsed.ok) {
      errors[field.path] = parsed.error;
      // An unreadable value is a change the user made; count it so the form shows it.
      changed.add(field.path);
      continue;
    }
    if (same(parsed.value, normalised(field, valueAt(policy, field.path)))) continue;
    changed.add(field.path);
    setAt(patch, field.path, parsed.value);
  }
  // Switching the moratorium on, or changing it, says which decree orders it.
  const active = drafts['suspension.moratorium.active'];
  const decree = drafts['suspension.moratorium.decree'];
  if (
    active === true &&
    typeof decree === 'string' &&
    !decree.trim() &&
    (changed.has('suspension.moratorium.active') || changed.has('suspension.moratorium.decree'))
  )
    errors['suspension.moratorium.decree'] = 'decree';
  return { patch, changed, errors };
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * API field errors ("policy.reminder.interval.amount", "agreement.maxInstalments" or
 * "calendar.extraHolidays.0") → the policy value they belong to.
 */
export function fieldForErrorKey(key: string): FieldDef | null {
  const path = key.replace(/^policy\./, '');
  let best: FieldDef | null = null;
  for (const f of ALL_FIELDS) {
    if (path === f.path || path.startsWith(`${f.path}.`)) {
      if (!best || f.path.length > best.path.length) best = f;
    }
  }
  return best;
}
