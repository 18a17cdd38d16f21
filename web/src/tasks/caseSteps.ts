// The lawful steps people take on a case outside a task (api/routes/case-actions.ts): what each
// form asks for, and the zod schema its body is checked with before it is sent. The schemas are
// built from domain/ parts; the API checks the same rules again.
import { z } from 'zod';
import { localDateSchema } from '../../../domain/calendar.js';
import { moneyStringSchema } from '../../../domain/money.js';
import { EXCEPTIONS_OUTCOMES } from '../api.js';
import type { CaseView, Role } from '../api.js';
import { todayLocal } from './taskForms.js';
import type { FieldSpec, FormSpec } from './taskForms.js';

export const CASE_STEPS = [
  'irregularReconnection',
  'acknowledgement',
  'fileExceptions',
  'ruleExceptions',
  'declarePrescribed',
] as const;
export type CaseStep = (typeof CASE_STEPS)[number];

const note = (required = true): FieldSpec => ({ name: 'note', kind: 'textarea', required });
const text = (max: number, message: string) => z.string().trim().min(1, message).max(max);
const notFutureDate = localDateSchema.refine(
  (d) => d <= todayLocal(),
  'no puede ser una fecha futura',
);

export const STEP_SPECS: Record<CaseStep, FormSpec> = {
  irregularReconnection: {
    fields: () => [
      { name: 'foundAt', kind: 'datetime', required: true },
      { name: 'sealNumber', kind: 'text' },
      { name: 'photoUrl', kind: 'url' },
      { name: 'gps.lat', kind: 'coord' },
      { name: 'gps.lng', kind: 'coord' },
      note(),
    ],
  },
  acknowledgement: {
    fields: () => [{ name: 'on', kind: 'date', required: true }, note()],
  },
  fileExceptions: {
    fields: () => [
      { name: 'filedOn', kind: 'date', required: true },
      { name: 'court', kind: 'text', required: true },
      { name: 'processNumber', kind: 'text', required: true },
      { name: 'grounds', kind: 'textarea', required: true },
    ],
  },
  ruleExceptions: {
    choice: { name: 'outcome', options: EXCEPTIONS_OUTCOMES },
    fields: (outcome) => [
      { name: 'ruledOn', kind: 'date', required: true },
      ...(outcome === 'partially_upheld'
        ? [{ name: 'remainingBalance', kind: 'money', required: true } as const]
        : []),
      note(),
    ],
  },
  declarePrescribed: { fields: () => [note()] },
};

export const STEP_SCHEMAS: Record<CaseStep, z.ZodType> = {
  irregularReconnection: z.object({
    foundAt: z.iso
      .datetime({ offset: true })
      // A few minutes of leeway for the device's clock, as the API allows.
      .refine((v) => Date.parse(v) <= Date.now() + 5 * 60_000, {
        message: 'no puede ser posterior a este momento',
      }),
    note: text(2000, 'describa lo encontrado'),
    photoUrl: z.url().optional(),
    gps: z
      .object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) })
      .optional(),
    sealNumber: z.string().trim().min(1).max(50).optional(),
  }),
  acknowledgement: z.object({ on: notFutureDate, note: text(2000, 'indique el documento') }),
  fileExceptions: z.object({
    filedOn: notFutureDate,
    court: text(200, 'indique el juzgado'),
    processNumber: text(60, 'indique el número de proceso'),
    grounds: text(2000, 'indique los fundamentos'),
  }),
  ruleExceptions: z.object({
    outcome: z.enum(EXCEPTIONS_OUTCOMES),
    ruledOn: notFutureDate,
    note: text(2000, 'indique lo resuelto'),
    remainingBalance: moneyStringSchema.refine((c) => c > 0, 'debe ser mayor que cero').optional(),
  }),
  declarePrescribed: z.object({ note: text(2000, 'indique el fundamento') }),
};

/**
 * The steps `role` may take now on a case its workflow reports as `view` (the API and the
 * workflow still decide each one).
 */
export function stepsFor(
  role: Role,
  view: Pick<CaseView, 'status' | 'stage' | 'service' | 'exceptions'> | null,
): CaseStep[] {
  if (!view || view.status !== 'open') return [];
  const may: Record<CaseStep, boolean> = {
    // Regularisation applies only to a service recorded as cut.
    irregularReconnection:
      (role === 'collector' || role === 'manager') && view.service === 'suspended',
    acknowledgement: role === 'collector' || role === 'legal' || role === 'manager',
    fileExceptions: role === 'legal' && view.stage === 'coactiva' && !view.exceptions,
    ruleExceptions: role === 'legal' && view.exceptions?.status === 'pending',
    declarePrescribed: role === 'legal' || role === 'admin',
  };
  return CASE_STEPS.filter((s) => may[s]);
}
