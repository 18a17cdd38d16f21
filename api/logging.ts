/**
 * Logs without personal data (LOPDP). Every process builds its logger with {@link createLogger}:
 *
 * - request logs carry only the request id, method, route pattern, status and duration (no URL,
 *   query, headers, bodies or client address);
 * - errors (`err`, `error`) are logged by type, code and stack frames: their messages often quote
 *   data (a workflow id holds the account number, a database error the values, an SMTP refusal
 *   the recipient) and are left out;
 * - fields that hold personal data or secrets (holder, cédula/RUC, e-mail, phone, address,
 *   passwords, tokens, API keys, cookies, bodies) are replaced by `[redactado]` wherever they
 *   sit in a log object (top level or one level down);
 * - free text (messages, and strings from the Temporal SDK) is scrubbed of e-mail addresses and
 *   of runs of 9 to 13 digits (cédula, RUC, phone numbers).
 *
 * The Temporal Runtime (SDK and Core logs, activity context loggers) goes through the same logger
 * with {@link temporalRuntimeLogging}.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { routePattern } from './metrics.js';

/** A caller's `x-request-id` is kept only when it looks like an id, never free text. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const shortCode = (v: unknown) =>
  (typeof v === 'string' && v.length <= 64) || typeof v === 'number' ? v : undefined;

/** Marks an error already made safe (serializing twice keeps it as it is). */
const SAFE_ERROR = Symbol('safeError');

/** An error as logged: type, code, failure type (Temporal) and stack frames; no message. */
export function errorWithoutData(err: unknown): Record<string, unknown> {
  if (typeof err !== 'object' || err === null) return { type: typeof err };
  if (SAFE_ERROR in err) return err as Record<string, unknown>;
  const e = err as {
    name?: unknown;
    code?: unknown;
    type?: unknown;
    stack?: unknown;
    cause?: unknown;
  };
  const frames =
    typeof e.stack === 'string'
      ? e.stack
          .split('\n')
          .filter((l) => /^\s+at /.test(l))
          .map((l) => l.trim())
      : undefined;
  const cause = e.cause as { name?: unknown; type?: unknown } | undefined;
  return {
    [SAFE_ERROR]: true,
    type: typeof e.name === 'string' ? e.name : 'Error',
    code: shortCode(e.code),
    failureType: shortCode(e.type),
    cause:
      cause && typeof cause === 'object'
        ? { type: shortCode(cause.name), failureType: shortCode(cause.type) }
        : undefined,
    frames,
  };
}

/** Keys whose values are personal data or secrets, wherever they appear in a log object. */
export const PERSONAL_KEYS = [
  'holderName',
  'holder',
  'titular',
  'displayName',
  'holderId',
  'cedula',
  'cedula_ruc',
  'ruc',
  'email',
  'correo',
  'recipient',
  'to',
  'phone',
  'telefono',
  'address',
  'direccion',
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'tokenHash',
  'apiKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'body',
  'row',
  'rows',
  'data',
] as const;

const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`);

/** pino `redact` paths: each personal key at the top level and one or two levels down. */
export const REDACT_PATHS: string[] = PERSONAL_KEYS.flatMap((k) => [
  key(k).replace(/^\./, ''),
  `*${key(k)}`,
  `*.*${key(k)}`,
]);

export const REDACTED = '[redactado]';

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** Cédula (10), RUC (13), phone numbers (9-10, or with +593): never an account number (7). */
const LONG_DIGITS = /(?<![\w-])\+?\d{9,13}(?![\w-])/g;

/** Free text without e-mail addresses and identity or phone numbers. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[correo]').replace(LONG_DIGITS, '[número]');
}

/** Serializers and redaction shared by every logger of the system. */
const SAFE = {
  serializers: { err: errorWithoutData, error: errorWithoutData },
  redact: { paths: REDACT_PATHS, censor: REDACTED },
};

/**
 * The system's logger (API, worker, dispatcher, scripts): JSON lines to `destination` (default
 * stdout), with errors without messages, personal fields redacted and messages scrubbed.
 */
export function createLogger(
  opts: { level?: Level | 'silent'; name?: string; base?: Record<string, unknown> } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.base ? { base: opts.base } : {}),
      ...SAFE,
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination(1),
  );
}

/**
 * The app's logger over whatever `base` it is given: `err` fields go through
 * {@link errorWithoutData} and personal fields are redacted.
 */
export function appLogger(base: Logger): Logger {
  return base.child({}, SAFE);
}

const LEVELS: Record<LogLevel, Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** A meta value as logged: errors without messages, strings scrubbed, objects two levels deep. */
function safeValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return errorWithoutData(value);
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 2) return '[objeto]';
  if (Array.isArray(value)) return value.map((v) => safeValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeValue(v, depth + 1)]));
}

/** Temporal's log metadata; `err`/`error` are left to the logger's serializers. */
function safeMeta(meta: LogMetadata): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(meta).map(([k, v]) => [
      k,
      (k === 'err' || k === 'error') && v instanceof Error ? v : safeValue(v, 1),
    ]),
  );
}

/** The Temporal SDK's logger interface over `log` (errors, personal fields and text made safe). */
export function temporalLogger(log: Logger): TemporalLogger {
  const safe = appLogger(log);
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const fields = meta ? safeMeta(meta) : {};
    safe[LEVELS[level]](fields, scrubText(message));
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

/**
 * Options for `Runtime.install` so that the SDK's logs, activity context logs and Core's
 * (native) logs all reach `log` through {@link temporalLogger}, instead of stderr unfiltered.
 * Install before creating any connection or worker in the process.
 */
export function temporalRuntimeLogging(
  log: Logger,
): Pick<RuntimeOptions, 'logger' | 'telemetryOptions'> {
  return {
    logger: temporalLogger(log),
    telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
  };
}

/** pino-http over `log`, with the request id echoed in `x-request-id`. */
export function requestLogger(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    wrapSerializers: false,
    serializers: {
      req: (req: { id: string; method: string }) => ({ id: req.id, method: req.method }),
      // Serialised when the answer is logged, after routing: the pattern is known by then.
      res: (res: ServerResponse & { req: Request }) => ({
        route: routePattern(res.req),
        status: res.statusCode,
      }),
      err: errorWithoutData,
    },
    customAttributeKeys: { responseTime: 'durationMs' },
  });
}
