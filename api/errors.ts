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
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const businessRule = (message: string) => new ApiError(422, 'business_rule', message);

/** Field path → first message, for a form to show next to each input. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '(body)';
    out[key] ??= issue.message;
  }
  return out;
}

/**
 * How a refusal raised by a workflow (an ApplicationFailure `type`, see workflows/) reaches the
 * client. Branches on the type string: errors that crossed the workflow sandbox are never
 * matched with `instanceof`.
 */
const WORKFLOW_FAILURES: Record<string, { status: number; code: string }> = {
  TaskNotOpen: { status: 409, code: 'task_not_open' },
  Conflict: { status: 409, code: 'conflict' },
  CaseClosed: { status: 409, code: 'case_closed' },
  InvalidForm: { status: 400, code: 'invalid_form' },
  BusinessRule: { status: 422, code: 'business_rule' },
  Forbidden: { status: 403, code: 'forbidden' },
};

const named = (err: unknown, name: string) =>
  typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;

/**
 * How the SDK's workflow side refuses an update it has no handler for (a worker still on code
 * older than the update): an ApplicationFailure of type `Error` with this message
 * (@temporalio/workflow `rejectBufferedUpdates`).
 */
const NO_UPDATE_HANDLER = /^No registered handler for update: /;

/** The ApiError for a Temporal client error, or null when it is not one we can explain. */
export function fromTemporal(err: unknown): ApiError | null {
  if (named(err, 'WorkflowUpdateFailedError')) {
    const cause = (err as { cause?: { type?: unknown; message?: unknown } }).cause;
    const known = typeof cause?.type === 'string' ? WORKFLOW_FAILURES[cause.type] : undefined;
    if (known && typeof cause?.message === 'string')
      return new ApiError(known.status, known.code, cause.message);
    // During a rolling deployment a worker on the previous version may run the case: the action
    // works once the new version takes it, so this is temporary, not the caller's fault.
    if (typeof cause?.message === 'string' && NO_UPDATE_HANDLER.test(cause.message))
      return new ApiError(
        503,
        'unavailable',
        'El caso lo atiende ahora una versión anterior del sistema, que aún no admite esta acción; intente de nuevo en unos minutos',
      );
    return null;
  }
  // The database knew the case but its workflow is gone: it finished in the meantime.
  if (named(err, 'WorkflowNotFoundError'))
    return new ApiError(409, 'case_closed', 'El caso ya no está en curso');
  if (named(err, 'WorkflowUpdateRPCTimeoutOrCancelledError'))
    return new ApiError(503, 'unavailable', 'El caso no respondió a tiempo; intente de nuevo');
  return null;
}

/** Errors of body-parser and multer, which carry their own status or code. */
function fromMiddleware(err: unknown): ApiError | null {
  const e = err as { type?: unknown; status?: unknown; code?: unknown; field?: unknown };
  if (named(err, 'MulterError')) {
    if (e.code === 'LIMIT_FILE_SIZE')
      return new ApiError(413, 'too_large', 'El archivo supera el tamaño máximo');
    const field = typeof e.field === 'string' ? e.field : 'file';
    return new ApiError(400, 'invalid_request', 'Envío de archivo inválido', {
      [field]: 'un solo archivo, en el campo indicado',
    });
  }
  if (e.type === 'entity.parse.failed')
    return new ApiError(400, 'invalid_request', 'El cuerpo no es JSON válido');
  if (e.type === 'entity.too.large')
    return new ApiError(413, 'too_large', 'El cuerpo de la solicitud es demasiado grande');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return new ApiError(e.status, 'invalid_request', 'Solicitud inválida');
  return null;
}

/** The one place every error becomes an answer; 5xx never reveal internals. */
export function errorMapper(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let api: ApiError | null = null;
    if (err instanceof ApiError) api = err;
    else if (err instanceof z.ZodError)
      api = new ApiError(400, 'invalid_request', 'Datos inválidos', fieldErrors(err));
    else api = fromTemporal(err) ?? fromMiddleware(err);

    if (!api || api.status >= 500)
      log.error({ err, reqId: req.id }, api ? 'service unavailable' : 'unhandled error');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (!api) {
      res
        .status(500)
        .json({ error: { code: 'internal', message: 'Error interno; se registró para revisión' } });
      return;
    }
    res
      .status(api.status)
      .json({ error: { code: api.code, message: api.message, fields: api.fields } });
  };
}
