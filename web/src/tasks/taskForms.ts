// What each task form asks for. The shapes follow domain/tasks.ts; the same zod schemas
// (imported from domain/) validate the body here before it is sent.
import type { z } from 'zod';
import { isLocalDate } from '../../../domain/calendar.js';
import { PRESCRIPTION_INTERRUPTIONS, TASKS } from '../../../domain/tasks.js';
import type { TaskType } from '../api.js';

export type FieldKind =
  'text' | 'textarea' | 'date' | 'datetime' | 'money' | 'select' | 'coord' | 'url';

export interface FieldSpec {
  /** Key in the form body; "gps.lat" nests as { gps: { lat } }. */
  name: string;
  kind: FieldKind;
  required?: boolean;
  /** Values of a select (labels: i18n `taskOption.<type>.<name>.<value>`). */
  options?: readonly string[];
}

export interface FormSpec {
  /** The discriminating choice (radio group), when the form has one. */
  choice?: { name: string; options: readonly string[] };
  /** Constant members of the body (e.g. reconnection's only outcome). */
  fixed?: Record<string, string>;
  fields: (choice: string) => FieldSpec[];
}

const note: FieldSpec = { name: 'note', kind: 'textarea' };
const gps: FieldSpec[] = [
  { name: 'gps.lat', kind: 'coord' },
  { name: 'gps.lng', kind: 'coord' },
];

export const FORM_SPECS: Record<TaskType, FormSpec> = {
  contact_debtor: {
    choice: {
      name: 'outcome',
      options: [
        'contacted',
        'promise_to_pay',
        'unreachable',
        'wrong_data',
        'dispute',
        'visit_needed',
      ],
    },
    fields: (outcome) => {
      switch (outcome) {
        case 'promise_to_pay':
          return [
            { name: 'promisedOn', kind: 'date', required: true },
            { name: 'amount', kind: 'money', required: true },
            note,
          ];
        case 'wrong_data':
          return [{ ...note, required: true }];
        case 'dispute':
          return [{ name: 'reason', kind: 'textarea', required: true }];
        default:
          return [note];
      }
    },
  },
  approve_agreement: {
    choice: { name: 'decision', options: ['approve', 'reject'] },
    fields: (d) =>
      d === 'reject' ? [{ name: 'reason', kind: 'textarea', required: true }] : [note],
  },
  notarise_agreement: {
    choice: { name: 'outcome', options: ['signed', 'not_signed'] },
    fields: (o) =>
      o === 'not_signed'
        ? [{ name: 'reason', kind: 'textarea', required: true }]
        : [
            { name: 'signedOn', kind: 'date', required: true },
            { name: 'notary', kind: 'text', required: true },
            note,
          ],
  },
  suspension_field: {
    choice: { name: 'outcome', options: ['done', 'not_done'] },
    fields: (o) =>
      o === 'not_done'
        ? [
            {
              name: 'reason',
              kind: 'select',
              required: true,
              options: ['address_not_found', 'paid_on_site', 'obstruction', 'other'],
            },
            note,
          ]
        : [
            { name: 'performedAt', kind: 'datetime', required: true },
            { name: 'sealNumber', kind: 'text', required: true },
            { name: 'photoUrl', kind: 'url' },
            ...gps,
            note,
          ],
  },
  reconnection_field: {
    fixed: { outcome: 'done' },
    fields: () => [{ name: 'performedAt', kind: 'datetime', required: true }, ...gps, note],
  },
  protected_account: {
    choice: { name: 'decision', options: ['skip_suspension', 'hold_case'] },
    fields: () => [{ ...note, required: true }],
  },
  validate_credit_title: {
    choice: { name: 'decision', options: ['approve', 'return'] },
    fields: (d) =>
      d === 'return' ? [{ name: 'corrections', kind: 'textarea', required: true }] : [note],
  },
  notify_credit_title: {
    fields: () => [
      {
        name: 'method',
        kind: 'select',
        required: true,
        options: ['in_person', 'boleta', 'publication'],
      },
      { name: 'result', kind: 'select', required: true, options: ['notified', 'not_found'] },
      { name: 'at', kind: 'datetime', required: true },
      note,
    ],
  },
  coactiva_intake: {
    fields: (_) => [
      {
        name: 'handledBy',
        kind: 'select',
        required: true,
        options: ['in_house', 'external_lawyer'],
      },
      { name: 'lawyerName', kind: 'text' },
      note,
    ],
  },
  coactiva_decision: {
    choice: { name: 'decision', options: ['embargo', 'remate', 'uncollectible', 'wait'] },
    fields: (d) => {
      if (d === 'embargo') return [{ name: 'assets', kind: 'textarea', required: true }, note];
      if (d === 'uncollectible') return [{ name: 'reason', kind: 'textarea', required: true }];
      return [note];
    },
  },
  // The orden de pago inmediato is notified the same ways as the título.
  notify_payment_order: {
    fields: () => [
      {
        name: 'method',
        kind: 'select',
        required: true,
        options: ['in_person', 'boleta', 'publication'],
      },
      { name: 'result', kind: 'select', required: true, options: ['notified', 'not_found'] },
      { name: 'at', kind: 'datetime', required: true },
      note,
    ],
  },
  outside_failure: {
    choice: { name: 'decision', options: ['retry', 'skip'] },
    fields: (d) => (d === 'skip' ? [{ name: 'reason', kind: 'textarea', required: true }] : [note]),
  },
  deliver_notice: {
    choice: { name: 'outcome', options: ['delivered', 'not_delivered'] },
    fields: (o) =>
      o === 'not_delivered'
        ? [{ name: 'reason', kind: 'textarea', required: true }]
        : [
            { name: 'method', kind: 'select', required: true, options: ['in_person', 'boleta'] },
            { name: 'deliveredAt', kind: 'datetime', required: true },
            note,
          ],
  },
  prescription_review: {
    choice: { name: 'decision', options: ['declare_prescribed', 'interrupted'] },
    fields: (d) =>
      d === 'interrupted'
        ? [
            { name: 'interruptedOn', kind: 'date', required: true },
            { name: 'ground', kind: 'select', required: true, options: PRESCRIPTION_INTERRUPTIONS },
            { ...note, required: true },
          ]
        : [{ ...note, required: true }],
  },
  case_review: {
    choice: { name: 'decision', options: ['resume', 'close'] },
    fields: (d) =>
      d === 'close'
        ? [
            {
              name: 'reason',
              kind: 'select',
              required: true,
              options: ['written_off', 'billing_error', 'cancelled'],
            },
            { ...note, required: true },
          ]
        : [{ ...note, required: true }],
  },
};

/** Guayaquil is UTC−05:00 all year (see domain/calendar.ts). */
const GUAYAQUIL_OFFSET = '-05:00';

/** "2026-11-28T14:30" (datetime-local, Guayaquil) → ISO instant with offset. */
export function localDateTimeToIso(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00${GUAYAQUIL_OFFSET}` : value;
}

/** Now in Guayaquil as a datetime-local value. */
export function nowLocalDateTime(now = new Date()): string {
  return new Date(now.getTime() - 5 * 3_600_000).toISOString().slice(0, 16);
}

/** Today in Guayaquil, "YYYY-MM-DD". */
export function todayLocal(now = new Date()): string {
  return nowLocalDateTime(now).slice(0, 10);
}

/** "50", "50,5", "50.50" → "50.50" (the API wants two decimals); anything else unchanged. */
export function normaliseMoney(value: string): string {
  const m = /^(\d+)(?:[.,](\d{1,2}))?$/.exec(value.trim());
  if (!m) return value.trim();
  return `${String(Number(m[1]))}.${(m[2] ?? '').padEnd(2, '0')}`;
}

export type FormValues = Record<string, string>;

/** Initial values: datetime fields start at "now" so a crew on site only confirms. */
export function initialValues(type: TaskType): FormValues {
  return initialValuesOf(FORM_SPECS[type]);
}

/** {@link initialValues} of any form spec (task forms and the case's legal steps). */
export function initialValuesOf(spec: FormSpec): FormValues {
  const values: FormValues = {};
  const choices = spec.choice ? spec.choice.options : [''];
  for (const c of choices) {
    for (const f of spec.fields(c)) {
      if (f.kind === 'datetime') values[f.name] = nowLocalDateTime();
    }
  }
  return values;
}

/** The body to send: the chosen option, the filled fields of that option, converted. */
export function buildForm(
  type: TaskType,
  choice: string,
  values: FormValues,
): Record<string, unknown> {
  return buildFormOf(FORM_SPECS[type], choice, values);
}

/** {@link buildForm} of any form spec. */
export function buildFormOf(
  spec: FormSpec,
  choice: string,
  values: FormValues,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...spec.fixed };
  if (spec.choice && choice) body[spec.choice.name] = choice;
  for (const f of spec.fields(choice)) {
    const raw = (values[f.name] ?? '').trim();
    if (!raw) continue;
    let value: unknown = raw;
    if (f.kind === 'datetime') value = localDateTimeToIso(raw);
    else if (f.kind === 'money') value = normaliseMoney(raw);
    else if (f.kind === 'coord') {
      const n = Number(raw.replace(',', '.'));
      value = Number.isFinite(n) ? n : raw;
    }
    const [head, sub] = f.name.split('.') as [string, string | undefined];
    if (sub) body[head] = { ...(body[head] as Record<string, unknown> | undefined), [sub]: value };
    else body[head] = value;
  }
  return body;
}

export type FieldProblem =
  | { kind: 'required' }
  | { kind: 'invalid'; field: FieldKind | 'choice' }
  | { kind: 'message'; text: string };

/**
 * Checks the body with the task type's zod schema; problems by field name ("gps.lat", or the
 * choice's name). GPS needs both coordinates or none.
 */
export function validateForm(
  type: TaskType,
  choice: string,
  values: FormValues,
): { form: Record<string, unknown>; problems: Record<string, FieldProblem> } {
  return validateWith(FORM_SPECS[type], TASKS[type].form as z.ZodType, choice, values);
}

/** {@link validateForm} of any form spec against its zod schema. */
export function validateWith(
  spec: FormSpec,
  schema: z.ZodType,
  choice: string,
  values: FormValues,
): { form: Record<string, unknown>; problems: Record<string, FieldProblem> } {
  const form = buildFormOf(spec, choice, values);
  const problems: Record<string, FieldProblem> = {};
  if (spec.choice && !choice) problems[spec.choice.name] = { kind: 'required' };
  const fields = spec.fields(choice);
  const hasLat = !!values['gps.lat']?.trim();
  const hasLng = !!values['gps.lng']?.trim();
  if (fields.some((f) => f.kind === 'coord') && hasLat !== hasLng)
    problems[hasLat ? 'gps.lng' : 'gps.lat'] = { kind: 'required' };
  if (spec.choice && !choice) return { form, problems };
  const r = schema.safeParse(form);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const name = issue.path.map(String).join('.');
      if (problems[name]) continue;
      const field = fields.find((f) => f.name === name);
      const empty = !(values[name] ?? '').trim();
      if (field && empty) problems[name] = { kind: 'required' };
      // A well-formed date refused by a rule (e.g. "not in the future") says which rule.
      else if (issue.code === 'custom' && field?.kind === 'date' && isLocalDate(values[name] ?? ''))
        problems[name] = { kind: 'message', text: issue.message };
      else if (issue.code === 'custom' && field?.kind !== 'money' && field?.kind !== 'date')
        problems[name] = { kind: 'message', text: issue.message };
      else if (field?.kind === 'money' && issue.code === 'custom' && /cero/.test(issue.message))
        problems[name] = { kind: 'invalid', field: 'money' };
      else problems[name] = { kind: 'invalid', field: field?.kind ?? 'choice' };
    }
  }
  return { form, problems };
}
