/** Typed service errors and the one middleware that maps every error to an HTTP answer. */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';

/** An error the client can act on; `code` is stable, `message` is for people (Spanish). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} no existe`);
export const unauthorised = () => new ApiError(401, 'unauthorised', 'Inicie sesión para continuar');
export const forbidden = () => new ApiError(403, 'forbidden', 'Su rol no permite esta acción');

/** Field path → first message, for a form to show next to each input. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '(body)';
    out[key] ??= issue.message;
  }
  return out;
}

export function errorMapper(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof ApiError) {
      res
        .status(err.status)
        .json({ error: { code: err.code, message: err.message, fields: err.fields } });
      return;
    }
    if (err instanceof z.ZodError) {
      res.status(400).json({
        error: { code: 'invalid_request', message: 'Datos inválidos', fields: fieldErrors(err) },
      });
      return;
    }
    const status =
      (err as { status?: number; statusCode?: number }).status ??
      (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser / multer errors (malformed JSON, file too large…)
      res
        .status(status)
        .json({ error: { code: 'invalid_request', message: (err as Error).message } });
      return;
    }
    log.error({ err, reqId: req.id }, 'unhandled error');
    res
      .status(500)
      .json({ error: { code: 'internal', message: 'Error interno; se registró para revisión' } });
  };
}
