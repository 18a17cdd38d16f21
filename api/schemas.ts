/**
 * zod schemas shared by many routes: money, dates, ids, typed text, the error body, the
 * signed-in user, and the parts of a case view that several answers show.
 */
import { z } from 'zod';
import { EXCEPTIONS_STATUSES, type Exceptions } from '../domain/lifecycle.js';
import { ROLES } from '../domain/roles.js';

/** Money as sent in JSON: dollars with a dot and exactly two decimals (`"125.40"`). */
export const moneySchema = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .meta({
    description: 'Monto en dólares: texto con punto decimal y dos decimales',
    examples: ['125.40'],
  });

/** A date as the law counts it (America/Guayaquil), `YYYY-MM-DD`, from year 1 on. */
export const localDateSchema = z.iso
  .date()
  .refine((d) => d >= '0001-01-01', 'fecha inválida: el año empieza en 0001');

/** An instant, ISO 8601 with offset (the API always sends UTC, `…Z`). */
export const instantSchema = z.iso.datetime({ offset: true });

export const roleSchema = z.enum(ROLES);

/**
 * Page number of a paged list: 1-based, and bounded so that its offset stays a number the
 * database takes (a huge page is simply empty, not an error in the server).
 */
export const pageSchema = z.coerce.number().int().min(1).max(1_000_000).default(1);

/** Control characters (C0 and DEL): no person types them, and PostgreSQL refuses NUL in text. */
// eslint-disable-next-line no-control-regex -- the control characters are what it refuses
export const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

/**
 * Text as people type it (a query filter, a name, a note), trimmed, between `min` and `max`
 * characters, without control characters: a 400 names the field instead of a NUL reaching
 * PostgreSQL as a 500.
 * @param min shortest length after trimming. @default 1
 */
export const typedTextSchema = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((v) => !CONTROL_CHARACTERS.test(v), 'no se admiten caracteres de control');

/** Path parameters of routes addressed by a UUID. */
export const idParamsSchema = z.object({ id: z.uuid() });

/** Every 4xx/5xx answer. `code` is stable for programs; `message` is for people (Spanish). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.record(z.string(), z.string()).optional().meta({
        description:
          'Campo → primer mensaje de error. Campos del cuerpo por su ruta (`amount`, `gps.lat`); de la consulta y la ruta con prefijo (`query.page`, `params.id`)',
      }),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The signed-in user as the API shows it. */
export const userSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
});

/** Excepciones filed before a court (COA art. 329), as a case view shows them. */
export const caseExceptionsSchema = z
  .object({
    filedOn: localDateSchema,
    court: z.string(),
    processNumber: z.string(),
    grounds: z.string(),
    status: z.enum(EXCEPTIONS_STATUSES).meta({
      description: 'pending: el juez no ha resuelto; las medidas de la coactiva están en pausa',
    }),
    ruledOn: localDateSchema.nullable(),
  })
  .meta({ description: 'Excepciones presentadas ante un juez (COA art. 329)' });
export type CaseExceptionsBody = z.infer<typeof caseExceptionsSchema>;

/** The workflow's excepciones (optional in older runs' answers) as the API sends them. */
export function caseExceptionsBody(v: Exceptions | null | undefined): CaseExceptionsBody | null {
  if (!v) return null;
  return {
    filedOn: v.filedOn,
    court: v.court,
    processNumber: v.processNumber,
    grounds: v.grounds,
    status: v.status,
    ruledOn: v.ruledOn ?? null,
  };
}
