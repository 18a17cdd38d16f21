/** zod schemas shared by many routes: money, dates, ids, the error body, the signed-in user. */
import { z } from 'zod';
import { ROLES } from './auth.js';

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
